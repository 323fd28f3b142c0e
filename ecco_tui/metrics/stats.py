"""Uncertainty for ratio metrics: a seeded bootstrap confidence interval for a ratio of sums.

Speedup and memory reduction are ratios of sums over tests of noisy measurements. A judge's timings vary
by a few percent between runs, so a speedup of 1.03 may be noise; the paper reports point values only.
This module gives an interval so that "faster" can mean "faster beyond the measurement noise" (see
``outcome.classify_outcome(noise=...)``).

The bootstrap resamples at two levels, as the data were produced: tests with replacement (the test set
is a sample of possible inputs) and, within each drawn test, the repeated runs with replacement (each
run is a sample of the judge's noise). Resampling both levels is conservative, which is the safe side
for a claim of improvement.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence

from ecco_tui.metrics.types import TestMeasure


def _median_sorted(values: Sequence[float]) -> float:
    n = len(values)
    mid = n // 2
    return values[mid] if n % 2 else (values[mid - 1] + values[mid]) / 2


def _quantile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolation quantile (the "type 7" rule used by most statistics packages)."""
    position = (len(sorted_values) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    fraction = position - low
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * fraction


def _clean(samples: Mapping[str, Sequence[float]], name: str) -> dict[str, tuple[float, ...]]:
    cleaned: dict[str, tuple[float, ...]] = {}
    for key, values in samples.items():
        for value in values:
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name}[{key!r}] has {value!r}; values must be finite and non-negative")
        if values:
            # Sorting makes the result independent of the order repeats were recorded in.
            cleaned[str(key)] = tuple(sorted(values))
    return cleaned


def _resampled_median(values: tuple[float, ...], rand: random.Random) -> float:
    n = len(values)
    if n == 1:
        return values[0]
    draw = rand.random
    return _median_sorted(sorted([values[int(draw() * n)] for _ in range(n)]))


