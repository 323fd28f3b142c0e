"""``ecco serve``: the local engine behind Judge0 CE 1.13.1's REST API.

Why: evaluating ECCO needs Judge0, whose isolate sandbox needs cgroup v1, which most machines no longer
have. The local engine (bubblewrap + rlimits) can do the work; speaking Judge0's API lets ECCO's own
scripts, the official Judge0 SDK and ``ecco_tui.engines.judge0.Judge0Engine`` use it unchanged.

Endpoints: ``POST /submissions`` (``?wait``, ``?base64_encoded``, ``?fields``), ``GET /submissions/{token}``,
``POST /submissions/batch``, ``GET /submissions/batch?tokens=…``, ``GET /languages``, ``/languages/{id}``,
``/statuses``, ``/about``, ``/config_info``, ``/system_info``, ``/workers``, ``POST /authenticate``.

Start it with :func:`serve` (blocking, uvicorn) or mount :func:`create_app` anywhere ASGI runs.

Compatibility notes (what differs from a real Judge0 CE 1.13.1):

* Languages: id 71 "Python (3.8.1)" is an *alias* of the real interpreter, kept because ECCO's scripts
  hard-code 71; the honest entry carries the real version (id 92 for 3.11, 100 for 3.12, ... as hosted
  Judge0 numbers them). Both run the same local interpreter. No other language exists (70 → 422).
* Measurement: ``time`` is the program's CPU time (rusage, not cgroup), ``memory`` its max RSS, about
  twice Judge0's cgroup figure for small programs (see judge0-contract.md); memory limits are RLIMIT_AS.
* Storage: submissions live in memory and finished ones are evicted (TTL, count, bytes; see
  ``store.py``); Judge0 keeps them in Postgres. An evicted token answers 404 / null.
* Admission: ``max_queue`` bounds every unfinished submission (queued, processing and ``wait=true``),
  where Judge0 counts only its Resque queue.
* Validation is stricter where silence would change a measurement (unknown fields, non-string texts,
  invalid base64; see ``models.py``) and refuses options the engine cannot honour with Judge0's own
  "not allowed" messages; ``/config_info`` reports them disabled.
* Bodies may be JSON or ``application/x-www-form-urlencoded`` (ECCO's scripts post forms); multipart is
  refused (415). Bodies over ``max_body_bytes`` get 413. A trailing slash in the path is ignored, as
  Rails does (ECCO posts to ``/submissions/?wait=true``).
* Outputs that are not UTF-8 are decoded with U+FFFD replacement by the engine, so base64 responses carry
  the replaced text, not the raw bytes (Judge0 would return the bytes, or 400 without base64).
* ``wait=true`` waits at most ``number_of_runs × (wall_time_limit + 2 s) + 10 s`` (``wait_timeout_s``
  overrides); past that the answer is 201 with the current In Queue / Processing status and the token, and
  the run carries on, so the client can poll.
* ``/about`` reports version 1.13.1 (clients pick language tables by it) plus ``implementation``,
  ``engine`` and ``python`` fields saying what really runs.
* Results: a Runtime Error (NZEC) carries no ``exit_signal`` (the signal is in ``exit_code`` = 128+n, as
  Judge0's bash wrapper reports it), nor does a Time Limit Exceeded (isolate writes none when it kills at a
  limit); a run killed without an exit code reports ``exit_code`` 0, as Judge0. A run that prints nothing is a
  Wrong Answer against any expected output, even "" (Judge0 stores the empty stdout as nil).
* Auth: the token is read from the ``X-Auth-Token`` header (``auth_header``) only, never from a query
  parameter, where it would land in access and proxy logs. :func:`serve` refuses to listen beyond loopback
  without a token unless told ``insecure_no_auth``, and never does so unsandboxed (``policy.py``).
* Not implemented: ``GET /submissions`` (index), ``DELETE /submissions/{token}``, ``/authorize`` and
  X-Auth-User (Judge0 answers 403 there without an AUTHZ token configured), callbacks, ``/system_info``
  beyond a few fields.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import hmac
import json
import logging
import os
import platform
import socket
import threading
import time
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ecco_tui import __version__
from ecco_tui.engines.base import Engine, EngineInfo
from ecco_tui.serve.models import (
    JUDGE0_VERSION,
    STATUSES,
    Language,
    UnknownFieldPolicy,
    ValidationPolicy,
    config_info,
    parse_fields,
    python_languages,
    render,
    request_fields,
    validate_submission,
)
from ecco_tui.serve.policy import check_bind
from ecco_tui.serve.runner import SubmissionRunner
from ecco_tui.serve.store import SubmissionRecord, SubmissionStore

if TYPE_CHECKING:
    from ecco_tui.services.serve_recording import ServeRecorder

__all__ = ["BackgroundServer", "ServeSettings", "create_app", "serve", "start_in_thread"]

log = logging.getLogger("ecco.serve")

EngineFactory = Callable[[], Engine]

DEFAULT_PORT = 2358  # Judge0's
#: The engine kills a run at its wall limit and backstops 2 s later; this much is added per run to the wait.
WAIT_PER_RUN_GRACE_S = 2.0
WAIT_MARGIN_S = 10.0


@dataclass(frozen=True, slots=True)
class ServeSettings:
    """Everything ``ecco serve`` can be told. Defaults mirror Judge0 CE where Judge0 has a setting.

    Attributes:
        auth_token: when set, every request must carry it in the ``auth_header`` header (never in the query
            string, which ends up in access logs); several tokens may be given separated by spaces. Otherwise
            401.
        auth_header: Judge0's AUTHN_HEADER.
        max_queue: unfinished submissions allowed at once; past it 503 ``{"error": "queue is full"}``.
        workers: asyncio workers draining the queue, and the engine's concurrency (default: CPU count).
        max_source_bytes: longest accepted source (UTF-8 bytes, after base64 decoding); longer is 422.
        max_body_bytes: longest accepted request body; longer is 413.
        max_submission_batch_size: submissions per batch request (Judge0's default 20).
        max_output_bytes: stdout and stderr are each stored cut to this many bytes.
        finished_ttl_s, max_finished, max_store_bytes: eviction of finished submissions (see store.py).
        unknown_fields: "reject" (default, 422) or "ignore" (Judge0's behaviour) for unknown request fields.
        wait_timeout_s: fixed bound on a ``wait=true`` request; None derives it from the submission's limits.
        python, use_bwrap: passed to the default LocalEngine; bubblewrap is required unless use_bwrap is False
            (never silently off: a missing bwrap is an error, not a fallback).
    """

    auth_token: str | None = None
    auth_header: str = "X-Auth-Token"
    max_queue: int = 100
    workers: int | None = None
    max_source_bytes: int = 1 << 20
    max_body_bytes: int = 16 << 20
    max_submission_batch_size: int = 20
    max_output_bytes: int = 1 << 20
    finished_ttl_s: float = 3600.0
    max_finished: int = 10_000
    max_store_bytes: int = 256 << 20
    unknown_fields: UnknownFieldPolicy = "reject"
    wait_timeout_s: float | None = None
    python: str | None = None
    use_bwrap: bool = True

    def __post_init__(self) -> None:
        for name in ("max_queue", "max_source_bytes", "max_body_bytes", "max_submission_batch_size",
                     "max_output_bytes", "max_finished", "max_store_bytes"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.workers is not None and self.workers < 1:
            raise ValueError("workers must be at least 1")
        if self.unknown_fields not in ("reject", "ignore"):
            raise ValueError("unknown_fields must be 'reject' or 'ignore'")
        if self.finished_ttl_s <= 0:
            raise ValueError("finished_ttl_s must be positive")
        if self.auth_token is not None and not self.auth_token.split():
            raise ValueError("auth_token must not be blank")

    @property
    def worker_count(self) -> int:
        return self.workers or os.cpu_count() or 1


class RequestError(Exception):
    """A request refused before it becomes a submission: rendered as ``{"error": message}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(slots=True)
class ServeState:
    """What the lifespan builds on startup and the handlers use."""

    settings: ServeSettings
    engine: Engine
    info: EngineInfo
    store: SubmissionStore
    runner: SubmissionRunner
    languages: dict[int, Language]
    policy: ValidationPolicy
    config: dict[str, Any]
    recorder: ServeRecorder | None = None


def _json(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status)


def _error(status: int, message: str) -> JSONResponse:
    return _json({"error": message}, status)


def _flag(request: Request, payload: Any, name: str) -> bool:
    """Judge0's ``params[name] == "true"``: the query string first, else the body (Rails merges both)."""
    if name in request.query_params:
        return request.query_params[name] == "true"
    return isinstance(payload, dict) and payload.get(name) == "true"


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to be larger than ``limit``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise RequestError(413, f"request body is {declared} bytes, more than the {limit} bytes allowed")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise RequestError(413, f"request body is more than the {limit} bytes allowed")
    return bytes(body)


def _parse_payload(body: bytes, content_type: str) -> Any:
    """JSON, or a URL-encoded form (what ``requests.post(url, dict)`` sends, and ECCO's scripts do)."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        try:
            text = body.decode("utf-8")
            return dict(urllib.parse.parse_qsl(text, keep_blank_values=True, max_num_fields=1000))
        except (UnicodeDecodeError, ValueError) as exc:
            raise RequestError(400, f"malformed form body: {exc}") from exc
    if kind.startswith("multipart/"):
        raise RequestError(415, "multipart bodies are not supported: send JSON or application/x-www-form-urlencoded")
    if not body.strip():
        return {}
    try:
        return json.loads(body)
    except RecursionError as exc:
        raise RequestError(400, "malformed JSON body: nested too deeply") from exc
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, too many digits
        raise RequestError(400, f"malformed JSON body: {exc}") from exc


def _fields(request: Request) -> list[str]:
    fields, invalid = parse_fields(request.query_params.get("fields"))
    if invalid:
        raise RequestError(400, f"invalid fields: [{', '.join(invalid)}]")
    return fields


def _authorized(request: Request, settings: ServeSettings) -> bool:
    """SessionsController#authenticate_request: the header must match a token (a query parameter never counts)."""
    if settings.auth_token is None:
        return True
    given = request.headers.get(settings.auth_header) or ""
    return any(hmac.compare_digest(token.encode(), given.encode()) for token in settings.auth_token.split())


def _python_version(info: EngineInfo) -> str:
    """"Python (3.11.7)" → "3.11.7"; the running interpreter's version when the engine does not say."""
    name = info.language
    if "(" in name and name.endswith(")"):
        return name[name.index("(") + 1 : -1]
    return platform.python_version()


class _IgnoreTrailingSlash:
    """Rails routes ``/submissions/`` like ``/submissions``; ECCO's scripts post to the former."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and len(path) > 1 and path.endswith("/"):
            scope = dict(scope, path=path.rstrip("/") or "/")
            raw = scope.get("raw_path")
            if isinstance(raw, bytes):
                scope["raw_path"] = raw.rstrip(b"/") or b"/"
        await self.app(scope, receive, send)


Handler = Callable[[Request, ServeState], Awaitable[Response]]


def create_app(
    engine_factory: EngineFactory | None = None,
    *,
    settings: ServeSettings | None = None,
    recorder: ServeRecorder | None = None,
    **overrides: Any,
) -> Starlette:
    """The Judge0-compatible ASGI app. The engine is created and probed on startup, closed on shutdown.

    Args:
        engine_factory: builds the engine inside the server's event loop (an engine belongs to one loop);
            default: a LocalEngine with ``settings.workers`` slots.
        settings: a :class:`ServeSettings`; ``overrides`` (any of its fields, e.g. ``auth_token=``,
            ``auth_header=``, ``max_queue=``, ``workers=``, ``max_source_bytes=``) replace its values.
        recorder: a store to record runs in and answer repeated runs from (``ecco serve --db``); the caller
            opened it and closes it after the app has shut down.

    ``app.state.serve`` holds the running :class:`ServeState` (store, runner, engine info) once started.
    """
    config = dataclasses.replace(settings or ServeSettings(), **overrides)

    def default_factory() -> Engine:
        from ecco_tui.engines.local import LocalEngine

        return LocalEngine(config.python, use_bwrap=config.use_bwrap, concurrency=config.worker_count)

    factory = engine_factory or default_factory
    holder: dict[str, ServeState] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = factory()
        try:
            info = await engine.info()
        except BaseException:
            await engine.aclose()
            raise
        store = SubmissionStore(
            max_pending=config.max_queue, max_finished=config.max_finished, finished_ttl_s=config.finished_ttl_s,
            max_store_bytes=config.max_store_bytes, max_output_bytes=config.max_output_bytes,
        )
        runner = SubmissionRunner(engine, store, config.worker_count, recorder=recorder, info=info)
        interpreter = info.details.get("python", "python3")
        languages = {lang.id: lang for lang in python_languages(_python_version(info), interpreter)}
        state = ServeState(
            settings=config, engine=engine, info=info, store=store, runner=runner, languages=languages,
            policy=ValidationPolicy(frozenset(languages), config.max_source_bytes, config.unknown_fields),
            config=config_info(max_queue_size=config.max_queue,
                               max_submission_batch_size=config.max_submission_batch_size),
            recorder=recorder,
        )
        runner.start()
        sweeper = asyncio.create_task(_sweep_forever(store), name="ecco-serve-sweeper")
        holder["state"] = state
        app.state.serve = state
        log.info("ecco serve ready: %s, %s, %d workers, max queue %d", info.version, info.language,
                 config.worker_count, config.max_queue)
        if recorder is not None:
            log.info("recording runs in %s and answering repeated ones from it%s", recorder.path,
                     " (--force: never from it)" if recorder.force else "")
        try:
            yield
        finally:
            sweeper.cancel()
            await runner.stop()
            await engine.aclose()

    def endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        """Authenticate, then run the handler; RequestError becomes ``{"error": ...}`` with its status."""

        @functools.wraps(handler)
        async def wrapper(request: Request) -> Response:
            state = holder.get("state")
            if state is None:
                return _error(503, "ecco serve is starting")
            if not _authorized(request, state.settings):
                return Response(status_code=401)
            try:
                return await handler(request, state)
            except RequestError as exc:
                return _error(exc.status, exc.message)

        return wrapper

    routes = [
        Route("/about", endpoint(_about), methods=["GET"]),
        Route("/config_info", endpoint(_config_info), methods=["GET"]),
        Route("/system_info", endpoint(_system_info), methods=["GET"]),
        Route("/languages", endpoint(_languages), methods=["GET"]),
        Route("/languages/{id}", endpoint(_language), methods=["GET"]),
        Route("/statuses", endpoint(_statuses), methods=["GET"]),
        Route("/workers", endpoint(_workers), methods=["GET"]),
        Route("/authenticate", endpoint(_ok), methods=["POST"]),
        Route("/submissions/batch", endpoint(_create_batch), methods=["POST"]),
        Route("/submissions/batch", endpoint(_show_batch), methods=["GET"]),
        Route("/submissions", endpoint(_create), methods=["POST"]),
        Route("/submissions/{token}", endpoint(_show), methods=["GET"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.add_middleware(_IgnoreTrailingSlash)
    return app


async def _sweep_forever(store: SubmissionStore, every_s: float = 5.0) -> None:
    """Evict expired submissions even when nobody asks for any."""
    while True:
        await asyncio.sleep(every_s)
        store.sweep()


# ------------------------------------------------------------------------------------------ handlers


async def _about(request: Request, state: ServeState) -> Response:
    return _json({
        "version": JUDGE0_VERSION,
        "maintainer": "ecco-tui (ecco serve)",
        "implementation": f"ecco serve {__version__}: Judge0 CE {JUDGE0_VERSION} API over the local engine",
        "engine": state.info.version,
        "language": state.info.language,
        "python": state.info.details.get("python"),
        "sandbox": state.info.details.get("sandbox"),
    })


async def _config_info(request: Request, state: ServeState) -> Response:
    return _json(state.config)


async def _system_info(request: Request, state: ServeState) -> Response:
    pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    return _json({
        "Architecture": platform.machine(),
        "CPU(s)": os.cpu_count(),
        "Kernel": platform.release(),
        "Mem": f"{pages * page_size // (1 << 20)} MiB",
        "Python": platform.python_version(),
    })


async def _languages(request: Request, state: ServeState) -> Response:
    return _json([lang.summary() for lang in state.languages.values()])


async def _language(request: Request, state: ServeState) -> Response:
    wanted = request.path_params["id"]
    lang = state.languages.get(int(wanted)) if wanted.lstrip("-").isdigit() else None
    if lang is None:
        return _error(404, f"Couldn't find Language with 'id'={wanted}")
    return _json(lang.detail())


async def _statuses(request: Request, state: ServeState) -> Response:
    return _json(STATUSES)


async def _workers(request: Request, state: ServeState) -> Response:
    runner = state.runner
    return _json([{
        "queue": JUDGE0_VERSION,
        "size": runner.queued,
        "total": runner.workers,
        "available": runner.workers,
        "idle": runner.workers - runner.busy,
        "working": runner.busy,
        "paused": 0,
        "failed": 0,
    }])


async def _ok(request: Request, state: ServeState) -> Response:
    return Response(status_code=200)


def _serialize(state: ServeState, record: SubmissionRecord, fields: list[str], base64_encoded: bool) -> dict[str, Any]:
    values = request_fields(record.submission, state.languages.get(record.submission.language_id))
    values.update(record.values())
    return render(values, fields, base64_encoded)


def _wait_timeout(state: ServeState, record: SubmissionRecord) -> float:
    if state.settings.wait_timeout_s is not None:
        return state.settings.wait_timeout_s
    sub = record.submission
    return sub.number_of_runs * (sub.wall_time_limit + WAIT_PER_RUN_GRACE_S) + WAIT_MARGIN_S


async def _payload(request: Request, state: ServeState) -> Any:
    body = await _read_body(request, state.settings.max_body_bytes)
    return _parse_payload(body, request.headers.get("content-type", ""))


async def _create(request: Request, state: ServeState) -> Response:
    """SubmissionsController#create, with its before_actions in Judge0's order."""
    payload = await _payload(request, state)
    if not isinstance(payload, dict):
        kind = type(payload).__name__
        raise RequestError(400, f"the request body must be a JSON object of submission fields, not {kind}")
    wait = _flag(request, payload, "wait")
    if not state.store.has_room(1):
        raise RequestError(503, "queue is full")
    fields = _fields(request)
    base64_encoded = _flag(request, payload, "base64_encoded")
    submission, errors = validate_submission(payload, base64_encoded=base64_encoded, policy=state.policy)
    if submission is None:
        return _json(errors, 422)
    record = state.store.create(submission)
    if not wait:
        state.runner.enqueue(record)
        return _json({"token": record.token}, 201)
    await state.runner.run_now(record, _wait_timeout(state, record))
    return _json(_serialize(state, record, fields, base64_encoded), 201)


async def _create_batch(request: Request, state: ServeState) -> Response:
    """SubmissionsController#batch_create: per-item tokens or errors; 201 if any item was valid, else 422."""
    payload = await _payload(request, state)
    if not isinstance(payload, dict):
        raise RequestError(400, 'the request body must be a JSON object: {"submissions": [...]}')
    items = payload.get("submissions")
    if items is not None and not isinstance(items, list):
        raise RequestError(400, f"submissions must be a JSON array, not {type(items).__name__}")
    if state.settings.unknown_fields == "reject":
        extra = sorted(k for k in payload if k not in ("submissions", "base64_encoded", "wait", "fields"))
        if extra:
            names = ", ".join(extra)
            raise RequestError(400, f'unknown top-level field(s) [{names}]; expected {{"submissions": [...]}}')
    items = items or []
    limit = state.settings.max_submission_batch_size
    if len(items) > limit:
        raise RequestError(400, f"number of submissions in a batch should be less than or equal to {limit}")
    if not items:
        raise RequestError(400, "there should be at least one submission in a batch")
    if not state.store.has_room(len(items)):
        raise RequestError(503, "queue is full")
    base64_encoded = _flag(request, payload, "base64_encoded")
    answer: list[dict[str, Any]] = []
    accepted: list[SubmissionRecord] = []
    for item in items:
        if not isinstance(item, dict):
            answer.append({"submission": [f"must be a JSON object, not {type(item).__name__}"]})
            continue
        submission, errors = validate_submission(item, base64_encoded=base64_encoded, policy=state.policy)
        if submission is None:
            answer.append(errors)
            continue
        record = state.store.create(submission)
        accepted.append(record)
        answer.append({"token": record.token})
    for record in accepted:
        state.runner.enqueue(record)
    return _json(answer, 201 if accepted else 422)


async def _show(request: Request, state: ServeState) -> Response:
    fields = _fields(request)
    record = state.store.get(request.path_params["token"])
    if record is None:
        return _error(404, "Couldn't find Submission")
    return _json(_serialize(state, record, fields, _flag(request, None, "base64_encoded")))


async def _show_batch(request: Request, state: ServeState) -> Response:
    """SubmissionsController#batch_show: one entry per token, null for a token this server does not have."""
    raw = request.headers.get("tokens") or request.query_params.get("tokens") or ""
    tokens = [t.strip() for t in raw.strip().split(",") if t.strip()]
    limit = state.settings.max_submission_batch_size
    if len(tokens) > limit:
        raise RequestError(400, f"number of submissions in a batch should be less than or equal to {limit}")
    if not tokens:
        raise RequestError(400, "there should be at least one submission in a batch")
    fields = _fields(request)
    base64_encoded = _flag(request, None, "base64_encoded")
    out: list[dict[str, Any] | None] = []
    for token in tokens:
        record = state.store.get(token)
        out.append(None if record is None else _serialize(state, record, fields, base64_encoded))
    return _json({"submissions": out})


# ------------------------------------------------------------------------------------------- running


def serve(
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    workers: int | None = None,
    auth_token: str | None = None,
    max_queue: int = 100,
    *,
    log_level: str = "info",
    limit_concurrency: int = 256,
    engine_factory: EngineFactory | None = None,
    db: str | Path | None = None,
    force: bool = False,
    insecure_no_auth: bool = False,
    **settings: Any,
) -> None:
    """Run ``ecco serve`` in the foreground until interrupted (the ``ecco serve`` command calls this).

    ``settings`` are further :class:`ServeSettings` fields (``auth_header``, ``max_source_bytes``,
    ``python``, ``use_bwrap``, ...). ``limit_concurrency`` caps open connections (uvicorn answers 503 past
    it), which bounds the request bodies held at once to ``limit_concurrency × max_body_bytes``.

    Anyone who can reach the port can run code on this machine, so before anything starts
    :func:`~ecco_tui.serve.policy.check_bind` refuses (``BindRefused``) a host beyond loopback without
    ``auth_token`` unless ``insecure_no_auth`` (then a warning is logged), and refuses one beyond loopback
    for unsandboxed runs (``use_bwrap=False``) in any case. A custom ``engine_factory`` is taken as sandboxed.

    ``db``: record every run in this store and answer repeated runs from it (``force``: record, never answer
    from it). The store is opened before the server starts, so a store another process holds fails at once
    (``StoreLockedError``), and it stays open — locked for other processes — until the server stops.
    """
    warning = check_bind(host, auth_token, insecure_no_auth, sandboxed=settings.get("use_bwrap", True) is not False)
    import uvicorn

    logging.basicConfig(level=getattr(logging, log_level.upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if warning is not None:
        log.warning("%s (port %d)", warning, port)
    config = ServeSettings(workers=workers, auth_token=auth_token, max_queue=max_queue, **settings)
    recorder = None
    if db is not None:
        from ecco_tui.services.serve_recording import ServeRecorder

        recorder = ServeRecorder.open(db, force=force)
    try:
        app = create_app(engine_factory, settings=config, recorder=recorder)
        uvicorn.run(app, host=host, port=port, log_level=log_level, lifespan="on", timeout_graceful_shutdown=5,
                    limit_concurrency=limit_concurrency)
    finally:
        if recorder is not None:
            recorder.close()


@dataclass(slots=True)
class BackgroundServer:
    """An app served by uvicorn on a loopback port in a daemon thread (tests, benchmarks, embedding)."""

    url: str
    app: ASGIApp
    _server: Any
    _thread: threading.Thread
    _sock: socket.socket

    def stop(self) -> None:
        """Shut down (lifespan shutdown included: workers stopped, engine closed) and join the thread."""
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self._sock.close()


def start_in_thread(
    app: ASGIApp, host: str = "127.0.0.1", port: int = 0, *, timeout_s: float = 30.0
) -> BackgroundServer:
    """Serve ``app`` in a background thread and return once it accepts requests (lifespan has run).

    The socket is created with ``IPPROTO_TCP`` so asyncio sets TCP_NODELAY on accepted connections; without
    it each response waits ~40 ms for a delayed ACK.
    """
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                            timeout_graceful_shutdown=2, timeout_keep_alive=30)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"ecco-serve-{bound_port}",
                              daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(timeout=5)
            sock.close()
            raise RuntimeError("ecco serve did not start (see the log for the engine's error)")
        time.sleep(0.005)
    return BackgroundServer(f"http://{host}:{bound_port}", app, server, thread, sock)
