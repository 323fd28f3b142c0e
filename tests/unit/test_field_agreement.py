"""Ranks and Kendall's tau-b (metrics.field.agreement), on examples worked by hand."""

from __future__ import annotations

import pytest

from ecco_tui.metrics.field.agreement import kendall_tau_b, ranks


def test_one_swap_in_four_items() -> None:
    """x = 1 2 3 4, y = 1 3 2 4: of 6 pairs only (2, 3) is discordant: (5 - 1) / 6."""
    assert kendall_tau_b([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(4 / 6)


def test_ties_in_one_ranking_shrink_the_denominator() -> None:
    """x = 1 1 2, y = 1 2 3: P = 2, Q = 0, one pair tied in x only: 2 / sqrt((2 + 1) x 2)."""
    assert kendall_tau_b([1, 1, 2], [1, 2, 3]) == pytest.approx(2 / 6 ** 0.5)


def test_agreement_reversal_and_undefined() -> None:
    assert kendall_tau_b([1, 2, 3], [4, 5, 6]) == 1.0
    assert kendall_tau_b([1, 2, 3], [6, 5, 4]) == -1.0
    assert kendall_tau_b([1, None, 3], [1, 2, None]) is None  # one shared item
    assert kendall_tau_b([1, 1], [1, 2]) is None  # x all ties


def test_ranks_put_the_best_first_and_share_ties() -> None:
    assert ranks([3.0, 1.0, 2.0, None, 2.0]) == [1.0, 4.0, 2.5, None, 2.5]
    assert ranks([3.0, 1.0, 2.0], higher_is_better=False) == [3.0, 1.0, 2.0]
