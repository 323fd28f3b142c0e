"""A keyed, replaceable table on textual-fastdatatable.

fastdatatable renders from an Arrow table and stays instant at any row count, but its rows cannot be
cleared (its `clear()` says "unmount this table and mount a new one instead"). RecordTable does exactly
that behind a stable widget: `show()` swaps in a new inner table built from a list backend, `append()`
adds rows for load-more paging, and the rows are addressed by the caller's keys (problem ids, pair ids…)
instead of positions. It posts `Highlighted` / `Chosen` messages carrying those keys. With
`cursor_type="cell"` the cursor moves over cells: `CellHighlighted` says which column too, `Chosen` carries
it, and a click on a column's header posts `HeaderClicked` (the leaderboard sorts by it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static
from textual_fastdatatable import DataTable, create_backend

Row = Sequence[Any]


class KeyedDataTable(DataTable):
    """The inner table: row cursor, enter/space choose the row, tab moves focus (not the cell cursor)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "app.focus_next", "Next pane", show=False),
        Binding("shift+tab", "app.focus_previous", "Previous pane", show=False),
        Binding("space", "select_cursor", "Open", show=False),
        Binding("g", "cursor_table_start", "First row", show=False),
        Binding("G", "cursor_table_end", "Last row", show=False),
    ]

    def on_click(self, event: events.Click) -> None:
        """A double click opens the row (a single click only moves the cursor, as in the base table)."""
        if event.chain >= 2 and event.style.meta.get("row", -1) >= 0:
            self.action_select_cursor()


