"""Evaluating a run: every input and output on every test, stored as it arrives, never run twice."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ecco_tui.engines.base import Limits, code_sha256
from ecco_tui.engines.local import LocalEngine
from ecco_tui.ingest.outputs import import_outputs
from ecco_tui.ingest.release import import_release
from ecco_tui.services import evaluation, report
from ecco_tui.store.store import Store
from tests.factories import EDIT_ROWS, FAST_MAX, FAST_SUM, edit_output_record, write_records

LIMITS = Limits(cpu_time_s=2, wall_time_s=5, memory_kb=256_000)
WRONG_MAX = "print(min(map(int, input().split())))\n"


@pytest.fixture
async def engine() -> AsyncIterator[LocalEngine]:
    eng = LocalEngine(limits=LIMITS)
    yield eng
    await eng.aclose()


def _import_run(store: Store, tmp_path: Path, name: str, codes: list[str]) -> str:
    rows = [edit_output_record(r, c) for r, c in zip(EDIT_ROWS["test"], codes, strict=True)]
    path = write_records(tmp_path / f"edit_{name}_instruct_nrowsNone_samples1.jsonl", rows)
    return import_outputs(store, path, run_id=name).run_id


@pytest.fixture
def run_store(store: Store, tiny_release: Path, tmp_path: Path) -> Store:
    import_release(store, [tiny_release])
    _import_run(store, tmp_path, "good", [FAST_SUM, FAST_MAX])
    _import_run(store, tmp_path, "mixed", [FAST_SUM, WRONG_MAX])
    return store


async def _evaluate(store: Store, engine: LocalEngine, run_id: str, **kw: object) -> evaluation.EvalStats:
    info = await engine.info()
    programs = evaluation.run_programs(store, run_id)
    plan = evaluation.plan_evaluation(store, programs, info, LIMITS, run_id=run_id, **kw)  # type: ignore[arg-type]
    run_kw = {k: v for k, v in kw.items() if k in ("repeat", "force")}
    return await evaluation.execute_plan(store, engine, plan, LIMITS, **run_kw)  # type: ignore[arg-type]


def _executions(store: Store) -> int:
    return store.counts().tables["executions"]


async def test_every_input_and_output_runs_on_every_private_test(run_store: Store, engine: LocalEngine) -> None:
    stats = await _evaluate(run_store, engine, "good")
    # p90001: 3 private tests × (slow input + output); p90002: 2 × (input + output)
    assert stats.executed == 3 * 2 + 2 * 2
    assert _executions(run_store) == 10


async def test_a_second_evaluation_runs_nothing(run_store: Store, engine: LocalEngine) -> None:
    await _evaluate(run_store, engine, "good")
    again = await _evaluate(run_store, engine, "good")
    assert (again.executed, again.cached) == (0, 10)
    assert _executions(run_store) == 10


async def test_inputs_shared_by_two_runs_execute_once_per_test(run_store: Store, engine: LocalEngine) -> None:
    await _evaluate(run_store, engine, "good")
    stats = await _evaluate(run_store, engine, "mixed")
    # Only the new wrong program is executed: both inputs and FAST_SUM are already measured.
    assert stats.executed == 2
    slow = run_store.get_pair("test:0")
    assert slow is not None
    assert len(run_store.executions_for(slow.slow.code_sha256, "p90001")) == 3


async def test_force_reruns_and_the_newest_result_wins(run_store: Store, engine: LocalEngine) -> None:
    await _evaluate(run_store, engine, "good")
    stats = await _evaluate(run_store, engine, "good", force=True)
    assert stats.executed == 10
    latest = run_store.latest_executions([code_sha256(FAST_SUM)], engine="local")
    assert len(latest) == 3


async def test_a_rerun_adds_samples_and_keeps_the_earlier_ones(run_store: Store, engine: LocalEngine) -> None:
    """What the compare view's `r` does (`rerun_programs`): new samples after the stored ones, all of them read."""
    from ecco_tui.services.rerun import rerun_programs

    await _evaluate(run_store, engine, "good")
    before = run_store.latest_executions([code_sha256(FAST_SUM)], engine="local")
    summary = await rerun_programs(run_store, engine, "p90001", [FAST_SUM], LIMITS)
    assert summary.executed == 4  # its 4 tests (public and private), once more
    latest = run_store.latest_executions([code_sha256(FAST_SUM)], engine="local")
    assert {e.execution_id for e in before} < {e.execution_id for e in latest}
    private = [e for e in latest if e.visibility == "private"]
    assert sorted(Counter(e.repeat_idx for e in private).items()) == [(0, 3), (1, 3)]