def _shared_tests(
    num_samples: Mapping[str, Sequence[float]], den_samples: Mapping[str, Sequence[float]], n_boot: int, alpha: float
) -> tuple[list[tuple[float, ...]], list[tuple[float, ...]], float] | None:
    """Check the arguments, keep the tests both sides measured (sorted), and compute the point estimate:
    the ratio of the sums of per-test medians. None when no test is shared or the denominator is zero."""
    if n_boot < 1:
        raise ValueError(f"n_boot must be at least 1, got {n_boot}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    num = _clean(num_samples, "num_samples")
    den = _clean(den_samples, "den_samples")
    keys = sorted(num.keys() & den.keys())
    if not keys:
        return None
    num_values = [num[k] for k in keys]
    den_values = [den[k] for k in keys]
    point_den = math.fsum(_median_sorted(v) for v in den_values)
    if point_den == 0:
        return None
    return num_values, den_values, math.fsum(_median_sorted(v) for v in num_values) / point_den


def bootstrap_ratio_ci(
    num_samples: Mapping[str, Sequence[float]],
    den_samples: Mapping[str, Sequence[float]],
    *,
    n_boot: int = 2000,
    seed: int = 0,
    alpha: float = 0.05,
) -> tuple[float, float, float] | None:
    """Point estimate and percentile-bootstrap interval for sum(num) / sum(den) over tests.

    ``num_samples`` / ``den_samples`` map a test id to that test's repeated measurements (e.g. the input's
    and the output's run times, giving a speedup interval). Only tests present, with at least one value,
    in both mappings are used, as for ``editing.speedup``.

    * Point estimate: ratio of the sums of per-test medians (the median resists the occasional slow run).
    * Each of ``n_boot`` replicates draws the tests with replacement, then each drawn test's numerator and
      denominator repeats with replacement, and takes the same ratio of sums of medians. Replicates whose
      denominator sums to zero are dropped.
    * Interval: the ``alpha/2`` and ``1 - alpha/2`` quantiles of the replicates (percentile bootstrap).

    Deterministic for a given ``seed`` (``random.Random(seed)``, never the global generator) and
    independent of key order and of the order of repeats within a test (both are sorted first), so the
    same data always give the same interval. Returns ``None`` when no test is shared, or the point
    estimate's denominator is zero.
    """
    prepared = _shared_tests(num_samples, den_samples, n_boot, alpha)
    if prepared is None:
        return None
    num_values, den_values, point = prepared

    rand = random.Random(seed)
    draw = rand.random
    n_tests = len(num_values)
    replicates: list[float] = []
    for _ in range(n_boot):
        num_total = den_total = 0.0
        for _ in range(n_tests):
            index = int(draw() * n_tests)
            num_total += _resampled_median(num_values[index], rand)
            den_total += _resampled_median(den_values[index], rand)
        if den_total > 0:
            replicates.append(num_total / den_total)
    if not replicates:
        return None
    replicates.sort()
    return point, _quantile(replicates, alpha / 2), _quantile(replicates, 1 - alpha / 2)


def _samples(measures: Iterable[TestMeasure], attr: str) -> dict[str, list[float]]:
    grouped: dict[str, list[float]] = {}
    for measure in measures:
        value = getattr(measure, attr)
        if value is not None:
            grouped.setdefault(measure.test_id, []).append(value)
    return grouped


def runtime_samples(measures: Iterable[TestMeasure]) -> dict[str, list[float]]:
    """Group repeated runs' CPU times by test id (runs without a time are left out)."""
    return _samples(measures, "cpu_time_s")


def memory_samples(measures: Iterable[TestMeasure]) -> dict[str, list[float]]:
    """Group repeated runs' memory values by test id (runs without a value are left out)."""
    return _samples(measures, "memory_kb")


def speedup_ci(
    input_runs: Iterable[TestMeasure],
    output_runs: Iterable[TestMeasure],
    *,
    n_boot: int = 2000,
    seed: int = 0,
    alpha: float = 0.05,
) -> tuple[float, float, float] | None:
    """Bootstrap interval for Runtime(input) / Runtime(output) from raw repeated runs of both programs.

    Correctness is not checked here: the interval serves ``classify_outcome(noise=...)``, which judges speed
    for failing outputs too. Use the point only where ``editing.speedup`` would be defined.
    """
    return bootstrap_ratio_ci(
        runtime_samples(input_runs), runtime_samples(output_runs), n_boot=n_boot, seed=seed, alpha=alpha
    )


#: Relative spread of one CPU-time measurement assumed when a test was run once (no repeats to learn it
#: from). Measured on these 2-core machines: 1.4-2.8% CV for programs of 10-60 ms (shared/measurement.md),
#: rounded up; Judge0's 1 ms resolution on 10 ms programs is of the same order.
DEFAULT_NOISE_CV = 0.03


def _measurement_draw(rand: random.Random, noise_cv: float) -> Callable[[tuple[float, ...]], float]:
    """One replicate of a test's value: the median of its repeats drawn with replacement, or, for a test
    measured once, its value times a log-normal factor of ``noise_cv`` spread."""
    sigma = math.log1p(noise_cv)

    def draw(values: tuple[float, ...]) -> float:
        if len(values) == 1:
            return values[0] * math.exp(rand.gauss(0.0, sigma))
        return _resampled_median(values, rand)

    return draw


def measurement_ratio_ci(
    num_samples: Mapping[str, Sequence[float]],
    den_samples: Mapping[str, Sequence[float]],
    *,
    n_boot: int = 2000,
    seed: int = 0,
    alpha: float = 0.05,
    noise_cv: float = DEFAULT_NOISE_CV,
) -> tuple[float, float, float] | None:
    """Interval for sum(num) / sum(den) over a FIXED set of tests, from measurement noise only.

    This answers "is the output faster on these tests, beyond what re-measuring would change?", which is
    what "correct" versus "spurious" optimization is about. Resampling the tests themselves (as
    :func:`bootstrap_ratio_ci` does) answers a different question — how the ratio would vary over other
    test sets — and makes an output that is 6× faster on the large tests but equal on the tiny ones look
    undecided, because a resample may draw only tiny tests.

    Each replicate keeps every shared test; a test measured several times contributes the median of its
    repeats drawn with replacement; a test measured once contributes its value times a log-normal factor
    with ``noise_cv`` spread (the engine's known per-measurement noise). Seeded and order-independent like
    :func:`bootstrap_ratio_ci`; the point estimate is the same ratio of sums of per-test medians.
    """
    if noise_cv < 0:
        raise ValueError(f"noise_cv must be non-negative, got {noise_cv}")
    prepared = _shared_tests(num_samples, den_samples, n_boot, alpha)
    if prepared is None:
        return None
    num_values, den_values, point = prepared
    rand = random.Random(seed)
    draw = _measurement_draw(rand, noise_cv)
    replicates = []
    for _ in range(n_boot):
        den_total = math.fsum(draw(v) for v in den_values)
        num_total = math.fsum(draw(v) for v in num_values)
        if den_total > 0:
            replicates.append(num_total / den_total)
    if not replicates:
        return None
    replicates.sort()
    return point, _quantile(replicates, alpha / 2), _quantile(replicates, 1 - alpha / 2)


def measurement_speedup_ci(
    input_runs: Iterable[TestMeasure],
    output_runs: Iterable[TestMeasure],
    *,
    n_boot: int = 2000,
    seed: int = 0,
    alpha: float = 0.05,
    noise_cv: float = DEFAULT_NOISE_CV,
) -> tuple[float, float, float] | None:
    """:func:`measurement_ratio_ci` of Runtime(input) / Runtime(output) from raw (repeated) runs."""
    return measurement_ratio_ci(runtime_samples(input_runs), runtime_samples(output_runs), n_boot=n_boot,
                                seed=seed, alpha=alpha, noise_cv=noise_cv)


def measurement_total_ci(
    samples: Mapping[str, Sequence[float]],
    *,
    n_boot: int = 2000,
    seed: int = 0,
    alpha: float = 0.05,
    noise_cv: float = DEFAULT_NOISE_CV,
) -> tuple[float, float, float] | None:
    """Point (sum of per-test medians) and interval for one program's total over a FIXED set of tests, from
    measurement noise only (the same replicates as :func:`measurement_ratio_ci`, without a denominator).

    Used where a program has no input to be compared with (NL generation), e.g. to decide when its total
    run time is known well enough. ``None`` when no test has a value.
    """
    if noise_cv < 0:
        raise ValueError(f"noise_cv must be non-negative, got {noise_cv}")
    if n_boot < 1:
        raise ValueError(f"n_boot must be at least 1, got {n_boot}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    cleaned = _clean(samples, "samples")
    values = [cleaned[k] for k in sorted(cleaned)]
    if not values:
        return None
    draw = _measurement_draw(random.Random(seed), noise_cv)
    replicates = sorted(math.fsum(draw(v) for v in values) for _ in range(n_boot))
    point = math.fsum(_median_sorted(v) for v in values)
    return point, _quantile(replicates, alpha / 2), _quantile(replicates, 1 - alpha / 2)


def within_relative(interval: tuple[float, float, float] | None, rel: float) -> bool:
    """True when an interval ``(point, lo, hi)`` lies within ``±rel`` of its point: ``lo >= point·(1-rel)``
    and ``hi <= point·(1+rel)`` (``--repeat auto`` stops repeating a pair once its speedup interval is this
    narrow). ``None`` (nothing measured to narrow) is False."""
    if interval is None:
        return False
    point, lo, hi = interval
    return lo >= point * (1 - rel) and hi <= point * (1 + rel)


# -- the table's values: a mean over pairs ------------------------------------------------------------


def bootstrap_mean_ci(
    values: Iterable[float],
    *,
    n_boot: int = 2000,
    seed: int = 0,
    alpha: float = 0.05,
) -> tuple[float, float, float] | None:
    """Mean and percentile-bootstrap interval of a mean over independent units (e.g. one speedup per pair).

    This is the interval of a table value such as the mean speedup over pairs: each replicate draws the
    values (pairs) with replacement, as many as there are, and takes their mean; the interval is the
    ``alpha/2`` and ``1 - alpha/2`` quantiles of ``n_boot`` replicates. It answers "how much would this mean
    move with another sample of pairs from the same population", the uncertainty of a benchmark average;
    each pair's own measurement noise is much smaller and left to the per-pair intervals.

    Deterministic for a seed (``random.Random(seed)``), independent of the order of ``values`` (they are
    sorted first), and exact-rounded (``math.fsum``). Always ``min <= lo <= mean <= hi <= max``. One value (or
    all equal) gives a zero-width interval; no values give ``None``. Values must be finite.
    """
    if n_boot < 1:
        raise ValueError(f"n_boot must be at least 1, got {n_boot}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    data = sorted(values)
    for value in data:
        if not math.isfinite(value):
            raise ValueError(f"values must be finite, got {value!r}")
    n = len(data)
    if n == 0:
        return None
    mean = math.fsum(data) / n
    if n == 1 or data[0] == data[-1]:
        return mean, mean, mean
    rand = random.Random(seed)
    choices = rand.choices
    replicates = sorted(math.fsum(choices(data, k=n)) / n for _ in range(n_boot))
    # A replicate mean cannot leave [min, max] (clamping removes fsum/n rounding at the edges), and the
    # interval is kept around its own point so that lo <= mean <= hi always holds.
    lo = min(max(_quantile(replicates, alpha / 2), data[0]), mean)
    hi = max(min(_quantile(replicates, 1 - alpha / 2), data[-1]), mean)
    return mean, lo, hi


# -- two measures of cost: CPU time and instruction counts -------------------------------------------

#: Instruction-count ratios within this relative distance of 1 are "the same": counts are exact, but a
#: difference of under 1% in executed instructions (start-up included) is not a direction worth a claim.
INSTRUCTION_TIE = 0.01

FASTER = "faster"
SLOWER = "slower"
UNDECIDED = "undecided"  # an interval containing 1
SAME = "same"  # an instruction ratio within INSTRUCTION_TIE of 1


def ratio_of_sums(num: Mapping[str, float], den: Mapping[str, float], keys: Iterable[str]) -> float | None:
    """sum(num[k]) / sum(den[k]) over ``keys``; ``None`` when a key lacks a value on either side, there are
    no keys, or either sum is zero (as ``editing.speedup``, a zero total has no meaningful ratio)."""
    wanted = sorted(set(keys))
    if not wanted or any(k not in num or k not in den for k in wanted):
        return None
    top, bottom = math.fsum(num[k] for k in wanted), math.fsum(den[k] for k in wanted)
    if top <= 0 or bottom <= 0:
        return None
    return top / bottom


def interval_direction(lo: float, hi: float, at: float = 1.0) -> str:
    """Which way a speedup interval points: ``faster`` when all of it is above ``at``, ``slower`` when all of
    it is below, else ``undecided``."""
    if lo > at:
        return FASTER
    if hi < at:
        return SLOWER
    return UNDECIDED


def ratio_direction(ratio: float, tie: float = INSTRUCTION_TIE) -> str:
    """Which way an exact (deterministic) speedup points: ``faster`` above ``1 + tie``, ``slower`` below
    ``1 / (1 + tie)`` (symmetric on the log scale), else ``same``."""
    if tie < 0:
        raise ValueError(f"tie must be non-negative, got {tie}")
    if ratio > 1 + tie:
        return FASTER
    if ratio < 1 / (1 + tie):
        return SLOWER
    return SAME


def cost_directions_disagree(
    cpu_interval: tuple[float, float] | None, instruction_ratio: float | None, tie: float = INSTRUCTION_TIE
) -> bool:
    """True when CPU time and instruction counts point different ways for one pair: one says *faster* and the
    other *slower*, each by its own standard — the CPU-time speedup's interval lies wholly above 1 (below 1),
    and the instruction-count speedup is below ``1 / (1 + tie)`` (above ``1 + tie``).

    An undecided CPU interval or an instruction ratio within the tie band is no disagreement: one measure
    being unsure is not the two contradicting each other. Missing either measure gives False.
    """
    if cpu_interval is None or instruction_ratio is None:
        return False
    directions = {interval_direction(*cpu_interval), ratio_direction(instruction_ratio, tie)}
    return directions == {FASTER, SLOWER}
