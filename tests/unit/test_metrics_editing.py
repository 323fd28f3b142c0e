"""Specification of the default editing metrics: pass@1, speedup, memory reduction, aggregates."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
from ecco_tui.metrics.types import ProgramMeasure
from tests.unit.metrics_builders import crash, ok, passing, prog, wa

# --- speedup and memory reduction -----------------------------------------------------------------


def test_speedup_is_input_runtime_over_output_runtime_summed_over_tests():
    assert speedup(passing([2.0, 4.0]), passing([1.0, 1.0])) == 3.0


def test_speedup_below_one_means_the_output_is_slower():
    assert speedup(passing([1.0, 1.0]), passing([2.0, 2.0])) == 0.5


def test_speedup_of_equal_runtimes_is_exactly_one():
    assert speedup(passing([0.1, 0.2, 0.3]), passing([0.3, 0.2, 0.1])) == 1.0


def test_speedup_is_none_when_the_output_fails_a_test():
    assert speedup(passing([2.0, 2.0]), prog(ok(0, 1.0), wa(1, 1.0))) is None


def test_speedup_is_none_when_the_output_is_missing():
    assert speedup(passing([1.0]), None) is None


def test_speedup_is_none_when_the_input_is_missing():
    assert speedup(None, passing([1.0])) is None


def test_speedup_is_none_for_an_output_without_tests():
    assert speedup(passing([1.0]), ProgramMeasure()) is None


def test_speedup_uses_only_tests_both_programs_ran():
    input_program = passing([1.0, 1.0, 100.0])  # test "2" was not run for the output
    assert speedup(input_program, passing([0.5, 0.5])) == 2.0


def test_speedup_uses_only_tests_both_programs_have_a_time_for():
    input_program = prog(ok(0, 1.0), crash(1), ok(2, 3.0))
    assert speedup(input_program, passing([1.0, 50.0, 1.0])) == 2.0


def test_speedup_is_still_computed_when_the_input_has_a_wrong_answer():
    assert speedup(prog(ok(0, 2.0), wa(1, 2.0)), passing([1.0, 1.0])) == 2.0


def test_speedup_is_none_without_common_timed_tests():
    assert speedup(prog(crash(0)), passing([1.0])) is None


def test_speedup_is_none_when_the_output_runtime_is_zero():
    assert speedup(passing([1.0]), passing([0.0])) is None


def test_speedup_is_none_when_the_input_runtime_is_zero():
    assert speedup(passing([0.0]), passing([1.0])) is None


def test_memory_reduction_is_input_memory_over_output_memory():
    assert memory_reduction(passing([1, 1], [300.0, 300.0]), passing([1, 1], [100.0, 200.0])) == 2.0


def test_memory_reduction_is_none_when_the_output_fails():
    assert memory_reduction(passing([1.0], [200.0]), prog(wa(0, 1.0, 100.0))) is None


def test_runtime_ratio_compares_speed_even_when_the_output_fails():
    assert runtime_ratio(passing([2.0, 2.0]), prog(ok(0, 1.0), wa(1, 1.0))) == 2.0


def test_memory_ratio_compares_memory_even_when_the_output_fails():
    assert memory_ratio(passing([1.0], [200.0]), prog(wa(0, 1.0, 100.0))) == 2.0


_times = st.lists(st.floats(0.001, 100.0, allow_nan=False), min_size=1, max_size=12)


@given(_times, st.randoms(use_true_random=False))
def test_speedup_does_not_depend_on_test_order(times, rnd):
    input_tests = [ok(i, t * 1.5) for i, t in enumerate(times)]
    output_tests = [ok(i, t) for i, t in enumerate(times)]
    expected = speedup(prog(*input_tests), prog(*output_tests))
    rnd.shuffle(input_tests)
    rnd.shuffle(output_tests)
    assert speedup(prog(*input_tests), prog(*output_tests)) == expected


@given(_times, _times, st.floats(0.01, 100.0))
def test_scaling_output_times_by_c_divides_speedup_by_c(input_times, output_times, c):
    n = min(len(input_times), len(output_times))
    input_program = passing(input_times[:n])
    base = speedup(input_program, passing(output_times[:n]))
    scaled = speedup(input_program, passing([t * c for t in output_times[:n]]))
    assert base is not None and scaled is not None
    assert scaled == pytest.approx(base / c, rel=1e-9)


# --- pass@1 ------------------------------------------------------------------------------------------


def test_pass_at_1_is_the_percent_of_programs_passing_every_test():
    programs = [passing([1.0]), prog(ok(0), wa(1)), passing([1.0, 1.0]), prog(crash(0))]
    assert pass_at_1(programs) == 50.0


def test_pass_at_1_counts_not_run_programs_as_failures_by_default():
    assert pass_at_1([passing([1.0]), None, ProgramMeasure()]) == pytest.approx(100 / 3)


def test_pass_at_1_can_exclude_not_run_programs_from_the_denominator():
    assert pass_at_1([passing([1.0]), None, ProgramMeasure(), prog(wa(0))], exclude_not_run=True) == 50.0


def test_pass_at_1_of_no_programs_is_none():
    assert pass_at_1([]) is None


def test_pass_at_1_is_none_when_every_program_is_excluded():
    assert pass_at_1([None], exclude_not_run=True) is None


# --- aggregates over pairs ---------------------------------------------------------------------------


def test_mean_speedup_averages_over_passing_outputs_only():
    pairs = [
        (passing([2.0]), passing([1.0])),  # 2x
        (passing([4.0]), passing([1.0])),  # 4x
        (passing([9.0]), prog(wa(0, 1.0))),  # fails: left out
        (passing([1.0]), None),  # no output: left out
    ]
    assert mean_speedup(pairs) == 3.0


def test_mean_speedup_is_none_when_no_output_passes():
    assert mean_speedup([(passing([1.0]), prog(wa(0)))]) is None


def test_mean_memory_reduction_averages_over_passing_outputs_only():
    pairs = [
        (passing([1.0], [200.0]), passing([1.0], [100.0])),
        (passing([1.0], [100.0]), passing([1.0], [100.0])),
        (passing([1.0], [900.0]), prog(wa(0, 1.0, 1.0))),
    ]
    assert mean_memory_reduction(pairs) == 1.5


def test_pct_runtime_optimized_counts_passing_and_strictly_faster_outputs_over_all_outputs():
    pairs = [
        (passing([2.0]), passing([1.0])),  # correct and faster: counted
        (passing([1.0]), passing([1.0])),  # tie: not an optimization
        (passing([9.0]), prog(wa(0, 1.0))),  # faster but wrong: not counted
        (passing([1.0]), ProgramMeasure()),  # not run: in the denominator
        (passing([1.0]), None),  # no output: not in the denominator
    ]
    assert pct_runtime_optimized(pairs) == 25.0


def test_pct_runtime_optimized_respects_a_threshold():
    pairs = [(passing([1.5]), passing([1.0])), (passing([3.0]), passing([1.0]))]
    assert pct_runtime_optimized(pairs, threshold=2.0) == 50.0


def test_pct_runtime_optimized_is_none_without_outputs():
    assert pct_runtime_optimized([(passing([1.0]), None)]) is None


def test_pct_memory_optimized_counts_passing_and_strictly_leaner_outputs():
    pairs = [
        (passing([1.0], [200.0]), passing([1.0], [100.0])),
        (passing([1.0], [100.0]), passing([1.0], [100.0])),
    ]
    assert pct_memory_optimized(pairs) == 50.0
