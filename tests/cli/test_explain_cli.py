"""`ecco explain OUTPUT_ID`: both programs' per-line counts aligned by the diff and the scaling verdict, as a table
or JSON; one-line errors naming an unknown output or test, or a missing store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecco_tui.cli.main import app
from tests.services.explain_fixtures import INNER_LOOP_LINE, LINEAR_OUTPUT, PRECOMPUTED_OUTPUT, build_explain_store

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="the local engine needs bubblewrap")


def ecco(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def explain_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("explain-cli")
    return build_explain_store(work / "store.duckdb", work)


@needs_bwrap
def test_json_has_both_programs_counts_aligned_and_the_scaling(explain_db: Path) -> None:
    code, out, err = ecco("explain", LINEAR_OUTPUT, "--db", str(explain_db), "--all-tests", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["test"] == "private:4" and data["input"]["hottest_line"] == INNER_LOOP_LINE
    assert data["scaling"]["kind"] == "algorithmic" and len(data["scaling"]["points"]) == 5
    inner = next(row for row in data["lines"] if row["input_line"] == INNER_LOOP_LINE)
    assert inner["input_hits"] == data["input"]["hits"][str(INNER_LOOP_LINE)] == 320 * 321 // 2


@needs_bwrap
def test_the_table_shows_the_lines_side_by_side_and_the_verdict(explain_db: Path) -> None:
    code, out, err = ecco("explain", PRECOMPUTED_OUTPUT, "--db", str(explain_db), "--test", "private:1",
                          "--all-tests")
    assert code == 0, err
    assert "for j in range(i + 1, n):" in out and "51,360" not in out  # test 1: n = 40
    assert f"{40 * 41 // 2:,}" in out
    assert "verdict: constant factor (1.5x at every size)" in out


@needs_bwrap
def test_an_unknown_test_is_named_in_one_line(explain_db: Path) -> None:
    code, out, err = ecco("explain", LINEAR_OUTPUT, "--db", str(explain_db), "--test", "private:9")
    assert code == 1 and out == ""
    assert err.strip().startswith("error: no test 'private:9' for problem p91001 (tests: private:0")
    assert len(err.strip().splitlines()) == 1


@needs_bwrap
def test_an_unknown_output_is_named_in_one_line(explain_db: Path) -> None:
    code, _, err = ecco("explain", "nope:0:0:0", "--db", str(explain_db))
    assert code == 1 and err.strip() == "error: no output 'nope:0:0:0'"


def test_a_missing_store_is_refused_and_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "missing.duckdb"
    code, _, err = ecco("explain", LINEAR_OUTPUT, "--db", str(missing))
    assert code == 1 and "no such store" in err and not missing.exists()


def test_a_bad_format_is_refused_before_anything_runs(explain_db: Path) -> None:
    code, _, err = ecco("explain", LINEAR_OUTPUT, "--db", str(explain_db), "--format", "csv")
    assert code == 1 and "--format: must be table or json, not 'csv'" in err
