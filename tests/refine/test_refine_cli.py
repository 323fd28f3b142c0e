"""`ecco refine` as users script it, against the loopback OpenAI-compatible server."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from ecco_tui.cli.main import app
from ecco_tui.store.store import Store
from tests.factories import FAST_SUM
from tests.refine.conftest import TestServer
from tests.refine.openai_server import chat, error


def _refine(store_path: Path, url: str, *extra: str):
    return CliRunner().invoke(app, ["refine", "--run", "base", "--method", "exec-refine", "--rounds", "1",
                                    "--model-url", url, "--model", "test-model", "--tries", "1", "--timeout", "5",
                                    "--db", str(store_path), *extra], env={"COLUMNS": "200"})


def test_refine_writes_round_one_into_a_new_run(run_store: Store, store_path: Path, server: TestServer) -> None:
    server.state.push(chat(f"Faster:\n```python\n{FAST_SUM}```"), chat("```python\nprint(max(map(int, "
                                                                        "input().split())))\n```"))
    run_store.close()
    result = _refine(store_path, server.url)
    assert result.exit_code == 0, result.output
    # A new run named after the source run, method, model and UTC time (#22).
    made = re.search(r"^run (base-exec-refine-test-model-\d{8}T\d{6}): 2 rounds written \(2 with code, 0 failed",
                     result.stdout)
    assert made is not None, result.stdout
    with Store.open(store_path, read_only=True) as store:
        rounds = [o.round for o in store.outputs(run_id=made.group(1))]
    assert sorted(rounds) == [0, 0, 1, 1]


def test_a_failing_model_is_reported_per_round_and_exit_is_zero(run_store: Store, store_path: Path,
                                                                 server: TestServer) -> None:
    server.state.push(error(500, "boom"), error(500, "boom"))
    run_store.close()
    result = _refine(store_path, server.url)
    assert result.exit_code == 0, result.output
    assert "2 failed" in result.stdout
    assert "500" in result.stderr


def test_unknown_run_is_named(run_store: Store, store_path: Path, server: TestServer) -> None:
    run_store.close()
    result = CliRunner().invoke(app, ["refine", "--run", "nope", "--method", "exec-refine", "--model-url",
                                      server.url, "--model", "m", "--db", str(store_path)])
    assert result.exit_code == 1
    assert "no run named 'nope'" in result.stderr
