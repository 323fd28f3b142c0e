"""Judge0 REST client: runs a program on many tests through a Judge0 CE server (1.13.1 wire format).

Why Judge0 at all: ECCO's published numbers were measured on Judge0, so a run through the same sandbox is
the only way to get figures that compare with the paper. The client therefore trusts Judge0's verdict
(status id) instead of re-checking outputs itself, and it keeps Judge0's units untouched.

Wire rules (see shared/judge0-contract.md):

* every request says ``base64_encoded=true`` explicitly, because 1.13.1 defaults to false and master to true;
* the server base64-encodes with a newline every 60 characters, so decoding is lenient;
* submissions are created and fetched in batches of the server's ``max_submission_batch_size``;
* ``time`` and ``wall_time`` arrive as decimal strings, ``memory`` as an integer KB.

The wire logic lives in small pure functions (:func:`encode_submission`, :func:`decode_submission`, ...)
so that it can be read and tested without a server; :class:`Judge0Engine` only adds HTTP, retries and
polling around them.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
import time
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

from ecco_tui.engines.base import (
    STATUS_DESCRIPTIONS,
    EngineError,
    EngineInfo,
    Limits,
    Status,
    TestCase,
    TestResult,
)
from ecco_tui.engines.httputil import RetryableAnswer, retrying
from ecco_tui.engines.httputil import retry_after_seconds as _retry_after_seconds

__all__ = [
    "CE_MAXIMA",
    "RESULT_FIELDS",
    "Judge0AuthError",
    "Judge0ConnectionError",
    "Judge0Engine",
    "Judge0Error",
    "Judge0LanguageError",
    "Judge0Maxima",
    "Judge0ProtocolError",
    "Judge0ResultTimeoutError",
    "Judge0TimeoutError",
    "Judge0UnavailableError",
    "Judge0ValidationError",
    "decode_b64",
    "decode_submission",
    "encode_b64",
    "encode_submission",
    "parse_seconds",
    "pick_python_language",
    "validate_limits",
]

#: Fields asked for on every GET: the defaults lack wall_time, exit_code and exit_signal.
RESULT_FIELDS = "token,time,wall_time,memory,status,stdout,stderr,exit_code,exit_signal,message,compile_output"

#: Judge0's own fallback when /config_info does not say (Config::MAX_SUBMISSION_BATCH_SIZE default).
DEFAULT_BATCH_SIZE = 20
#: Judge0's MAX_QUEUE_SIZE default; bounds how many submissions one engine keeps in flight.
DEFAULT_MAX_QUEUE_SIZE = 100
#: Answers worth asking again for: rate limiting, and a gateway or a full queue in front of a working server.
_RETRIED_STATUSES = frozenset({429, 502, 503, 504})


# --------------------------------------------------------------------------------------------- errors


class Judge0Error(EngineError):
    """Any failure talking to Judge0. Messages are one line and name the server, for a status bar."""


class Judge0ConnectionError(Judge0Error):
    """The server could not be reached (refused, DNS, TLS, reset)."""


class Judge0TimeoutError(Judge0ConnectionError):
    """The server accepted the connection but did not answer within the request timeout."""


class Judge0AuthError(Judge0Error):
    """401/403: the token (or user) header was missing or wrong."""


class Judge0ValidationError(Judge0Error):
    """422 from the server, or limits refused locally before sending. ``errors`` is ``{field: [msgs]}``."""

    def __init__(self, message: str, errors: Mapping[str, Sequence[str]] | None = None) -> None:
        super().__init__(message)
        self.errors: dict[str, list[str]] = {k: list(v) for k, v in (errors or {}).items()}


class Judge0UnavailableError(Judge0Error):
    """503 (queue full / maintenance) or 429 that outlasted every retry."""


class Judge0ProtocolError(Judge0Error):
    """400 or an answer that does not look like Judge0 (wrong shape, unexpected status code)."""


class Judge0LanguageError(Judge0Error):
    """No usable Python 3 language on the server, or the override id does not exist."""


class Judge0ResultTimeoutError(Judge0Error):
    """A submission stayed In Queue / Processing longer than ``result_timeout_s`` (no workers?)."""


# --------------------------------------------------------------------------------------------- limits


@dataclass(frozen=True, slots=True)
class Judge0Maxima:
    """Upper (and lower) bounds Judge0 enforces on per-submission limits, in Judge0's units.

    Checked locally before anything is sent, so a bad setting fails fast with a readable message instead of
    as a batch of 422s. A server configured with other bounds can be described with a different instance.
    """

    max_cpu_time_limit: float = 15.0
    max_cpu_extra_time: float = 5.0
    min_wall_time_limit: float = 1.0
    max_wall_time_limit: float = 20.0
    min_memory_limit: int = 2048
    max_memory_limit: int = 512_000
    max_stack_limit: int = 128_000
    max_max_processes_and_or_threads: int = 120
    max_max_file_size: int = 4096
    max_number_of_runs: int = 20

    @classmethod
    def from_config_info(cls, config: Mapping[str, Any], fallback: Judge0Maxima) -> Judge0Maxima:
        """The server's effective maxima from ``/config_info``; fields it lacks keep ``fallback``'s value."""

        def pick(name: str, default: float) -> Any:
            value = config.get(name)
            return value if isinstance(value, int | float) and not isinstance(value, bool) else default

        return cls(
            max_cpu_time_limit=float(pick("max_cpu_time_limit", fallback.max_cpu_time_limit)),
            max_cpu_extra_time=float(pick("max_cpu_extra_time", fallback.max_cpu_extra_time)),
            min_wall_time_limit=fallback.min_wall_time_limit,
            max_wall_time_limit=float(pick("max_wall_time_limit", fallback.max_wall_time_limit)),
            min_memory_limit=fallback.min_memory_limit,
            max_memory_limit=int(pick("max_memory_limit", fallback.max_memory_limit)),
            max_stack_limit=int(pick("max_stack_limit", fallback.max_stack_limit)),
            max_max_processes_and_or_threads=int(
                pick("max_max_processes_and_or_threads", fallback.max_max_processes_and_or_threads)
            ),
            max_max_file_size=int(pick("max_max_file_size", fallback.max_max_file_size)),
            max_number_of_runs=int(pick("max_number_of_runs", fallback.max_number_of_runs)),
        )


#: Judge0 CE 1.13.1's defaults (app/models/submission.rb validations + config maxima).
CE_MAXIMA = Judge0Maxima()


def _fmt(value: float) -> str:
    return f"{value:g}"


def validate_limits(limits: Limits, number_of_runs: int = 1, maxima: Judge0Maxima = CE_MAXIMA) -> None:
    """Refuse limits Judge0 would reject, naming every offending field in Judge0's own vocabulary.

    Raises :class:`Judge0ValidationError` whose ``errors`` has the same ``{field: [msgs]}`` shape as a 422,
    so callers handle a local refusal and a server refusal alike.
    """
    errors: dict[str, list[str]] = {}

    def check(field: str, value: float, low: float, high: float) -> None:
        if value < low:
            errors.setdefault(field, []).append(f"must be greater than or equal to {_fmt(low)} (got {_fmt(value)})")
        if value > high:
            errors.setdefault(field, []).append(f"must be less than or equal to {_fmt(high)} (got {_fmt(value)})")

    check("cpu_time_limit", limits.cpu_time_s, 0, maxima.max_cpu_time_limit)
    check("cpu_extra_time", limits.cpu_extra_time_s, 0, maxima.max_cpu_extra_time)
    check("wall_time_limit", limits.wall_time_s, maxima.min_wall_time_limit, maxima.max_wall_time_limit)
    check("memory_limit", limits.memory_kb, maxima.min_memory_limit, maxima.max_memory_limit)
    check("stack_limit", limits.stack_kb, 0, maxima.max_stack_limit)
    check("max_processes_and_or_threads", limits.max_processes, 1, maxima.max_max_processes_and_or_threads)
    check("max_file_size", limits.max_file_size_kb, 0, maxima.max_max_file_size)
    check("number_of_runs", number_of_runs, 1, maxima.max_number_of_runs)
    if errors:
        raise Judge0ValidationError(f"limits exceed Judge0's bounds: {_format_field_errors(errors)}", errors)


def _format_field_errors(errors: Mapping[str, Any]) -> str:
    """``{field: [msgs]}`` → ``field: msg; field: msg`` (one line, for a status bar)."""
    parts: list[str] = []
    for field, messages in errors.items():
        if isinstance(messages, list | tuple):
            parts.extend(f"{field}: {m}" for m in messages)
        else:
            parts.append(f"{field}: {messages}")
    return "; ".join(parts).replace("\n", " ")


# ----------------------------------------------------------------------------------------- wire format


def encode_b64(text: str) -> str:
    """Base64 of the UTF-8 text, no newlines (Judge0 accepts both; one line keeps requests small)."""
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def decode_b64(value: str | None) -> str | None:
    """Decode Judge0's base64 leniently: it inserts a newline every 60 chars and may drop padding.

    Undecodable bytes become U+FFFD rather than an exception: a program printing binary garbage is the
    program's problem, not the engine's. Text that is not base64 at all is returned unchanged, so a server
    that ignored ``base64_encoded`` still yields something readable.
    """
    if value is None:
        return None
    compact = "".join(value.split())
    compact += "=" * (-len(compact) % 4)
    try:
        raw = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return value
    return raw.decode("utf-8", errors="replace")


def parse_seconds(value: Any) -> float | None:
    """Judge0 sends ``time``/``wall_time`` as decimal strings ("0.012") or null; numbers are tolerated."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _parse_int(value: Any) -> int | None:
    """Integers (memory KB, exit codes) arrive as JSON ints; tolerate floats and numeric strings."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _cap(text: str, cap_bytes: int) -> str:
    """Keep at most ``cap_bytes`` of UTF-8, like the local engine's output cap, so memory stays bounded."""
    raw = text.encode("utf-8")
    if len(raw) <= cap_bytes:
        return text
    return raw[:cap_bytes].decode("utf-8", errors="ignore")


