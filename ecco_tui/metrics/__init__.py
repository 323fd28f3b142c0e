"""ECCO's metrics as pure functions over plain values (standard library; numpy for the vectorized bootstrap).

Default mode (``editing``, ``generation``, ``outcome``, ``stats``, ``summary``) follows the paper's
definitions with documented choices for the cases the paper leaves open; ``ecco_compat`` reproduces
ECCO's reference scripts exactly, quirks included. Start from ``types`` for the inputs.
"""

from ecco_tui.metrics.calibration import FactorFit, fit_factor, geometric_sd, measured_ratio, theil_sen
from ecco_tui.metrics.ecco_compat import (
    ecco_accepted,
    ecco_best_output,
    ecco_best_sample,
    ecco_generation_percentiles,
    ecco_memory_reduction,
    ecco_pass_at_1_editing,
    ecco_passed_all,
    ecco_percentile,
    ecco_speedup,
    summarize_editing_ecco,
    summarize_generation_ecco,
)
from ecco_tui.metrics.editing import (
    mean_memory_reduction,
    mean_speedup,
    memory_ratio,
    memory_reduction,
    pass_at_1,
    pct_memory_optimized,
    pct_runtime_optimized,
    runtime_ratio,
    speedup,
)
from ecco_tui.metrics.generation import (
    mean_test_memory,
    mean_test_runtime,
    memory_percentile,
    program_memory_percentile,
    program_runtime_percentile,
    runtime_percentile,
)
from ecco_tui.metrics.outcome import LABEL_AGREEMENT, Outcome, classify_outcome, label_disagrees
from ecco_tui.metrics.stats import (
    bootstrap_mean_ci,
    bootstrap_ratio_ci,
    cost_directions_disagree,
    median_or_none,
    memory_samples,
    runtime_samples,
    speedup_ci,
)
from ecco_tui.metrics.summary import editing_mean_intervals, summarize_editing, summarize_generation
from ecco_tui.metrics.types import (
    ACCEPTED,
    WRONG_ANSWER,
    EditingRow,
    EditingSummary,
    GenerationRow,
    GenerationSummary,
    ProgramMeasure,
    TestMeasure,
    median_per_test,
)

__all__ = [
    "ACCEPTED",
    "LABEL_AGREEMENT",
    "WRONG_ANSWER",
    "EditingRow",
    "EditingSummary",
    "FactorFit",
    "GenerationRow",
    "GenerationSummary",
    "Outcome",
    "ProgramMeasure",
    "TestMeasure",
    "bootstrap_mean_ci",
    "bootstrap_ratio_ci",
    "classify_outcome",
    "cost_directions_disagree",
    "ecco_accepted",
    "ecco_best_output",
    "ecco_best_sample",
    "ecco_generation_percentiles",
    "ecco_memory_reduction",
    "ecco_pass_at_1_editing",
    "ecco_passed_all",
    "ecco_percentile",
    "ecco_speedup",
    "editing_mean_intervals",
    "fit_factor",
    "geometric_sd",
    "label_disagrees",
    "mean_memory_reduction",
    "mean_speedup",
    "mean_test_memory",
    "mean_test_runtime",
    "measured_ratio",
    "median_or_none",
    "median_per_test",
    "memory_percentile",
    "memory_ratio",
    "memory_reduction",
    "memory_samples",
    "pass_at_1",
    "pct_memory_optimized",
    "pct_runtime_optimized",
    "program_memory_percentile",
    "program_runtime_percentile",
    "runtime_percentile",
    "runtime_ratio",
    "runtime_samples",
    "speedup",
    "speedup_ci",
    "summarize_editing",
    "summarize_editing_ecco",
    "summarize_generation",
    "summarize_generation_ecco",
    "theil_sen",
]
