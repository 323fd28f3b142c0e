"""ENAMEL's efficiency score and its unbiased eff@k estimator.

Definition (Qiu et al., "How Efficient is LLM-Generated Code? A Rigorous & High-Standard Benchmark", ICLR 2025,
arXiv:2406.06647: the efficiency score and eff@k as the paper defines them; reference implementation
q-rz/enamel, `enam/evaluate.py`: `calc_eff`, `calc_eff_at_k`, `Evaluator.evaluate1`, `Evaluator.evaluate`):

* a problem's tests are grouped in levels j with hardness weights h_j (`demo.py`: 4 levels weighted 0, 3, 3, 4);
  the reference solution's time on level j is t_ref,j = its slowest test of the level, and the timeout is
  T = alpha * max_j t_ref,j over the levels with h_j > 0, alpha = 2 (`demo.py`'s `timeout_factor`: the
  reference's slowest time doubled);
* a sample's efficiency on level j is e_j = max(0, T - t_j) / (T - t_ref,j), t_j its slowest test of the level;
  a level it times out on, and every harder one, scores 0 (`evaluate1`); a wrong output scores 0 everywhere;
* its efficiency is the hardness-weighted mean e = sum_j h_j e_j / sum_j h_j (`np.average(..., weights=hardness)`);
* over n samples of a problem, with e_(1) <= ... <= e_(n) sorted ascending,

      eff@k = sum_{i=k..n} C(i-1, k-1) / C(n, k) * e_(i)

  the expected best efficiency of k samples drawn without replacement (unbiased, as pass@k); eff@1 is the mean.

On ECCO data there is one level (all private tests, weight 1) unless levels are configured; the reference is
the pair's fast program (editing) or the fastest human solution (generation). ENAMEL's reference times are
Hodges-Lehmann estimates over repeats; ecco-tui's are per-test medians over repeats (the judging module's).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

#: T = TIMEOUT_FACTOR x the reference's slowest time (ENAMEL's default `timeout_factor`).
TIMEOUT_FACTOR = 2.0


def level_efficiency(t: float | None, t_ref: float, timeout: float) -> float:
    """e_j = max(0, T - t) / (T - t_ref) (`calc_eff`); a level that did not finish (t None) scores 0."""
    if not timeout > t_ref:
        raise ValueError(f"the timeout ({timeout}) must exceed the reference time ({t_ref})")
    if t is None:
        return 0.0
    return max(0.0, timeout - t) / (timeout - t_ref)


def sample_efficiency(
    passed: bool,
    level_times: Sequence[float | None],
    level_refs: Sequence[float],
    hardness: Sequence[float] | None = None,
    *,
    timeout_factor: float = TIMEOUT_FACTOR,
) -> float:
    """One sample's efficiency: the hardness-weighted mean of its level efficiencies, 0 when wrong.

    `level_times[j]` is the sample's slowest test time on level j (None: it did not finish the level, which
    zeroes that level and every later one, as ENAMEL stops at the first level it times out on); `level_refs[j]`
    the reference's slowest time on level j; T = `timeout_factor` x the largest of those."""
    if len(level_times) != len(level_refs) or not level_refs:
        raise ValueError("one time and one reference per level, at least one level")
    weights = [1.0] * len(level_refs) if hardness is None else list(hardness)
    if len(weights) != len(level_refs) or math.fsum(weights) <= 0:
        raise ValueError("one non-negative weight per level, not all zero")
    if not passed:
        return 0.0
    # ENAMEL calibrates T on the levels that count (`Refs`: hardness > 0 only)
    timeout = timeout_factor * max(ref for ref, w in zip(level_refs, weights, strict=True) if w > 0)
    effs: list[float] = []
    stopped = False
    for t, ref, w in zip(level_times, level_refs, weights, strict=True):
        stopped = stopped or t is None or t > timeout
        effs.append(0.0 if stopped or w == 0 else level_efficiency(t, ref, timeout))
    return math.fsum(w * e for w, e in zip(weights, effs, strict=True)) / math.fsum(weights)


def unbiased_at_k(values: Sequence[float], k: int) -> float:
    """sum_{i=k..n} C(i-1, k-1) / C(n, k) * v_(i) over the values sorted ascending: the expected maximum of k
    of them drawn without replacement (ENAMEL's eff@k estimator; `calc_eff_at_k`)."""
    n = len(values)
    if not 1 <= k <= n:
        raise ValueError(f"k must be in 1..{n} (the number of samples), got {k}")
    ordered = sorted(values)
    total = math.comb(n, k)
    return math.fsum(math.comb(i - 1, k - 1) / total * ordered[i - 1] for i in range(k, n + 1))


def eff_at_k(efficiencies: Sequence[float], k: int) -> float:
    """eff@k of one problem from its n samples' efficiencies (`unbiased_at_k`); eff@1 is their mean."""
    return unbiased_at_k(efficiencies, k)


__all__ = ["TIMEOUT_FACTOR", "eff_at_k", "level_efficiency", "sample_efficiency", "unbiased_at_k"]
