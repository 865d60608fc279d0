"""A provider that trickles, floods, lies or attacks: every case ends as a completed task with
clean personas or a failed task with a clear reason; never a crash, a leaked key or a cell a
spreadsheet runs."""

from __future__ import annotations

import csv
import io
import json
import time
import unicodedata
import uuid
from typing import Any

import pytest

from avatar_data_generator import exports, tasks
from avatar_data_generator.generation.base import BatchRequest, ProviderError
from avatar_data_generator.generation.flowise import FlowiseProvider
from avatar_data_generator.generation.sanitize import clean_text
from avatar_data_generator.workers.runtime import start_worker
from tests.conftest import AppFactory
from tests.faults.helpers import (
    assert_exactly_once,
    flowise_config,
    rows,
    scalar,
    submit,
    wait_finished,
)
from tests.standins.flowise import FlowiseStandIn

FAST_RETRY = {"RETRY_BASE_SECONDS": 0.05, "RETRY_MAX_SECONDS": 0.2}
KEY = "sk-live-" + uuid.uuid4().hex
BAD = {c for c in map(chr, range(0x20))} | {"\x7f", "\u202e", "\u2066", "\u200f", "\ufffd"}


def request(count: int = 3) -> BatchRequest:
    return BatchRequest(task_id="t", batch_index=0, count=count, locale="en", bio_settings={})


def provider(standin: FlowiseStandIn, **settings: Any) -> FlowiseProvider:
    return FlowiseProvider(flowise_config(standin.url, **settings))


@pytest.mark.parametrize("fault", ["trickle", "trickle-headers"])
def test_a_trickling_answer_is_cut_at_the_timeout(flowise: FlowiseStandIn, fault: str) -> None:
    flowise.faults.append(fault)
    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        provider(flowise, FLOWISE_TIMEOUT=2).generate(request())
    took = time.monotonic() - started
    assert caught.value.retryable and "timed out after 2s" in str(caught.value)
    assert 1.9 <= took < 2.8, took  # the deadline, not a read timeout per byte


@pytest.mark.parametrize("fault", ["huge", "huge-chunked"])
def test_an_answer_over_the_cap_is_a_retryable_error_read_no_further(
    flowise: FlowiseStandIn, fault: str
) -> None:
    flowise.faults.append(fault)
    with pytest.raises(ProviderError) as caught:
        provider(flowise, PROVIDER_MAX_ANSWER_BYTES=1024 * 1024).generate(request())
    assert caught.value.retryable and "over the 1,024 kB cap" in str(caught.value)


def test_nesting_too_deep_to_read_is_a_retryable_error(flowise: FlowiseStandIn) -> None:
    flowise.faults.append("deep")
    with pytest.raises(ProviderError) as caught:
        provider(flowise).generate(request())
    assert caught.value.retryable and "answered without any personas" in str(caught.value)
    assert len(str(caught.value)) < 400


def _run(app: Any, flowise: FlowiseStandIn, count: int = 10) -> str:
    # `model`: every field is the model's own, the most a hostile server can put in a persona.
    task_id = submit(app, count=count, batch_size=count, provider="flowise", facts="model")
    assert start_worker(app) is not None
    return wait_finished(app, task_id, 30) and task_id


