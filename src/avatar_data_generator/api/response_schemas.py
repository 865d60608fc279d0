"""What the API answers, as marshmallow schemas: the OpenAPI document is generated from them,
and the contract tests check every answer against that document."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from marshmallow import fields, validate

from avatar_data_generator.api.request_schemas import STATUSES


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
    facts = fields.String(metadata={"description": "sampled or model: who decided the facts"})
    provider_calls = fields.Integer(
        allow_none=True, metadata={"description": "Every provider call, failed ones too"}
    )
    provider_errors = fields.Integer(allow_none=True, metadata={"description": "Failed calls"})
    tokens_used = fields.Integer(allow_none=True)
    tokens_in = fields.Integer(allow_none=True, metadata={"description": "Prompt tokens"})
    tokens_out = fields.Integer(allow_none=True, metadata={"description": "Completion tokens"})
    cost = fields.Float(
        allow_none=True, metadata={"description": "What the calls cost by PROVIDER_PRICES"}
    )
    currency = fields.String(
        allow_none=True, metadata={"description": "The currency of `cost` (null without one)"}
    )
    provenance = fields.Dict(metadata={"description": "What made this data"})
    quality = fields.Dict(metadata={"description": "The quality report"})
    updated_at = fields.String(allow_none=True, metadata={"format": "date-time"})


class TokensOut(Schema):
    """Prompt and completion tokens."""

    in_ = fields.Integer(
        data_key="in", required=True, allow_none=True, metadata={"description": "Prompt tokens"}
    )
    out = fields.Integer(
        required=True, allow_none=True, metadata={"description": "Completion tokens"}
    )


class EstimateOut(Schema):
    """What a request will take, estimated from the recent tasks of its provider and model."""

    calls = fields.Integer(
        required=True,
        metadata={
            "description": "Provider calls: the planned ones times the recent calls per"
            " planned call (retries, 429s), never fewer than planned"
        },
    )
    planned_calls = fields.Integer(
        required=True, metadata={"description": "ceil(count / batch_size): one call a batch"}
    )
    tokens = fields.Nested(
        TokensOut, required=True, metadata={"description": "null in and out without history"}
    )
    cost = fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "At PROVIDER_PRICES; null without history or without a price"},
    )
    currency = fields.String(required=True)
    basis = fields.String(required=True, metadata={"description": "How it was estimated"})
    history_tasks = fields.Integer(
        required=True, metadata={"description": "Completed tasks it was estimated from"}
    )
    seconds = fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "Wall time at the recent speed (null before any call)"},
    )


class PlannedTaskOut(Schema):
    """The task a dry run validated (nothing was created)."""

    requested = fields.Integer(required=True)
    batch_size = fields.Integer(required=True)
    batches_total = fields.Integer(required=True)
    provider = fields.String(required=True)
    model = fields.String(
        required=True, allow_none=True, metadata={"description": "Model, or Flowise chatflow"}
    )
    locale = fields.String(required=True)
    seed = fields.Integer(required=True, allow_none=True)
    facts = fields.String(required=True)
    countries = fields.List(fields.String(), required=True)
    bio_settings = fields.Dict(required=True)


class DryRunOut(Schema):
    """The answer to `"dry_run": true`: the validated task and its estimate."""

    dry_run = fields.Boolean(required=True, validate=validate.Equal(True))
    task = fields.Nested(PlannedTaskOut, required=True)
    estimate = fields.Nested(EstimateOut, required=True)


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
    language = fields.String(allow_none=True)
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
