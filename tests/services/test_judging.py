"""`services.judging` is the one place outputs are judged, and `ecco eval` judges each output once.

`ecco eval` ends by printing the report of the runs it evaluated and refreshing their cached verdicts (what the
browser filters on). Both need every output's verdict; `verdicts.report_and_refresh` computes them once and
gives the report and the cache the same ones.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from ecco_tui.engines.base import Limits, code_sha256
from ecco_tui.engines.local import LocalEngine
from ecco_tui.ingest.outputs import import_outputs
from ecco_tui.ingest.release import import_release
from ecco_tui.model import Execution, ModelOutput, StoredVerdict
from ecco_tui.services import evaluation
from ecco_tui.services.judging import (
    EnginePolicy,
    Measurements,
    counting_verdicts,
    problem_outcomes,
    run_outcomes,
)
from ecco_tui.services.report import build_report
from ecco_tui.services.verdicts import refresh_verdicts, report_and_refresh, stale_runs
from ecco_tui.store.store import Store, StoreError
from tests.factories import EDIT_ROWS, FAST_SUM, SLOW_SUM, edit_output_record, write_records
from tests.tui.workbench import build_workbench_store

LIMITS = Limits(cpu_time_s=2, wall_time_s=5, memory_kb=256_000)
WRONG_MAX = "print(min(map(int, input().split())))\n"
RUNS = ("alpha-instruct", "beta-self-refine", "gamma-instruct")


def _cache(store: Store, run_id: str) -> list[StoredVerdict]:
    return sorted(store.verdicts(run_id=run_id), key=lambda v: v.output_id)


# -- one `ecco eval`, end to end on the local engine ---------------------------------------------------


@pytest.fixture
async def engine() -> AsyncIterator[LocalEngine]:
    eng = LocalEngine(limits=LIMITS)
    yield eng
    await eng.aclose()


@pytest.fixture
async def evaluated(store: Store, tiny_release: Path, tmp_path: Path, engine: LocalEngine) -> Store:
    """What `ecco eval --all-rounds` has executed when it reports: a two-round run (the first round's outputs
    are judged for the cache only: the report reads final rounds) with a correct and a broken output."""
    import_release(store, [tiny_release])
    rows = [edit_output_record(r, c, rounds=2) for r, c in zip(EDIT_ROWS["test"], [FAST_SUM, WRONG_MAX],
                                                               strict=True)]
    import_outputs(store, write_records(tmp_path / "edit_refine_self-refine_nrowsNone_samples1.jsonl", rows),
                   run_id="refine")
    info = await engine.info()
    programs = evaluation.run_programs(store, "refine", final_round_only=False)
    plan = evaluation.plan_evaluation(store, programs, info, LIMITS, run_id="refine", visibility="private")
    await evaluation.execute_plan(store, engine, plan, LIMITS)
    return store


def test_one_eval_judges_each_output_once(evaluated: Store) -> None:
    outputs = {o.output_id for o in evaluated.outputs(run_id="refine", limit=100)}
    assert len(outputs) == 4  # 2 rows × 2 rounds
    with counting_verdicts() as judged:
        (line,) = report_and_refresh(evaluated, ["refine"], engine="local", visibility="private")
    assert set(judged) == outputs
    assert set(judged.values()) == {1}
    # The same line and the same cached verdicts as the report and a forced refresh, computed apart.
    cached = _cache(evaluated, "refine")
    assert len(cached) == 4 and stale_runs(evaluated, ["refine"]) == []
    assert [line] == build_report(evaluated, ["refine"], engine="local", visibility="private")
    refresh_verdicts(evaluated, ["refine"], force=True)
    assert _cache(evaluated, "refine") == cached
    # One output passes (how fast is noise here: tiny tests), one fails.
    passing = ("correct-optimization", "within-noise", "correct-no-gain")
    assert sum(line.outcomes[o] for o in passing) == 1
    assert line.outcomes["broken"] + line.outcomes["spurious-optimization"] == 1


def test_the_report_then_a_refresh_judge_the_final_round_twice(evaluated: Store) -> None:
    """What `ecco eval` did before `report_and_refresh`, and why it judged outputs twice: the report and the
    cache refresh each judged the run's outputs."""
    final = {o.output_id for o in evaluated.outputs(run_id="refine", final_round_only=True, limit=100)}
    with counting_verdicts() as judged:
        build_report(evaluated, ["refine"], engine="local", visibility="private")
        refresh_verdicts(evaluated, ["refine"], force=True)
    assert {judged[o] for o in final} == {2}


# -- the same rules whatever the scope -----------------------------------------------------------------


