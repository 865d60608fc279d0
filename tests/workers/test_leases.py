"""The lease owner: claims join `in_flight`, the heartbeat renews them and takes back expired
ones, a database that stops answering stops the claiming, and giving back costs no attempt."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from avatar_data_generator.db import db
from avatar_data_generator.workers.leases import Leases, log_context
from tests.conftest import AppFactory
from tests.faults.helpers import rows, scalar, submit
from tests.ops.helpers import free_port


def test_claimed_batches_are_in_flight_until_done_with(make_app: AppFactory, any_url: str) -> None:
    app = make_app(any_url)
    submit(app, count=20, batch_size=10)
    leases = Leases(app)
    woken: list[int] = []
    leases.on_batch_done.append(lambda: woken.append(1))
    first, second = leases.claim(5)
    assert {b.id for b in leases.in_flight()} == {first.id, second.id}
    leases.done_with(first)
    assert [b.id for b in leases.in_flight()] == [second.id] and woken == [1]
    assert log_context(second, leases.owner) == {
        "task_id": second.task_id,
        "batch": second.batch_index,
        "owner": leases.owner,
    }


def test_the_heartbeat_renews_its_own_and_takes_back_expired_leases(
    make_app: AppFactory, pg_url: str
) -> None:
    app = make_app(pg_url, LEASE_SECONDS=30, MAX_BATCH_ATTEMPTS=3)
    submit(app, count=20, batch_size=10)
    mine, gone = Leases(app), Leases(app)
    [kept] = mine.claim(1)
    [lost] = gone.claim(1)  # its process died: nobody renews it
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(
            text("UPDATE generation_batches SET lease_expires_at = now() - interval '1 second'")
        )
    woken: list[int] = []
    mine.on_reclaimed.append(lambda: woken.append(1))
    mine.beat()
    assert mine.healthy.is_set() and mine.last_heartbeat is not None and woken == [1]
    state = {
        r.id: (r.status, r.lease_owner)
        for r in rows(app, "SELECT id, status, lease_owner FROM generation_batches")
    }
    assert state[kept.id] == ("running", mine.owner)  # renewed before the sweep
    assert state[lost.id] == ("pending", None)  # taken back for anyone to claim
    seconds = scalar(
        app,
        "SELECT extract(epoch FROM lease_expires_at - now()) FROM generation_batches WHERE id = :i",
        i=kept.id,
    )
    assert 25 < float(seconds) <= 30


def test_a_database_that_does_not_answer_stops_the_claiming(
    make_app: AppFactory, pg_url: str
) -> None:
    app = make_app(pg_url)
    submit(app, count=10, batch_size=10)
    leases = Leases(app)
    working = leases.engine
    leases.engine = create_engine(f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/gone")
    leases.beat()  # nobody answers there
    assert not leases.healthy.is_set()
    assert leases.claim(5) == []
    leases.engine = working
    leases.beat()
    assert leases.healthy.is_set() and len(leases.claim(5)) == 1


def test_giving_back_a_lease_does_not_spend_the_attempt(make_app: AppFactory, any_url: str) -> None:
    app = make_app(any_url)
    submit(app, count=10, batch_size=10)
    leases = Leases(app)
    [batch] = leases.claim(1)
    assert leases.release_all() == 1
    row = (
        scalar(app, "SELECT status FROM generation_batches WHERE id = :i", i=batch.id),
        scalar(app, "SELECT attempts FROM generation_batches WHERE id = :i", i=batch.id),
    )
    assert row == ("pending", 0)
