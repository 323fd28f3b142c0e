"""The leaderboard (issue #25): from the palette, a row per run with each metric's value and rank, sorted by any
column, the tau-b matrix between the metrics, and a cell's top outputs leading to their compare view."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.binding import Binding

from ecco_tui.services.field_metrics import Contribution, FieldCell, FieldRun, FieldTable, parse_metrics
from ecco_tui.services.workbench import Workbench
from ecco_tui.store.store import Store
from ecco_tui.tui.app import EccoApp
from ecco_tui.tui.screens.browser import BrowserScreen
from ecco_tui.tui.screens.compare import CompareScreen
from ecco_tui.tui.screens.leaderboard import (
    ContributionsScreen,
    LeaderboardScreen,
    Sort,
    clicked,
    cycle,
    sorted_runs,
    tau_rows,
)
from ecco_tui.tui.widgets.record_table import RecordTable
from tests.tui.helpers import NO_DELAYS, SIZE, press, screen_text, settle, wait_for_text
from tests.tui.test_scatter import _wait_for_only_hit

RUNS = ["alpha-instruct", "beta-self-refine", "gamma-instruct"]  # the workbench store's, in its order


async def _open(app: EccoApp, pilot) -> LeaderboardScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await app.push_screen(LeaderboardScreen())
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, LeaderboardScreen)
    return screen


async def test_palette_opens_the_leaderboard_with_a_row_per_run_and_its_ranks(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"leaderboard")
        await _wait_for_only_hit(pilot, "Leaderboard: every efficiency metric side by side")
        await press(pilot, "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LeaderboardScreen)
        board = screen.query_one("#board", RecordTable)
        assert board.keys == RUNS
        text = screen_text(app)
        assert "History-based editing (test) · 3 runs · 11 metrics" in text
        # alpha ranks first under eff@1 (0.5: its formula is as fast as the reference), beta second, gamma n/a.
        assert "alpha · instruct    0.500 [0.000–1.000] #1" in text
        assert "beta · self-refine  0.000 [0.000–0.000] #2" in text
        assert "gamma · instruct    n/a" in text
        # The highlighted cell in words: the metric's definition, the value's rank and what it is over.
        assert "eff@1 (ENAMEL, higher is better): expected best efficiency" in text
        assert "rank 1 of 2 · mean over 2 rows" in text
        await press(pilot, "down", "down")  # gamma's n/a says what it needs
        assert "n/a: needs the run's outputs measured (ecco eval)" in screen_text(app)
        await press(pilot, "escape")  # back to the browser
        assert isinstance(app.screen, BrowserScreen)


async def test_sorting_by_a_metric_column_reorders_the_runs(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot)
        board = screen.query_one("#board", RecordTable)
        await press(pilot, "s")  # by the run's name
        assert screen.sort == Sort(0) and board.keys == RUNS
        await press(pilot, "s")  # by eff@1, best first: alpha, beta, then gamma (n/a)
        assert screen.sort == Sort(1) and board.keys == RUNS
        assert "sorted by eff@1 (best first)" in screen_text(app) and "eff@1 ▼" in screen_text(app)
        await press(pilot, "S")  # worst first; n/a stays last
        assert board.keys == ["beta-self-refine", "alpha-instruct", "gamma-instruct"]
        assert "eff@1 ▲" in screen_text(app)
        assert board.cursor_key == "alpha-instruct"  # the cursor stays on its run
        board.post_message(RecordTable.HeaderClicked(board, 0))  # a header click: by the run's name
        await settle(pilot)
        assert screen.sort == Sort(0) and board.keys == RUNS


async def test_tau_matrix_is_shown_under_the_board(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot)
        tau = screen.query_one("#tau", RecordTable)
        assert tau.display and tau.row_count == 11
        text = screen_text(app)
        assert "Kendall's tau-b between the metrics' rankings" in text
        assert "eff@1        +1.00  +1.00" in text  # alpha and beta in the same order under every metric
        assert "efficient@1  –      –" in text  # a tie under efficient@1: undefined
        await press(pilot, "t")
        assert not tau.display


async def test_t_swaps_the_tau_matrix_for_the_board_at_80x24(app: EccoApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot)
        tau, board = screen.query_one("#tau", RecordTable), screen.query_one("#board", RecordTable)
        assert board.display and not tau.display
        await press(pilot, "t", "right")
        assert tau.display and not board.display and tau.table_has_focus
        assert "tau-b(eff@1, dps) = +1.00" in screen_text(app)


async def test_enter_on_a_cell_lists_its_top_outputs_and_enter_opens_one(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot)
        await press(pilot, "right", "right", "right", "right")  # alpha's speedup@1
        assert "speedup@1 (PIE, higher is better)" in screen_text(app)
        await press(pilot, "enter")
        modal = app.screen
        assert isinstance(modal, ContributionsScreen)
        rows = modal.query_one("#contributions", RecordTable)
        assert rows.keys == ["alpha-instruct:0:0:0", "alpha-instruct:1:0:0"]  # 6× before 1×
        text = screen_text(app)
        assert "alpha-instruct · speedup@1 = 3.500× [1.000–6.000]" in text and "6.000×" in text
        await press(pilot, "enter")
        assert isinstance(app.screen, CompareScreen)
        assert (app.screen.kind, app.screen.key) == ("output", "alpha-instruct:0:0:0")
        await press(pilot, "escape", "escape")  # back through the dialog to the board
        assert app.screen is screen
        await press(pilot, "down", "down", "enter")  # gamma: n/a, nothing to list
        assert app.screen is screen
        await wait_for_text(pilot, "needs the run's outputs measured")


@pytest.fixture(scope="module")
def sample_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ecco_tui.services.imports import build_sample_store

    path = tmp_path_factory.mktemp("leaderboard-sample") / "sample.duckdb"
    with Store.open(path) as store:
        build_sample_store(store)
    return path


@pytest.fixture
def sample_app(sample_file: Path) -> Iterator[EccoApp]:
    store = Store.open(sample_file)
    yield EccoApp(Workbench(store), delays=NO_DELAYS)
    store.close()


async def test_n_moves_between_run_sets(sample_app: EccoApp) -> None:
    async with sample_app.run_test(size=SIZE) as pilot:
        screen = await _open(sample_app, pilot)
        assert "run sets (1/2, n: next): History-based editing (test)" in screen_text(sample_app)
        await press(pilot, "n")
        assert screen.table is not None and screen.table.task == "generate"
        assert screen.query_one("#board", RecordTable).row_count == 1
        assert "run sets (2/2, n: next)" in screen_text(sample_app)


# -- pure helpers -----------------------------------------------------------------------------------------------


def test_every_binding_has_an_id_and_a_description() -> None:
    for owner in (LeaderboardScreen, ContributionsScreen):
        for binding in owner.BINDINGS:
            assert isinstance(binding, Binding)
            assert binding.id and binding.description, f"{owner.__name__}: {binding.key}"


def _table(values: list[list[float | None]]) -> FieldTable:
    specs = parse_metrics("eff@1,net")
    runs = []
    for i, row in enumerate(values):
        cells = tuple(FieldCell(s.key, v, rank=None if v is None else float(r), note="" if v is not None else "n/a",
                                top=(Contribution(f"o{i}", 0, "p", v or 0.0),))
                      for s, v, r in zip(specs, row, [i + 1, len(values) - i], strict=True))
        runs.append(FieldRun(f"r{i}", "edit", f"m{i}", "instruct", "test", "local", "cpu", "cpu time", cells))
    return FieldTable("edit", "test", specs, tuple(runs), agreement=((1.0, -1.0), (-1.0, None)))


def test_sorting_keeps_n_a_last_and_cycles_through_every_column() -> None:
    table = _table([[0.9, 1.0], [None, 2.0], [0.1, None]])
    assert [r.run_id for r in sorted_runs(table, Sort(1))] == ["r0", "r2", "r1"]
    assert [r.run_id for r in sorted_runs(table, Sort(1, reverse=True))] == ["r2", "r0", "r1"]
    assert [r.run_id for r in sorted_runs(table, Sort(2))] == ["r1", "r0", "r2"]
    assert [r.run_id for r in sorted_runs(table, Sort())] == ["r0", "r1", "r2"]
    assert [cycle(s, 3) for s in (Sort(), Sort(0), Sort(1), Sort(2))] == [Sort(0), Sort(1), Sort(2), Sort()]
    assert clicked(Sort(1), 1) == Sort(1, reverse=True) and clicked(Sort(1), 2) == Sort(2)


def test_tau_rows_show_two_decimals_and_a_dash_for_undefined() -> None:
    rows, keys = tau_rows(_table([[0.9, 1.0], [0.1, 2.0]]), {})
    assert keys == ["eff@1", "net"]
    assert rows == [["eff@1", "+1.00", "-1.00"], ["net", "-1.00", "–"]]
