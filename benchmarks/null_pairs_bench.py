"""Are verdicts calibrated? Null pairs (same work, different text) and real speedups, judged as users judge them.

A verdict says "faster" (correct-optimization) or "slower" (correct-no-gain) only when the speedup's 95%
interval excludes 1; otherwise "within-noise". Whether that is honest is a measured fact, not an assumption:

* **False-discovery rate.** 40 null pairs: an input program and an output that does exactly the same work but
  is a different text (names renamed, two independent statements swapped, a comment added; different text,
  so the identical-program shortcut does not apply). Each pair's tests and per-test costs are drawn from
  ECCO's real distribution (`benchmarks/ecco_costs.py`: ~20 tests, p50 11 ms, p90 91 ms, p99 3.17 s). The
  share called faster or slower is the false-discovery rate; target <= 5% at the 95% level.
* **Power.** 20 pairs whose output really is 1.3x faster (a ~50 ms program on each of 20 tests): the share
  called faster; target >= 90%. And 20 pairs at 1.1x, whose rate is reported.

Everything goes through what `ecco eval` and `ecco report` run: the programs are imported as an outputs file,
evaluated on the local engine (bubblewrap, whole-tree accounting) as `ecco eval --unpaired` does
(`evaluation.plan_evaluation` + `execute_plan`, each program on its own) and judged by the report's verdicts;
then the same store is evaluated as the default `ecco eval` does (paired: each output and its input back to
back on every test, one pair per test) and judged again: outputs with pairs are judged on them. Both modes'
rates are printed; the default's are the ones the targets are about.
The programs are eval_bench's: each reads `test iterations bytes` and loops that many times, calibrated once
against the engine's interpreter, so a drawn cost is a real cost.

`--pairs N` changes the number of null pairs (and, halved, of each power set); `--seed` the draw.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from benchmarks.ecco_costs import draw_split
from benchmarks.eval_bench import PYTHON, Calibration, answer, calibrate
from ecco_tui.engines.base import Limits
from ecco_tui.engines.local import LocalEngine
from ecco_tui.ingest.outputs import import_outputs
from ecco_tui.ingest.release import import_release
from ecco_tui.services import evaluation, judging, paired
from ecco_tui.store.store import Store

NULL_PAIRS = 40
FDR_LIMIT = 0.05
POWER_LIMIT = 0.90
POWER_COST_S = 0.050  # "a ~50 ms program"
POWER_TESTS = 20
NAME = "edit_bench_instruct_nrowsNone_samples1.jsonl"
FASTER, SLOWER, NOISE = "correct-optimization", "correct-no-gain", "within-noise"
#: The null output's variant by row (null row i uses style 1 + i % 3).
STYLES = ("renamed", "swapped", "comment")


def loop_program(label: str, work: float, style: int) -> str:
    """A program doing `iterations × work` loop turns for its test, written in one of four styles that do the
    same work: 0 plain, 1 names renamed, 2 two independent statements swapped, 3 a comment added.

    The work is in a function, so the renamed names are locals (an index each): at module level they would be
    globals, whose dict lookups depend on the names' hashes, and "renamed" would no longer mean "same cost"."""
    names = ("t", "i", "n", "test", "pad") if style != 1 else ("acc", "k", "count", "case", "held")
    acc, idx, n, test, pad = names
    read = f"    {test}, {n}, m = map(int, sys.stdin.read().split())\n"
    hold = f"    {pad} = b'x' * m\n"
    init = f"    {acc} = 0\n"
    body = ("def solve():\n" + read + (init + hold if style == 2 else hold + init)
            + ("    # the same loop, kept for the benchmark's null pairs\n" if style == 3 else "")
            + f"    for {idx} in range(int({n} * {work!r})):\n        {acc} ^= {idx}\n"
            + f"    print(({test} * 7919 + {n}) % 1000003)\n\n\nsolve()\n")
    return f"# ecco-tui null_pairs_bench: {label}\nimport sys\n\n\n{body}"


@dataclass(frozen=True, slots=True)
class Row:
    kind: str  # null | 1.3x | 1.1x
    stdins: list[str]
    expected: list[str]
    slow: str
    fast: str


