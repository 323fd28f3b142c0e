"""What real ECCO programs cost, for the benchmarks that model "an ECCO split" (one copy, shared).

Test counts, per-test CPU time and memory, and the pass/fail mix of a test split's slow inputs and model outputs,
drawn from a real ECCO run (shared/measurement.md, "What real ECCO programs cost", and the re-run in
shared/real-artifacts). `results_import_bench` writes them into ECCO's result files; `eval_bench` turns them
into programs that really cost them.

A split is rows over problems (about 16 rows a problem). Each problem draws its number of tests and a cost
level; each row draws, test by test, its slow input's CPU time (a Gaussian copula on the problem's level:
heavy problems have heavy tests), how much of that work its output keeps (one factor a row), both programs'
memory, and which tests each program passes, gets wrong, or crashes on.
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass

#: Tests per problem: 20 for almost every problem, 12-37 for the rest (shared/measurement.md).
TESTS_USUAL, TESTS_RANGE, P_USUAL = 20, (12, 37), 0.9
#: Per-test CPU time, all programs (s): (quantile, value) knots, log-linear in between (shared/measurement.md:
#: p10 10 ms, p50 11 ms, p90 91 ms, p99 3.17 s, max 4.65 s; 8 ms is the interpreter's start-up floor).
TIME_KNOTS_S = ((0.0, 0.008), (0.10, 0.010), (0.50, 0.011), (0.90, 0.091), (0.99, 3.17), (1.0, 4.65))
#: Per-test memory (KB, Judge0's cgroup figure): p50 3.3 MB, max 439 MB (shared/measurement.md); the knots in
#: between are the slow inputs' of the re-run in shared/real-artifacts.
MEMORY_KNOTS_KB = ((0.0, 3096.0), (0.10, 3216.0), (0.50, 3344.0), (0.90, 4028.0), (0.95, 4808.0),
                   (0.99, 81512.0), (0.999, 439244.0), (1.0, 439376.0))
MAX_MEMORY_KB = MEMORY_KNOTS_KB[-1][1]
#: How alike one problem's tests are in cost (Gaussian copula correlation: heavy problems have heavy tests);
#: higher values make 50 problems too lumpy to keep the quantiles above.
PROBLEM_CORRELATION = 0.3
#: Slow inputs: 639 of 794 pass every test; a failing one crashes on 23% and gets a Wrong Answer on 7.5% of
#: its tests (713 crashes and 233 Wrong Answers in the re-run: 15,147 of 15,860 input tests timed).
INPUT_PASS_ALL, INPUT_CRASH, INPUT_WRONG = 639 / 794, 0.23, 0.075
#: Model outputs: pass@1 28.84 (the published DeepSeek edit run, issue 20); 11% crash on every test; the other
#: failing ones get a Wrong Answer on half their tests and crash on 4%, so 86% of output tests carry a time
#: (13,660 of ~15,800 in the run shared/measurement.md describes).
OUTPUT_PASS_ALL, OUTPUT_CRASH_ALL, OUTPUT_WRONG, OUTPUT_CRASH = 0.2884, 0.11, 0.5, 0.04
#: An output's work (CPU time above start-up) relative to its input's: log-normal per row, median 0.3, wide
#: (a few outputs 10-100× faster, some slower); over the split outputs take about half the inputs' time
#: (1,332 s vs 2,800 s in shared/measurement.md, means 97 ms vs 185 ms).
WORK_MEDIAN, WORK_SIGMA, WORK_MAX, STARTUP_S, MAX_TIME_S = 0.3, 1.2, 3.0, 0.008, TIME_KNOTS_S[-1][1]
#: The real figures the draws are compared with (shared/measurement.md).
REAL_FIGURES = {"time p10": 0.010, "time p50": 0.011, "time p90": 0.091, "time p99": 3.17, "time max": 4.65,
                "memory p50 (KB)": 3300.0, "memory max (KB)": 439000.0}
#: One evaluation of the real split (794 rows): CPU-seconds of the tests that completed, inputs + outputs.
REAL_ROWS, REAL_CPU_S = 794, 2800.0 + 1332.0


def from_knots(knots: tuple[tuple[float, float], ...], u: float) -> float:
    """Inverse CDF through (quantile, value) knots, log-linear between them."""
    qs = [q for q, _ in knots]
    i = min(max(bisect.bisect_right(qs, u), 1), len(knots) - 1)
    (q0, v0), (q1, v1) = knots[i - 1], knots[i]
    return math.exp(math.log(v0) + (math.log(v1) - math.log(v0)) * (u - q0) / (q1 - q0))


def uniform(z: float) -> float:
    """The standard normal CDF: a copula's Gaussian draw to a quantile."""
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def statuses(rng: random.Random, tests: list[str], crash: float, wrong: float) -> dict[str, str]:
    """A failing program's outcome on each test (crash | wrong | pass), with at least one failure."""
    while True:
        out = {}
        for t in tests:
            u = rng.random()
            out[t] = "crash" if u < crash else "wrong" if u < crash + wrong else "pass"
        if any(s != "pass" for s in out.values()):
            return out


