"""The leaderboard: every efficiency metric of the field (issue #25), runs x metrics, side by side.

One run set (task x split) at a time, `n` moves to the next when the store has several. Each cell is the run's
value under a metric with its 95% interval and the run's rank under that metric (#1 = best; ties share a mean
rank); n/a cells are dim, and the details line under the table says what they need. `s` cycles the column the
runs are sorted by (`S` reverses it; a click on a header sorts by that column). Under the table, Kendall's tau-b
between every two metrics' rankings: do the benchmarks order the runs the same way? Enter on a cell lists the
outputs contributing most to that value; enter on one of them opens its compare view.

The numbers are `ecco report --metrics all --agreement`'s (`services.field_metrics`), loaded in a worker.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.markup import escape
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Header, Static
from textual.worker import get_current_worker

from ecco_tui.services.field_metrics import FieldCell, FieldRun, FieldTable, MetricSpec, format_cell, format_value
from ecco_tui.tui.formatting import colored
from ecco_tui.tui.layout import HORIZONTAL_BREAKPOINTS, VERTICAL_BREAKPOINTS
from ecco_tui.tui.screens.base import EccoScreen
from ecco_tui.tui.theme_colors import theme_colors
from ecco_tui.tui.widgets.record_table import RecordTable

if TYPE_CHECKING:
    from textual.app import App

STYLES = Path(__file__).parent.parent / "styles" / "leaderboard.tcss"
#: The first column of the board (the run); the metrics' columns follow it.
RUN_COLUMN = "run"
CONTRIBUTION_COLUMNS = ["output", "problem", "row", "term"]


# -- pure helpers (no widgets): the order, the cells, the words -----------------------------------------------


@dataclass(frozen=True, slots=True)
class Sort:
    """The board's order: by `column` (0: the run's name, 1..: the metrics, best first), `reverse` flips it.
    `column` None keeps the store's order."""

    column: int | None = None
    reverse: bool = False

    def label(self, table: FieldTable) -> str:
        if self.column is None:
            return "store order"
        if self.column == 0:
            return "run" + (" (Z-A)" if self.reverse else " (A-Z)")
        return f"{table.metrics[self.column - 1].key}" + (" (worst first)" if self.reverse else " (best first)")


def run_label(run: FieldRun) -> str:
    return f"{run.model} · {run.method}"


def sorted_runs(table: FieldTable, sort: Sort) -> list[FieldRun]:
    """The runs in `sort`'s order: a metric's column by rank (best first, or worst first reversed), the runs
    without a value (n/a) last either way; the run column by name. Ties keep the store's order."""
    runs = list(table.runs)
    if sort.column is None:
        return runs
    if sort.column == 0:
        return sorted(runs, key=run_label, reverse=sort.reverse)
    i = sort.column - 1
    ranked = [r for r in runs if r.cells[i].rank is not None]
    missing = [r for r in runs if r.cells[i].rank is None]
    ranked.sort(key=lambda r: r.cells[i].rank or 0.0, reverse=sort.reverse)
    return ranked + missing


def cycle(sort: Sort, n_columns: int) -> Sort:
    """The next sort column (`s`): store order → run → each metric → store order."""
    if sort.column is None:
        return Sort(0)
    nxt = sort.column + 1
    return Sort(nxt) if nxt < n_columns else Sort()


def clicked(sort: Sort, column: int) -> Sort:
    """A click on a header: sort by that column, or reverse it when it already sorts the board."""
    return Sort(column, not sort.reverse) if sort.column == column else Sort(column)


def fmt_rank(rank: float | None) -> str:
    return "" if rank is None else f"#{rank:g}"


def cell_text(spec: MetricSpec, cell: FieldCell, colors: Mapping[str, str]) -> str:
    """Rich markup for a board cell: "value [lo–hi] #rank", the best run's in the success colour, n/a dim."""
    if cell.value is None:
        return colored("n/a", "foreground-muted", colors)
    text = f"{format_cell(spec, cell)} {fmt_rank(cell.rank)}".rstrip()
    return colored(text, "success", colors) if cell.rank == 1 else colored(text, "foreground", colors)


