"""What a request for personas will take before it runs: provider calls, tokens and cost.

The figures come from the recent completed tasks of the same provider and model (the model is
the provenance's `model`, the chatflow for Flowise):

- calls: the planned calls, ceil(count / batch_size), times the calls those tasks made per
  planned call (retries, 429s, top-ups); never fewer than planned.
- tokens in and out: each fitted as `a x calls + b x personas` over those tasks (least squares),
  since a prompt has a part every call pays and a part per persona; with too few or too alike
  tasks for two numbers, tokens per persona alone.
- cost: those tokens at today's PROVIDER_PRICES (the same price the worker charges).

Without history the answer says "no history yet" and gives the planned calls only. The local
provider runs in this process: no tokens, no cost. Nothing is stored and no provider is called.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app

from avatar_data_generator import tasks
from avatar_data_generator.db import db, utcnow
from avatar_data_generator.generation.cost import Price, PriceError
from avatar_data_generator.prices import price_of
from avatar_data_generator.queue import estimate_rows, task_rows
from avatar_data_generator.queue.estimate_rows import HistoryTask

#: Two tasks whose calls and personas are this close to proportional give one number, not two.
COLLINEAR = 1e-6
#: How far back the speed of provider calls is measured.
SPEED_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Rate:
    """Tokens as a part every call pays plus a part per persona."""

    per_call: float
    per_persona: float

    def of(self, calls: float, personas: int) -> int:
        """Tokens of this many calls and personas."""
        return max(0, round(self.per_call * calls + self.per_persona * personas))

    def describe(self) -> str:
        """'≈ 100 per call + 50 per persona'."""
        if self.per_call == 0:
            return f"≈ {_number(self.per_persona)} per persona"
        return f"≈ {_number(self.per_call)} per call + {_number(self.per_persona)} per persona"


@dataclass(frozen=True)
class Estimate:
    """An estimate before the run, and how it was made."""

    calls: int
    planned_calls: int
    tokens_in: int | None
    tokens_out: int | None
    cost: float | None
    currency: str
    basis: str
    history_tasks: int
    seconds: float | None

    @property
    def tokens(self) -> int | None:
        """Tokens in and out together (None when unknown)."""
        if self.tokens_in is None or self.tokens_out is None:
            return None
        return self.tokens_in + self.tokens_out

    def as_dict(self) -> dict[str, Any]:
        """The API's shape: `calls`, `tokens` {in, out}, `cost`, `currency`, `basis`, …"""
        return {
            "calls": self.calls,
            "planned_calls": self.planned_calls,
            "tokens": {"in": self.tokens_in, "out": self.tokens_out},
            "cost": self.cost,
            "currency": self.currency,
            "basis": self.basis,
            "history_tasks": self.history_tasks,
            "seconds": self.seconds,
        }


def _number(value: float) -> str:
    """A rate for the basis text: whole numbers with separators, small ones with a decimal."""
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:.2g}"


# ---------------------------------------------------------------- the fit


def planned_calls(count: int, batch_size: int) -> int:
    """One call per batch: ceil(count / batch_size)."""
    return math.ceil(count / batch_size)


def fit_rate(points: list[tuple[float, float, float]]) -> Rate:
    """Tokens = a x calls + b x personas by least squares over (calls, personas, tokens).

    One task, tasks of one shape (calls proportional to personas) or a fit that comes out
    negative give tokens per persona alone.
    """
    s11 = sum(c * c for c, _, _ in points)
    s12 = sum(c * p for c, p, _ in points)
    s22 = sum(p * p for _, p, _ in points)
    s1y = sum(c * y for c, _, y in points)
    s2y = sum(p * y for _, p, y in points)
    det = s11 * s22 - s12 * s12
    if len(points) >= 2 and s11 > 0 and s22 > 0 and det > COLLINEAR * s11 * s22:
        per_call = (s1y * s22 - s2y * s12) / det
        per_persona = (s2y * s11 - s1y * s12) / det
        if per_call >= 0 and per_persona >= 0:
            return Rate(per_call, per_persona)
    personas = sum(p for _, p, _ in points)
    return Rate(0.0, sum(y for _, _, y in points) / personas if personas else 0.0)


@dataclass(frozen=True)
class History:
    """What the recent tasks of one provider and model say."""

    tasks: list[HistoryTask]

    @property
    def planned(self) -> int:
        return sum(planned_calls(t.requested, t.batch_size) for t in self.tasks)

    def calls_per_planned(self) -> float:
        """Calls made per planned call (1.0 when every call answered first time)."""
        return max(1.0, sum(t.provider_calls for t in self.tasks) / max(self.planned, 1))

    def answered_per_planned(self) -> float:
        """Calls that answered per planned call (those are the calls that report tokens)."""
        answered = sum(max(0, t.provider_calls - t.provider_errors) for t in self.tasks)
        return answered / max(self.planned, 1)

    def rates(self) -> tuple[Rate, Rate, int] | None:
        """Token rates in and out, and how many tasks reported tokens (None if none did)."""
        counted = [t for t in self.tasks if t.tokens_in is not None and t.tokens_out is not None]
        if not counted:
            return None

        def points(out: bool) -> list[tuple[float, float, float]]:
            return [
                (
                    float(max(0, t.provider_calls - t.provider_errors)),
                    float(t.generated),
                    float((t.tokens_out if out else t.tokens_in) or 0),
                )
                for t in counted
            ]

        return fit_rate(points(False)), fit_rate(points(True)), len(counted)


