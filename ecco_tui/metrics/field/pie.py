"""PIE's best-of-k speedup and %Opt.

Definition (Shypula et al., "Learning Performance-Improving Code Edits", ICLR 2024 (pie4perf): the speedup floor
and %Opt as described in the paper; the best correct generation per input is picked in the reference repository
madaan/pie-perf, `src/codenet_eval/run_eval.py`, `get_best_generation_per_submission`):

    speedup_best@k = max(1, t_src / min{ t_i : i among the first k samples, sample i correct })

a row with no correct sample among its first k keeps its source program (speedup 1); %Opt is the share (in %)
of rows whose speedup_best@k is at least 1.10 (optimized by at least 10%). A model's speedup is the mean over
rows. Here each sample's speedup t_src / t_i is ECCO's ratio of sums over the tests both completed
(`metrics.editing.runtime_ratio`), so the function takes the samples' speedups: max(1, t_src / min t) =
max(1, max t_src / t). Only editing runs have a source program.
"""

from __future__ import annotations

from collections.abc import Sequence

#: %Opt counts rows sped up at least this much.
OPTIMIZED = 1.10


def speedup_best_at_k(speedups: Sequence[float | None], k: int) -> float:
    """max(1, the best speedup among the first k samples' correct ones); `speedups[i]` None: sample i is wrong
    (or not measured)."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    correct = [s for s in speedups[:k] if s is not None]
    return max(1.0, *correct) if correct else 1.0


def pct_optimized(best_speedups: Sequence[float], threshold: float = OPTIMIZED) -> float | None:
    """%Opt: 100 x the share of rows whose best speedup is at least `threshold` (None: no rows)."""
    if not best_speedups:
        return None
    return 100.0 * sum(s >= threshold for s in best_speedups) / len(best_speedups)


__all__ = ["OPTIMIZED", "pct_optimized", "speedup_best_at_k"]
