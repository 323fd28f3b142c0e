"""The bundled sample store shows every outcome, as its README promises (evaluated for real)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ecco_tui.engines.base import Limits
from ecco_tui.engines.local import LocalEngine
from ecco_tui.services import evaluation
from ecco_tui.services.engines import default_interpreter
from ecco_tui.services.imports import build_sample_store
from ecco_tui.services.report import RunMeasurements, build_report, editing_verdicts
from ecco_tui.store.store import Store

RUN = "sample-coder-instruct-20261127-100000"
EXPECTED = {  # row → outcome, from ecco_tui/sample_data/README.md
    0: "spurious-optimization", 1: "correct-optimization", 2: "correct-optimization", 3: "within-noise",
    4: "correct-optimization", 5: "spurious-optimization", 6: "correct-optimization", 7: "correct-no-gain",
    8: "broken",
}


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    import asyncio

    store = Store.open(Path(tmp_path_factory.mktemp("sample")) / "sample.duckdb")
    build_sample_store(store)
    limits = Limits(cpu_time_s=5, wall_time_s=10, memory_kb=512_000)

    async def go() -> None:
        engine = LocalEngine(default_interpreter(), limits=limits)
        try:
            info = await engine.info()
            plan = evaluation.plan_evaluation(store, evaluation.run_programs(store, RUN), info, limits, run_id=RUN)
            await evaluation.execute_plan(store, engine, plan, limits)
        finally:
            await engine.aclose()

    asyncio.run(go())
    yield store
    store.close()


def test_each_sample_output_has_its_documented_outcome(evaluated: Store) -> None:
    run = evaluated.get_run(RUN)
    assert run is not None
    verdicts = {v.row_idx: v for v in editing_verdicts(RunMeasurements(evaluated, run, engine=None,
                                                                       visibility="private"))}
    assert {row: verdicts[row].outcome for row in EXPECTED} == EXPECTED


def test_sample_report_counts_pass_at_1_over_all_rows(evaluated: Store) -> None:
    (line,) = build_report(evaluated, [RUN])
    # Rows 0, 5 (spurious) and 8 (crash) fail: 7 of 10 pass.
    assert line.pass_at_1 == pytest.approx(70.0)
    assert line.n_inputs_failing == 0


def test_sample_report_matches_a_hand_computation_from_stored_results(evaluated: Store) -> None:
    """pass@1, mean speedup and mean memory reduction recomputed here from the raw per-test rows."""
    import math

    from ecco_tui.engines.base import code_sha256

    def private(code: str, problem: str) -> dict[int, tuple[int, float, float]]:
        rows = evaluated.latest_executions([code_sha256(code)], visibility="private")
        return {e.test_idx: (e.status_id, e.cpu_time_s or 0.0, e.memory_kb or 0.0) for e in rows
                if e.problem_id == problem}

    passing, speedups, reductions, n = 0, [], [], 0
    for out in evaluated.outputs(run_id=RUN):
        n += 1
        pair = evaluated.get_pair(out.pair_id or "")
        assert pair is not None and out.code
        got, base = private(out.code, out.problem_id), private(pair.slow.code, out.problem_id)
        if got and all(status == 3 for status, _, _ in got.values()):
            passing += 1
            speedups.append(math.fsum(base[k][1] for k in got) / math.fsum(got[k][1] for k in got))
            reductions.append(math.fsum(base[k][2] for k in got) / math.fsum(got[k][2] for k in got))
    (line,) = build_report(evaluated, [RUN])
    assert line.n == n == 10
    assert line.pass_at_1 == pytest.approx(100 * passing / n)
    assert line.mean_speedup == pytest.approx(sum(speedups) / len(speedups))
    assert line.mean_memory_reduction == pytest.approx(sum(reductions) / len(reductions))


def test_every_field_metric_is_listed_for_every_sample_run_or_says_what_it_needs(evaluated: Store) -> None:
    """Issue #25: `ecco report --metrics all --format json` on the sample store (the service the command prints)."""
    import json

    from ecco_tui.services.field_metrics import field_tables, render_json

    tables = json.loads(render_json(field_tables(evaluated)))
    runs = {r["run_id"] for t in tables for r in t["runs"]}
    assert runs == {r.run_id for r in evaluated.runs()}
    for table in tables:
        for run in table["runs"]:
            assert run["metrics"], run["run_id"]
            for key, cell in run["metrics"].items():
                assert cell["value"] is not None or cell["note"].startswith("n/a: needs"), (run["run_id"], key)
    assert any(cell["value"] is not None for t in tables for r in t["runs"] for cell in r["metrics"].values())
