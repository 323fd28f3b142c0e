"""PIE's speedup_best@k and %Opt (metrics.field.pie), on examples worked by hand from the definition."""

from __future__ import annotations

import pytest

from ecco_tui.metrics.field.pie import pct_optimized, speedup_best_at_k


def test_the_best_correct_sample_among_the_first_k_counts() -> None:
    """Samples: wrong, 1.5x, 2.0x. k = 1: nothing correct, the source stays (1); k = 2: 1.5; k = 3: 2.0."""
    speedups = [None, 1.5, 2.0]
    assert [speedup_best_at_k(speedups, k) for k in (1, 2, 3)] == [1.0, 1.5, 2.0]


def test_a_slower_correct_sample_keeps_the_source() -> None:
    assert speedup_best_at_k([0.8], 1) == 1.0


def test_pct_opt_counts_rows_at_least_ten_percent_faster() -> None:
    """1.0, 1.5, 1.10, 1.09: two of four reach 1.10."""
    assert pct_optimized([1.0, 1.5, 1.10, 1.09]) == pytest.approx(50.0)
    assert pct_optimized([]) is None
