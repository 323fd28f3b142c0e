"""A client for OpenAI-compatible completion servers (vLLM, Ollama, llama.cpp server, hosted APIs).

Why failures are values: a refinement run makes thousands of calls, and one bad answer (a 500, a timeout, a
proxy's HTML error page, an empty message) must cost one round, not the run. `ModelClient.complete` never
raises for anything the server or the network does; it returns a `Completion` whose `failure` is a one-line
reason the round loop stores. Only mistakes in the settings themselves (no such environment variable, a URL
that is not http(s)) raise `ModelConfigError`, at construction, before any work starts.

Retries (tenacity, through `engines.httputil.retrying`): 429, 5xx, timeouts and connection errors are retried
with exponential backoff up to `max_tries` attempts in all; a 429's Retry-After (seconds or an HTTP date)
replaces the backoff, and one asking for more than `max_retry_after_s` fails at once (a spent quota is not
worth waiting out). Other 4xx, malformed JSON, a reply without choices and empty content are not retried:
asking again gets the same.

The API key is read from the environment variable *named* in the settings, once, into the request headers.
It never appears in `ModelSettings`, in `describe()` (what gets stored with each round) or in a failure text.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

# ModelSettings lives with the rest of the configuration (it is what `[model]` in the config file becomes);
# it is re-exported here because it is this client's input.
from ecco_tui.config import Endpoint, ModelSettings
from ecco_tui.engines.httputil import RetryableAnswer, retry_after_seconds, retrying

__all__ = ["Completion", "Endpoint", "ModelClient", "ModelConfigError", "ModelSettings"]

_EXCERPT = 200


class ModelConfigError(Exception):
    """The model settings cannot work (bad URL, missing API-key variable); raised before any request."""


@dataclass(frozen=True, slots=True)
class Completion:
    """One completion or the reason there is none; `attempts` counts HTTP requests made."""

    text: str | None
    failure: str | None
    attempts: int
    seconds: float
    finish_reason: str | None = None
    usage: dict[str, Any] | None = None
    http_status: int | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None

    def meta(self) -> dict[str, Any]:
        """Per-call facts stored with the round (JSON-safe)."""
        out: dict[str, Any] = {"attempts": self.attempts, "seconds": round(self.seconds, 3)}
        if self.finish_reason is not None:
            out["finish_reason"] = self.finish_reason
        if self.usage:
            out["usage"] = self.usage
        return out


def _one_line(text: str, limit: int = _EXCERPT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def error_message(response: httpx.Response) -> str:
    """The server's own error text: OpenAI/llama.cpp `{"error": {"message"}}`, Ollama `{"error": "..."}`,
    vLLM `{"message"}`, FastAPI `{"detail"}`; otherwise an excerpt of the body."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict) and err.get("message"):
            return _one_line(str(err["message"]))
        if isinstance(err, str) and err:
            return _one_line(err)
        for key in ("message", "detail"):
            if body.get(key):
                value = body[key]
                return _one_line(value if isinstance(value, str) else json.dumps(value))
    text = response.text.strip()
    return _one_line(text) if text else (response.reason_phrase or "no message")


