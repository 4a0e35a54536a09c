from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, redirect, request, session, url_for
from flask_login import current_user, login_required

from movetrack.auth.models import Role
from movetrack.extensions import csrf, db, limiter

bp = Blueprint("main", __name__)

HOME_BY_ROLE = {
    Role.ADMIN: "progress.day",
    Role.SUPERVISOR: "progress.day",
    Role.ORDERER: "caseworker.orders",
    Role.PARTICIPANT: "modules.library",
}


@bp.get("/")
@login_required
def home():
    return redirect(url_for(HOME_BY_ROLE[current_user.role]))


@bp.post("/language")
def set_language():
    """Remembered in the session, so a shared tablet can switch without signing in."""
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
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
