"""Adaptive concurrency and the breaker, on their own: cut once a burst, climb a round at a
time, cautiously near the last cut; open when most recent calls failed, close on a success."""

from __future__ import annotations

import time

from avatar_data_generator.workers.limits import CAUTION_ROUNDS, AdaptiveLimit, Breaker


def test_a_burst_of_429s_cuts_once_and_successes_climb_back() -> None:
    limit = AdaptiveLimit(12)
    assert limit.current == 12
    assert limit.throttled(1.0) is True
    assert limit.current == 9  # three quarters
    assert [limit.throttled(1.0) for _ in range(5)] == [False] * 5  # the rest of the burst
    assert limit.current == 9
    for _ in range(9):
        limit.succeeded(0.1)
    assert limit.current == 10  # one round of successes, one call more
    for _ in range(10):
        limit.succeeded(0.1)
    assert limit.current == 11
    for _ in range(11):
        limit.succeeded(0.1)
    assert limit.current == 11  # 12 is where it was cut: only after many rounds
    for _ in range(11 * CAUTION_ROUNDS):
        limit.succeeded(0.1)
    assert limit.current == 12


def test_a_cut_goes_straight_to_what_the_provider_served() -> None:
    limit = AdaptiveLimit(20)
    for _ in range(40):  # 40 successes of 0.5 s within the last 3 s: about 13 a second
        limit.succeeded(0.5)
    limit._served = type(limit._served)(
        [time.monotonic() - 3 + i * 0.075 for i in range(40)], maxlen=4096
    )
    served = limit.served()
    assert served is not None and 6 <= served <= 7.5  # 13.3 a second x 0.5 s
    limit.throttled(1.0)
    assert limit.current == int(served)  # not 15: one cut finds the level


def test_not_adaptive_keeps_its_figure() -> None:
    limit = AdaptiveLimit(6, adaptive=False)
    assert limit.throttled(1.0) is False and limit.current == 6


def test_the_breaker_opens_on_most_recent_failures_and_a_success_closes_it() -> None:
    breaker = Breaker(window=10, ratio=0.5, minimum=5)
    assert [breaker.record(ok) for ok in (True, True, False, False, False, False)] == [
        False,
        False,
        False,
        False,
        False,
        False,
    ]  # 4 failures: fewer than the minimum
    assert breaker.record(False) is True and breaker.open  # 5 of 7
    assert breaker.record(False) is False  # already open: opens once
    assert breaker.record(True) is False and not breaker.open


def test_failures_of_several_batches_since_a_success_look_like_an_outage() -> None:
    breaker = Breaker(window=10, ratio=0.5, minimum=5)
    breaker.record(False, caller=1)
    assert not breaker.failing_together(1)  # one batch's trouble: it spends its attempts
    breaker.record(False, caller=1)
    assert not breaker.failing_together(1)
    breaker.record(False, caller=2)
    assert breaker.failing_together(2) and breaker.failing_together(1)
    breaker.record(True, started=time.monotonic() - 60)  # sent before the failures
    assert breaker.failing_together(1)  # answered before the outage: the run goes on
    breaker.record(True, started=time.monotonic())
    assert not breaker.failing_together(1)  # a success ends the run
    breaker.record(False, caller=3)
    breaker.record(False, caller=4)
    breaker.reset()
    assert not breaker.failing_together(3)
