"""Commands on a store another process holds wait for it ("store busy, retrying…") instead of failing, and
commands find the store `ecco demo` built when no other is configured.

The holder here is this test process itself (a read-write DuckDB connection, which locks everyone else out);
each test lets go only once the command has said it is waiting, and then waits for the command to exit.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from ecco_tui.cli.main import app
from ecco_tui.config import data_dir
from ecco_tui.store.store import Store
from tests.factories import build_store_with_run


def ecco_process(*args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "ecco_tui", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "COLUMNS": "200", **env})


def wait_for_busy(proc: subprocess.Popen[str]) -> str:
    """The command's first line on stderr (it blocks until the command writes it)."""
    assert proc.stderr is not None
    return proc.stderr.readline()


def test_a_writer_that_finds_the_store_busy_waits_and_writes_once_it_is_released(store_with_run: Path) -> None:
    store_path = store_with_run
    holder = duckdb.connect(str(store_path))
    try:
        proc = ecco_process("label", "r:0:0:0", "broken", "--author", "alice", "--db", str(store_path))
        line = wait_for_busy(proc)
        assert line.startswith("store busy, retrying") and str(store_path) in line
        assert proc.poll() is None  # still waiting, not failed
    finally:
        holder.close()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "labelled output r:0:0:0 as broken (alice)" in out
    with Store.open(store_path, read_only=True) as store:
        assert [(a.target_id, a.label) for a in store.all_annotations()] == [("r:0:0:0", "broken")]


def test_a_reader_that_finds_the_store_busy_waits_and_reads_once_it_is_released(
        tiny_release: Path, store_path: Path) -> None:
    assert CliRunner().invoke(app, ["import", str(tiny_release), "--db", str(store_path)]).exit_code == 0
    holder = duckdb.connect(str(store_path))
    try:
        proc = ecco_process("stats", "--db", str(store_path))
        assert wait_for_busy(proc).startswith("store busy, retrying")
    finally:
        holder.close()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "pairs" in out and "test_cases" in out


def test_a_writer_gives_up_after_its_wait_in_one_line_naming_the_file(store_with_run: Path) -> None:
    store_path = store_with_run
    holder = duckdb.connect(str(store_path))
    try:
        proc = ecco_process("label", "r:0:0:0", "broken", "--db", str(store_path), ECCO_STORE_WAIT="0.5")
        _, err = proc.communicate(timeout=60)
    finally:
        holder.close()
    assert proc.returncode == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[0].startswith("store busy, retrying")
    assert len(lines) == 2 and lines[1].startswith("error:") and str(store_path) in lines[1]
    assert "Traceback" not in err


def test_with_no_store_configured_commands_use_the_sample_store_and_say_so(tmp_path: Path) -> None:
    sample = data_dir() / "sample.duckdb"  # where `ecco demo` builds it (a temporary home in tests)
    build_store_with_run(sample, tmp_path / "files")  # the release and run r, as `ecco demo` would
    runner = CliRunner()
    result = runner.invoke(app, ["stats"])
    assert result.exit_code == 0, result.output
    assert f"using the sample store {sample}" in result.stderr.replace("\n", "")
    assert "pairs" in result.stdout
    result = runner.invoke(app, ["label", "r:0:0:0", "broken"])
    assert result.exit_code == 0, result.output
    with Store.open(sample, read_only=True) as store:
        assert [a.target_id for a in store.all_annotations()] == ["r:0:0:0"]


def test_a_configured_store_is_never_swapped_for_the_sample(tiny_release: Path, store_path: Path) -> None:
    sample = data_dir() / "sample.duckdb"
    runner = CliRunner()
    assert runner.invoke(app, ["import", str(tiny_release), "--db", str(sample)]).exit_code == 0
    result = runner.invoke(app, ["stats", "--db", str(store_path)])
    assert result.exit_code == 1
    assert f"{store_path}: no such store" in result.stderr
    assert "sample" not in result.stderr
