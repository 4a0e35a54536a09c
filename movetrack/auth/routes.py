from __future__ import annotations

import re

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import (
    current_user,
    login_required,
    login_user,
    logout_user,
    user_loaded_from_cookie,
)

from movetrack import clock
from movetrack.auth import throttle
from movetrack.auth.forms import ChangePasswordForm, LoginForm
from movetrack.auth.models import User
from movetrack.auth.policy import Kind, allowed
from movetrack.auth.services import (
    authenticate,
    change_password,
    normalised_username,
    sign_out_everywhere,
)
from movetrack.auth.throttle import Refusal
from movetrack.extensions import login_manager
from movetrack.mypages.session import load_principal

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = None  # the login page itself explains; no extra banner


@login_manager.user_loader
def load_user(session_id: str):
    return load_principal(session_id)


@user_loaded_from_cookie.connect
def _remember_restored_session(_app, user) -> None:
    session["remembered"] = True


def _idle_for_too_long(now: float) -> bool:
    """A session without "keep me signed in" ends after SESSION_IDLE_MINUTES idle."""
    last_seen = session.get("last_seen")
    idle_limit = current_app.config["SESSION_IDLE_MINUTES"] * 60
    return not session.get("remembered") and last_seen is not None and now - last_seen > idle_limit


@bp.before_app_request
def end_idle_session() -> None:
    if request.endpoint == "static" or not current_user.is_authenticated:
        return
    now = clock.utcnow().timestamp()
    if _idle_for_too_long(now):
        logout_user()
        session.pop("last_seen", None)
        flash(_("You were signed out because the page was left unused."), "info")
        return
    session["last_seen"] = now


def _sign_in(user: User, remember: bool) -> None:
    login_user(user, remember=remember)
    session["remembered"] = remember
    session["last_seen"] = clock.utcnow().timestamp()


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


REFUSAL_MESSAGES = {
    Refusal.ADDRESS: _l(
        "Too many failed sign-ins from this device or network. Wait a while and try again, "
        "or ask a coordinator to clear the limit for the address %(address)s."
    ),
    Refusal.SLOWED: _l(
        "This account has had many failed sign-ins, so from a new device it can only be "
        "tried now and then. Wait a few seconds and try again."
    ),
}


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    username, address = normalised_username(form.username.data), throttle.client_address()
    refused = throttle.refusal(username, address)
    if refused:
        current_app.logger.warning("sign-in throttled (%s) for %r from %s", refused.value, username, address)
        flash(REFUSAL_MESSAGES[refused] % {"address": address}, "error")
        return render_template("auth/login.html", form=form), 429
    user = authenticate(username, form.password.data)
    if user is None:
        throttle.record_failure(username, address)
        current_app.logger.info("failed sign-in for %r from %s", username, address)
        flash(_("Wrong username or password."), "error")
        return render_template("auth/login.html", form=form)
    _sign_in(user, form.remember.data)
    current_app.logger.info("sign-in: %s (%s)", user.username, user.role)
    response = redirect(_safe_next(request.args.get("next")))
    throttle.record_success(username, address, response)
    return response


@bp.post("/logout")
@login_required
def logout():
    sign_out_everywhere(current_user)  # staff, a card, or participant mode: see end_all_sessions
    logout_user()
    flash(_("You are signed out."), "success")
    response = redirect(url_for("auth.login"))
    # Tablets are shared: the pages kept for offline use and the queue of unsent taps go
    # (Cache Storage, IndexedDB, the service worker). The page's script clears them too.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/account/password", methods=["GET", "POST"])
@allowed("change", Kind.ACCOUNT)
def password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if change_password(current_user, form.current_password.data, form.new_password.data):
            # Every other session has just ended; this one carries on under the new generation.
            _sign_in(current_user._get_current_object(), session.get("remembered", False))
            flash(_("Your password is changed."), "success")
            return redirect(url_for("main.home"))
        form.current_password.errors.append(_("That is not your current password."))
    return render_template("auth/password.html", form=form)