@pytest.mark.parametrize(
    "fault",
    ["nul", "bidi", "controls", "bad-utf8", "huge-interests", "deep-item", "formula", "huge"],
)
def test_hostile_answers_end_in_a_completed_task_with_clean_personas(
    make_app: AppFactory, pg_url: str, flowise: FlowiseStandIn, fault: str
) -> None:
    flowise.faults.append(fault)
    app = make_app(
        pg_url,
        WORKER_IN_TESTS=True,
        WORKER_INTERVAL=1,
        PROVIDER_MAX_ANSWER_BYTES=1024 * 1024,
        **flowise_config(flowise.url),
        **FAST_RETRY,
    )
    task_id = _run(app, flowise)
    with app.app_context():
        task = tasks.get_task(task_id)
        assert task.status == "completed", task.error
        personas = list(tasks.iter_personas(task_id))
        csv_text = "".join(exports.export_chunks(task, "csv"))
    assert_exactly_once(app, task_id, 10)
    for persona in personas:
        texts = [v for v in persona.values() if isinstance(v, str)]
        texts += list(persona["bios"].values()) + list(persona["interests"])
        for text in texts:
            assert not BAD & set(text), (fault, text)
            assert unicodedata.normalize("NFC", text).isprintable() or "\n" in text
        assert len(persona["interests"]) <= 10
        assert all(len(i) <= 60 for i in persona["interests"])
    for row in csv.reader(io.StringIO(csv_text)):
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    if fault == "formula":
        assert "'=HYPERLINK" in csv_text and "'+1+1" in csv_text and "'@SUM(A1:A9)" in csv_text
        # JSON keeps every value verbatim.
        assert any(p["first_name"].startswith("=HYPERLINK") for p in personas)
    if fault == "huge":
        assert flowise.calls == 2  # one refused answer, then a whole one


def test_an_error_that_echoes_the_key_never_shows_it(
    make_app: AppFactory, pg_url: str, flowise: FlowiseStandIn
) -> None:
    flowise.faults.extend(["echo-key"] * 5)
    app = make_app(
        pg_url,
        WORKER_IN_TESTS=True,
        WORKER_INTERVAL=1,
        MAX_BATCH_ATTEMPTS=2,
        **flowise_config(flowise.url, FLOWISE_API_KEY=KEY),
        **FAST_RETRY,
    )
    task_id = _run(app, flowise, count=5)
    error = scalar(app, "SELECT error FROM generation_tasks WHERE task_id = :t", t=task_id)
    assert "model overloaded" in error and "2 attempts" in error, error
    assert KEY not in error and "[REDACTED]" in error
    batch_errors = [r.last_error for r in rows(app, "SELECT last_error FROM generation_batches")]
    assert batch_errors and all(KEY not in (e or "") for e in batch_errors)
    assert flowise.headers[0]["Authorization"] == f"Bearer {KEY}"  # it was sent, and echoed
    with app.app_context():
        shown = json.dumps(tasks.task_to_dict(tasks.get_task(task_id)))
    assert KEY not in shown


def test_a_password_in_the_flowise_url_stays_out_of_provenance_errors_and_exports(
    make_app: AppFactory, pg_url: str
) -> None:
    standin = FlowiseStandIn().start()
    port = standin.url.rsplit(":", 1)[1]
    standin.stop()  # nobody answers there now: the error names the address
    url = f"http://operator:pa55-w0rd-x@127.0.0.1:{port}/?token=query-secret-1"
    app = make_app(
        pg_url,
        WORKER_IN_TESTS=True,
        WORKER_INTERVAL=1,
        MAX_BATCH_ATTEMPTS=2,
        **flowise_config(url),
        **FAST_RETRY,
    )
    task_id = submit(app, count=5, batch_size=5, provider="flowise")
    assert start_worker(app) is not None
    assert wait_finished(app, task_id, 30) == "failed"
    with app.app_context():
        task = tasks.get_task(task_id)
        shown = json.dumps(tasks.task_to_dict(task)) + "".join(exports.export_chunks(task, "json"))
    assert "unreachable at http://127.0.0.1:" in (task.error or "")
    assert task.provenance["api_url"] == f"http://127.0.0.1:{port}/"
    for secret in ("pa55-w0rd-x", "query-secret-1", "operator"):
        assert secret not in shown


def test_clean_text_removes_what_hides_or_breaks_text() -> None:
    assert clean_text("A\x00n\u202en\x85a\ufffd") == "A nn a"
    assert clean_text("日本\u200d語 ok") == "日本\u200d語 ok"  # joiners in emoji and scripts stay
    assert clean_text("two\nlines", keep_lines=True) == "two\nlines"
