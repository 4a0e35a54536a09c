from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from movetrack.auth.forms import ChangePasswordForm, LoginForm
from movetrack.auth.policy import Kind, allowed
from movetrack.auth.services import authenticate, change_password
from movetrack.extensions import limiter, login_manager
from movetrack.mypages.session import load_principal

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = None  # the login page itself explains; no extra banner


@login_manager.user_loader
def load_user(session_id: str):
    return load_principal(session_id)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _attempted_username() -> str:
    # A second limit per account slows password guessing spread over many addresses.
    return "login:" + request.form.get("username", "").strip().lower()


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so a crafted link cannot bounce a user to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
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
@allowed("change", Kind.ACCOUNT)
def password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if change_password(current_user, form.current_password.data, form.new_password.data):
            flash(_("Your password is changed."), "success")
            return redirect(url_for("main.home"))
        form.current_password.errors.append(_("That is not your current password."))
    return render_template("auth/password.html", form=form)
