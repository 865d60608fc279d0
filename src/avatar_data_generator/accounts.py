"""Accounts and API tokens: create, check, revoke, end sessions. Tokens are stored hashed."""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta

from werkzeug.security import check_password_hash, generate_password_hash

from avatar_data_generator.db import begin_write, db, utcnow
from avatar_data_generator.models import ApiToken, User
from avatar_data_generator.queue import account_rows

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
    """Refuse passwords that are too short, too long or hold NUL."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password must be at least {MIN_PASSWORD} characters", field)
    if len(password) > MAX_PASSWORD or "\x00" in password:
        raise AccountError(f"password must be at most {MAX_PASSWORD} characters, no NUL", field)


def _user_named(username: str) -> User:
    """The user with this username (AccountError if there is none)."""
    user = account_rows.user_named(db.session, username)
    if user is None:
        raise AccountError(f"no user {username!r}", "username")
    return user


def _user_by_id(user_id: int) -> User:
    """The user with this id (AccountError if there is none)."""
    user = account_rows.user_by_id(db.session, user_id)
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
    if account_rows.user_named(db.session, username) is not None:
        raise AccountError(f"user {username!r} already exists", "username")
    user = account_rows.insert_user(
        db.session, username, generate_password_hash(password), is_admin
    )
    db.session.commit()
    return user


def _new_password(user: User, password: str) -> None:
    """Set the hash and end every session of the user (in the caller's transaction)."""
    account_rows.set_password_hash(db.session, user.id, generate_password_hash(password))


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
    user = account_rows.user_named(db.session, username.strip())
    matches = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    return user if user is not None and matches else None


def end_sessions(user_id: int) -> None:
    """Log a user out everywhere: every session and remember-me cookie stops working."""
    begin_write()
    account_rows.end_sessions(db.session, user_id)
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
    admins = account_rows.lock_admins(db.session)
    user = _user_by_id(user_id)
    if not is_admin and user.is_admin and len(admins) <= 1:
        raise AccountError("the last admin cannot stop being one; make someone else admin first")
    account_rows.set_admin(db.session, user.id, is_admin)
    db.session.commit()
    return user


def list_users() -> list[User]:
    """Every account, by username."""
    return account_rows.users(db.session)


def admin_names() -> list[str]:
    """Usernames of the admins."""
    return account_rows.admin_names(db.session)


def create_token(username: str, name: str = "cli") -> str:
    """Issue a new API token for a user; the plain token is returned once and never stored."""
    name = name.strip()
    if not name or len(name) > 100 or "\x00" in name:
        raise AccountError("token name must be 1 to 100 characters", "name")
    begin_write()
    user = _user_named(username)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    account_rows.insert_token(db.session, user.id, hash_token(token), name)
    db.session.commit()
    return token


def list_tokens(user_id: int) -> list[ApiToken]:
    """A user's tokens, newest first, revoked ones included."""
    return account_rows.tokens_of(db.session, user_id)


def revoke_token(user_id: int, token_id: int) -> bool:
    """Revoke one of the user's own tokens; False if there is no such live token."""
    begin_write()
    done = account_rows.revoke_token(db.session, user_id, token_id, utcnow())
    db.session.commit()
    return done


#: `last_used_at` is written at most this often per token: a bearer call is a read, not a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def user_for_token(token: str) -> User | None:
    """The owner of a valid, unrevoked token (its last use recorded at most once a minute)."""
    row = account_rows.live_token(db.session, hash_token(token))
    if row is None:
        return None
    user = account_rows.user_by_id(db.session, row.user_id)
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        # Its own short write, guarded so concurrent calls write once, not once each.
        with db.engine.begin() as conn:
            account_rows.touch_token(conn, row.id, now, LAST_USED_RESOLUTION)
    return user


def revoke_tokens(username: str) -> int:
    """Revoke every token a user holds; returns how many."""
    begin_write()
    user = _user_named(username)
    count = account_rows.revoke_tokens(db.session, user.id, utcnow())
    db.session.commit()
    return count


def ensure_first_admin() -> tuple[str, str] | None:
    """On first run create `admin` with a random password; returns (username, password) once.

    The read ends its transaction either way: the caller (`serve`) keeps its app context, and
    with it this session, for the life of the server.
    """
    try:
        if account_rows.any_user(db.session):
            return None
        password = secrets.token_urlsafe(12)
        create_user("admin", password, is_admin=True)
        return "admin", password
    finally:
        db.session.remove()
