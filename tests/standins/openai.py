"""An OpenAI-compatible stand-in: a real HTTP server on loopback answering chat completions.

It answers `POST /v1/chat/completions` with `{"personas": [...]}` as message content, records
every request and header, reports token usage, and plays a fault once when told to:
length (a cut answer with finish_reason "length"), refusal, fenced, 429, 500-timeout,
unauthorized (401), hang.
"""

from __future__ import annotations

import json
import math
import random
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.standins import grounded
from tests.standins.personas import fake_persona

_COUNT = re.compile(r"Generate (\d+) personas")


@dataclass
class OpenAIStandIn:
    """The server and its script; `requests` holds every JSON body received."""

    host: str = "127.0.0.1"
    port: int = 0
    model: str = "standin-model"
    api_key: str | None = None
    seed: int = 1
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    faults: deque[str] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """Base URL to put in OPENAI_BASE_URL (with /v1, as OpenAI and Ollama have it)."""
        assert self._server is not None
        return f"http://{self.host}:{self._server.server_address[1]}/v1"

    def start(self) -> OpenAIStandIn:
        """Serve in a daemon thread."""
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if not self.path.endswith("/chat/completions"):
                    self.send_json(404, {"error": {"message": "not found"}})
                    return
                standin._handle(self, body)

            def send_json(
                self, status: int, data: Any, extra: dict[str, str] | None = None
            ) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(raw)

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Shut the server down."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _handle(self, handler: Any, body: dict[str, Any]) -> None:
        with self._lock:
            self.requests.append(body)
            self.headers.append(dict(handler.headers))
            fault = self.faults.popleft() if self.faults else None
            n = len(self.requests)
        if self.api_key and handler.headers.get("Authorization") != f"Bearer {self.api_key}":
            fault = "unauthorized"
        prompt = " ".join(str(m.get("content")) for m in body.get("messages") or [])
        match = _COUNT.search(prompt)
        count = int(match.group(1)) if match else 1
        rng = random.Random(f"{self.seed}:{n}")
        if grounded.is_grounded(prompt) and (fault is None or fault in grounded.FAULTS):
            content = json.dumps({"personas": grounded.answer(prompt, rng, n, fault)})
            fault = None
        else:
            personas = [fake_persona(rng, n) for _ in range(count)]
            content = json.dumps({"personas": personas})
        finish, refusal = "stop", None
        if fault == "429":
            handler.send_json(
                429, {"error": {"message": "Rate limit reached"}}, {"Retry-After": "1"}
            )
            return
        if fault == "500-timeout":
            handler.send_json(500, {"error": {"message": "model request timed out"}})
            return
        if fault == "unauthorized":
            handler.send_json(401, {"error": {"message": "Incorrect API key provided"}})
            return
        if fault == "hang":
            time.sleep(3600)
        if fault == "length":
            content, finish = content[: int(len(content) * 0.6)], "length"
        elif fault == "refusal":
            content, refusal = None, "I can't help with that request."
        elif fault == "fenced":
            content = "```json\n" + content + "\n```"
        tokens_in = math.ceil(len(prompt) / 4)
        tokens_out = math.ceil(len(content or refusal or "") / 4)
        handler.send_json(
            200,
            {
                "id": f"chatcmpl-{n}",
                "object": "chat.completion",
                "model": (
                    "evil\u0000\u202e-model" + "x" * 1000
                    if fault == "hostile_model"
                    else body.get("model") or self.model
                ),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content, "refusal": refusal},
                        "finish_reason": finish,
                    }
                ],
                # Counted as a tokenizer would roughly count them: four characters a token.
                "usage": {
                    "prompt_tokens": tokens_in,
                    "completion_tokens": tokens_out,
                    "total_tokens": tokens_in + tokens_out,
                },
            },
        )
