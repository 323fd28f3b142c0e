"""COFFE's efficient@1: correct and cheaper than the best reference.

Definition (Peng et al., "COFFE: A Code Efficiency Benchmark for Code Generation", 2025: efficient@k as described
in the paper; no reference implementation was found to read): a sample is *efficient*
when it is correct and its cost (COFFE: CPU instruction count on stressful test cases) is lower than that of
the problem's best (cheapest) ground-truth solution; efficient@1 is the share of problems, over one sample each,
whose sample is efficient. With n samples a problem contributes the share of its samples that are efficient (the
pass@1-style estimate c / n).

On ECCO data the references are the problem's human solutions measured on the sample's engine; the cost is the
instruction count where stored (`ecco eval --cost instructions`), else CPU time.
"""

from __future__ import annotations

from collections.abc import Sequence


def efficient(passed: bool, cost: float | None, best_reference: float) -> bool:
    """Whether a sample is correct and strictly cheaper than the best reference."""
    return passed and cost is not None and cost < best_reference


def efficient_at_1(flags: Sequence[bool]) -> float:
    """One problem's efficient@1 from its samples' `efficient` flags: the share that are efficient."""
    if not flags:
        raise ValueError("no samples")
    return sum(flags) / len(flags)


__all__ = ["efficient", "efficient_at_1"]
