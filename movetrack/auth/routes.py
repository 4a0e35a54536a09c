from __future__ import annotations

import re

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from movetrack.auth.forms import ChangePasswordForm, LoginForm
from movetrack.auth.models import User
from movetrack.auth.services import authenticate, change_password
from movetrack.extensions import db, limiter, login_manager

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = None  # the login page itself explains; no extra banner


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _attempted_username() -> str:
    # A second limit per account slows password guessing spread over many addresses.
    return "login:" + request.form.get("username", "").strip().lower()


# Browsers drop tabs and newlines from a URL and read a backslash as a slash, so
# "/\t/evil" or "/\\evil" would become "//evil": another site. Such a target is refused
# outright rather than cleaned, and so is anything a header cannot carry.
_UNSAFE_IN_NEXT = re.compile(r"[\x00-\x1f\x7f\\]")


def _safe_next(target: str | None) -> str:
    """Only a path of this site, so a crafted link cannot bounce a user to another site."""
    # A path that starts with exactly one slash has neither a scheme nor a host.
    if target and target.startswith("/") and not target.startswith("//") \
            and not _UNSAFE_IN_NEXT.search(target):
        return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_attempted_username)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user:
            login_user(user, remember=form.remember.data)
            current_app.logger.info("sign-in: %s (%s)", user.username, user.role)
            return redirect(_safe_next(request.args.get("next")))
        current_app.logger.info("failed sign-in for %r", form.username.data)
        flash(_("Wrong username or password."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("You are signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if change_password(current_user, form.current_password.data, form.new_password.data):
            flash(_("Your password is changed."), "success")
            return redirect(url_for("main.home"))
        form.current_password.errors.append(_("That is not your current password."))
    return render_template("auth/password.html", form=form)
