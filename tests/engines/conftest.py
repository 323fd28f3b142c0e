"""Fixtures for engine tests: the Judge0 client's servers on loopback.

* ``judge0_server`` runs a test twice: against the Judge0 replay server (a scripted Judge0 CE 1.13.1
  stand-in) and against ``ecco serve`` (the real local engine behind Judge0's API). Both log every request
  and answer as :class:`RecordedRequest`, so assertions on the wire read alike.
* ``judge0_replay`` is the replay server alone, with its knobs: only for scenarios a correct server never
  produces (injected 503/429, delays, scripted verdicts, forgotten tokens, ...). Every test using it must say
  why with ``@pytest.mark.replay_only("reason")`` — collection fails otherwise — so a scenario that is
  meaningful against a real server cannot quietly skip ``ecco serve``.

One server of each kind is started per session (uvicorn takes ~0.2 s to stop, the serve engine's sandbox probe
~0.3 s to start) and reset for every test; tests needing other server settings use
``judge0_server.reconfigured(...)``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.engines.judge0_replay_server import RecordedRequest, ReplayState, start_replay_server
from tests.serve.harness import ServeServer, serve_running

REPLAY_ONLY = "replay_only"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{REPLAY_ONLY}(reason): runs only against a scripted Judge0 (a fault or knob a correct server "
        "never produces); the reason is required",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test using the replay server alone says why it does not also run against ``ecco serve``."""
    problems = []
    for item in items:
        marker = item.get_closest_marker(REPLAY_ONLY)
        reason = (marker.args[0] if marker and marker.args else marker.kwargs.get("reason")) if marker else None
        if marker is not None and not (isinstance(reason, str) and reason.strip()):
            problems.append(f"{item.nodeid}: @pytest.mark.{REPLAY_ONLY} needs a one-line reason")
        elif "judge0_replay" in getattr(item, "fixturenames", ()) and marker is None:
            problems.append(f"{item.nodeid}: uses judge0_replay without @pytest.mark.{REPLAY_ONLY}(reason); "
                            "use judge0_server to run it against ecco serve too")
    if problems:
        raise pytest.UsageError("\n".join(problems))


@dataclass(frozen=True, slots=True)
class ReplayServer:
    """The running replay server's base URL and its mutable state (knobs + request log)."""

    url: str
    state: ReplayState


@dataclass(frozen=True, slots=True)
class Judge0Server:
    """One server the client suite runs against: the replay server or ``ecco serve``.

    Attributes:
        kind: "replay" or "serve".
        url: base URL on loopback.
        replay: the replay server's state (knobs) when kind is "replay", else None.
        serve: the running ``ecco serve`` when kind is "serve", else None.
    """

    kind: str
    url: str
    replay: ReplayState | None = None
    serve: ServeServer | None = None

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request since the test started, in arrival order, with its answer."""
        if self.replay is not None:
            return list(self.replay.requests)
        assert self.serve is not None
        return self.serve.log.requests

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.path == path]

    def created(self) -> int:
        """Submissions the server accepted (tokens handed out) since the test started."""
        return sum(1 for r in self.requests_to("POST", "/submissions/batch") if r.status == 201
                   for item in r.response if isinstance(item, dict) and "token" in item)

    @property
    def default_language(self) -> tuple[int, str]:
        """The (id, name) the client resolves by name: the newest 'Python (3.x)' the server lists."""
        if self.replay is not None:
            return 71, "Python (3.8.1)"
        assert self.serve is not None
        language = self.serve.state.info.language
        [honest] = [lang.id for lang in self.serve.state.languages.values() if lang.name == language]
        return honest, language

    @property
    def other_python(self) -> tuple[int, str]:
        """Another Python entry the server lists, for a language_id override."""
        return (70, "Python (2.7.17)") if self.replay is not None else (71, "Python (3.8.1)")

    @property
    def about_engine(self) -> str | None:
        """The ``engine`` field of ``/about``: ``ecco serve`` names its sandbox, a real Judge0 does not."""
        return None if self.serve is None else self.serve.state.info.version

    @contextlib.contextmanager
    def reconfigured(self, **settings: Any) -> Iterator[Judge0Server]:
        """This kind of server with other settings: ``max_submission_batch_size``, ``auth_token``, ``auth_header``.

        The replay server turns its knobs (reset by the next test); ``ecco serve`` is started afresh with them.
        """
        if self.replay is not None:
            for name, value in settings.items():
                if name == "max_submission_batch_size":
                    self.replay.config[name] = value
                elif name in ("auth_token", "auth_header"):
                    setattr(self.replay, name, value)
                else:
                    raise ValueError(f"the replay server has no setting {name!r}")
            yield self
            return
        with serve_running(**settings) as server:
            yield Judge0Server("serve", server.url, serve=server)


@pytest.fixture(scope="session")
def _judge0_replay_session() -> Iterator[ReplayServer]:
    """Started once: uvicorn takes ~0.2 s to stop, which per test would dominate the suite's time."""
    url, state, stop = start_replay_server()
    try:
        yield ReplayServer(url, state)
    finally:
        stop()


@pytest.fixture(scope="session")
def _judge0_serve_session() -> Iterator[ServeServer]:
    """``ecco serve`` with its defaults (2 workers, the real local engine), started once, on first use."""
    with serve_running() as server:
        yield server


@pytest.fixture
def judge0_replay(_judge0_replay_session: ReplayServer) -> ReplayServer:
    """A Judge0 CE 1.13.1 stand-in with default knobs and an empty request log; set knobs on ``.state``."""
    _judge0_replay_session.state.reset()
    return _judge0_replay_session


SERVERS: dict[str, Callable[[pytest.FixtureRequest], Judge0Server]] = {
    "replay": lambda request: Judge0Server("replay", (r := request.getfixturevalue("judge0_replay")).url,
                                           replay=r.state),
    "serve": lambda request: _serve(request.getfixturevalue("_judge0_serve_session")),
}


def _serve(server: ServeServer) -> Judge0Server:
    server.log.clear()
    return Judge0Server("serve", server.url, serve=server)


@pytest.fixture(params=list(SERVERS))
def judge0_server(request: pytest.FixtureRequest) -> Judge0Server:
    """The test runs once against the replay server and once against ``ecco serve``, each fresh."""
    return SERVERS[request.param](request)
