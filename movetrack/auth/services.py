from __future__ import annotations

import sqlalchemy as sa

from movetrack import audit
from movetrack.auth.models import User
from movetrack.clock import utcnow
from movetrack.extensions import db
from movetrack.security import hash_password, needs_rehash, verify_password


def normalised_username(typed: str) -> str:
    """Usernames are stored lower-case; what is typed may have spaces and capitals."""
    return typed.strip().lower()


def authenticate(username: str, password: str) -> User | None:
    """The active user with this username and password, or None (same time either way)."""
    user = db.session.scalar(sa.select(User).where(User.username == normalised_username(username)))
    if not verify_password(user.password_hash if user else None, password):
        return None
    if not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.flush()
    return user


def change_password(user: User, current: str, new: str) -> bool:
    if not verify_password(user.password_hash, current):
        return False
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    user.end_all_sessions()
    audit.record(user, "user.password_changed", user)
    db.session.flush()
    return True


def sign_out_everywhere(user) -> None:
    """Signing out on one tablet also ends a session left open or remembered on another.
    `user` is a staff User or a signed-in participant (mypages.session), each of which
    knows which sessions are theirs."""
    user.end_all_sessions()
    db.session.flush()
