"""`ecco eval` (paired by default, `--paired`): the run's outputs and inputs measured back to back, resumable,
reported as pairs; `--unpaired` measures each program on its own."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecco_tui.cli.main import app
from ecco_tui.ingest.outputs import import_outputs
from ecco_tui.ingest.release import import_release
from ecco_tui.model import PAIR_CONTEXT, code_sha256
from ecco_tui.store.store import Store
from tests.cli.test_sandbox_required import run_store
from tests.factories import FAST_SUM, GENERATE_ROWS, write_records, write_tiny_release

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


def test_paired_eval_refuses_instruction_counts_in_one_line(run_store: Path) -> None:
    code, _, err = ecco("eval", "--run", "r1", "--db", str(run_store), "--paired", "--cost", "instructions")
    assert code == 1
    assert err.strip() == ("error: --paired takes --cost time (instruction counts are exact: there is no noise to "
                           "pair away)")


def test_repeat_auto_repeats_pairs_until_narrow_or_capped(run_store: Path) -> None:
    """`--repeat auto` (paired by default): at least 3 pairs per test, more for an interval still wide, at most 15;
    every run is a pair's."""
    code, out, err = ecco("eval", "--run", "r1", "--db", str(run_store), "--repeat", "auto", "--format", "json")
    assert code == 0, err
    assert "repeat auto: 1 pairs in " in err
    contexts = output_contexts(run_store)
    assert contexts and all(c and c.startswith(PAIR_CONTEXT) for c in contexts)
    with Store.open(run_store, read_only=True) as store:
        tests = len(store.tests_for("p90001", "private"))
    assert 3 * tests <= len(contexts) <= 15 * tests
    (line,) = json.loads(out)
    passing = ("correct-optimization", "within-noise", "correct-no-gain")  # speed on tiny tests is noise
    assert sum(line["outcomes"][o] for o in passing) == 1
    code, _, err = ecco("eval", "--run", "r1", "--db", str(run_store), "--repeat", "auto")
    assert code == 0, err
    assert len(output_contexts(run_store)) <= 15 * tests  # the stored pairs count toward the cap


def test_eval_is_paired_by_default(run_store: Path) -> None:
    code, _, err = ecco("eval", "--run", "r1", "--db", str(run_store), "--format", "json")
    assert code == 0, err
    contexts = output_contexts(run_store)
    assert contexts and all(c and c.startswith(PAIR_CONTEXT) for c in contexts)


def test_unpaired_eval_measures_each_program_on_its_own(run_store: Path) -> None:
    code, _, err = ecco("eval", "--run", "r1", "--db", str(run_store), "--unpaired", "--format", "json")
    assert code == 0, err
    contexts = output_contexts(run_store)
    assert contexts and all(c is None for c in contexts)


def test_a_forced_paired_eval_adds_pairs_and_keeps_the_earlier_ones(run_store: Path) -> None:
    assert ecco("eval", "--run", "r1", "--db", str(run_store))[0] == 0
    first = output_contexts(run_store)
    code, _, err = ecco("eval", "--run", "r1", "--db", str(run_store), "--force")
    assert code == 0, err
    after = output_contexts(run_store)
    assert len(after) == 2 * len(first) and set(first) < set(after)


def test_a_generation_run_is_evaluated_unpaired_by_default(tmp_path: Path, store_path: Path) -> None:
    with Store.open(store_path) as store:
        import_release(store, [write_tiny_release(tmp_path / "release")])
        record = {"problem_id": "p90001", "problem_description": GENERATE_ROWS["test"][0]["problem_description"],
                  "prompt": "p", "full_generations": [f"```python\n{FAST_SUM}```"],
                  "generated_codes": ["\n" + FAST_SUM]}
        import_outputs(store, write_records(tmp_path / "nl2code_m_instruct_nrowsNone_samples1.jsonl", [record]),
                       run_id="g1")
    code, out, err = ecco("eval", "--run", "g1", "--db", str(store_path), "--format", "json")
    assert code == 0, err
    contexts = output_contexts(store_path)
    assert contexts and all(c is None for c in contexts)
    (line,) = json.loads(out)
    assert line["pass_at_1"] == 100.0
