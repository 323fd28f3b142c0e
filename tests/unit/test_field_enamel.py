"""ENAMEL's efficiency score and eff@k (metrics.field.enamel), on examples worked by hand from the definition."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecco_tui.metrics.field.enamel import eff_at_k, level_efficiency, sample_efficiency, unbiased_at_k


def test_two_levels_with_hardness_weights_worked_by_hand() -> None:
    """References 1 s and 2 s: T = 2 x 2 = 4. Sample 2 s and 3 s: e0 = (4-2)/(4-1) = 2/3, e1 = (4-3)/(4-2) = 1/2;
    weights 1 and 3: (2/3 + 3/2) / 4 = 13/24."""
    assert sample_efficiency(True, [2.0, 3.0], [1.0, 2.0], [1.0, 3.0]) == pytest.approx(13 / 24)


def test_one_level_is_ecco_data_by_default() -> None:
    """Reference's slowest test 0.1 s: T = 0.2; the sample's slowest 0.15 s: (0.2-0.15)/(0.2-0.1) = 0.5."""
    assert sample_efficiency(True, [0.15], [0.1]) == pytest.approx(0.5)


def test_a_sample_as_fast_as_the_reference_scores_one_and_faster_scores_more() -> None:
    assert sample_efficiency(True, [0.1], [0.1]) == pytest.approx(1.0)
    assert sample_efficiency(True, [0.05], [0.1]) == pytest.approx(1.5)


def test_a_wrong_sample_scores_zero() -> None:
    assert sample_efficiency(False, [0.01], [0.1]) == 0.0


def test_beyond_the_timeout_a_level_and_every_harder_one_score_zero() -> None:
    """T = 4: level 1 at 5 s is past it, so only level 0 counts: (2/3 x 1 + 0 x 3) / 4 = 1/6."""
    assert sample_efficiency(True, [2.0, 5.0], [1.0, 2.0], [1.0, 3.0]) == pytest.approx(1 / 6)
    assert sample_efficiency(True, [None, 1.0], [1.0, 2.0], [1.0, 3.0]) == 0.0


def test_level_efficiency_needs_a_timeout_above_the_reference() -> None:
    with pytest.raises(ValueError):
        level_efficiency(1.0, 2.0, 2.0)


def test_eff_at_k_worked_by_hand() -> None:
    """e = 0.8, 0.2, 0.5 sorted 0.2, 0.5, 0.8. eff@2 = C(1,1)/C(3,2) x 0.5 + C(2,1)/C(3,2) x 0.8 = 0.5/3 + 1.6/3
    = 0.7: the mean of the best of each pair (0.5, 0.8, 0.8)."""
    efficiencies = [0.8, 0.2, 0.5]
    assert eff_at_k(efficiencies, 1) == pytest.approx(0.5)
    assert eff_at_k(efficiencies, 2) == pytest.approx(0.7)
    assert eff_at_k(efficiencies, 3) == pytest.approx(0.8)


def test_one_sample_per_problem_gives_eff_at_1_equal_to_the_mean_efficiency() -> None:
    per_problem = [[0.3], [0.9], [0.0]]
    assert sum(eff_at_k(e, 1) for e in per_problem) / 3 == pytest.approx(0.4)


def test_k_must_not_exceed_the_samples() -> None:
    with pytest.raises(ValueError):
        unbiased_at_k([0.5], 2)


unit_values = st.lists(st.floats(0.0, 1.0), min_size=1, max_size=12)


@given(unit_values)
def test_eff_at_1_is_the_mean(values: list[float]) -> None:
    assert eff_at_k(values, 1) == pytest.approx(sum(values) / len(values))


@given(unit_values)
def test_eff_at_k_is_bounded_and_grows_with_k(values: list[float]) -> None:
    scores = [eff_at_k(values, k) for k in range(1, len(values) + 1)]
    assert all(min(values) - 1e-12 <= s <= max(values) + 1e-12 for s in scores)
    assert all(a <= b + 1e-12 for a, b in itertools.pairwise(scores))
    assert scores[-1] == pytest.approx(max(values))


def test_a_level_of_weight_zero_neither_counts_nor_sets_the_timeout() -> None:
    """Levels weighted 0 and 1, references 5 s and 1 s: T = 2 x 1 (the weighted level only), sample 1.5 s on it:
    (2 - 1.5) / (2 - 1) = 0.5, whatever its time on the unweighted level, as long as it finished it within T."""
    assert sample_efficiency(True, [1.9, 1.5], [5.0, 1.0], [0.0, 1.0]) == pytest.approx(0.5)
    assert sample_efficiency(True, [0.1, 1.5], [5.0, 1.0], [0.0, 1.0]) == pytest.approx(0.5)
    assert sample_efficiency(True, [2.5, 1.5], [5.0, 1.0], [0.0, 1.0]) == 0.0  # timed out before the level
