"""Widgets on their own, in a minimal app: the diff view's synced panes and the keyed table."""

from __future__ import annotations

from textual.app import App, ComposeResult

from ecco_tui.tui.diff_model import build_diff
from ecco_tui.tui.widgets.diff_view import DiffView
from ecco_tui.tui.widgets.record_table import RecordTable

LONG_LEFT = "".join(f"x{i} = {i}\n" for i in range(200))
LONG_RIGHT = "".join(f"x{i} = {i * 2 if i % 40 == 0 else i}\n" for i in range(200))


class DiffApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DiffView(id="diff")

    def on_mount(self) -> None:
        self.query_one(DiffView).set_diff(build_diff(LONG_LEFT, LONG_RIGHT), "left", "right")


class TableApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        yield RecordTable(["id", "value"], id="t")

    def on_record_table_highlighted(self, event: RecordTable.Highlighted) -> None:
        self.events.append(("highlighted", event.key))

    def on_record_table_chosen(self, event: RecordTable.Chosen) -> None:
        self.events.append(("chosen", event.key))


async def test_split_panes_scroll_together() -> None:
    app = DiffApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        view = app.query_one(DiffView)
        await pilot.press("tab", "pagedown", "pagedown")
        assert view.left_pane.scroll_y > 0
        assert view.right_pane.scroll_y == view.left_pane.scroll_y


async def test_next_change_scrolls_both_panes_to_the_change() -> None:
    app = DiffApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        view = app.query_one(DiffView)
        assert view.jump_to_change(1) and view.jump_to_change(1)
        await pilot.pause()
        assert view.left_pane.scroll_y == view.right_pane.scroll_y == 80 - 2  # changes at rows 40, 80, …


async def test_table_rows_are_addressed_by_key() -> None:
    app = TableApp()
    async with app.run_test() as pilot:
        table = app.query_one(RecordTable)
        table.show([("a", 1), ("b", 2)], ["k-a", "k-b"])
        await pilot.pause()
        table.focus()
        await pilot.press("down", "enter")
        assert app.events == [("highlighted", "k-a"), ("highlighted", "k-b"), ("chosen", "k-b")]


async def test_table_appends_a_page_and_updates_cells_in_place() -> None:
    app = TableApp()
    async with app.run_test() as pilot:
        table = app.query_one(RecordTable)
        table.show([("a", 1)], ["k-a"])
        await pilot.pause()
        table.append([("b", 2), ("c", 3)], ["k-b", "k-c"])
        table.update_cells([("k-c", 1, 30)])
        await pilot.pause()
        assert table.keys == ["k-a", "k-b", "k-c"]
        assert table.table is not None and table.table.get_row_at(2) == ["c", 30]