def encode_submission(
    program: str,
    test: TestCase,
    limits: Limits,
    language_id: int,
    number_of_runs: int = 1,
) -> dict[str, Any]:
    """One submission's JSON body (inside ``{"submissions": [...]}``), for ``base64_encoded=true``.

    expected_output is sent so that Judge0 itself judges the output; every limit is sent explicitly so a
    server with other defaults cannot silently change what is measured.
    """
    body: dict[str, Any] = {
        "source_code": encode_b64(program),
        "language_id": language_id,
        "stdin": encode_b64(test.input),
        "number_of_runs": number_of_runs,
        "cpu_time_limit": limits.cpu_time_s,
        "cpu_extra_time": limits.cpu_extra_time_s,
        "wall_time_limit": limits.wall_time_s,
        "memory_limit": limits.memory_kb,
        "stack_limit": limits.stack_kb,
        "max_processes_and_or_threads": limits.max_processes,
        "max_file_size": limits.max_file_size_kb,
        "redirect_stderr_to_stdout": False,
    }
    if test.expected_output is not None:
        body["expected_output"] = encode_b64(test.expected_output)
    return body


def is_final(submission: Mapping[str, Any]) -> bool:
    """True once Judge0 has a verdict: any status but In Queue (1) and Processing (2)."""
    status = submission.get("status")
    status_id = status.get("id") if isinstance(status, Mapping) else None
    return _parse_int(status_id) not in (Status.IN_QUEUE, Status.PROCESSING)


