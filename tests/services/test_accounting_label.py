"""Every figure says how it was charged: whole tree (cgroup, like Judge0), subreaper, or main process only."""

from __future__ import annotations

from ecco_tui.services.engines import accounting_of
from ecco_tui.services.report import ReportLine, accounting_header

CGROUP = "local-0.2.0+bwrap+cgroup-v1/python-3.11.2@/usr/bin/python3.11"
SUBREAPER = "local-0.2.0+bwrap+subreaper/python-3.11.2@/usr/bin/python3.11"
OLD_LOCAL = "local-0.1.0+bwrap/python-3.11.2@/usr/bin/python3.11"
JUDGE0 = "judge0-1.13.1@127.0.0.1/71:Python (3.8.1)"


def test_cgroup_accounting_charges_the_whole_tree() -> None:
    assert accounting_of(CGROUP).startswith("cgroup-v1: CPU of every process, memory peak of the whole tree")


def test_subreaper_accounting_says_memory_is_the_largest_process() -> None:
    assert "largest process" in accounting_of(SUBREAPER)


def test_local_results_from_before_whole_tree_accounting_say_main_process_only() -> None:
    assert accounting_of(OLD_LOCAL).startswith("main process only")


def test_judge0_charges_its_control_group() -> None:
    assert accounting_of(JUDGE0).startswith("Judge0 isolate --cg")


def _line(run_id: str, accounting: str) -> ReportLine:
    return ReportLine(run_id, "edit", "m", "instruct", "test", "local", 1, 100.0, accounting=accounting)


def test_report_header_names_the_one_accounting_of_all_runs() -> None:
    lines = [_line("a", accounting_of(CGROUP)), _line("b", accounting_of(CGROUP))]
    assert accounting_header(lines) == f"cost charged: {accounting_of(CGROUP)}"


def test_report_header_names_each_runs_accounting_when_they_differ() -> None:
    header = accounting_header([_line("a", accounting_of(CGROUP)), _line("b", accounting_of(OLD_LOCAL))])
    assert header is not None and "a: cgroup-v1" in header and "b: main process only" in header
