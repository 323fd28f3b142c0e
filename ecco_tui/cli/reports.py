"""`ecco report` (the paper's tables from stored executions, one row's derivation, stored calibrations), and
the report output `ecco eval` ends with: both print the same tables through `print_report`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from ecco_tui.cli import render
from ecco_tui.cli.app import DbOption, check_choice, err_console, fail, settings_for, user_errors

if TYPE_CHECKING:
    from ecco_tui.services.report import ReportLine, RowExplanation

__all__ = ["REPORT_FORMATS", "TESTS", "print_explanation", "print_report", "report_cmd"]

#: What `--format` takes where a report is printed (`ecco report`, `ecco eval`).
REPORT_FORMATS = ("table", "csv", "json", "md")
#: What `--tests` takes: which stored tests count.
TESTS = ("public", "private", "all")


def print_report(lines: Sequence[ReportLine], output_format: str) -> None:
    """The report in `output_format` (one of REPORT_FORMATS): rich tables, or the service's CSV/JSON/Markdown."""
    from ecco_tui.services import report

    render.emit(output_format, lambda: _draw_report(lines), {
        "json": lambda: report.render_json(lines),
        "csv": lambda: report.render_csv(lines),
        "md": lambda: report.render_markdown(lines),
    })


def _draw_report(lines: Sequence[ReportLine]) -> None:
    """The paper's two tables (editing, generation), the outcome counts of editing outputs, and per-run notes."""
    from ecco_tui.services import report

    out = render.screen(160)
    if (header := report.unsandboxed_header(lines)) is not None:
        word, rest = header.split(":", 1)
        out.print(f"[bold red]{word}[/]:{rest}", highlight=False, soft_wrap=True)
    if (charged := report.accounting_header(lines)) is not None:
        out.print(f"[dim]{escape(charged)}[/]", highlight=False, soft_wrap=True)
    if (moved := report.drift_header(lines)) is not None:
        out.print(f"[yellow]{escape(moved)}[/]", highlight=False, soft_wrap=True)
    mode = "ECCO-compat rules" if lines and lines[0].mode == "ecco" else "default definitions"
    for task, title in (("edit", "History-based editing"), ("generate", "NL-instructed generation")):
        cols = report.columns(lines, task)
        rows = report.table_rows(lines, task)
        if not rows:
            continue
        caption = None
        if task == "edit":
            caption = "ratios: mean over pairs [95% bootstrap interval, pairs resampled]"
            if report.INSTRUCTION_COLUMNS[0] in cols:
                caption += ("; instr. speedup: by valgrind instruction counts; cost disagree: outputs whose CPU "
                            "time and instruction count point different ways / outputs with both")
        out.print(render.table(f"{title} ({mode})", [(col, "left" if i < 2 else "right") for i, col in enumerate(cols)],
                               rows, caption=caption))
    if outcome_rows := report.outcome_rows(lines):
        columns: list[render.Column] = [(col, "left" if col in ("model", "method") else "right")
                                        for col in report.outcome_columns()]
        out.print(render.table(report.outcome_title(lines), columns, [tuple(r) for r in outcome_rows]))
    if kind_rows := report.kind_rows(lines):
        out.print(render.table(report.KIND_TITLE, [(col, "left" if col in ("model", "method") else "right")
                                                  for col in report.KIND_COLUMNS], kind_rows,
                               caption="fitted per pair over the scored tests (ecco explain OUTPUT_ID shows one)"))
    for line in lines:
        if line.note:
            err_console.print(f"[yellow]note:[/] {line.run_id}: {line.note}", highlight=False)
    if not lines:
        out.print("no runs in this store")


def print_explanation(ex: RowExplanation) -> None:
    """One row's per-test numbers and the arithmetic from them to its speedup and outcome (`--explain`)."""
    cell = render.cell
    out = render.screen(160)
    counts = any(t.input_instructions is not None or t.output_instructions is not None for t in ex.tests)
    numeric = ("input s", "input KB", "output s", "output KB", "input instr", "output instr")
    columns = ("test", "input status", "input s", "input KB", "output status", "output s", "output KB",
               *(("input instr", "output instr") if counts else ()), "counted")
    out.print(render.table(
        f"{ex.run_id} row {ex.row_idx} · {ex.problem_id} · output {ex.output_id} · engine {ex.engine} · {ex.mode} mode",
        [(col, "right" if col in numeric else "left") for col in columns],
        [(t.test_id, t.input_status or render.DASH, cell(t.input_time_s, ".3f"), cell(t.input_memory_kb, ",.0f"),
          t.output_status or render.DASH, cell(t.output_time_s, ".3f"), cell(t.output_memory_kb, ",.0f"),
          *((cell(t.input_instructions, ",.0f"), cell(t.output_instructions, ",.0f")) if counts else ()),
          "yes" if t.counted else "") for t in ex.tests]))
    out.print(f"rule: {ex.rule}", highlight=False)
    if ex.scaling:
        out.print(f"scaling: {ex.scaling}", highlight=False)
    out.print(f"input passed all: {ex.input_passed_all} · output passed all: {ex.output_passed_all}")
    if ex.input_time_sum is not None and ex.output_time_sum:
        out.print(f"speedup = {ex.input_time_sum:.3f} s / {ex.output_time_sum:.3f} s = "
                  f"{ex.input_time_sum / ex.output_time_sum:.4f}", highlight=False)
    out.print(f"speedup: {cell(ex.speedup, '.4f')} · memory reduction: {cell(ex.memory_reduction, '.4f')} · "
              f"outcome: {ex.outcome}" + (f" (95% interval {ex.interval[0]:.3f}–{ex.interval[1]:.3f})"
                                          if ex.interval else ""), highlight=False)
    if ex.instruction_speedup is not None:
        out.print(f"instruction speedup = {ex.input_instructions_sum:,.0f} / {ex.output_instructions_sum:,.0f} "
                  f"instructions = {ex.instruction_speedup:.4f} (same tests as the CPU-time ratio)", highlight=False)
        verdict = "DISAGREE" if ex.cost_disagree else "no contradiction"
        out.print(f"CPU time says {ex.cpu_direction or 'nothing (no interval)'}, instruction count says "
                  f"{ex.instruction_direction} (±1% is the same): {verdict}", highlight=False)
    elif counts:
        out.print("instruction speedup: – (some test entering the CPU-time ratio has no count on one side)",
                  highlight=False)


