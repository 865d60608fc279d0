"""Providers' shared state: a pause every process's claim honours, one probe at a time."""

from __future__ import annotations

import time

from avatar_data_generator import tasks
from avatar_data_generator.db import db
from avatar_data_generator.queue import claim_batches, next_available_in
from avatar_data_generator.queue import providers as shared
from tests.conftest import AppFactory


def test_a_paused_provider_is_skipped_by_every_claim_until_the_pause_ends(
    make_app: AppFactory, any_url: str
) -> None:
    app = make_app(any_url, FLOWISE_API_URL="http://127.0.0.1:9", FLOWISE_CHATFLOW_ID="c")
    with app.app_context():
        remote = tasks.create_task(count=10, batch_size=5, provider="flowise")[0].task_id
        tasks.create_task(count=5, batch_size=5, provider="local")
    with app.app_context(), db.engine.begin() as conn:
        shared.pause_provider(conn, "flowise", 1.0, "rate-limited", "HTTP 429")
        shared.pause_provider(conn, "flowise", 0.2, "rate-limited", "HTTP 429 again")  # shorter
        assert 0.8 < shared.pause_left(conn, "flowise") <= 1.0  # never shortened
        claimed = claim_batches(conn, "a", 10, 60)
    assert {b.provider for b in claimed} == {"local"}
    with app.app_context(), db.engine.connect() as conn:
        assert 0.5 < (next_available_in(conn) or 0) <= 1.0  # the dispatcher sleeps, not spins
        [pause] = shared.pauses(conn)
    assert (pause.provider, pause.reason, pause.last_error) == (
        "flowise",
        "rate-limited",
        "HTTP 429 again",
    )
    time.sleep(1.1)
    with app.app_context(), db.engine.begin() as conn:
        assert shared.pause_left(conn, "flowise") == 0
        again = claim_batches(conn, "b", 10, 60)
    assert {b.task_id for b in again} == {remote} and len(again) == 2


def test_an_outage_is_probed_by_one_process_and_lifted_by_it(
    make_app: AppFactory, any_url: str
) -> None:
    app = make_app(any_url)
    with app.app_context(), db.engine.begin() as conn:
        shared.pause_provider(conn, "openai", 0.0, "outage", "connection refused")
        shared.pause_provider(conn, "openai", 0.0, "rate-limited", "HTTP 503")
        assert shared.outages(conn) == ["openai"]  # an outage stays one until lifted
        assert shared.take_probe(conn, "openai", 5.0) is True
        assert shared.take_probe(conn, "openai", 5.0) is False  # the next probe is in 5 s
        assert 4 < shared.pause_left(conn, "openai") <= 5
        assert shared.lift_pause(conn, "openai") is True
        assert shared.outages(conn) == [] and shared.pauses(conn) == []
        assert shared.lift_pause(conn, "openai") is False


def test_live_limits_sum_the_processes_heard_from_lately(
    make_app: AppFactory, any_url: str
) -> None:
    app = make_app(any_url)
    with app.app_context(), db.engine.begin() as conn:
        shared.record_limits(conn, "p1", {"flowise": (3, 5)})
        shared.record_limits(conn, "p2", {"flowise": (2, 5), "openai": (4, 4)})
        shared.record_limits(conn, "p2", {"flowise": (1, 5)})  # a newer figure replaces
        assert shared.live_limits(conn, 60) == {
            "flowise": {"concurrency": 4, "maximum": 10, "processes": 2},
            "openai": {"concurrency": 4, "maximum": 4, "processes": 1},
        }
        shared.forget_limits(conn, "p2")
        assert shared.live_limits(conn, 60)["flowise"]["processes"] == 1
