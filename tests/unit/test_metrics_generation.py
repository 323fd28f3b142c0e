"""Specification of the default NL-generation metrics: percentiles against the human spectrum."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecco_tui.metrics.generation import (
    mean_test_memory,
    mean_test_runtime,
    memory_percentile,
    program_memory_percentile,
    program_runtime_percentile,
    runtime_percentile,
)
from ecco_tui.metrics.types import ProgramMeasure
from tests.unit.metrics_builders import crash, ok, passing, prog, wa


def test_runtime_percentile_is_the_percent_of_human_solutions_that_are_slower():
    assert runtime_percentile(1.5, [3.0, 2.0, 1.0]) == pytest.approx(200 / 3)


def test_runtime_percentile_does_not_count_a_tie_as_slower():
    assert runtime_percentile(2.0, [3.0, 2.0, 1.0]) == pytest.approx(100 / 3)


def test_runtime_percentile_is_100_when_faster_than_every_human():
    assert runtime_percentile(0.5, [3.0, 2.0, 1.0]) == 100.0


def test_runtime_percentile_is_0_when_slower_than_every_human():
    assert runtime_percentile(5.0, [3.0, 2.0, 1.0]) == 0.0


def test_runtime_percentile_of_an_empty_spectrum_is_none():
    assert runtime_percentile(1.0, []) is None


def test_runtime_percentile_without_a_program_runtime_is_none():
    assert runtime_percentile(None, [1.0]) is None


def test_memory_percentile_is_the_percent_of_human_solutions_using_more_memory():
    assert memory_percentile(1000.0, [4000.0, 1000.0, 500.0, 2000.0]) == 50.0


@given(
    st.floats(0, 10, allow_nan=False),
    st.lists(st.floats(0, 10, allow_nan=False), min_size=1, max_size=30),
    st.randoms(use_true_random=False),
)
def test_runtime_percentile_does_not_depend_on_the_order_of_human_values(value, humans, rnd):
    shuffled = list(humans)
    rnd.shuffle(shuffled)
    assert runtime_percentile(value, shuffled) == runtime_percentile(value, humans)


def test_mean_test_runtime_is_the_mean_over_tests_with_a_time():
    assert mean_test_runtime(prog(ok(0, 1.0), ok(1, 2.0), crash(2))) == 1.5


def test_mean_test_runtime_is_none_without_times():
    assert mean_test_runtime(ProgramMeasure()) is None
    assert mean_test_runtime(None) is None


def test_mean_test_memory_is_the_mean_over_tests_with_a_value():
    assert mean_test_memory(passing([1.0, 1.0], [100.0, 300.0])) == 200.0


def test_program_percentile_ranks_the_mean_per_test_runtime():
    program = passing([1.0, 3.0])  # mean 2.0 s per test
    assert program_runtime_percentile(program, [4.0, 2.5, 1.5, 0.5]) == 50.0


def test_program_percentile_is_none_for_a_failing_program():
    assert program_runtime_percentile(prog(ok(0, 0.1), wa(1, 0.1)), [5.0]) is None


def test_program_memory_percentile_ranks_the_mean_per_test_memory():
    assert program_memory_percentile(passing([1.0], [100.0]), [200.0, 50.0]) == 50.0


def test_program_memory_percentile_is_none_for_a_missing_program():
    assert program_memory_percentile(None, [200.0]) is None