async def test_a_rerun_of_two_programs_adds_one_pair_per_test(run_store: Store, engine: LocalEngine) -> None:
    """The compare view's `r` on an output and its input: one more pair per test, back to back, judged as pairs."""
    from ecco_tui.model import PAIR_CONTEXT
    from ecco_tui.services.rerun import rerun_programs

    pair = run_store.get_pair("test:0")
    assert pair is not None
    summary = await rerun_programs(run_store, engine, "p90001", [pair.slow.code, FAST_SUM], LIMITS, cap=1)
    assert summary.total == summary.executed == 2 * 4  # 4 tests (public and private), two runs a pair
    runs = [e for sha in (pair.slow.code_sha256, code_sha256(FAST_SUM))
            for e in run_store.executions_for(sha, "p90001")]
    contexts = Counter(e.context for e in runs)
    assert len(contexts) == 4 and set(contexts.values()) == {2}
    assert all(c and c.startswith(PAIR_CONTEXT) for c in contexts)


async def test_a_rerun_of_two_programs_adds_pairs_until_decisive_or_capped(
    run_store: Store, engine: LocalEngine
) -> None:
    """`r` is `--repeat auto`: after one pair on every test, more pairs on the private tests, round by round,
    until the speedup's interval is within ±5% or the cap; every round of one re-run is one evaluation."""
    from ecco_tui.model import evaluation_of
    from ecco_tui.services.rerun import rerun_programs

    pair = run_store.get_pair("test:0")
    assert pair is not None
    summary = await rerun_programs(run_store, engine, "p90001", [pair.slow.code, FAST_SUM], LIMITS, cap=4)
    assert summary.rounds >= 1 and summary.pairs_per_test <= 4 and summary.cap == 4
    assert summary.decisive or summary.pairs_per_test == 4 or summary.interval is None
    runs = [e for sha in (pair.slow.code_sha256, code_sha256(FAST_SUM))
            for e in run_store.executions_for(sha, "p90001")]
    assert len({evaluation_of(e.context) for e in runs}) == 1
    public = Counter(e.test_idx for e in runs if e.visibility == "public")
    assert set(public.values()) == {2}  # public tests: the first round's one pair only
    assert summary.executed == len(runs) == summary.total


async def test_repeats_store_every_sample(run_store: Store, engine: LocalEngine) -> None:
    stats = await _evaluate(run_store, engine, "good", repeat=2)
    assert stats.executed == 20
    repeats = {e.repeat_idx for e in run_store.executions_for(code_sha256(FAST_SUM), "p90001")}
    assert repeats == {0, 1}


async def test_more_repeats_run_only_the_missing_ones(run_store: Store, engine: LocalEngine) -> None:
    await _evaluate(run_store, engine, "good", repeat=2)
    stats = await _evaluate(run_store, engine, "good", repeat=3)
    assert (stats.executed, stats.cached) == (10, 20)
    executions = run_store.executions_for(code_sha256(FAST_SUM), "p90001")
    assert sorted(Counter(e.repeat_idx for e in executions).items()) == [(0, 3), (1, 3), (2, 3)]


async def test_public_tests_only_when_asked(run_store: Store, engine: LocalEngine) -> None:
    stats = await _evaluate(run_store, engine, "good", visibility="public")
    assert stats.executed == 1 * 2 + 1 * 2


async def test_report_numbers_match_a_hand_computation(run_store: Store, engine: LocalEngine) -> None:
    await _evaluate(run_store, engine, "mixed")
    (line,) = report.build_report(run_store, ["mixed"])

    def total(code: str, problem: str, attr: str) -> float:
        return math.fsum(getattr(e, attr) for e in run_store.executions_for(code_sha256(code), problem))

    pair0 = run_store.get_pair("test:0")
    assert pair0 is not None
    speedup0 = total(pair0.slow.code, "p90001", "cpu_time_s") / total(FAST_SUM, "p90001", "cpu_time_s")
    memred0 = total(pair0.slow.code, "p90001", "memory_kb") / total(FAST_SUM, "p90001", "memory_kb")
    # Row 0 passes every test, row 1 (min instead of max) fails: pass@1 = 50%, means over passing rows only.
    assert line.n == 2
    assert line.pass_at_1 == pytest.approx(50.0)
    assert line.mean_speedup == pytest.approx(speedup0)
    assert line.mean_memory_reduction == pytest.approx(memred0)
    assert line.pct_runtime_optimized == pytest.approx(50.0 if speedup0 > 1 else 0.0)
    assert line.n_inputs_failing == 0
    assert sum(line.outcomes.values()) == 2


async def test_wrong_output_is_stored_as_wrong_answer(run_store: Store, engine: LocalEngine) -> None:
    await _evaluate(run_store, engine, "mixed")
    statuses = {e.status_description for e in run_store.executions_for(code_sha256(WRONG_MAX), "p90002")}
    assert statuses == {"Wrong Answer"}


async def test_cache_hit_rate_is_logged_per_evaluation(run_store: Store, engine: LocalEngine) -> None:
    await _evaluate(run_store, engine, "good")
    await _evaluate(run_store, engine, "good")
    stats = run_store.cache_stats()
    assert (stats["sessions"], stats["executed"], stats["cached"]) == (2, 10, 10)
    assert stats["hit_rate"] == pytest.approx(0.5)
