"""Drift between evaluations (`metrics.drift`): a test's paired speedup that moved beyond noise."""

from __future__ import annotations

import math
import random

import pytest

from ecco_tui.metrics.drift import MIN_MOVE, drifted_tests, log_ratio_noise
from ecco_tui.model import evaluation_of, new_evaluation_id, pair_context


def _logs(*ratios: float) -> list[float]:
    return [math.log(r) for r in ratios]


def test_a_test_measured_in_one_evaluation_never_drifts() -> None:
    assert drifted_tests({"private:1": [_logs(3.0, 3.1, 2.9)], "private:2": [[], _logs(1.0)]}) == {}


def test_evaluations_agreeing_within_noise_do_not_drift() -> None:
    groups = {f"private:{t}": [_logs(2.00, 2.04, 1.97), _logs(2.02, 1.99, 2.05)] for t in range(1, 6)}
    assert drifted_tests(groups) == {}


def test_a_speedup_that_halves_between_evaluations_drifts_on_that_test() -> None:
    groups = {f"private:{t}": [_logs(2.00, 2.04, 1.97), _logs(2.02, 1.99, 2.05)] for t in range(1, 6)}
    groups["private:3"] = [_logs(2.00, 2.04, 1.97), _logs(1.01, 0.98, 1.00)]
    found = drifted_tests(groups)
    assert list(found) == ["private:3"]
    assert [round(s, 2) for s in found["private:3"].speedups] == [2.00, 1.00]
    assert found["private:3"].pairs == (3, 3)
    assert found["private:3"].describe() == "2.00× (3) → 1.00× (3)"


def test_a_move_smaller_than_the_minimum_is_not_drift_however_precise() -> None:
    small = (MIN_MOVE - 1) / 2  # half the smallest reported move
    groups = {"private:1": [_logs(*[2.0] * 15), _logs(*[2.0 * (1 + small)] * 15)]}
    assert drifted_tests(groups) == {}


def test_single_pairs_need_a_move_beyond_the_floor_of_two_single_runs() -> None:
    """One pair per evaluation: nothing to pool, the noise is the per-run floor's; a 10% move is noise, 2x not."""
    assert log_ratio_noise({"private:1": [_logs(1.0), _logs(1.1)]}) > 0.04
    assert drifted_tests({"private:1": [_logs(1.0), _logs(1.1)]}) == {}
    assert list(drifted_tests({"private:1": [_logs(1.0), _logs(2.0)]})) == ["private:1"]


@pytest.mark.parametrize("pairs", [1, 3])
def test_null_comparisons_are_flagged_rarely(pairs: int) -> None:
    """Calibration on simulated null comparisons: 20 tests, two evaluations of 1 or 3 pairs each, 8% normal
    noise per log-ratio and nothing changed: at most 3% of the comparisons get any test flagged."""
    rng = random.Random(7)
    flagged = 0
    for _ in range(500):
        groups = {f"private:{t}": [[rng.gauss(0.3, 0.08) for _ in range(pairs)] for _ in range(2)]
                  for t in range(20)}
        flagged += bool(drifted_tests(groups))
    assert flagged / 500 <= 0.03


def test_a_test_that_moved_one_and_a_half_times_is_usually_found() -> None:
    """Power on the same simulation: one test's speedup falls 1.5x in the second evaluation (3 pairs each)."""
    rng = random.Random(3)
    found = 0
    for _ in range(200):
        groups = {f"private:{t}": [[rng.gauss(0.3, 0.08) for _ in range(3)] for _ in range(2)] for t in range(20)}
        groups["private:5"][1] = [x - math.log(1.5) for x in groups["private:5"][1]]
        found += "private:5" in drifted_tests(groups)
    assert found / 200 >= 0.75


def test_pair_contexts_name_their_evaluation_and_old_ones_count_as_the_first() -> None:
    first, second = new_evaluation_id(), new_evaluation_id()
    assert first < second  # evaluations sort in the order they started
    assert evaluation_of(pair_context(first)) == first
    assert evaluation_of("pair#0123abcd") == ""  # stored before evaluations were recorded
    assert evaluation_of(None) == "" and evaluation_of("run#3#input") == ""
