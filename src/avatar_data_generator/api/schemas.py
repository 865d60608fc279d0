"""Marshmallow schemas: the API validates requests with them and the OpenAPI document is
generated from them, so the two cannot drift apart."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from marshmallow import INCLUDE, RAISE, ValidationError, fields, validate, validates_schema

from avatar_data_generator.config import PROVIDERS
from avatar_data_generator.generation.bio_settings import PLATFORM_LIMITS
from avatar_data_generator.models import TaskStatus
from avatar_data_generator.tasks import MAX_BATCH_SIZE

STATUSES = [status.value for status in TaskStatus]
RESULT_FORMATS = ["json", "jsonl", "csv"]
MAX_OFFSET = 10**9


def _no_nul(value: Any) -> None:
    """Text stored in PostgreSQL may not hold NUL characters."""
    if isinstance(value, str) and "\x00" in value:
        raise ValidationError("must not contain NUL characters")
    if isinstance(value, dict):
        for key, item in value.items():
            _no_nul(key)
            _no_nul(item)
    if isinstance(value, list):
        for item in value:
            _no_nul(item)


class Text(fields.String):
    """A string without NUL characters."""

    def __init__(self, **kwargs: Any) -> None:
        validators = list(kwargs.pop("validate", None) or [])
        super().__init__(validate=[_no_nul, *validators], **kwargs)


class BioSettingsIn(Schema):
    """Bio settings: platforms and their limits, tone, language, emoji, hashtags, age range,
    gender mix and countries. Omitted keys take the built-in defaults."""

    class Meta:
        unknown = INCLUDE  # the generator's own validation has the last word

    platforms = fields.Dict(
        keys=Text(validate=[validate.OneOf(list(PLATFORM_LIMITS))]),
        values=fields.Integer(strict=True, validate=validate.Range(min=1, max=5000)),
        metadata={
            "description": "Platforms to write bios for, with their limits in graphemes "
            f"(defaults {PLATFORM_LIMITS})"
        },
    )
    tone = Text(validate=[validate.Length(max=200)], metadata={"example": "friendly"})
    language = Text(validate=[validate.Length(min=1, max=20)], metadata={"example": "en"})
    emoji = fields.Boolean()
    hashtags = fields.Boolean()
    age_min = fields.Integer(strict=True, validate=validate.Range(min=13, max=100))
    age_max = fields.Integer(strict=True, validate=validate.Range(min=13, max=100))
    gender_mix = fields.Dict(
        keys=Text(validate=[validate.OneOf(["female", "male", "non-binary"])]),
        values=fields.Float(validate=validate.Range(min=0, max=1), allow_nan=False),
        metadata={"description": "Share of each gender, 0 to 1"},
    )
    countries = fields.List(Text(validate=[validate.Length(min=1, max=100)]))

    @validates_schema
    def _ages(self, data: dict[str, Any], **_: Any) -> None:
        if "age_min" in data and "age_max" in data and data["age_min"] > data["age_max"]:
            raise ValidationError("must not exceed age_max", "age_min")
        _no_nul(data)


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


class TaskOut(Schema):
    """A task, as the CLI prints it, plus provenance and the quality report."""

    task_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    requested = fields.Integer(required=True)
    generated = fields.Integer(required=True)
    batches_total = fields.Integer(required=True)
    batches_done = fields.Integer(required=True)
    provider = fields.String(required=True)
    created_by = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "Username of who created it; null for the command line"},
    )
    created_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    started_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    finished_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    error = fields.String(required=True, allow_none=True)
    batch_size = fields.Integer()
    locale = fields.String()
    seed = fields.Integer(allow_none=True)
    provider_calls = fields.Integer(allow_none=True)
    tokens_used = fields.Integer(allow_none=True)
    provenance = fields.Dict(metadata={"description": "What made this data"})
    quality = fields.Dict(metadata={"description": "The quality report"})
    updated_at = fields.String(allow_none=True, metadata={"format": "date-time"})


class TaskListOut(Schema):
    """One page of tasks, newest first."""

    tasks = fields.List(fields.Nested(TaskOut), required=True)
    total = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)


class BioSettingsOut(Schema):
    """The saved default bio settings."""

    platforms = fields.Dict(keys=fields.String(), values=fields.Integer())
    tone = fields.String()
    language = fields.String()
    emoji = fields.Boolean()
    hashtags = fields.Boolean()
    age_min = fields.Integer()
    age_max = fields.Integer()
    gender_mix = fields.Dict(keys=fields.String(), values=fields.Float())
    countries = fields.List(fields.String())


ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object"},
            },
        }
    },
}
