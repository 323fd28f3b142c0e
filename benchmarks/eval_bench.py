"""`ecco eval` throughput on the local engine, against a bare `subprocess.run` loop, and the cache's gain.

A synthetic release (every program correct on every test) provides an editing run whose outputs are the
pairs' fast targets. The benchmark evaluates it on 20 private tests, then evaluates it again (everything is
cached), and runs the same (program, test) list with plain `subprocess.run` — one at a time and on two
threads — to show what the sandbox, measurement and storage cost. It projects the time for ECCO's whole
test split (881 pairs × 20 private tests × 2 programs).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ecco_tui.engines.base import Limits, outputs_match
from ecco_tui.engines.local import LocalEngine
from ecco_tui.ingest.outputs import import_outputs
from ecco_tui.ingest.release import import_release
from ecco_tui.ingest.synth import write_synthetic_release
from ecco_tui.services import evaluation
from ecco_tui.store.store import Store

ECCO_TEST_RUNS = 881 * 20 * 2
PYTHON = os.environ.get("ECCO_PYTHON") or ("/usr/bin/python3.11" if Path("/usr/bin/python3.11").exists() else None)


def _build(root: Path, pairs_wanted: int) -> tuple[Store, str, list[tuple[str, str, str]]]:
    release = root / "release"
    write_synthetic_release(release, pairs=2_000, problems=120, tests=20, public_tests=3, seed=7)
    store = Store.open(root / "bench.duckdb")
    import_release(store, [release])
    rows = [store.get_pair(p.pair_id) for p in store.pairs(split="test", limit=pairs_wanted)]
    records = [{"problem_id": p.problem_id, "input": p.slow.code, "target": p.fast.code, "prompt": "",
                "full_generations": [p.fast.code], "generated_codes": [p.fast.code]} for p in rows if p]
    outputs = root / "edit_bench_instruct_nrowsNone_samples1.jsonl"
    outputs.write_text("".join(json.dumps(r) + "\n" for r in records))
    run_id = import_outputs(store, outputs, run_id="bench").run_id
    programs = evaluation.run_programs(store, run_id)
    return store, run_id, programs


async def _evaluate(store: Store, programs: list[tuple[str, str, str]], limits: Limits) -> tuple[float, int]:
    engine = LocalEngine(PYTHON, limits=limits)
    try:
        info = await engine.info()
        plan = evaluation.plan_evaluation(store, programs, info, limits, run_id="bench")
        start = time.perf_counter()
        stats = await evaluation.execute_plan(store, engine, plan, limits)
        return time.perf_counter() - start, stats.executed
    finally:
        await engine.aclose()


def _bare(items: list[tuple[str, str, str | None]], threads: int) -> float:
    python = PYTHON or os.path.realpath(sys.executable)

    def one(item: tuple[str, str, str | None]) -> bool:
        code, stdin, expected = item
        done = subprocess.run([python, "-c", code], input=stdin, capture_output=True, text=True, timeout=20)
        return outputs_match(done.stdout, expected)

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, items))
    return time.perf_counter() - start


def main(pairs: int = 12) -> list[dict]:
    limits = Limits(cpu_time_s=5, wall_time_s=20, memory_kb=512_000)
    with tempfile.TemporaryDirectory() as tmp:
        store, _, programs = _build(Path(tmp), pairs)
        first_s, executed = asyncio.run(_evaluate(store, programs, limits))
        second_s, executed_again = asyncio.run(_evaluate(store, programs, limits))
        items = []
        for _, problem_id, code in programs:
            for t in store.tests_for(problem_id, "private"):
                items.append((code, t.input, t.expected_output))
        bare_1 = _bare(items, 1)
        bare_2 = _bare(items, 2)
        store.close()
    rate = executed / first_s
    return [
        {"metric": "ecco eval, local engine (tests/s, 2 cores)", "value": f"{rate:.1f}",
         "target": "", "ok": None},
        {"metric": "bare subprocess.run loop, 1 / 2 threads (tests/s)",
         "value": f"{len(items) / bare_1:.1f} / {len(items) / bare_2:.1f}", "target": "", "ok": None},
        {"metric": "ecco eval vs bare loop on 2 threads (time ratio)", "value": f"{first_s / bare_2:.2f}×",
         "target": "≤ 1.5×", "ok": first_s / bare_2 <= 1.5},
        {"metric": "second eval of the same run (cache) speed-up", "value":
         f"{first_s / max(second_s, 1e-9):.0f}× ({executed_again} executed)", "target": "≥ 20×",
         "ok": first_s / max(second_s, 1e-9) >= 20 and executed_again == 0},
        {"metric": "projected ECCO test split (881 × 20 × 2 runs)",
         "value": f"{ECCO_TEST_RUNS / rate / 60:.1f} min", "target": "vs 4.5-18 h for ECCO's scripts", "ok": None},
        {"metric": "test runs measured", "value": f"{executed} ({len(programs)} programs)", "target": "",
         "ok": None},
    ]


if __name__ == "__main__":
    for row in main():
        print(f"{row['metric']:<52} {row['value']:>24}   target {row['target']}")