@pytest.fixture(scope="module")
def workbench(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("judging")
    return build_workbench_store(work / "store.duckdb", work)


@pytest.fixture
def bench(workbench: Path, tmp_path: Path) -> Iterator[Store]:
    """A writable copy of the workbench store (tests/tui/workbench.py: every outcome, a two-round run)."""
    copy = tmp_path / "store.duckdb"
    shutil.copy(workbench, copy)
    with Store.open(copy) as s:
        yield s


def _judge0_once(store: Store) -> None:
    """A second engine measured one program once: the report must be told which engine to use."""
    store.add_executions([Execution(
        execution_id="judge0-once", code_sha256=code_sha256(SLOW_SUM), problem_id="p90001",
        visibility="private", test_idx=0, engine="judge0", engine_version="1.13.1", status_id=3,
        status_description="Accepted", cpu_time_s=0.5, wall_time_s=0.5, memory_kb=1.0,
    )])


def test_report_and_refresh_equals_the_report_and_a_forced_refresh(bench: Store) -> None:
    with counting_verdicts() as judged:
        lines = report_and_refresh(bench, list(RUNS), engine="local")
    assert set(judged.values()) == {1}
    assert len(judged) == sum(len(bench.outputs(run_id=r, limit=100)) for r in RUNS)
    cached = {r: _cache(bench, r) for r in RUNS}
    assert lines == build_report(bench, list(RUNS), engine="local")
    refresh_verdicts(bench, force=True)
    assert {r: _cache(bench, r) for r in RUNS} == cached
    assert cached["gamma-instruct"] == []  # never executed: no verdict


def test_a_run_judged_whole_equals_it_judged_problem_by_problem(bench: Store) -> None:
    for run_id in RUNS:
        run = bench.get_run(run_id)
        assert run is not None
        outputs = bench.outputs(run_id=run_id, limit=100)
        by_problem: dict[str, list[ModelOutput]] = {}
        for o in outputs:
            by_problem.setdefault(o.problem_id, []).append(o)
        pairs = dict(bench.get_pairs(sorted({o.pair_id for o in outputs if o.pair_id})))
        expected = {}
        for outs in by_problem.values():
            expected.update(problem_outcomes(bench, run, run_id, outs, pairs))
        assert run_outcomes(bench, run) == expected


def test_with_several_engines_each_problem_is_judged_with_its_busiest(bench: Store) -> None:
    _judge0_once(bench)
    run = bench.get_run("alpha-instruct")
    assert run is not None
    with counting_verdicts() as judged:
        report_and_refresh(bench, ["alpha-instruct"], engine="local")
    # The report judged with --engine local and the cache each problem with its busiest engine: not the same
    # rules, so the cache judged again, and stored what a refresh stores.
    assert set(judged.values()) == {2}
    cached = _cache(bench, "alpha-instruct")
    refresh_verdicts(bench, ["alpha-instruct"], force=True)
    assert _cache(bench, "alpha-instruct") == cached


def test_the_report_refuses_several_engines_the_browser_takes_the_busiest(bench: Store) -> None:
    _judge0_once(bench)
    run = bench.get_run("alpha-instruct")
    assert run is not None
    with pytest.raises(StoreError, match=r"several engines \(local \(\d+\), judge0 \(1\)\): pick one"):
        Measurements(bench, run)
    busiest = Measurements(bench, run, policy=EnginePolicy.BUSIEST)
    assert (busiest.engine, busiest.other_engines, busiest.engine_label) == (
        "local", ("judge0",), "local (also judge0)")
    picked = Measurements(bench, run, engine="judge0")
    assert (picked.engine, picked.other_engines, picked.engine_label) == ("judge0", (), "judge0")


def test_a_scoring_view_reads_one_visibility_of_what_was_loaded(bench: Store) -> None:
    run = bench.get_run("alpha-instruct")
    assert run is not None
    every = Measurements(bench, run, visibility=None)
    (out,) = every.rows[0]
    all_tests = every.executions(out.code, out.problem_id, 0, "output")
    private = every.scoring("private").executions(out.code, out.problem_id, 0, "output")
    assert {e.visibility for e in all_tests} == {"public", "private"}
    assert private == [e for e in all_tests if e.visibility == "private"]
    assert private == Measurements(bench, run).executions(out.code, out.problem_id, 0, "output")


def test_counting_stops_at_the_end_of_the_block(bench: Store) -> None:
    run = bench.get_run("alpha-instruct")
    assert run is not None
    with counting_verdicts() as judged:
        pass
    run_outcomes(bench, run)
    assert not judged
