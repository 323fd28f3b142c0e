"""EffiBench's NET / NMU (metrics.field.effibench), on an example worked by hand from the definition."""

from __future__ import annotations

import pytest

from ecco_tui.metrics.field.effibench import NormalizedCost, normalized_cost, ratio_of_sums_ci


def test_ratio_of_sums_and_mean_of_ratios_worked_by_hand() -> None:
    """Model 2 and 3 s against canonical 1 and 6 s: (2 + 3) / (1 + 6) = 5/7; (2/1 + 3/6) / 2 = 1.25."""
    found = normalized_cost([2.0, 3.0], [1.0, 6.0])
    assert found == NormalizedCost(pytest.approx(5 / 7), pytest.approx(1.25), 2)  # type: ignore[arg-type]


def test_no_correct_completion_gives_none() -> None:
    assert normalized_cost([], []) is None


def test_the_interval_is_seeded_and_within_the_units_ratios() -> None:
    nums, dens = [2.0, 3.0, 1.0, 4.0], [1.0, 6.0, 1.0, 2.0]
    first = ratio_of_sums_ci(nums, dens, seed=3)
    assert first == ratio_of_sums_ci(nums, dens, seed=3)
    assert first is not None and 0.5 <= first[0] <= 10 / 10 <= first[1] <= 2.0
    assert ratio_of_sums_ci([1.0], [1.0]) is None
