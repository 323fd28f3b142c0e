"""How a program's cost grows with input size, and whether an optimization changed that growth (issue #23).

Across a problem's tests, `fit_power` fits log(cost) = a + b·log(size) by least squares: b is the exponent
("~ n^2.0"), R² says how well a power law describes the tests. Two sizes are tried (`SIZES`): the input's bytes,
and the largest number in the input (`input_sizes`, for problems whose input is "n" or a value, not a list);
`classify_scaling` keeps the one that fits both programs better (highest mean R²), so both exponents are in
the same unit.

The cost is what the caller measured per test: deterministic line events (services.profiling) when the
programs were profiled on the tests, else CPU time minus the interpreter's start-up (`startup_floor`), since
start-up is a constant that flattens every exponent of a start-up-dominated test towards 0.

The verdict (`classify_scaling`), for an (input, output) pair:
- "algorithmic (exponent 2.0 -> 1.1)" when the exponents differ by at least `EXPONENT_MARGIN` (0.3) and both
  fits have R² >= `MIN_R2` (0.6). Why 0.3: the exponents of tests spanning one to two decades of size move by
  0.1-0.2 from constant overheads alone (a linear loop plus a fixed prologue fits ~0.95 over 25..400 items; an
  imperfect start-up floor bends CPU-time exponents similarly), while the algorithmic changes ECCO's editing
  outputs make (n² -> n log n or n, n -> 1) move it by 0.7 or more. n log n -> n (about 0.1-0.2 over these
  ranges) is below the margin: it reads as a constant factor, and the exponents are shown so a reader can see.
- "constant factor (1.8x at every size)" when both fit but the exponents are within the margin: the ratio is
  the median over tests of the per-test cost ratio (input / output), or the one the caller gives.
- "unclear" when there are fewer than 3 distinct sizes (no slope can be told from noise) or a fit is poor.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import median

__all__ = [
    "ALGORITHMIC",
    "CONSTANT_FACTOR",
    "EXPONENT_MARGIN",
    "MIN_R2",
    "SIZES",
    "STARTUP_FLOOR_S",
    "UNCLEAR",
    "PowerFit",
    "Scaling",
    "ScalingPoint",
    "TestCost",
    "classify_scaling",
    "cpu_test_costs",
    "fit_power",
    "input_sizes",
    "startup_floor",
]

ALGORITHMIC = "algorithmic"
CONSTANT_FACTOR = "constant factor"
UNCLEAR = "unclear"
#: The candidate sizes, in the order ties are broken.
SIZES = ("input bytes", "largest number")
EXPONENT_MARGIN = 0.3
MIN_R2 = 0.6
#: Start-up of an empty Python program measured on these machines (`pass`: 8.0-8.9 ms CPU, bare or in bwrap;
#: docs measurement.md); an upper bound of the floor `startup_floor` subtracts.
STARTUP_FLOOR_S = 0.008
#: The share of the lightest test's cost that the floor may take (the rest stays as that test's work).
FLOOR_SHARE = 0.9

_INTEGER = re.compile(rb"\d+")


def input_sizes(text: str | bytes) -> tuple[float, float | None]:
    """(bytes, magnitude of the largest integer) of a test input; the second is None when it has no integer.
    Integers of more than 300 digits count as 1e300 (a float cannot hold them; such inputs are rare)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    tokens = _INTEGER.findall(data)
    if not tokens:
        return float(len(data)), None
    widest = max(len(t.lstrip(b"0")) for t in tokens)
    if widest > 300:
        return float(len(data)), 1e300
    return float(len(data)), float(max(int(t) for t in tokens if len(t.lstrip(b"0")) == widest) if widest else 0)


def startup_floor(costs: Sequence[float], *, cap: float = STARTUP_FLOOR_S, share: float = FLOOR_SHARE) -> float:
    """The interpreter start-up to subtract from per-test CPU times: `share` of the lightest test's cost, and at
    most `cap` (the measured cost of an empty program). An estimate: a problem whose lightest test still does
    real work gets `cap`; one measured on a slower machine keeps some start-up in every cost (exponents then
    read a little low), which the margin of `classify_scaling` absorbs."""
    positive = [c for c in costs if c > 0]
    return min(cap, share * min(positive)) if positive else 0.0


@dataclass(frozen=True, slots=True)
class PowerFit:
    """log(cost) = intercept + exponent·log(size), fitted by least squares over `n` tests."""

    exponent: float
    intercept: float
    r2: float
    n: int

    def cost_at(self, size: float) -> float:
        return math.exp(self.intercept) * math.pow(size, self.exponent)


def fit_power(points: Sequence[tuple[float, float]]) -> PowerFit | None:
    """The power-law fit of (size, cost) points with both positive; None with fewer than 3 distinct sizes.
    R² is 1 when every cost is the same and the fit is flat (nothing left to explain)."""
    usable = [(math.log(s), math.log(c)) for s, c in points if s > 0 and c > 0]
    if len({x for x, _ in usable}) < 3:
        return None
    n = len(usable)
    mx = math.fsum(x for x, _ in usable) / n
    my = math.fsum(y for _, y in usable) / n
    sxx = math.fsum((x - mx) ** 2 for x, _ in usable)
    sxy = math.fsum((x - mx) * (y - my) for x, y in usable)
    slope = sxy / sxx
    intercept = my - slope * mx
    ss_tot = math.fsum((y - my) ** 2 for _, y in usable)
    ss_res = math.fsum((y - intercept - slope * x) ** 2 for x, y in usable)
    r2 = 1.0 if ss_tot <= 1e-24 else max(0.0, 1.0 - ss_res / ss_tot)
    return PowerFit(slope, intercept, r2, n)