def column_labels(table: FieldTable, sort: Sort) -> list[str]:
    """The board's header: the sort column carries an arrow (▼ best / A first, ▲ reversed)."""
    labels = [RUN_COLUMN, *(m.key for m in table.metrics)]
    if sort.column is not None:
        labels[sort.column] += " ▲" if sort.reverse else " ▼"
    return labels


def board_rows(table: FieldTable, sort: Sort, colors: Mapping[str, str]) -> tuple[list[list[str]], list[str]]:
    """The board's rows (a run each, in `sort`'s order) and their keys (run ids)."""
    runs = sorted_runs(table, sort)
    rows = [[colored(run_label(r), "foreground", colors),
             *(cell_text(s, c, colors) for s, c in zip(table.metrics, r.cells, strict=True))] for r in runs]
    return rows, [r.run_id for r in runs]


def fmt_tau(value: float | None) -> str:
    return "–" if value is None else f"{value:+.2f}"


def tau_rows(table: FieldTable, colors: Mapping[str, str]) -> tuple[list[list[str]], list[str]]:
    """The tau-b matrix: a row per metric, "–" where it is undefined; disagreement (tau < 0) in the error
    colour, the diagonal dim."""
    rows: list[list[str]] = []
    for i, (spec, values) in enumerate(zip(table.metrics, table.agreement, strict=True)):
        cells = [spec.key]
        for j, v in enumerate(values):
            var = "foreground-muted" if i == j or v is None else "error" if v < 0 else "foreground"
            cells.append(colored(fmt_tau(v), var, colors))
        rows.append(cells)
    return rows, [m.key for m in table.metrics]


def summary_markup(tables: Sequence[FieldTable], index: int, sort: Sort) -> str:
    if not tables:
        return "[b]Leaderboard[/b]  No runs in this store: import model outputs first (ecco import-outputs)."
    table = tables[index]
    head = (f"[b]{escape(table.title)}[/b] · {len(table.runs)} runs · {len(table.metrics)} metrics · "
            f"sorted by {escape(sort.label(table))} [dim](s: next column)[/dim]")
    if len(tables) > 1:
        others = " · ".join(f"[b]{escape(t.title)}[/b]" if i == index else escape(t.title)
                            for i, t in enumerate(tables))
        head += f"\nrun sets ({index + 1}/{len(tables)}, n: next): {others}"
    return head


def cell_detail_markup(table: FieldTable, run_id: str | None, column: int) -> str:
    """The highlighted cell in words: the run, the metric's definition, its value, rank and note."""
    run = next((r for r in table.runs if r.run_id == run_id), None)
    if run is None:
        return "[dim]No run selected.[/dim]"
    engine = f" · engine {escape(run.engine)}" if run.engine else ""
    cost = f" · cost: {escape(run.cost)}" if run.cost else ""
    head = f"[b]{escape(run.run_id)}[/b] {escape(run.model)} · {escape(run.method)}{engine} · {escape(run.accounting)}"
    if column <= 0 or column > len(table.metrics):
        n_na = sum(c.value is None for c in run.cells)
        return head + cost + (f"\n[dim]{n_na} of {len(run.cells)} metrics n/a[/dim]" if n_na else
                              "\n[dim]left/right: a metric's cell · enter: its top outputs[/dim]")
    spec = table.metrics[column - 1]
    cell = run.cells[column - 1]
    better = "higher" if spec.higher_is_better else "lower"
    definition = (f"[b $accent]{escape(spec.key)}[/] [dim]({escape(spec.family)}, {better} is better):[/dim] "
                  f"{escape(spec.definition)}")
    if cell.value is None:
        value = f"[$foreground-muted]{escape(cell.note or 'n/a')}[/]"
    else:
        ranked = sum(r.cells[column - 1].rank is not None for r in table.runs)
        value = (f"{escape(format_cell(spec, cell))} · rank {fmt_rank(cell.rank).lstrip('#')} of {ranked}"
                 + (f" · [dim]{escape(cell.note)}[/dim]" if cell.note else "")
                 + ("  [dim]enter: top outputs[/dim]" if cell.top else ""))
    return f"{head}\n{definition}\n{value}"


