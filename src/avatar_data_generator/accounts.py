"""Accounts and API tokens: create, check, revoke, end sessions. Tokens are stored hashed."""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from avatar_data_generator.db import begin_write, db, utcnow
from avatar_data_generator.models import ApiToken, User

TOKEN_PREFIX = "adg_"
MIN_PASSWORD = 8
MAX_PASSWORD = 1024


class AccountError(ValueError):
    """An account operation was refused; the message says why, `field` names what to fix."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _check_password(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password must be at least {MIN_PASSWORD} characters", field)
    if len(password) > MAX_PASSWORD or "\x00" in password:
        raise AccountError(f"password must be at most {MAX_PASSWORD} characters, no NUL", field)


def _user_named(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AccountError(f"no user {username!r}", "username")
    return user


def _user_by_id(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise AccountError(f"no user with id {user_id}")
    return user


def create_user(username: str, password: str, *, is_admin: bool = False) -> User:
    """Create an account; usernames are unique."""
    username = username.strip()
    if not username or len(username) > 80 or "\x00" in username:
        raise AccountError("username must be 1 to 80 characters", "username")
    _check_password(password)
    begin_write()
    if db.session.scalar(select(User).where(User.username == username)) is not None:
        raise AccountError(f"user {username!r} already exists", "username")
    user = User(
        username=username, password_hash=generate_password_hash(password), is_admin=is_admin
    )
    db.session.add(user)
    db.session.commit()
    return user


def _new_password(user: User, password: str) -> None:
    """Set the hash and end every session of the user (in the caller's transaction)."""
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(
            password_hash=generate_password_hash(password),
            session_epoch=User.session_epoch + 1,
        )
    )


def set_password(username: str, password: str) -> None:
    """Replace a user's password (CLI, admins); every session of that user ends."""
    _check_password(password)
    begin_write()
    _new_password(_user_named(username), password)
    db.session.commit()


def reset_password(user_id: int, password: str) -> None:
    """An admin sets someone's password; every session of that user ends."""
    _check_password(password)
    begin_write()
    _new_password(_user_by_id(user_id), password)
    db.session.commit()


def change_password(user_id: int, current: str, new: str) -> None:
    """A user changes their own password, proving the current one; their sessions end."""
    _check_password(new, "new_password")
    begin_write()
    user = _user_by_id(user_id)
    if not check_password_hash(user.password_hash, current):
        raise AccountError("that is not your current password", "current_password")
    _new_password(user, new)
    db.session.commit()


@functools.cache
def _dummy_hash() -> str:
    """A hash made the way real ones are, checked when there is no such user."""
    return generate_password_hash(secrets.token_urlsafe(16))


def authenticate(username: str, password: str) -> User | None:
    """The user if the password matches, else None; takes as long for unknown usernames."""
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    matches = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    return user if user is not None and matches else None


def end_sessions(user_id: int) -> None:
    """Log a user out everywhere: every session and remember-me cookie stops working."""
    begin_write()
    db.session.execute(
        update(User).where(User.id == user_id).values(session_epoch=User.session_epoch + 1)
    )
    db.session.commit()


def user_id_of(username: str) -> int:
    """The id of a username (AccountError if there is none)."""
    return _user_named(username).id


def end_sessions_of(username: str) -> None:
    """`end_sessions` by username (the CLI)."""
    end_sessions(user_id_of(username))


def set_admin(user_id: int, is_admin: bool) -> User:
    """Make or unmake an admin; the last admin stays one."""
    begin_write()
    # Lock the admins' rows (PostgreSQL) so two admins unmaking each other cannot both win.
    admins = db.session.scalars(select(User.id).where(User.is_admin).with_for_update()).all()
    user = _user_by_id(user_id)
    if not is_admin and user.is_admin and len(admins) <= 1:
        raise AccountError("the last admin cannot stop being one; make someone else admin first")
    user.is_admin = is_admin
    db.session.commit()
    return user


def list_users() -> list[User]:
    """Every account, by username."""
    return list(db.session.scalars(select(User).order_by(User.username)).all())


def admin_names() -> list[str]:
    """Usernames of the admins."""
    return list(db.session.scalars(select(User.username).where(User.is_admin).order_by("username")))


def create_token(username: str, name: str = "cli") -> str:
    """Issue a new API token for a user; the plain token is returned once and never stored."""
    name = name.strip()
    if not name or len(name) > 100 or "\x00" in name:
        raise AccountError("token name must be 1 to 100 characters", "name")
    begin_write()
    user = _user_named(username)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), name=name))
    db.session.commit()
    return token


def list_tokens(user_id: int) -> list[ApiToken]:
    """A user's tokens, newest first, revoked ones included."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user_id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        ).all()
    )


def revoke_token(user_id: int, token_id: int) -> bool:
    """Revoke one of the user's own tokens; False if there is no such live token."""
    begin_write()
    done = db.session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    db.session.commit()
    return bool(done.rowcount)  # type: ignore[attr-defined]


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
    user = _user_named(username)
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
