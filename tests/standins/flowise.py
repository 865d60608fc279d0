"""A Flowise stand-in: a real HTTP server on loopback with scripted answers and faults.

It answers `POST /api/v1/prediction/<chatflow>` like Flowise 3.1 with an output parser does,
records every request, counts calls in flight (to check the global cap) and can be told to
be slow or to play a fault once. Faults: 429, 502, 503, 504-html, 500-timeout, unauthorized,
404, 400, fenced, prose, bare-list, short, duplicates, long-bios, truncated, empty, hang, and the
hostile ones: trickle (the body one byte every 0.5 s), trickle-headers, huge (a 20 MB answer),
huge-chunked (the same without Content-Length), nul, bidi, controls, bad-utf8 (one byte that is
not UTF-8 in one persona), deep (nesting 100,000 levels), deep-item, huge-interests, formula,
echo-key (an error that repeats the Authorization header).
Run it in-process (`FlowiseStandIn().start()`) or as a
process (`python -m tests.standins.flowise --port P --delay S`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.standins import grounded
from tests.standins.limits import TokenBucket, retry_after_header
from tests.standins.personas import fake_persona

JSON = "application/json"


@dataclass
class FlowiseStandIn:
    """The server and its script; `requests` holds every JSON body received."""

    host: str = "127.0.0.1"
    port: int = 0
    delay: float = 0.0
    api_key: str | None = None
    seed: int = 1
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    faults: deque[str] = field(default_factory=deque)
    in_flight: int = 0
    max_in_flight: int = 0
    #: Requests a second it serves (0: no limit); beyond it, 429 with Retry-After.
    rate_limit: float = 0.0
    #: Requests answered 429 by the rate limit.
    throttled: int = 0
    #: When each request arrived, and whether the rate limit let it through (monotonic clock).
    arrivals: list[tuple[float, bool]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _bucket: TokenBucket | None = None
    _handler: Any = None
    _down: bool = False

    @property
    def url(self) -> str:
        """Base URL to put in FLOWISE_API_URL."""
        return f"http://{self.host}:{self.port}"

    @property
    def calls(self) -> int:
        """Prediction requests received so far."""
        with self._lock:
            return len(self.requests)

    def start(self) -> FlowiseStandIn:
        """Serve in a daemon thread."""
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                if self.path == "/api/v1/ping":
                    self._send(200, "pong", "text/plain")
                else:
                    self._send(404, json.dumps({"message": "not found"}))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                standin._handle(self, body)

            def _raw(self, data: bytes, pause: float = 0.0) -> None:
                """Write bytes, one at a time with a pause when asked (a trickling server)."""
                try:
                    if not pause:
                        self.wfile.write(data)
                        return
                    for i in range(len(data)):
                        self.wfile.write(data[i : i + 1])
                        self.wfile.flush()
                        time.sleep(pause)
                except OSError:
                    self.close_connection = True  # the client hung up: stop trickling

            def _send(
                self,
                status: int,
                text: str,
                ctype: str = "application/json",
                extra: dict[str, str] | None = None,
            ) -> None:
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self._handler = Handler
        if self.rate_limit:
            self._bucket = TokenBucket(self.rate_limit)
        self._serve()
        return self

    def _serve(self) -> None:
        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer((self.host, self.port), self._handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]  # the same port when it comes back
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def go_down(self) -> None:
        """Stop listening: new connections are refused and kept-alive ones are cut, until
        `come_back`."""
        self._down = True
        self.stop()
        self._server = None

    def come_back(self) -> None:
        """Listen again on the same port."""
        self._down = False
        self._serve()

    def stop(self) -> None:
        """Shut the server down."""
        if self._server is not None and self._server.socket.fileno() >= 0:
            self._server.shutdown()
            self._server.server_close()

    def _handle(self, handler: Any, body: dict[str, Any]) -> None:
        if self._down:  # a kept-alive connection of a server that went down: cut it
            handler.close_connection = True
            with contextlib.suppress(OSError):
                handler.connection.shutdown(socket.SHUT_RDWR)
            return
        with self._lock:
            self.requests.append(body)
            self.headers.append(dict(handler.headers))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            fault = self.faults.popleft() if self.faults else None
            n = len(self.requests)
        wait = self._bucket.take() if self._bucket is not None else None
        with self._lock:
            self.arrivals.append((time.monotonic(), wait is None))
        if wait is not None:
            with self._lock:
                self.throttled += 1
                self.in_flight -= 1
            body = json.dumps({"message": "Too many requests: rate limit exceeded"})
            handler._send(429, body, JSON, {"Retry-After": retry_after_header(wait)})
            return
        try:
            if self.api_key and handler.headers.get("Authorization") != f"Bearer {self.api_key}":
                handler._send(
                    500,
                    json.dumps(
                        {
                            "statusCode": 500,
                            "success": False,
                            "message": "Error: predictionsServices.buildChatflow - Unauthorized",
                        }
                    ),
                )
                return
            if self.delay:
                time.sleep(self.delay)
            count = int(((body.get("overrideConfig") or {}).get("vars") or {}).get("count") or 1)
            rng = random.Random(f"{self.seed}:{n}")
            question = str(body.get("question") or "")
            if grounded.is_grounded(question) and (fault is None or fault in grounded.FAULTS):
                items = grounded.answer(question, rng, n, fault)
                handler._send(200, json.dumps({"json": {"personas": items}, "chatId": "x"}))
                return
            personas = [fake_persona(rng, n) for _ in range(count)]
            self._answer(handler, fault, personas)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _hostile(self, handler: Any, fault: str, personas: list[dict[str, Any]]) -> bool:
        """Play a hostile fault; False if `fault` is not one."""
        head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        if fault == "trickle":
            body = json.dumps({"json": {"personas": personas}}).encode()
            handler._raw(f"{head}Content-Length: {len(body)}\r\n\r\n".encode())
            handler._raw(body, pause=0.5)
        elif fault == "trickle-headers":
            handler._raw(f"{head}X-Slow: {'a' * 200}\r\n".encode(), pause=0.5)
        elif fault == "huge":
            block = b" " * (1024 * 1024)
            handler._raw(f"{head}Content-Length: {20 * len(block) + 2}\r\n\r\n[".encode())
            for _ in range(20):
                handler._raw(block)
            handler._raw(b"]")
        elif fault == "huge-chunked":
            handler._raw(f"{head}Transfer-Encoding: chunked\r\n\r\n".encode())
            block = b" " * (1024 * 1024)
            for _ in range(20):
                handler._raw(f"{len(block):x}\r\n".encode() + block + b"\r\n")
            handler._raw(b"0\r\n\r\n")
        elif fault == "echo-key":
            echoed = handler.headers.get("Authorization", "")
            handler._send(
                500,
                json.dumps({"message": f"upstream refused {echoed} (model overloaded)"}),
            )
        else:
            body = _hostile_body(fault, personas)
            if body is None:
                return False
            handler._raw(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
        handler.close_connection = True
        return True

    def _answer(self, handler: Any, fault: str | None, personas: list[dict[str, Any]]) -> None:
        """Play a fault, or answer like a chatflow with a structured output parser."""
        if fault in ERRORS:
            status, body, ctype, extra = ERRORS[fault]
            handler._send(status, body, ctype, extra)
        elif fault in SHAPES:
            handler._send(200, SHAPES[fault](personas))
        elif fault == "hang":
            time.sleep(3600)
        elif fault is None or not self._hostile(handler, fault, personas):
            handler._send(200, json.dumps({"json": {"personas": personas}, "chatId": "x"}))


def _flowise_error(status: int, message: str) -> str:
    return json.dumps({"statusCode": status, "success": False, "message": message})


#: Faults answered with a fixed error: status, body, content type, extra headers.
ERRORS: dict[str, tuple[int, str, str, dict[str, str]]] = {
    "429": (429, json.dumps({"message": "Too many requests"}), JSON, {"Retry-After": "1"}),
    "502": (502, "<html>Bad Gateway</html>", "text/html", {}),
    "503": (503, json.dumps({"message": "Service Unavailable"}), JSON, {}),
    "504-html": (504, "<html><body><h1>504 Gateway Time-out</h1></body></html>", "text/html", {}),
    "500-timeout": (500, _flowise_error(500, "Error: Request timed out"), JSON, {}),
    "unauthorized": (
        500,
        _flowise_error(500, "Error: predictionsServices.buildChatflow - Unauthorized"),
        JSON,
        {},
    ),
    "404": (
        404,
        _flowise_error(
            404, "Chatflow 00000000-0000-0000-0000-000000000000 not found in the database!"
        ),
        JSON,
        {},
    ),
    "400": (400, _flowise_error(400, "Invalid Chatflow ID"), JSON, {}),
}


def _long_bios(personas: list[dict[str, Any]]) -> str:
    for p in personas:
        p["bios"] = {"x": "word " * 100, "tiktok": "🎉" * 200}
    return json.dumps({"json": {"personas": personas}})


def _truncated(personas: list[dict[str, Any]]) -> str:
    text = json.dumps({"personas": personas})
    return json.dumps({"text": text[: int(len(text) * 0.7)]})


#: Faults answered 200 with an answer shaped as models shape them.
SHAPES: dict[str, Callable[[list[dict[str, Any]]], str]] = {
    "fenced": lambda ps: json.dumps(
        {"text": "Here you go:\n```json\n" + json.dumps({"personas": ps}) + "\n```", "chatId": "x"}
    ),
    "bare-list": lambda ps: json.dumps({"json": ps}),
    "short": lambda ps: json.dumps({"json": {"personas": ps[: len(ps) // 2]}}),
    "duplicates": lambda ps: json.dumps({"json": {"personas": ps[:1] * len(ps)}}),
    "long-bios": _long_bios,
    "truncated": _truncated,
    "prose": lambda ps: json.dumps(
        {"text": "Sure! Here are the personas " + json.dumps(ps) + " Enjoy.", "chatId": "x"}
    ),
    "empty": lambda ps: json.dumps({"text": "I cannot help with that.", "chatId": "x"}),
}


def _years_ago(years: int) -> str:
    today = date.today()
    return today.replace(year=today.year - years, day=min(today.day, 28)).isoformat()


def _hostile_body(fault: str, personas: list[dict[str, Any]]) -> bytes | None:
    """The bytes of a hostile answer that still has a 200 status, or None for another fault."""
    first = personas[0]
    if fault == "nul":
        first["first_name"] = "Ann\x00a"
        first["bios"] = {"x": "hi\x00 there"}
    elif fault == "bidi":
        first["first_name"] = "\u202eanna"
        first["last_name"] = "Smith\u2066\u200f"
    elif fault == "controls":
        first["first_name"] = "Ro\x1bse\x85"
        first["city"] = "Par\x07is"
    elif fault == "huge-interests":
        first["interests"] = ["x" * 1_000_000, *[f"hobby {i}" for i in range(10_000)]]
    elif fault == "formula":
        first["first_name"] = '=HYPERLINK("http://evil.example","click")'
        first["city"] = "+1+1"
        first["occupation"] = "@SUM(A1:A9)"
        first["interests"] = ["-2+3", "\tcmd"]
    elif fault == "contradictory":
        # What a model left to invent facts writes: a 19-year-old surgeon with a doctorate
        # named Mary but male, living in Tokyo, Germany; a retired 30-year-old.
        first.update(
            first_name="Mary", gender="male", date_of_birth=_years_ago(19), country="Germany",
            city="Tokyo", nationality="German", occupation="Surgeon", education="PhD in Surgery",
        )  # fmt: skip
        personas[1].update(
            date_of_birth=_years_ago(30), occupation="retired teacher", country="Canada",
            city="Toronto", nationality="Canadian",
        )  # fmt: skip
    elif fault == "deep-item":
        nested: Any = "x"
        for _ in range(50):
            nested = [nested]
        first["interests"] = nested
    elif fault == "bad-utf8":
        body = json.dumps({"json": {"personas": personas}}).encode()
        name = json.dumps(first["first_name"]).encode()
        return body.replace(name, name[:-1] + b'\xff"', 1)
    elif fault == "deep":
        return b'{"json": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    else:
        return None
    return json.dumps({"json": {"personas": personas}}).encode()


def main() -> None:
    """Run the stand-in as its own process."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--api-key", default=None)
    parser.add_argument("--rate", type=float, default=0.0, help="requests a second; then 429")
    args = parser.parse_args()
    standin = FlowiseStandIn(
        port=args.port, delay=args.delay, api_key=args.api_key, rate_limit=args.rate
    ).start()
    print(f"flowise stand-in on {standin.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        standin.stop()


if __name__ == "__main__":
    main()
