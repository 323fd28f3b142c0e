"""Specification of the metric input types: per-test measures, programs, and reducing repeats."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecco_tui.metrics.types import ProgramMeasure, TestMeasure, median_per_test
from tests.unit.metrics_builders import TLE, crash, measure, ok, passing, prog, wa


def test_program_passes_when_every_test_is_accepted():
    assert passing([1.0, 2.0]).all_passed


def test_program_with_a_wrong_answer_does_not_pass():
    assert not prog(ok(0), wa(1)).all_passed


def test_program_with_no_tests_does_not_pass():
    assert not ProgramMeasure().all_passed


def test_program_with_no_tests_has_not_run():
    assert not ProgramMeasure().ran
    assert passing([1.0]).ran


def test_n_passed_counts_accepted_tests_only():
    assert prog(ok(0), wa(1), crash(2), ok(3)).n_passed == 2


def test_total_runtime_is_the_sum_over_tests():
    assert passing([0.5, 0.25, 1.0]).total_runtime == 1.75


def test_total_runtime_skips_tests_without_a_time():
    assert prog(ok(0, 0.5), crash(1), wa(2, 0.25)).total_runtime == 0.75


def test_total_runtime_is_none_when_no_test_has_a_time():
    assert prog(crash(0), crash(1)).total_runtime is None


def test_total_memory_is_the_sum_over_tests():
    assert passing([1.0, 1.0], mems=[100.0, 250.0]).total_memory == 350.0


def test_total_memory_is_none_for_a_program_without_tests():
    assert ProgramMeasure().total_memory is None


def test_tests_are_kept_in_string_order_of_their_ids():
    program = prog(ok(2), ok(10), ok(1))
    assert [t.test_id for t in program.tests] == ["1", "10", "2"]


def test_programs_with_the_same_tests_in_another_order_are_equal():
    assert prog(ok(0, 1.0), ok(1, 2.0)) == prog(ok(1, 2.0), ok(0, 1.0))


def test_duplicate_test_ids_are_rejected():
    with pytest.raises(ValueError, match="median_per_test"):
        prog(ok(0), ok(0))


@pytest.mark.parametrize("bad", [-0.1, math.nan, math.inf])
def test_negative_or_non_finite_time_is_rejected(bad: float):
    with pytest.raises(ValueError, match="cpu_time_s"):
        TestMeasure("0", True, 3, bad, 1.0)


def test_negative_memory_is_rejected():
    with pytest.raises(ValueError, match="memory_kb"):
        TestMeasure("0", True, 3, 1.0, -1.0)


def test_wrong_answer_is_not_a_crash():
    assert not prog(ok(0), wa(1)).crashed


def test_time_limit_exceeded_is_a_crash():
    assert prog(ok(0), crash(1, status=TLE)).crashed


def test_median_per_test_takes_the_median_of_an_odd_number_of_repeats():
    reduced = median_per_test([ok(0, 0.3), ok(0, 0.1), ok(0, 0.2), ok(1, 1.0)])
    assert [t.cpu_time_s for t in reduced.tests] == [0.2, 1.0]


def test_median_per_test_averages_the_middle_pair_of_an_even_number_of_repeats():
    reduced = median_per_test([ok(0, 0.1, 100.0), ok(0, 0.3, 300.0)])
    assert reduced.tests[0].cpu_time_s == pytest.approx(0.2)
    assert reduced.tests[0].memory_kb == 200.0


def test_median_per_test_marks_a_flaky_test_as_failed():
    reduced = median_per_test([ok(0), wa(0), ok(0)])
    assert not reduced.tests[0].passed
    assert reduced.tests[0].status_id == 4


def test_median_per_test_reports_the_smallest_failing_status():
    reduced = median_per_test([crash(0, status=11), crash(0, status=TLE), ok(0)])
    assert reduced.tests[0].status_id == TLE


def test_median_per_test_ignores_repeats_without_a_time():
    reduced = median_per_test([wa(0, 0.4), crash(0), wa(0, 0.2)])
    assert reduced.tests[0].cpu_time_s == pytest.approx(0.3)


def test_median_per_test_gives_no_time_when_no_repeat_has_one():
    reduced = median_per_test([crash(0), crash(0)])
    assert reduced.tests[0].cpu_time_s is None
    assert reduced.tests[0].memory_kb is None


def test_median_per_test_of_nothing_is_a_program_without_tests():
    assert median_per_test([]) == ProgramMeasure()


_repeats = st.lists(
    st.builds(
        measure,
        test_id=st.integers(0, 4),
        time=st.floats(0, 10, allow_nan=False),
        mem=st.floats(0, 1e6, allow_nan=False),
        status=st.sampled_from([3, 3, 4, 5]),
    ),
    max_size=20,
)


@given(_repeats, st.randoms(use_true_random=False))
def test_median_per_test_does_not_depend_on_the_order_of_repeats(runs, rnd):
    shuffled = list(runs)
    rnd.shuffle(shuffled)
    assert median_per_test(shuffled) == median_per_test(runs)
