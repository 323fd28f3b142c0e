"""Fixtures for refinement tests: one loopback OpenAI-compatible server, a small real store, a local engine."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ecco_tui.engines.base import Limits
from ecco_tui.engines.local import LocalEngine
from ecco_tui.ingest.outputs import import_outputs
from ecco_tui.ingest.release import import_release
from ecco_tui.refine.client import ModelClient, ModelSettings
from ecco_tui.store.store import Store
from tests.factories import EDIT_ROWS, SLOW_SUM, edit_output_record, write_records
from tests.refine.openai_server import ServerState, start_server

LIMITS = Limits(cpu_time_s=2, wall_time_s=5, memory_kb=256_000)
# Round 0 of the instruct run: row 0 is correct (and slow), row 1 crashes on every test.
CRASHING_MAX = "a = list(map(int, input().split()))\nprint(a[5])\n"
ROUND0 = [SLOW_SUM, CRASHING_MAX]


@dataclass(frozen=True, slots=True)
class TestServer:
    __test__ = False

    url: str
    state: ServerState


@pytest.fixture(scope="session")
def _openai_session() -> Iterator[TestServer]:
    """Started once per session: stopping uvicorn takes a moment that per test would dominate."""
    url, state, stop = start_server()
    try:
        yield TestServer(url, state)
    finally:
        stop()


@pytest.fixture
def server(_openai_session: TestServer) -> TestServer:
    """The server with an empty script and request log."""
    _openai_session.state.reset()
    return _openai_session


def fast_settings(url: str, **overrides: object) -> ModelSettings:
    """Client settings with short waits so failure paths stay quick."""
    values: dict[str, object] = {"base_url": url, "model": "test-model", "timeout_s": 5.0, "max_tries": 2,
                                 "backoff_initial_s": 0.01, "backoff_max_s": 0.05}
    values.update(overrides)
    return ModelSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
async def client(server: TestServer) -> AsyncIterator[ModelClient]:
    c = ModelClient(fast_settings(server.url))
    yield c
    await c.aclose()


@pytest.fixture
async def engine() -> AsyncIterator[LocalEngine]:
    eng = LocalEngine(limits=LIMITS, concurrency=2)
    yield eng
    await eng.aclose()


@pytest.fixture
def run_store(store: Store, tiny_release: Path, tmp_path: Path) -> Store:
    """The tiny release plus an instruct run `base` whose round 0 is ROUND0."""
    import_release(store, [tiny_release])
    rows = [edit_output_record(r, c) for r, c in zip(EDIT_ROWS["test"], ROUND0, strict=True)]
    path = write_records(tmp_path / "edit_base_instruct_nrowsNone_samples1.jsonl", rows)
    import_outputs(store, path, run_id="base", model="test-model", method="instruct")
    return store
