"""The real thing in a real terminal: `python -m ecco_tui open` under tmux, driven with send-keys."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")

pytestmark = pytest.mark.skipif(
    TMUX is None and os.environ.get("CI", "").lower() != "true", reason="tmux is not installed"
)


class Tmux:
    """One private tmux server (its own socket), so the test never touches a user's sessions."""

    def __init__(self, socket: str) -> None:
        self.socket = socket

    def run(self, *args: str) -> str:
        assert TMUX is not None, "tmux is required when CI=true"
        # env= passes Python's view of the environment: the process-level one can carry COLUMNS=80 / LINES=24
        # set underneath os.environ during a pytest run, and a new tmux server would hand them to the app.
        done = subprocess.run([TMUX, "-L", self.socket, *args], capture_output=True, text=True, timeout=30,
                              env=dict(os.environ))
        return done.stdout

    def capture(self) -> str:
        return self.run("capture-pane", "-p", "-t", "ecco")

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.capture()
            if predicate(screen):
                return screen
            time.sleep(0.2)
        raise AssertionError(f"timed out; the pane shows:\n{screen}")


@pytest.fixture
def tmux(workbench_file: Path, tmp_path: Path) -> Iterator[Tmux]:
    store = tmp_path / "store.duckdb"
    shutil.copy(workbench_file, store)
    session = Tmux(f"ecco-test-{os.getpid()}")
    env = {
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "TERM": "xterm-256color",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    command = " ".join(
        ["env", "-u", "COLUMNS", "-u", "LINES", *(f"{k}={shlex.quote(v)}" for k, v in env.items()),
         shlex.quote(sys.executable), "-m", "ecco_tui", "open", "--db", shlex.quote(str(store))]
    )
    session.run("new-session", "-d", "-x", "120", "-y", "40", "-s", "ecco", command)
    try:
        yield session
    finally:
        session.run("kill-server")


def test_compare_view_in_a_real_terminal(tmux: Tmux) -> None:
    tmux.wait_for(lambda s: "Triangle Sum" in s and "correct-opt" in s)  # browser with outcomes loaded
    tmux.run("send-keys", "-t", "ecco", "Enter")
    time.sleep(0.5)
    tmux.run("send-keys", "-t", "ecco", "Enter")
    screen = tmux.wait_for(lambda s: "slow (input)" in s and "fast (target)" in s and "speedup" in s)
    assert "pair test:0 · p90001" in screen
    assert "2 - t = 0" in screen  # a removed line, marked
    assert "private:2" in screen  # the per-test table
    tmux.run("send-keys", "-t", "ecco", "C-q")
