"""Specification of the paper-style summaries in default mode (and the switch to ECCO mode)."""

from __future__ import annotations

import pytest

from ecco_tui.metrics.outcome import Outcome
from ecco_tui.metrics.summary import summarize_editing, summarize_generation
from ecco_tui.metrics.types import EditingRow, GenerationRow, ProgramMeasure
from tests.unit.metrics_builders import ok, passing, prog, wa

EDIT_ROWS = [
    # Two samples: one correct 2x, one faster but wrong.
    EditingRow(passing([2.0, 2.0]), (passing([1.0, 1.0]), prog(ok(0, 1.0), wa(1, 1.0)))),
    EditingRow(passing([1.0, 1.0]), (passing([1.0, 1.0]),)),  # correct, exactly as fast
    EditingRow(prog(ok(0), wa(1)), ()),  # input fails its own tests; no output at all
]


def test_editing_pass_at_1_averages_each_rows_share_of_passing_samples_over_all_rows():
    assert summarize_editing(EDIT_ROWS).pass_at_1 == 50.0  # (1/2 + 1 + 0) / 3


def test_editing_mean_speedup_pools_passing_samples():
    assert summarize_editing(EDIT_ROWS).mean_speedup == 1.5  # (2.0 + 1.0) / 2


def test_editing_mean_memory_reduction_pools_passing_samples():
    assert summarize_editing(EDIT_ROWS).mean_memory_reduction == 1.0


def test_editing_pct_runtime_optimized_is_over_every_sample_that_exists():
    assert summarize_editing(EDIT_ROWS).pct_runtime_optimized == pytest.approx(100 / 3)


def test_editing_pct_memory_optimized_is_zero_when_no_sample_is_leaner():
    assert summarize_editing(EDIT_ROWS).pct_memory_optimized == 0.0


def test_editing_outcomes_count_every_sample_and_rows_without_output():
    outcomes = summarize_editing(EDIT_ROWS).outcomes
    assert outcomes == {
        Outcome.CORRECT_OPTIMIZATION: 1,
        Outcome.SPURIOUS_OPTIMIZATION: 1,
        Outcome.CORRECT_NO_GAIN: 1,
        Outcome.WITHIN_NOISE: 0,
        Outcome.BROKEN: 0,
        Outcome.NOT_RUN: 1,
    }


def test_editing_summary_flags_inputs_that_fail_their_own_tests():
    assert summarize_editing(EDIT_ROWS).n_inputs_failing == 1


def test_editing_summary_counts_all_rows():
    summary = summarize_editing(EDIT_ROWS)
    assert (summary.n, summary.mode) == (3, "default")


def test_editing_summary_of_no_rows_has_no_figures_and_zero_outcomes():
    summary = summarize_editing([])
    assert summary.n == 0
    assert summary.pass_at_1 is None
    assert summary.mean_speedup is None
    assert summary.pct_runtime_optimized is None
    assert set(summary.outcomes.values()) == {0}


def test_editing_summary_counts_an_unrun_output_as_a_failure():
    summary = summarize_editing([EditingRow(passing([1.0]), (ProgramMeasure(),))])
    assert summary.pass_at_1 == 0.0
    assert summary.outcomes[Outcome.NOT_RUN] == 1


def test_editing_summary_in_ecco_mode_uses_the_compat_rules():
    summary = summarize_editing(EDIT_ROWS, mode="ecco")
    assert summary.mode == "ecco"
    assert summary.n == 2  # the row without output is not evaluated by ECCO


def test_an_unknown_mode_is_rejected():
    with pytest.raises(ValueError, match="mode"):
        summarize_editing(EDIT_ROWS, mode="paper")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="mode"):
        summarize_generation([], mode="paper")  # type: ignore[arg-type]


GEN_ROWS = [
    GenerationRow(
        (prog(ok(0, 0.1), wa(1, 0.1)), passing([1.0, 3.0], [100.0, 300.0])),
        (4.0, 2.5, 1.5, 0.5),
        (200.0, 100.0),
    ),  # passing sample: mean 2.0 s beats 4.0 and 2.5 -> 50; 200 KB beats none (tie) -> 0
    GenerationRow((passing([10.0]),), (1.0,), (50.0,)),  # slower / larger than every human -> 0, 0
    GenerationRow((passing([1.0]),), None, None),  # passes, but no spectrum to rank against
    GenerationRow((), (1.0,), (1.0,)),  # no output
]


def test_generation_pass_at_1_averages_each_rows_share_of_passing_samples_over_all_rows():
    assert summarize_generation(GEN_ROWS).pass_at_1 == 62.5  # (1/2 + 1 + 1 + 0) / 4


def test_generation_mean_percentiles_are_over_passing_samples_with_a_spectrum():
    summary = summarize_generation(GEN_ROWS)
    assert summary.mean_runtime_percentile == 25.0
    assert summary.mean_memory_percentile == 0.0


def test_generation_summary_of_no_rows_has_no_figures():
    summary = summarize_generation([])
    assert (summary.n, summary.pass_at_1, summary.mean_runtime_percentile) == (0, None, None)


def test_generation_summary_in_ecco_mode_uses_the_compat_rules():
    summary = summarize_generation(GEN_ROWS, mode="ecco")
    assert summary.mode == "ecco"
    assert summary.n == 2  # rows without a spectrum or without output are skipped, as ECCO does
