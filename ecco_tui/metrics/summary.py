"""Paper-style summaries: one table line per (model, method, split), in default or ECCO-compat mode.

The paper's editing table reports pass@1, speedup and memory reduction; its NL-generation table reports
pass@1 and runtime / memory percentiles (Waghjale et al., EMNLP 2024). Default mode adds the share of
outputs that are correct optimizations and the outcome breakdown, because a mean speedup over passing
outputs alone hides how many outputs were broken to get it.

Default mode with several samples per row:

* pass@1 is the unbiased estimator c/n per row (Chen et al., 2021, with k = 1), averaged over rows; a row
  with no output (or only unrun outputs) scores 0, so pass@1 is over *all* rows.
* speed and memory aggregates pool every (input, sample) pair (see ``editing``); with one sample per row,
  the usual case in ECCO, this is one pair per row.
* ``outcomes`` counts every pair, plus one ``not-run`` per row that has no output at all.

``mode="ecco"`` delegates to ``ecco_compat`` (best sample per row, ECCO's rules and quirks).

Table intervals (``editing_mean_intervals``): the mean speedup and mean memory reduction are means over
pairs, and come with a seeded 95% bootstrap interval that resamples the very values the mean is taken over
(the passing pairs in default mode, the rows with an ECCO ratio in compat mode); see
``stats.bootstrap_mean_ci``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ecco_tui.metrics.ecco_compat import (
    _editing_evaluated,
    _row_test_count,
    ecco_best_output,
    ecco_memory_reduction,
    ecco_speedup,
    summarize_editing_ecco,
    summarize_generation_ecco,
)
from ecco_tui.metrics.editing import (
    mean_memory_reduction,
    mean_speedup,
    memory_reduction,
    pct_memory_optimized,
    pct_runtime_optimized,
    speedup,
)
from ecco_tui.metrics.generation import program_memory_percentile, program_runtime_percentile
from ecco_tui.metrics.outcome import Outcome, classify_outcome
from ecco_tui.metrics.stats import bootstrap_mean_cis
from ecco_tui.metrics.types import (
    EditingRow,
    EditingSummary,
    GenerationRow,
    GenerationSummary,
    ProgramMeasure,
)

Mode = Literal["default", "ecco"]


def _row_pass_share(outputs: tuple[ProgramMeasure, ...]) -> float:
    """c/n for one row: the share of its samples passing every test (0 for a row without samples)."""
    if not outputs:
        return 0.0
    return sum(o.all_passed for o in outputs) / len(outputs)


def _mean(values: list[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def summarize_editing(rows: Iterable[EditingRow], *, mode: Mode = "default") -> EditingSummary:
    """Summarize history-based editing rows into the paper's table line (percentages 0-100)."""
    rows = list(rows)
    if mode == "ecco":
        return summarize_editing_ecco(rows)
    if mode != "default":
        raise ValueError(f"unknown mode {mode!r}")
    pairs = [(row.input, output) for row in rows for output in row.outputs]
    outcomes = {o.value: 0 for o in Outcome}
    for input, output in pairs:
        outcomes[classify_outcome(input, output).value] += 1
    outcomes[Outcome.NOT_RUN.value] += sum(1 for row in rows if not row.outputs)
    pass_shares = [_row_pass_share(row.outputs) for row in rows]
    pass_at_1 = _mean(pass_shares)
    return EditingSummary(
        n=len(rows),
        pass_at_1=None if pass_at_1 is None else 100.0 * pass_at_1,
        mean_speedup=mean_speedup(pairs),
        mean_memory_reduction=mean_memory_reduction(pairs),
        pct_runtime_optimized=pct_runtime_optimized(pairs),
        pct_memory_optimized=pct_memory_optimized(pairs),
        outcomes=outcomes,
        n_inputs_failing=sum(1 for row in rows if row.input is not None and row.input.ran and not row.input.all_passed),
        mode="default",
    )


@dataclass(frozen=True, slots=True)
class PairValues:
    """The per-pair values a table line averages: ``mean_speedup`` is the mean of ``speedups``."""

    speedups: tuple[float, ...] = ()
    memory_reductions: tuple[float, ...] = ()


