"""Small HTTP helpers shared by the clients that talk to servers we do not control (Judge0, model APIs).

Retries go through tenacity (`retrying`) rather than hand-written loops, so the two clients share one tested
policy: which answers are retried is each client's choice (it raises `RetryableAnswer` for them), how long to
wait (exponential backoff, or the server's Retry-After) and how often is decided here.
"""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt, wait_exponential
from tenacity.wait import wait_base

__all__ = ["RetryableAnswer", "retry_after_seconds", "retrying", "wait_retry_after"]


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class RetryableAnswer(Exception):
    """An answer worth asking again for (429, 5xx, a timeout), raised inside one tenacity attempt.

    Why an exception: tenacity decides from what an attempt raised, so the clients turn "retry this" into this
    one type and keep every other failure (401, 422, malformed JSON) a plain return or their own exception,
    which tenacity passes straight through. `reason` is the one-line text for the final failure, `retry_after`
    the server's Retry-After in seconds (it replaces the backoff), `response` the last answer, if any.
    """

    def __init__(self, reason: str, *, retry_after: float | None = None,
                 response: httpx.Response | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.response = response


class wait_retry_after(wait_base):
    """Wait as long as the server's Retry-After asks when the failed attempt carried one, else as `fallback`.

    Named like tenacity's own strategies (`wait_exponential`, ...), because it is one.
    """

    def __init__(self, fallback: wait_base) -> None:
        self.fallback = fallback

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        failure = outcome.exception() if outcome is not None and outcome.failed else None
        if isinstance(failure, RetryableAnswer) and failure.retry_after is not None:
            return failure.retry_after
        return self.fallback(retry_state)


def retrying(*, tries: int, initial_s: float, max_s: float) -> AsyncRetrying:
    """Tenacity's loop for the HTTP clients: up to `tries` attempts in all, retrying only `RetryableAnswer`,
    waiting `initial_s * 2**(n-1)` (at most `max_s`) after the n-th failure, or the server's Retry-After.

    `reraise=True` hands the last `RetryableAnswer` back to the caller, which turns it into its own message
    (tenacity's RetryError would hide the reason).
    """
    return AsyncRetrying(
        stop=stop_after_attempt(max(1, tries)),
        wait=wait_retry_after(wait_exponential(multiplier=initial_s, max=max_s, exp_base=2)),
        retry=retry_if_exception_type(RetryableAnswer),
        reraise=True,
    )
