"""Mercury's Beyond: where a correct program's runtime falls in the range of the problem's human solutions.

Definition (Du et al., "Mercury: A Code Efficiency Benchmark for Code Synthesis by Large Language Models", 2024:
the Beyond metric as described in the paper; the reference repository Elfsong/Mercury was read, but its
`src/evaluator.py` computes pass@k only and no Beyond function was found there):

    Beyond(t) = (t_max - clip(t, t_min, t_max)) / (t_max - t_min)

over the runtimes of the problem's human solutions (t_min the fastest, t_max the slowest); a wrong sample scores
0; a model's Beyond is the mean over problems. beyond@k: the expected best Beyond of k of a problem's n samples,
by the same unbiased estimator as ENAMEL's eff@k (`enamel.unbiased_at_k`); beyond@1 is the mean.

When every human solution has the same runtime (t_max = t_min) the range is empty: a sample at least as fast
scores 1, a slower one 0 (the clip's limit). On ECCO data the human runtimes are the problem's human solutions
run on the sample's engine (`services.judging.spectra`), each a mean per-test CPU time.
"""

from __future__ import annotations

from collections.abc import Sequence

from ecco_tui.metrics.field.enamel import unbiased_at_k


def beyond(passed: bool, t: float | None, human_runtimes: Sequence[float]) -> float:
    """One sample's Beyond in [0, 1] (0 when wrong or not measured)."""
    if not human_runtimes:
        raise ValueError("no human runtimes")
    if not passed or t is None:
        return 0.0
    low, high = min(human_runtimes), max(human_runtimes)
    if high == low:
        return 1.0 if t <= low else 0.0
    return (high - min(max(t, low), high)) / (high - low)


def beyond_at_k(values: Sequence[float], k: int) -> float:
    """beyond@k of one problem from its samples' Beyond values (`enamel.unbiased_at_k`)."""
    return unbiased_at_k(values, k)


__all__ = ["beyond", "beyond_at_k"]
