"""Typed models: tasks, their batches (the unit of work), personas, settings, accounts."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from avatar_data_generator.db import Base, UTCDateTime, utcnow


class TaskStatus(enum.StrEnum):
    """Where a task is in its lifecycle; stored as exactly these strings."""

    #: Submitted, no batch claimed yet.
    PENDING = "pending"
    #: At least one batch claimed; personas are being generated.
    GENERATING = "generating-data"
    #: Every batch finished and every persona stored.
    DATA_GENERATED = "data-generated"
    #: Post-processing (avatars, quality report) written too.
    COMPLETED = "completed"
    #: A batch failed for good (attempts exhausted or a permanent provider error).
    FAILED = "failed"
    #: A user stopped it; unfinished batches are not handed out.
    CANCELLED = "cancelled"

    @classmethod
    def active(cls) -> tuple[str, ...]:
        """Statuses whose batches may still be claimed."""
        return (cls.PENDING.value, cls.GENERATING.value)

    @classmethod
    def finished(cls) -> tuple[str, ...]:
        """Statuses that set `finished_at`."""
        return (cls.COMPLETED.value, cls.FAILED.value, cls.CANCELLED.value)


class BatchStatus(enum.StrEnum):
    """Where one batch (one provider call's worth of personas) is."""

    #: Waiting to be claimed, possibly not before `available_at` (backoff).
    PENDING = "pending"
    #: Claimed under a lease by `lease_owner` until `lease_expires_at`.
    RUNNING = "running"
    #: Its personas are stored.
    DONE = "done"
    #: Attempts exhausted or a permanent error; fails its task.
    FAILED = "failed"
    #: Its task was cancelled before it ran.
    CANCELLED = "cancelled"


def _values(enum_cls: type[enum.StrEnum]) -> str:
    return ", ".join(f"'{member.value}'" for member in enum_cls)


def new_uuid() -> str:
    """A random UUID as text (portable across SQLite and PostgreSQL)."""
    return str(uuid.uuid4())


class GenerationTask(Base):
    """One request for N personas; its status and counts follow from its batches."""

    __tablename__ = "generation_tasks"
    __table_args__ = (
        CheckConstraint(f"status IN ({_values(TaskStatus)})", name="status"),
        CheckConstraint("requested > 0", name="requested_positive"),
        UniqueConstraint("user_id", "idempotency_key"),
        # Small partial index: only unfinished tasks, which is what the claim scans.
        Index(
            "ix_generation_tasks_active",
            "created_at",
            postgresql_where=text("status IN ('pending', 'generating-data')"),
            sqlite_where=text("status IN ('pending', 'generating-data')"),
        ),
        Index("ix_generation_tasks_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    status: Mapped[str] = mapped_column(String(20), default=TaskStatus.PENDING.value)
    requested: Mapped[int] = mapped_column(Integer)
    batch_size: Mapped[int] = mapped_column(Integer)
    provider: Mapped[str] = mapped_column(String(20))
    locale: Mapped[str] = mapped_column(String(20), default="en")
    seed: Mapped[int | None] = mapped_column(BigInteger)
    bio_settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    generated: Mapped[int] = mapped_column(Integer, default=0)
    batches_total: Mapped[int] = mapped_column(Integer, default=0)
    batches_done: Mapped[int] = mapped_column(Integer, default=0)
    provider_calls: Mapped[int] = mapped_column(Integer, default=0)
    tokens_used: Mapped[int | None] = mapped_column(Integer)
    #: Prompt and completion tokens, as the provider reported them or estimated from the text.
    tokens_in: Mapped[int | None] = mapped_column(Integer)
    tokens_out: Mapped[int | None] = mapped_column(Integer)
    #: What the provider calls cost, from PROVIDER_PRICES (None when no price is set).
    cost: Mapped[float | None] = mapped_column(Float)
    #: `sampled`: the population sampler draws the facts, the model writes the prose;
    #: `model`: the model invents every fact.
    facts: Mapped[str] = mapped_column(String(10), default="sampled", server_default="sampled")
    #: Provider calls that failed (429s, outages, errors); `provider_calls` counts every call.
    provider_errors: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    #: Provider, model or chatflow, prompt version: what made this data.
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Asked, received, repaired, rejected by reason, duplicates, top-ups.
    quality: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The creating user's username (kept if the account goes); null for the CLI's tasks.
    created_by: Mapped[str | None] = mapped_column(String(80))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class GenerationBatch(Base):
    """A claimable slice of a task: `size` personas from one provider call, under a lease."""

    __tablename__ = "generation_batches"
    __table_args__ = (
        UniqueConstraint("task_id", "batch_index"),
        CheckConstraint(f"status IN ({_values(BatchStatus)})", name="status"),
        Index(
            "ix_generation_batches_pending",
            "task_id",
            "batch_index",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index(
            "ix_generation_batches_running",
            "lease_expires_at",
            postgresql_where=text("status = 'running'"),
            sqlite_where=text("status = 'running'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("generation_tasks.task_id", ondelete="CASCADE"))
    batch_index: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    #: A top-up batch makes up for personas a model failed to deliver.
    is_topup: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default=BatchStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    generated: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(36))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class GenerationResult(Base):
    """One stored persona, keyed by (task, batch, position) so a replay writes nothing twice."""

    __tablename__ = "generation_results"
    __table_args__ = (
        # Duplicates within a task are refused by the database itself.
        UniqueConstraint("task_id", "dedupe_key"),
        UniqueConstraint("task_id", "username"),
        UniqueConstraint("task_id", "email"),
    )

    task_id: Mapped[str] = mapped_column(
        ForeignKey("generation_tasks.task_id", ondelete="CASCADE"), primary_key=True
    )
    batch_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The persona's own UUID (random, so unique without an index of its own).
    id: Mapped[str] = mapped_column(String(36), default=new_uuid)
    first_name: Mapped[str] = mapped_column(String(200))
    last_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date] = mapped_column(Date)
    username: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    #: Normalised first+last name and birth date.
    dedupe_key: Mapped[str] = mapped_column(String(500))
    #: The whole persona as the contract shapes it.
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BioSettings(Base):
    """Saved default bio settings (one row per scope; `default` is the team's)."""

    __tablename__ = "bio_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(50), unique=True, default="default")
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class User(Base):
    """An account that logs in to the pages and owns API tokens."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Raised by logout, a password change and "log out everywhere": older sessions stop working.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Flask-Login protocol
    is_active = True
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        """Flask-Login's session identifier: id, session epoch and issue time (see auth.py)."""
        from avatar_data_generator.auth import session_identifier

        return session_identifier(self)


class ApiToken(Base):
    """A bearer token, stored as its SHA-256 hash; revoked tokens stay for the audit trail."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="cli")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QueueSample(Base):
    """Queue depth and throughput sampled by the scheduler tick, for the dashboard's charts."""

    __tablename__ = "queue_samples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sampled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    queue_depth: Mapped[int] = mapped_column(Integer)
    running_batches: Mapped[int] = mapped_column(Integer)


class LoginAttempt(Base):
    """Failed logins per username and address, for throttling across processes."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProviderState(Base):
    """A provider paused for every process: a Retry-After, or an outage the breaker saw.

    The claim skips the batches of a provider paused until later; an outage is probed by one
    process at a time (heartbeat) and lifted when the provider answers.
    """

    __tablename__ = "provider_state"

    provider: Mapped[str] = mapped_column(String(20), primary_key=True)
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: `rate-limited` (a Retry-After) or `outage` (the breaker is open).
    pause_reason: Mapped[str | None] = mapped_column(String(20))
    paused_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProviderLimit(Base):
    """One process's adaptive concurrency for a provider, refreshed by its heartbeat."""

    __tablename__ = "provider_limits"

    owner: Mapped[str] = mapped_column(String(36), primary_key=True)
    provider: Mapped[str] = mapped_column(String(20), primary_key=True)
    concurrency: Mapped[int] = mapped_column(Integer)
    maximum: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
