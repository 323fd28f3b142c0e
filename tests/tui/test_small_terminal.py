"""Every screen stays usable at 80x24 (issue 22): the outputs list keeps its outcome column, the compare header
is at most 3 rows over at least 12 rows of code, the filter bar and the scatter plot fit, long run names are cut
in the middle and named in full elsewhere. Measured on the real widget regions of an app run at each size.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Static

from ecco_tui.tui.app import EccoApp
from ecco_tui.tui.formatting import elide_middle
from ecco_tui.tui.layout import HEADER_LINES, MIN_CODE_ROWS
from ecco_tui.tui.screens.browser import BrowserScreen
from ecco_tui.tui.screens.compare import CompareScreen
from ecco_tui.tui.screens.scatter import ScatterScreen, fitting_ticks
from ecco_tui.tui.widgets.code_pane import CodePane
from ecco_tui.tui.widgets.record_table import RecordTable
from tests.tui.helpers import press, screen_text, settle
from tests.tui.workbench import LONG_RUN

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
#: How each compare view is reached from the browser: a pair, and an output (whose header has a model line).
COMPARE_KEYS = {"pair": ["enter", "enter"], "output": ["down", "enter", "tab", "enter"]}


@pytest.fixture(params=list(SIZES))
def size(request: pytest.FixtureRequest) -> tuple[int, int]:
    return SIZES[request.param]


def text_in(app: EccoApp, region: Region) -> str:
    """What the screen shows inside `region` (a widget's region), line by line."""
    lines = screen_text(app).splitlines()
    return "\n".join(line[region.x:region.right] for line in lines[region.y:region.bottom])


def on_screen(app: EccoApp, widget: Widget) -> bool:
    """The widget is displayed and its whole region lies on the screen."""
    width, height = app.size
    region = widget.region
    return widget.display and region.area > 0 and region.right <= width and region.bottom <= height


async def open_compare(pilot: Pilot[Any], kind: str) -> CompareScreen:
    await settle(pilot)
    await press(pilot, *COMPARE_KEYS[kind])
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CompareScreen) and screen.view is not None
    return screen


# -- the outputs list ---------------------------------------------------------------------------------------


async def test_outputs_list_shows_every_outcome(app: EccoApp, size: tuple[int, int]) -> None:
    """p90002's outputs are spurious (alpha), broken (beta, twice) and not run (gamma): all four in sight."""
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await press(pilot, "down")
        outputs = app.screen.query_one("#outputs", RecordTable)
        shown = text_in(app, outputs.region)
        assert "outcome" in shown
        assert "⚠ spurious-opt" in shown and shown.count("✘ broken") == 2 and "· not run" in shown


async def test_outputs_details_line_names_the_highlighted_output_in_full(long_run_app: EccoApp) -> None:
    async with long_run_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "tab", "G")
        outputs = long_run_app.screen.query_one("#outputs", RecordTable)
        assert outputs.cursor_key is not None and outputs.cursor_key.startswith(LONG_RUN)
        detail = long_run_app.screen.query_one("#output-detail", Static)
        assert on_screen(long_run_app, detail)
        assert f"run {LONG_RUN}" in text_in(long_run_app, detail.region)
        assert outputs.tooltip is not None and LONG_RUN in str(outputs.tooltip)


async def test_long_run_name_is_cut_in_the_middle_in_the_outputs_list(long_run_app: EccoApp) -> None:
    async with long_run_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        outputs = long_run_app.screen.query_one("#outputs", RecordTable)
        shown = text_in(long_run_app, outputs.region)
        assert LONG_RUN[:7] in shown and "…" in shown and LONG_RUN[-7:] in shown  # start and end both readable


# -- the browser's filter bar -------------------------------------------------------------------------------


async def test_filter_bar_fits_the_screen(app: EccoApp, size: tuple[int, int]) -> None:
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        for selector in ("#split", "#run", "#outcome", "#search", "#sort-label", "#count-label"):
            assert on_screen(app, screen.query_one(selector)), selector
        assert screen.query_one("#search").region.width >= 20  # room to read what is typed
        assert "problems" in text_in(app, screen.query_one("#count-label").region)


# -- the compare view ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(COMPARE_KEYS))
async def test_compare_header_is_at_most_three_rows(app: EccoApp, size: tuple[int, int], kind: str) -> None:
    async with app.run_test(size=size) as pilot:
        screen = await open_compare(pilot, kind)
        header = screen.query_one("#compare-header", Static)
        assert 1 <= header.region.height <= HEADER_LINES


@pytest.mark.parametrize("kind", list(COMPARE_KEYS))
async def test_split_diff_shows_at_least_twelve_rows_of_code(app: EccoApp, size: tuple[int, int], kind: str) -> None:
    async with app.run_test(size=size) as pilot:
        screen = await open_compare(pilot, kind)
        for pane_id in ("#left-pane", "#right-pane"):
            pane = screen.query_one(pane_id, CodePane)
            assert on_screen(app, pane), pane_id
            assert pane.scrollable_content_region.height >= MIN_CODE_ROWS, pane_id


