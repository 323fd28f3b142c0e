"""EffiBench's normalized execution time (NET) and normalized max memory usage (NMU).

Definition (Huang et al., "EffiBench: Benchmarking the Efficiency of Automatically Generated Code", 2024: NET and
NMU as the paper defines them; reference implementation huangd1999/EffiBench,
`src/report_overhead.py`: `calculate_runtime`, `report_max_memory_usage` and the per-model loop): over the
correct completions i of a model, with c_i the canonical solution's figure on the same problem,

    NET = sum_i t_i / sum_i t_canonical,i        (ratio of sums: what report_overhead.py prints)
    NMU = sum_i m_i / sum_i m_canonical,i        (m: peak memory)

and the mean of the per-problem ratios, mean_i t_i / t_canonical,i (the list that script also builds), which
weighs every problem alike. Lower is better; 1 means as efficient as the canonical solution. Only correct
completions count (EffiBench measures those alone).

On ECCO data the canonical solution is the pair's fast program (editing) or the fastest human solution
(generation), measured on the sample's engine; t is the total CPU time over the scored tests, m the largest
per-test memory peak.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class NormalizedCost:
    """NET or NMU both ways: `ratio_of_sums` (EffiBench's headline) and `mean_of_ratios`, over `n` completions."""

    ratio_of_sums: float
    mean_of_ratios: float
    n: int


def normalized_cost(model: Sequence[float], canonical: Sequence[float]) -> NormalizedCost | None:
    """NET (times) or NMU (peak memories) of the correct completions `model[i]` against `canonical[i]`;
    None when there are none. Canonical figures must be positive."""
    if len(model) != len(canonical):
        raise ValueError("one canonical figure per completion")
    if not model:
        return None
    if any(c <= 0 for c in canonical):
        raise ValueError("canonical figures must be positive")
    return NormalizedCost(math.fsum(model) / math.fsum(canonical),
                          math.fsum(m / c for m, c in zip(model, canonical, strict=True)) / len(model), len(model))


def ratio_of_sums_ci(
    numerators: Sequence[float], denominators: Sequence[float], *, n_boot: int = 2000, seed: int = 0,
    alpha: float = 0.05,
) -> tuple[float, float] | None:
    """Percentile-bootstrap interval of sum(numerators) / sum(denominators), resampling the units (one per
    problem: its numerator and denominator together) with replacement; seeded (numpy's default generator), so
    the same data give the same interval. None with fewer than two units."""
    if len(numerators) != len(denominators):
        raise ValueError("one denominator per numerator")
    n = len(numerators)
    if n < 2:
        return None
    num, den = np.asarray(numerators, dtype=float), np.asarray(denominators, dtype=float)
    picks = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    totals = den[picks].sum(axis=1)
    keep = totals > 0
    replicates = np.sort(num[picks].sum(axis=1)[keep] / totals[keep])
    if replicates.size == 0:
        return None
    lo, hi = np.quantile(replicates, [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)


__all__ = ["NormalizedCost", "normalized_cost", "ratio_of_sums_ci"]
