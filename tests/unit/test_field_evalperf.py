"""EvalPerf's DPS and DPS_norm (metrics.field.evalperf), on examples worked by hand from the definition."""

from __future__ import annotations

import pytest

from ecco_tui.metrics.field.evalperf import Clusters, cluster_references, dps


def test_references_split_where_the_relative_gap_is_large() -> None:
    """Costs 100, 95, 50, 10 (no floor): gaps 5%, 47%, 80% against base 10%: clusters {100, 95}, {50}, {10}; each
    represented by its slowest; scores 2/4, 3/4, 4/4 of the references."""
    clusters = cluster_references([50, 100, 10, 95], floor=0.0)
    assert clusters == Clusters((100.0, 50.0, 10.0), (50.0, 75.0, 100.0))


def test_the_floor_keeps_cheap_solutions_together() -> None:
    """40,000 and 30,000 instructions: a 25% gap, below 10% + sqrt(10,000 / 40,000) = 60%."""
    assert len(cluster_references([40_000, 30_000])) == 1
    assert len(cluster_references([40_000, 30_000], floor=0.0)) == 2


def test_a_sample_scores_the_fastest_cluster_it_is_at_least_as_fast_as() -> None:
    """Cost 40 beats the {50} cluster, not {10}: DPS 75, DPS_norm 100 x 2 / 3."""
    clusters = Clusters((100.0, 50.0, 10.0), (50.0, 75.0, 100.0))
    score, norm, j = dps(True, 40.0, clusters)
    assert (score, j) == (75.0, 1) and norm == pytest.approx(200 / 3)
    assert dps(True, 5.0, clusters) == (100.0, 100.0, 2)
    assert dps(True, 100.0, clusters) == (50.0, pytest.approx(100 / 3), 0)


def test_slower_than_every_reference_or_wrong_scores_zero() -> None:
    clusters = Clusters((100.0, 50.0), (50.0, 100.0))
    assert dps(True, 120.0, clusters) == (0.0, 0.0, -1)
    assert dps(False, 1.0, clusters) == (0.0, 0.0, -1)
    assert dps(True, None, clusters) == (0.0, 0.0, -1)
