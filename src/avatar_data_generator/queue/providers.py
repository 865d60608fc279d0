"""Providers' shared state: pauses every process honours, and each process's concurrency.

A 429 with Retry-After pauses its provider for everyone (`rate-limited`); an outage the breaker
saw pauses it until a probe finds it answering (`outage`). The claim skips the batches of a
paused provider, so they wait as `pending` and spend no attempt.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy.engine import Connection

from avatar_data_generator.db import is_postgres
from avatar_data_generator.queue.dialect import Clock, sql, utc_type

#: SQL that is true when a task's provider is paused right now (`{now}` the clock's now): a
#: Retry-After until it runs out, an outage until a probe lifts it.
PAUSED = (
    "EXISTS (SELECT 1 FROM provider_state ps WHERE ps.provider = t.provider"
    " AND (ps.paused_until > {now} OR ps.pause_reason = 'outage'))"
)


class Pause(NamedTuple):
    """A provider paused for every process."""

    provider: str
    reason: str
    since: datetime | None
    until: datetime | None
    last_error: str | None
    seconds_left: float


def pause_provider(
    conn: Connection, provider: str, seconds: float, reason: str, error: str
) -> None:
    """Pause a provider for `seconds` from now (never shorter than a pause already set)."""
    clock = Clock(conn)
    now, until = clock.now, clock.shifted(seconds, "until")
    latest = "GREATEST" if is_postgres(conn) else "MAX"
    conn.execute(
        sql(
            "INSERT INTO provider_state AS ps (provider, paused_until, pause_reason, paused_since,"
            " last_error, updated_at)"
            f" VALUES (:provider, {until}, :reason, {now}, :error, {now})"
            " ON CONFLICT (provider) DO UPDATE SET"
            f" paused_until = {latest}(COALESCE(ps.paused_until, {now}), EXCLUDED.paused_until),"
            " pause_reason = CASE WHEN ps.pause_reason = 'outage' THEN 'outage'"
            "                     ELSE EXCLUDED.pause_reason END,"
            f" paused_since = CASE WHEN ps.paused_until > {now} THEN ps.paused_since"
            f"                     ELSE {now} END,"
            f" last_error = EXCLUDED.last_error, updated_at = {now}"
        ),
        {"provider": provider, "reason": reason, "error": error[:500]} | clock.params,
    )


def pause_left(conn: Connection, provider: str) -> float:
    """Seconds this provider stays paused (0 when it is not)."""
    clock = Clock(conn)
    row = conn.execute(
        sql(
            f"SELECT paused_until, {clock.now} AS now FROM provider_state"
            f" WHERE provider = :p AND paused_until > {clock.now}"
        ).columns(paused_until=utc_type(), now=utc_type()),
        {"p": provider} | clock.params,
    ).first()
    return 0.0 if row is None else max(0.0, (row.paused_until - row.now).total_seconds())


def take_probe(conn: Connection, provider: str, cooldown: float) -> bool:
    """Claim the next probe of a provider in an outage whose pause ran out (one process wins)."""
    clock = Clock(conn)
    now = clock.now
    row = conn.execute(
        sql(
            f"UPDATE provider_state SET paused_until = {clock.shifted(cooldown, 'next')},"
            f" updated_at = {now}"
            f" WHERE provider = :p AND pause_reason = 'outage' AND paused_until <= {now}"
            " RETURNING provider"
        ),
        {"p": provider} | clock.params,
    ).first()
    return row is not None


def lift_pause(conn: Connection, provider: str) -> bool:
    """The provider answers again: no pause; True if there was one to lift."""
    clock = Clock(conn)
    result = conn.execute(
        sql(
            "UPDATE provider_state SET paused_until = NULL, pause_reason = NULL,"
            f" paused_since = NULL, updated_at = {clock.now}"
            " WHERE provider = :p AND pause_reason IS NOT NULL"
        ),
        {"p": provider} | clock.params,
    )
    return bool(result.rowcount)


def outages(conn: Connection) -> list[str]:
    """Providers paused for an outage (each needs a probe when its pause runs out)."""
    return [
        row.provider
        for row in conn.execute(
            sql("SELECT provider FROM provider_state WHERE pause_reason = 'outage'")
        ).all()
    ]


def pauses(conn: Connection) -> list[Pause]:
    """Every provider paused now, with why and since when."""
    clock = Clock(conn)
    rows = conn.execute(
        sql(
            "SELECT provider, pause_reason, paused_since, paused_until, last_error,"
            f" {clock.now} AS now FROM provider_state"
            f" WHERE pause_reason IS NOT NULL AND (paused_until > {clock.now}"
            " OR pause_reason = 'outage') ORDER BY provider"
        ).columns(paused_since=utc_type(), paused_until=utc_type(), now=utc_type()),
        clock.params,
    ).all()
    return [
        Pause(
            r.provider,
            r.pause_reason,
            r.paused_since,
            r.paused_until,
            r.last_error,
            max(0.0, (r.paused_until - r.now).total_seconds()) if r.paused_until else 0.0,
        )
        for r in rows
    ]


def record_limits(conn: Connection, owner: str, limits: dict[str, tuple[int, int]]) -> None:
    """This process's concurrency per provider (current, maximum), for the dashboard."""
    if not limits:
        return
    clock = Clock(conn)
    conn.execute(
        sql(
            "INSERT INTO provider_limits (owner, provider, concurrency, maximum, updated_at)"
            f" VALUES (:owner, :provider, :concurrency, :maximum, {clock.now})"
            " ON CONFLICT (owner, provider) DO UPDATE SET concurrency = EXCLUDED.concurrency,"
            " maximum = EXCLUDED.maximum, updated_at = EXCLUDED.updated_at"
        ),
        [
            {"owner": owner, "provider": p, "concurrency": c, "maximum": m} | clock.params
            for p, (c, m) in limits.items()
        ],
    )


def forget_limits(conn: Connection, owner: str) -> None:
    """A process that stops takes its figures along."""
    conn.execute(sql("DELETE FROM provider_limits WHERE owner = :owner"), {"owner": owner})


def live_limits(conn: Connection, fresh_seconds: float) -> dict[str, dict[str, Any]]:
    """Concurrency per provider summed over the processes heard from within `fresh_seconds`."""
    clock = Clock(conn)
    rows = conn.execute(
        sql(
            "SELECT provider, sum(concurrency) AS concurrency, sum(maximum) AS maximum,"
            " count(*) AS processes FROM provider_limits"
            f" WHERE updated_at > {clock.shifted(-fresh_seconds, 'since')} GROUP BY provider"
        ),
        clock.params,
    ).all()
    return {
        r.provider: {
            "concurrency": int(r.concurrency),
            "maximum": int(r.maximum),
            "processes": int(r.processes),
        }
        for r in rows
    }
