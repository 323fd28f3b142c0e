"""ECCO-compatibility mode: the numbers ECCO's own scripts would compute, quirks included.

Reproduces, from per-test measurements, what the reference code (GitHub ``CodeEff/ECCO``:
``evaluation/edit_eval.py``, ``evaluation/generate_eval.py``, ``evaluation/utils.py``, and the scoring
notebook logic) computes, so a table made here can be set beside the paper's. Every quirk is kept on
purpose and documented where it is implemented; the default-mode modules (``editing``, ``generation``)
are the ones to use for new results.

Quirks reproduced (see also ``shared/ecco-format.md`` §4):

1. ``accepted`` means "no test crashed": a Wrong Answer does not clear it (:func:`ecco_accepted`).
2. The best of several samples is the one passing most tests, then the smallest sum of run times over
   every timed test, including Wrong Answers; the first sample wins a full tie (:func:`ecco_best_sample`).
3. Speedup and memory reduction are sums over the tests the *best sample passed* of the input's values
   divided by the output's, defined only when the input passed all tests and the output passed at least
   one, so a partially correct output still gets a speedup (:func:`ecco_speedup`). The table value is the
   mean over rows that have one. (The scoring notebook recomputes it requiring only that the input did
   not crash: ``rule="notebook"``.)
4. The percentile compares the program's *mean* per-test value with the human values sorted slowest
   first, counts ties as slower humans, and turns an index of 0 into the top score by an ``if not``
   test (:func:`ecco_percentile`); it is a 0-1 fraction, computed only for a program passing all tests.
5. pass@1 (scoring notebook) counts a row when the input did not crash and the best output passed all
   tests (:func:`ecco_pass_at_1_editing`).
6. Tests run, and are summed, in the string order of their file names (``input.10.txt`` before
   ``input.2.txt``). Sums here use plain left-to-right ``sum`` in that order, so the floats match ECCO's
   to the last bit (the default mode uses ``math.fsum``, which is order-independent).

Where ECCO's code would crash (a missing input value, a zero total), these functions return ``None``.
Where ECCO skips a row (no test folder, no spectrum), the compat summaries leave it out of every
denominator, as the row has no key in ECCO's result file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from ecco_tui.metrics.outcome import Outcome, classify_outcome, outcome_of
from ecco_tui.metrics.types import (
    EditingRow,
    EditingSummary,
    GenerationRow,
    GenerationSummary,
    ProgramMeasure,
)

SpeedupRule = Literal["eval_script", "notebook"]


def ecco_accepted(program: ProgramMeasure, n_tests: int | None = None) -> bool:
    """ECCO's ``input_accepted`` / ``accepted``: no test ended outside Accepted and Wrong Answer.

    Quirk: despite the name this does not mean "correct"; a program that prints wrong answers on every test
    is "accepted". ECCO's ``judge_submit`` starts from ``accept = True`` and clears it for any response
    whose status is outside {3, 4}, including a response with no status at all, which leaves no trace in
    the per-test dicts. So when ``n_tests`` (the problem's test count) is given, a program measured on
    fewer tests is not accepted either; without it, a program with no tests is accepted, as in ECCO.
    """
    if n_tests is not None and program.n_tests < n_tests:
        return False
    return not program.crashed


def ecco_passed_ids(program: ProgramMeasure) -> list[str]:
    """Ids of the passed tests in ECCO's order (string order of the test file names)."""
    return [t.test_id for t in program.tests if t.passed]


def _ecco_time_sum(program: ProgramMeasure) -> float:
    # ECCO's run-time dict holds only completed tests (Accepted or Wrong Answer), in execution order.
    return sum(t.cpu_time_s for t in program.tests if t.completed and t.cpu_time_s is not None)


def ecco_best_sample(samples: Sequence[ProgramMeasure]) -> int | None:
    """Index of the sample ECCO reports for a row with several generated samples; ``None`` for none.

    Quirk: first the samples passing the most tests, then among them the smallest *sum of run times over
    every test that has a run time*, which includes Wrong Answer tests, so a sample can win by failing
    fast. ``min`` keeps the first of equal sums, so ties go to the lowest index.
    """
    if not samples:
        return None
    most = max(s.n_passed for s in samples)
    candidates = [i for i, s in enumerate(samples) if s.n_passed == most]
    return min(candidates, key=lambda i: _ecco_time_sum(samples[i]))


def ecco_passed_all(program: ProgramMeasure | None, n_tests: int | None = None) -> bool:
    """ECCO's "passed all tests": the number of passed tests equals the problem's test count.

    ``n_tests`` is the problem's number of test files; ``None`` uses the tests the program was measured
    on. ECCO compares a *count*, which is why its summaries break when ``--num_tests`` exceeds the real
    number. A program with no measurements never passes (ECCO would have no entry for it).
    """
    if program is None or not program.ran:
        return False
    expected = program.n_tests if n_tests is None else n_tests
    return program.n_passed == expected


def _ecco_ratio(
    input: ProgramMeasure | None,
    output: ProgramMeasure | None,
    attr: str,
    n_tests: int | None,
    rule: SpeedupRule,
) -> float | None:
    if input is None or output is None or not input.ran:
        return None
    if rule == "eval_script":
        if not ecco_passed_all(input, n_tests):
            return None
    elif rule == "notebook":
        if not ecco_accepted(input, n_tests):
            return None
    else:  # pragma: no cover - guarded by the Literal type
        raise ValueError(f"unknown speedup rule {rule!r}")
    input_by_id = input.by_id()
    output_by_id = output.by_id()
    passed = ecco_passed_ids(output)
    return ecco_ratio_of_sums([None if (t := input_by_id.get(test_id)) is None else getattr(t, attr)
                               for test_id in passed],
                              [getattr(output_by_id[test_id], attr) for test_id in passed])


def ecco_ratio_of_sums(in_values: Sequence[float | None], out_values: Sequence[float | None]) -> float | None:
    """ECCO's ratio over the tests it counts (the best sample's passed tests, in ECCO's order): the input's
    values summed over the output's, plain left-to-right sums. None for no test, and where ECCO's script
    would crash: a value missing on either side (a KeyError there), a zero output total (ZeroDivisionError)."""
    ins = [v for v in in_values if v is not None]
    outs = [v for v in out_values if v is not None]
    if not outs or len(ins) < len(in_values) or len(outs) < len(out_values):
        return None
    out_total = sum(outs)
    if out_total == 0:
        return None
    return sum(ins) / out_total


def ecco_speedup(
    input: ProgramMeasure | None,
    output: ProgramMeasure | None,
    *,
    n_tests: int | None = None,
    rule: SpeedupRule = "eval_script",
) -> float | None:
    """ECCO's per-row ``speedup``: input time / output time summed over the tests the output passed.

    Quirks: the output need not pass every test (one passed test is enough), and the sum is over the
    output's passed tests only, so a spurious optimization that fails the slow tests looks fast.

    ``rule="eval_script"`` (default, ``edit_eval.py``): defined only when the input passed all ``n_tests``
    tests. ``rule="notebook"`` (the scoring notebook, which recomputes from the per-test fields): defined
    when the input did not crash (:func:`ecco_accepted`), so an input with Wrong Answers still counts.
    Pass ``output`` = the best sample (:func:`ecco_best_sample`).
    """
    return _ecco_ratio(input, output, "cpu_time_s", n_tests, rule)


def ecco_memory_reduction(
    input: ProgramMeasure | None,
    output: ProgramMeasure | None,
    *,
    n_tests: int | None = None,
    rule: SpeedupRule = "eval_script",
) -> float | None:
    """ECCO's per-row ``mem_reduction``; same rules and quirks as :func:`ecco_speedup`, on memory."""
    return _ecco_ratio(input, output, "memory_kb", n_tests, rule)


def ecco_percentile(program_value: float | None, human_values: Iterable[float]) -> float | None:
    """ECCO's ``runtime_percentile`` / ``mem_percentile``, as a 0-1 fraction, implemented literally.

    ECCO sorts the human values slowest (largest) first, takes the index ``i`` of the first human value
    strictly below the program's value, and returns ``i / len(humans)``: the share of human solutions that
    are slower *or equal* (ties count as slower). Then ``if not percentile: percentile = 1``, which has two
    consequences kept here:

    * a program slower than every human (``i == 0``, percentile 0.0) scores 1, the top percentile;
    * a program no slower than any human (no value below it, percentile ``None``) scores 1, as does an
      empty spectrum.

    ``None`` only when the program has no value (ECCO computes nothing for such a row).
    """
    if program_value is None:
        return None
    ordered = sorted(human_values, reverse=True)
    percentile: float | None = None
    for i, human in enumerate(ordered):
        if human < program_value:
            percentile = i / len(ordered)
            break
    if not percentile:
        percentile = 1
    return float(percentile)


def _ecco_mean_over_passed(program: ProgramMeasure, attr: str) -> float | None:
    values: list[float | None] = [getattr(t, attr) for t in program.tests if t.passed]
    measured = [v for v in values if v is not None]
    if not measured or len(measured) < len(values):
        return None
    return sum(measured) / len(measured)


def ecco_generation_percentiles(
    program: ProgramMeasure | None,
    human_runtimes: Iterable[float] | None,
    human_memories: Iterable[float] | None,
    *,
    n_tests: int | None = None,
) -> tuple[float | None, float | None]:
    """ECCO's (runtime, memory) percentiles of one generated program, as 0-1 fractions.

    Defined only when the program passed all tests; the program's value is its *mean* per-test run time
    (memory) over the passed tests, compared with the human values by :func:`ecco_percentile`.
    """
    if not ecco_passed_all(program, n_tests):
        return None, None
    assert program is not None
    runtime = (
        None
        if human_runtimes is None
        else ecco_percentile(_ecco_mean_over_passed(program, "cpu_time_s"), human_runtimes)
    )
    memory = (
        None
        if human_memories is None
        else ecco_percentile(_ecco_mean_over_passed(program, "memory_kb"), human_memories)
    )
    return runtime, memory


def _mean(values: list[float]) -> float | None:
    # ECCO's tables use numpy.mean / sum()/len(); plain left-to-right summation matches them.
    return sum(values) / len(values) if values else None


def _editing_evaluated(row: EditingRow) -> bool:
    # ECCO writes a result entry for every row it ran, even when a program's dicts came back empty.
    return row.input is not None and bool(row.outputs)


def _row_test_count(row: EditingRow) -> int | None:
    if row.n_tests is not None:
        return row.n_tests
    return row.input.n_tests if row.input is not None else None


def ecco_best_output(outputs: Sequence[ProgramMeasure]) -> ProgramMeasure | None:
    """The sample ECCO would report, or ``None`` when there are no samples."""
    index = ecco_best_sample(outputs)
    return None if index is None else outputs[index]


def _ecco_row_passes(row: EditingRow, best: ProgramMeasure, notebook_test_count: int | None) -> bool:
    assert row.input is not None
    expected = notebook_test_count if notebook_test_count is not None else _row_test_count(row)
    return ecco_accepted(row.input, row.n_tests) and ecco_passed_all(best, expected)


def ecco_pass_at_1_editing(rows: Iterable[EditingRow], *, notebook_test_count: int | None = None) -> float | None:
    """pass@1 (percent) as ECCO's scoring notebook counts it, over the rows ECCO evaluated.

    A row counts when the input did not crash (``input_accepted``; an input with Wrong Answers counts)
    and the best sample passed all tests. The notebook literally checks ``len(output_pass_all) == 20``;
    pass ``notebook_test_count=20`` to reproduce that (it miscounts problems with more than 20 tests),
    or leave ``None`` to compare with the row's test count (``n_tests``, else the input's test count).
    """
    total = passed = 0
    for row in rows:
        if not _editing_evaluated(row):
            continue
        best = ecco_best_output(row.outputs)
        assert best is not None
        total += 1
        passed += _ecco_row_passes(row, best, notebook_test_count)
    return 100.0 * passed / total if total else None


@dataclass(frozen=True, slots=True)
class EccoRow:
    """What ECCO's editing table reads of one evaluated row (an input and at least one sample)."""

    input_passed_all: bool  # ecco_passed_all(input, the row's test count)
    passes: bool  # the pass@1 rule: the input did not crash and the best sample passed every test
    speedup: float | None  # ecco_speedup of the best sample
    memory_reduction: float | None  # ecco_memory_reduction of the best sample
    outcome: str  # classify_outcome(input, best sample), default-mode rules


def ecco_row(
    row: EditingRow, *, rule: SpeedupRule = "eval_script", notebook_test_count: int | None = None
) -> EccoRow | None:
    """The row as ECCO's table reads it, or None for a row ECCO did not evaluate."""
    if not _editing_evaluated(row):
        return None
    assert row.input is not None
    best = ecco_best_output(row.outputs)
    assert best is not None
    count = _row_test_count(row)
    return EccoRow(
        input_passed_all=ecco_passed_all(row.input, count),
        passes=_ecco_row_passes(row, best, notebook_test_count),
        speedup=ecco_speedup(row.input, best, n_tests=count, rule=rule),
        memory_reduction=ecco_memory_reduction(row.input, best, n_tests=count, rule=rule),
        outcome=classify_outcome(row.input, best).value,
    )


def ecco_row_of_counts(
    *,
    input_tests: int,
    input_passed: int,
    input_crashed: bool,
    sample_ran: bool,
    sample_passed: int,
    sample_all_passed: bool,
    sample_runtime_ratio: float | None,
    times: tuple[Sequence[float | None], Sequence[float | None]] | None,
    memories: tuple[Sequence[float | None], Sequence[float | None]] | None,
) -> EccoRow:
    """:func:`ecco_row` of an evaluated row with one sample (rule ``eval_script``; the row's test count is its
    input's) from counts instead of measures: the input's tests, passed tests and whether one crashed; whether
    the sample ran, its passed tests, whether it passed all of its own, and ``editing.runtime_ratio(input,
    sample)`` (its outcome); and the input's and the sample's times (memories) on each test the sample passed,
    in ECCO's order (None when it passed none). A report line read from cached verdicts and SQL has these
    without the measures."""
    input_passed_all = input_passed == input_tests  # ecco_passed_all: the input ran (the row is evaluated)

    def ratio(values: tuple[Sequence[float | None], Sequence[float | None]] | None) -> float | None:
        return ecco_ratio_of_sums(*values) if values is not None and input_passed_all else None

    return EccoRow(
        input_passed_all=input_passed_all,
        passes=not input_crashed and sample_ran and sample_passed == input_tests,
        speedup=ratio(times),
        memory_reduction=ratio(memories),
        outcome=outcome_of(sample_ran, sample_all_passed, sample_runtime_ratio).value,
    )


def summarize_ecco_rows(rows: Iterable[EccoRow]) -> EditingSummary:
    """The editing table line of ECCO-evaluated rows (see :func:`summarize_editing_ecco`)."""
    n = n_pass = n_faster = n_leaner = n_inputs_failing = 0
    speedups: list[float] = []
    reductions: list[float] = []
    outcomes = {o.value: 0 for o in Outcome}
    for row in rows:
        n += 1
        n_inputs_failing += not row.input_passed_all
        n_pass += row.passes
        if row.speedup is not None:
            speedups.append(row.speedup)
            n_faster += row.passes and row.speedup > 1
        if row.memory_reduction is not None:
            reductions.append(row.memory_reduction)
            n_leaner += row.passes and row.memory_reduction > 1
        outcomes[row.outcome] += 1
    return EditingSummary(
        n=n,
        pass_at_1=100.0 * n_pass / n if n else None,
        mean_speedup=_mean(speedups),
        mean_memory_reduction=_mean(reductions),
        pct_runtime_optimized=100.0 * n_faster / n if n else None,
        pct_memory_optimized=100.0 * n_leaner / n if n else None,
        outcomes=outcomes,
        n_inputs_failing=n_inputs_failing,
        mode="ecco",
    )


def summarize_editing_ecco(
    rows: Iterable[EditingRow],
    *,
    rule: SpeedupRule = "eval_script",
    notebook_test_count: int | None = None,
) -> EditingSummary:
    """The editing table line ECCO's scripts would produce, from per-test measurements.

    * ``n``: rows ECCO evaluated (an input and at least one output sample, even if their measurements
      came back empty); rows without are left out entirely, as ECCO's file has no entry for them.
    * ``pass_at_1``: :func:`ecco_pass_at_1_editing`.
    * ``mean_speedup`` / ``mean_memory_reduction``: mean of :func:`ecco_speedup` /
      :func:`ecco_memory_reduction` of the best sample over the rows where it is defined.
    * ``pct_runtime_optimized`` / ``pct_memory_optimized``: not an ECCO figure; here the percent of
      evaluated rows that pass by the pass@1 rule and have an ECCO ratio > 1.
    * ``outcomes``: :func:`classify_outcome` of the best sample (default-mode rules; ECCO has none).
    """
    return summarize_ecco_rows(r for row in rows
                               if (r := ecco_row(row, rule=rule, notebook_test_count=notebook_test_count)))


def summarize_generation_ecco(rows: Iterable[GenerationRow]) -> GenerationSummary:
    """The NL-generation table line ECCO's scripts would produce, from per-test measurements.

    * ``n``: rows ECCO evaluated: the problem has a human spectrum (ECCO skips it otherwise) and the row
      has at least one sample.
    * ``pass_at_1``: percent of those rows whose best sample passed all tests (``n_tests``, else the
      sample's own test count).
    * ``mean_runtime_percentile`` / ``mean_memory_percentile``: the mean of ECCO's percentile
      (:func:`ecco_generation_percentiles`) over rows where it is defined, times 100 so that both modes
      report 0-100.
    """
    n = n_pass = 0
    runtime_pcts: list[float] = []
    memory_pcts: list[float] = []
    for row in rows:
        if row.human_runtimes is None or not row.outputs:
            continue
        best = ecco_best_output(row.outputs)
        n += 1
        n_pass += ecco_passed_all(best, row.n_tests)
        rt, mem = ecco_generation_percentiles(best, row.human_runtimes, row.human_memories, n_tests=row.n_tests)
        if rt is not None:
            runtime_pcts.append(rt)
        if mem is not None:
            memory_pcts.append(mem)
    rt_mean, mem_mean = _mean(runtime_pcts), _mean(memory_pcts)
    return GenerationSummary(
        n=n,
        pass_at_1=100.0 * n_pass / n if n else None,
        mean_runtime_percentile=None if rt_mean is None else 100.0 * rt_mean,
        mean_memory_percentile=None if mem_mean is None else 100.0 * mem_mean,
        mode="ecco",
    )


__all__ = [
    "EccoRow",
    "SpeedupRule",
    "ecco_accepted",
    "ecco_best_output",
    "ecco_best_sample",
    "ecco_generation_percentiles",
    "ecco_memory_reduction",
    "ecco_pass_at_1_editing",
    "ecco_passed_all",
    "ecco_passed_ids",
    "ecco_percentile",
    "ecco_ratio_of_sums",
    "ecco_row",
    "ecco_row_of_counts",
    "ecco_speedup",
    "summarize_ecco_rows",
    "summarize_editing_ecco",
    "summarize_generation_ecco",
]