def null_rows(cal: Calibration, pairs: int, seed: int) -> list[Row]:
    """Null pairs with ECCO's real per-test costs: the same work, another text."""
    rows = []
    for i, (_, costs) in enumerate(draw_split(random.Random(seed), pairs, max(1, pairs // 3))):
        iterations = [cal.iterations(costs.in_time[t]) for t in costs.tests]
        rows.append(Row("null", [f"{k} {n} 0\n" for k, n in enumerate(iterations)],
                        [answer(k, n) for k, n in enumerate(iterations)],
                        loop_program(f"null {i}, input", 1.0, 0), loop_program(f"null {i}, output", 1.0, 1 + i % 3)))
    return rows


def speedup_rows(cal: Calibration, pairs: int, speedup: float, seed: int) -> list[Row]:
    """Pairs whose output's whole cost (start-up included) is 1/`speedup` of the input's ~50 ms."""
    rng = random.Random(seed)
    rows = []
    for i in range(pairs):
        costs = [POWER_COST_S * rng.uniform(0.8, 1.2) for _ in range(POWER_TESTS)]
        iterations = [cal.iterations(c) for c in costs]
        # Work share so that startup + share × loop = (startup + loop) / speedup, on the median test.
        loop = POWER_COST_S - cal.startup_s
        share = max((POWER_COST_S / speedup - cal.startup_s) / loop, 0.0)
        rows.append(Row(f"{speedup:g}x", [f"{k} {n} 0\n" for k, n in enumerate(iterations)],
                        [answer(k, n) for k, n in enumerate(iterations)],
                        loop_program(f"{speedup:g}x {i}, input", 1.0, 0),
                        loop_program(f"{speedup:g}x {i}, output", share, 1 + i % 3)))
    return rows


def build(root: Path, rows: list[Row]) -> tuple[Store, str, dict[str, str]]:
    """Import the rows' tests and outputs file; the store, the run, and each problem's kind."""
    test_root = root / "test_cases"
    records, kinds = [], {}
    for idx, row in enumerate(rows):
        pid = f"p{idx:05d}"
        kinds[pid] = row.kind
        folder = test_root / pid
        folder.mkdir(parents=True)
        for k, (stdin, expected) in enumerate(zip(row.stdins, row.expected, strict=True)):
            (folder / f"input.{k}.txt").write_text(stdin)
            (folder / f"output.{k}.txt").write_text(expected)
        records.append({"problem_id": pid, "input": row.slow, "target": row.slow, "prompt": "",
                        "full_generations": [f"```python\n{row.fast}```"], "generated_codes": [row.fast]})
    outputs = root / NAME
    outputs.write_text("".join(json.dumps(r) + "\n" for r in records))
    store = Store.open(root / "bench.duckdb")
    import_release(store, [test_root])
    run_id = import_outputs(store, outputs, run_id="null-pairs").run_id
    return store, run_id, kinds


async def evaluate(store: Store, run_id: str, limits: Limits) -> tuple[float, int]:
    """`ecco eval --run RUN` with its defaults: (wall seconds, test runs)."""
    engine = LocalEngine(PYTHON, use_bwrap=True, limits=limits)
    try:
        info = await engine.info()
        start = time.perf_counter()
        programs = evaluation.run_programs(store, run_id)
        plan = evaluation.plan_evaluation(store, programs, info, limits, run_id=run_id)
        stats = await evaluation.execute_plan(store, engine, plan, limits)
        return time.perf_counter() - start, stats.executed
    finally:
        await engine.aclose()


def judge(store: Store, run_id: str) -> dict[str, str]:
    """Each output's outcome as `ecco report` (default settings) judges it, keyed by problem."""
    run = store.get_run(run_id)
    assert run is not None
    data = judging.Measurements(store, run, engine="local", visibility="private")
    return {v.problem_id: v.outcome for v in judging.editing_verdicts(data)}


async def evaluate_paired(store: Store, run_id: str, limits: Limits) -> tuple[float, int]:
    """`ecco eval --run RUN --paired`: (wall seconds, test runs)."""
    engine = LocalEngine(PYTHON, use_bwrap=True, limits=limits)
    try:
        info = await engine.info()
        start = time.perf_counter()
        plan = paired.plan_pairs(store, run_id, info, limits)
        stats = await paired.execute_pairs(store, engine, plan, limits)
        return time.perf_counter() - start, stats.executed
    finally:
        await engine.aclose()


def rates(outcomes: dict[str, str], kinds: dict[str, str], mode: str, runs: int, wall: float) -> list[dict]:
    """The false-discovery rate and the power of one evaluation mode, as benchmark rows."""
    by_kind: dict[str, Counter[str]] = {}
    for pid, kind in kinds.items():
        by_kind.setdefault(kind, Counter())[outcomes.get(pid, "not-run")] += 1
    null = by_kind.get("null", Counter())
    n_null = sum(null.values())
    false = null[FASTER] + null[SLOWER]
    fdr = false / n_null if n_null else float("nan")
    styles = Counter(f"{STYLES[int(pid[1:]) % 3]} {outcomes.get(pid)}" for pid, kind in kinds.items()
                     if kind == "null" and outcomes.get(pid) in (FASTER, SLOWER))
    rows = [
        {"metric": f"{mode}: null pairs called faster or slower (of {n_null}; ECCO's real per-test costs)",
         "value": f"{false} ({fdr:.0%}: {null[FASTER]} faster, {null[SLOWER]} slower; {fdr / FDR_LIMIT:.1f}× the "
                  "limit)", "target": f"≤ {FDR_LIMIT:.0%}", "ok": fdr <= FDR_LIMIT},
        {"metric": f"{mode}:   false discoveries by the output's variant", "value": ", ".join(
            f"{k} {v}" for k, v in sorted(styles.items())) or "none", "target": "", "ok": None},
    ]
    for kind, limit in (("1.3x", POWER_LIMIT), ("1.1x", None)):
        got = by_kind.get(kind, Counter())
        n = sum(got.values())
        rate = got[FASTER] / n if n else float("nan")
        rows.append({"metric": f"{mode}: power, a real {kind} speedup of a ~50 ms program called faster (of {n})",
                     "value": f"{got[FASTER]} ({rate:.0%}; others: "
                              + ", ".join(f"{k} {v}" for k, v in got.items() if k != FASTER) + ")",
                     "target": f"≥ {limit:.0%}" if limit else "report", "ok": rate >= limit if limit else None})
    rows.append({"metric": f"{mode}: test runs, wall (s)", "value": f"{runs:,}, {wall:.1f}", "target": "",
                 "ok": None})
    return rows


def main(pairs: int = NULL_PAIRS, seed: int = 0) -> list[dict]:
    limits = Limits()
    cal = asyncio.run(calibrate(limits, loop_program("calibration", 1.0, 0)))
    rows = (null_rows(cal, pairs, seed) + speedup_rows(cal, max(pairs // 2, 1), 1.3, seed + 1)
            + speedup_rows(cal, max(pairs // 2, 1), 1.1, seed + 2))
    with tempfile.TemporaryDirectory() as tmp:
        store, run_id, kinds = build(Path(tmp), rows)
        wall, runs = asyncio.run(evaluate(store, run_id, limits))
        unpaired = judge(store, run_id)
        paired_wall, paired_runs = asyncio.run(evaluate_paired(store, run_id, limits))
        with_pairs = judge(store, run_id)  # outputs with pairs are judged on them
        store.close()
    result = rates(with_pairs, kinds, "default eval (paired)", paired_runs, paired_wall)
    result += rates(unpaired, kinds, "eval --unpaired", runs, wall)
    result.append({"metric": "calibration: start-up CPU (ms), loop (M iterations/s)",
                   "value": f"{cal.startup_s * 1000:.1f}, {cal.per_s / 1e6:.1f}", "target": "", "ok": None})
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=NULL_PAIRS)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for row in main(args.pairs, args.seed):
        print(f"{row['metric']:<82} {row['value']:>40}   target {row['target']}")
