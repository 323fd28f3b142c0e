"""Outcomes with intervals: an identical program is never an optimization; a 10× gain is, with repeats."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ecco_tui.engines.base import Limits
from ecco_tui.engines.local import LocalEngine
from ecco_tui.ingest.outputs import import_outputs
from ecco_tui.ingest.release import import_release
from ecco_tui.services import evaluation
from ecco_tui.services.engines import default_interpreter
from ecco_tui.services.report import RunMeasurements, editing_verdicts
from ecco_tui.store.store import Store
from tests.factories import write_records

SLOW = "n = int(input())\nt = 0\nfor i in range(n + 1):\n    t += i\nprint(t)\n"
FAST = "n = int(input())\nprint(n * (n + 1) // 2)\n"
LIMITS = Limits(cpu_time_s=5, wall_time_s=10, memory_kb=256_000)


@pytest.fixture
async def engine() -> AsyncIterator[LocalEngine]:
    eng = LocalEngine(default_interpreter(), limits=LIMITS)
    yield eng
    await eng.aclose()


@pytest.fixture
def store_with_runs(store: Store, tmp_path: Path) -> Store:
    root = tmp_path / "release"
    write_records(root / "edit" / "test.jsonl", [{"problem_id": "p90001", "input": SLOW, "target": FAST}])
    folder = root / "test_cases" / "p90001"
    folder.mkdir(parents=True)
    for k, n in enumerate((3_000_000, 4_000_000, 2_000_000)):
        (folder / f"input.{k}.txt").write_text(f"{n}\n")
        (folder / f"output.{k}.txt").write_text(f"{n * (n + 1) // 2}\n")
    import_release(store, [root])
    for run_id, code in (("gain", FAST), ("same", SLOW)):
        rec = {"problem_id": "p90001", "input": SLOW, "target": FAST, "prompt": "",
               "full_generations": [code], "generated_codes": ["\n" + code]}
        import_outputs(store, write_records(tmp_path / f"edit_{run_id}_instruct_nrowsNone.jsonl", [rec]),
                       run_id=run_id)
    return store


async def _verdict(store: Store, engine: LocalEngine, run_id: str, repeat: int):
    info = await engine.info()
    plan = evaluation.plan_evaluation(store, evaluation.run_programs(store, run_id), info, LIMITS,
                                      run_id=run_id, repeat=repeat)
    await evaluation.execute_plan(store, engine, plan, LIMITS, repeat=repeat)
    run = store.get_run(run_id)
    assert run is not None
    (verdict,) = editing_verdicts(RunMeasurements(store, run, engine=None, visibility="private"))
    return verdict


@pytest.mark.parametrize("repeat", [1, 3])
async def test_identical_programs_end_within_noise(store_with_runs: Store, engine: LocalEngine, repeat: int) -> None:
    verdict = await _verdict(store_with_runs, engine, "same", repeat)
    assert verdict.identical_to_input
    assert verdict.outcome == "within-noise"


async def test_a_tenfold_algorithmic_gain_is_a_correct_optimization(store_with_runs: Store,
                                                                     engine: LocalEngine) -> None:
    verdict = await _verdict(store_with_runs, engine, "gain", 3)
    assert verdict.passed
    assert verdict.speedup is not None and verdict.speedup > 3  # start-up (~10-50 ms) is in both
    assert verdict.speedup_lo is not None and verdict.speedup_lo > 1
    assert verdict.outcome == "correct-optimization"


async def test_intervals_are_the_same_for_the_same_data(store_with_runs: Store, engine: LocalEngine) -> None:
    first = await _verdict(store_with_runs, engine, "gain", 2)
    run = store_with_runs.get_run("gain")
    assert run is not None
    (again,) = editing_verdicts(RunMeasurements(store_with_runs, run, engine=None, visibility="private"))
    assert (again.speedup_lo, again.speedup_hi) == (first.speedup_lo, first.speedup_hi)


async def test_identical_programs_stay_within_noise_with_repeat_auto(store_with_runs: Store,
                                                                     engine: LocalEngine) -> None:
    result = await evaluation.evaluate_auto(store_with_runs, engine, "same", LIMITS)
    assert result.pairs == 1 and result.stats.executed >= 3 * 3
    run = store_with_runs.get_run("same")
    assert run is not None
    (verdict,) = editing_verdicts(RunMeasurements(store_with_runs, run, engine=None, visibility="private"))
    assert verdict.identical_to_input
    assert verdict.outcome == "within-noise"
