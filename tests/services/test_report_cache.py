"""`ecco report` reads a run's line from SQL and the verdict cache when the cache holds this report's verdicts.

The line must be the judged one to the last bit (`report.cached_line` vs `report.judged_report_run`), and the
cache must be left alone whenever it could differ: stale verdicts, several engines, another engine asked for,
instruction counts, public tests, another threshold.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from ecco_tui.ingest.outputs import import_outputs
from ecco_tui.ingest.release import import_release
from ecco_tui.ingest.results import import_results
from ecco_tui.ingest.synth import add_synthetic_runs, write_synthetic_release
from ecco_tui.model import code_sha256
from ecco_tui.services import report
from ecco_tui.services.report import build_report, cached_line, judged_report_run
from ecco_tui.services.verdicts import refresh_verdicts
from ecco_tui.store.store import Store
from tests.factories import EDIT_ROWS, FAST_SUM, SLOW_SUM, edit_output_record, write_records

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ecco_artifacts"
EDIT = "EXEC-SFT-edit_deepseek_instruct_nrowsNone_tokens1024_temp0.4_fewshotex0_samples1_2024-11-12_16_04_34.jsonl"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic release with a run per split: outputs of every kind, two repeats a test."""
    root = tmp_path_factory.mktemp("cached-report")
    write_synthetic_release(root / "release", pairs=90, problems=9, tests=6, public_tests=1, seed=2)
    path = root / "store.duckdb"
    with Store.open(path) as store:
        import_release(store, [root / "release"])
        add_synthetic_runs(store, repeats=2, seed=4)
    return path


@pytest.fixture
def judged(synthetic: Path, tmp_path: Path) -> Store:
    path = tmp_path / "store.duckdb"
    path.write_bytes(synthetic.read_bytes())
    store = Store.open(path)
    refresh_verdicts(store, force=True)
    return store


def _same_lines(store: Store, **options: object) -> None:
    """Both modes: the cached line is the judged one, field for field, float for float."""
    for mode in ("default", "ecco"):
        for run in store.runs():
            cached = cached_line(store, run, mode=mode, **options)  # type: ignore[arg-type]
            assert cached is not None, (run.run_id, mode)
            assert cached == judged_report_run(store, run, mode=mode, **options)[0]  # type: ignore[arg-type]


def test_a_fresh_cache_gives_the_judged_line_exactly(judged: Store) -> None:
    _same_lines(judged)
    _same_lines(judged, engine="local")
    lines = build_report(judged)
    assert {line.engine for line in lines} == {"local"} and sum(line.n for line in lines) == 90
    outcomes = {k for line in lines for k, v in line.outcomes.items() if v}
    assert {"correct-optimization", "broken", "within-noise", "not-run"} <= outcomes


