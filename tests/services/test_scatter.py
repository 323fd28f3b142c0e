"""The scatter's points are `ecco report`'s verdicts: same outcome, speedup, interval and memory reduction."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ecco_tui.model import Execution
from ecco_tui.services.report import RunMeasurements, editing_verdicts, report_run
from ecco_tui.services.scatter import run_scatter
from ecco_tui.store.store import Store
from tests.factories import SLOW_SUM
from tests.tui.workbench import build_workbench_store


@pytest.fixture(scope="module")
def workbench(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("scatter")
    return build_workbench_store(work / "store.duckdb", work)


@pytest.fixture
def store(workbench: Path) -> Iterator[Store]:
    with Store.open(workbench, read_only=True) as s:
        yield s


@pytest.mark.parametrize("run_id", ["alpha-instruct", "beta-self-refine", "gamma-instruct"])
def test_points_equal_the_reports_verdicts(store: Store, run_id: str) -> None:
    run = store.get_run(run_id)
    assert run is not None
    verdicts = editing_verdicts(RunMeasurements(store, run, engine=None, visibility="private"))
    data = run_scatter(store, run_id)
    assert [p.output_id for p in data.points] == [v.output_id for v in verdicts]
    for point, v in zip(data.points, verdicts, strict=True):
        assert (point.outcome, point.speedup, point.lo, point.hi, point.memory_reduction, point.n_passed,
                point.n_tests, point.below_resolution, point.row, point.problem_id) == (
            v.outcome, v.speedup, v.speedup_lo, v.speedup_hi, v.memory_reduction, v.n_passed, v.n_tests,
            v.below_resolution, v.row_idx, v.problem_id)
    # The outcome counts are the report's table of outcomes (minus the zeros).
    report = report_run(store, run)
    assert data.outcome_counts == {k: n for k, n in report.outcomes.items() if n}


def test_alpha_separates_the_correct_from_the_spurious_optimization(store: Store) -> None:
    data = run_scatter(store, "alpha-instruct")
    assert data.run is not None and data.run.engine == "local" and data.notice is None
    fastest, second = data.by_speedup()
    assert (fastest.outcome, fastest.row, fastest.n_passed, fastest.n_tests) == ("spurious-optimization", 1, 0, 2)
    assert (second.outcome, second.row, second.fraction_passed) == ("correct-optimization", 0, 1.0)
    assert fastest.speedup == pytest.approx(8.0) and fastest.lo < 8.0 < fastest.hi  # type: ignore[operator]
    # Memory reduction gets an interval from the same executions, around the report's point value.
    assert fastest.memory_lo < fastest.memory_reduction < fastest.memory_hi  # type: ignore[operator]
    assert len(data.plotted) == 2


def test_a_run_without_executions_says_so(store: Store) -> None:
    data = run_scatter(store, "gamma-instruct")
    assert data.notice is not None and "no executions yet" in data.notice
    assert {p.outcome for p in data.points} == {"not-run"} and not data.plotted


def test_generation_and_unknown_runs_have_no_points(tmp_path: Path) -> None:
    from ecco_tui.services.imports import build_sample_store

    with Store.open(tmp_path / "sample.duckdb") as s:
        build_sample_store(s)
        run = next(r for r in s.runs() if r.task == "generate")
        data = run_scatter(s, run.run_id)
        assert data.run is not None and data.run.task == "generate"
        assert not data.points and data.notice is not None and "no speedup" in data.notice
        missing = run_scatter(s, "no-such-run")
        assert missing.run is None and missing.notice is not None and "no-such-run" in missing.notice


def test_several_engines_use_the_busiest_and_name_the_others(workbench: Path, tmp_path: Path) -> None:
    copy = tmp_path / "store.duckdb"
    shutil.copy(workbench, copy)
    from ecco_tui.engines.base import code_sha256

    with Store.open(copy) as s:
        s.add_executions([Execution(
            execution_id="judge0-once", code_sha256=code_sha256(SLOW_SUM), problem_id="p90001",
            visibility="private", test_idx=0, engine="judge0", engine_version="1.13.1", status_id=3,
            status_description="Accepted", cpu_time_s=0.5, wall_time_s=0.5, memory_kb=1.0,
        )])
        data = run_scatter(s, "alpha-instruct")
        assert data.run is not None and (data.run.engine, data.run.other_engines) == ("local", ("judge0",))
        run = s.get_run("alpha-instruct")
        assert run is not None
        local = editing_verdicts(RunMeasurements(s, run, engine="local", visibility="private"))
        assert [p.speedup for p in data.points] == [v.speedup for v in local]  # as `--engine local`


@pytest.fixture
def refreshed(workbench: Path, tmp_path: Path) -> Iterator[Store]:
    """A copy of the workbench whose verdict cache is fresh (what the browser or `ecco eval` leaves)."""
    from ecco_tui.services.verdicts import refresh_verdicts

    copy = tmp_path / "store.duckdb"
    shutil.copy(workbench, copy)
    with Store.open(copy) as s:
        refresh_verdicts(s)
        yield s


@pytest.mark.parametrize("run_id", ["alpha-instruct", "beta-self-refine", "gamma-instruct"])
def test_points_from_a_fresh_cache_equal_the_reports_verdicts(refreshed: Store, run_id: str) -> None:
    run = refreshed.get_run(run_id)
    assert run is not None
    verdicts = editing_verdicts(RunMeasurements(refreshed, run, engine=None, visibility="private"))
    data = run_scatter(refreshed, run_id)
    assert [p.output_id for p in data.points] == [v.output_id for v in verdicts]
    for point, v in zip(data.points, verdicts, strict=True):
        assert (point.outcome, point.speedup, point.lo, point.hi, point.memory_reduction, point.memory_lo,
                point.memory_hi, point.n_passed, point.n_tests, point.below_resolution,
                point.identical_to_input) == (
            v.outcome, v.speedup, v.speedup_lo, v.speedup_hi, v.memory_reduction, v.memory_lo, v.memory_hi,
            v.n_passed, v.n_tests, v.below_resolution, v.identical_to_input)


def test_a_fresh_cache_is_read_not_recomputed(refreshed: Store) -> None:
    import dataclasses

    cached = refreshed.verdicts(run_id="alpha-instruct")
    stamp = refreshed.stored_verdict_stamp("alpha-instruct")
    assert stamp is not None
    marked = [dataclasses.replace(v, speedup_hi=123.0) for v in cached]
    refreshed.replace_verdicts("alpha-instruct", marked, stamp)
    assert {p.hi for p in run_scatter(refreshed, "alpha-instruct").points} == {123.0}


def test_a_stale_cache_is_not_used(refreshed: Store) -> None:
    import dataclasses

    cached = refreshed.verdicts(run_id="alpha-instruct")
    marked = [dataclasses.replace(v, speedup_hi=123.0) for v in cached]
    refreshed.replace_verdicts("alpha-instruct", marked, dataclasses.replace(
        refreshed.verdict_stamp("alpha-instruct"), n_executions=0))
    assert 123.0 not in {p.hi for p in run_scatter(refreshed, "alpha-instruct").points}
