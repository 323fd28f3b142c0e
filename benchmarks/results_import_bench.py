"""Importing ECCO's evaluation results for a whole test split, at ECCO's real size and cost distribution.

Writes an outputs file and its evaluation-result JSON in ECCO's exact shape (shared/ecco-format.md §3), with
test counts, per-test times, memory and the pass/fail mix drawn from a real ECCO run (shared/measurement.md,
"What real ECCO programs cost", and the re-run in shared/real-artifacts; drawn by benchmarks/ecco_costs.py),
then times what `ecco import-outputs` + `ecco import-results` do — the import and the verdict refresh that
follows it — and `ecco report` (default and `--ecco-compat`) on the result. The verdicts' cost grows with the
number of timed tests on both sides, so the mix matters as much as the size: toy programs that all pass 20 tests
once missed a 40 s bootstrap.

Every figure is printed with its target and its ratio to that limit (≤ 1 is within it). Issue 20's target:
import + both reports of a real-size result file ≤ 5 s on 2 cores.
"""

from __future__ import annotations

import json
import math
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.ecco_costs import OUTPUT_PASS_ALL, REAL_FIGURES, REAL_ROWS, draw_problems, draw_row, quantile
from ecco_tui.ingest.outputs import import_outputs
from ecco_tui.ingest.results import import_results
from ecco_tui.metrics.stats import measurement_ratio_cis
from ecco_tui.services.report import MEMORY_BOOT, build_report
from ecco_tui.services.verdicts import refresh_verdicts
from ecco_tui.store.store import Store

NAME = "edit_bench_instruct_nrowsNone_tokens1024_temp0.4_fewshotex0_samples1_2024-11-12_16_04_34.jsonl"

# -- ECCO's real distribution (benchmarks/ecco_costs.py) -----------------------------------------------
#: The edit test split as ECCO's scripts evaluate it: 794 rows over about 50 problems (16 rows each).
ROWS, PROBLEMS = REAL_ROWS, 50

# -- targets (s, 2 cores) -----------------------------------------------------------------------------
TOTAL_LIMIT_S = 5.0  # issue 20: import + `ecco report` default and --ecco-compat
VERDICTS_LIMIT_S = 5.0  # the verdict refresh of 794 outputs alone ("well under" it)
INTERVALS_LIMIT_S = 1.0  # the measurement bootstrap of every output (speedup and memory), ECCO's one value a test
REPEATED_LIMIT_S = 2.0  # the same with 3 repeats a test (`ecco eval --repeat 3`)


def _program(rng: random.Random, i: int, fast: bool) -> str:
    body = "print(n * (n + 1) // 2)" if fast else "t = 0\nfor i in range(n + 1):\n    t += i\nprint(t)"
    return f"# row {i} {rng.random()}\nn = int(input())\n{body}\n"


def _side(prefix: str, times: dict[str, float], mems: dict[str, float], status: dict[str, str]) -> dict:
    """One program's per-test fields as ECCO writes them: times and memory only for completed tests."""
    done = [t for t, s in status.items() if s != "crash"]
    errors = {t: ("Traceback (most recent call last):\n  File \"script.py\", line 3, in <module>\nIndexError\n"
                  if s == "crash" else "Wrong Answer:\n1\nExpected output:\n2\n")
              for t, s in status.items() if s != "pass"}
    return {f"{prefix}run_time_all": {t: round(times[t], 3) for t in done},
            f"{prefix}memory_all": {t: mems[t] for t in done},
            f"{prefix}pass_all": [int(t) for t, s in status.items() if s == "pass"],
            f"{prefix}errors_all": errors}


