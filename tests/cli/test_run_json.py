"""`ecco run --format json`: per test its status, CPU and wall time, memory, exit code and instruction count (when
counted), and the engine that measured them (name, version, sandbox, how it charges a test), for scripts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ecco_tui.cli.main import app
from ecco_tui.services.engines import accounting_of
from tests.factories import FAST_SUM

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="the local engine needs bubblewrap")

WRONG = "n = int(input())\nprint(n * n)\n"


def run_json(store: Path, program: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(app, ["run", str(program), "--problem", "p90001", "--db", str(store), "--engine",
                                      "local", "--format", "json", *args])
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture
def program(tmp_path: Path) -> Path:
    path = tmp_path / "prog.py"
    path.write_text(FAST_SUM)
    return path


def test_run_json_has_one_entry_per_test_public_first(store_with_run: Path, program: Path) -> None:
    code, doc = run_json(store_with_run, program)
    assert code == 0
    assert [(t["visibility"], t["index"]) for t in doc["tests"]] == [
        ("public", 0), ("private", 0), ("private", 1), ("private", 2)]


def test_run_json_gives_each_test_its_status_times_memory_and_exit_code(store_with_run: Path, program: Path) -> None:
    _, doc = run_json(store_with_run, program)
    for test in doc["tests"]:
        assert (test["status"], test["status_id"], test["passed"], test["exit_code"]) == ("Accepted", 3, True, 0)
        assert test["cpu_time_s"] > 0 and test["wall_time_s"] > 0 and test["memory_kb"] > 0
        assert test["instructions"] is None  # not counted with --cost time


def test_run_json_names_the_engine_its_version_sandbox_and_accounting(store_with_run: Path, program: Path) -> None:
    _, doc = run_json(store_with_run, program)
    assert doc["engine"] == "local"
    assert doc["engine_version"].startswith("local-")
    assert doc["sandboxed"] is True
    assert doc["accounting"] == accounting_of(doc["engine_version"])
    assert (doc["problem"], doc["program"], doc["passed"], doc["total"]) == ("p90001", str(program), 4, 4)


def test_run_json_of_a_failing_program_exits_2_and_marks_the_failed_tests(store_with_run: Path, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.py"
    wrong.write_text(WRONG)
    code, doc = run_json(store_with_run, wrong)
    assert code == 2
    # n * n equals n(n+1)/2 only for n = 0 (private test 2); public 0 is 4 → 10
    assert [t["passed"] for t in doc["tests"]] == [False, False, False, True]
    assert doc["tests"][0]["status"] == "Wrong Answer"


def test_run_json_says_how_many_repeats_each_median_is_of(store_with_run: Path, program: Path) -> None:
    _, doc = run_json(store_with_run, program, "--tests", "public", "--repeat", "2")
    assert doc["repeat"] == 2
    assert [t["runs"] for t in doc["tests"]] == [2]


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="--cost instructions needs valgrind")
def test_run_json_carries_the_instruction_count_when_counted(store_with_run: Path, program: Path) -> None:
    _, doc = run_json(store_with_run, program, "--tests", "public", "--cost", "instructions")
    assert doc["cost"] == "instructions"
    (test,) = doc["tests"]
    assert isinstance(test["instructions"], int) and test["instructions"] > 0


def test_an_unknown_run_format_is_refused_before_anything_runs(store_with_run: Path, program: Path) -> None:
    result = CliRunner().invoke(app, ["run", str(program), "--problem", "p90001", "--db", str(store_with_run),
                                      "--format", "csv"])
    assert result.exit_code == 1
    assert "--format: must be table or json, not 'csv'" in result.stderr


def test_run_without_format_prints_the_per_test_table(store_with_run: Path, program: Path) -> None:
    result = CliRunner().invoke(app, ["run", str(program), "--problem", "p90001", "--db", str(store_with_run),
                                      "--engine", "local"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    header = next(line for line in result.stdout.splitlines() if "status" in line)
    assert [cell.strip() for cell in header.strip("┃ ").split("┃")] == [
        "test", "status", "cpu s", "wall s", "memory KB", "exit"]
    assert "public 0" in result.stdout and "private 2" in result.stdout
    assert result.stdout.rstrip().endswith("4/4 tests passed")