def editing_pair_values(rows: Iterable[EditingRow], *, mode: Mode = "default") -> PairValues:
    """Every value the line's mean speedup / mean memory reduction is the mean of, in row order.

    Default mode: :func:`editing.speedup` / :func:`editing.memory_reduction` of every (input, sample) pair
    where it is defined (the output passes). ECCO mode: the best sample's ECCO ratios per evaluated row,
    as ``ecco_compat.summarize_editing_ecco`` averages them.
    """
    speedups: list[float] = []
    reductions: list[float] = []
    for row in rows:
        if mode == "ecco":
            if not _editing_evaluated(row):
                continue
            best = ecco_best_output(row.outputs)
            count = _row_test_count(row)
            pairs = [(ecco_speedup(row.input, best, n_tests=count), ecco_memory_reduction(row.input, best,
                                                                                        n_tests=count))]
        elif mode == "default":
            pairs = [(speedup(row.input, o), memory_reduction(row.input, o)) for o in row.outputs]
        else:
            raise ValueError(f"unknown mode {mode!r}")
        for s, m in pairs:
            if s is not None:
                speedups.append(s)
            if m is not None:
                reductions.append(m)
    return PairValues(tuple(speedups), tuple(reductions))


@dataclass(frozen=True, slots=True)
class MeanIntervals:
    """95% bootstrap intervals (lo, hi) of a table line's mean speedup and mean memory reduction."""

    speedup: tuple[float, float] | None = None
    memory_reduction: tuple[float, float] | None = None
    n_speedups: int = 0
    n_memory_reductions: int = 0


def editing_mean_intervals(
    rows: Iterable[EditingRow], *, mode: Mode = "default", n_boot: int = 2000, seed: int = 0, alpha: float = 0.05
) -> MeanIntervals:
    """Seeded bootstrap intervals (pairs resampled) for the mean speedup and mean memory reduction of
    :func:`summarize_editing` in the same ``mode``; ``None`` where the mean is undefined."""
    return mean_intervals(editing_pair_values(rows, mode=mode), n_boot=n_boot, seed=seed, alpha=alpha)


def mean_intervals(values: PairValues, *, n_boot: int = 2000, seed: int = 0, alpha: float = 0.05) -> MeanIntervals:
    """The intervals of :func:`editing_mean_intervals` from the per-pair values themselves (a report line read
    from cached verdicts has them without the rows)."""
    # One call: the two lists are usually as long as each other, and then share their draws.
    speed, memory = bootstrap_mean_cis([values.speedups, values.memory_reductions], n_boot=n_boot, seed=seed,
                                       alpha=alpha)
    return MeanIntervals(
        speedup=None if speed is None else (speed[1], speed[2]),
        memory_reduction=None if memory is None else (memory[1], memory[2]),
        n_speedups=len(values.speedups),
        n_memory_reductions=len(values.memory_reductions),
    )


def summarize_generation(rows: Iterable[GenerationRow], *, mode: Mode = "default") -> GenerationSummary:
    """Summarize NL-generation rows: pass@1 and mean runtime / memory percentiles (all 0-100).

    Default mode: percentiles are those of passing samples only (``generation.program_*_percentile``),
    averaged over every passing sample whose problem has a spectrum; failing samples are reflected in
    pass@1, not dragged into the percentile as zeros.
    """
    rows = list(rows)
    if mode == "ecco":
        return summarize_generation_ecco(rows)
    if mode != "default":
        raise ValueError(f"unknown mode {mode!r}")
    runtime_pcts: list[float] = []
    memory_pcts: list[float] = []
    for row in rows:
        for output in row.outputs:
            if row.human_runtimes is not None:
                rt = program_runtime_percentile(output, row.human_runtimes)
                if rt is not None:
                    runtime_pcts.append(rt)
            if row.human_memories is not None:
                mem = program_memory_percentile(output, row.human_memories)
                if mem is not None:
                    memory_pcts.append(mem)
    pass_at_1 = _mean([_row_pass_share(row.outputs) for row in rows])
    return GenerationSummary(
        n=len(rows),
        pass_at_1=None if pass_at_1 is None else 100.0 * pass_at_1,
        mean_runtime_percentile=_mean(runtime_pcts),
        mean_memory_percentile=_mean(memory_pcts),
        mode="default",
    )
