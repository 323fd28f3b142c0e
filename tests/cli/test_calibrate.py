"""`ecco calibrate --engine local --engine judge0` against the loopback Judge0 test server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from ecco_tui.cli.main import app
from tests.engines.judge0_replay_server import start_replay_server


@pytest.fixture
def judge0_url() -> Iterator[str]:
    url, _state, stop = start_replay_server()
    yield url
    stop()


def test_calibrate_prints_both_engines_and_their_ratios(judge0_url: str) -> None:
    result = CliRunner().invoke(app, ["calibrate", "--engine", "local", "--engine", "judge0", "--judge0-url",
                                      judge0_url, "--repeat", "2"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "local-" in result.stdout and "judge0-" in result.stdout
    assert "judge0 / local" in result.stdout
    assert "start-up: print(1)" in result.stdout


def test_calibrate_refuses_an_unknown_engine() -> None:
    result = CliRunner().invoke(app, ["calibrate", "--engine", "docker"])
    assert result.exit_code == 1
    assert "unknown engine 'docker'" in result.stderr
