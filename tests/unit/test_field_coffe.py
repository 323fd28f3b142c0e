"""COFFE's efficient@1 (metrics.field.coffe), on an example worked by hand from the definition."""

from __future__ import annotations

import pytest

from ecco_tui.metrics.field.coffe import efficient, efficient_at_1


def test_efficient_means_correct_and_strictly_cheaper_than_the_best_reference() -> None:
    assert efficient(True, 8.0, 10.0)
    assert not efficient(True, 10.0, 10.0)
    assert not efficient(False, 5.0, 10.0)
    assert not efficient(True, None, 10.0)


def test_efficient_at_1_is_the_share_of_efficient_samples() -> None:
    assert efficient_at_1([True, False, False, True]) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        efficient_at_1([])
