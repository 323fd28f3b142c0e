"""Judging: an output's per-test measurements -> its verdict. The one place this is done.

`ecco report`, the browser's outcome column, the compare view, the scatter plot and the verdict cache all
show what this package computes; none of them judges an output itself. Layout: `measurements` (per-test
measures and the loader of a run's or a few outputs' executions), `verdict` (an editing output's verdict),
`outcomes` (the summaries the browser and the verdict cache show, per problem and per run).

The paper's definitions (ECCO: Waghjale et al., "ECCO: Can We Improve Model-Generated Code Efficiency
Without Sacrificing Functional Correctness?", EMNLP 2024, section 3), for an input program p_in, an output
p_out and the problem's private tests T:

    speedup           = Σ_{t∈T} runtime(p_in, t) / Σ_{t∈T} runtime(p_out, t)
    memory reduction  = Σ_{t∈T} memory(p_in, t)  / Σ_{t∈T} memory(p_out, t)
    pass@1            = share of outputs (one scored sample a row) that pass every test of T

and the paper's point: a *correct optimization* passes every private test and is faster than its input; a
*spurious* one is faster but fails a test (fast because it no longer does the work).

An output's verdict (`OutputVerdict`, from `editing_verdicts`) applies these to stored executions:

* measure: per test, the median over repeats of the newest execution of each (test, repeat), by one engine
  (`Measurements`); time and memory only of runs that completed (Accepted or Wrong Answer), since a crash's
  time says how fast it crashed, not how fast the program is;
* speedup / memory reduction (points): the sums above over the tests both programs completed, whether or
  not the output passes (`metrics.editing.runtime_ratio` / `memory_ratio`): a failing output's speed is
  what tells spurious from broken. The report's *mean* speedup (`metrics.editing.speedup`) credits passing
  outputs only, as the paper does;
* interval: a seeded 95% percentile bootstrap of the same ratio of sums over the FIXED set T' of tests both
  completed, from measurement noise only (`metrics.stats.measurement_ratio_cis`):

      replicate   r* = Σ_{t∈T'} v*_t(p_in) / Σ_{t∈T'} v*_t(p_out)
      v*_t(p)     = median of p's n_t repeats on t drawn with replacement          (n_t > 1)
                  = v_t(p) · exp(σ z),  z ~ N(0, 1),  σ = ln(1 + 0.03)              (n_t = 1: a 3% noise floor)
      interval    = [2.5%, 97.5%] quantiles of r* over 1000 replicates (`MEMORY_BOOT` for memory)

  Tests are not resampled: the question is "faster on these tests, beyond what re-measuring would
  change?", not "on other tests?". Each test's draws depend only on the seed, its side and its position,
  so an output gets the same interval whether judged alone (compare view), with its problem (browser) or
  with its whole run (report, cache);
* outcome (`metrics.outcome.classify_outcome` with that interval): *faster* means the whole interval lies
  above the threshold (1 by default). Passing every test and faster: correct-optimization; faster but
  failing: spurious-optimization; passing, interval containing the threshold: within-noise; passing,
  interval below: correct-no-gain; failing and not faster: broken; no measurement: not-run;
* identical-to-input: an output whose code is its input's (same normalized text) can only differ by noise:
  within-noise when it passes, whatever its measurements say;
* below-resolution: the output's total CPU time is under 20× the timer's resolution, so its ratio is mostly
  rounding;
* instruction counts (`ecco eval --cost instructions`): Σ input / Σ output valgrind instructions over the
  same tests as the CPU-time ratio, defined only when each of them has a count on both sides. The two
  measures *disagree* when one says faster and the other slower, each by its own standard: the CPU-time
  interval wholly above (below) 1, the exact instruction ratio below 1/1.01 (above 1.01)
  (`metrics.stats.cost_directions_disagree`); an undecided interval is never a disagreement.

Generation outputs have no input to be faster than: their outcome is correctness alone (passes / fails),
with their percentiles in the problem's human spectrum (`generation_outcomes`).
"""

from ecco_tui.services.judging.measurements import (
    COMPLETED,
    SCORED,
    EnginePolicy,
    Measurements,
    MeasurementSource,
    choose_engine,
    instruction_counts,
    instruction_speedup,
    instruction_totals,
    measure_from_executions,
    raw_measures,
)
from ecco_tui.services.judging.outcomes import (
    FAILS,
    NOT_RUN,
    PASSES,
    OutcomeSummary,
    generation_outcomes,
    outcome_summary,
    problem_outcomes,
    run_outcomes,
)
from ecco_tui.services.judging.verdict import (
    MEMORY_BOOT,
    SEED,
    SPEED_BOOT,
    JudgedRun,
    OutputVerdict,
    cost_summary,
    counting_verdicts,
    editing_verdicts,
    outcome_counts,
)

__all__ = [
    "COMPLETED",
    "FAILS",
    "MEMORY_BOOT",
    "NOT_RUN",
    "PASSES",
    "SCORED",
    "SEED",
    "SPEED_BOOT",
    "EnginePolicy",
    "JudgedRun",
    "MeasurementSource",
    "Measurements",
    "OutcomeSummary",
    "OutputVerdict",
    "choose_engine",
    "cost_summary",
    "counting_verdicts",
    "editing_verdicts",
    "generation_outcomes",
    "instruction_counts",
    "instruction_speedup",
    "instruction_totals",
    "measure_from_executions",
    "outcome_counts",
    "outcome_summary",
    "problem_outcomes",
    "raw_measures",
    "run_outcomes",
]
