"""`ecco report --format md`: the paper's tables and, for editing runs, the outcome counts the table format shows."""

from __future__ import annotations

from ecco_tui.services import report
from ecco_tui.services.report import ReportLine


def _edit_line(run_id: str, model: str, outcomes: dict[str, int], *, mode: str = "default") -> ReportLine:
    return ReportLine(run_id=run_id, task="edit", model=model, method="nl2code", split="test", engine="local",
                      n=sum(outcomes.values()), pass_at_1=50.0, outcomes=outcomes, mode=mode, n_below_resolution=1)


def _table_after(md: str, heading: str) -> list[str]:
    lines = md.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("### ") and heading in line)
    table = []
    for line in lines[start + 1:]:
        if line.startswith("|"):
            table.append(line)
        elif table:
            break
    return table


def test_markdown_has_an_outcome_table_with_one_count_column_per_outcome() -> None:
    md = report.render_markdown([_edit_line("r1", "alpha", {"correct-optimization": 2})])
    header = _table_after(md, "Outcomes of editing outputs")[0]
    assert header == ("| model | method | correct | spurious | no gain | within-noise | broken | not-run "
                      "| below resolution |")


def test_markdown_outcome_table_has_a_row_of_counts_per_editing_run() -> None:
    lines = [
        _edit_line("r1", "alpha", {"correct-optimization": 3, "spurious-optimization": 1, "correct-no-gain": 2,
                                   "within-noise": 4, "broken": 5, "not-run": 6}),
        _edit_line("r2", "beta", {"broken": 7}),
    ]
    rows = _table_after(report.render_markdown(lines), "Outcomes of editing outputs")[2:]
    assert rows == ["| alpha | nl2code | 3 | 1 | 2 | 4 | 5 | 6 | 1 |", "| beta | nl2code | 0 | 0 | 0 | 0 | 7 | 0 | 1 |"]


def test_markdown_outcome_table_shares_the_table_formats_title() -> None:
    lines = [_edit_line("r1", "alpha", {"broken": 1})]
    assert f"### {report.outcome_title(lines)}" in report.render_markdown(lines)
    assert "faster = 95% interval above the threshold" in report.outcome_title(lines)
    assert "faster" not in report.outcome_title([_edit_line("r1", "alpha", {"broken": 1}, mode="ecco")])


def test_markdown_has_no_outcome_table_without_editing_runs() -> None:
    line = ReportLine(run_id="g1", task="generate", model="alpha", method="nl", split="test", engine="local", n=2,
                      pass_at_1=50.0)
    assert "Outcomes" not in report.render_markdown([line])