def tau_detail_markup(table: FieldTable, metric: str | None, column: int) -> str:
    """The highlighted tau-b cell in words."""
    keys = [m.key for m in table.metrics]
    if metric not in keys or column <= 0 or column > len(keys):
        return "[dim]Kendall's tau-b between two metrics' rankings of the runs: +1 same order, -1 reversed.[/dim]"
    other = keys[column - 1]
    value = table.tau(metric, other)
    if value is None:
        why = "fewer than two runs have both, or a ranking is all ties"
        return f"tau-b({escape(metric)}, {escape(other)}) = – [dim]({why})[/dim]"
    return (f"tau-b({escape(metric)}, {escape(other)}) = {value:+.2f} [dim]over the {len(table.runs)} runs' "
            f"rankings: +1 same order, 0 unrelated, -1 reversed[/dim]")


# -- the screens ------------------------------------------------------------------------------------------------


@dataclass
class LeaderboardLoaded(Message):
    tables: list[FieldTable]


class LeaderboardScreen(EccoScreen):
    """Runs x metrics with ranks, the tau-b matrix between the metrics, and each cell's top outputs."""

    TITLE = "Leaderboard"
    HORIZONTAL_BREAKPOINTS = HORIZONTAL_BREAKPOINTS
    VERTICAL_BREAKPOINTS = VERTICAL_BREAKPOINTS
    CSS_PATH = STYLES
    AUTO_FOCUS = "#board KeyedDataTable"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "cycle_sort", "Sort", id="leaderboard.sort",
                tooltip="Sort the runs by the next column (store order, run, each metric); a header click sorts "
                        "by that column"),
        Binding("S", "reverse_sort", "Reverse", id="leaderboard.reverse", show=False,
                tooltip="Reverse the sort (n/a stays last)"),
        Binding("t", "toggle_tau", "Tau matrix", id="leaderboard.tau",
                tooltip="Show or hide Kendall's tau-b between the metrics' rankings"),
        Binding("n", "next_table", "Next run set", id="leaderboard.next",
                tooltip="The next run set (task x split) when the store has several"),
        Binding("o", "open_cell", "Top outputs", id="leaderboard.open",
                tooltip="The outputs contributing most to the highlighted cell (also enter)"),
        Binding("r", "reload", "Reload", id="leaderboard.reload", show=False,
                tooltip="Recompute the metrics from the store (after an evaluation)"),
    ]

    def __init__(self) -> None:
        # No fixed id: screen ids are app-wide, and a compare view opened from here may open another.
        super().__init__(classes="leaderboard")
        self.tables: list[FieldTable] = []
        self.loaded = False
        self.index = 0
        self.sort = Sort()

    @property
    def table(self) -> FieldTable | None:
        return self.tables[self.index] if self.tables else None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="≡")
        yield Static("Computing every metric…", id="leaderboard-summary")
        with Vertical(id="leaderboard-body"):
            yield Static(id="leaderboard-notes")
            yield RecordTable([RUN_COLUMN], id="board", cursor_type="cell", max_column_width=26,
                              empty_text="No runs in this run set.")
            yield RecordTable([""], id="tau", cursor_type="cell", max_column_width=11,
                              empty_text="No metrics to compare.")
            yield Static(id="leaderboard-detail")
        yield Footer()

    def on_mount(self) -> None:
        board = self.query_one("#board", RecordTable)
        board.border_title = "Runs × metrics: value, 95% interval, #rank (enter: top outputs)"
        self.query_one("#tau", RecordTable).border_title = "Kendall's tau-b between the metrics' rankings"
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._refill())
        self.reload()

    # -- loading ----------------------------------------------------------------------------------------------
    def reload(self) -> None:
        self._set_loading(True)
        self.load_tables()

    @work(thread=True, exclusive=True, group="leaderboard", exit_on_error=False)
    def load_tables(self) -> None:
        try:
            tables = self.workbench.field_tables()
        finally:  # a failure is reported by the app (EccoScreen forwards worker errors)
            self.app.call_from_thread(self._set_loading, False)
        if not get_current_worker().is_cancelled:
            self.post_message(LeaderboardLoaded(tables))

    def _set_loading(self, loading: bool) -> None:
        if self.is_mounted:
            self.query_one("#leaderboard-body").loading = loading

    @on(LeaderboardLoaded)
    def _loaded(self, message: LeaderboardLoaded) -> None:
        self.tables = message.tables
        self.loaded = True
        self.index = min(self.index, max(len(self.tables) - 1, 0))
        self._refill()

    def _refill(self) -> None:
        if not self.loaded:  # a theme switch before the first load: nothing to colour yet
            return
        board = self.query_one("#board", RecordTable)
        cursor, column = board.cursor_key, board.cursor_column
        self.query_one("#leaderboard-summary", Static).update(
            Content.from_markup(summary_markup(self.tables, self.index, self.sort)))
        table = self.table
        self.query_one("#leaderboard-body").display = table is not None
        if table is None:
            return
        self.sub_title = table.title
        self.query_one("#leaderboard-notes", Static).update("\n".join(table.notes))
        colors = theme_colors(self.app)
        rows, keys = board_rows(table, self.sort, colors)
        board.show(rows, keys, cursor_key=cursor, cursor_column=max(column, 1) if keys else None,
                   columns=column_labels(table, self.sort))
        tau = self.query_one("#tau", RecordTable)
        t_rows, t_keys = tau_rows(table, colors)
        tau.show(t_rows, t_keys, cursor_key=tau.cursor_key, cursor_column=max(tau.cursor_column, 1),
                 columns=["", *(m.key for m in table.metrics)])
        self._show_detail()
        # The loading indicator took focus away from the table: give it back once the new table is mounted.
        self.call_after_refresh(lambda: self.focused is None and board.focus())

    def _show_detail(self) -> None:
        table = self.table
        if table is None:
            return
        tau = self.query_one("#tau", RecordTable)
        if tau.table_has_focus:
            text = tau_detail_markup(table, tau.cursor_key, tau.cursor_column)
        else:
            board = self.query_one("#board", RecordTable)
            run_id = board.cursor_key or (table.runs[0].run_id if table.runs else None)
            text = cell_detail_markup(table, run_id, board.cursor_column if board.cursor_key else 1)
        self.query_one("#leaderboard-detail", Static).update(Content.from_markup(text))

    # -- the cursor, sorting, opening a cell --------------------------------------------------------------------
    @on(RecordTable.CellHighlighted)
    @on(RecordTable.Highlighted)
    def _cell_highlighted(self) -> None:
        self._show_detail()

    def on_descendant_focus(self) -> None:
        self._show_detail()

    @on(RecordTable.HeaderClicked, "#board")
    def _header_clicked(self, event: RecordTable.HeaderClicked) -> None:
        self._sort_by(clicked(self.sort, event.column))

    @on(RecordTable.Chosen, "#board")
    def _cell_chosen(self, event: RecordTable.Chosen) -> None:
        self.open_cell(event.key, event.column)

    def _sort_by(self, sort: Sort) -> None:
        self.sort = sort
        self._refill()

    def open_cell(self, run_id: str, column: int) -> None:
        """The outputs contributing most to the run's value under the cell's metric, in a dialog."""
        table = self.table
        if table is None:
            return
        if column <= 0 or column > len(table.metrics):
            self.notify("Move to a metric's cell (left/right) to list the outputs behind it.", severity="warning")
            return
        spec = table.metrics[column - 1]
        run = next(r for r in table.runs if r.run_id == run_id)
        cell = run.cell(spec.key)
        if not cell.top:
            self.notify(f"{run_id} · {spec.key}: {cell.note or 'no outputs to list'}", severity="warning")
            return
        self.app.push_screen(ContributionsScreen(run, spec, cell))

    # -- actions ----------------------------------------------------------------------------------------------
    def action_cycle_sort(self) -> None:
        if self.table is not None:
            self._sort_by(cycle(self.sort, len(self.table.metrics) + 1))

    def action_reverse_sort(self) -> None:
        if self.sort.column is None:
            self.notify("Sorted in the store's order: s picks a column first.", severity="information")
            return
        self._sort_by(Sort(self.sort.column, not self.sort.reverse))

    def action_toggle_tau(self) -> None:
        self.toggle_class("-tau-toggled")
        self.call_after_refresh(self._focus_shown)

    def _focus_shown(self) -> None:
        """Keep the focus on a table that is shown (at 80x24 t swaps the board for the matrix)."""
        board, tau = self.query_one("#board", RecordTable), self.query_one("#tau", RecordTable)
        if not board.display:
            tau.focus()
        elif not tau.display or not tau.table_has_focus:
            board.focus()
        self._show_detail()

    def action_next_table(self) -> None:
        if len(self.tables) < 2:
            self.notify("This store has one run set.", severity="information")
            return
        self.index = (self.index + 1) % len(self.tables)
        self.sort = Sort()
        self._refill()

    def action_open_cell(self) -> None:
        board = self.query_one("#board", RecordTable)
        if board.cursor_key is None:
            self.notify("No run to open.", severity="warning")
            return
        self.open_cell(board.cursor_key, board.cursor_column)

    def action_reload(self) -> None:
        self.reload()

    def store_changed(self, forced: bool = False) -> None:
        """F5 only: every metric is recomputed from the executions, too costly for every write of others."""
        if forced and self.is_mounted:
            self.reload()


