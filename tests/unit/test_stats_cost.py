"""Two measures of cost, and when a pair's interval is narrow enough for `--repeat auto`."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecco_tui.metrics.stats import (
    FASTER,
    SAME,
    SLOWER,
    UNDECIDED,
    cost_directions_disagree,
    interval_direction,
    measurement_total_ci,
    ratio_direction,
    ratio_of_sums,
    within_relative,
)


@pytest.mark.parametrize(("lo", "hi", "expected"), [
    (1.01, 1.2, FASTER), (0.8, 0.99, SLOWER), (0.9, 1.1, UNDECIDED), (1.0, 1.2, UNDECIDED), (0.8, 1.0, UNDECIDED),
])
def test_interval_direction(lo: float, hi: float, expected: str) -> None:
    assert interval_direction(lo, hi) == expected


@pytest.mark.parametrize(("ratio", "expected"), [
    (1.02, FASTER), (1.01, SAME), (1.0, SAME), (1 / 1.01, SAME), (0.98, SLOWER), (7.0, FASTER), (0.1, SLOWER),
])
def test_ratio_direction_has_a_symmetric_one_percent_tie_band(ratio: float, expected: str) -> None:
    assert ratio_direction(ratio) == expected


@pytest.mark.parametrize(("cpu", "instructions", "disagree"), [
    ((1.2, 1.5), 0.9, True),  # CPU clearly faster, executes 10% more instructions
    ((0.6, 0.8), 1.3, True),  # CPU clearly slower, executes fewer instructions
    ((1.2, 1.5), 2.0, False),  # both faster
    ((0.6, 0.8), 0.7, False),  # both slower
    ((0.9, 1.3), 0.5, False),  # CPU undecided: unsure is not a contradiction
    ((1.2, 1.5), 0.995, False),  # instructions within the tie band
    (None, 0.5, False),
    ((1.2, 1.5), None, False),
])
def test_disagreement_needs_one_clear_faster_and_one_clear_slower(
    cpu: tuple[float, float] | None, instructions: float | None, disagree: bool
) -> None:
    assert cost_directions_disagree(cpu, instructions) is disagree


def test_a_wider_tie_band_hides_a_small_contradiction() -> None:
    assert cost_directions_disagree((1.2, 1.5), 0.97)
    assert not cost_directions_disagree((1.2, 1.5), 0.97, tie=0.05)


def test_ratio_of_sums_needs_every_key_on_both_sides() -> None:
    num, den = {"a": 6.0, "b": 4.0}, {"a": 2.0, "b": 3.0}
    assert ratio_of_sums(num, den, ["a", "b"]) == pytest.approx(2.0)
    assert ratio_of_sums(num, den, ["a"]) == pytest.approx(3.0)
    assert ratio_of_sums(num, {"a": 2.0}, ["a", "b"]) is None
    assert ratio_of_sums(num, den, []) is None
    assert ratio_of_sums({"a": 0.0}, {"a": 1.0}, ["a"]) is None


@pytest.mark.parametrize(("interval", "ok"), [
    ((1.0, 0.96, 1.04), True), ((1.0, 0.95, 1.05), True), ((1.0, 0.94, 1.01), False), ((1.0, 0.99, 1.06), False),
    ((2.0, 1.9, 2.1), True), (None, False),
])
def test_within_relative(interval: tuple[float, float, float] | None, ok: bool) -> None:
    assert within_relative(interval, 0.05) is ok


def test_total_interval_point_is_the_sum_of_per_test_medians() -> None:
    samples = {"0": [1.0, 3.0, 2.0], "1": [0.5, 0.4, 0.6]}
    point, lo, hi = measurement_total_ci(samples, n_boot=200)
    assert point == pytest.approx(2.5)
    assert lo <= point <= hi


def test_total_interval_of_identical_repeats_has_zero_width() -> None:
    assert measurement_total_ci({"0": [1.0, 1.0, 1.0]}, n_boot=50) == (1.0, 1.0, 1.0)


def test_total_interval_of_single_runs_uses_the_noise_floor() -> None:
    _, lo, hi = measurement_total_ci({"0": [1.0]}, n_boot=500)
    assert 0.9 < lo < 1.0 < hi < 1.1


def test_total_interval_of_nothing_is_none() -> None:
    assert measurement_total_ci({}) is None
    assert measurement_total_ci({"0": []}) is None


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.sampled_from("abcdef"), st.lists(st.floats(0.001, 5.0), min_size=1, max_size=5),
                       min_size=1), st.randoms(use_true_random=False))
def test_total_interval_is_deterministic_and_order_invariant(samples: dict[str, list[float]],
                                                             rnd: random.Random) -> None:
    keys = list(samples)
    rnd.shuffle(keys)
    shuffled = {k: rnd.sample(samples[k], len(samples[k])) for k in keys}
    assert measurement_total_ci(shuffled, n_boot=100, seed=2) == measurement_total_ci(samples, n_boot=100, seed=2)
