"""metrics.scaling: the power-law fit of cost against input size, and the algorithmic / constant-factor verdict,
on hand-made points."""

from __future__ import annotations

import math

import pytest

from ecco_tui.metrics.scaling import (
    ALGORITHMIC,
    CONSTANT_FACTOR,
    UNCLEAR,
    TestCost,
    classify_scaling,
    cpu_test_costs,
    fit_power,
    input_sizes,
    startup_floor,
)

SIZES = (10.0, 20.0, 40.0, 80.0, 160.0)


def _tests(input_cost, output_cost, sizes=SIZES, largest=None) -> list[TestCost]:  # type: ignore[no-untyped-def]
    return [TestCost(f"private:{k}", n, largest, input_cost(n), output_cost(n)) for k, n in enumerate(sizes)]


def test_an_exact_power_law_gives_its_exponent_with_r2_of_one() -> None:
    fit = fit_power([(n, 3.0 * n ** 2) for n in SIZES])
    assert fit is not None
    assert fit.exponent == pytest.approx(2.0) and fit.r2 == pytest.approx(1.0) and fit.n == 5
    assert fit.cost_at(100.0) == pytest.approx(30_000.0)


def test_a_flat_cost_has_exponent_zero_and_nothing_left_to_explain() -> None:
    fit = fit_power([(n, 5.0) for n in SIZES])
    assert fit is not None and fit.exponent == pytest.approx(0.0) and fit.r2 == 1.0


def test_scattered_costs_give_a_low_r2() -> None:
    fit = fit_power(list(zip(SIZES, (5.0, 1.0, 9.0, 0.5, 4.0), strict=True)))
    assert fit is not None and fit.r2 < 0.3


def test_fewer_than_three_distinct_sizes_give_no_fit() -> None:
    assert fit_power([(10.0, 1.0), (10.0, 1.1), (20.0, 2.0)]) is None
    assert fit_power([(10.0, 1.0), (0.0, 1.0), (20.0, 2.0), (40.0, 0.0)]) is None  # non-positive points dropped


def test_exponents_two_apart_by_the_margin_are_algorithmic() -> None:
    s = classify_scaling(_tests(lambda n: n * n, lambda n: 4 * n), cost="line events")
    assert s.kind == ALGORITHMIC and s.summary == "algorithmic (exponent 2.0 -> 1.0)"
    assert s.size == "input bytes" and len(s.points) == 5


def test_the_same_exponent_is_a_constant_factor_with_the_median_ratio() -> None:
    s = classify_scaling(_tests(lambda n: 1.8 * n * n, lambda n: n * n), cost="cpu time")
    assert s.kind == CONSTANT_FACTOR and s.ratio == pytest.approx(1.8)
    assert s.summary == "constant factor (1.8x at every size)"


def test_a_given_ratio_replaces_the_cost_ratio() -> None:
    s = classify_scaling(_tests(lambda n: n * n, lambda n: n * n), cost="line events", ratio=2.5)
    assert s.summary == "constant factor (2.5x at every size)"


def test_exponents_closer_than_the_margin_are_a_constant_factor() -> None:
    s = classify_scaling(_tests(lambda n: n ** 1.2, lambda n: n), cost="cpu time")
    assert s.kind == CONSTANT_FACTOR


def test_a_poor_fit_is_unclear() -> None:
    noisy = dict(zip(SIZES, (5.0, 1.0, 9.0, 0.5, 4.0), strict=True))
    s = classify_scaling(_tests(lambda n: n * n, lambda n: noisy[n]), cost="cpu time")
    assert s.kind == UNCLEAR and s.summary.startswith("unclear (poor fit")


def test_two_sizes_are_unclear() -> None:
    s = classify_scaling(_tests(lambda n: n * n, lambda n: n, sizes=(10.0, 20.0, 20.0)), cost="cpu time")
    assert s.kind == UNCLEAR and s.summary == "unclear (fewer than 3 distinct sizes)"


def test_the_size_that_fits_both_programs_better_is_kept() -> None:
    """Inputs of a fixed length whose one number is n: the largest number explains the cost, bytes do not."""
    tests = [TestCost(f"private:{k}", 8.0 + (k % 2), float(n), n * n, float(n)) for k, n in enumerate(SIZES)]
    s = classify_scaling(tests, cost="line events")
    assert s.size == "largest number" and s.kind == ALGORITHMIC
    assert [p.size for p in s.points] == list(SIZES)


def test_input_sizes_are_bytes_and_the_largest_integer() -> None:
    assert input_sizes("3\n10 -200 7\n") == (12.0, 200.0)
    assert input_sizes("abc\n") == (4.0, None)
    assert input_sizes("1" * 400) == (400.0, 1e300)
    assert input_sizes("007 12") == (6.0, 12.0)


def test_the_startup_floor_is_capped_by_the_empty_program_and_the_lightest_test() -> None:
    assert startup_floor([0.010, 0.020]) == pytest.approx(0.008)
    assert startup_floor([0.005, 0.020]) == pytest.approx(0.0045)
    assert startup_floor([]) == 0.0


def test_cpu_costs_subtract_one_floor_from_both_programs() -> None:
    sizes = {"private:0": (10.0, None), "private:1": (20.0, None), "private:2": (40.0, None)}
    costs = cpu_test_costs(sizes, {"private:0": 0.010, "private:1": 0.012}, {"private:0": 0.009})
    floor = 0.008
    assert [(c.input_cost, c.output_cost) for c in costs] == [
        (pytest.approx(0.010 - floor), pytest.approx(0.009 - floor)), (pytest.approx(0.012 - floor), None),
        (None, None)]
    assert all(c.input_cost is None or c.input_cost > 0 for c in costs)
    assert math.isclose(costs[0].input_bytes, 10.0)