def test_build_report_reads_the_cache_and_judges_nothing(judged: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = build_report(judged)

    def no_judging(*args: object, **kwargs: object) -> object:
        raise AssertionError("judged although the cache is fresh")

    monkeypatch.setattr(report, "judged_report_run", no_judging)
    assert build_report(judged) == expected


def test_a_refresh_stores_each_runs_lines_and_the_report_reads_them(
    judged: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lines a refresh stores are the computed ones, field for field; `ecco report` then reads them."""
    for run in judged.runs():
        for mode in report.LINE_MODES:
            stored = judged.stored_report_line(run.run_id, mode, report.LINE_VERSION,
                                               judged.verdict_stamp(run.run_id))
            assert stored is not None and report.line_from_json(stored) == cached_line(judged, run, mode=mode)
    expected = {mode: build_report(judged, mode=mode) for mode in report.LINE_MODES}

    def no_computing(*args: object, **kwargs: object) -> object:
        raise AssertionError("computed although a stored line is fresh")

    monkeypatch.setattr(report, "cached_line", no_computing)
    monkeypatch.setattr(report, "judged_report_run", no_computing)
    assert {mode: build_report(judged, mode=mode) for mode in report.LINE_MODES} == expected


def test_a_stored_line_of_another_version_or_stamp_is_not_read(judged: Store) -> None:
    run = judged.runs()[0]
    stamp = judged.verdict_stamp(run.run_id)
    assert judged.stored_report_line(run.run_id, "default", "0.0.0/0", stamp) is None
    with judged.transaction() as tx:  # one more execution of one of the run's programs: the stamp moves
        tx.execute("INSERT INTO executions SELECT * REPLACE ('extra-' || execution_id AS execution_id, "
                   "99 AS test_idx) FROM executions WHERE starts_with(execution_id, ?) LIMIT 1",
                   [f"{run.run_id}:input:"])
    assert judged.stored_report_line(run.run_id, "default", report.LINE_VERSION,
                                     judged.verdict_stamp(run.run_id)) is None


def test_a_stale_cache_is_not_read(judged: Store) -> None:
    run = judged.runs()[0]
    with judged.transaction() as tx:  # one more execution of one of the run's programs
        tx.execute("INSERT INTO executions SELECT * REPLACE ('extra-' || execution_id AS execution_id, "
                   "99 AS test_idx) FROM executions WHERE starts_with(execution_id, ?) LIMIT 1",
                   [f"{run.run_id}:input:"])
    assert cached_line(judged, run) is None
    assert build_report(judged, [run.run_id]) == [judged_report_run(judged, run)[0]]


def test_other_rules_than_the_caches_are_judged(judged: Store) -> None:
    run = judged.runs()[0]
    assert cached_line(judged, run, engine="judge0") is None
    assert cached_line(judged, run, visibility="public") is None
    assert cached_line(judged, run, visibility=None) is None
    assert report.report_run(judged, run, faster_threshold=1.2) == judged_report_run(
        judged, run, faster_threshold=1.2)[0]


def test_a_second_engine_or_instruction_counts_leave_the_cache_alone(judged: Store) -> None:
    first, second, *_ = judged.runs()
    with judged.transaction() as tx:
        tx.execute("UPDATE executions SET instructions = 1000 WHERE execution_id = ?", [f"{first.run_id}:input:0:0"])
        tx.execute("UPDATE executions SET engine = 'judge0' WHERE execution_id = ?", [f"{second.run_id}:input:0:0"])
    refresh_verdicts(judged, force=True)
    assert cached_line(judged, first) is None and cached_line(judged, second) is None
    assert build_report(judged, [first.run_id]) == [judged_report_run(judged, first)[0]]


def test_outputs_whose_program_is_not_stored_are_judged(judged: Store) -> None:
    run = judged.runs()[0]
    with judged.transaction() as tx:
        tx.execute("UPDATE model_outputs SET program_id = NULL WHERE output_id = "
                   "(SELECT min(output_id) FROM model_outputs WHERE run_id = ? AND code IS NOT NULL)", [run.run_id])
    refresh_verdicts(judged, force=True)
    assert cached_line(judged, run) is None


def test_an_imported_result_file_gives_the_judged_line(store: Store) -> None:
    """Row-bound executions (an ECCO result file) and a row ECCO skipped, as the judging module reads them."""
    import_outputs(store, FIXTURES / EDIT)
    import_results(store, FIXTURES / f"generated_codes_{EDIT}")
    refresh_verdicts(store, force=True)
    _same_lines(store)
    (line,) = build_report(store)
    assert line.n == 12 and line.engine == "judge0-imported"


def test_rounds_read_final_rounds(store: Store, tiny_release: Path, tmp_path: Path) -> None:
    """A two-round run: the line covers each row's final round; some tests fail, one engine measured all."""
    import_release(store, [tiny_release])
    rows = [edit_output_record(r, c, rounds=2) for r, c in zip(EDIT_ROWS["test"], [FAST_SUM, SLOW_SUM],
                                                               strict=True)]
    import_outputs(store, write_records(tmp_path / "edit_m_self-refine_nrowsNone_samples1.jsonl", rows),
                   run_id="m")
    outputs = store.run_outputs("m")
    pairs = store.get_pairs(sorted({o.pair_id for o in outputs if o.pair_id}))
    shas = sorted({p.slow.code_sha256 for p in pairs.values()} | {code_sha256(o.code) for o in outputs if o.code})
    problems = sorted({o.problem_id for o in outputs})
    executions = [
        {"execution_id": f"e{n}-{problem}-{t}", "code_sha256": sha, "problem_id": problem, "visibility": "private",
         "test_idx": t, "engine": "local", "engine_version": "local-1+cgroup-v1",
         "status_id": 4 if (n + t) % 5 == 0 else 3, "status_description": "x",
         "cpu_time_s": 0.01 * (n + 1) * (t + 1), "memory_kb": 1000.0 + n}
        for n, sha in enumerate(shas) for problem in problems for t in range(3)]
    with store.transaction() as tx:
        tx.upsert("executions", pa.Table.from_pylist(executions))
    refresh_verdicts(store, force=True)
    assert len(outputs) == 4
    _same_lines(store)


def test_the_scatter_reads_its_points_from_sql_and_the_cache(judged: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fresh verdicts and stored programs: the points come from SQL (no output's code is read), and they are the
    points the scatter judges itself (`engine=` bypasses the cache)."""
    from ecco_tui.services import scatter

    for run in judged.runs():
        judged_points = scatter.run_scatter(judged, run.run_id, engine="local")
        with monkeypatch.context() as patch:
            patch.setattr(Store, "run_outputs", lambda *a, **k: pytest.fail("read the outputs' code"))
            cached = scatter.run_scatter(judged, run.run_id)
        assert cached == judged_points
        assert any(p.identical_to_input for p in cached.points) or run.n_outputs < 10
