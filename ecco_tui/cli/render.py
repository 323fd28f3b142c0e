"""How every command prints its results: rich tables, and JSON, CSV and Markdown text for scripts.

One module so that all commands draw tables the same way, size them the same way when stdout is not a
terminal, print machine-readable formats byte for byte as the services produce them (no rich wrapping or
markup), and validate `--format` with the same message.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console, JustifyMethod
from rich.table import Table

from ecco_tui.cli.app import check_choice, console

if TYPE_CHECKING:
    from ecco_tui.services.calibrate import TableSpec

__all__ = [
    "DASH",
    "Column",
    "cell",
    "check_format",
    "emit",
    "json_text",
    "print_table_specs",
    "screen",
    "table",
]

#: A column: its header (left-aligned), or its header and how to justify it.
Column = str | tuple[str, JustifyMethod]

#: What a table shows for a value that was not measured.
DASH = "–"


def check_format(output_format: str, choices: Sequence[str], flag: str = "--format") -> None:
    """Fail in one line unless `--format` names one of `choices`, before anything is read or run."""
    check_choice(flag, output_format, choices)


def screen(width: int) -> Console:
    """The console for a wide table: the terminal's, or, when stdout is piped, one `width` columns wide, so a
    log or a file gets whole rows instead of rich's 80-column squeeze."""
    return console if console.is_terminal else Console(width=width)


def table(
    title: str | None, columns: Iterable[Column], rows: Iterable[Sequence[str]] = (), *, caption: str | None = None
) -> Table:
    """A rich table with these columns and rows (cells are strings, rich markup allowed)."""
    drawn = Table(title=title, caption=caption)
    for column in columns:
        if isinstance(column, str):
            drawn.add_column(column, justify="left")
        else:
            drawn.add_column(column[0], justify=column[1])
    for row in rows:
        drawn.add_row(*row)
    return drawn


def cell(value: float | None, spec: str = "") -> str:
    """One table cell: `value` formatted by `spec` (e.g. ".3f", ",.0f"), or a dash when not measured."""
    return DASH if value is None else format(value, spec)


def print_table_specs(out: Console, specs: Iterable[TableSpec]) -> None:
    """Rich tables from a service's plain table specs (title, columns, align, rows)."""
    for spec in specs:
        aligned: list[Column] = [(col, "left" if spec.align[i] == "l" else "right")
                                 for i, col in enumerate(spec.columns)]
        out.print(table(spec.title, aligned, spec.rows))


def json_text(value: Any) -> str:
    """`value` as indented JSON with sorted keys: stable output for scripts to diff and parse."""
    return json.dumps(value, indent=2, sort_keys=True)


def emit(output_format: str, draw_table: Callable[[], None], texts: Mapping[str, Callable[[], str]]) -> None:
    """Print results in `output_format`: "table" draws rich tables; the other formats print the text their
    producer in `texts` returns, unchanged. CSV text ends in its own row terminator, so nothing is added."""
    if output_format == "table":
        draw_table()
        return
    print(texts[output_format](), end="" if output_format == "csv" else "\n")
