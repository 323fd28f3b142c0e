"""Mercury's Beyond (metrics.field.mercury), on examples worked by hand from the definition."""

from __future__ import annotations

import pytest

from ecco_tui.metrics.field.mercury import beyond, beyond_at_k


def test_beyond_is_the_share_of_the_human_range_left_behind() -> None:
    """Humans 1, 2, 5 s: t = 2 gives (5 - 2) / (5 - 1) = 0.75; faster than all clips to 1, slower to 0."""
    humans = [1.0, 2.0, 5.0]
    assert beyond(True, 2.0, humans) == pytest.approx(0.75)
    assert beyond(True, 0.5, humans) == 1.0
    assert beyond(True, 7.0, humans) == 0.0


def test_a_wrong_sample_scores_zero() -> None:
    assert beyond(False, 0.5, [1.0, 2.0]) == 0.0


def test_an_empty_human_range_scores_by_the_clip_limit() -> None:
    assert beyond(True, 2.0, [2.0, 2.0]) == 1.0
    assert beyond(True, 2.1, [2.0]) == 0.0


def test_beyond_at_k_is_the_expected_best_of_k() -> None:
    """0.75, 0, 1: beyond@2 = mean of the best of each pair (0.75, 1, 1) = 11/12."""
    assert beyond_at_k([0.75, 0.0, 1.0], 2) == pytest.approx(11 / 12)
    assert beyond_at_k([0.75, 0.0, 1.0], 1) == pytest.approx(1.75 / 3)