def internal_error_result(test: TestCase, repeat_index: int, message: str) -> TestResult:
    """A result for a submission Judge0 lost or garbled: Internal Error (13) with the reason as message."""
    return TestResult(
        test=test,
        status_id=int(Status.INTERNAL_ERROR),
        status_description=Status.INTERNAL_ERROR.description,
        cpu_time_s=None,
        wall_time_s=None,
        memory_kb=None,
        message=message,
        repeat_index=repeat_index,
    )


def decode_submission(
    submission: Mapping[str, Any] | None,
    test: TestCase,
    repeat_index: int = 0,
    output_cap_bytes: int = Limits().output_cap_bytes,
) -> TestResult:
    """Turn one (base64) submission object from a batch GET into a :class:`TestResult`.

    ``None`` is what batch GET returns for a token the server does not know (expired, deleted, another
    database): that becomes an Internal Error result rather than an exception, so one lost submission
    never sinks a whole run.
    """
    if submission is None:
        return internal_error_result(
            test, repeat_index, "Judge0 does not know this submission (token unknown, expired or deleted)"
        )
    status = submission.get("status")
    status_id = _parse_int(status.get("id")) if isinstance(status, Mapping) else None
    if status_id is None:
        return internal_error_result(test, repeat_index, f"malformed Judge0 submission: {str(submission)[:200]}")
    description = status.get("description") if isinstance(status, Mapping) else None
    if not isinstance(description, str) or not description:
        description = STATUS_DESCRIPTIONS.get(status_id, f"Status {status_id}")
    return TestResult(
        test=test,
        status_id=status_id,
        status_description=description,
        cpu_time_s=parse_seconds(submission.get("time")),
        wall_time_s=parse_seconds(submission.get("wall_time")),
        memory_kb=_parse_int(submission.get("memory")),
        stdout=_cap(decode_b64(submission.get("stdout")) or "", output_cap_bytes),
        stderr=_cap(decode_b64(submission.get("stderr")) or "", output_cap_bytes),
        exit_code=_parse_int(submission.get("exit_code")),
        exit_signal=_parse_int(submission.get("exit_signal")),
        message=decode_b64(submission.get("message")),
        compile_output=decode_b64(submission.get("compile_output")),
        repeat_index=repeat_index,
    )


