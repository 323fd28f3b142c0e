"""Speedup from paired, interleaved runs: each test runs the input and the output back to back.

Why pairing: most ECCO tests take 10-20 ms, mostly interpreter start-up, so the machine's drift between two
blocks of runs (all of A, then all of B) is larger than most real differences; measured on null pairs
(identical work, renamed), unpaired blocks called 48% of them faster or slower, adjacent pairs 5%.

Definitions, for one output against its input over a FIXED set of tests t = 1..n, each with k_t >= 1 adjacent
pairs (a_tk, b_tk) (a: the input's CPU time, b: the output's, run next to each other, order alternating):

* speedup S = sum_t med_k a_tk / sum_t med_k b_tk: the paper's ratio of sums (ECCO section 3), on medians;
  the interval is centred on its paired estimate S' = sum_t b_t exp(mean_k r_tk) / sum_t b_t (b_t = med_k
  b_tk), which load that varies from pair to pair does not move (S can: its medians may be other pairs');
* r_tk = log(a_tk / b_tk), the paired log-ratio, whose noise sigma^2 is estimated by pooling within tests
  when some test has k_t >= 2 (sum of squared deviations from each test's mean over sum (k_t - 1) degrees of
  freedom), else from the spread of the per-test log-ratios across tests (n - 1 degrees of freedom; this also
  counts real differences between tests as noise, so it can only widen the interval);
* log S moves with the tests' noise weighted by their share of the output's time, w_t = b_t / sum b:
  se(log S) = sigma * sqrt(sum_t w_t^2 / k_t) (the delta method), and the 95% interval is
  S * exp(+-t_{0.975, df} * se). With equal tests this is the paired t-interval of the mean log-ratio; when
  one heavy test carries the sum, its single pair decides, and the interval says so by being wide.

Calibration is measured, not assumed: `benchmarks/null_pairs_bench.py` prints the share of null pairs this
calls faster or slower.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence

__all__ = ["paired_ratio_ci", "t_quantile"]

# Two-sided 95% quantiles of Student's t, df = 1..30 (above: the Cornish-Fisher expansion, error < 1e-3).
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
         2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048,
         2.045, 2.042)
_Z975 = 1.959963984540054


def t_quantile(df: int) -> float:
    """The 0.975 quantile of Student's t with `df` degrees of freedom (the 95% two-sided critical value)."""
    if df < 1:
        raise ValueError(f"df must be at least 1, got {df}")
    if df <= len(_T975):
        return _T975[df - 1]
    z = _Z975
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def paired_ratio_ci(
    pairs: Mapping[str, Sequence[tuple[float, float]]]
) -> tuple[float, float, float] | None:
    """(S, lo, hi) for sum(a) / sum(b) over the tests from adjacent pairs `pairs[test] = [(a, b), ...]`
    (see the module docstring); None with fewer than two tests having a pair of positive times."""
    kept = {t: [(a, b) for a, b in ps if a > 0 and b > 0] for t, ps in pairs.items()}
    kept = {t: ps for t, ps in kept.items() if ps}
    if len(kept) < 2:
        return None
    a_med = {t: statistics.median(a for a, _ in ps) for t, ps in kept.items()}
    b_med = {t: statistics.median(b for _, b in ps) for t, ps in kept.items()}
    total_b = sum(b_med.values())
    point = sum(a_med.values()) / total_b
    logs = {t: [math.log(a / b) for a, b in ps] for t, ps in kept.items()}
    df = sum(len(v) - 1 for v in logs.values())
    if df > 0:
        squares = sum(sum((x - statistics.fmean(v)) ** 2 for x in v) for v in logs.values())
        variance = squares / df
    else:
        variance = statistics.variance([v[0] for v in logs.values()])
        df = len(logs) - 1
    se = math.sqrt(variance * sum((b_med[t] / total_b) ** 2 / len(logs[t]) for t in logs))
    half = t_quantile(df) * se
    # The interval is centred on the paired estimate of the same ratio of sums, each test's input time taken
    # as its output's times its mean paired ratio: the medians of a and of b can come from different pairs,
    # and under load that changes from pair to pair their ratio moves by more than the log-ratios' spread
    # (simulated: 19% of null pairs outside a median-centred interval, 5% with this centre).
    centre = sum(b_med[t] * math.exp(statistics.fmean(logs[t])) for t in logs) / total_b
    return point, centre * math.exp(-half), centre * math.exp(half)
