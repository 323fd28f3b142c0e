"""How often does an output's verdict change between 1 and 5 repeats? On the bundled sample store.

The sample store (`ecco demo`'s: six problems, 8 private tests each, two editing runs and a generation run)
is built in a temporary folder and every program of its editing runs is evaluated on the private tests with
`--repeat 5` on the local engine. Each output's verdict (`ecco report`'s outcome: correct-optimization,
within-noise, …) is then computed twice from the same store:

* from ONE sample per test — repeat *i* alone, for each *i* of 0..4, as five independent "first `ecco eval`"
  measurements (a single sample gets the 3% noise floor);
* from all FIVE samples per test (repeats resampled).

The share of judged outputs whose verdict differs is printed for repeat 0 (what a plain `ecco eval` would
have shown) and as the mean and range over the five single samples, with the transitions seen.

Run ``python benchmarks/verdict_stability_bench.py [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from ecco_tui.engines.base import Limits
from ecco_tui.engines.local import LocalEngine
from ecco_tui.model import Execution
from ecco_tui.services import evaluation
from ecco_tui.services.engines import default_interpreter
from ecco_tui.services.imports import build_sample_store
from ecco_tui.services.report import OutputVerdict, RunMeasurements, editing_verdicts
from ecco_tui.store.store import Store

LIMITS = Limits(cpu_time_s=5, wall_time_s=10, memory_kb=512_000)


class OneRepeat:
    """A run's measurements seen through one repeat index only (duck-types `RunMeasurements` for
    `editing_verdicts`: `rows`, `pair_of`, `executions`)."""

    def __init__(self, data: RunMeasurements, repeat: int) -> None:
        self.data, self.repeat, self.rows = data, repeat, data.rows
        self.pair_of = data.pair_of

    def executions(self, code: str | None, problem_id: str, row: int, role: str) -> list[Execution]:
        return [e for e in self.data.executions(code, problem_id, row, role) if e.repeat_idx == self.repeat]


async def _evaluate(store: Store, run_ids: list[str], repeat: int) -> tuple[float, int]:
    engine = LocalEngine(default_interpreter(), limits=LIMITS)
    try:
        info = await engine.info()
        programs: list[tuple[str, str, str]] = []
        for run_id in run_ids:
            programs.extend(evaluation.run_programs(store, run_id))
        plan = evaluation.plan_evaluation(store, programs, info, LIMITS, run_id="bench", repeat=repeat)
        start = time.perf_counter()
        stats = await evaluation.execute_plan(store, engine, plan, LIMITS)
        return time.perf_counter() - start, stats.executed
    finally:
        await engine.aclose()


def _judged(verdicts: list[OutputVerdict]) -> dict[str, str]:
    return {v.output_id: v.outcome for v in verdicts if v.outcome != "not-run"}


def measure(repeat: int = 5) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "sample.duckdb")
        build_sample_store(store)
        runs = [r for r in store.runs() if r.task == "edit"]
        seconds, executed = asyncio.run(_evaluate(store, [r.run_id for r in runs], repeat))
        full: dict[str, str] = {}
        single: list[dict[str, str]] = [{} for _ in range(repeat)]
        for run in runs:
            data = RunMeasurements(store, run, engine="local", visibility="private")
            full |= _judged(editing_verdicts(data))
            for i in range(repeat):
                single[i] |= _judged(editing_verdicts(OneRepeat(data, i)))  # type: ignore[arg-type]
        store.close()
    shares, transitions = [], Counter()
    for verdicts in single:
        changed = [o for o in full if verdicts.get(o) != full[o]]
        shares.append(len(changed) / len(full))
        transitions.update(f"{verdicts.get(o)} → {full[o]}" for o in changed)
    return {"outputs": len(full), "shares": shares, "transitions": transitions, "seconds": seconds,
            "executed": executed, "outcomes_5": Counter(full.values()), "outcomes_1": Counter(single[0].values())}


def main(repeat: int = 5) -> list[dict]:
    m = measure(repeat)
    shares: list[float] = m["shares"]  # type: ignore[assignment]
    transitions: Counter[str] = m["transitions"]  # type: ignore[assignment]
    n = m["outputs"]
    changed_0 = round(shares[0] * n)  # type: ignore[operator]
    return [
        {"metric": f"verdicts changed, 1 sample (repeat 0) vs {repeat}", "value":
         f"{shares[0]:.1%} ({changed_0} of {n} judged outputs)", "target": "", "ok": None},
        {"metric": f"verdicts changed, any 1 of the {repeat} samples vs all (mean, min–max)",
         "value": f"{sum(shares) / len(shares):.1%} ({min(shares):.1%}–{max(shares):.1%})", "target": "",
         "ok": None},
        {"metric": "transitions (1 sample → 5), over the single samples",
         "value": "; ".join(f"{k} ×{v}" for k, v in transitions.most_common()) or "none", "target": "",
         "ok": None},
        {"metric": f"outcomes with {repeat} samples", "value": ", ".join(
            f"{k} {v}" for k, v in sorted(m["outcomes_5"].items())), "target": "", "ok": None},  # type: ignore[attr-defined]
        {"metric": f"evaluation, {repeat} repeats on the private tests", "value":
         f"{m['seconds']:.1f} s ({m['executed']} test runs)", "target": "", "ok": None},
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for row in main(args.repeat):
        print(f"{row['metric']:<62} {row['value']}")
    sys.exit(0)