async def test_unified_diff_shows_at_least_twelve_rows_of_code(app: EccoApp, size: tuple[int, int]) -> None:
    async with app.run_test(size=size) as pilot:
        screen = await open_compare(pilot, "output")
        await press(pilot, "m")
        pane = screen.query_one("#unified-pane", CodePane)
        assert on_screen(app, pane)
        assert pane.scrollable_content_region.height >= MIN_CODE_ROWS


async def test_compare_keeps_a_test_row_in_sight(app: EccoApp, size: tuple[int, int]) -> None:
    async with app.run_test(size=size) as pilot:
        screen = await open_compare(pilot, "output")
        tests = screen.query_one("#tests", RecordTable)
        assert "public:0" in text_in(app, tests.region)


async def test_compare_header_cuts_a_long_run_name_in_the_middle(long_run_app: EccoApp) -> None:
    async with long_run_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "tab", "G", "enter")
        screen = long_run_app.screen
        assert isinstance(screen, CompareScreen) and screen.view is not None
        header = screen.query_one("#compare-header", Static)
        first, *rest = text_in(long_run_app, header.region).splitlines()
        assert LONG_RUN[:10] in first and "…" in first and "row 0 · round 0 · p90001" in first
        assert f"run {LONG_RUN}" in "\n".join(rest)  # the details line names the run in full
        assert header.tooltip is not None and LONG_RUN in str(header.tooltip)


async def test_statement_panel_opens_on_a_short_terminal(app: EccoApp) -> None:
    """At 80x24 the folded statement gives its row to the code; p still opens it."""
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compare(pilot, "pair")
        panel = screen.query_one("#statement-panel")
        assert panel.region.height == 0
        await press(pilot, "p")
        assert panel.region.height > 0 and "sum 0..n" in screen_text(app)


# -- the scatter ---------------------------------------------------------------------------------------------


async def test_scatter_plot_gets_a_usable_width(app: EccoApp, size: tuple[int, int]) -> None:
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await press(pilot, "v")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ScatterScreen)
        plot = screen.query_one("#scatter-plot")
        assert on_screen(app, plot) and plot.region.width >= 36
        assert "speedup" in text_in(app, plot.region)


# -- rounds, ECCO-FIX, help ---------------------------------------------------------------------------------


async def test_rounds_timeline_shows_the_outcome_of_each_round(app: EccoApp, size: tuple[int, int]) -> None:
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await press(pilot, "down", "enter", "tab", "enter", "h")
        table = app.screen.query_one("#rounds-table", RecordTable)
        shown = text_in(app, table.region)
        assert "outcome" in shown and "⚠ spurious-opt" in shown


async def test_open_ecco_fix_candidate_gets_the_width_for_its_editor(app: EccoApp, size: tuple[int, int]) -> None:
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await press(pilot, "F", "enter")
        editor = app.screen.query_one("#fix-editor")
        assert on_screen(app, editor) and editor.region.width >= 60 and editor.region.height >= 5


async def test_help_dialog_fits_with_its_close_hint(app: EccoApp, size: tuple[int, int]) -> None:
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await press(pilot, "question_mark")
        dialog = app.screen.query_one("#help-dialog")
        assert on_screen(app, dialog)
        assert "escape to close" in text_in(app, dialog.region)


# -- the middle elision --------------------------------------------------------------------------------------


def test_elide_middle_keeps_a_name_that_fits() -> None:
    assert elide_middle("alpha-instruct", 16) == "alpha-instruct"


def test_elide_middle_keeps_both_ends_within_the_width() -> None:
    cut = elide_middle("sample-coder-exec-refine", 20)
    assert cut == "sample-co…xec-refine" and len(cut) == 20


def test_elide_middle_at_tiny_widths() -> None:
    assert elide_middle("sample", 1) == "…" and elide_middle("sample", 0) == ""


# -- the scatter's ticks -------------------------------------------------------------------------------------


def test_fitting_ticks_keeps_every_label_that_fits() -> None:
    assert fitting_ticks([0.0, 1.0, 2.0, 3.0], ["1×", "2×", "4×", "8×"], width=30) == (
        [0.0, 1.0, 2.0, 3.0], ["1×", "2×", "4×", "8×"])


def test_fitting_ticks_thins_labels_that_would_overlap() -> None:
    """Four 2-cell labels in 8 cells: two fit (plotext would keep one of two overlapping labels at random)."""
    assert fitting_ticks([0.0, 1.0, 2.0, 3.0], ["1×", "2×", "4×", "8×"], width=8) == ([0.0, 2.0], ["1×", "4×"])
