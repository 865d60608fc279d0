"""What the API accepts, as marshmallow schemas: requests are validated with them and the
OpenAPI document is generated from them, so the two cannot drift apart (answers:
`response_schemas`)."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from marshmallow import INCLUDE, RAISE, ValidationError, fields, validate

from avatar_data_generator.generation.bio_settings import (
    GENDERS,
    MAX_AGE,
    MAX_BIO_LIMIT,
    MAX_COUNTRIES,
    MAX_COUNTRY_NAME,
    MAX_LANGUAGE,
    MAX_TONE,
    MIN_AGE,
    MIN_BIO_LIMIT,
    MIN_LANGUAGE,
    PLATFORM_LIMITS,
)
from avatar_data_generator.generation.providers import NAMES as PROVIDERS
from avatar_data_generator.models import TaskStatus
from avatar_data_generator.tasks import MAX_BATCH_SIZE

STATUSES = [status.value for status in TaskStatus]
RESULT_FORMATS = ["json", "jsonl", "csv", "parquet"]
MAX_OFFSET = 10**9


def _no_nul(value: Any) -> None:
    """Text stored in PostgreSQL may not hold NUL characters."""
    if isinstance(value, str) and "\x00" in value:
        raise ValidationError("must not contain NUL characters")


class Text(fields.String):
    """A string without NUL characters."""

    def __init__(self, **kwargs: Any) -> None:
        validators = list(kwargs.pop("validate", None) or [])
        super().__init__(validate=[_no_nul, *validators], **kwargs)


class BioSettingsIn(Schema):
    """Bio settings: platforms and their limits, tone, language, emoji, hashtags, age range,
    gender mix and countries. Omitted keys take the built-in defaults.

    Only the types are checked here; every rule (the bounds shown below, the platform and
    gender names, the age order) is `generation.bio_settings`', so the API, the form and the
    CLI refuse the same values with the same messages."""

    class Meta:
        unknown = INCLUDE  # unknown keys are refused by the rules, naming them

    platforms = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(
            strict=True, metadata={"minimum": MIN_BIO_LIMIT, "maximum": MAX_BIO_LIMIT}
        ),
        metadata={
            "description": "At least one of "
            f"{', '.join(PLATFORM_LIMITS)}, with its bio limit in graphemes "
            f"(defaults {PLATFORM_LIMITS})"
        },
    )
    tone = fields.String(metadata={"example": "friendly", "minLength": 1, "maxLength": MAX_TONE})
    language = fields.String(
        allow_none=True,
        metadata={
            "example": "de",
            "minLength": MIN_LANGUAGE,
            "maxLength": MAX_LANGUAGE,
            "description": "The bios' language for every persona; null or empty (the default): "
            "each persona's country's main language",
        },
    )
    emoji = fields.Boolean()
    hashtags = fields.Boolean()
    age_min = fields.Integer(strict=True, metadata={"minimum": MIN_AGE, "maximum": MAX_AGE})
    age_max = fields.Integer(
        strict=True,
        metadata={"minimum": MIN_AGE, "maximum": MAX_AGE, "description": "At least age_min"},
    )
    gender_mix = fields.Dict(
        keys=fields.String(),
        values=fields.Float(allow_nan=True, metadata={"minimum": 0}),
        metadata={
            "description": f"Relative weight of each of {', '.join(GENDERS)} (normalised; "
            "at least one above 0)"
        },
    )
    countries = fields.List(
        fields.String(metadata={"minLength": 1, "maxLength": MAX_COUNTRY_NAME}),
        metadata={
            "maxItems": MAX_COUNTRIES,
            "description": "Supported countries (GET /api/countries), by English name or ISO"
            " code; empty: the locale's country",
        },
    )


class TaskCreateIn(Schema):
    """A request for personas."""

    class Meta:
        unknown = RAISE

    count = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1),
        metadata={"description": "Personas to generate (at most MAX_PERSONAS_PER_TASK)"},
    )
    batch_size = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(min=1, max=MAX_BATCH_SIZE),
        metadata={"description": "Personas per provider call (default PERSONAS_PER_BATCH)"},
    )
    provider = fields.String(allow_none=True, validate=validate.OneOf(list(PROVIDERS)))
    locale = Text(allow_none=True, validate=[validate.Length(min=1, max=20)])
    seed = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=0, max=2**62))
    bio_settings = fields.Nested(BioSettingsIn, allow_none=True)
    facts = fields.String(
        allow_none=True,
        validate=validate.OneOf(["sampled", "model"]),
        metadata={
            "description": "`sampled` (the default): the population sampler draws every fact and"
            " the model writes only bios and a personality sentence; `model`: the model invents"
            " every fact. The local provider always samples."
        },
    )
    dry_run = fields.Boolean(
        load_default=False,
        metadata={
            "description": "true: validate as a submit does and answer 200 with an estimate of"
            " calls, tokens and cost; nothing is created and no provider is called"
        },
    )


class IdempotencyHeaders(Schema):
    """Optional request headers of task creation."""

    class Meta:
        unknown = INCLUDE

    idempotency_key = Text(
        data_key="Idempotency-Key",
        validate=[validate.Length(min=1, max=200)],
        metadata={"description": "Retrying a POST with the same key returns the same task"},
    )


class TaskListQuery(Schema):
    """Filters and pagination of the task list (limit/offset, or page)."""

    class Meta:
        unknown = RAISE

    status = fields.String(validate=validate.OneOf(STATUSES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(validate=validate.Range(min=0, max=MAX_OFFSET))
    page = fields.Integer(validate=validate.Range(min=1, max=MAX_OFFSET // 200))


class ResultsQuery(Schema):
    """The export format."""

    class Meta:
        unknown = RAISE

    format = fields.String(load_default="json", validate=validate.OneOf(RESULT_FORMATS))