def write_files(root: Path) -> tuple[Path, Path]:
    rng = random.Random(0)
    problem_z, problem_tests = draw_problems(rng, PROBLEMS)
    outputs, results = [], {}
    for i in range(ROWS):
        p = i * PROBLEMS // ROWS
        pid = f"p{p:05d}"
        row = draw_row(rng, problem_z[p], problem_tests[p])
        slow, fast = _program(rng, i, False), _program(rng, i, True)
        outputs.append({"input": slow, "target": fast, "problem_id": pid, "prompt": "p",
                        "full_generations": [f"```python\n{fast}```"], "generated_codes": ["\n" + fast]})
        entry = {"problem_id": pid, "input_accepted": True, "output_accepted": [True], "input_run_time": None,
                 "best_run_time": None, "input_memory": None, "best_memory": None, "speedup": None,
                 "mem_reduction": None, "input_pass_rate": 1.0, "output_pass_rate": 1.0}
        entry |= _side("input_", row.in_time, row.in_mem, row.in_status)
        entry |= _side("output_", row.out_time, row.out_mem, row.out_status)
        results[str(i)] = entry
    out_path = root / NAME
    out_path.write_text("".join(json.dumps(r) + "\n" for r in outputs))
    res_path = root / f"generated_codes_{NAME}"
    res_path.write_text(json.dumps(results))
    return out_path, res_path


def _limit_row(metric: str, seconds: float, limit: float, detail: str = "", cpu: float | None = None) -> dict:
    cpu_text = "" if cpu is None else f", CPU {cpu:.2f}"
    return {"metric": metric, "value": f"{seconds:.2f}{cpu_text} ({seconds / limit:.2f} of the limit){detail}",
            "target": f"≤ {limit:g}", "ok": seconds <= limit}


def _interval_inputs(results: dict, repeats: int) -> tuple[list, list]:
    """Every row's (input, output) samples as `editing_verdicts` builds them (completed tests only), with
    `repeats` values a test (the ones beyond the first drawn with 3% noise)."""
    rng = random.Random(1)

    def samples(values: dict[str, float]) -> dict[str, list[float]]:
        return {t: [v] + [v * math.exp(rng.gauss(0, 0.03)) for _ in range(repeats - 1)] for t, v in values.items()}

    speed = [(samples(e["input_run_time_all"]), samples(e["output_run_time_all"])) for e in results.values()]
    memory = [(samples(e["input_memory_all"]), samples(e["output_memory_all"])) for e in results.values()]
    return speed, memory


def _time_intervals(results: dict, repeats: int) -> tuple[float, float]:
    speed, memory = _interval_inputs(results, repeats)
    wall, cpu = time.perf_counter(), time.process_time()
    measurement_ratio_cis(speed, n_boot=1000, seed=0)
    measurement_ratio_cis(memory, n_boot=MEMORY_BOOT, seed=0)
    return time.perf_counter() - wall, time.process_time() - cpu


def _distribution_rows(results: dict) -> list[dict]:
    times = [v for e in results.values() for side in ("input_", "output_") for v in e[f"{side}run_time_all"].values()]
    mems = [v for e in results.values() for side in ("input_", "output_") for v in e[f"{side}memory_all"].values()]
    drawn = {"time p10": quantile(times, 0.10), "time p50": quantile(times, 0.5), "time p90": quantile(times, 0.9),
             "time p99": quantile(times, 0.99), "time max": max(times),
             "memory p50 (KB)": quantile(mems, 0.5), "memory max (KB)": max(mems)}
    n_tests = [len(e["input_run_time_all"]) + sum(1 for t in e["input_errors_all"] if t not in e["input_run_time_all"])
               for e in results.values()]
    out_total = sum(len(e["output_run_time_all"]) + sum(1 for t in e["output_errors_all"]
                                                        if t not in e["output_run_time_all"]) for e in results.values())
    out_timed = sum(len(e["output_run_time_all"]) for e in results.values())
    in_sum = sum(v for e in results.values() for v in e["input_run_time_all"].values())
    out_sum = sum(v for e in results.values() for v in e["output_run_time_all"].values())
    rows = [{"metric": "drawn per-test " + ", ".join(drawn),
             "value": " / ".join(f"{v:.3g}" for v in drawn.values()),
             "target": "ECCO " + " / ".join(f"{v:.3g}" for v in REAL_FIGURES.values()),
             "ok": None},
            {"metric": "  drawn / ECCO", "value": " / ".join(f"{drawn[k] / REAL_FIGURES[k]:.2f}" for k in drawn),
             "target": "≈ 1", "ok": None},
            {"metric": "drawn tests a row: median (min-max); output tests timed; output/input time",
             "value": f"{statistics.median(n_tests):g} ({min(n_tests)}-{max(n_tests)}); "
                      f"{out_timed / out_total:.0%}; {out_sum / in_sum:.2f}",
             "target": "ECCO 20 (12-37); 86%; 0.48", "ok": None}]
    return rows


