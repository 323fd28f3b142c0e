"""The compare view explains a speedup (issue #23): `H` profiles both programs on the most expensive test and
shades each line's gutter by its hit count, the header says how cost grows with input size, and `c` plots it.

One small real problem (tests/services/explain_fixtures.py): a quadratic input and a linear output of it, with
paired timings stored, so the default test is the largest one and the scaling is algorithmic. Profiling runs
for real in the local sandbox (needs bubblewrap); profiles are cached in the store, so only the first test of
the module runs the programs.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.content import Content

from ecco_tui.model import code_sha256
from ecco_tui.services.workbench import Workbench
from ecco_tui.store.store import Store
from ecco_tui.tui.app import EccoApp
from ecco_tui.tui.diff_model import SideLine
from ecco_tui.tui.screens.compare import CompareScreen
from ecco_tui.tui.screens.scaling import ScalingScreen
from ecco_tui.tui.widgets.code_pane import HeatCell
from ecco_tui.tui.widgets.diff_view import DiffView, heat_cells
from ecco_tui.tui.widgets.plots import GrowthPlot
from tests.services.explain_fixtures import (
    INNER_LOOP_LINE,
    LINEAR,
    LINEAR_OUTPUT,
    PROBLEM,
    QUADRATIC,
    build_explain_store,
    explain_settings,
)
from tests.services.test_explain import store_paired_timings
from tests.tui.helpers import NO_DELAYS, SIZE, press, screen_text, settle, wait_for_text

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="the local engine needs bubblewrap")


@pytest.fixture(scope="module")
def explain_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The explain store with paired timings of the quadratic input and both outputs (nothing profiled)."""
    work = tmp_path_factory.mktemp("heat")
    db = build_explain_store(work / "store.duckdb", work)
    with Store.open(db) as store:
        store_paired_timings(store)
    return db


@pytest.fixture
def explain_store(explain_file: Path) -> Iterator[Store]:
    store = Store.open(explain_file)
    yield store
    store.close()


def explain_app(store: Store, path: Path) -> EccoApp:
    return EccoApp(Workbench(store, explain_settings(path)), delays=NO_DELAYS)


async def open_output(pilot: object) -> CompareScreen:
    await settle(pilot)  # type: ignore[arg-type]
    screen = CompareScreen("output", LINEAR_OUTPUT)
    await pilot.app.push_screen(screen)  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    return screen


def hottest_number(diff: DiffView, side: int) -> int | None:
    pane = diff.left_pane if side == 0 else diff.right_pane
    lines = diff.diff.left if diff.diff is not None and side == 0 else diff.diff.right if diff.diff else []
    rows = [row for row, cell in (pane.heat or {}).items() if cell.hottest]
    return lines[rows[0]].number if rows else None


@needs_bwrap
async def test_heat_marks_the_inner_loop_of_the_quadratic_program_hottest(explain_store: Store,
                                                                          explain_file: Path) -> None:
    shas = [code_sha256(c) for c in (QUADRATIC, LINEAR)]
    before = sorted(explain_store.latest_executions(shas), key=lambda e: e.execution_id)
    app = explain_app(explain_store, explain_file)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_output(pilot)
        diff = screen.query_one("#diff", DiffView)
        assert not diff.heat_on and diff.left_pane.heat is None
        await press(pilot, "H")
        assert diff.heat_on
        assert hottest_number(diff, 0) == INNER_LOOP_LINE
        assert hottest_number(diff, 1) is not None
        # every executed line of the slow program has a bar; the inner loop's is the full one
        left = diff.left_pane.plain_lines()
        inner = next(row for row, ln in enumerate(diff.diff.left) if ln.number == INNER_LOOP_LINE)
        assert left[inner].startswith("█◀")
        subtitle = str(diff.left_pane.border_subtitle)
        assert subtitle.startswith(f"line {INNER_LOOP_LINE}: ") and "hits (hottest)" in subtitle
        assert "hits" in str(diff.right_pane.border_subtitle)
        # the rounds timeline keeps its key
        assert any(b.action == "rounds" for b in screen._bindings.key_to_bindings.get("h", []))
    # profiling runs are not timing runs
    assert sorted(explain_store.latest_executions(shas), key=lambda e: e.execution_id) == before


@needs_bwrap
async def test_heat_toggles_off_and_a_click_gives_a_lines_count(explain_store: Store, explain_file: Path) -> None:
    app = explain_app(explain_store, explain_file)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_output(pilot)
        diff = screen.query_one("#diff", DiffView)
        await press(pilot, "H")
        assert diff.heat_on
        row = next(row for row, ln in enumerate(diff.diff.left) if ln.number == 1)  # type: ignore[union-attr]
        await pilot.click(diff.left_pane, offset=(4, 1 + row))
        await settle(pilot)
        assert str(diff.left_pane.border_subtitle).startswith("line 1: 1 hits")
        await press(pilot, "H")
        assert not diff.heat_on
        assert diff.left_pane.heat is None and diff.right_pane.heat is None
        assert "hits" not in str(diff.left_pane.border_subtitle)
        assert not any(line.startswith(("█", "▁")) for line in diff.left_pane.plain_lines())


async def test_heat_on_a_pair_says_it_needs_a_model_output(explain_store: Store, explain_file: Path) -> None:
    app = explain_app(explain_store, explain_file)
    pair_id = explain_store.pairs(problem_id=PROBLEM)[0].pair_id
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.app.push_screen(CompareScreen("pair", pair_id))
        await settle(pilot)
        await press(pilot, "H")
        await wait_for_text(pilot, "heat needs a model output")
        assert not pilot.app.screen.query_one("#diff", DiffView).heat_on


async def test_the_header_says_how_cost_grows_and_c_plots_it(explain_store: Store, explain_file: Path) -> None:
    app = explain_app(explain_store, explain_file)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_output(pilot)
        assert screen.view is not None and screen.view.metrics.scaling is not None
        assert screen.view.metrics.scaling.startswith("algorithmic (exponent ")
        header = screen.query_one("#compare-header")
        assert header.region.height <= 3
        assert "algorithmic (exponent" in screen_text(app)
        await press(pilot, "c")
        modal = pilot.app.screen
        assert isinstance(modal, ScalingScreen)
        assert modal.scaling is not None and modal.scaling.kind == "algorithmic"
        plot = modal.query_one(GrowthPlot)
        assert plot.data is not None and len(plot.data.left) == 5 and len(plot.data.right) == 5
        assert plot.data.title.startswith("algorithmic") and "cpu time" in plot.data.title
        assert "log" not in plot.data.xlabel  # the axes are log-scaled, the label names the size
        await press(pilot, "escape")
        assert pilot.app.screen is screen


def test_heat_bars_scale_by_log_hits_against_the_sides_hottest_line() -> None:
    lines = [SideLine("equal", 1, Content("a")), SideLine("filler", None, Content("")),
             SideLine("equal", 2, Content("b")), SideLine("equal", 3, Content("c")), SideLine("equal", 4, Content("d"))]
    cells = heat_cells(lines, {1: 1, 2: 10_000, 3: 100, 4: 10_000})
    assert set(cells) == {0, 2, 3, 4}  # the filler row has no line, so no bar
    assert cells[2] == HeatCell("█", hottest=True)  # the first of equals is the hottest
    assert cells[4] == HeatCell("█", hottest=False)
    assert cells[3].bar == "▅"  # log(101) / log(10001) = 0.501: just above half way up
    assert cells[0].bar == "▁"
    assert heat_cells(lines, None) == {} and heat_cells(lines, {}) == {}
