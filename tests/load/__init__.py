"""The app as it runs in production, driven from outside: real gunicorn processes, a real
PostgreSQL and Redis, many clients at once (`python -m tests.load`), and a test that two
app servers on one database behave as one (tests/test_several_servers.py)."""
