"""Fixtures for engine tests: one real Judge0 replay server on loopback, reset to defaults for every test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.engines.judge0_replay_server import ReplayState, start_replay_server


@dataclass(frozen=True, slots=True)
class ReplayServer:
    """The running server's base URL and its mutable state (knobs + request log)."""

    url: str
    state: ReplayState


@pytest.fixture(scope="session")
def _judge0_replay_session() -> Iterator[ReplayServer]:
    """Started once: uvicorn takes ~0.2 s to stop, which per test would dominate the suite's time."""
    url, state, stop = start_replay_server()
    try:
        yield ReplayServer(url, state)
    finally:
        stop()


@pytest.fixture
def judge0_replay(_judge0_replay_session: ReplayServer) -> ReplayServer:
    """A Judge0 CE 1.13.1 stand-in with default knobs and an empty request log; set knobs on ``.state``."""
    _judge0_replay_session.state.reset()
    return _judge0_replay_session
