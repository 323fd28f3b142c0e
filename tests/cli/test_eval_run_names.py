"""`ecco eval --run PREFIX` (a unique prefix of a run's name, or the list of matches) and `ecco eval --all`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecco_tui.cli.main import app
from ecco_tui.ingest.outputs import import_outputs
from ecco_tui.ingest.release import import_release
from ecco_tui.store.store import Store
from tests.factories import EDIT_ROWS, FAST_SUM, edit_output_record, write_records, write_tiny_release

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="the local engine needs bubblewrap")


@pytest.fixture
def runs(tmp_path: Path, store_path: Path) -> Path:
    """Runs alpha-instruct-1, alpha-instruct-2 and beta-x, one fast output of p90001 each, nothing measured."""
    with Store.open(store_path) as store:
        import_release(store, [write_tiny_release(tmp_path / "release")])
        for run_id in ("alpha-instruct-1", "alpha-instruct-2", "beta-x"):
            records = [edit_output_record(EDIT_ROWS["test"][0], FAST_SUM)]
            out = write_records(tmp_path / run_id / "edit_m_instruct_nrowsNone_samples1.jsonl", records)
            import_outputs(store, out, run_id=run_id)
    return store_path


def ecco(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_full_names_name_their_runs(runs: Path) -> None:
    code, out, err = ecco("eval", "--run", "alpha-instruct-2", "--run", "alpha-instruct-1", "--db", str(runs),
                          "--format", "json")
    assert code == 0, err
    assert [line["run_id"] for line in json.loads(out)] == ["alpha-instruct-2", "alpha-instruct-1"]


def test_an_ambiguous_prefix_is_refused_with_its_matches(runs: Path) -> None:
    code, _, err = ecco("eval", "--run", "alpha", "--db", str(runs))
    assert code == 1
    assert err.strip() == ("error: --run 'alpha' matches 2 runs: alpha-instruct-1, alpha-instruct-2 "
                           "(give more of the name)")


def test_a_prefix_names_the_one_run_it_matches(runs: Path) -> None:
    code, out, err = ecco("eval", "--run", "bet", "--db", str(runs), "--format", "json")
    assert code == 0, err
    assert [line["run_id"] for line in json.loads(out)] == ["beta-x"]


def test_all_evaluates_every_run(runs: Path) -> None:
    code, out, err = ecco("eval", "--all", "--db", str(runs), "--format", "json")
    assert code == 0, err
    assert [line["run_id"] for line in json.loads(out)] == ["alpha-instruct-1", "alpha-instruct-2", "beta-x"]


def test_eval_without_runs_says_how_to_name_them(runs: Path) -> None:
    code, _, err = ecco("eval", "--db", str(runs))
    assert code == 1 and err.strip() == "error: name the runs: --run NAME (or a unique prefix of it), or --all"