@dataclass(frozen=True, slots=True)
class TestCost:
    """One test's candidate sizes and the cost of each program on it (None: not measured, or failed)."""

    __test__ = False  # not a pytest class

    test_id: str
    input_bytes: float
    largest_number: float | None
    input_cost: float | None
    output_cost: float | None

    def size(self, name: str) -> float | None:
        return self.input_bytes if name == SIZES[0] else self.largest_number


@dataclass(frozen=True, slots=True)
class ScalingPoint:
    """A test on the log-log plot: its size (in `Scaling.size`'s unit) and each program's cost there."""

    test_id: str
    size: float
    input_cost: float | None
    output_cost: float | None


@dataclass(frozen=True, slots=True)
class Scaling:
    """The scaling verdict of an (input, output) pair and what it rests on."""

    kind: str  # ALGORITHMIC | CONSTANT_FACTOR | UNCLEAR
    summary: str  # "algorithmic (exponent 2.0 -> 1.1)", "constant factor (1.8x at every size)", "unclear (...)"
    cost: str  # what was fitted: "line events" or "cpu time"
    size: str | None  # the size candidate kept (one of SIZES), None when neither fits
    input_fit: PowerFit | None
    output_fit: PowerFit | None
    ratio: float | None  # median per-test cost ratio, input / output
    points: tuple[ScalingPoint, ...] = ()


def cpu_test_costs(
    sizes: Mapping[str, tuple[float, float | None]],
    input_times: Mapping[str, float],
    output_times: Mapping[str, float],
) -> list[TestCost]:
    """Per-test costs from CPU times (test id -> seconds, e.g. medians over repeats): each time minus one
    `startup_floor` estimated from both programs' times, so the two are charged the same start-up."""
    floor = startup_floor([*input_times.values(), *output_times.values()])
    out = []
    for test_id, (size, largest) in sizes.items():
        a, b = input_times.get(test_id), output_times.get(test_id)
        out.append(TestCost(test_id, size, largest, None if a is None else a - floor,
                            None if b is None else b - floor))
    return out


def _ratio(tests: Sequence[TestCost]) -> float | None:
    ratios = [t.input_cost / t.output_cost for t in tests
              if t.input_cost is not None and t.output_cost is not None and t.input_cost > 0 and t.output_cost > 0]
    return median(ratios) if ratios else None


def _fits(tests: Sequence[TestCost], size: str) -> tuple[PowerFit | None, PowerFit | None]:
    def pts(side: str) -> list[tuple[float, float]]:
        out = []
        for t in tests:
            s, c = t.size(size), getattr(t, side)
            if s is not None and c is not None:
                out.append((s, c))
        return out

    return fit_power(pts("input_cost")), fit_power(pts("output_cost"))


def classify_scaling(
    tests: Sequence[TestCost],
    *,
    cost: str,
    ratio: float | None = None,
    margin: float = EXPONENT_MARGIN,
    min_r2: float = MIN_R2,
) -> Scaling:
    """The pair's verdict (see the module doc) from its per-test costs; `ratio` replaces the median cost ratio
    of a constant factor (e.g. CPU time's when the fit used line events, which do not see cheaper steps)."""
    best: tuple[float, str, PowerFit, PowerFit] | None = None
    for size in SIZES:
        fin, fout = _fits(tests, size)
        if fin is not None and fout is not None and (best is None or (fin.r2 + fout.r2) / 2 > best[0]):
            best = ((fin.r2 + fout.r2) / 2, size, fin, fout)
    factor = ratio if ratio is not None else _ratio(tests)
    if best is None:
        one = next((s for s in SIZES if any(f is not None for f in _fits(tests, s))), None)
        fin, fout = _fits(tests, one) if one else (None, None)
        return Scaling(UNCLEAR, f"{UNCLEAR} (fewer than 3 distinct sizes)", cost, one, fin, fout, factor,
                       _points(tests, one))
    _, size, fin, fout = best
    points = _points(tests, size)
    if min(fin.r2, fout.r2) < min_r2:
        return Scaling(UNCLEAR, f"{UNCLEAR} (poor fit: R² {fin.r2:.2f} and {fout.r2:.2f})", cost, size, fin, fout,
                       factor, points)
    if abs(fin.exponent - fout.exponent) >= margin:
        return Scaling(ALGORITHMIC, f"{ALGORITHMIC} (exponent {fin.exponent:.1f} -> {fout.exponent:.1f})", cost,
                       size, fin, fout, factor, points)
    shown = "–" if factor is None else f"{factor:.1f}x"
    return Scaling(CONSTANT_FACTOR, f"{CONSTANT_FACTOR} ({shown} at every size)", cost, size, fin, fout, factor,
                   points)


def _points(tests: Sequence[TestCost], size: str | None) -> tuple[ScalingPoint, ...]:
    if size is None:
        return ()
    out = []
    for t in tests:
        s = t.size(size)
        if s is not None:
            out.append(ScalingPoint(t.test_id, s, t.input_cost, t.output_cost))
    return tuple(sorted(out, key=lambda p: (p.size, p.test_id)))