# ---------------------------------------------------------------- the estimate


def estimate_plan(plan: tasks.TaskPlan) -> Estimate:
    """Calls, tokens and cost of a validated request, from the recent tasks like it."""
    planned = len(plan.batches)
    speed = speed_estimate()
    if plan.provider == "local":
        seconds = _seconds(planned, speed)
        basis = "the local provider runs in this process: no tokens and no cost; one call a batch"
        return Estimate(planned, planned, 0, 0, 0.0, "USD", basis, 0, seconds)
    history = History(estimate_rows.recent_tasks(db.session, plan.provider, plan.model))
    of = f"{plan.provider} tasks" + (f" of model {plan.model}" if plan.model else "")
    try:
        price, price_key = price_of(plan.provider, plan.provenance)
        price_note = _price_note(price, price_key)
    except PriceError as exc:
        price, price_note = None, f"PROVIDER_PRICES is invalid ({exc}): no cost"
    currency = price.currency if price is not None else "USD"
    if not history.tasks:
        basis = (
            f"no history yet: no completed {of}; the planned calls only"
            f" (ceil({plan.count:,} / {plan.batch_size}))"
        )
        return Estimate(
            planned, planned, None, None, None, currency, basis, 0, _seconds(planned, speed)
        )
    calls = max(planned, round(planned * history.calls_per_planned()))
    parts = [
        f"from the {len(history.tasks)} most recent completed {of}:"
        f" {history.calls_per_planned():.2f} calls per planned call"
        f" (ceil({plan.count:,} / {plan.batch_size}) = {planned:,} planned)"
    ]
    rates = history.rates()
    tokens_in = tokens_out = None
    cost = None
    if rates is None:
        parts.append("they report no token counts, so no tokens and no cost")
    else:
        rate_in, rate_out, counted = rates
        answered = planned * history.answered_per_planned()
        tokens_in, tokens_out = rate_in.of(answered, plan.count), rate_out.of(answered, plan.count)
        parts.append(
            f"tokens in {rate_in.describe()}, out {rate_out.describe()}"
            f" (from the {counted} with token counts)"
        )
        cost = None if price is None else price.of(tokens_in, tokens_out)
        parts.append(price_note)
    return Estimate(
        calls,
        planned,
        tokens_in,
        tokens_out,
        cost,
        currency,
        "; ".join(parts),
        len(history.tasks),
        _seconds(calls, speed),
    )


def _price_note(price: Price | None, key: str) -> str:
    if price is None:
        return f"no price for {key} in PROVIDER_PRICES, so no cost"
    return (
        f"cost at PROVIDER_PRICES[{key!r}]: {price.input:g} in, {price.output:g} out"
        f" {price.currency} per million tokens"
    )


def speed_estimate() -> dict[str, Any]:
    """Recent average seconds per provider call and how many run in parallel."""
    seconds = task_rows.recent_batch_seconds(db.session, utcnow() - SPEED_WINDOW)
    parallel = max(1, int(current_app.config.get("MULTITHREAD_FLOWISE") or 1))
    return {"batch_seconds": seconds, "parallel": parallel}


def _seconds(calls: int, speed: dict[str, Any]) -> float | None:
    """Wall time of these calls at the recent speed (None before any call was timed)."""
    if speed["batch_seconds"] is None:
        return None
    return round(math.ceil(calls / speed["parallel"]) * float(speed["batch_seconds"]), 1)


def dry_run(**request: Any) -> dict[str, Any]:
    """Validate a request exactly as a submit does and estimate it; nothing is stored.

    TaskInputError, as `create_task` raises it, for a value a submit would refuse.
    """
    try:
        plan = tasks.plan_task(**request)
        estimate = estimate_plan(plan)
    finally:
        db.session.rollback()  # reads only: no transaction is left open (SQLite's lock)
    return {"dry_run": True, "task": plan.describe(), "estimate": estimate.as_dict()}


# ---------------------------------------------------------------- words


def money(cost: float, currency: str = "USD") -> str:
    """'$0.04', '$0.0012', '1.20 EUR'."""
    digits = 2 if cost == 0 or cost >= 0.01 else 4
    amount = f"{cost:,.{digits}f}"
    return f"${amount}" if currency == "USD" else f"{amount} {currency}"


def describe_cost(estimate: Estimate) -> str:
    """'≈ 45,000 tokens, ≈ $0.04', or '' when neither is known."""
    words = []
    if estimate.tokens is not None and estimate.tokens > 0:
        words.append(f"≈ {estimate.tokens:,} tokens")
    if estimate.cost is not None:
        if estimate.cost == 0 and not estimate.tokens:
            words.append("no cost")
        else:
            words.append(f"≈ {money(estimate.cost, estimate.currency)}")
    return ", ".join(words)
