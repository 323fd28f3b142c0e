"""`ecco report --metrics`: every efficiency metric of the field, side by side, one table per run set
(`services.field_metrics`), with `--agreement` the Kendall tau-b matrix between the metrics' rankings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.markup import escape

from ecco_tui.cli import render
from ecco_tui.cli.app import DbOption, fail, settings_for, user_errors

if TYPE_CHECKING:
    from ecco_tui.services.field_metrics import FieldTable

__all__ = ["print_field_report", "print_field_tables"]


def print_field_report(db: DbOption, runs: Sequence[str] | None, engine: str | None, metrics: str, agreement: bool,
                       output_format: str) -> None:
    """Compute the tables from the store (read-only) and print them in `output_format`."""
    from ecco_tui.cli.reports import REPORT_FORMATS
    from ecco_tui.services import field_metrics
    from ecco_tui.services.workspace import open_store

    render.check_format(output_format, REPORT_FORMATS)
    try:
        field_metrics.parse_metrics(metrics)
    except ValueError as error:
        fail(f"--metrics: {error}")
    settings = settings_for(db, existing=True)
    with user_errors(), open_store(settings.db_path, read_only=True) as store:
        tables = field_metrics.field_tables(store, runs or None, metrics=metrics, engine=engine)
    print_field_tables(tables, output_format, agreement=agreement)


def print_field_tables(tables: Sequence[FieldTable], output_format: str, *, agreement: bool = False) -> None:
    from ecco_tui.services import field_metrics as fm

    def draw() -> None:
        out = render.screen(240)
        for table in tables:
            columns: list[render.Column] = [(c, "left" if i < 2 else "right")
                                            for i, c in enumerate(fm.table_columns(table))]
            out.print(render.table(f"{table.title}: every efficiency metric", columns, fm.table_rows(table),
                                   caption="value [95% bootstrap interval, rows resampled]; n/a: see below"))
            for note in table.notes:
                out.print(f"[dim]{escape(note)}[/]", highlight=False, soft_wrap=True)
            for line in fm.na_notes(table):
                out.print(f"[yellow]n/a[/] {escape(line)}", highlight=False, soft_wrap=True)
            if agreement and len(table.runs) < 2:
                out.print("[dim]Kendall's tau-b: one run in this set, no rankings to compare[/]", highlight=False)
            elif agreement:
                out.print(render.table(f"Kendall's tau-b between the metrics' rankings ({len(table.runs)} runs)",
                                       [("", "left"), *((m.key, "right") for m in table.metrics)],
                                       fm.agreement_rows(table)))
        if not tables:
            out.print("no runs in this store")

    render.emit(output_format, draw, {
        "json": lambda: fm.render_json(tables, agreement=agreement),
        "csv": lambda: fm.render_csv(tables, agreement=agreement),
        "md": lambda: fm.render_markdown(tables, agreement=agreement),
    })
