"""Fixtures for ``ecco serve`` tests; the servers, request log and fake engines live in tests/serve/harness.py.

Servers with the default settings are shared per session (starting one costs ~0.3 s: uvicorn plus the
engine's sandbox probe); tests that need other settings start their own with ``serve_running``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.serve.harness import ServeServer, serve_running


@pytest.fixture(scope="session")
def _shared_serve() -> Iterator[ServeServer]:
    with serve_running() as server:
        yield server


@pytest.fixture
def serve_server(_shared_serve: ServeServer) -> ServeServer:
    """The shared default server (Judge0's defaults, 2 workers, real local engine) with an empty log."""
    _shared_serve.log.clear()
    return _shared_serve
