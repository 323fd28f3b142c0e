"""`ecco calibrate` and `ecco report --calibration`: the shipped set, its runs on the local engine and on the
loopback Judge0 test server, the stored sessions.

Only the quick programs of the set run here (``--programs``); the slow end (up to 2 s each) never does.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecco_tui.cli.main import app
from ecco_tui.services import calibrate as cal
from ecco_tui.store.store import Store
from tests.engines.judge0_replay_server import Outcome, SubmissionView, start_replay_server

QUICK = "startup,int-arith,fib-recursive,bytearray-64m"
ENV = {"COLUMNS": "250"}


@pytest.fixture
def judge0_url() -> Iterator[str]:
    url, _state, stop = start_replay_server()
    yield url
    stop()


# ------------------------------------------------------------------------------------------------ the set


def test_the_shipped_set_spans_the_promised_range_and_reads_cleanly():
    full = cal.load_calibration_set()
    names = full.names()
    assert 18 <= len(names) <= 25
    assert len(set(names)) == len(names)
    assert min(p.cpu_ms for p in full.programs) <= 15 and max(p.cpu_ms for p in full.programs) >= 1500
    assert min(p.memory_mb for p in full.programs) <= 10 and max(p.memory_mb for p in full.programs) >= 190
    for p in full.programs:
        assert p.expected_stdout.strip(), p.name
        assert p.stresses, p.name
        # Judge0 CE runs Python 3.8.1: the programs must parse there too.
        ast.parse(p.code, filename=p.file, feature_version=(3, 8))
    shipped = {f.name for f in cal.SET_DIR.glob("*.py")}
    assert shipped == {p.file for p in full.programs}  # every file is in the set, every entry has its file


def test_generated_stdin_is_fixed_bytes():
    full = cal.load_calibration_set()
    heavy = next(p for p in full.programs if p.name == "stdin-heavy")
    lines = heavy.stdin.splitlines()
    assert lines[0] == "100000" and len(lines) == 100001
    # Golden: the expected outputs in set.toml depend on these exact bytes.
    assert cal.generated_stdin({"pairs": 2, "seed": 11}) == "2\n261800 509505\n227174 744999\n"
    assert heavy.stdin == cal.generated_stdin({"pairs": 100000, "seed": 11})


def test_selection_by_glob_patterns_and_a_pattern_matching_nothing_is_an_error():
    full = cal.load_calibration_set()
    assert full.select(None) is full
    assert full.select("bytearray-*,startup").names() == ["startup", "bytearray-64m", "bytearray-192m"]
    with pytest.raises(cal.CalibrationError, match="'nope' matches no calibration program"):
        full.select("startup,nope")
    assert full.select("startup").version == full.select("startup").version != full.version


def test_a_broken_set_file_is_a_clear_error(tmp_path: Path):
    (tmp_path / "set.toml").write_text('[[program]]\nname = "x"\nfile = "missing.py"\nstdout = "1"\n')
    with pytest.raises(cal.CalibrationError, match=r"cannot read missing\.py"):
        cal.load_calibration_set(tmp_path)
    (tmp_path / "set.toml").write_text('[[program]]\nname = "x"\n')
    with pytest.raises(cal.CalibrationError, match="missing 'file'"):
        cal.load_calibration_set(tmp_path)


async def test_a_wrong_output_is_a_failure_not_a_number(tmp_path: Path):
    from ecco_tui.engines.local import LocalEngine

    (tmp_path / "p.py").write_text("print(41)\n")
    (tmp_path / "set.toml").write_text(
        '[[program]]\nname = "off-by-one"\nfile = "p.py"\nstdout = "42\\n"\n'
        '[[program]]\nname = "right"\nfile = "p.py"\nstdout = "41\\n"\n'
    )
    engine = LocalEngine()
    try:
        result = await cal.calibrate(engine, cal.load_calibration_set(tmp_path), repeat=2)
    finally:
        await engine.aclose()
    wrong, right = result.rows
    assert (wrong.runs, wrong.failures, wrong.ok) == (2, 2, False)
    assert wrong.failure.startswith("Wrong Answer")
    assert wrong.cpu_median_s is None and wrong.memory_median_kb is None
    assert right.ok and right.cpu_median_s > 0 and right.memory_median_kb > 0


# ------------------------------------------------------------------------------------------------ the CLI


def test_calibrate_local_and_judge0_prints_the_table_stores_it_and_report_shows_it(judge0_url: str, tmp_path: Path):
    db = tmp_path / "cal.duckdb"
    result = CliRunner().invoke(app, ["calibrate", "--engine", "local", "--engine", "judge0", "--judge0-url",
                                      judge0_url, "--repeat", "2", "--programs", QUICK, "--db", str(db)], env=ENV)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "local-" in out and "judge0-" in out
    for program in QUICK.split(","):
        assert program in out
    assert "sort-ints" not in out
    assert "judge0/local time" in out and "judge0/local mem" in out
    assert "fitted factors" in out and "judge0 / local" in out
    assert "stored as calibration" in out

    report = CliRunner().invoke(app, ["report", "--calibration", "--db", str(db)], env=ENV)
    assert report.exit_code == 0, report.output
    assert "fitted factors" in report.stdout and "judge0 / local" in report.stdout

    (session,) = _report_json(db)
    assert [e["engine"] for e in session["engines"]] == ["local", "judge0"]
    assert session["programs"] == QUICK and session["repeat"] == 2
    assert session["set_version"] == cal.load_calibration_set().version
    (pair,) = session["pairs"]
    local = {p["program"]: p for p in session["engines"][0]["programs"]}
    by_program = {p["program"]: p for p in pair["programs"]}
    assert pair["reference"] == "local" and pair["engine"] == "judge0"
    assert pair["time_floor_s"] == pytest.approx(0.02)
    assert pair["memory"]["n_programs"] == 4
    assert pair["time"]["n_programs"] >= 1  # (programs under 20 ms are left out: see below)
    for quantity in ("time", "memory"):
        fit = pair[quantity]
        lo, hi = fit["interval_95"]
        assert fit["factor"] > 0
        assert lo is None or lo <= fit["factor"] <= hi
    # A time under 20 ms (20× Judge0's 1 ms timer) on either engine is shown but stays out of the time fit.
    judge0 = {p["program"]: p for p in session["engines"][1]["programs"]}
    for program in QUICK.split(","):
        below = min(local[program]["cpu_median_s"], judge0[program]["cpu_median_s"]) < 0.02
        assert (pair["time"]["skipped"].get(program) == "below resolution") == below
        assert ("not in the time fit" in by_program[program]["note"]) == below
    # The replay server reports a fixed 3700 KB: the memory ratio is 3700 KB over the local RSS, per program.
    big = "bytearray-64m"
    assert by_program[big]["memory_ratio"] == pytest.approx(3700 / local[big]["memory_median_kb"])


def _report_json(db: Path) -> list[dict]:
    result = CliRunner().invoke(app, ["report", "--calibration", "--db", str(db), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_program_failing_on_judge0_is_reported_and_left_out_of_the_fit(tmp_path: Path):
    def outcome(view: SubmissionView) -> Outcome | None:
        if 'print("ready")' in view.source_code:
            return Outcome(status_id=4, stdout="not ready\n", time="0.010", memory=3000)
        return Outcome(status_id=3, stdout=view.expected_output, time="0.200", memory=20000)

    url, _state, stop = start_replay_server(outcome=outcome)
    try:
        result = CliRunner().invoke(app, ["calibrate", "--engine", "local", "--engine", "judge0", "--judge0-url", url,
                                          "--repeat", "1", "--programs", "startup,int-arith,dict-small", "--no-store",
                                          "--db", str(tmp_path / "never.duckdb")], env=ENV)
    finally:
        stop()
    assert result.exit_code == 0, result.output
    assert "judge0: 1/1 failed (Wrong Answer" in result.stdout
    assert "(left out of the fits): startup" in result.stderr
    assert "2 (1 left out)" in result.stdout  # the time and memory fits use the two programs that passed
    assert "stored as" not in result.stdout
    assert not (tmp_path / "never.duckdb").exists()


def test_calibrate_refuses_an_unknown_engine() -> None:
    result = CliRunner().invoke(app, ["calibrate", "--engine", "docker"])
    assert result.exit_code == 1
    assert "unknown engine 'docker'" in result.stderr


def test_calibrate_refuses_a_pattern_matching_no_program() -> None:
    result = CliRunner().invoke(app, ["calibrate", "--programs", "fast-*", "--no-store"])
    assert result.exit_code == 1
    assert "'fast-*' matches no calibration program" in result.stderr


def test_report_calibration_on_a_store_without_any(tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    Store.open(db).close()
    result = CliRunner().invoke(app, ["report", "--calibration", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "no calibration stored" in result.stdout
    assert json.loads(CliRunner().invoke(app, ["report", "--calibration", "--db", str(db), "--format",
                                               "json"]).stdout) == []
    bad = CliRunner().invoke(app, ["report", "--calibration", "--db", str(db), "--format", "csv"])
    assert bad.exit_code == 1


# ---------------------------------------------------------------------------------------------- the store


def _engine(name: str, version: str, cpu: dict[str, float | None], mem_kb: float = 10_000.0
            ) -> cal.EngineCalibration:
    rows = tuple(
        cal.CalibrationRow(program=p, engine=name, engine_version=version, runs=3,
                           failures=0 if c is not None else 3, failure=None if c is not None else "Wrong Answer",
                           cpu_median_s=c, cpu_cv=0.01 if c is not None else None, wall_median_s=c,
                           memory_median_kb=mem_kb if c is not None else None, program_sha256=f"sha-{p}")
        for p, c in cpu.items()
    )
    return cal.EngineCalibration(name, version, rows)


CPU = {"startup": 0.008, "int-arith": 0.035, "sort-ints": 0.4, "lcs-dp": 0.8}


def _session(engines: list[cal.EngineCalibration], minutes: int) -> cal.CalibrationSession:
    return cal.build_session(engines, set_version="v1", programs=None, repeat=3,
                             created_at=datetime(2026, 1, 1) + timedelta(minutes=minutes))


def test_a_stored_session_reads_back_with_the_same_factors():
    local = _engine("local", "local-A", CPU)
    judge0 = _engine("judge0", "judge0-X", {**{k: 2 * v for k, v in CPU.items()}, "lcs-dp": None}, mem_kb=5_000.0)
    session = _session([local, judge0], 0)
    (pair,) = session.pairs
    assert pair.time.factor == pytest.approx(2.0)
    assert pair.time.skipped == {"startup": "below resolution", "lcs-dp": "failed"}
    assert pair.memory.factor == pytest.approx(0.5)
    with Store.open(None) as store:
        cal.save_session(store, session)
        (back,) = cal.latest_sessions(store)
    assert back.session_id == session.session_id and back.created_at == session.created_at
    assert [e.engine_version for e in back.engines] == ["local-A", "judge0-X"]
    assert back.engines[1].row("lcs-dp").failure == "Wrong Answer"
    (stored_pair,) = back.pairs
    for quantity in ("time", "memory"):
        a, b = getattr(pair, quantity), getattr(stored_pair, quantity)
        assert (b.n, b.factor, b.lo, b.hi, b.gsd, b.offset, b.slope, b.skipped) == \
               (a.n, a.factor, a.lo, a.hi, a.gsd, a.offset, a.slope, a.skipped)
        assert b.ratios == pytest.approx(a.ratios)
    assert cal.session_tables(back) == cal.session_tables(session)


def test_latest_keeps_the_newest_session_per_engine_pair_and_engines_calibrated_alone():
    local, local2 = _engine("local", "local-A", CPU), _engine("local", "local-B", CPU)
    judge0 = _engine("judge0", "judge0-X", {k: 3 * v for k, v in CPU.items()})
    old_pair, new_pair = _session([local, judge0], 0), _session([local, judge0], 10)
    alone_covered = _session([local], 20)  # local-A is already shown by the newest pair
    alone_other = _session([local2], 5)  # local-B only ever ran alone
    with Store.open(None) as store:
        for s in (old_pair, new_pair, alone_covered, alone_other):
            cal.save_session(store, s)
        latest = cal.latest_sessions(store)
        cal.save_session(store, new_pair)  # saving again replaces, never duplicates
        assert [s.session_id for s in cal.latest_sessions(store)] == [s.session_id for s in latest]
    assert [s.session_id for s in latest] == [new_pair.session_id, alone_other.session_id]
    assert latest[0].pairs[0].time.factor == pytest.approx(3.0)
    assert latest[1].pairs == ()