_PYTHON3 = re.compile(r"^Python \((3)\.(\d+)(?:\.(\d+))?\)$")


def pick_python_language(languages: Sequence[Mapping[str, Any]]) -> tuple[int, str] | None:
    """The ``(id, name)`` of the newest plain CPython 3 in ``GET /languages``, or None.

    Only names shaped exactly like ``Python (3.8.1)`` count: hosted servers also list variants such as
    ``Python for ML (3.11.2)`` whose extra packages and start-up would distort timings.
    """
    best: tuple[tuple[int, int, int], int, str] | None = None
    for entry in languages:
        name, lang_id = entry.get("name"), entry.get("id")
        if not isinstance(name, str) or not isinstance(lang_id, int):
            continue
        match = _PYTHON3.match(name.strip())
        if not match:
            continue
        version = (int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))
        if best is None or version > best[0]:
            best = (version, lang_id, name.strip())
    return None if best is None else (best[1], best[2])


def _error_text(response: httpx.Response) -> str:
    """The ``error`` of a Judge0 JSON error body, or a short excerpt of whatever came back."""
    try:
        data = response.json()
    except ValueError:
        return response.text.strip().replace("\n", " ")[:200]
    error = data.get("error") if isinstance(data, Mapping) else None
    return error if isinstance(error, str) else json.dumps(data)[:200]


# ---------------------------------------------------------------------------------------------- engine


@dataclass(slots=True)
class _Job:
    """One submission to make: a test and which of the ``repeat`` copies it is."""

    test: TestCase
    repeat_index: int


@dataclass(slots=True)
class _Pending:
    job: _Job
    submitted_at: float


