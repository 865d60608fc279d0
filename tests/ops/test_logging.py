"""Logs: JSON lines with the record's ids, text lines with task/batch ids, and no secrets ever."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from avatar_data_generator import create_app, logging_setup

SECRETS = {
    "FLOWISE_API_KEY": "flowise-key-7f3a9c2e1b",
    "OPENAI_API_KEY": "sk-proj-abcdefghijklmnop1234",
    "SECRET_KEY": "s3cr3t-session-signing-key-value",
}
DB_PASSWORD = "pg-pass-Zq81x"
TOKEN = "adg_live_9d8c7b6a5f4e3d2c1b0a"


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "DATABASE_URL": f"postgresql+psycopg://adg:{DB_PASSWORD}@db.internal:5432/adg",
            **SECRETS,
        }
    )


@pytest.fixture
def capture(app: Flask) -> Iterator[tuple[logging.Logger, io.StringIO, io.StringIO]]:
    """The package logger writing through the real text and JSON handlers into buffers."""
    redactor = logging_setup.redactor_for()
    assert redactor is not None
    text_buf, json_buf = io.StringIO(), io.StringIO()
    logger = logging.getLogger("avatar_data_generator.worker")
    handlers = [
        logging_setup.build_handler("text", redactor, text_buf),
        logging_setup.build_handler("json", redactor, json_buf),
    ]
    parent = logging.getLogger("avatar_data_generator")
    for handler in handlers:
        parent.addHandler(handler)
    try:
        yield logger, text_buf, json_buf
    finally:
        for handler in handlers:
            parent.removeHandler(handler)


def test_json_line_has_time_level_logger_message_and_extras(capture) -> None:  # type: ignore[no-untyped-def]
    logger, _, json_buf = capture
    logger.info(
        "Batch %d: Stored %d results in database",
        3,
        10,
        extra={"task_id": "t-123", "batch": 2, "owner": "o-1"},
    )
    line = json_buf.getvalue().strip().splitlines()[-1]
    data = json.loads(line)
    assert data["message"] == "Batch 3: Stored 10 results in database"
    assert data["level"] == "INFO"
    assert data["logger"] == "avatar_data_generator.worker"
    assert data["time"].endswith("+00:00")
    assert (data["task_id"], data["batch"], data["owner"]) == ("t-123", 2, "o-1")


def test_text_line_carries_task_and_batch_ids(capture) -> None:  # type: ignore[no-untyped-def]
    logger, text_buf, _ = capture
    logger.info("Processing Task: %s", "t-9", extra={"task_id": "t-9", "batch": 0})
    logger.info("[SCHEDULER] plain line")
    first, second = text_buf.getvalue().strip().splitlines()[-2:]
    assert first.endswith("Processing Task: t-9 [task_id=t-9 batch=0]")
    assert "INFO [avatar_data_generator.worker]" in first
    assert second.endswith("[SCHEDULER] plain line")


@pytest.mark.parametrize(
    "message",
    [
        "calling flowise with key flowise-key-7f3a9c2e1b",
        "headers: {'Authorization': 'Bearer flowise-key-7f3a9c2e1b'}",
        "Authorization: Bearer adg_live_9d8c7b6a5f4e3d2c1b0a",
        "openai said no to sk-proj-abcdefghijklmnop1234",
        "token adg_live_9d8c7b6a5f4e3d2c1b0a was used",
        "db url postgresql+psycopg://adg:pg-pass-Zq81x@db.internal:5432/adg",
        "login failed password=hunter2hunter2 for alice",
        '{"username": "alice", "password": "correct-horse-battery"}',
        "signing with s3cr3t-session-signing-key-value",
        "Authorization: Basic YWxpY2U6c2VjcmV0cGFzcw==",
    ],
)
def test_no_secret_reaches_a_log_line(capture, message: str) -> None:  # type: ignore[no-untyped-def]
    logger, text_buf, json_buf = capture
    logger.warning(message)
    logger.info("args too: %s", message, extra={"task_id": message})
    try:
        raise RuntimeError(message)
    except RuntimeError:
        logger.exception("crashed")
    out = text_buf.getvalue() + json_buf.getvalue()
    for secret in [
        *SECRETS.values(),
        DB_PASSWORD,
        TOKEN,
        "hunter2hunter2",
        "correct-horse-battery",
        "YWxpY2U6c2VjcmV0cGFzcw==",
    ]:
        assert secret not in out
    assert logging_setup.MASK in out


def test_installed_handlers_redact_too(app: Flask, capsys: pytest.CaptureFixture[str]) -> None:
    # The handler init_app installed writes to the stderr of its creation; rebuild it on capsys.
    logging_setup.init_app(app)
    logging.getLogger("avatar_data_generator.worker").error(
        "Authorization: Bearer %s key=%s", TOKEN, SECRETS["FLOWISE_API_KEY"]
    )
    err = capsys.readouterr().err
    assert TOKEN not in err and SECRETS["FLOWISE_API_KEY"] not in err
    assert "[REDACTED]" in err


def test_json_format_setting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "LOG_FORMAT": "json"})
    logging.getLogger("avatar_data_generator.workers.runtime").info(
        "[SCHEDULER] Background scheduler started - checking for tasks every 30 seconds"
    )
    lines = [json.loads(line) for line in capsys.readouterr().err.strip().splitlines()]
    assert lines[-1]["message"].startswith("[SCHEDULER] Background scheduler started")
    create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "LOG_FORMAT": "text"})
