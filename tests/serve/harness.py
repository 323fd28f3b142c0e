"""Running ``ecco serve`` in tests: real servers on loopback (uvicorn in a thread), a request log, fake engines.

Shared by tests/serve and tests/engines (the Judge0 client suite runs against ``ecco serve`` too), so it is a
plain module rather than a conftest. The request log records the same :class:`RecordedRequest` entries as the
Judge0 replay server, responses included, so one assertion reads both servers' logs alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ecco_tui.engines.base import EngineInfo, Limits, Status, TestCase, TestResult, outputs_match
from ecco_tui.serve.app import ServeState, create_app, start_in_thread
from tests.engines.judge0_replay_server import RecordedRequest


def _parse(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return raw


class RequestLog:
    """ASGI middleware recording every request and its answer, for wire assertions.

    An entry is appended when the request's body has been read (at once for a GET), so entries are in
    arrival order; its ``status`` and ``response`` (JSON parsed when it is JSON) are filled in once answered.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.entries: list[RecordedRequest] = []
        self._lock = threading.Lock()

    def _append(self, scope: Scope, body: Any) -> RecordedRequest:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
        entry = RecordedRequest(method=scope["method"], path=scope["path"], query=query, headers=headers, body=body,
                                at=time.time())
        with self._lock:
            self.entries.append(entry)
        return entry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        holder: list[RecordedRequest] = []
        if scope["method"] == "GET":
            holder.append(self._append(scope, None))

        async def recording_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request" and not holder:
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    holder.append(self._append(scope, _parse(b"".join(chunks))))
            return message

        answer: list[bytes] = []
        status: list[int] = []

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            elif message["type"] == "http.response.body":
                answer.append(message.get("body", b""))
                if not message.get("more_body") and holder:
                    holder[0].status = status[0] if status else None
                    holder[0].response = _parse(b"".join(answer))
            await send(message)

        await self.app(scope, recording_receive, recording_send)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self.entries)

    def to(self, method: str, path: str) -> list[RecordedRequest]:
        """The logged requests with this method and exact path, in arrival order."""
        with self._lock:
            return [e for e in self.entries if e.method == method and e.path == path]

    def clear(self) -> None:
        with self._lock:
            self.entries.clear()


@dataclass(slots=True)
class ServeServer:
    """A running ``ecco serve``: its URL, its request log and its live state (store, runner)."""

    url: str
    log: RequestLog
    app: Any
    stop: Callable[[], None]

    @property
    def state(self) -> ServeState:
        return self.app.state.serve


@contextlib.contextmanager
def serve_running(engine_factory: Callable[[], Any] | None = None, **settings: Any) -> Iterator[ServeServer]:
    """Start ``ecco serve`` with these settings on a free loopback port; stop it (engine closed) on exit.

    ``settings`` are :class:`~ecco_tui.serve.app.ServeSettings` fields or ``create_app`` keywords
    (``recorder=``).
    """
    settings.setdefault("workers", 2)
    app = create_app(engine_factory, **settings)
    logged = RequestLog(app)
    background = start_in_thread(logged)
    try:
        yield ServeServer(background.url, logged, app, background.stop)
    finally:
        background.stop()


# ------------------------------------------------------------------------------------------- fake engine


@dataclass
class FakeEngine:
    """A deterministic engine: ``script(program, test, limits, call_index)`` decides each result.

    ``gate``, when given, holds every run until it is set (a threading.Event, set from the test's thread),
    so tests can fill the queue or outlast a wait deterministically.
    """

    script: Callable[[str, TestCase, Limits, int], TestResult] | None = None
    gate: threading.Event | None = None
    language: str = "Python (3.11.7)"
    version: str = "fake-1"
    calls: list[tuple[str, TestCase, Limits]] = field(default_factory=list)

    async def info(self) -> EngineInfo:
        return EngineInfo(name="fake", version=self.version, language=self.language,
                          details={"python": "/usr/bin/python3", "sandbox": "none"})

    async def run(
        self, program: str, tests: Sequence[TestCase], limits: Limits | None = None, *, repeat: int = 1
    ) -> AsyncIterator[TestResult]:
        for test in tests:
            index = len(self.calls)
            self.calls.append((program, test, limits or Limits()))
            while self.gate is not None and not self.gate.is_set():
                await asyncio.sleep(0.005)
            if self.script is not None:
                yield self.script(program, test, limits or Limits(), index)
            else:
                yield accepted_result(test)

    async def aclose(self) -> None:
        return None


def make_result(test: TestCase, status: int = Status.ACCEPTED, *, cpu: float | None = 0.012,
                wall: float | None = 0.02, memory: int | None = 3700, stdout: str = "", stderr: str = "",
                exit_code: int | None = 0, exit_signal: int | None = None, message: str | None = None) -> TestResult:
    return TestResult(test=test, status_id=int(status), status_description=Status(status).description,
                      cpu_time_s=cpu, wall_time_s=wall, memory_kb=memory, stdout=stdout, stderr=stderr,
                      exit_code=exit_code, exit_signal=exit_signal, message=message)


def accepted_result(test: TestCase) -> TestResult:
    """Accepted, echoing the expected output (Wrong Answer never happens with the fake's default)."""
    stdout = test.expected_output or ""
    ok = outputs_match(stdout, test.expected_output)
    return make_result(test, Status.ACCEPTED if ok else Status.WRONG_ANSWER, stdout=stdout)
