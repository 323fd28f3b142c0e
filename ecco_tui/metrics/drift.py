"""Drift between evaluations: a test whose paired speedup moved, from one evaluation to another, by more than
the measurement noise allows.

Re-runs add evidence (pairs are pooled, never replaced), so a verdict may rest on pairs from several
evaluations: an `ecco eval` on a quiet machine, a re-run under load a day later. Pairing cancels load that hits
both programs alike, but not a change of what the programs meet (another Python, CPU frequency scaling that
favours one kind of work, a cache-sized input on a new host). When the evaluations disagree, the pooled median
hides it; this module finds the tests where they disagree, so the compare view and the report can say so.

For one comparison, per test t and evaluation e (in the order they ran), the paired log-ratios
r_tek = log(a_tek / b_tek) (input over output CPU time, adjacent runs: `metrics.paired`):

* m_te = median_k r_tek, n_te their count;
* the noise sigma of one log-ratio is pooled within (test, evaluation) groups (squared deviations from each
  group's mean over sum (n_te - 1) degrees of freedom), and never below the noise of two runs of one
  program at the measured per-run floor, sqrt(2) * log(1 + DEFAULT_NOISE_CV): with one pair per test and
  evaluation there is nothing to pool, and two single runs differ by about that much;
* the differences d_t = m_tf - m_te of the OTHER tests between the same two evaluations show the noise too,
  and are all there is when each evaluation ran each test once: scaled to one log-ratio, their SD (with
  at least 6 tests) replaces sigma when larger, and then the critical value is Student's t with their
  degrees of freedom instead of the normal's (leaving test t out keeps a drifted test from hiding itself);
* test t drifted between e and f when |m_te - m_tf| > critical * c * sigma * sqrt(1/n_te + 1/n_tf) (the
  standard error of a difference of two medians; c = 1.2533 = sqrt(pi/2), a median's efficiency against the
  mean for normal noise, applied when a group has 3 or more pairs) AND the ratio moved by at least MIN_MOVE
  (a shift too small to matter to a speedup claim is not reported however many pairs pin it down).

The critical values are the two-sided 0.1% points (Z_DRIFT = 3.29 for the normal): a comparison has ~20
tests, so at 5% per test almost every output would be flagged by noise alone. Simulated null comparisons of
20 tests (tests/unit/test_metrics_drift.py) flag 1-2% with normal noise (one or three pairs per evaluation)
and up to 5% with heavy-tailed noise; a test whose speedup moved 1.5x is found 87% of the time with three
pairs per evaluation, 38% with one.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from ecco_tui.metrics.stats import DEFAULT_NOISE_CV

__all__ = ["MIN_MOVE", "Z_DRIFT", "TestDrift", "drifted_tests", "log_ratio_noise"]

Z_DRIFT = 3.29
MIN_MOVE = 1.05
_NOISE_FLOOR = math.sqrt(2.0) * math.log1p(DEFAULT_NOISE_CV)
_MEDIAN_EFFICIENCY = math.sqrt(math.pi / 2.0)
_MIN_TESTS_FOR_SPREAD = 6
# Two-sided 0.1% quantiles of Student's t, df = 3..30 (above: the Cornish-Fisher expansion, error < 0.01).
_T9995 = (12.924, 8.610, 6.869, 5.959, 5.408, 5.041, 4.781, 4.587, 4.437, 4.318, 4.221, 4.140, 4.073, 4.015,
          3.965, 3.922, 3.883, 3.850, 3.819, 3.792, 3.768, 3.745, 3.725, 3.707, 3.690, 3.674, 3.659, 3.646)


@dataclass(frozen=True, slots=True)
class TestDrift:
    """A test whose paired speedup differs between evaluations beyond noise."""

    __test__ = False  # not a pytest class

    test: str
    speedups: tuple[float, ...]  # per evaluation, in the order they ran: median of a/b over its pairs
    pairs: tuple[int, ...]  # pairs per evaluation
    z: float  # the largest difference between two evaluations, in units of its critical value (> 1: drift)

    def describe(self) -> str:
        """"1.31× (3) → 0.98× (1)": each evaluation's speedup on this test and its pairs."""
        return " → ".join(f"{s:.2f}× ({n})" for s, n in zip(self.speedups, self.pairs, strict=True))


def log_ratio_noise(groups: Mapping[str, Sequence[Sequence[float]]]) -> float:
    """sigma of one paired log-ratio, pooled within every (test, evaluation) group, floored (module doc)."""
    squares = 0.0
    df = 0
    for by_evaluation in groups.values():
        for values in by_evaluation:
            if len(values) >= 2:
                mean = math.fsum(values) / len(values)
                squares += math.fsum((v - mean) ** 2 for v in values)
                df += len(values) - 1
    pooled = math.sqrt(squares / df) if df else 0.0
    return max(pooled, _NOISE_FLOOR)


def _spread(n: int) -> float:
    return _MEDIAN_EFFICIENCY / math.sqrt(n) if n >= 3 else 1.0 / math.sqrt(n)


def _t_critical(df: int) -> float:
    """The 0.9995 quantile of Student's t (two-sided 0.1%, as Z_DRIFT) with `df` degrees of freedom."""
    if df < 3:
        raise ValueError(f"df must be at least 3, got {df}")
    if df <= 2 + len(_T9995):
        return _T9995[df - 3]
    z = Z_DRIFT
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def _sd(values: Sequence[float]) -> float:
    mean = math.fsum(values) / len(values)
    return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1))


def drifted_tests(groups: Mapping[str, Sequence[Sequence[float]]]) -> dict[str, TestDrift]:
    """The tests that drifted: `groups[test]` holds, per evaluation in the order they ran, that evaluation's
    paired log-ratios on the test (empty evaluations are ignored). Tests measured in one evaluation never
    drift."""
    within = log_ratio_noise(groups)
    kept = {test: [(i, list(v)) for i, v in enumerate(by_evaluation) if v] for test, by_evaluation in groups.items()}
    medians = {test: {i: statistics.median(v) for i, v in found} for test, found in kept.items() if len(found) >= 2}
    counts = {test: {i: len(v) for i, v in found} for test, found in kept.items()}
    worst: dict[str, float] = {}
    evaluations = sorted({i for by in medians.values() for i in by})
    for i, j in combinations(evaluations, 2):
        both = [t for t, by in medians.items() if i in by and j in by]
        scale = {t: math.hypot(_spread(counts[t][i]), _spread(counts[t][j])) for t in both}
        moves = {t: medians[t][j] - medians[t][i] for t in both}
        standard = {t: moves[t] / scale[t] for t in both}
        for t in both:
            if abs(moves[t]) < math.log(MIN_MOVE):
                continue
            sigma, critical = within, Z_DRIFT
            if len(both) >= _MIN_TESTS_FOR_SPREAD:
                # How much the other tests moved between the two evaluations shows the noise too (it is all of
                # it when each evaluation ran a test once); estimated from them, it calls for t's quantile.
                others = _sd([standard[u] for u in both if u != t])
                if others > sigma:
                    sigma, critical = others, _t_critical(len(both) - 2)
            worst[t] = max(worst.get(t, 0.0), abs(moves[t]) / (sigma * scale[t]) / critical)
    return {t: TestDrift(t, tuple(math.exp(m) for m in medians[t].values()), tuple(counts[t].values()), z)
            for t, z in worst.items() if z > 1.0}
