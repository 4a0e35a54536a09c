"""Entry point for gunicorn: `gunicorn wsgi:app`."""

from movetrack import create_app

app = create_app()
