"""What `--cost instructions` costs: seconds per test with and without valgrind, on sample-store programs.

The bundled sample store is built in a temporary folder; the first `--rows` rows of its editing run give the
programs (each pair's slow input and the model's output), run on their problem's 8 private tests. They are
evaluated twice through the same service `ecco eval` uses (2 cores):

1. plain: `ecco eval` (CPU time and memory);
2. `ecco eval --cost instructions` on the same store: every test's repeat 0 runs again, plain and then under
   `valgrind --tool=cachegrind --cache-sim=no` for the count (the earlier CPU-only results do not satisfy it).

Seconds per test are wall-clock seconds of the evaluation divided by the test runs it executed; the ratio is
the overhead of asking for counts. A third, cached `--cost instructions` evaluation checks that nothing runs
again, and one test is counted twice to check that counts are identical.

Run ``python benchmarks/instructions_bench.py [--rows 2]``.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from ecco_tui.engines.base import Limits, code_sha256
from ecco_tui.engines.local import LocalEngine
from ecco_tui.services import evaluation
from ecco_tui.services.engines import default_interpreter
from ecco_tui.services.imports import build_sample_store
from ecco_tui.store.store import Store

LIMITS = Limits(cpu_time_s=5, wall_time_s=10, memory_kb=512_000)
EDIT_RUN = "sample-coder-instruct-20261127-100000"


async def _eval(store: Store, programs: list[tuple[str, str, str]], mode: str) -> tuple[float, int, int]:
    counting = mode == evaluation.INSTRUCTIONS
    engine = LocalEngine(default_interpreter(), limits=LIMITS, count_instructions=counting)
    plain = LocalEngine(default_interpreter(), limits=LIMITS) if counting else None
    try:
        info = await engine.info()
        plan = evaluation.plan_evaluation(store, programs, info, LIMITS, run_id="bench", mode=mode)
        start = time.perf_counter()
        stats = await evaluation.execute_plan(store, engine, plan, LIMITS, mode=mode, plain_engine=plain)
        return time.perf_counter() - start, stats.executed, stats.instructions_counted
    finally:
        await engine.aclose()
        if plain is not None:
            await plain.aclose()


async def _count_twice(code: str, store: Store, problem_id: str) -> tuple[str, str]:
    """The instruction count of one test, by two fresh engines (or why there is none)."""
    test = evaluation.to_engine_test(store.tests_for(problem_id, "private")[0])
    counts = []
    for _ in range(2):
        engine = LocalEngine(default_interpreter(), limits=LIMITS, count_instructions=True)
        try:
            async for result in engine.run(code, [test], LIMITS):
                counts.append(f"{result.instructions:,}" if result.instructions is not None else
                              f"none ({result.status_description}: {result.message or result.stderr[-200:]})")
        finally:
            await engine.aclose()
    return counts[0], counts[1]


def _programs(store: Store, rows: int) -> list[tuple[str, str, str]]:
    """(role, problem, code) of the slow inputs and outputs of the editing run's first `rows` rows."""
    programs: dict[tuple[str, str], tuple[str, str, str]] = {}
    for out in store.outputs(run_id=EDIT_RUN):
        if out.row_idx >= rows or not out.code:
            continue
        pair = store.get_pair(out.pair_id or "")
        if pair is not None:
            programs.setdefault((code_sha256(pair.slow.code), out.problem_id), ("input", out.problem_id,
                                                                               pair.slow.code))
        programs.setdefault((code_sha256(out.code), out.problem_id), ("output", out.problem_id, out.code))
    return list(programs.values())


def main(rows: int = 2) -> list[dict]:
    if shutil.which("valgrind") is None:
        return [{"metric": "instruction counts", "value": "valgrind is not installed", "target": "", "ok": None}]
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "sample.duckdb")
        build_sample_store(store)
        programs = _programs(store, rows)
        plain_s, plain_n, _ = asyncio.run(_eval(store, programs, evaluation.TIME))
        counted_s, counted_n, counts = asyncio.run(_eval(store, programs, evaluation.INSTRUCTIONS))
        cached_s, cached_n, _ = asyncio.run(_eval(store, programs, evaluation.INSTRUCTIONS))
        first, second = asyncio.run(_count_twice(programs[0][2], store, programs[0][1]))
        shas = sorted({code_sha256(code) for _, _, code in programs})
        cpu = [e.cpu_time_s for e in store.latest_executions(shas) if e.cpu_time_s is not None]
        store.close()
    per_plain, per_counted = plain_s / plain_n, counted_s / counted_n
    return [
        {"metric": "programs × private tests", "value": f"{len(programs)} programs, {plain_n} test runs "
         f"(median CPU {statistics.median(cpu) * 1000:.0f} ms a test)", "target": "", "ok": None},
        {"metric": "ecco eval, plain (s per test, 2 cores)", "value": f"{per_plain:.3f} s ({plain_s:.1f} s)",
         "target": "", "ok": None},
        {"metric": "ecco eval --cost instructions (s per test, 2 cores)", "value":
         f"{per_counted:.3f} s ({counted_s:.1f} s, {counts}/{counted_n} counted)", "target": "", "ok": None},
        {"metric": "instruction-count overhead vs a plain run", "value": f"{per_counted / per_plain:.0f}×",
         "target": "≈70× (shared/measurement.md)", "ok": None},
        {"metric": "second --cost instructions eval (cache)", "value": f"{cached_n} executed, {cached_s:.2f} s",
         "target": "0 executed", "ok": cached_n == 0},
        {"metric": "same test counted twice", "value": f"{first} / {second}", "target": "identical",
         "ok": first == second and not first.startswith("none")},
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2)
    args = parser.parse_args()
    for row in main(args.rows):
        print(f"{row['metric']:<54} {row['value']:>40}   target {row['target']}")
