"""`ecco eval --paired`: the run's outputs and inputs measured back to back, resumable, reported as pairs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecco_tui.cli.main import app
from ecco_tui.model import PAIR_CONTEXT, code_sha256
from ecco_tui.store.store import Store
from tests.cli.test_sandbox_required import run_store
from tests.factories import FAST_SUM

__all__ = ["run_store"]  # the fixture: the tiny release and run r1 (one fast output of p90001)

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="the local engine needs bubblewrap")


def ecco(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def output_contexts(path: Path) -> list[str | None]:
    with Store.open(path, read_only=True) as store:
        return [e.context for e in store.executions_for(code_sha256(FAST_SUM), "p90001", engine="local")]


def test_paired_eval_stores_pairs_and_a_second_one_runs_nothing(run_store: Path) -> None:
    code, out, err = ecco("eval", "--run", "r1", "--db", str(run_store), "--paired", "--format", "json")
    assert code == 0, err
    assert "r1: 2 programs" in err and " cached" in err
    (line,) = json.loads(out)
    passing = ("correct-optimization", "within-noise", "correct-no-gain")  # speed on tiny tests is noise
    assert sum(line["outcomes"][o] for o in passing) == 1
    contexts = output_contexts(run_store)
    assert contexts and all(c and c.startswith(PAIR_CONTEXT) for c in contexts)
    code, _, err = ecco("eval", "--run", "r1", "--db", str(run_store), "--paired", "--format", "json")
    assert code == 0 and "0 test runs executed" in err


def test_paired_eval_refuses_repeat_auto_in_one_line(run_store: Path) -> None:
    code, _, err = ecco("eval", "--run", "r1", "--db", str(run_store), "--paired", "--repeat", "auto")
    assert code == 1 and err.strip() == "error: --paired takes a fixed --repeat (pairs per test) and --cost time"
