"""A Judge0 CE 1.13.1 stand-in that speaks the real wire format over real loopback HTTP.

Why a server and not mocks: the client's job *is* the wire (base64 with newlines, string times, batch
shapes, null tokens, 401/422/429/503), so tests must exercise real requests and real responses. This module
is pytest-free so the benchmark can use it too: :func:`start_replay_server` returns ``(url, state, stop)``.

How a submission is "executed": by default the submitted Python source is run with the interpreter running
the tests (``subprocess.run([sys.executable, "-c", src])``) and judged by Judge0's rule (isolate_job.rb
``determine_status``/``strip``). This is a trusted test double: only test programs go in. Times are the
measured wall clock and memory is a fixed plausible figure: nothing here is a measurement. Alternatively a
scripted ``outcome`` callable decides the verdict without running anything (benchmarks, odd statuses).

Knobs live on :class:`ReplayState` and can be changed by a test at any time (they are read per request):

* ``auth_token`` / ``auth_header``: expected token; a wrong or missing one gets 401 with an empty body.
* ``auth_user`` / ``auth_user_header``: expected user; a wrong one gets 403 (Judge0 asks this only on admin
  endpoints; here on every request, as an authorizing gateway would).
* ``config``: the ``/config_info`` document (every field of the contract); ``max_submission_batch_size``,
  ``max_*`` limits and defaults in it are enforced. Remove a key to simulate an older server.
* ``languages``: the ``/languages`` list (default has 71 "Python (3.8.1)" and 70 "Python (2.7.17)").
* ``version``: reported by ``/about`` (default "1.13.1").
* ``progression``: statuses shown by the first GETs of every token before its verdict, e.g. ``[1, 2]``.
* ``outcome``: ``callable(SubmissionView) -> Outcome | None``; None falls back to running the program.
* ``queue_full_first``: the first N create requests get 503 ``{"error": "queue is full"}``.
* ``maintenance``: create requests get 503 with Judge0's maintenance message.
* ``rate_limit_first`` / ``retry_after``: the first N requests (any endpoint) get 429 with that Retry-After.
* ``delay_s``: every response is delayed this long (slow server / timeouts).
* ``forget``: creation sequence numbers (0-based, across the server's life) whose record is dropped right
  after creation, so a batch GET returns ``null`` for their token.
* ``workers``: how many submissions execute in parallel (fixed at start).
* ``hold``: ``callable(SubmissionView) -> threading.Event | None``; a submission given an event stays
  "Processing" until a test sets it (a program that blocks until released, without racing its speed).

``state.requests`` logs every request (method, path, query, headers, JSON body) in arrival order, with its
answer (status and parsed JSON) once given: the same :class:`RecordedRequest` entries as the request log of
the ``ecco serve`` test harness (tests/serve/harness.py), so the client suite reads either server's wire alike.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import concurrent.futures
import copy
import dataclasses
import functools
import json
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

JUDGE0_VERSION = "1.13.1"
MAINTENANCE_MESSAGE = "Judge0 is currently in maintenance."

STATUSES: list[dict[str, Any]] = [
    {"id": 1, "description": "In Queue"},
    {"id": 2, "description": "Processing"},
    {"id": 3, "description": "Accepted"},
    {"id": 4, "description": "Wrong Answer"},
    {"id": 5, "description": "Time Limit Exceeded"},
    {"id": 6, "description": "Compilation Error"},
    {"id": 7, "description": "Runtime Error (SIGSEGV)"},
    {"id": 8, "description": "Runtime Error (SIGXFSZ)"},
    {"id": 9, "description": "Runtime Error (SIGFPE)"},
    {"id": 10, "description": "Runtime Error (SIGABRT)"},
    {"id": 11, "description": "Runtime Error (NZEC)"},
    {"id": 12, "description": "Runtime Error (Other)"},
    {"id": 13, "description": "Internal Error"},
    {"id": 14, "description": "Exec Format Error"},
]
STATUS_BY_ID = {s["id"]: s for s in STATUSES}

DEFAULT_LANGUAGES: list[dict[str, Any]] = [
    {"id": 45, "name": "Assembly (NASM 2.14.02)"},
    {"id": 50, "name": "C (GCC 9.2.0)"},
    {"id": 54, "name": "C++ (GCC 9.2.0)"},
    {"id": 62, "name": "Java (OpenJDK 13.0.1)"},
    {"id": 63, "name": "JavaScript (Node.js 12.14.0)"},
    {"id": 70, "name": "Python (2.7.17)"},
    {"id": 71, "name": "Python (3.8.1)"},
]

#: Judge0 CE 1.13.1's /config_info with its default settings (every field the contract lists).
DEFAULT_CONFIG: dict[str, Any] = {
    "allow_enable_network": True,
    "allow_enable_per_process_and_thread_memory_limit": True,
    "allow_enable_per_process_and_thread_time_limit": True,
    "allowed_languages_for_compile_options": [],
    "callbacks_max_tries": 3,
    "callbacks_timeout": 5.0,
    "cpu_extra_time": 1.0,
    "cpu_time_limit": 5.0,
    "enable_additional_files": True,
    "enable_batched_submissions": True,
    "enable_callbacks": True,
    "enable_command_line_arguments": True,
    "enable_compiler_options": True,
    "enable_network": False,
    "enable_per_process_and_thread_memory_limit": False,
    "enable_per_process_and_thread_time_limit": False,
    "enable_submission_delete": False,
    "enable_wait_result": True,
    "maintenance_mode": False,
    "max_cpu_extra_time": 5.0,
    "max_cpu_time_limit": 15.0,
    "max_extract_size": 10240,
    "max_file_size": 1024,
    "max_max_file_size": 4096,
    "max_max_processes_and_or_threads": 120,
    "max_memory_limit": 512000,
    "max_number_of_runs": 20,
    "max_processes_and_or_threads": 60,
    "max_queue_size": 100,
    "max_stack_limit": 128000,
    "max_submission_batch_size": 20,
    "max_wall_time_limit": 20.0,
    "memory_limit": 128000,
    "number_of_runs": 1,
    "redirect_stderr_to_stdout": False,
    "stack_limit": 64000,
    "submission_cache_duration": 1.0,
    "use_docs_as_homepage": False,
    "wall_time_limit": 10.0,
}

#: Fields a GET may ask for (Judge0's Fields::Submission), and the ones it returns when none are asked.
AVAILABLE_FIELDS = [
    "source_code",
    "language_id",
    "stdin",
    "expected_output",
    "stdout",
    "status_id",
    "created_at",
    "finished_at",
    "time",
    "memory",
    "stderr",
    "token",
    "number_of_runs",
    "cpu_time_limit",
    "cpu_extra_time",
    "wall_time_limit",
    "memory_limit",
    "stack_limit",
    "max_processes_and_or_threads",
    "enable_per_process_and_thread_time_limit",
    "enable_per_process_and_thread_memory_limit",
    "max_file_size",
    "compile_output",
    "exit_code",
    "exit_signal",
    "message",
    "wall_time",
    "compiler_options",
    "command_line_arguments",
    "redirect_stderr_to_stdout",
    "callback_url",
    "additional_files",
    "enable_network",
    "status",
    "language",
]
DEFAULT_FIELDS = ["token", "time", "memory", "stdout", "stderr", "compile_output", "message", "status"]
BASE64_FIELDS = {"source_code", "stdin", "expected_output", "stdout", "stderr", "compile_output", "message"}

#: (field, config key of its maximum, lower bound, lower bound inclusive?) per submission.rb validations.
NUMERIC_LIMITS: list[tuple[str, str, float, bool]] = [
    ("number_of_runs", "max_number_of_runs", 0, False),
    ("cpu_time_limit", "max_cpu_time_limit", 0, True),
    ("cpu_extra_time", "max_cpu_extra_time", 0, True),
    ("wall_time_limit", "max_wall_time_limit", 1, True),
    ("memory_limit", "max_memory_limit", 2048, True),
    ("stack_limit", "max_stack_limit", 0, True),
    ("max_processes_and_or_threads", "max_max_processes_and_or_threads", 0, False),
    ("max_file_size", "max_max_file_size", 0, True),
]
#: Submission defaults come from these config keys (submission.rb set_defaults).
DEFAULTS_FROM_CONFIG = {
    "number_of_runs": "number_of_runs",
    "cpu_time_limit": "cpu_time_limit",
    "cpu_extra_time": "cpu_extra_time",
    "wall_time_limit": "wall_time_limit",
    "memory_limit": "memory_limit",
    "stack_limit": "stack_limit",
    "max_processes_and_or_threads": "max_processes_and_or_threads",
    "max_file_size": "max_file_size",
}


# --------------------------------------------------------------------------------------------- encoding


def ruby_encode64(text: str | None) -> str | None:
    """Ruby's ``Base64.encode64``: a newline after every 60 characters, and after the last line.

    (Python's ``base64.encodebytes`` wraps at 76, which would not test the client against what Judge0 sends.)
    """
    if text is None:
        return None
    encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return "".join(encoded[i : i + 60] + "\n" for i in range(0, len(encoded), 60))


def ruby_decode64(text: Any) -> str | None:
    """Ruby's ``Base64.decode64``: ignores anything outside the alphabet, never raises."""
    if text is None:
        return None
    compact = "".join(ch for ch in str(text) if ch.isalnum() or ch in "+/")
    compact += "=" * (-len(compact) % 4)
    try:
        return base64.b64decode(compact).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        return ""


def judge0_strip(text: str | None) -> str | None:
    """isolate_job.rb ``strip``: right-strip each line, join with newlines, right-strip the whole."""
    if text is None:
        return None
    return "\n".join(line.rstrip() for line in text.split("\n")).rstrip()


def ruby_number(value: float) -> str:
    """How Rails prints a numericality bound: floats keep their ``.0`` (15.0), integers do not."""
    return repr(float(value)) if isinstance(value, float) else str(value)


# ------------------------------------------------------------------------------------------------ state


@dataclass(slots=True)
class Outcome:
    """A verdict as isolate_job.rb would store it (plain text; the server base64-encodes on the way out)."""

    status_id: int
    stdout: str | None = None
    stderr: str | None = None
    time: str | None = "0.012"
    wall_time: str | None = "0.020"
    memory: int | None = 3700
    exit_code: int | None = 0
    exit_signal: int | None = None
    message: str | None = None
    compile_output: str | None = None


@dataclass(frozen=True, slots=True)
class SubmissionView:
    """What an ``outcome`` callable sees: the decoded submission with defaults applied."""

    seq: int
    token: str
    params: dict[str, Any]

    @property
    def source_code(self) -> str:
        return self.params.get("source_code") or ""

    @property
    def stdin(self) -> str:
        return self.params.get("stdin") or ""

    @property
    def expected_output(self) -> str | None:
        return self.params.get("expected_output")


@dataclass(slots=True)
class RecordedRequest:
    """One request as the server saw it, and its answer once given, for assertions on the wire.

    ``status`` and ``response`` (the answer's JSON, parsed) are filled in when the server answers.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    at: float
    status: int | None = None
    response: Any = None


@dataclass(slots=True)
class _Record:
    view: SubmissionView
    future: concurrent.futures.Future[Outcome]
    started: threading.Event = field(default_factory=threading.Event)
    gets: int = 0
    created_at: float = field(default_factory=time.time)
    finished_at: float | None = None


@dataclass
class ReplayState:
    """Everything the server knows and every knob a test can turn (see the module docstring)."""

    auth_token: str | None = None
    auth_header: str = "X-Auth-Token"
    auth_user: str | None = None
    auth_user_header: str = "X-Auth-User"
    config: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(DEFAULT_CONFIG))
    languages: list[dict[str, Any]] = field(default_factory=lambda: copy.deepcopy(DEFAULT_LANGUAGES))
    version: str = JUDGE0_VERSION
    progression: list[int] = field(default_factory=list)
    outcome: Callable[[SubmissionView], Outcome | None] | None = None
    queue_full_first: int = 0
    maintenance: bool = False
    rate_limit_first: int = 0
    retry_after: str | None = "0"
    delay_s: float = 0.0
    forget: set[int] = field(default_factory=set)
    workers: int = 4
    hold: Callable[[SubmissionView], threading.Event | None] | None = None

    requests: list[RecordedRequest] = field(default_factory=list)
    submissions: dict[str, _Record] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _executor: concurrent.futures.ThreadPoolExecutor | None = field(default=None, repr=False)
    _seq: int = 0
    _creates_seen: int = 0
    _requests_seen: int = 0

    # -- helpers for tests

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        """The logged requests with this method and exact path, in arrival order."""
        return [r for r in self.requests if r.method == method and r.path == path]

    @property
    def created(self) -> int:
        """How many submissions were created (including forgotten ones)."""
        return self._seq

    # -- internals

    def _next_seq(self) -> int:
        with self._lock:
            seq = self._seq
            self._seq += 1
            return seq

    def _executor_for(self) -> concurrent.futures.ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = concurrent.futures.ThreadPoolExecutor(
                    max_workers=max(1, self.workers), thread_name_prefix="judge0-replay"
                )
            return self._executor

    def reset(self, **knobs: Any) -> None:
        """Back to a fresh server (default knobs, empty log, no submissions), so one server serves many tests.

        The workers are stopped (queued executions cancelled) and restarted lazily on the next create.
        """
        fresh = ReplayState(**knobs)
        self.shutdown()
        with self._lock:
            for f in dataclasses.fields(self):
                if f.name != "_lock":
                    setattr(self, f.name, getattr(fresh, f.name))

    def shutdown(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)


# -------------------------------------------------------------------------------------------- execution


def execute_python(params: dict[str, Any]) -> Outcome:
    """Run the source with this interpreter, ``number_of_runs`` times, judged like isolate_job.rb.

    Time limit: wall clock of ``min(cpu_time_limit + cpu_extra_time, wall_time_limit)``. A child killed by
    signal n is reported as bash would pass it to isolate: status 11 (NZEC) with exit code 128+n.
    """
    source = params.get("source_code") or ""
    stdin = params.get("stdin") or ""
    expected = params.get("expected_output")
    limit = min(float(params["cpu_time_limit"]) + float(params["cpu_extra_time"]), float(params["wall_time_limit"]))
    times: list[float] = []
    outcome = Outcome(status_id=13)
    for _ in range(int(params["number_of_runs"])):
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                [sys.executable, "-c", source],
                input=stdin.encode("utf-8"),
                capture_output=True,
                timeout=max(limit, 0.05),
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            elapsed = time.perf_counter() - start
            outcome = Outcome(
                status_id=5,
                stdout=(exc.stdout or b"").decode("utf-8", errors="replace") or None,
                stderr=(exc.stderr or b"").decode("utf-8", errors="replace") or None,
                time=f"{elapsed:.3f}",
                wall_time=f"{elapsed:.3f}",
                exit_code=0,
                message="Time limit exceeded",
            )
            times.append(elapsed)
            break
        elapsed = time.perf_counter() - start
        stdout = proc.stdout.decode("utf-8", errors="replace") or None
        stderr = proc.stderr.decode("utf-8", errors="replace") or None
        code = proc.returncode if proc.returncode >= 0 else 128 - proc.returncode
        if code != 0:
            status, message = 11, f"Exited with error status {code}"
        elif expected is None or judge0_strip(expected) == judge0_strip(stdout):
            status, message = 3, None
        else:
            status, message = 4, None
        outcome = Outcome(
            status_id=status,
            stdout=stdout,
            stderr=stderr,
            time=f"{elapsed:.3f}",
            wall_time=f"{elapsed:.3f}",
            memory=3700,
            exit_code=code,
            message=message,
        )
        times.append(elapsed)
        if status != 3:
            break
    if times:
        outcome.time = f"{sum(times) / len(times):.3f}"
    return outcome


# ---------------------------------------------------------------------------------------------- the app


def _json(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status)


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def validate_submission(state: ReplayState, raw: dict[str, Any], base64_encoded: bool) -> tuple[dict, dict]:
    """Decode, apply defaults and validate like submission.rb; returns ``(params, errors)``."""
    params = dict(raw)
    if base64_encoded:
        for key in ("source_code", "stdin", "expected_output"):
            if params.get(key) is not None:
                params[key] = ruby_decode64(params[key])
    for key, config_key in DEFAULTS_FROM_CONFIG.items():
        if params.get(key) is None:
            params[key] = state.config.get(config_key, DEFAULT_CONFIG[config_key])
    errors: dict[str, list[str]] = {}
    if not params.get("source_code"):
        errors.setdefault("source_code", []).append("can't be blank")
    language_id = params.get("language_id")
    if language_id is None or language_id == "":
        errors.setdefault("language_id", []).append("can't be blank")
    elif not any(str(lang["id"]) == str(language_id) for lang in state.languages):
        errors.setdefault("language_id", []).append(f"language with id {language_id} doesn't exist")
    for name, max_key, low, inclusive in NUMERIC_LIMITS:
        value = params.get(name)
        if not _is_number(value):
            errors.setdefault(name, []).append("is not a number")
            continue
        number = float(value)
        if inclusive and number < low:
            errors.setdefault(name, []).append(f"must be greater than or equal to {low}")
        if not inclusive and number <= low:
            errors.setdefault(name, []).append(f"must be greater than {low}")
        high = state.config.get(max_key, DEFAULT_CONFIG[max_key])
        if number > float(high):
            errors.setdefault(name, []).append(f"must be less than or equal to {ruby_number(high)}")
    return params, errors


def _create(state: ReplayState, params: dict[str, Any]) -> str:
    """Store a valid submission and start (or script) its execution; returns its token."""
    seq = state._next_seq()
    token = str(uuid.uuid4())
    view = SubmissionView(seq=seq, token=token, params=params)
    scripted = state.outcome(view) if state.outcome is not None else None
    record: _Record
    if scripted is not None:
        future: concurrent.futures.Future[Outcome] = concurrent.futures.Future()
        future.set_result(scripted)
        record = _Record(view=view, future=future)
        record.started.set()
        record.finished_at = time.time()
    else:
        placeholder: concurrent.futures.Future[Outcome] = concurrent.futures.Future()
        record = _Record(view=view, future=placeholder)

        release = state.hold(view) if state.hold is not None else None

        def job() -> Outcome:
            record.started.set()
            if release is not None:
                release.wait()
            try:
                return execute_python(params)
            finally:
                record.finished_at = time.time()

        record.future = state._executor_for().submit(job)
    if seq not in state.forget:
        with state._lock:
            state.submissions[token] = record
    return token


def _serialize(
    state: ReplayState, record: _Record, fields: list[str], base64_encoded: bool, status_id: int
) -> dict[str, Any]:
    """SubmissionSerializer: the asked fields; base64 fields via Ruby's encode64; times as strings."""
    params = record.view.params
    language = next((lang for lang in state.languages if str(lang["id"]) == str(params.get("language_id"))), None)
    final = status_id not in (1, 2)
    outcome = record.future.result() if final else None
    values: dict[str, Any] = {
        "token": record.view.token,
        "status": dict(STATUS_BY_ID.get(status_id, {"id": status_id, "description": "Unknown"})),
        "status_id": status_id,
        "language_id": params.get("language_id"),
        "language": {"id": language["id"], "name": language["name"]} if language else None,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(record.created_at)),
        "finished_at": (
            time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(record.finished_at))
            if final and record.finished_at
            else None
        ),
        "time": outcome.time if outcome else None,
        "wall_time": outcome.wall_time if outcome else None,
        "memory": outcome.memory if outcome else None,
        "stdout": outcome.stdout if outcome else None,
        "stderr": outcome.stderr if outcome else None,
        "exit_code": outcome.exit_code if outcome else None,
        "exit_signal": outcome.exit_signal if outcome else None,
        "message": outcome.message if outcome else None,
        "compile_output": outcome.compile_output if outcome else None,
    }
    for name in AVAILABLE_FIELDS:
        if name not in values:
            values[name] = params.get(name)
    out: dict[str, Any] = {}
    for name in fields:
        value = values.get(name)
        if base64_encoded and name in BASE64_FIELDS:
            value = ruby_encode64(value)
        out[name] = value
    return out


