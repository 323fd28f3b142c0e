"""Paired, interleaved evaluation (`ecco eval --paired`) and the speedup interval computed from the pairs."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from ecco_tui.engines.local import LocalEngine
from ecco_tui.ingest.outputs import import_outputs
from ecco_tui.ingest.release import import_release
from ecco_tui.metrics.paired import paired_ratio_ci, t_quantile
from ecco_tui.model import PAIR_CONTEXT, Execution, StoredTest, code_sha256
from ecco_tui.services import paired
from ecco_tui.services.judging import Measurements, editing_verdicts
from ecco_tui.services.judging.verdict import paired_intervals
from ecco_tui.store.store import Store
from tests.factories import EDIT_ROWS, FAST_SUM, edit_output_record, write_records
from tests.services.test_judging import LIMITS, engine

__all__ = ["engine"]  # the fixture: a local engine with the limits below, shared with test_judging

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="the local engine needs bubblewrap")


# -- the interval ----------------------------------------------------------------------------------------


def test_t_quantiles_match_the_table_and_the_normal_limit() -> None:
    assert t_quantile(1) == 12.706 and t_quantile(19) == 2.093
    assert t_quantile(60) == pytest.approx(2.000, abs=1e-3)
    assert t_quantile(10_000) == pytest.approx(1.960, abs=1e-3)


def test_equal_tests_give_the_paired_t_interval_of_the_log_ratios() -> None:
    """Worked example: 4 tests of equal cost, one pair each, log-ratios 0.02, -0.01, 0.03, 0.00."""
    logs = [0.02, -0.01, 0.03, 0.0]
    pairs = {f"t{i}": [(0.010 * math.exp(r), 0.010)] for i, r in enumerate(logs)}
    point, lo, hi = paired_ratio_ci(pairs)  # type: ignore[misc]
    mean = sum(logs) / 4
    sd = math.sqrt(sum((x - mean) ** 2 for x in logs) / 3)
    half = 3.182 * sd * math.sqrt(4 * (1 / 4) ** 2)  # weights 1/4 each: se = sd / sqrt(4)
    assert point == pytest.approx(sum(0.010 * math.exp(r) for r in logs) / 0.040)
    assert (lo, hi) == pytest.approx((point * math.exp(-half), point * math.exp(half)))


def test_repeated_pairs_estimate_the_noise_within_tests() -> None:
    """Two pairs on each test: the noise is the spread within tests, not the (real) difference between tests."""
    pairs = {"a": [(0.020, 0.010), (0.0203, 0.0101)], "b": [(0.030, 0.010), (0.0301, 0.0101)]}
    point, lo, hi = paired_ratio_ci(pairs)  # type: ignore[misc]
    assert point == pytest.approx((0.02015 + 0.03005) / (0.01005 * 2))
    # 2x and 3x per test: that difference is no noise, the ~0.5% within a test is
    assert 1.0 < point * 0.97 < lo < point < hi < point * 1.03


def test_one_heavy_test_decides_and_the_interval_says_so() -> None:
    light = {f"t{i}": [(0.010 * (1.05 if i % 2 else 0.95), 0.010)] for i in range(19)}
    heavy = {"heavy": [(3.0, 2.9)]}
    point, lo, hi = paired_ratio_ci({**light, **heavy})  # type: ignore[misc]
    assert point == pytest.approx(3.19 / 3.09, rel=0.01)
    even = paired_ratio_ci({**light, "heavy": [(0.010, 0.010)]})
    assert even is not None
    # the heavy test carries ~94% of the sum: the interval is about one test's noise wide, not 20 tests'
    assert math.log(hi / lo) > 3 * math.log(even[2] / even[1])


def test_fewer_than_two_tests_give_no_interval() -> None:
    assert paired_ratio_ci({"a": [(0.02, 0.01)]}) is None
    assert paired_ratio_ci({"a": [(0.02, 0.01)], "b": [(0.0, 0.01)]}) is None


def test_pairs_on_one_test_alone_get_the_noise_floor_interval() -> None:
    """One pair tells nothing of the noise: the verdict gets the unpaired interval of the same runs (3% floor),
    never no interval, which would let the point ratio decide."""
    from ecco_tui.model import Measured
    from ecco_tui.services.judging.verdict import paired_intervals

    def run(sha: str, cpu: float) -> Measured:
        return Measured(sha, "p1", "private", 0, 0, "local 1", 3, "Accepted", cpu, 9000.0, None, "pair#x")

    speed, memory = paired_intervals([(run("in", 0.020), run("out", 0.010))])
    assert speed is not None and memory is not None
    point, lo, hi = speed
    assert point == pytest.approx(2.0) and 1.8 < lo < 2.0 < hi < 2.2
    assert memory[0] == pytest.approx(1.0) and memory[1] < 1.0 < memory[2]


# -- paired executions, stored and judged ---------------------------------------------------------------


def _execution(sha: str, test: int, cpu: float, context: str, status: int = 3) -> Execution:
    return Execution(f"{sha}-{test}-{context}", sha, "p1", "private", test, "local", "local-1", status,
                     "Accepted" if status == 3 else "Wrong Answer", cpu, cpu, 3000.0, context=context)


def test_failed_runs_are_left_out_of_the_paired_interval() -> None:
    pairs = [(_execution("a", t, 0.02, f"{PAIR_CONTEXT}{t}"), _execution("b", t, 0.01, f"{PAIR_CONTEXT}{t}"))
             for t in range(3)]
    pairs.append((_execution("a", 3, 0.02, f"{PAIR_CONTEXT}3"), _execution("b", 3, 0.001, f"{PAIR_CONTEXT}3", 5)))
    speed, memory = paired_intervals(pairs)
    assert speed is not None and speed[0] == pytest.approx(2.0)  # the crashed test's 1 ms is no cost
    assert memory is not None and memory[0] == pytest.approx(1.0)


@pytest.fixture
def edit_run(store: Store, tiny_release: Path, tmp_path: Path) -> Store:
    """A run whose first output is the fast sum against its slow input, whose second is its own input."""
    import_release(store, [tiny_release])
    first, second = EDIT_ROWS["test"][:2]
    rows = [edit_output_record(first, FAST_SUM), edit_output_record(second, second["input"])]
    import_outputs(store, write_records(tmp_path / "edit_instruct_nrowsNone_samples1.jsonl", rows), run_id="run")
    return store


@needs_bwrap
async def test_each_test_runs_input_and_output_back_to_back_sharing_one_pair(
    edit_run: Store, engine: LocalEngine
) -> None:
    info = await engine.info()
    plan = paired.plan_pairs(edit_run, "run", info, LIMITS, repeat=2)
    assert plan.identical == 1 and len(plan.jobs) == 1
    job = plan.jobs[0]
    stats = await paired.execute_pairs(edit_run, engine, plan, LIMITS)
    assert stats.executed == 2 * plan.to_run == 2 * 2 * len(job.tests) and not stats.errors
    runs = [e for sha in (code_sha256(job.input_code), code_sha256(job.output_code))
            for e in edit_run.executions_for(sha, job.problem_id, engine="local")]
    by_pair: dict[str | None, list[Execution]] = {}
    for e in runs:
        by_pair.setdefault(e.context, []).append(e)
    assert len(by_pair) == 2 * len(job.tests)
    for pair in by_pair.values():
        assert pair[0].context is not None and pair[0].context.startswith(PAIR_CONTEXT)
        assert {e.code_sha256 for e in pair} == {code_sha256(job.input_code), code_sha256(job.output_code)}
        assert pair[0].test_idx == pair[1].test_idx and pair[0].repeat_idx == pair[1].repeat_idx


@needs_bwrap
async def test_stored_pairs_count_and_a_larger_repeat_adds_only_the_missing_ones(
    edit_run: Store, engine: LocalEngine
) -> None:
    info = await engine.info()
    await paired.execute_pairs(edit_run, engine, paired.plan_pairs(edit_run, "run", info, LIMITS), LIMITS)
    again = paired.plan_pairs(edit_run, "run", info, LIMITS)
    assert again.to_run == 0 and not again.jobs
    more = paired.plan_pairs(edit_run, "run", info, LIMITS, repeat=2)
    assert more.to_run == len(more.jobs[0].tests) and all(r == range(1, 2) for r in more.jobs[0].missing)


@needs_bwrap
async def test_a_paired_output_is_judged_on_its_pairs(edit_run: Store, engine: LocalEngine) -> None:
    info = await engine.info()
    await paired.execute_pairs(edit_run, engine, paired.plan_pairs(edit_run, "run", info, LIMITS), LIMITS)
    verdicts = {v.row_idx: v for v in editing_verdicts(Measurements(edit_run, "run", engine="local"))}
    fast = verdicts[0]
    assert fast.passed and fast.n_tests > 0
    assert fast.speedup is not None and fast.speedup_lo is not None and fast.speedup_hi is not None
    assert fast.speedup_lo <= fast.speedup <= fast.speedup_hi
    assert verdicts[1].outcome == "not-run"  # identical to its input: not paired, the unpaired eval measures it


def _three_pairs_per_test_and_a_loaded_unpaired_input(store: Store) -> list[StoredTest]:
    """Row 0's input and output (the fast sum): three pairs on each private test (input 30-34 ms, output
    10-12 ms; medians 32 and 11 ms), and an unpaired run of the input under load (1 s) that is not the pairs'."""
    slow, fast = code_sha256(EDIT_ROWS["test"][0]["input"]), code_sha256(FAST_SUM)
    tests = store.tests_for("p90001", "private")
    stored = []
    for t in tests:
        stored.append(Execution(f"old-{t.idx}", slow, "p90001", "private", t.idx, "local", "local-1", 3, "Accepted",
                                1.0, 1.0, 3000.0))
        for k, (a, b) in enumerate(((0.030, 0.010), (0.034, 0.012), (0.032, 0.011))):
            context = f"{PAIR_CONTEXT}{t.idx}-{k}"
            stored += [Execution(f"a-{t.idx}-{k}", slow, "p90001", "private", t.idx, "local", "local-1", 3,
                                 "Accepted", a, a, 3000.0, repeat_idx=k, context=context),
                       Execution(f"b-{t.idx}-{k}", fast, "p90001", "private", t.idx, "local", "local-1", 3,
                                 "Accepted", b, b, 3000.0, repeat_idx=k, context=context)]
    store.add_executions(stored)
    return tests