class ModelClient:
    """Async client for one model on one OpenAI-compatible server. Close with `aclose()` (or `async with`)."""

    def __init__(self, settings: ModelSettings) -> None:
        parts = urlsplit(settings.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ModelConfigError(f"model URL {settings.base_url!r}: expected http(s)://host[:port][/path][/v1]")
        if not settings.model:
            raise ModelConfigError("no model name given")
        if settings.endpoint not in ("chat", "completions"):
            raise ModelConfigError(f"endpoint {settings.endpoint!r}: expected chat or completions")
        if settings.max_tries < 1:
            raise ModelConfigError("max_tries must be at least 1")
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if settings.api_key_env:
            key = os.environ.get(settings.api_key_env)
            if not key:
                raise ModelConfigError(f"API key variable ${settings.api_key_env} is not set or empty")
            headers["Authorization"] = f"Bearer {key}"
        base = settings.base_url.rstrip("/")
        prefix = "" if base.endswith("/v1") else "/v1"
        self.settings = settings
        self.url = f"{base}{prefix}/{'chat/completions' if settings.endpoint == 'chat' else 'completions'}"
        # Failure texts name the server without user:password@ or a query string (where keys sometimes hide).
        shown = urlsplit(self.url)
        port = f":{shown.port}" if shown.port else ""
        self.shown_url = f"{shown.scheme}://{shown.hostname}{port}{shown.path}"
        timeout = httpx.Timeout(settings.timeout_s, connect=settings.connect_timeout_s)
        self._client = httpx.AsyncClient(headers=headers, timeout=timeout)

    async def __aenter__(self) -> ModelClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    def describe(self) -> dict[str, Any]:
        return self.settings.describe()

    def _body(self, prompt: str) -> dict[str, Any]:
        s = self.settings
        body: dict[str, Any] = {"model": s.model, "temperature": s.temperature, "max_tokens": s.max_tokens, "n": 1}
        if s.endpoint == "chat":
            body["messages"] = [{"role": "user", "content": prompt}]
        else:
            body["prompt"] = prompt
        body.update(s.extra_body)
        return body

    async def complete(self, prompt: str) -> Completion:
        """Send `prompt` (already wrapped, if a wrapper applies) and return the text or a failure reason."""
        s = self.settings
        start = time.monotonic()
        attempts = 0

        def failed(reason: str, status: int | None = None) -> Completion:
            return Completion(text=None, failure=reason, attempts=attempts, seconds=time.monotonic() - start,
                              http_status=status)

        async def attempt() -> Completion:
            """One request: a Completion (good or a final failure), or RetryableAnswer for tenacity to retry."""
            nonlocal attempts
            attempts += 1
            try:
                response = await self._client.post(self.url, json=self._body(prompt))
            except httpx.TimeoutException as exc:
                kind = "connecting" if isinstance(exc, httpx.ConnectTimeout) else "waiting for the answer"
                limit = s.connect_timeout_s if isinstance(exc, httpx.ConnectTimeout) else s.timeout_s
                raise RetryableAnswer(
                    f"timeout: no response from {self.shown_url} within {limit:g} s ({kind})"
                ) from exc
            except httpx.TransportError as exc:
                raise RetryableAnswer(
                    f"connection error: {_one_line(str(exc) or type(exc).__name__)} ({self.shown_url})"
                ) from exc
            code = response.status_code
            if code == 429 or code >= 500:
                reason = f"HTTP {code}: {error_message(response)}"
                # Retry-After only matters when another try is left; the last answer is reported as it is.
                after = retry_after_seconds(response.headers.get("Retry-After")) if code == 429 else None
                if after is not None and attempts < s.max_tries and after > s.max_retry_after_s:
                    return failed(f"{reason}; the server asks to retry after {after:.0f} s, more than the "
                                  f"{s.max_retry_after_s:g} s allowed", code)
                raise RetryableAnswer(reason, retry_after=after, response=response)
            if code >= 400:
                return failed(f"HTTP {code}: {error_message(response)}", code)
            return self._parse(response, attempts, time.monotonic() - start)

        try:
            return await retrying(tries=s.max_tries, initial_s=s.backoff_initial_s, max_s=s.backoff_max_s)(attempt)
        except RetryableAnswer as exc:
            return failed(exc.reason + (f" (after {attempts} tries)" if attempts > 1 else ""))

    def _parse(self, response: httpx.Response, attempts: int, seconds: float) -> Completion:
        code = response.status_code

        def failed(reason: str) -> Completion:
            return Completion(text=None, failure=reason, attempts=attempts, seconds=seconds, http_status=code)

        try:
            body = response.json()
        except ValueError:
            excerpt = _one_line(response.text, 80)
            return failed(f"malformed JSON in the response (HTTP {code}): {excerpt!r}")
        if not isinstance(body, dict):
            return failed(f"malformed response (HTTP {code}): expected a JSON object, got {type(body).__name__}")
        choices = body.get("choices")
        if not isinstance(choices, list) or not choices:
            detail = f": {error_message(response)}" if "error" in body else ""
            return failed(f"no choices in the response{detail}")
        choice = choices[0]
        if not isinstance(choice, dict):
            return failed("malformed response: choices[0] is not an object")
        if self.settings.endpoint == "chat":
            message = choice.get("message")
            text = message.get("content") if isinstance(message, dict) else None
        else:
            text = choice.get("text")
        finish = choice.get("finish_reason")
        finish = finish if isinstance(finish, str) else None
        usage = body.get("usage") if isinstance(body.get("usage"), dict) else None
        if not isinstance(text, str) or not text.strip():
            why = f" (finish_reason={finish})" if finish else ""
            return Completion(text=None, failure=f"empty content in the response{why}", attempts=attempts,
                              seconds=seconds, finish_reason=finish, usage=usage, http_status=code)
        return Completion(text=text, failure=None, attempts=attempts, seconds=seconds, finish_reason=finish,
                          usage=usage, http_status=code)
