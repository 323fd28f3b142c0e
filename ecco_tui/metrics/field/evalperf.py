"""EvalPerf's Differential Performance Score (DPS) and DPS_norm.

Definition (Liu et al., "Evaluating Language Models for Efficient Code Generation", COLM 2024,
arXiv:2408.06450: differential performance evaluation as the paper defines it; reference implementation
evalplus/evalplus: the clustering
`adaptive_seg1d` and the scores `accumulative_ratio` in `evalplus/perf/select_pe_tasks.py`, the matching in
`worker_on_one_task` of `evalplus/evalperf.py`):

* the problem's reference solutions are profiled (EvalPerf: CPU instruction counts on one performance-exercising
  input) and sorted slow to fast; a new cluster starts where the relative gap to the previous (slower) cost
  exceeds base + sqrt(floor / cost) (base 0.10; floor = EvalPerf's MIN_REQUIRED_NUM_INSTRUCTION, 10,000
  instructions, so that cheap solutions need a larger gap); each cluster is represented by its slowest solution
  and scored with the cumulative share (in %) of reference solutions in it and every slower cluster;
* a correct sample is matched from the fastest cluster down to the first whose representative costs at least as
  much as the sample: DPS = that cluster's score, DPS_norm = 100 * (j + 1) / #clusters (j its index, slow to
  fast, from 0); a sample slower than every cluster scores 0; a wrong sample scores 0 (issue #25's rule: EvalPerf
  itself averages over correct samples only, and evaluates a task only with enough of them);
* a model's DPS is the mean over problems of the mean over their samples.

On ECCO data the references are the problem's human solutions measured on the sample's engine, and the cost is
their instruction count where stored (`ecco eval --cost instructions`), else CPU time (then `floor` is a time:
see `services.field_metrics`). EvalPerf keeps only tasks with at least 4 clusters; here every problem with a
reference counts, however few its clusters.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

#: EvalPerf's base relative gap between clusters (`adaptive_seg1d(..., base_thresh=0.10)`).
BASE_THRESHOLD = 0.10
#: EvalPerf's floor, in instructions (`MIN_REQUIRED_NUM_INSTRUCTION`, evalplus/perf/config.py).
INSTRUCTION_FLOOR = 10_000.0


@dataclass(frozen=True, slots=True)
class Clusters:
    """A problem's reference clusters, slow to fast: each one's representative cost (its slowest solution) and
    its score (the cumulative % of references in it and every slower cluster)."""

    costs: tuple[float, ...]
    scores: tuple[float, ...]

    def __len__(self) -> int:
        return len(self.costs)


def cluster_references(costs: Sequence[float], *, base: float = BASE_THRESHOLD,
                       floor: float = INSTRUCTION_FLOOR) -> Clusters:
    """Split the references' costs into clusters, slow to fast (`adaptive_seg1d`): sorted descending, a split
    after position i when (c_i - c_{i+1}) / c_i > base + sqrt(floor / c_i)."""
    ordered = sorted((float(c) for c in costs), reverse=True)
    if not ordered:
        raise ValueError("no reference costs")
    if any(not math.isfinite(c) or c <= 0 for c in ordered):
        raise ValueError("reference costs must be finite and positive")
    groups: list[list[float]] = [[ordered[0]]]
    for previous, cost in itertools.pairwise(ordered):
        if (previous - cost) / previous > base + math.sqrt(floor / previous):
            groups.append([])
        groups[-1].append(cost)
    scores, seen = [], 0
    for group in groups:
        seen += len(group)
        scores.append(100.0 * seen / len(ordered))
    return Clusters(tuple(group[0] for group in groups), tuple(scores))


def dps(passed: bool, cost: float | None, clusters: Clusters) -> tuple[float, float, int]:
    """(DPS, DPS_norm, matched cluster index or -1) of one sample: the fastest cluster whose representative
    costs at least the sample's cost; -1 and 0 when slower than all, or wrong, or not measured."""
    if not passed or cost is None:
        return 0.0, 0.0, -1
    for j in range(len(clusters) - 1, -1, -1):
        if cost <= clusters.costs[j]:
            return clusters.scores[j], 100.0 * (j + 1) / len(clusters), j
    return 0.0, 0.0, -1


__all__ = ["BASE_THRESHOLD", "INSTRUCTION_FLOOR", "Clusters", "cluster_references", "dps"]