def test_explain_shows_the_numbers_the_verdict_is_computed_from(edit_run: Store) -> None:
    """One set of numbers: --explain of a paired output lists, per test, the medians of its pairs (not an
    unpaired run of the input, nor the newest sample) and its sums give the verdict's speedup."""
    from ecco_tui.services.report import explain_row

    tests = _three_pairs_per_test_and_a_loaded_unpaired_input(edit_run)
    explained = explain_row(edit_run, "run", 0)
    assert [(t.input_time_s, t.output_time_s) for t in explained.tests] == [(0.032, 0.011)] * len(tests)
    verdict = next(v for v in editing_verdicts(Measurements(edit_run, "run", engine="local")) if v.row_idx == 0)
    assert explained.speedup == pytest.approx(verdict.speedup) == pytest.approx(0.032 / 0.011)
    assert explained.interval == (verdict.speedup_lo, verdict.speedup_hi)
    assert verdict.basis == f"paired {len(tests)} tests × 3 pairs · 95% log-ratios"


def test_the_compare_views_rows_show_the_runs_the_verdict_is_computed_from(edit_run: Store) -> None:
    """On paired tests the per-test rows show the pairs' medians (not an unpaired run of the input)."""
    from ecco_tui.services.catalog import Catalog

    _three_pairs_per_test_and_a_loaded_unpaired_input(edit_run)
    view = Catalog(edit_run).output_view("run:0:0:0")
    assert view is not None
    private = [row for row in view.tests if row.test.visibility == "private"]
    assert private and all(row.left.measure is not None and row.left.measure.cpu_time_s == 0.032 for row in private)
    assert all(row.right.measure is not None and row.right.measure.cpu_time_s == 0.011 for row in private)
    assert view.metrics.speedup == pytest.approx(0.032 / 0.011)


def test_the_report_says_the_same_numbers_judged_or_from_the_cache(edit_run: Store) -> None:
    """One set of numbers: with pairs and an unpaired (loaded) run of the input both stored, the line judged
    from the executions gives the verdicts' paired speedup, as the line read from the cached verdicts does
    (it used to take the unpaired input run: 91x instead of 2.9x)."""
    from ecco_tui.services.report import cached_line, judged_report_run
    from ecco_tui.services.verdicts import refresh_verdicts

    _three_pairs_per_test_and_a_loaded_unpaired_input(edit_run)
    run = edit_run.get_run("run")
    assert run is not None
    judged, _ = judged_report_run(edit_run, run)
    refresh_verdicts(edit_run, ["run"], force=True)
    cached = cached_line(edit_run, run)
    assert cached is not None
    assert judged.mean_speedup == pytest.approx(0.032 / 0.011)
    assert judged == cached
