"""The field's efficiency metrics, one small pure module per benchmark family, each computed from plain numbers
(a program's cost on a problem, whether it passed, the references' costs) so that `services.field_metrics` can
compute all of them from one store's executions and show where they disagree (issue #25).

* `enamel`     ENAMEL eff@k (Qiu et al., ICLR 2025, arXiv:2406.06647; q-rz/enamel)
* `evalperf`   EvalPerf DPS and DPS_norm (Liu et al., COLM 2024, arXiv:2408.06450; evalplus/evalplus)
* `mercury`    Mercury Beyond and beyond@k (Du et al., 2024; Elfsong/Mercury)
* `pie`        PIE speedup_best@k and %Opt (Shypula et al., ICLR 2024; pie4perf, madaan/pie-perf)
* `coffe`      COFFE efficient@1 (Peng et al., 2025)
* `effibench`  EffiBench NET and NMU (Huang et al., 2024; huangd1999/EffiBench)
* `agreement`  ranks and Kendall's tau-b between two metrics' rankings of the same runs

ECCO's own metrics (speedup and memory reduction as ratios of sums, percentiles) stay in `metrics.editing`,
`metrics.generation` and `metrics.ecco_compat`.
"""

from ecco_tui.metrics.field.agreement import kendall_tau_b, ranks
from ecco_tui.metrics.field.coffe import efficient, efficient_at_1
from ecco_tui.metrics.field.effibench import NormalizedCost, normalized_cost, ratio_of_sums_ci
from ecco_tui.metrics.field.enamel import TIMEOUT_FACTOR, eff_at_k, level_efficiency, sample_efficiency, unbiased_at_k
from ecco_tui.metrics.field.evalperf import Clusters, cluster_references, dps
from ecco_tui.metrics.field.mercury import beyond, beyond_at_k
from ecco_tui.metrics.field.pie import OPTIMIZED, pct_optimized, speedup_best_at_k

__all__ = [
    "OPTIMIZED",
    "TIMEOUT_FACTOR",
    "Clusters",
    "NormalizedCost",
    "beyond",
    "beyond_at_k",
    "cluster_references",
    "dps",
    "eff_at_k",
    "efficient",
    "efficient_at_1",
    "kendall_tau_b",
    "level_efficiency",
    "normalized_cost",
    "pct_optimized",
    "ranks",
    "ratio_of_sums_ci",
    "sample_efficiency",
    "speedup_best_at_k",
    "unbiased_at_k",
]
