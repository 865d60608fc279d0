"""Accounts and API tokens: create, check, revoke. Tokens are stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from avatar_data_generator.db import begin_write, db, utcnow
from avatar_data_generator.models import ApiToken, User

TOKEN_PREFIX = "adg_"


class AccountError(ValueError):
    """An account operation was refused; the message says why."""


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(username: str, password: str, *, is_admin: bool = False) -> User:
    """Create an account; usernames are unique."""
    username = username.strip()
    if not username or len(username) > 80:
        raise AccountError("username must be 1 to 80 characters")
    if len(password) < 8:
        raise AccountError("password must be at least 8 characters")
    begin_write()
    if db.session.scalar(select(User).where(User.username == username)) is not None:
        raise AccountError(f"user {username!r} already exists")
    user = User(
        username=username, password_hash=generate_password_hash(password), is_admin=is_admin
    )
    db.session.add(user)
    db.session.commit()
    return user


def set_password(username: str, password: str) -> None:
    """Replace a user's password."""
    begin_write()
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AccountError(f"no user {username!r}")
    if len(password) < 8:
        raise AccountError("password must be at least 8 characters")
    user.password_hash = generate_password_hash(password)
    db.session.commit()


def authenticate(username: str, password: str) -> User | None:
    """The user if the password matches, else None."""
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not check_password_hash(user.password_hash, password):
        return None
    return user


def create_token(username: str, name: str = "cli") -> str:
    """Issue a new API token for a user; the plain token is returned once and never stored."""
    begin_write()
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AccountError(f"no user {username!r}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), name=name))
    db.session.commit()
    return token


#: `last_used_at` is written at most this often per token: a bearer call is a read, not a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def user_for_token(token: str) -> User | None:
    """The owner of a valid, unrevoked token (its last use recorded at most once a minute)."""
    row = db.session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None:
        return None
    user = db.session.get(User, row.user_id)
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        # Its own short write, guarded so concurrent calls write once, not once each.
        with db.engine.begin() as conn:
            conn.execute(
                update(ApiToken)
                .where(
                    ApiToken.id == row.id,
                    (ApiToken.last_used_at.is_(None))
                    | (ApiToken.last_used_at < now - LAST_USED_RESOLUTION),
                )
                .values(last_used_at=now)
            )
    return user


def revoke_tokens(username: str) -> int:
    """Revoke every token a user holds; returns how many."""
    begin_write()
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AccountError(f"no user {username!r}")
    rows = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    for row in rows:
        row.revoked_at = utcnow()
    db.session.commit()
    return len(rows)


def ensure_first_admin() -> tuple[str, str] | None:
    """On first run create `admin` with a random password; returns (username, password) once.

    The read ends its transaction either way: the caller (`serve`) keeps its app context, and
    with it this session, for the life of the server.
    """
    try:
        if db.session.scalar(select(User.id).limit(1)) is not None:
            return None
        password = secrets.token_urlsafe(12)
        create_user("admin", password, is_admin=True)
        return "admin", password
    finally:
        db.session.remove()