class ContributionsScreen(ModalScreen[None]):
    """The outputs whose own terms contribute most to one cell's value; enter opens one's compare view."""

    HORIZONTAL_BREAKPOINTS = HORIZONTAL_BREAKPOINTS
    VERTICAL_BREAKPOINTS = VERTICAL_BREAKPOINTS
    CSS_PATH = STYLES
    AUTO_FOCUS = "#contributions KeyedDataTable"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="contributions.close"),
        # A modal sees no app bindings: q quits here too, as on every screen.
        Binding("q", "app.quit", "Quit", id="contributions.quit", show=False),
    ]

    def __init__(self, run: FieldRun, spec: MetricSpec, cell: FieldCell) -> None:
        super().__init__()
        self.run = run
        self.spec = spec
        self.cell = cell

    def compose(self) -> ComposeResult:
        spec, cell = self.spec, self.cell
        with Vertical(id="contributions-dialog"):
            yield Static(Content.from_markup(
                f"[b]{escape(self.run.run_id)} · {escape(spec.key)} = {escape(format_cell(spec, cell))}[/b] "
                f"[dim]{escape(fmt_rank(cell.rank))}[/dim]\n[dim]{escape(spec.definition)}; "
                f"the outputs with the largest own terms, largest first[/dim]"), id="contributions-title")
            yield RecordTable(CONTRIBUTION_COLUMNS, id="contributions", max_column_width=40)
            yield Static(Content.from_markup("[dim]enter: open the output · escape to close · q to quit[/]"),
                         id="contributions-footer")

    def on_mount(self) -> None:
        rows = [[c.output_id, c.problem_id, str(c.row_idx), format_value(self.spec, c.value)] for c in self.cell.top]
        table = self.query_one("#contributions", RecordTable)
        table.styles.height = len(rows) + 3  # the header and the focus border: no blank rows under the outputs
        table.show(rows, [c.output_id for c in self.cell.top])

    @on(RecordTable.Chosen, "#contributions")
    def _chosen(self, event: RecordTable.Chosen) -> None:
        from ecco_tui.tui.screens.compare import CompareScreen

        self.app.push_screen(CompareScreen("output", event.key))


def open_leaderboard(app: App[Any]) -> None:
    """Show the leaderboard (palette "Leaderboard: ..."); nothing new if it is already on top."""
    if not isinstance(app.screen, LeaderboardScreen):
        app.push_screen(LeaderboardScreen())
