"""Engine calibration: one number that turns engine A's CPU time (or memory) into engine B's, and its spread.

The input is, per calibration program, a median measured on a reference engine A and on engine B (CPU seconds
or KB). Each program gives a ratio r = B / A. The fitted factor is the centre of the ratios in log space,
``exp(median(log r))``:

* in log space because the effects are multiplicative (a slower clock stretches a 10 ms and a 2 s program
  alike), and so that the factor of A relative to B is exactly the reciprocal of B relative to A;
* a median because one odd program (a cache cliff, an allocator quirk) must not drag the factor.

The spread is the geometric standard deviation ``exp(sd(log r))`` (1.00 = every program agrees; 1.10 = ratios
typically within ×/÷ 1.10 of the factor) and the interquartile range of the ratios. A 95 % interval for the
factor comes from a seeded bootstrap over programs (the same data always give the same interval).

A ratio alone cannot describe a quantity with a fixed part (the interpreter's start-up time, the resident
memory of the interpreter itself, which one engine counts and another does not): the ratio then drifts with
the program's size. The Theil–Sen line ``B ≈ offset + slope · A`` (median of pairwise slopes, robust to
outliers like the median) describes that case; when the offset is small next to the values the factor and
the slope agree.

Programs are skipped when a side failed (``None``), is not a positive number, or is below ``floor`` (for
time: a multiple of the engine's timer resolution, where the ratio is mostly rounding).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from statistics import median

from ecco_tui.metrics.stats import _quantile  # the package's one quantile rule (type 7)

__all__ = [
    "FactorFit",
    "fit_factor",
    "geometric_sd",
    "measured_ratio",
    "theil_sen",
]

#: Why a program did not enter a fit.
SKIP_FAILED = "failed"
SKIP_NOT_POSITIVE = "not positive"
SKIP_BELOW_FLOOR = "below resolution"


@dataclass(frozen=True, slots=True)
class FactorFit:
    """Engine B relative to engine A for one quantity (CPU time or memory) over the calibration programs."""

    n: int  # programs that entered the fit
    factor: float | None  # exp(median(log(B/A)))
    lo: float | None  # 95 % bootstrap interval of the factor (None with fewer than 2 programs)
    hi: float | None
    geo_mean: float | None  # exp(mean(log(B/A)))
    gsd: float | None  # geometric standard deviation of the ratios (>= 1; None with fewer than 2)
    ratio_q1: float | None  # interquartile range of the ratios
    ratio_q3: float | None
    offset: float | None  # Theil–Sen line B ≈ offset + slope · A (in the quantity's unit)
    slope: float | None
    ratios: dict[str, float] = field(default_factory=dict)  # program -> B/A, for the programs used
    skipped: dict[str, str] = field(default_factory=dict)  # program -> reason


def measured_ratio(a: float | None, b: float | None) -> float | None:
    """B / A when both are finite positive numbers, else None (a failed or empty measurement has no ratio)."""
    if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)) or a <= 0 or b <= 0:
        return None
    return b / a


def geometric_sd(ratios: Sequence[float]) -> float | None:
    """exp of the sample standard deviation of log ratios; None with fewer than two ratios."""
    if len(ratios) < 2:
        return None
    logs = [math.log(r) for r in ratios]
    mean = math.fsum(logs) / len(logs)
    var = math.fsum((x - mean) ** 2 for x in logs) / (len(logs) - 1)
    return math.exp(math.sqrt(var))


def theil_sen(points: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    """Robust line ``y ≈ offset + slope · x``: slope = median of pairwise slopes, offset = median(y - slope·x).

    None when fewer than two points have distinct x. Robust to up to ~29 % of outlying points.
    """
    slopes = [
        (y2 - y1) / (x2 - x1)
        for i, (x1, y1) in enumerate(points)
        for x2, y2 in points[i + 1 :]
        if x2 != x1
    ]
    if not slopes:
        return None
    slope = median(slopes)
    offset = median([y - slope * x for x, y in points])
    return offset, slope


def _bootstrap_median(logs: Sequence[float], n_boot: int, seed: int, alpha: float) -> tuple[float, float]:
    """Percentile interval of the median of ``logs`` resampled with replacement (logs must be sorted)."""
    rand = random.Random(seed)
    n = len(logs)
    draw = rand.random
    medians = sorted(median([logs[int(draw() * n)] for _ in range(n)]) for _ in range(n_boot))
    return _quantile(medians, alpha / 2), _quantile(medians, 1 - alpha / 2)


def fit_factor(
    pairs: Mapping[str, tuple[float | None, float | None]],
    *,
    floor: float = 0.0,
    n_boot: int = 2000,
    seed: int = 0,
    alpha: float = 0.05,
) -> FactorFit:
    """Fit engine B's factor relative to engine A from ``{program: (value on A, value on B)}``.

    A program is skipped when either value is missing (the run failed), not a finite positive number, or
    below ``floor`` on either engine. The result does not depend on the order of ``pairs``.
    """
    if n_boot < 1:
        raise ValueError("n_boot must be at least 1")
    if not 0 < alpha < 1:
        raise ValueError("alpha must be between 0 and 1")
    ratios: dict[str, float] = {}
    skipped: dict[str, str] = {}
    points: list[tuple[float, float]] = []
    for program in sorted(pairs):
        a, b = pairs[program]
        if a is None or b is None:
            skipped[program] = SKIP_FAILED
            continue
        r = measured_ratio(a, b)
        if r is None:
            skipped[program] = SKIP_NOT_POSITIVE
            continue
        if a < floor or b < floor:
            skipped[program] = SKIP_BELOW_FLOOR
            continue
        ratios[program] = r
        points.append((a, b))
    if not ratios:
        return FactorFit(0, None, None, None, None, None, None, None, None, None, ratios, skipped)
    # Sorted values, not program names, drive the bootstrap: renaming or reordering programs changes nothing.
    logs = sorted(math.log(r) for r in ratios.values())
    ordered = sorted(ratios.values())
    factor = math.exp(median(logs))
    geo_mean = math.exp(math.fsum(logs) / len(logs))
    lo = hi = None
    if len(logs) >= 2:
        lo_log, hi_log = _bootstrap_median(logs, n_boot, seed, alpha)
        # The bootstrap median of a sample is always within its range; clamp against rounding of exp/log.
        lo, hi = min(math.exp(lo_log), factor), max(math.exp(hi_log), factor)
    line = theil_sen(sorted(points))
    return FactorFit(
        n=len(ratios),
        factor=factor,
        lo=lo,
        hi=hi,
        geo_mean=geo_mean,
        gsd=geometric_sd(ordered),
        ratio_q1=_quantile(ordered, 0.25),
        ratio_q3=_quantile(ordered, 0.75),
        offset=None if line is None else line[0],
        slope=None if line is None else line[1],
        ratios=ratios,
        skipped=skipped,
    )
