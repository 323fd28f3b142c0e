"""History-based editing metrics: pass@1, speedup, memory reduction and their aggregates (default mode).

Definitions from the paper (Waghjale et al., "ECCO: Can We Improve Model-Generated Code Efficiency
Without Sacrificing Functional Correctness?", EMNLP 2024), which extends PIE's relative metrics (Shypula
et al., 2024) to memory:

    Speedup          = Runtime(p_in) / Runtime(p_out)
    Memory Reduction = Memory(p_in)  / Memory(p_out)

and pass@1, the share of outputs that pass every test. The paper leaves open which tests the runtimes are
taken over and what happens to failing outputs; this module fixes those choices and says why in each
docstring. ``ecco_compat`` reproduces ECCO's own scripts instead, quirks included.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from ecco_tui.metrics.types import ProgramMeasure

Pair = tuple[ProgramMeasure | None, ProgramMeasure | None]
PairMetric = Callable[[ProgramMeasure | None, ProgramMeasure | None], float | None]


def _ratio_over_common_tests(
    numerator: ProgramMeasure | None, denominator: ProgramMeasure | None, attr: str
) -> float | None:
    """Sum of ``attr`` over the tests both programs have a value for, numerator sum / denominator sum.

    Only common tests are compared because a sum over different test sets is not a like-for-like runtime:
    a program that crashes early on half the tests would otherwise look twice as fast. A zero sum on
    either side gives ``None``: a total of 0 s is below the timer's resolution, and the ratio would be
    infinite or zero for no real reason.
    """
    if numerator is None or denominator is None:
        return None
    num_by_id = {t.test_id: getattr(t, attr) for t in numerator.tests}
    num_values: list[float] = []
    den_values: list[float] = []
    for test in denominator.tests:
        num = num_by_id.get(test.test_id)
        den = getattr(test, attr)
        if num is not None and den is not None:
            num_values.append(num)
            den_values.append(den)
    if not num_values:
        return None
    num_total, den_total = math.fsum(num_values), math.fsum(den_values)
    if num_total == 0 or den_total == 0:
        return None
    return num_total / den_total


def runtime_ratio(input: ProgramMeasure | None, output: ProgramMeasure | None) -> float | None:
    """Runtime(input) / Runtime(output) over the tests both have a time for, whether or not output is correct.

    This is the raw speed comparison used to tell a spurious optimization (faster but wrong) from a broken
    output; use :func:`speedup` for the paper's metric, which only credits correct outputs.
    """
    return _ratio_over_common_tests(input, output, "cpu_time_s")


def memory_ratio(input: ProgramMeasure | None, output: ProgramMeasure | None) -> float | None:
    """Memory(input) / Memory(output) over the tests both have a memory value for, correctness ignored."""
    return _ratio_over_common_tests(input, output, "memory_kb")


def speedup(input: ProgramMeasure | None, output: ProgramMeasure | None) -> float | None:
    """The paper's Speedup = Runtime(p_in) / Runtime(p_out), with runtime summed over tests (as ECCO does).

    Returns ``None`` when the output does not pass every test (an incorrect program has no meaningful
    speedup: the paper's point is efficiency *without sacrificing correctness*), when either program is
    missing, when no test has a time in both, or when a total is zero. Computed over the tests both
    programs ran, so an input that failed some tests is still compared like-for-like; ECCO's script instead
    requires the input to pass everything (see ``ecco_compat.ecco_speedup``). Equal totals give exactly 1.0.
    """
    if output is None or not output.all_passed:
        return None
    return runtime_ratio(input, output)


def memory_reduction(input: ProgramMeasure | None, output: ProgramMeasure | None) -> float | None:
    """The paper's Memory Reduction = Memory(p_in) / Memory(p_out); same rules as :func:`speedup`."""
    if output is None or not output.all_passed:
        return None
    return memory_ratio(input, output)


def pass_at_1(programs: Iterable[ProgramMeasure | None], *, exclude_not_run: bool = False) -> float | None:
    """pass@1 in percent: the share of programs that pass every test (one sample per problem).

    A program passes only if every test it ran is Accepted and it ran at least one test. "Not-run" programs
    (``None`` or no measurements) count as failures by default, which matches reporting pass@1 over all
    rows: an output the harness could not evaluate is not evidence of correctness. Pass
    ``exclude_not_run=True`` to drop them from the denominator instead (e.g. to compare with ECCO's result
    files, which have no entry for skipped rows). Returns ``None`` for an empty denominator.
    """
    total = passed = 0
    for program in programs:
        if program is None or not program.ran:
            if exclude_not_run:
                continue
            total += 1
            continue
        total += 1
        passed += program.all_passed
    if total == 0:
        return None
    return 100.0 * passed / total


def _mean(values: list[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def mean_speedup(pairs: Iterable[Pair]) -> float | None:
    """Mean :func:`speedup` over the pairs whose output passes (and whose speedup is defined).

    ECCO averages over passing programs only, so a failing output neither drags the mean to 0 nor is
    credited; read it together with pass@1. ``None`` when no pair qualifies.
    """
    return _mean([s for i, o in pairs if (s := speedup(i, o)) is not None])


def mean_memory_reduction(pairs: Iterable[Pair]) -> float | None:
    """Mean :func:`memory_reduction` over the pairs whose output passes (as :func:`mean_speedup`)."""
    return _mean([m for i, o in pairs if (m := memory_reduction(i, o)) is not None])


def _pct_improved(pairs: Iterable[Pair], metric: PairMetric, threshold: float) -> float | None:
    total = improved = 0
    for input, output in pairs:
        if output is None:
            continue
        total += 1
        value = metric(input, output)
        improved += value is not None and value > threshold
    return 100.0 * improved / total if total else None


def pct_runtime_optimized(pairs: Iterable[Pair], *, threshold: float = 1.0) -> float | None:
    """Percent of pairs whose output passes every test and is strictly faster (speedup > ``threshold``).

    Denominator: every pair that has an output (``output is not None``), including outputs that failed or
    were not run, so the figure cannot be raised by breaking programs. A speedup of exactly 1.0 is not an
    optimization. ``None`` when no pair has an output.
    """
    return _pct_improved(pairs, speedup, threshold)


def pct_memory_optimized(pairs: Iterable[Pair], *, threshold: float = 1.0) -> float | None:
    """Percent of pairs whose output passes and uses strictly less memory; denominator as runtime's."""
    return _pct_improved(pairs, memory_reduction, threshold)
