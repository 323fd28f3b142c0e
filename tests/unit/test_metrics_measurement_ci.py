"""The verdict interval: tests fixed, measurement noise resampled (repeats, or a noise floor for single runs)."""

from __future__ import annotations

import math
import random
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecco_tui.metrics import stats
from ecco_tui.metrics.stats import bootstrap_ratio_ci, measurement_ratio_ci, measurement_ratio_cis


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


# -- the vectorized (numpy) form: same formula, one output or a whole run at once ---------------------

def _mixed_outputs(n: int, seed: int) -> list[tuple[dict[str, list[float]], dict[str, list[float]]]]:
    """Outputs of 1-30 tests, some run once and some repeated (2, 3 or 5 times), some tests on one side only."""
    rng = random.Random(seed)
    outputs = []
    for _ in range(n):
        tests = rng.randint(1, 30)
        num: dict[str, list[float]] = {}
        den: dict[str, list[float]] = {}
        for t in range(tests):
            base = rng.choice([0.01, 0.011, 0.09, 3.2])
            repeats = rng.choice([1, 1, 2, 3, 5])
            num[str(t)] = [base * rng.uniform(0.97, 1.03) for _ in range(repeats)]
            if rng.random() > 0.1:
                den[str(t)] = [base * rng.uniform(0.5, 1.5) for _ in range(repeats)]
        outputs.append((num, den))
    return outputs


def test_the_batch_gives_each_output_exactly_its_own_interval() -> None:
    """A run's verdicts (one batch) and one problem's (one output at a time) must agree exactly: a test's
    draws depend on the seed, its side and its position only, not on what else is computed."""
    outputs = _mixed_outputs(60, seed=5)
    outputs.insert(7, ({"0": [1.0]}, {"1": [1.0]}))  # no shared test
    outputs.insert(11, ({"0": [1.0, 2.0]}, {"0": [0.0, 0.0]}))  # zero denominator
    batch = measurement_ratio_cis(outputs, n_boot=300, seed=4)
    assert batch == [measurement_ratio_ci(num, den, n_boot=300, seed=4) for num, den in outputs]
    assert batch[7] is None and batch[11] is None
    assert measurement_ratio_cis(outputs[20:], n_boot=300, seed=4) == batch[20:]


def test_chunking_a_large_batch_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    outputs = _mixed_outputs(40, seed=9)
    whole = measurement_ratio_cis(outputs, n_boot=200, seed=1)
    monkeypatch.setattr(stats, "_CHUNK_CELLS", 1000)  # a few outputs per array
    assert measurement_ratio_cis(outputs, n_boot=200, seed=1) == whole


def test_the_vectorized_replicates_follow_the_plain_formula() -> None:
    """Each replicate of a total, recomputed test by test in plain Python from the same random streams: the
    median of the repeats drawn with replacement (several runs), or the value times exp(log(1 + cv) · z)
    (one run)."""
    programs = [[(0.5,), (0.1, 0.2, 0.4), (0.3,), (1.0, 2.0), (0.1, 0.2, 0.3, 0.9)], [(0.7, 0.9, 1.1), (0.2,)]]
    n_boot, seed, cv = 50, 3, 0.03
    totals = stats._replicate_totals(programs, side=stats._DEN, n_boot=n_boot, seed=seed, noise_cv=cv)
    assert totals.shape == (2, n_boot)
    for k, tests in enumerate(programs):
        for b in range(n_boot):
            expected = 0.0
            for position, values in enumerate(tests):
                rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(stats._DEN,
                                                                                                   position))))
                if len(values) == 1:
                    expected += values[0] * math.exp(math.log1p(cv) * rng.standard_normal(n_boot)[b])
                else:
                    drawn = rng.integers(0, len(values), size=(n_boot, len(values)))[b]
                    expected += statistics.median(values[i] for i in drawn)
            assert totals[k, b] == pytest.approx(expected, rel=1e-12)


def test_no_noise_and_identical_repeats_give_a_zero_width_interval() -> None:
    num = {"0": [0.2], "1": [0.3, 0.3, 0.3]}
    den = {"0": [0.1], "1": [0.1, 0.1, 0.1]}
    point, lo, hi = measurement_ratio_ci(num, den, noise_cv=0.0, n_boot=100)
    assert point == pytest.approx(2.5)
    assert lo == pytest.approx(point) and hi == pytest.approx(point)


def test_the_interval_leaves_the_global_random_state_alone() -> None:
    random.seed(123)
    expected = random.random()
    random.seed(123)
    measurement_ratio_cis(_mixed_outputs(5, seed=1), n_boot=100)
    assert random.random() == expected


def test_results_are_plain_floats() -> None:
    """JSON reports and the verdict cache store the ends: numpy scalars must not leak out."""
    point, lo, hi = measurement_ratio_ci({"0": [0.2]}, {"0": [0.1]}, n_boot=50)
    assert all(type(v) is float for v in (point, lo, hi))
