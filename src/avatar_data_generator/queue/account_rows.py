"""Users, API tokens and login attempts as accounts and sign-in read and write them.

Each function runs one statement in the caller's session (or connection); the caller owns the
transaction (`db.begin_write()` first when it reads, then writes).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Connection

from avatar_data_generator.db import is_postgres
from avatar_data_generator.models import ApiToken, LoginAttempt, User
from avatar_data_generator.queue.dialect import sql
from avatar_data_generator.queue.locks import advisory_key
from avatar_data_generator.queue.task_rows import DbSession

# ---------------------------------------------------------------- users


def user_by_id(session: DbSession, user_id: int) -> User | None:
    """The user with this id, or None."""
    return session.get(User, user_id)


def user_named(session: DbSession, username: str) -> User | None:
    """The user with this username, or None."""
    return session.scalar(select(User).where(User.username == username))


def any_user(session: DbSession) -> bool:
    """Whether any account exists."""
    return session.scalar(select(User.id).limit(1)) is not None


def insert_user(session: DbSession, username: str, password_hash: str, is_admin: bool) -> User:
    """Add an account (written at the next flush)."""
    user = User(username=username, password_hash=password_hash, is_admin=is_admin)
    session.add(user)
    return user


def set_password_hash(session: DbSession, user_id: int, password_hash: str) -> None:
    """Set a user's password hash and end every session of theirs."""
    session.execute(
        update(User)
        .where(User.id == user_id)
        .values(password_hash=password_hash, session_epoch=User.session_epoch + 1)
    )


def end_sessions(session: DbSession, user_id: int) -> None:
    """Raise a user's session epoch: every session and remember-me cookie stops working."""
    session.execute(
        update(User).where(User.id == user_id).values(session_epoch=User.session_epoch + 1)
    )


def lock_admins(session: DbSession) -> list[int]:
    """The admins' ids, their rows locked (PostgreSQL) until the transaction ends."""
    return list(session.scalars(select(User.id).where(User.is_admin).with_for_update()).all())


def set_admin(session: DbSession, user_id: int, is_admin: bool) -> None:
    """Make or unmake an admin."""
    session.execute(update(User).where(User.id == user_id).values(is_admin=is_admin))


def record_login(session: DbSession, user_id: int, at: datetime) -> None:
    """Remember when a user last logged in."""
    session.execute(update(User).where(User.id == user_id).values(last_login_at=at))


def users(session: DbSession) -> list[User]:
    """Every account, by username."""
    return list(session.scalars(select(User).order_by(User.username)).all())


def admin_names(session: DbSession) -> list[str]:
    """Usernames of the admins, in order."""
    query = select(User.username).where(User.is_admin).order_by(User.username)
    return list(session.scalars(query).all())


# ---------------------------------------------------------------- API tokens


def insert_token(session: DbSession, user_id: int, token_hash: str, name: str) -> None:
    """Add a token (written at the next flush)."""
    session.add(ApiToken(user_id=user_id, token_hash=token_hash, name=name))


def tokens_of(session: DbSession, user_id: int) -> list[ApiToken]:
    """A user's tokens, newest first, revoked ones included."""
    query = (
        select(ApiToken)
        .where(ApiToken.user_id == user_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return list(session.scalars(query).all())


def live_token(session: DbSession, token_hash: str) -> ApiToken | None:
    """The unrevoked token with this hash, or None."""
    return session.scalar(
        select(ApiToken).where(ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None))
    )


def touch_token(conn: Connection, token_id: int, now: datetime, resolution: timedelta) -> None:
    """Record a token's use, unless it was recorded less than `resolution` ago."""
    conn.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            (ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at < now - resolution),
        )
        .values(last_used_at=now)
    )


def revoke_token(session: DbSession, user_id: int, token_id: int, at: datetime) -> bool:
    """Revoke one live token of a user; False if the user has no such live token."""
    done = session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]


def revoke_tokens(session: DbSession, user_id: int, at: datetime) -> int:
    """Revoke every live token of a user; returns how many."""
    done = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    return int(done.rowcount)  # type: ignore[attr-defined]


# ---------------------------------------------------------------- login attempts


def count_attempts(session: DbSession, key: str, since: datetime) -> int:
    """Login attempts with this key since `since`."""
    count = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.key == key, LoginAttempt.attempted_at > since)
    )
    return int(count or 0)


def lock_attempts(session: DbSession, key: str) -> None:
    """Take the turn of this throttling key until the transaction ends (PostgreSQL; SQLite's
    write transaction already serialises), so that a count and the attempt it admits are one."""
    conn = session.connection()
    if is_postgres(conn):
        conn.execute(sql("SELECT pg_advisory_xact_lock(:k)"), {"k": advisory_key("login:" + key)})


def insert_attempt(session: DbSession, key: str, at: datetime) -> None:
    """Record a login attempt (written at the next flush)."""
    session.add(LoginAttempt(key=key, attempted_at=at))


def old_attempt_ids(session: DbSession, before: datetime, limit: int) -> list[int]:
    """Up to `limit` attempts older than `before`, locked, skipping rows others hold."""
    query = select(LoginAttempt.id).where(LoginAttempt.attempted_at < before).limit(limit)
    return list(session.scalars(query.with_for_update(skip_locked=True)).all())


def delete_attempts(session: DbSession, ids: list[int]) -> None:
    """Delete these login attempts."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.id.in_(ids)))


def forget_attempts(session: DbSession, key: str) -> None:
    """Delete every login attempt with this key (after a successful login)."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.key == key))
