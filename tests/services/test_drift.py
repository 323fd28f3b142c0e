"""Re-runs add evidence, and when evaluations disagree the verdict says so (issue #19, item 4): a test whose
paired speedup moved between two evaluations beyond noise is flagged in the verdict, the compare view and
`ecco report`, instead of being pooled silently."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from ecco_tui.cli.main import app
from ecco_tui.model import Execution, code_sha256, new_evaluation_id, pair_context
from ecco_tui.services.catalog import Catalog
from ecco_tui.services.judging import Measurements, editing_verdicts
from ecco_tui.services.report import build_report
from ecco_tui.services.verdicts import refresh_verdicts
from ecco_tui.store.store import Store
from tests.factories import EDIT_ROWS, FAST_SUM
from tests.services.test_paired import edit_run

__all__ = ["edit_run"]  # the fixture: run "run", row 0 the fast sum against its slow input


def _evaluation(store: Store, ratios: dict[int, float]) -> None:
    """One evaluation of row 0: three pairs on each private test, the input taking `ratios[test]` (default 3)
    times the output's ~10 ms, with 1% jitter."""
    slow, fast = code_sha256(EDIT_ROWS["test"][0]["input"]), code_sha256(FAST_SUM)
    evaluation = new_evaluation_id()
    stored = []
    for t in store.tests_for("p90001", "private"):
        for k, jitter in enumerate((1.0, 1.01, 0.99)):
            context = pair_context(evaluation)
            b = 0.010 * jitter
            a = b * ratios.get(t.idx, 3.0) * (2.0 - jitter)
            stored += [Execution(f"a-{context}", slow, "p90001", "private", t.idx, "local", "local-1", 3, "Accepted",
                                 a, a, 3000.0, repeat_idx=k, context=context),
                       Execution(f"b-{context}", fast, "p90001", "private", t.idx, "local", "local-1", 3, "Accepted",
                                 b, b, 3000.0, repeat_idx=k, context=context)]
    store.add_executions(stored)


def _drifted_run(store: Store) -> int:
    """Two evaluations agreeing on every private test but one, where the speedup fell from 3x to 1.5x."""
    moved = store.tests_for("p90001", "private")[0].idx
    _evaluation(store, {})
    _evaluation(store, {moved: 1.5})
    return moved


def _verdict(store: Store):  # type: ignore[no-untyped-def]
    return next(v for v in editing_verdicts(Measurements(store, "run", engine="local")) if v.row_idx == 0)


def test_evaluations_that_agree_raise_no_drift(edit_run: Store) -> None:
    _evaluation(edit_run, {})
    _evaluation(edit_run, {})
    assert _verdict(edit_run).drift == ()


def test_a_test_whose_speedup_moved_between_evaluations_is_flagged(edit_run: Store) -> None:
    moved = _drifted_run(edit_run)
    drift = _verdict(edit_run).drift
    assert [d.test for d in drift] == [f"private:{moved}"]
    assert [round(s, 1) for s in drift[0].speedups] == [3.0, 1.5] and drift[0].pairs == (3, 3)


def test_the_compare_view_names_the_drifted_test(edit_run: Store) -> None:
    moved = _drifted_run(edit_run)
    view = Catalog(edit_run).output_view("run:0:0:0")
    assert view is not None
    assert view.metrics.drift_tests == (f"private:{moved}",)
    flagged = {row.label: row.drift for row in view.tests if row.drift}
    assert flagged == {f"private:{moved}": "3.00× (3) → 1.50× (3)"}


def test_the_report_counts_outputs_with_drift_computed_and_cached(edit_run: Store) -> None:
    _drifted_run(edit_run)
    assert [line.n_drift for line in build_report(edit_run, ["run"])] == [1]  # judged from the executions
    refresh_verdicts(edit_run, ["run"])
    assert [line.n_drift for line in build_report(edit_run, ["run"])] == [1]  # from the cache / stored line


def test_ecco_report_says_which_runs_have_drift(edit_run: Store) -> None:
    _drifted_run(edit_run)
    path = Path(edit_run.path)
    edit_run.close()
    table = CliRunner().invoke(app, ["report", "--db", str(path)])
    markdown = CliRunner().invoke(app, ["report", "--db", str(path), "--format", "md"])
    assert table.exit_code == 0 and markdown.exit_code == 0, table.output + markdown.output
    assert "drift: run (1 output)" in " ".join(table.output.split())
    assert "drift: run (1 output)" in markdown.output
