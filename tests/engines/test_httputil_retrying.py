"""The retry policy both HTTP clients share (tenacity): which failures are retried, how long it waits, how often."""

from __future__ import annotations

import pytest
from tenacity import AsyncRetrying

from ecco_tui.engines.httputil import RetryableAnswer, retrying


def _recording(tries: int, initial_s: float = 1.0, max_s: float = 60.0) -> tuple[AsyncRetrying, list[float]]:
    """`retrying(...)` whose sleeps are recorded instead of slept (the waits are what is tested, not the clock)."""
    waits: list[float] = []
    policy = retrying(tries=tries, initial_s=initial_s, max_s=max_s)

    async def record(seconds: float) -> None:
        waits.append(seconds)

    policy.sleep = record  # type: ignore[method-assign,assignment]
    return policy, waits


async def test_waits_double_from_the_first_and_stop_at_the_cap() -> None:
    policy, waits = _recording(tries=5, initial_s=1.0, max_s=3.0)

    async def always_busy() -> None:
        raise RetryableAnswer("HTTP 503")

    with pytest.raises(RetryableAnswer, match="HTTP 503"):
        await policy(always_busy)
    assert waits == [1.0, 2.0, 3.0, 3.0]  # 5 tries, 4 waits


async def test_retry_after_replaces_the_backoff() -> None:
    policy, waits = _recording(tries=3)
    answers = iter([RetryableAnswer("HTTP 429", retry_after=7.5), None])

    async def rate_limited_once() -> str:
        answer = next(answers)
        if answer is not None:
            raise answer
        return "done"

    assert await policy(rate_limited_once) == "done"
    assert waits == [7.5]


async def test_other_failures_are_not_retried() -> None:
    policy, waits = _recording(tries=5)
    calls = 0

    async def refused() -> None:
        nonlocal calls
        calls += 1
        raise ValueError("HTTP 401")

    with pytest.raises(ValueError, match="HTTP 401"):
        await policy(refused)
    assert (calls, waits) == (1, [])