def _observe(state: ReplayState, record: _Record) -> int:
    """The status this GET shows: scripted progression first, then the real state of the execution."""
    with state._lock:
        record.gets += 1
        nth = record.gets
    if nth <= len(state.progression):
        return state.progression[nth - 1]
    if not record.future.done():
        return 2 if record.started.is_set() else 1
    return record.future.result().status_id


def _fields(request: Request) -> list[str] | Response:
    raw = request.query_params.get("fields")
    if not raw:
        return list(DEFAULT_FIELDS)
    if raw.strip() == "*":
        return list(AVAILABLE_FIELDS)
    fields = [f.strip() for f in raw.split(",") if f.strip()]
    invalid = [f for f in fields if f not in AVAILABLE_FIELDS]
    if invalid:
        return _json({"error": f"invalid fields: [{', '.join(invalid)}]"}, 400)
    return fields


def _base64(request: Request) -> bool:
    """1.13.1 semantics: base64 only when ``base64_encoded=true`` is said explicitly."""
    return request.query_params.get("base64_encoded") == "true"


Handler = Callable[[Request], Awaitable[Response]]


def build_app(state: ReplayState) -> Starlette:
    """The Starlette app serving Judge0's endpoints from ``state``."""

    def gated(handler: Handler, *, creates: bool = False) -> Handler:
        """Log, delay, authenticate, rate-limit and (for creates) queue-check before the handler."""

        @functools.wraps(handler)
        async def wrapper(request: Request) -> Response:
            body: Any = None
            raw = await request.body()
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw.decode("utf-8", errors="replace")
            entry = RecordedRequest(
                method=request.method,
                path=request.url.path,
                query=dict(request.query_params),
                headers={k.lower(): v for k, v in request.headers.items()},
                body=body,
                at=time.time(),
            )
            with state._lock:
                state.requests.append(entry)
                state._requests_seen += 1
                nth_request = state._requests_seen
            response = await answer(request, body, nth_request)
            entry.status = response.status_code
            try:
                entry.response = json.loads(response.body) if response.body else None
            except ValueError:
                entry.response = response.body
            return response

        async def answer(request: Request, body: Any, nth_request: int) -> Response:
            if state.delay_s > 0:
                await asyncio.sleep(state.delay_s)
            if state.auth_token is not None and request.headers.get(state.auth_header) != state.auth_token:
                return Response(status_code=401)
            if state.auth_user is not None and request.headers.get(state.auth_user_header) != state.auth_user:
                return Response(status_code=403)
            if nth_request <= state.rate_limit_first:
                headers = {"Retry-After": state.retry_after} if state.retry_after is not None else None
                return JSONResponse({"message": "Too many requests"}, status_code=429, headers=headers)
            if creates:
                if state.maintenance:
                    return _json({"error": MAINTENANCE_MESSAGE}, 503)
                with state._lock:
                    state._creates_seen += 1
                    nth_create = state._creates_seen
                if nth_create <= state.queue_full_first:
                    return _json({"error": "queue is full"}, 503)
            request.state.body = body
            return await handler(request)

        return wrapper

    async def about(request: Request) -> Response:
        return _json(
            {
                "version": state.version,
                "homepage": "https://judge0.com",
                "source_code": "https://github.com/judge0/judge0",
                "maintainer": "Herman Zvonimir Došilović <hermanz.dosilovic@gmail.com>",
            }
        )

    async def config_info(request: Request) -> Response:
        return _json(state.config)

    async def languages(request: Request) -> Response:
        return _json([{"id": lang["id"], "name": lang["name"]} for lang in state.languages])

    async def language(request: Request) -> Response:
        wanted = request.path_params["id"]
        for lang in state.languages:
            if str(lang["id"]) == wanted:
                is_python = str(lang["name"]).startswith("Python")
                return _json(
                    {
                        "id": lang["id"],
                        "name": lang["name"],
                        "is_archived": False,
                        "source_file": "script.py" if is_python else "main",
                        "compile_cmd": None,
                        "run_cmd": "/usr/local/python/bin/python3 script.py" if is_python else "./main",
                    }
                )
        return _json({"error": f"Couldn't find Language with 'id'={wanted}"}, 404)

    async def statuses(request: Request) -> Response:
        return _json(STATUSES)

    async def workers(request: Request) -> Response:
        with state._lock:
            waiting = sum(1 for r in state.submissions.values() if not r.future.done())
        return _json(
            [
                {
                    "queue": state.version,
                    "size": waiting,
                    "available": state.workers,
                    "idle": state.workers,
                    "working": 0,
                    "paused": 0,
                    "failed": 0,
                }
            ]
        )

    async def create_one(request: Request) -> Response:
        body = request.state.body
        if not isinstance(body, dict):
            return _json({"error": "request body must be a JSON object"}, 400)
        b64 = _base64(request)
        params, errors = validate_submission(state, body, b64)
        if errors:
            return _json(errors, 422)
        token = _create(state, params)
        if request.query_params.get("wait") == "true":
            if not state.config.get("enable_wait_result", True):
                return _json({"error": "wait not allowed"}, 400)
            fields = _fields(request)
            if isinstance(fields, Response):
                return fields
            record = state.submissions.get(token)
            if record is None:
                return _json({"token": token}, 201)
            await asyncio.wrap_future(record.future)
            return _json(_serialize(state, record, fields, b64, record.future.result().status_id), 201)
        return _json({"token": token}, 201)

    async def show_one(request: Request) -> Response:
        fields = _fields(request)
        if isinstance(fields, Response):
            return fields
        record = state.submissions.get(request.path_params["token"])
        if record is None:
            return _json({"error": "Couldn't find Submission"}, 404)
        return _json(_serialize(state, record, fields, _base64(request), _observe(state, record)))

    def _batch_size_error(n: int) -> Response | None:
        if not state.config.get("enable_batched_submissions", True):
            return _json({"error": "batched submissions are not allowed"}, 400)
        limit = int(state.config.get("max_submission_batch_size", 20))
        if n > limit:
            return _json({"error": f"number of submissions in a batch should be less than or equal to {limit}"}, 400)
        if n == 0:
            return _json({"error": "there should be at least one submission in a batch"}, 400)
        return None

    async def create_batch(request: Request) -> Response:
        body = request.state.body
        items = body.get("submissions") if isinstance(body, dict) else None
        if not isinstance(items, list):
            items = []
        refused = _batch_size_error(len(items))
        if refused is not None:
            return refused
        b64 = _base64(request)
        answer: list[dict[str, Any]] = []
        any_valid = False
        for item in items:
            params, errors = validate_submission(state, item if isinstance(item, dict) else {}, b64)
            if errors:
                answer.append(errors)
            else:
                answer.append({"token": _create(state, params)})
                any_valid = True
        return _json(answer, 201 if any_valid else 422)

    async def show_batch(request: Request) -> Response:
        tokens = [t for t in request.query_params.get("tokens", "").strip().split(",") if t]
        refused = _batch_size_error(len(tokens))
        if refused is not None:
            return refused
        fields = _fields(request)
        if isinstance(fields, Response):
            return fields
        b64 = _base64(request)
        out: list[dict[str, Any] | None] = []
        for token in tokens:
            record = state.submissions.get(token)
            out.append(None if record is None else _serialize(state, record, fields, b64, _observe(state, record)))
        return _json({"submissions": out})

    routes = [
        Route("/about", gated(about), methods=["GET"]),
        Route("/config_info", gated(config_info), methods=["GET"]),
        Route("/languages", gated(languages), methods=["GET"]),
        Route("/languages/{id}", gated(language), methods=["GET"]),
        Route("/statuses", gated(statuses), methods=["GET"]),
        Route("/workers", gated(workers), methods=["GET"]),
        Route("/submissions/batch", gated(create_batch, creates=True), methods=["POST"]),
        Route("/submissions/batch", gated(show_batch), methods=["GET"]),
        Route("/submissions", gated(create_one, creates=True), methods=["POST"]),
        Route("/submissions/{token}", gated(show_one), methods=["GET"]),
    ]
    return Starlette(routes=routes)


# ------------------------------------------------------------------------------------------- lifecycle


def free_port() -> int:
    """A loopback port nobody listens on (bound and released), for connection-refused tests."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_replay_server(**knobs: Any) -> tuple[str, ReplayState, Callable[[], None]]:
    """Serve a fresh :class:`ReplayState` on a free loopback port in a background thread.

    Returns ``(base_url, state, stop)``; ``stop()`` shuts the server down and joins the thread. Knobs are
    :class:`ReplayState` fields and may also be changed on ``state`` later.
    """
    state = ReplayState(**knobs)
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose proto says TCP, and
    # without it every response (headers and body are two writes) waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        build_app(state),
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
        timeout_keep_alive=30,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"judge0-replay-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the Judge0 replay server did not start")
        time.sleep(0.005)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        state.shutdown()

    return f"http://127.0.0.1:{port}", state, stop