class RecordTable(Vertical):
    """A table whose rows are identified by keys, replaced wholesale or extended page by page."""

    DEFAULT_CSS = """
    RecordTable {
        height: 1fr;
    }
    RecordTable > KeyedDataTable {
        height: 1fr;
        max-height: 100%;
    }
    RecordTable.-empty > KeyedDataTable {
        height: 1;
    }
    RecordTable > .record-table--empty {
        color: $text-muted;
        padding: 1 2;
        height: auto;
    }
    """

    @dataclass
    class Highlighted(Message):
        """The cursor moved to the row with `key` (index `row` among the loaded rows)."""

        table: RecordTable
        key: str
        row: int

        @property
        def control(self) -> RecordTable:
            return self.table

    @dataclass
    class Chosen(Message):
        """The user pressed enter (or clicked twice) on the row with `key` (`column`: the cell's, with a cell
        cursor; -1 with a row cursor)."""

        table: RecordTable
        key: str
        row: int
        column: int = -1

        @property
        def control(self) -> RecordTable:
            return self.table

    @dataclass
    class CellHighlighted(Message):
        """With a cell cursor: the cursor moved to column `column` of the row with `key`."""

        table: RecordTable
        key: str
        row: int
        column: int

        @property
        def control(self) -> RecordTable:
            return self.table

    @dataclass
    class HeaderClicked(Message):
        """The header of column `column` was clicked."""

        table: RecordTable
        column: int

        @property
        def control(self) -> RecordTable:
            return self.table

    def __init__(
        self,
        columns: Sequence[str],
        *,
        empty_text: str = "Nothing to show.",
        max_column_width: int | None = 60,
        column_widths: Sequence[int | None] | None = None,
        cursor_type: Literal["row", "cell"] = "row",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._cursor_type: Literal["row", "cell"] = cursor_type
        self._columns = list(columns)
        self._keys: list[str] = []
        self._empty_text = empty_text
        self._max_column_width = max_column_width
        self._column_widths = list(column_widths) if column_widths is not None else None
        self._table: KeyedDataTable | None = None
        self._last_highlight: str | None = None
        self.add_class("-empty")

    # -- building ---------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        self._table = self._new_table([])
        yield self._table
        yield Static("Loading…", classes="record-table--empty")

    def _new_table(self, rows: Sequence[Row]) -> KeyedDataTable:
        # A list of records becomes an Arrow table; no rows still gives the columns their labels.
        backend = create_backend([list(r) for r in rows] or None, column_names=self._columns)
        return KeyedDataTable(
            backend=backend,
            cursor_type=self._cursor_type,
            show_row_labels=False,
            max_column_content_width=self._max_column_width,
            column_widths=list(self._column_widths) if self._column_widths is not None else None,
            null_rep="—",
        )

    def show(self, rows: Sequence[Row], keys: Sequence[str], *, cursor_key: str | None = None,
             cursor_column: int | None = None, columns: Sequence[str] | None = None) -> None:
        """Replace every row (and, given `columns`, the column labels). Focus stays on the table if it had it;
        the cursor goes to `cursor_key` (and, with a cell cursor, to `cursor_column`)."""
        if len(rows) != len(keys):
            raise ValueError(f"{len(rows)} rows but {len(keys)} keys")
        if columns is not None:
            self._columns = list(columns)
        had_focus = self._table is not None and self._table.has_focus
        if self._table is not None:
            self._table.remove()
        self._keys = list(keys)
        self._last_highlight = None
        self._table = self._new_table(rows)
        self.mount(self._table, before=0)
        self.set_class(not rows, "-empty")
        empty = self.query_one(".record-table--empty", Static)
        empty.update(self._empty_text)
        empty.display = not rows
        target = self._keys.index(cursor_key) if cursor_key in self._keys else 0
        table = self._table

        def after_mount() -> None:
            if table is not self._table:
                return
            if had_focus:
                table.focus()
            if target or cursor_column:
                table.move_cursor(row=target, column=cursor_column or None, animate=False)
            self._announce(target)

        self.call_after_refresh(after_mount)

    def append(self, rows: Sequence[Row], keys: Sequence[str]) -> None:
        """Add rows at the end (the next page), keeping the cursor where it is."""
        if not rows:
            return
        if self._table is None or not self._keys:
            self.show(rows, keys)
            return
        self._keys.extend(keys)
        self._table.add_rows([list(r) for r in rows])

    def update_cells(self, updates: Sequence[tuple[str, int, Any]]) -> None:
        """Change cells in place, addressed by (row key, column index): cheaper than `show()` for a
        column that arrives later (outcomes after the output list)."""
        if self._table is None:
            return
        index = {key: i for i, key in enumerate(self._keys)}
        for key, column, value in updates:
            row = index.get(key)
            if row is not None:
                self._table.update_cell(row, column, value, update_width=True)

    def set_empty_text(self, text: str) -> None:
        self._empty_text = text
        self.query_one(".record-table--empty", Static).update(text)

    # -- reading ----------------------------------------------------------------------------------
    @property
    def keys(self) -> list[str]:
        return list(self._keys)

    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def cursor_row(self) -> int:
        return self._table.cursor_row if self._table is not None and self._keys else -1

    @property
    def cursor_column(self) -> int:
        """The cursor's column (a cell cursor's; 0 with a row cursor), -1 without rows."""
        return self._table.cursor_column if self._table is not None and self._keys else -1

    @property
    def cursor_key(self) -> str | None:
        row = self.cursor_row
        return self._keys[row] if 0 <= row < len(self._keys) else None

    @property
    def table(self) -> KeyedDataTable | None:
        return self._table

    def move_to(self, key: str) -> bool:
        if key not in self._keys or self._table is None:
            return False
        self._table.move_cursor(row=self._keys.index(key), animate=False)
        return True

    def focus(self, scroll_visible: bool = True) -> RecordTable:
        """Focus the inner table (the container itself never takes focus)."""
        if self._table is not None:
            self._table.focus(scroll_visible)
        return self

    @property
    def table_has_focus(self) -> bool:
        return self._table is not None and self._table.has_focus

    # -- events -----------------------------------------------------------------------------------
    def _announce(self, row: int) -> None:
        if 0 <= row < len(self._keys):
            key = self._keys[row]
            if key != self._last_highlight:
                self._last_highlight = key
                self.post_message(self.Highlighted(self, key, row))

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.data_table is self._table:
            self._announce(event.cursor_row)

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.data_table is self._table and 0 <= event.cursor_row < len(self._keys):
            self.post_message(self.Chosen(self, self._keys[event.cursor_row], event.cursor_row))

    @on(DataTable.CellHighlighted)
    def _cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        event.stop()
        row, column = event.coordinate
        if event.data_table is self._table and 0 <= row < len(self._keys):
            self._announce(row)
            self.post_message(self.CellHighlighted(self, self._keys[row], row, column))

    @on(DataTable.CellSelected)
    def _cell_selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        row, column = event.coordinate
        if event.data_table is self._table and 0 <= row < len(self._keys):
            self.post_message(self.Chosen(self, self._keys[row], row, column))

    @on(DataTable.HeaderSelected)
    def _header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        if event.data_table is self._table:
            self.post_message(self.HeaderClicked(self, event.column_index))
