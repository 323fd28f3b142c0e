"""`ecco export-training` on the command line: dry-run counts, the written dataset, one-line refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecco_tui.cli.main import app
from ecco_tui.store.store import Store
from tests.services.test_training import build_training_store

runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("export-cli")
    with Store.open(tmp / "store.duckdb") as s:
        build_training_store(s, tmp)
    return tmp / "store.duckdb"


def _run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["export-training", *args])


def test_dry_run_prints_counts_per_format_and_filter_and_writes_nothing(db: Path, tmp_path: Path) -> None:
    result = _run("--dry-run", "--db", str(db))
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    for fmt in ("vanilla (edit)", "exec (edit)", "trajectory (edit)", "preference (edit)"):
        assert f"{fmt}: dry run, nothing written" in text
    assert "verdict correct-optimization" in text and "5 examples (train 5)" in text
    assert list(tmp_path.iterdir()) == []


def test_export_writes_parquet_jsonl_and_a_card(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "vanilla"
    result = _run("--format", "vanilla", "--out", str(out), "--db", str(db))
    assert result.exit_code == 0, result.output
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "README.md", "jsonl/examples.jsonl", "train.parquet"]
    assert "| train | model-run | 2 |" in (out / "README.md").read_text()


def test_the_test_split_is_refused_in_one_line(db: Path, tmp_path: Path) -> None:
    result = _run("--format", "vanilla", "--split", "test", "--out", str(tmp_path / "x"), "--db", str(db))
    assert result.exit_code != 0
    assert "problem p91009 is in the test split" in result.output
    assert not (tmp_path / "x").exists()


def test_a_spurious_verdict_as_target_is_refused(db: Path, tmp_path: Path) -> None:
    result = _run("--format", "vanilla", "--verdict", "spurious-optimization", "--out", str(tmp_path / "x"),
                  "--db", str(db))
    assert result.exit_code != 0 and "a target must pass every test" in result.output


def test_problem_keeps_one_problems_examples(db: Path) -> None:
    result = _run("--dry-run", "--format", "vanilla", "--problem", "p91002", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert "2 examples (train 2)" in " ".join(result.output.split())  # its CodeNet pair and m2's correct output
