"""Specification of the bootstrap interval for ratio metrics (speedup, memory reduction)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecco_tui.metrics.stats import bootstrap_ratio_ci, memory_samples, runtime_samples, speedup_ci
from tests.unit.metrics_builders import crash, ok, wa

NUM = {"0": [2.0, 2.2, 1.8], "1": [4.0, 4.4, 3.6], "2": [1.0, 1.1, 0.9]}
DEN = {"0": [1.0, 1.1, 0.9], "1": [2.0, 2.1, 1.9], "2": [1.0, 1.0, 1.0]}


def test_point_estimate_is_the_ratio_of_sums_of_per_test_medians():
    point, _, _ = bootstrap_ratio_ci(NUM, DEN, n_boot=10)
    assert point == pytest.approx((2.0 + 4.0 + 1.0) / (1.0 + 2.0 + 1.0))


def test_interval_brackets_and_orders_its_ends():
    point, lo, hi = bootstrap_ratio_ci(NUM, DEN, n_boot=300)
    assert lo <= point <= hi


def test_same_seed_gives_the_same_interval():
    first = bootstrap_ratio_ci(NUM, DEN, n_boot=200, seed=7)
    assert bootstrap_ratio_ci(NUM, DEN, n_boot=200, seed=7) == first


def test_different_seeds_give_different_intervals():
    first = bootstrap_ratio_ci(NUM, DEN, n_boot=200, seed=1)
    assert bootstrap_ratio_ci(NUM, DEN, n_boot=200, seed=2) != first


def test_bootstrap_does_not_use_the_global_random_generator():
    random.seed(123)
    before = random.random()
    random.seed(123)
    bootstrap_ratio_ci(NUM, DEN, n_boot=50)
    assert random.random() == before


def test_constant_measurements_give_a_zero_width_interval():
    num = {"0": [2.0, 2.0], "1": [2.0, 2.0]}
    den = {"0": [1.0, 1.0], "1": [1.0, 1.0]}
    assert bootstrap_ratio_ci(num, den, n_boot=100) == (2.0, 2.0, 2.0)


def test_tests_missing_from_either_side_are_ignored():
    num = {**NUM, "9": [100.0]}
    den = {**DEN, "8": [100.0]}
    assert bootstrap_ratio_ci(num, den, n_boot=100) == bootstrap_ratio_ci(NUM, DEN, n_boot=100)


def test_no_common_test_gives_none():
    assert bootstrap_ratio_ci({"0": [1.0]}, {"1": [1.0]}) is None


def test_a_zero_denominator_gives_none():
    assert bootstrap_ratio_ci({"0": [1.0]}, {"0": [0.0, 0.0]}) is None


def test_negative_values_are_rejected():
    with pytest.raises(ValueError, match="non-negative"):
        bootstrap_ratio_ci({"0": [-1.0]}, {"0": [1.0]})


def test_n_boot_below_one_is_rejected():
    with pytest.raises(ValueError, match="n_boot"):
        bootstrap_ratio_ci(NUM, DEN, n_boot=0)


@pytest.mark.parametrize("alpha", [0.0, 1.0, -0.1])
def test_alpha_outside_zero_one_is_rejected(alpha: float):
    with pytest.raises(ValueError, match="alpha"):
        bootstrap_ratio_ci(NUM, DEN, alpha=alpha)


def test_a_smaller_alpha_gives_a_wider_interval():
    _, lo95, hi95 = bootstrap_ratio_ci(NUM, DEN, n_boot=400, alpha=0.05)
    _, lo50, hi50 = bootstrap_ratio_ci(NUM, DEN, n_boot=400, alpha=0.5)
    assert lo95 <= lo50 and hi50 <= hi95


_samples = st.dictionaries(
    st.integers(0, 30).map(str),
    st.lists(st.floats(0.01, 10.0, allow_nan=False), min_size=1, max_size=4),
    min_size=1,
    max_size=6,
)


@settings(max_examples=40, deadline=None)
@given(_samples, st.randoms(use_true_random=False))
def test_result_does_not_depend_on_key_or_repeat_order(samples, rnd):
    den = {k: [v * 0.7 + 0.01 for v in vs] for k, vs in samples.items()}
    keys = list(samples)
    rnd.shuffle(keys)
    shuffled_num = {k: rnd.sample(samples[k], len(samples[k])) for k in keys}
    shuffled_den = {k: rnd.sample(den[k], len(den[k])) for k in reversed(keys)}
    expected = bootstrap_ratio_ci(samples, den, n_boot=50, seed=3)
    assert bootstrap_ratio_ci(shuffled_num, shuffled_den, n_boot=50, seed=3) == expected


def _noisy_trial(seed: int, true_ratio: float, n_tests: int = 5, repeats: int = 3) -> tuple[float, float]:
    """Synthetic speedup data: per-test base times, 5% multiplicative lognormal noise on every run."""
    gen = random.Random(seed)
    base = {str(i): gen.uniform(0.01, 1.0) for i in range(n_tests)}
    num = {k: [true_ratio * b * gen.lognormvariate(0, 0.05) for _ in range(repeats)] for k, b in base.items()}
    den = {k: [b * gen.lognormvariate(0, 0.05) for _ in range(repeats)] for k, b in base.items()}
    result = bootstrap_ratio_ci(num, den, n_boot=500, seed=seed)
    assert result is not None
    return result[1], result[2]


def test_95_percent_interval_covers_the_true_ratio_in_at_least_90_percent_of_trials():
    true_ratio = 1.7
    covered = 0
    for seed in range(200):
        lo, hi = _noisy_trial(seed, true_ratio)
        covered += lo <= true_ratio <= hi
    assert covered >= 180


def test_runtime_samples_group_repeated_runs_by_test():
    runs = [ok(0, 0.1), ok(1, 0.5), ok(0, 0.2), crash(1), wa(2, 0.3)]
    assert runtime_samples(runs) == {"0": [0.1, 0.2], "1": [0.5], "2": [0.3]}


def test_memory_samples_group_repeated_runs_by_test():
    assert memory_samples([ok(0, 1.0, 10.0), ok(0, 1.0, 30.0), crash(1)]) == {"0": [10.0, 30.0]}


def test_speedup_ci_bootstraps_input_time_over_output_time():
    input_runs = [ok(0, 2.0), ok(0, 2.0), ok(1, 4.0), ok(1, 4.0)]
    output_runs = [ok(0, 1.0), ok(0, 1.0), ok(1, 2.0), ok(1, 2.0)]
    assert speedup_ci(input_runs, output_runs, n_boot=100) == (2.0, 2.0, 2.0)
