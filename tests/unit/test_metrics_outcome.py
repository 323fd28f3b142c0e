"""Specification of outcome classification: correct vs. spurious optimization, noise, not run."""

from __future__ import annotations

import pytest

from ecco_tui.metrics.outcome import Outcome, classify_outcome
from ecco_tui.metrics.types import ProgramMeasure
from tests.unit.metrics_builders import crash, ok, passing, prog, wa

SLOW = passing([2.0, 2.0])


def test_passing_and_faster_is_a_correct_optimization():
    assert classify_outcome(SLOW, passing([1.0, 1.0])) is Outcome.CORRECT_OPTIMIZATION


def test_failing_and_faster_is_a_spurious_optimization():
    assert classify_outcome(SLOW, prog(ok(0, 1.0), wa(1, 1.0))) is Outcome.SPURIOUS_OPTIMIZATION


def test_passing_and_slower_is_correct_without_gain():
    assert classify_outcome(SLOW, passing([3.0, 3.0])) is Outcome.CORRECT_NO_GAIN


def test_passing_with_an_exact_tie_is_correct_without_gain():
    assert classify_outcome(SLOW, passing([2.0, 2.0])) is Outcome.CORRECT_NO_GAIN


def test_failing_and_not_faster_is_broken():
    assert classify_outcome(SLOW, prog(ok(0, 3.0), wa(1, 3.0))) is Outcome.BROKEN


def test_an_output_without_measurements_is_not_run():
    assert classify_outcome(SLOW, ProgramMeasure()) is Outcome.NOT_RUN


def test_a_missing_output_is_not_run():
    assert classify_outcome(SLOW, None) is Outcome.NOT_RUN


def test_a_failing_output_is_judged_faster_on_the_tests_both_ran():
    slow_input = passing([1.0, 1.0, 10.0])
    # Crashing on the slow test makes the output's total look small; on common tests it is 2x faster.
    output = prog(ok(0, 0.5), ok(1, 0.5), crash(2))
    assert classify_outcome(slow_input, output) is Outcome.SPURIOUS_OPTIMIZATION


def test_a_failing_output_that_only_skips_work_is_broken_not_spurious():
    slow_input = passing([1.0, 1.0, 10.0])
    output = prog(wa(0, 2.0), wa(1, 2.0), crash(2))  # total 4 s < 12 s, but 2x slower where comparable
    assert classify_outcome(slow_input, output) is Outcome.BROKEN


def test_a_passing_output_without_an_input_to_compare_is_correct_without_gain():
    assert classify_outcome(None, passing([1.0])) is Outcome.CORRECT_NO_GAIN


def test_faster_threshold_raises_the_bar_for_an_optimization():
    output = passing([1.6, 1.6])  # speedup 1.25
    assert classify_outcome(SLOW, output, faster_threshold=1.1) is Outcome.CORRECT_OPTIMIZATION
    assert classify_outcome(SLOW, output, faster_threshold=1.5) is Outcome.CORRECT_NO_GAIN


def test_with_noise_an_interval_above_the_threshold_is_faster():
    assert classify_outcome(SLOW, passing([3.0]), noise=(1.05, 1.3)) is Outcome.CORRECT_OPTIMIZATION


def test_with_noise_a_passing_output_whose_interval_contains_the_threshold_is_within_noise():
    assert classify_outcome(SLOW, passing([1.0, 1.0]), noise=(0.97, 1.08)) is Outcome.WITHIN_NOISE


def test_with_noise_an_interval_whose_upper_end_is_the_threshold_is_within_noise():
    assert classify_outcome(SLOW, passing([1.0]), noise=(0.9, 1.0)) is Outcome.WITHIN_NOISE


def test_with_noise_an_interval_entirely_below_the_threshold_is_correct_without_gain():
    assert classify_outcome(SLOW, passing([1.0]), noise=(0.7, 0.9)) is Outcome.CORRECT_NO_GAIN


def test_with_noise_a_failing_output_whose_interval_contains_the_threshold_is_broken():
    assert classify_outcome(SLOW, prog(wa(0, 1.0)), noise=(0.95, 1.2)) is Outcome.BROKEN


def test_with_noise_a_failing_output_whose_interval_is_above_the_threshold_is_spurious():
    assert classify_outcome(SLOW, prog(wa(0, 1.0)), noise=(1.5, 2.5)) is Outcome.SPURIOUS_OPTIMIZATION


def test_a_noise_interval_with_lo_above_hi_is_rejected():
    with pytest.raises(ValueError, match="lo <= hi"):
        classify_outcome(SLOW, passing([1.0]), noise=(1.2, 1.1))


def test_outcomes_are_strings_for_storage():
    assert Outcome.SPURIOUS_OPTIMIZATION == "spurious-optimization"
    assert {o.value for o in Outcome} == {
        "correct-optimization",
        "spurious-optimization",
        "correct-no-gain",
        "within-noise",
        "broken",
        "not-run",
    }
