"""The selftest's accounting verdicts: hidden work or memory that an engine does not charge is a failure."""

from __future__ import annotations

from ecco_tui.services.selftest.accounting import HELD_MB, judge


def test_work_charged_like_the_honest_run_passes() -> None:
    assert judge("double_fork", 0.34, 3000, 0.33, []).ok


def test_a_double_fork_charged_only_its_main_process_fails() -> None:
    """What rusage of the main process alone reported here: 0.021 s of 0.334 s."""
    outcome = judge("double_fork", 0.021, 8300, 0.334, [])
    assert not outcome.ok
    assert "0.06x" in outcome.problems[0]


def test_work_charged_somewhat_less_than_the_honest_run_is_a_warning_within_noise() -> None:
    outcome = judge("double_fork", 0.533, 6400, 0.796, [])  # measured on CI: the honest run was the noisy one
    assert outcome.ok and "0.67x" in outcome.warnings[0]


def test_work_charged_far_more_than_the_honest_run_is_a_warning_not_a_failure() -> None:
    """Charging more never rewards hiding work; forked processes can really cost more (copy-on-write)."""
    outcome = judge("pool_of_4", 0.5, 15000, 0.33, [])
    assert outcome.ok and "1.52x" in outcome.warnings[0]


def test_memory_held_by_a_grandchild_must_be_seen() -> None:
    assert judge("grandchild_memory", 0.05, HELD_MB * 1024 + 5000, None, []).ok
    unseen = judge("grandchild_memory", 0.05, 8300, None, [])
    assert not unseen.ok and "8.1 MB" in unseen.problems[0]


def test_a_failed_run_is_reported_even_when_its_cost_looks_right() -> None:
    assert not judge("threads", 0.33, 3000, 0.33, ["Wrong Answer: "]).ok