def main() -> list[dict]:
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        out_path, res_path = write_files(root)
        results = json.loads(res_path.read_text())
        with Store.open(root / "bench.duckdb") as store:
            wall0, cpu0 = time.perf_counter(), time.process_time()
            import_outputs(store, out_path)
            outputs_s = time.perf_counter() - wall0
            summary = import_results(store, res_path)
            import_s = time.perf_counter() - wall0
            verdicts_wall, verdicts_cpu = time.perf_counter(), time.process_time()
            refresh_verdicts(store, [summary.run_id], force=True)  # what `ecco import-results` does next
            verdicts_s, verdicts_cpu = time.perf_counter() - verdicts_wall, time.process_time() - verdicts_cpu
            report_start = time.perf_counter()
            (default_line,) = build_report(store)
            default_s = time.perf_counter() - report_start
            report_start = time.perf_counter()
            (compat_line,) = build_report(store, mode="ecco")
            compat_s = time.perf_counter() - report_start
            total_s, total_cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            n_verdicts = len(store.verdicts(run_id=summary.run_id))
    single_s, single_cpu = _time_intervals(results, repeats=1)
    repeated_s, repeated_cpu = _time_intervals(results, repeats=3)
    expected = sum(len(e[f"{s}run_time_all"]) + sum(1 for t in e[f"{s}errors_all"] if t not in e[f"{s}run_time_all"])
                   for e in results.values() for s in ("input_", "output_"))
    return [
        _limit_row(f"import + verdicts + both reports of an ECCO result file ({ROWS} rows) (s)", total_s,
                   TOTAL_LIMIT_S, cpu=total_cpu),
        {"metric": "  of which import-outputs / import-results / ecco report / --ecco-compat (s)",
         "value": f"{outputs_s:.2f} / {import_s - outputs_s:.2f} / {default_s:.2f} / {compat_s:.2f}",
         "target": "", "ok": None},
        _limit_row(f"  verdict refresh of {n_verdicts} outputs (s)", verdicts_s, VERDICTS_LIMIT_S, cpu=verdicts_cpu),
        _limit_row("  measurement intervals of every output, ECCO's one value a test (s)", single_s,
                   INTERVALS_LIMIT_S, cpu=single_cpu),
        _limit_row("  the same with 3 repeats a test, `ecco eval --repeat 3` (s)", repeated_s, REPEATED_LIMIT_S,
                   cpu=repeated_cpu),
        {"metric": "per-test results stored", "value": f"{summary.executions:,} ({summary.executions / expected:.2f})",
         "target": f"{expected:,}", "ok": summary.executions == expected},
        {"metric": "pass@1: default / --ecco-compat; outcomes",
         "value": f"{default_line.pass_at_1:.2f} / {compat_line.pass_at_1:.2f}; "
                  + ", ".join(f"{k} {v}" for k, v in default_line.outcomes.items() if v),
         "target": f"≈ {OUTPUT_PASS_ALL * 100:.2f}", "ok": None},
        *_distribution_rows(results),
        {"metric": "load average (1 / 5 min) before, after: wall times stretch with it, CPU times do not",
         "value": f"{load_before[0]:.2f} / {load_before[1]:.2f}, {os.getloadavg()[0]:.2f} / {os.getloadavg()[1]:.2f}",
         "target": "2 cores", "ok": None},
    ]


if __name__ == "__main__":
    for row in main():
        print(f"{row['metric']:<82} {row['value']:>28}   target {row['target']}")
