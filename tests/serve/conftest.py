"""Fixtures for ``ecco serve`` tests: real servers on loopback (uvicorn in a thread), a request log, fake engines.

Servers with the default settings are shared per session (starting one costs ~0.3 s: uvicorn plus the
engine's sandbox probe); tests that need other settings start their own with :func:`serve_running`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ecco_tui.engines.base import EngineInfo, Limits, Status, TestCase, TestResult, outputs_match
from ecco_tui.serve.app import ServeState, create_app, start_in_thread


@dataclass(frozen=True, slots=True)
class Logged:
    """One request as the server received it."""

    method: str
    path: str
    query: str
    body: Any


class RequestLog:
    """ASGI middleware recording every request (body parsed as JSON when it is JSON), for wire assertions."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.entries: list[Logged] = []
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []

        async def recording_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    raw = b"".join(chunks)
                    try:
                        body: Any = json.loads(raw) if raw else None
                    except (ValueError, RecursionError):
                        body = raw
                    with self._lock:
                        self.entries.append(Logged(scope["method"], scope["path"],
                                                   scope.get("query_string", b"").decode(), body))
            return message

        if scope["method"] == "GET":
            with self._lock:
                self.entries.append(Logged("GET", scope["path"], scope.get("query_string", b"").decode(), None))
            await self.app(scope, receive, send)
        else:
            await self.app(scope, recording_receive, send)

    def to(self, method: str, path: str) -> list[Logged]:
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
    """Start ``ecco serve`` with these settings on a free loopback port; stop it (engine closed) on exit."""
    settings.setdefault("workers", 2)
    app = create_app(engine_factory, **settings)
    logged = RequestLog(app)
    background = start_in_thread(logged)
    try:
        yield ServeServer(background.url, logged, app, background.stop)
    finally:
        background.stop()


@pytest.fixture(scope="session")
def _shared_serve() -> Iterator[ServeServer]:
    with serve_running() as server:
        yield server


@pytest.fixture
def serve_server(_shared_serve: ServeServer) -> ServeServer:
    """The shared default server (Judge0's defaults, 2 workers, real local engine) with an empty log."""
    _shared_serve.log.clear()
    return _shared_serve


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
    calls: list[tuple[str, TestCase, Limits]] = field(default_factory=list)

    async def info(self) -> EngineInfo:
        return EngineInfo(name="fake", version="fake-1", language=self.language,
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
