"""A request for personas checked and planned: counts, provider, locale, seed, facts mode,
countries and bio settings (the saved defaults too), for a task or a dry run alike."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app

from avatar_data_generator import queue
from avatar_data_generator.db import begin_write, db
from avatar_data_generator.generation.bio_settings import (
    BioSettingsError,
    default_bio_settings,
    validate_bio_settings,
)
from avatar_data_generator.generation.facts import countries_of
from avatar_data_generator.generation.population import UnknownCountry
from avatar_data_generator.generation.providers import NAMES as PROVIDERS
from avatar_data_generator.generation.providers import provenance_for
from avatar_data_generator.queue import task_rows

log = logging.getLogger(__name__)

MAX_BATCH_SIZE = 100


class TaskInputError(ValueError):
    """A request to create a task was invalid; `field` names what to fix, `message` (which the
    CLI and the API show) names the field too, `reason` (a form's text beside it) may not."""

    def __init__(self, field: str, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.reason = reason or message


def bio_input_error(exc: BioSettingsError) -> TaskInputError:
    """Invalid bio settings as a task input error: `bio_settings.age_min: must not exceed …`."""
    field = "bio_settings" if exc.field == "bio_settings" else f"bio_settings.{exc.field}"
    return TaskInputError(field, f"{field}: {exc.message}", exc.message)


def _int_field(name: str, value: Any, low: int, high: int | None) -> int:
    """A whole number from `low` to `high` (None: no upper bound)."""
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except (TypeError, ValueError):
            raise TaskInputError(name, f"{name} must be a whole number") from None
    if value < low:
        raise TaskInputError(name, f"{name} must be at least {low}")
    if high is not None and value > high:
        raise TaskInputError(name, f"{name} must be at most {high}")
    return int(value)


def saved_bio_settings() -> dict[str, Any]:
    """The team's saved default bio settings, or the built-in defaults.

    Saved settings that today's rules refuse (saved before a rule was added) give way to the
    defaults, with a warning, rather than breaking every page and every submit.
    """
    row = task_rows.bio_settings_row(db.session)
    if row is None:
        return default_bio_settings()
    try:
        return validate_bio_settings(row.settings)
    except BioSettingsError as exc:
        log.warning("saved bio settings are no longer valid (%s); using the defaults", exc)
        return default_bio_settings()


def checked_bio_settings(raw: Any) -> dict[str, Any]:
    """Validated, completed bio settings; TaskInputError naming the first bad one."""
    try:
        return validate_bio_settings(raw)
    except BioSettingsError as exc:
        raise bio_input_error(exc) from None


def save_bio_settings(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and store the team's default bio settings."""
    settings = checked_bio_settings(dict(raw))
    begin_write()
    if task_rows.bio_settings_row(db.session) is None:
        task_rows.insert_bio_settings(db.session, settings)
    else:
        task_rows.update_bio_settings(db.session, settings)
    db.session.commit()
    return settings


@dataclass(frozen=True)
class TaskPlan:
    """A validated request for personas: what `create_task` stores and a dry run estimates."""

    count: int
    batch_size: int
    provider: str
    provenance: dict[str, Any]
    locale: str
    seed: int | None
    facts: str
    settings: dict[str, Any]
    countries: tuple[str, ...]

    @property
    def batches(self) -> list[int]:
        """The planned batch sizes (one provider call each)."""
        return queue.plan_batches(self.count, self.batch_size)

    @property
    def model(self) -> str | None:
        """The model (the chatflow for Flowise) the provider is set up with."""
        model = self.provenance.get("model") or self.provenance.get("chatflow_id")
        return None if model is None else str(model)

    def describe(self) -> dict[str, Any]:
        """The task this request would create, as a dry run shows it."""
        return {
            "requested": self.count,
            "batch_size": self.batch_size,
            "batches_total": len(self.batches),
            "provider": self.provider,
            "model": self.model,
            "locale": self.locale,
            "seed": self.seed,
            "facts": self.facts,
            "countries": list(self.countries),
            "bio_settings": self.settings,
        }


def plan_task(
    *,
    count: Any,
    batch_size: Any = None,
    provider: str | None = None,
    locale: str | None = None,
    seed: Any = None,
    bio_settings: Mapping[str, Any] | None = None,
    facts: str | None = None,
    for_write: bool = False,
) -> TaskPlan:
    """Validate a request for personas (TaskInputError naming the first bad field).

    `create_task` and a dry run both come here, so they refuse the same values with the same
    messages. `for_write` takes the write lock before the saved settings are read (the task is
    stored in the same transaction).
    """
    cfg = current_app.config
    count = _count(count)
    size = batch_size if batch_size is not None else cfg["PERSONAS_PER_BATCH"]
    size = _int_field("batch_size", size, 1, MAX_BATCH_SIZE)
    provider = provider or cfg["GENERATOR_PROVIDER"]
    provenance = _configured_provenance(provider)
    locale = (locale or "en").strip()
    if not locale or len(locale) > 20:
        raise TaskInputError("locale", "locale must be a short language tag such as en or de")
    seed_value = None if seed in (None, "") else _int_field("seed", seed, 0, 2**62)
    facts = _facts(facts, provider)
    if for_write:
        begin_write()
    settings = saved_bio_settings() if bio_settings is None else checked_bio_settings(bio_settings)
    countries = _countries(settings, locale)
    return TaskPlan(
        count, size, provider, provenance, locale, seed_value, facts, settings, countries
    )


FACTS_MODES = ("sampled", "model")


def _facts(facts: str | None, provider: str) -> str:
    """`sampled` (the default: the population sampler draws the facts) or `model`; the local
    provider samples whatever is asked."""
    mode = (facts or "sampled").strip().lower()
    if mode not in FACTS_MODES:
        raise TaskInputError("facts", f"facts must be one of {', '.join(FACTS_MODES)}")
    return "sampled" if provider == "local" else mode


def _countries(settings: dict[str, Any], locale: str) -> tuple[str, ...]:
    """The countries the people come from; a locale without a supported country of its own
    is refused (never filled from another country's data), naming the supported ones."""
    try:
        return countries_of(settings, locale)
    except UnknownCountry as exc:
        raise TaskInputError(
            "locale",
            f"locale {locale!r} has no supported country of its own; name countries in the"
            f" bio settings or use another locale ({exc})",
            f"no supported country for this locale; choose countries ({exc})",
        ) from None


def _count(count: Any) -> int:
    """The number of personas asked for, within MAX_PERSONAS_PER_TASK."""
    count = _int_field("count", count, 1, None)
    limit = current_app.config["MAX_PERSONAS_PER_TASK"]
    if count > limit:
        raise TaskInputError(
            "count",
            f"count {count} exceeds MAX_PERSONAS_PER_TASK ({limit}); split it into smaller tasks",
        )
    return count


def _configured_provenance(provider: str) -> dict[str, Any]:
    """The provenance of a known provider that is set up on this server.

    Built once per app and cached: building a provider opens an HTTP client.
    """
    if provider not in PROVIDERS:
        raise TaskInputError("provider", f"provider must be one of {', '.join(PROVIDERS)}")
    cache: dict[str, dict[str, Any]] = current_app.extensions.setdefault("avatar_provenance", {})
    if provider not in cache:
        cache[provider] = provenance_for(provider, current_app.config)
    provenance = dict(cache[provider])
    configuration_error = provenance.get("configuration_error")
    if configuration_error:
        raise TaskInputError(
            "provider",
            f"provider {provider} is not configured on this server: {configuration_error}",
        )
    return provenance
