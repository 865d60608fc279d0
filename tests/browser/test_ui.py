"""The pages in a real Chromium: log in, generate, watch, download, cancel, retry, errors.

One live `serve` process (with its worker) on a fresh PostgreSQL database and a slow Flowise
stand-in, so a task stays running long enough to cancel. Screenshots at 1280 and 390 pixels
wide land in test-artifacts/.
"""

from __future__ import annotations

import csv
import io
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT, cli_env, console_script, run_cli

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
USER, PASSWORD = "ada", "correct-horse-battery"
ADMIN = "root"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_server(pg_url: str, tmp_path: Path) -> Iterator[str]:
    """`avatar-data-generator serve` with its worker, polling every second."""
    from tests.standins.flowise import FlowiseStandIn

    flowise = FlowiseStandIn(delay=1.5).start()
    port = _free_port()
    env = cli_env(
        pg_url,
        WORKER_INTERVAL=1,
        MULTITHREAD_FLOWISE=2,
        FLOWISE_API_URL=flowise.url,
        FLOWISE_CHATFLOW_ID="browser-test",
        INSTANCE_PATH=tmp_path / "instance",
        SECRET_KEY="browser-test-secret",
    )
    made = run_cli(["create-user", USER, "--password", PASSWORD], env, tmp_path)
    assert made.returncode == 0, made.stderr
    admin = run_cli(["create-user", ADMIN, "--password", PASSWORD, "--admin"], env, tmp_path)
    assert admin.returncode == 0, admin.stderr
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [console_script(), "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()
        flowise.stop()


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _watch_console(page: Any, problems: list[str]) -> None:
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None
        ),
    )
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))


def _login(page: Any, base: str, user: str = USER) -> None:
    page.goto(base + "/generate")
    assert "/login" in page.url
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/generate")


def _shoot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_generate_watch_download_cancel_retry(live_server: str, browser: Any) -> None:
    base = live_server
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    problems: list[str] = []
    _watch_console(page, problems)

    # Log in; the first page shows the empty state.
    page.goto(base + "/login")
    _shoot(page, "login-1280")
    _login(page, base)
    page.goto(base + "/tasks")
    assert "No tasks yet" in page.inner_text("#task-list")
    page.goto(base + "/generate")

    # A validation error appears beside its field and the typed values stay.
    page.fill("#count", "0")
    page.fill("#tone", "dry wit")
    page.click("button.primary.big")
    assert page.inner_text("#err-count").strip()
    assert page.input_value("#tone") == "dry wit"
    assert page.get_attribute("#count", "aria-invalid") == "true"
    _shoot(page, "generate-error-1280")

    # Generate 12 personas with the offline provider and watch them complete.
    page.fill("#count", "12")
    page.click("summary")
    page.fill("#batch_size", "4")
    page.select_option("#provider", "local")
    _shoot(page, "generate-1280")
    page.click("button.primary.big")
    page.wait_for_url("**/tasks/*")
    page.wait_for_selector("#task-head [data-status='completed']", timeout=60_000)
    assert "12 / 12 personas" in page.inner_text("#task-head")
    assert page.get_attribute("#task-head progress", "value") == "12"
    page.wait_for_selector(".persona img.avatar")
    # The first avatars are on screen and drawn; the rest (lazy-loaded) are served.
    page.wait_for_function(
        "() => [...document.querySelectorAll('.persona img.avatar')].slice(0, 3)"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    assert page.locator(".persona").count() == 12
    for src in page.eval_on_selector_all(".persona img.avatar", "els => els.map(e => e.src)"):
        reply = page.request.get(src)
        assert reply.status == 200
        assert reply.headers["content-type"].startswith("image/svg+xml")
    _shoot(page, "task-detail-1280")

    # Download the CSV: a header and 12 rows.
    with page.expect_download() as info:
        page.click("#download-csv")
    csv_text = Path(info.value.path()).read_text(encoding="utf-8")
    assert len(list(csv.reader(io.StringIO(csv_text)))) == 13  # bios may hold line breaks

    page.click("text=Table")
    page.wait_for_selector(".persona-table")
    _shoot(page, "task-table-1280")

    # A slow task through the Flowise stand-in: cancel it while it runs, then retry it.
    page.goto(base + "/generate")
    page.fill("#count", "200")
    page.click("summary")
    page.fill("#batch_size", "10")
    page.select_option("#provider", "flowise")
    page.click("button.primary.big")
    page.wait_for_url("**/tasks/*")
    page.wait_for_selector("#task-head [data-status='generating-data']", timeout=30_000)
    _shoot(page, "task-running-1280")
    page.click("#cancel-button")
    page.wait_for_selector("#task-head [data-status='cancelled']")
    assert page.locator("#retry-button").is_visible()
    page.click("#retry-button")
    page.wait_for_selector(
        "#task-head [data-status='pending'], #task-head [data-status='generating-data']"
    )
    page.wait_for_selector("#cancel-button")
    page.goto(base + "/tasks")
    page.wait_for_selector("[data-task-id]")
    _shoot(page, "tasks-1280")
    page.goto(base + "/dashboard")
    _shoot(page, "dashboard-1280")
    page.goto(base + "/settings")
    _shoot(page, "settings-1280")

    # The same pages on a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    for path, name in [
        ("/tasks", "tasks"),
        ("/generate", "generate"),
        ("/dashboard", "dashboard"),
        ("/settings", "settings"),
        ("/account", "account"),
    ]:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways at 390 px ({width})"
        _shoot(page, f"{name}-390")
    page.goto(base + "/tasks?status=completed")
    page.click("a.row-link")
    page.wait_for_selector(".persona")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _shoot(page, "task-detail-390")

    # Stop the retried task so the server shuts down quickly.
    page.goto(base + "/tasks?status=generating-data")
    if page.locator("a.row-link").count():
        page.click("a.row-link")
        if page.locator("#cancel-button").count():
            page.click("#cancel-button")

    context.close()

    # An admin's pages on a phone: the users page and the editable settings.
    admin = browser.new_context(viewport={"width": 390, "height": 844})
    page = admin.new_page()
    page.set_default_timeout(30_000)
    _watch_console(page, problems)
    _login(page, base, ADMIN)
    for path, name in [("/users", "users"), ("/settings", "settings-admin")]:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways at 390 px ({width})"
        _shoot(page, f"{name}-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(base + "/users")
    assert page.locator("[data-user='ada']").count() == 1
    _shoot(page, "users-1280")
    page.goto(base + "/account")
    _shoot(page, "account-1280")
    admin.close()
    assert problems == []