def _print_calibrations(db: DbOption, output_format: str) -> None:
    """`ecco report --calibration`: the newest stored calibration of every engine pair."""
    from ecco_tui.services import calibrate as cal
    from ecco_tui.services.workspace import open_store

    render.check_format(output_format, ("table", "json", "md"), flag="--calibration --format")
    settings = settings_for(db, existing=True)
    with user_errors(), open_store(settings.db_path, read_only=True) as store:
        sessions = cal.latest_sessions(store)

    def draw() -> None:
        out = render.screen(200)
        render.print_table_specs(out, [spec for session in sessions for spec in cal.session_tables(session)])
        if not sessions:
            out.print("no calibration stored: run `ecco calibrate`", highlight=False)

    render.emit(output_format, draw, {"json": lambda: cal.render_json(sessions),
                                      "md": lambda: cal.render_markdown(sessions)})


def report_cmd(
    db: DbOption = None,
    run: Annotated[list[str] | None, typer.Option("--run", help="Only these runs (repeatable).")] = None,
    engine: Annotated[str | None, typer.Option("--engine", help="Use results of this engine "
                                               "(local, judge0, judge0-imported).")] = None,
    tests: Annotated[str, typer.Option(help="public, private or all.")] = "private",
    ecco_compat: Annotated[bool, typer.Option("--ecco-compat", help="Reproduce ECCO's reference scripts' rules.")]
    = False,
    faster_threshold: Annotated[float, typer.Option(help="An output is faster when its speedup interval's lower "
                                                    "bound exceeds this.")] = 1.0,
    explain: Annotated[int | None, typer.Option("--explain", help="Show how one row's numbers were derived "
                                                "(needs one --run).")] = None,
    output_format: Annotated[str, typer.Option("--format", help="table, csv, json or md.")] = "table",
    calibration: Annotated[bool, typer.Option("--calibration", help="Show the latest stored engine calibration "
                                              "(`ecco calibrate`) per engine pair instead (table, json or md).")]
    = False,
    metrics: Annotated[str | None, typer.Option("--metrics", help="Every efficiency metric of the field instead "
                                                "(ENAMEL eff@k, EvalPerf DPS, Mercury beyond@k, PIE, COFFE, "
                                                "EffiBench): 'all' or a comma list, e.g. eff@1,dps_norm,pie.")]
    = None,
    agreement: Annotated[bool, typer.Option("--agreement", help="With --metrics: Kendall's tau-b between every "
                                            "two metrics' rankings of the runs.")] = False,
) -> None:
    """Print the paper-style tables from stored executions (executes nothing)."""
    from ecco_tui.services import report
    from ecco_tui.services.workspace import open_store

    if calibration:
        _print_calibrations(db, output_format)
        return
    if metrics is not None:
        if tests != "private" or ecco_compat or explain is not None:
            fail("--metrics computes every metric on the private tests: without --tests, --ecco-compat, --explain")
        from ecco_tui.cli.field import print_field_report

        print_field_report(db, run, engine, metrics, agreement, output_format)
        return
    if agreement:
        fail("--agreement goes with --metrics")
    check_choice("--tests", tests, TESTS)
    visibility = None if tests == "all" else tests
    mode = "ecco" if ecco_compat else "default"
    if explain is not None:
        if not run or len(run) != 1:
            fail("--explain: name the run with exactly one --run")
        settings = settings_for(db, existing=True)
        with user_errors(), open_store(settings.db_path, read_only=True) as store:
            print_explanation(report.explain_row(store, run[0], explain, engine=engine, visibility=visibility,
                                                 mode=mode))
        return
    render.check_format(output_format, REPORT_FORMATS)
    settings = settings_for(db, existing=True)
    with user_errors(), open_store(settings.db_path, read_only=True) as store:
        lines = report.build_report(store, run or None, engine=engine, visibility=visibility, mode=mode,
                                    faster_threshold=faster_threshold)
    print_report(lines, output_format)
