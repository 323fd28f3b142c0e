"""Which human labels contradict a measured outcome (browser filter and compare header agree on this)."""

from __future__ import annotations

import pytest

from ecco_tui.metrics import label_disagrees


@pytest.mark.parametrize(("label", "outcome"), [
    ("correct-optimization", "correct-optimization"),
    ("no-gain", "correct-no-gain"),
    ("no-gain", "within-noise"),
    ("broken", "fails"),
    ("needs-review", "broken"),
    ("correct-optimization", "not-run"),
])
def test_labels_that_agree_or_claim_nothing(label: str, outcome: str) -> None:
    assert not label_disagrees(label, outcome)


@pytest.mark.parametrize(("label", "outcome"), [
    ("correct-optimization", "spurious-optimization"),
    ("no-gain", "correct-optimization"),
    ("spurious-optimization", "within-noise"),
    ("broken", "passes"),
])
def test_labels_that_the_measurements_contradict(label: str, outcome: str) -> None:
    assert label_disagrees(label, outcome)
