"""Specification of ECCO-compat mode: ECCO's reference scripts reproduced, quirks included."""

from __future__ import annotations

import pytest

from ecco_tui.metrics.ecco_compat import (
    ecco_accepted,
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
from ecco_tui.metrics.types import EditingRow, GenerationRow, ProgramMeasure
from tests.unit.metrics_builders import TLE, crash, ok, passing, prog, wa

# --- accepted ----------------------------------------------------------------------------------------


def test_accepted_survives_wrong_answers():
    assert ecco_accepted(prog(wa(0), wa(1)))


def test_accepted_is_cleared_by_a_crash():
    assert not ecco_accepted(prog(ok(0), crash(1, status=TLE)))


def test_accepted_is_cleared_by_a_test_missing_from_the_measurements():
    # ECCO clears it for a response without a status, which leaves no per-test entry at all.
    assert not ecco_accepted(passing([1.0, 1.0]), n_tests=3)


def test_a_program_without_tests_is_accepted_like_in_ecco():
    assert ecco_accepted(ProgramMeasure())


# --- passed all --------------------------------------------------------------------------------------


def test_passed_all_compares_the_passed_count_with_the_problem_test_count():
    assert ecco_passed_all(passing([1.0, 1.0]))
    assert not ecco_passed_all(passing([1.0, 1.0]), n_tests=3)


def test_a_program_without_tests_never_passed_all():
    assert not ecco_passed_all(ProgramMeasure())


# --- best sample -------------------------------------------------------------------------------------


def test_best_sample_passes_the_most_tests_even_if_slower():
    fast_but_wrong = prog(ok(0, 0.1), wa(1, 0.1))
    slow_and_right = passing([5.0, 5.0])
    assert ecco_best_sample([fast_but_wrong, slow_and_right]) == 1


def test_best_sample_among_equally_correct_has_the_smallest_total_runtime():
    assert ecco_best_sample([passing([2.0, 1.0]), passing([1.0, 1.0])]) == 1


def test_best_sample_total_includes_wrong_answer_times_but_not_crashes():
    wrong_answer_sample = prog(ok(0, 0.5), wa(1, 1.0))  # total 1.5: the WA time counts
    crashing_sample = prog(ok(0, 1.0), crash(1))  # total 1.0: the crash has no time
    assert ecco_best_sample([wrong_answer_sample, crashing_sample]) == 1


def test_best_sample_tie_goes_to_the_first_sample():
    assert ecco_best_sample([passing([1.0]), passing([1.0])]) == 0


def test_best_sample_of_no_samples_is_none():
    assert ecco_best_sample([]) is None


# --- speedup -----------------------------------------------------------------------------------------


def test_speedup_sums_over_the_tests_the_output_passed_even_if_it_failed_others():
    output = prog(ok(0, 1.0), ok(1, 1.0), wa(2, 0.1))
    assert ecco_speedup(passing([2.0, 2.0, 2.0]), output) == 2.0


def test_speedup_requires_the_input_to_pass_every_test():
    assert ecco_speedup(prog(ok(0, 2.0), wa(1, 2.0)), passing([1.0, 1.0])) is None


def test_speedup_requires_the_input_to_pass_the_problem_test_count():
    assert ecco_speedup(passing([2.0, 2.0]), passing([1.0, 1.0]), n_tests=3) is None


def test_speedup_notebook_rule_accepts_an_input_with_wrong_answers():
    speedup = ecco_speedup(prog(ok(0, 2.0), wa(1, 2.0)), passing([1.0, 1.0]), rule="notebook")
    assert speedup == 2.0


def test_speedup_notebook_rule_rejects_an_input_that_crashed():
    assert ecco_speedup(prog(ok(0, 2.0), crash(1)), passing([1.0, 1.0]), rule="notebook") is None


def test_speedup_is_none_when_the_output_passed_no_test():
    assert ecco_speedup(passing([2.0]), prog(wa(0, 1.0))) is None


def test_speedup_is_none_where_ecco_would_divide_by_zero():
    assert ecco_speedup(passing([1.0]), passing([0.0])) is None


def test_speedup_is_none_where_ecco_would_miss_an_input_value():
    assert ecco_speedup(passing([1.0]), passing([1.0, 1.0])) is None


def test_speedup_sums_in_the_string_order_of_test_ids_like_ecco():
    # ECCO runs and sums input.0, input.1, input.10, input.11, input.2, ...; these values round
    # differently in that order than in numeric order, and the result must match ECCO's bits.
    times = [0.079, 0.01, 0.05, 0.075, 0.031, 0.095, 0.091, 0.013, 0.012, 0.059, 0.095, 0.044]
    output = passing(times)
    string_order_total = sum(times[int(i)] for i in sorted(str(i) for i in range(len(times))))
    numeric_order_total = sum(times)
    assert string_order_total != numeric_order_total
    assert ecco_speedup(passing([1.0] * len(times)), output) == 12.0 / string_order_total


def test_memory_reduction_follows_the_speedup_rules_on_memory():
    output = prog(ok(0, 1.0, 100.0), wa(1, 1.0, 1.0))
    assert ecco_memory_reduction(passing([1.0, 1.0], [300.0, 300.0]), output) == 3.0


# --- percentile --------------------------------------------------------------------------------------


def test_percentile_is_the_index_of_the_first_faster_human_over_the_count():
    # Sorted slowest first: 5, 4, 3, 2; the first value below 3.5 is 3 at index 2.
    assert ecco_percentile(3.5, [2.0, 5.0, 3.0, 4.0]) == 0.5


def test_percentile_counts_a_tie_as_a_slower_human():
    assert ecco_percentile(4.0, [5.0, 4.0, 3.0, 2.0]) == 0.5


def test_percentile_quirk_program_slower_than_every_human_scores_the_top():
    # Index 0 gives 0 / 4 = 0.0, which `if not percentile` turns into 1.
    assert ecco_percentile(6.0, [5.0, 4.0, 3.0, 2.0]) == 1.0


def test_percentile_of_a_program_faster_than_every_human_is_the_top():
    assert ecco_percentile(1.0, [5.0, 4.0, 3.0, 2.0]) == 1.0


def test_percentile_of_a_program_equal_to_the_fastest_human_is_the_top():
    assert ecco_percentile(2.0, [5.0, 4.0, 3.0, 2.0]) == 1.0


def test_percentile_of_an_empty_spectrum_is_the_top():
    assert ecco_percentile(1.0, []) == 1.0


def test_percentile_without_a_program_value_is_none():
    assert ecco_percentile(None, [1.0]) is None


def test_generation_percentiles_rank_the_mean_per_test_value_of_a_passing_program():
    program = passing([1.0, 3.0], mems=[100.0, 300.0])  # means: 2.0 s, 200 KB
    assert ecco_generation_percentiles(program, [4.0, 2.5, 1.5, 0.5], [200.0, 100.0]) == (0.5, 0.5)


def test_generation_percentiles_are_none_unless_every_test_passed():
    assert ecco_generation_percentiles(passing([1.0, 1.0]), [2.0], [2.0], n_tests=3) == (None, None)


def test_generation_percentiles_are_none_for_a_missing_spectrum():
    assert ecco_generation_percentiles(passing([1.0]), None, [200.0]) == (None, 1.0)


# --- pass@1 and summaries ----------------------------------------------------------------------------


def test_pass_at_1_counts_rows_whose_input_did_not_crash_and_whose_best_output_passed_all():
    rows = [
        EditingRow(prog(ok(0), wa(1)), (passing([1.0, 1.0]),)),  # input WA is fine: counts
        EditingRow(prog(ok(0), crash(1)), (passing([1.0, 1.0]),)),  # input crashed
        EditingRow(passing([1.0, 1.0]), (prog(ok(0), wa(1)),)),  # output failed
        EditingRow(None, (passing([1.0, 1.0]),)),  # not evaluated by ECCO: not in the denominator
    ]
    assert ecco_pass_at_1_editing(rows) == pytest.approx(100 / 3)


def test_pass_at_1_judges_the_best_sample():
    row = EditingRow(passing([1.0]), (prog(wa(0)), passing([9.0])))
    assert ecco_pass_at_1_editing([row]) == 100.0


def test_pass_at_1_notebook_quirk_compares_with_a_literal_20_tests():
    all_21_passed = EditingRow(passing([1.0] * 21), (passing([1.0] * 21),))
    twenty_of_21_passed = EditingRow(passing([1.0] * 21), (prog(*(ok(i) for i in range(20)), wa(20)),))
    assert ecco_pass_at_1_editing([all_21_passed, twenty_of_21_passed], notebook_test_count=20) == 50.0
    assert ecco_pass_at_1_editing([twenty_of_21_passed], notebook_test_count=20) == 100.0
    assert ecco_pass_at_1_editing([all_21_passed, twenty_of_21_passed]) == 50.0
    assert ecco_pass_at_1_editing([all_21_passed]) == 100.0


def test_pass_at_1_of_no_evaluated_rows_is_none():
    assert ecco_pass_at_1_editing([EditingRow(passing([1.0]), ())]) is None


EDIT_ROWS = [
    EditingRow(passing([2.0, 2.0]), (passing([1.0, 1.0]),)),  # correct, 2x
    EditingRow(passing([1.0, 1.0]), (prog(ok(0, 0.5), wa(1, 0.5)),)),  # ECCO speedup 2x on test 0
    EditingRow(prog(ok(0, 1.0), wa(1, 1.0)), (passing([0.5, 0.5]),)),  # input fails: no eval-script speedup
    EditingRow(passing([1.0]), ()),  # no output: not evaluated
]


def test_editing_summary_reproduces_ecco_figures():
    summary = summarize_editing_ecco(EDIT_ROWS)
    assert summary.mode == "ecco"
    assert summary.n == 3
    assert summary.pass_at_1 == pytest.approx(200 / 3)
    assert summary.mean_speedup == 2.0
    assert summary.mean_memory_reduction == 1.0
    assert summary.pct_runtime_optimized == pytest.approx(100 / 3)
    assert summary.pct_memory_optimized == 0.0
    assert summary.n_inputs_failing == 1


def test_editing_summary_classifies_the_best_sample_of_each_evaluated_row():
    outcomes = summarize_editing_ecco(EDIT_ROWS).outcomes
    assert outcomes["correct-optimization"] == 2
    assert outcomes["spurious-optimization"] == 1
    assert sum(outcomes.values()) == 3


def test_editing_summary_with_the_notebook_rule_credits_inputs_with_wrong_answers():
    summary = summarize_editing_ecco(EDIT_ROWS, rule="notebook")
    assert summary.mean_speedup == 2.0
    assert summary.pct_runtime_optimized == pytest.approx(200 / 3)


def test_editing_summary_of_nothing_has_no_figures():
    summary = summarize_editing_ecco([])
    assert (summary.n, summary.pass_at_1, summary.mean_speedup) == (0, None, None)


def test_generation_summary_reproduces_ecco_figures():
    rows = [
        GenerationRow(
            (prog(ok(0, 0.1), wa(1, 0.1)), passing([1.0, 3.0], [100.0, 300.0])),
            (4.0, 2.5, 1.5, 0.5),
            (200.0, 100.0),
        ),  # best sample is the passing one: percentiles 0.5 and 0.5
        GenerationRow((passing([10.0]),), (1.0,), (50.0,)),  # slower than all humans: quirk gives 1.0
        GenerationRow((passing([1.0]),), None, None),  # no spectrum: skipped by ECCO
        GenerationRow((prog(wa(0)),), (1.0,), (1.0,)),  # evaluated, fails
    ]
    summary = summarize_generation_ecco(rows)
    assert summary.mode == "ecco"
    assert summary.n == 3
    assert summary.pass_at_1 == pytest.approx(200 / 3)
    assert summary.mean_runtime_percentile == 75.0
    assert summary.mean_memory_percentile == 75.0


def test_generation_summary_of_nothing_has_no_figures():
    summary = summarize_generation_ecco([])
    assert (summary.n, summary.pass_at_1, summary.mean_runtime_percentile) == (0, None, None)
