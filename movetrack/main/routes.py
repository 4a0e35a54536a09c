from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    request,
    send_from_directory,
    url_for,
)
from flask_login import current_user, login_required

from movetrack.auth.policy import home_endpoint
from movetrack.extensions import csrf, db, limiter
from movetrack.i18n import choose_language

bp = Blueprint("main", __name__)

# The icon changes with a release at most; browsers ask for /favicon.ico on every page.
FAVICON_MAX_AGE = 30 * 86400


@bp.get("/")
@login_required
def home():
    return redirect(url_for(home_endpoint(current_user)))


@bp.post("/language")
def set_language():
    """Remembered in the session, so a shared tablet can switch without signing in."""
    choose_language(request.form.get("lang"))
    referrer = request.referrer or ""
    same_site = referrer.startswith(request.host_url)
    return redirect(referrer if same_site else url_for("main.home"))


@bp.get("/healthz")
@limiter.exempt
@csrf.exempt
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
        database = "ok"
    except sa.exc.SQLAlchemyError as error:
        current_app.logger.error("health check: database unreachable: %s", error)
        database = "unreachable"
    status = 200 if database == "ok" else 503
    return jsonify(status="ok" if status == 200 else "degraded", database=database), status


@bp.get("/favicon.ico")
@limiter.exempt
def favicon():
    """Our own icon (scripts/build_favicon.py), where browsers look for it unasked."""
    return send_from_directory(
        current_app.static_folder,
        "favicon.ico",
        mimetype="image/vnd.microsoft.icon",
        max_age=FAVICON_MAX_AGE,
    )