class Judge0Engine:
    """The :class:`~ecco_tui.engines.base.Engine` protocol over a Judge0 CE server.

    One instance may be shared by many asyncio tasks: the HTTP client is shared, server facts (config,
    language, version) are fetched once under a lock, and an engine-wide in-flight budget keeps the sum of
    all runs' outstanding submissions below the server's queue size, so parallel runs do not provoke 503s.
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth_token: str | None = None,
        auth_header: str = "X-Auth-Token",
        auth_user: str | None = None,
        auth_user_header: str = "X-Auth-User",
        language_id: int | None = None,
        number_of_runs: int = 1,
        limits: Limits | None = None,
        maxima: Judge0Maxima = CE_MAXIMA,
        batch_size: int | None = None,
        max_in_flight: int | None = None,
        poll_initial_s: float = 0.1,
        poll_max_s: float = 2.0,
        poll_backoff: float = 1.5,
        request_timeout_s: float = 30.0,
        result_timeout_s: float | None = 900.0,
        max_retries: int = 5,
        retry_initial_s: float = 0.5,
        retry_max_s: float = 30.0,
        max_retry_after_s: float = 120.0,
    ) -> None:
        """Configure the client; nothing is sent until the first ``info()`` or ``run()``.

        Args:
            base_url: the Judge0 server, e.g. ``http://localhost:2358``.
            auth_token / auth_header: sent as ``{auth_header}: {auth_token}`` (Judge0's AUTHN_HEADER).
            auth_user / auth_user_header: sent as ``{auth_user_header}: {auth_user}`` (AUTHZ_HEADER).
            language_id: use this language instead of resolving Python 3 by name from ``GET /languages``.
            number_of_runs: Judge0's own repetition; it reports the mean time and memory.
            limits: default limits for ``run()`` and ``info()``.
            maxima: bounds limits are checked against before sending (CE 1.13.1's by default); the server's
                ``/config_info`` maxima are checked too once known.
            batch_size: cap on submissions per batch request; the server's ``max_submission_batch_size``
                (20 if it does not say) is never exceeded.
            max_in_flight: engine-wide cap on outstanding submissions; default the server's
                ``max_queue_size`` (100 if it does not say).
            poll_initial_s / poll_max_s / poll_backoff: polling waits start at ``poll_initial_s`` and
                grow by ``poll_backoff`` up to ``poll_max_s`` while nothing finishes.
            request_timeout_s: per HTTP request (connect, read, write, pool).
            result_timeout_s: longest a submission may stay queued/processing; None waits forever.
            max_retries / retry_initial_s / retry_max_s: retries of 502/503/504 and 429 with exponential
                backoff (429's Retry-After is honoured instead of the backoff when given).
            max_retry_after_s: a 429 asking to wait longer than this fails at once (a spent quota should
                not look like a hang).
        """
        if number_of_runs < 1:
            raise ValueError("number_of_runs must be at least 1")
        if batch_size is not None and batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if max_in_flight is not None and max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self.base_url = base_url.rstrip("/")
        self.limits = limits or Limits()
        self.number_of_runs = number_of_runs
        self.maxima = maxima
        self._language_override = language_id
        self._batch_size_override = batch_size
        self._max_in_flight_override = max_in_flight
        self._poll_initial_s = poll_initial_s
        self._poll_max_s = max(poll_max_s, poll_initial_s)
        self._poll_backoff = max(1.0, poll_backoff)
        self._request_timeout_s = request_timeout_s
        self._result_timeout_s = result_timeout_s
        self._max_retries = max(0, max_retries)
        self._retry_initial_s = retry_initial_s
        self._retry_max_s = max(retry_max_s, retry_initial_s)
        self._max_retry_after_s = max_retry_after_s
        self._auth_header = auth_header
        self._auth_user_header = auth_user_header

        headers = {"Accept": "application/json"}
        if auth_token is not None:
            headers[auth_header] = auth_token
        if auth_user is not None:
            headers[auth_user_header] = auth_user
        self._client = httpx.AsyncClient(
            base_url=self.base_url, headers=headers, timeout=httpx.Timeout(request_timeout_s)
        )

        self._setup_lock = asyncio.Lock()
        self._config: dict[str, Any] | None = None
        self._language: tuple[int, str] | None = None
        self._version: str | None = None
        self._in_flight = 0
        self._closed = False

    # -- context manager / lifecycle

    async def __aenter__(self) -> Judge0Engine:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client. Idempotent; submissions already on the server keep running there."""
        if not self._closed:
            self._closed = True
            await self._client.aclose()

    # -- HTTP

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
    ) -> Any:
        """One JSON request with Judge0's error mapping; retries 429/502/503/504, returns the parsed body.

        Retries go through tenacity (`httputil.retrying`): `max_retries` retries after the first try, waits of
        `retry_initial_s * 2**n` up to `retry_max_s`, a 429's Retry-After instead when it gives one. Timeouts and
        connection errors are not retried: they name the server at once (a Judge0 that is down stays down).
        """
        if self._closed:
            raise Judge0Error(f"Judge0 engine for {self.base_url} is closed")
        tries = 0

        async def attempt() -> httpx.Response:
            nonlocal tries
            tries += 1
            try:
                response = await self._client.request(method, path, params=params, json=json_body)
            except httpx.TimeoutException as exc:
                raise Judge0TimeoutError(
                    f"cannot reach Judge0 at {self.base_url}: no answer to {method} {path} within "
                    f"{_fmt(self._request_timeout_s)} s ({type(exc).__name__})"
                ) from exc
            except httpx.TransportError as exc:
                reason = str(exc) or type(exc).__name__
                raise Judge0ConnectionError(
                    f"cannot reach Judge0 at {self.base_url}: {reason}".replace("\n", " ")
                ) from exc
            code = response.status_code
            if code not in _RETRIED_STATUSES:
                return response
            after = _retry_after_seconds(response.headers.get("Retry-After")) if code == 429 else None
            # Retry-After only matters while a retry is left; the last answer is reported as unavailable.
            if after is not None and tries <= self._max_retries and after > self._max_retry_after_s:
                raise Judge0UnavailableError(
                    f"Judge0 at {self.base_url} is rate limiting (HTTP 429) and asks to retry after "
                    f"{after:.0f} s, longer than max_retry_after_s={_fmt(self._max_retry_after_s)}"
                )
            raise RetryableAnswer(f"HTTP {code}", retry_after=after, response=response)

        retry = retrying(tries=self._max_retries + 1, initial_s=self._retry_initial_s, max_s=self._retry_max_s)
        try:
            response: httpx.Response = await retry(attempt)
        except RetryableAnswer as exc:
            assert exc.response is not None  # every RetryableAnswer raised above carries its answer
            raise self._unavailable_error(exc.response, self._max_retries) from None
        code = response.status_code
        if code in (401, 403):
            raise self._auth_error(code)
        if code == 422:
            raise self._validation_error(response)
        if code == 404:
            raise Judge0ProtocolError(
                f"Judge0 at {self.base_url} has no {method} {path} (HTTP 404): {_error_text(response)}"
            )
        if code >= 400:
            raise Judge0ProtocolError(
                f"Judge0 at {self.base_url} refused {method} {path} (HTTP {code}): {_error_text(response)}"
            )
        try:
            return response.json()
        except ValueError as exc:
            raise Judge0ProtocolError(
                f"Judge0 at {self.base_url} answered {method} {path} with non-JSON "
                f"(HTTP {code}): {response.text[:120]!r}"
            ) from exc

    def _unavailable_error(self, response: httpx.Response, retries: int) -> Judge0UnavailableError:
        code = response.status_code
        detail = _error_text(response) or "no detail"
        if code == 503:
            hint = "its queue is full or it is in maintenance; retry later or run fewer tests at once"
        elif code == 429:
            hint = "it is rate limiting this client; retry later or lower the request rate"
        else:
            hint = "a gateway in front of it failed"
        return Judge0UnavailableError(
            f"Judge0 at {self.base_url} unavailable after {retries} retries: HTTP {code} {detail!r} ({hint})"
        )

    def _auth_error(self, code: int) -> Judge0AuthError:
        if code == 401:
            if self._auth_header not in self._client.headers:
                return Judge0AuthError(
                    f"Judge0 at {self.base_url} requires an auth token (HTTP 401): "
                    f"set auth_token, sent as the {self._auth_header} header"
                )
            return Judge0AuthError(
                f"Judge0 at {self.base_url} rejected the auth token (HTTP 401): "
                f"check the {self._auth_header} header value"
            )
        return Judge0AuthError(
            f"Judge0 at {self.base_url} refused authorization (HTTP 403): "
            f"check the {self._auth_user_header} header value"
        )

    def _validation_error(self, response: httpx.Response) -> Judge0ValidationError:
        try:
            data = response.json()
        except ValueError:
            data = response.text
        errors = _collect_field_errors(data)
        text = _format_field_errors(errors) if errors else str(data)[:200]
        return Judge0ValidationError(f"Judge0 at {self.base_url} rejected the submission: {text}", errors)

    # -- server facts

    async def _ensure_setup(self) -> None:
        """Fetch /config_info and resolve the language once, shared by every task using this engine."""
        if self._config is not None and self._language is not None:
            return
        async with self._setup_lock:
            if self._config is None:
                self._config = await self._fetch_config()
            if self._language is None:
                self._language = await self._resolve_language()

    async def _fetch_config(self) -> dict[str, Any]:
        """``GET /config_info``; a server without it (some gateways) gets Judge0's documented defaults."""
        try:
            data = await self._request("GET", "/config_info")
        except Judge0ProtocolError:
            return {}
        if not isinstance(data, dict):
            raise Judge0ProtocolError(f"Judge0 at {self.base_url}: /config_info is not a JSON object")
        if data.get("enable_batched_submissions") is False:
            raise Judge0ProtocolError(
                f"Judge0 at {self.base_url} has batched submissions disabled (ENABLE_BATCHED_SUBMISSIONS)"
            )
        return data

    async def _resolve_language(self) -> tuple[int, str]:
        """The override id (checked via ``GET /languages/{id}``) or the newest Python 3 by name."""
        if self._language_override is not None:
            try:
                data = await self._request("GET", f"/languages/{self._language_override}")
            except Judge0ProtocolError as exc:
                raise Judge0LanguageError(
                    f"Judge0 at {self.base_url} has no language id {self._language_override}"
                ) from exc
            name = data.get("name") if isinstance(data, Mapping) else None
            return self._language_override, name if isinstance(name, str) else f"language {self._language_override}"
        data = await self._request("GET", "/languages")
        if not isinstance(data, list):
            raise Judge0ProtocolError(f"Judge0 at {self.base_url}: /languages is not a JSON list")
        picked = pick_python_language([d for d in data if isinstance(d, Mapping)])
        if picked is None:
            pythons = [d.get("name") for d in data if isinstance(d, Mapping) and "python" in str(d.get("name")).lower()]
            raise Judge0LanguageError(
                f"Judge0 at {self.base_url} offers no 'Python (3.x)' language (found: {pythons or 'none'}); "
                "pass language_id= to choose one"
            )
        return picked

    @property
    def batch_size(self) -> int:
        """Submissions per batch request: the server's maximum, lowered by the ``batch_size`` option."""
        server = _parse_int((self._config or {}).get("max_submission_batch_size")) or DEFAULT_BATCH_SIZE
        server = max(1, server)
        return min(server, self._batch_size_override) if self._batch_size_override else server

    @property
    def max_in_flight(self) -> int:
        """Engine-wide cap on outstanding submissions (the server's queue size unless overridden)."""
        if self._max_in_flight_override is not None:
            return self._max_in_flight_override
        queue = _parse_int((self._config or {}).get("max_queue_size")) or DEFAULT_MAX_QUEUE_SIZE
        return max(self.batch_size, queue)

    async def info(self) -> EngineInfo:
        """Engine identity for the cache key: Judge0 version from ``/about`` and the resolved language."""
        await self._ensure_setup()
        if self._version is None:
            about = await self._request("GET", "/about")
            version = about.get("version") if isinstance(about, Mapping) else None
            self._version = str(version) if version else "unknown"
            # `ecco serve` names the sandbox behind its Judge0 API: keep it apart from a real Judge0.
            engine = about.get("engine") if isinstance(about, Mapping) else None
            if engine:
                self._version += f"+{engine}"
        assert self._language is not None
        lang_id, lang_name = self._language
        details = {"url": self.base_url, "language_id": str(lang_id)}
        if self.number_of_runs != 1:
            details["number_of_runs"] = str(self.number_of_runs)
        # The cache identity: server version, the machine serving it, the language, and the averaging mode
        # (timings from another deployment or interpreter must never be mixed with these).
        runs = f"/runs={self.number_of_runs}" if self.number_of_runs != 1 else ""
        host = httpx.URL(self.base_url).netloc.decode()
        return EngineInfo(
            name="judge0",
            version=f"judge0-{self._version}@{host}/{lang_id}:{lang_name}{runs}",
            language=lang_name,
            limits=self.limits,
            details=details,
        )

    # -- running

    def run(
        self,
        program: str,
        tests: Sequence[TestCase],
        limits: Limits | None = None,
        *,
        repeat: int = 1,
    ) -> AsyncGenerator[TestResult, None]:
        """Run ``program`` on every test ``repeat`` times; yield results in completion order.

        Limits are validated here, eagerly, so a bad setting fails at the call before any request. Each
        repetition is a separate Judge0 submission (``repeat_index`` 0..repeat-1), unlike
        ``number_of_runs`` where Judge0 averages internally and reports one result. A consumer that stops
        early should close the iterator (``contextlib.aclosing``) so its share of the engine-wide in-flight
        budget is returned at once rather than when the generator is garbage-collected.
        """
        if repeat < 1:
            raise ValueError("repeat must be at least 1")
        chosen = limits or self.limits
        validate_limits(chosen, self.number_of_runs, self.maxima)
        return self._run(program, list(tests), chosen, repeat)

    async def _run(
        self, program: str, tests: list[TestCase], limits: Limits, repeat: int
    ) -> AsyncGenerator[TestResult, None]:
        if not tests:
            return
        await self._ensure_setup()
        assert self._config is not None and self._language is not None
        if self._config:
            validate_limits(limits, self.number_of_runs, Judge0Maxima.from_config_info(self._config, self.maxima))
        language_id = self._language[0]
        # Repeat-major order spreads one test's repetitions over the run, so a noisy moment on the server
        # does not hit all copies of the same test.
        todo = [_Job(t, r) for r in range(repeat) for t in tests]
        todo.reverse()  # pop() from the end in submission order
        pending: dict[str, _Pending] = {}
        interval = self._poll_initial_s
        try:
            while todo or pending:
                await self._submit_what_fits(program, limits, language_id, todo, pending)
                await asyncio.sleep(interval)
                if not pending:
                    continue  # the engine-wide budget is used up by other runs; wait for room
                finished = await self._poll(pending, limits.output_cap_bytes)
                for token, result in finished:
                    del pending[token]
                    self._in_flight -= 1
                    yield result
                self._check_result_timeout(pending)
                interval = self._poll_initial_s if finished else min(interval * self._poll_backoff, self._poll_max_s)
        finally:
            self._in_flight -= len(pending)

    async def _submit_what_fits(
        self,
        program: str,
        limits: Limits,
        language_id: int,
        todo: list[_Job],
        pending: dict[str, _Pending],
    ) -> None:
        """Create as many submissions as the in-flight budget allows, one batch POST per chunk."""
        while todo:
            room = self.max_in_flight - self._in_flight
            if room <= 0:
                return
            size = min(self.batch_size, room, len(todo))
            chunk = [todo.pop() for _ in range(size)]
            self._in_flight += size  # reserve before awaiting, so concurrent runs see it
            try:
                tokens = await self._create_batch(program, limits, language_id, chunk)
            except BaseException:
                self._in_flight -= size
                raise
            now = time.monotonic()
            for token, job in zip(tokens, chunk, strict=True):
                pending[token] = _Pending(job, now)

    async def _create_batch(self, program: str, limits: Limits, language_id: int, chunk: list[_Job]) -> list[str]:
        """``POST /submissions/batch``; returns one token per job or raises on any per-item error."""
        body = {
            "submissions": [
                encode_submission(program, job.test, limits, language_id, self.number_of_runs) for job in chunk
            ]
        }
        data = await self._request("POST", "/submissions/batch", params={"base64_encoded": "true"}, json_body=body)
        if not isinstance(data, list) or len(data) != len(chunk):
            raise Judge0ProtocolError(
                f"Judge0 at {self.base_url}: batch create returned {type(data).__name__} for {len(chunk)} submissions"
            )
        tokens: list[str] = []
        for job, item in zip(chunk, data, strict=True):
            token = item.get("token") if isinstance(item, Mapping) else None
            if isinstance(token, str) and token:
                tokens.append(token)
                continue
            errors = _collect_field_errors(item)
            raise Judge0ValidationError(
                f"Judge0 at {self.base_url} rejected the submission for test {job.test.label}: "
                f"{_format_field_errors(errors) if errors else str(item)[:200]}",
                errors,
            )
        return tokens

    async def _poll(self, pending: dict[str, _Pending], cap: int) -> list[tuple[str, TestResult]]:
        """Batch-GET every pending token (chunks fetched concurrently); return the finished ones."""
        tokens = list(pending)
        size = self.batch_size
        chunks = [tokens[i : i + size] for i in range(0, len(tokens), size)]
        answers = await asyncio.gather(*(self._get_batch(chunk) for chunk in chunks))
        finished: list[tuple[str, TestResult]] = []
        for chunk, submissions in zip(chunks, answers, strict=True):
            for token, submission in zip(chunk, submissions, strict=True):
                job = pending[token].job
                if submission is None:
                    result = internal_error_result(
                        job.test,
                        job.repeat_index,
                        f"Judge0 at {self.base_url} does not know submission {token} "
                        "(unknown token: expired, deleted or lost)",
                    )
                elif not isinstance(submission, Mapping):
                    result = internal_error_result(
                        job.test, job.repeat_index, f"malformed Judge0 submission: {str(submission)[:200]}"
                    )
                elif is_final(submission):
                    result = decode_submission(submission, job.test, job.repeat_index, cap)
                else:
                    continue
                finished.append((token, result))
        return finished

    async def _get_batch(self, tokens: list[str]) -> list[Any]:
        """``GET /submissions/batch?tokens=...``; one entry per token, None where the server has none."""
        data = await self._request(
            "GET",
            "/submissions/batch",
            params={"tokens": ",".join(tokens), "base64_encoded": "true", "fields": RESULT_FIELDS},
        )
        submissions = data.get("submissions") if isinstance(data, Mapping) else None
        if not isinstance(submissions, list) or len(submissions) != len(tokens):
            raise Judge0ProtocolError(
                f"Judge0 at {self.base_url}: batch GET returned {str(data)[:120]} for {len(tokens)} tokens"
            )
        return submissions

    def _check_result_timeout(self, pending: Mapping[str, _Pending]) -> None:
        if self._result_timeout_s is None or not pending:
            return
        oldest_token, oldest = min(pending.items(), key=lambda kv: kv[1].submitted_at)
        waited = time.monotonic() - oldest.submitted_at
        if waited > self._result_timeout_s:
            raise Judge0ResultTimeoutError(
                f"Judge0 at {self.base_url} has not finished submission {oldest_token} after "
                f"{waited:.0f} s (still queued or processing; are workers running? see GET /workers)"
            )


def _collect_field_errors(data: Any) -> dict[str, list[str]]:
    """``{field: [msgs]}`` out of a 422 body (a dict, or a batch list of dicts and tokens)."""
    errors: dict[str, list[str]] = {}
    items = data if isinstance(data, list) else [data]
    for item in items:
        if not isinstance(item, Mapping):
            continue
        for field, messages in item.items():
            if field == "token":
                continue
            msgs = messages if isinstance(messages, list) else [messages]
            for m in msgs:
                if str(m) not in errors.setdefault(str(field), []):
                    errors[str(field)].append(str(m))
    return errors