def draw_problems(rng: random.Random, n: int) -> tuple[list[float], list[int]]:
    """Each problem's cost level (a standard normal draw) and its number of tests."""
    levels = [rng.gauss(0, 1) for _ in range(n)]
    tests = [TESTS_USUAL if rng.random() < P_USUAL else rng.randint(*TESTS_RANGE) for _ in range(n)]
    return levels, tests


@dataclass(frozen=True, slots=True)
class RowCosts:
    """One row's draw, by test name ("0", "1", …): per-test CPU seconds, memory KB and status of each side."""

    tests: list[str]
    in_time: dict[str, float]
    work: float  # the output's work (CPU above start-up) relative to the input's, one factor for the row
    out_time: dict[str, float]  # in_time with `work` applied, and 3% noise a test
    in_mem: dict[str, float]
    out_mem: dict[str, float]
    in_status: dict[str, str]  # pass | wrong | crash
    out_status: dict[str, str]


def draw_row(rng: random.Random, level: float, n_tests: int) -> RowCosts:
    """One row of a problem with cost level `level` and `n_tests` tests (the draws' order is fixed: a seed
    gives the same rows in every benchmark)."""
    tests = [str(k) for k in range(n_tests)]
    rho = PROBLEM_CORRELATION
    in_time = {t: from_knots(TIME_KNOTS_S, uniform(rho * level + math.sqrt(1 - rho**2) * rng.gauss(0, 1)))
               for t in tests}
    work = min(WORK_MEDIAN * math.exp(rng.gauss(0, WORK_SIGMA)), WORK_MAX)
    out_time = {t: min((STARTUP_S + max(v - STARTUP_S, 0) * work) * math.exp(rng.gauss(0, 0.03)), MAX_TIME_S)
                for t, v in in_time.items()}
    in_mem = {t: from_knots(MEMORY_KNOTS_KB, rng.random()) // 4 * 4 for t in tests}
    out_mem = {t: min(max(3000.0, v * math.exp(rng.gauss(0, 0.05))), MAX_MEMORY_KB) // 4 * 4
               for t, v in in_mem.items()}
    in_status = ({t: "pass" for t in tests} if rng.random() < INPUT_PASS_ALL
                 else statuses(rng, tests, INPUT_CRASH, INPUT_WRONG))
    u = rng.random()
    out_status = ({t: "pass" for t in tests} if u < OUTPUT_PASS_ALL
                  else {t: "crash" for t in tests} if u < OUTPUT_PASS_ALL + OUTPUT_CRASH_ALL
                  else statuses(rng, tests, OUTPUT_CRASH, OUTPUT_WRONG))
    return RowCosts(tests, in_time, work, out_time, in_mem, out_mem, in_status, out_status)


def draw_split(rng: random.Random, rows: int, problems: int) -> list[tuple[int, RowCosts]]:
    """A whole split: (problem index, costs) of each row, rows spread evenly over the problems."""
    levels, tests = draw_problems(rng, problems)
    out = []
    for i in range(rows):
        p = i * problems // rows
        out.append((p, draw_row(rng, levels[p], tests[p])))
    return out


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
