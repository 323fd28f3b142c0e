"""The verdict interval: tests fixed, measurement noise resampled (repeats, or a noise floor for single runs)."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecco_tui.metrics.stats import bootstrap_ratio_ci, measurement_ratio_ci


def test_same_data_and_seed_give_the_same_interval() -> None:
    num = {"0": [0.2, 0.21], "1": [0.05, 0.052]}
    den = {"0": [0.02, 0.021], "1": [0.05, 0.049]}
    assert measurement_ratio_ci(num, den, seed=3) == measurement_ratio_ci(num, den, seed=3)


def test_a_gain_on_the_big_tests_only_is_still_clearly_faster() -> None:
    """6× on three large tests, equal on five tiny ones: resampling tests can draw only tiny ones and
    straddle 1; resampling measurement noise over the fixed tests does not."""
    num = {str(i): [0.01] for i in range(5)} | {str(i): [0.3] for i in range(5, 8)}
    den = {str(i): [0.01] for i in range(5)} | {str(i): [0.05] for i in range(5, 8)}
    point, lo, hi = measurement_ratio_ci(num, den)
    assert lo > 1.0
    assert lo <= point <= hi
    _, test_lo, _ = bootstrap_ratio_ci(num, den)
    assert test_lo < lo


def test_identical_measurements_straddle_one() -> None:
    data = {str(i): [0.012 + 0.001 * i] for i in range(8)}
    _, lo, hi = measurement_ratio_ci(data, data)
    assert lo < 1.0 < hi


def test_no_shared_test_gives_none() -> None:
    assert measurement_ratio_ci({"0": [1.0]}, {"1": [1.0]}) is None


@settings(max_examples=30, deadline=None)
@given(st.permutations(list(range(6))))
def test_interval_does_not_depend_on_test_order(order: list[int]) -> None:
    num = {str(i): [0.1 + i / 100, 0.11 + i / 100] for i in range(6)}
    den = {str(i): [0.05 + i / 200] for i in range(6)}
    shuffled_num = {str(i): num[str(i)] for i in order}
    shuffled_den = {str(i): den[str(i)] for i in order}
    assert measurement_ratio_ci(shuffled_num, shuffled_den) == measurement_ratio_ci(num, den)


def test_covers_the_true_ratio_for_noisy_repeats_in_most_trials() -> None:
    true_ratio, covered = 1.5, 0
    for trial in range(100):
        rng = random.Random(trial)
        base = [rng.uniform(0.01, 0.3) for _ in range(6)]
        num = {str(i): [b * true_ratio * math.exp(rng.gauss(0, 0.03)) for _ in range(3)] for i, b in enumerate(base)}
        den = {str(i): [b * math.exp(rng.gauss(0, 0.03)) for _ in range(3)] for i, b in enumerate(base)}
        _, lo, hi = measurement_ratio_ci(num, den, n_boot=400, seed=trial)
        covered += lo <= true_ratio <= hi
    assert covered >= 85


def test_negative_noise_is_refused() -> None:
    with pytest.raises(ValueError, match="noise_cv"):
        measurement_ratio_ci({"0": [1.0]}, {"0": [1.0]}, noise_cv=-0.1)
