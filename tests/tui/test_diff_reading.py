"""Reading a diff: line numbers as stored, `w` ignores whitespace-only changes, `]`/`[` mark the current
change, a focus ring that shows in every theme, and `q` quits / Escape goes back on every screen.

Diff behaviour is checked on the DiffView in a minimal app (fast); keys and screens on the workbench store.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.app import App, ComposeResult
from textual.color import Color
from textual.pilot import Pilot
from textual.screen import Screen
from textual.theme import BUILTIN_THEMES
from textual.widgets import Input, TextArea

from ecco_tui.tui.app import STYLES, EccoApp
from ecco_tui.tui.diff_model import build_diff
from ecco_tui.tui.screens.browser import BrowserScreen
from ecco_tui.tui.screens.compare import CompareScreen
from ecco_tui.tui.screens.ecco_fix import EccoFixScreen
from ecco_tui.tui.screens.help import HelpScreen
from ecco_tui.tui.screens.rounds import ManualEditScreen, RoundsScreen
from ecco_tui.tui.screens.scatter import ScatterScreen
from ecco_tui.tui.screens.spectrum import SpectrumScreen
from ecco_tui.tui.screens.test_detail import TestDetailScreen
from ecco_tui.tui.screens.trajectory import TrajectoryScreen
from ecco_tui.tui.widgets.code_pane import CodePane
from ecco_tui.tui.widgets.diff_view import DiffView
from ecco_tui.tui.widgets.record_table import RecordTable
from tests.tui.helpers import SIZE, press, screen_text, settle

# Three change blocks while whitespace counts (trailing spaces on left line 3, a run of spaces on right line 4,
# the real change from left line 7 / right lines 6-7), one when it does not. The blank lines at either end
# (left line 1, right line 8) are never a change.
LEFT = "\nimport sys\nn = int(input())   \nt = 0\nfor i in range(n + 1):\n    t += i\nprint(t)\n"
RIGHT = "import sys\nn = int(input())\nt = 0\nfor i in range(n  +  1):\n    t += i\n\nprint(n * (n + 1) // 2)\n\n"
OUTPUT = "alpha-instruct:1:0:0"  # a model output (spurious), so every compare key works on it


class DiffApp(App[None]):
    def __init__(self, left: str = LEFT, right: str = RIGHT) -> None:
        super().__init__()
        self.codes = (left, right)

    def compose(self) -> ComposeResult:
        yield DiffView(id="diff")

    def on_mount(self) -> None:
        self.query_one(DiffView).set_diff(build_diff(*self.codes), "left", "right")
        self.query_one(DiffView).focus_code()


def gutters(pane: CodePane) -> list[str]:
    return [line.gutter.strip() for line in pane.lines]


def numbered(pane: CodePane) -> list[tuple[int, str]]:
    """(line number in the gutter, text) of every line that shows a number (split panes)."""
    rows = []
    for line in pane.lines:
        number = line.gutter.split()[0] if line.gutter.split() else ""
        if number.isdigit():
            rows.append((int(number), line.text.plain))
    return rows


# -- line numbers ------------------------------------------------------------------------------------------


async def test_leading_blank_line_keeps_line_numbers() -> None:
    app = DiffApp("\nx = 1\ny = 2\n", "\nx = 1\ny = 3\n")
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(DiffView)
        assert numbered(view.left_pane) == [(1, ""), (2, "x = 1"), (3, "y = 2")]
        assert numbered(view.right_pane) == [(1, ""), (2, "x = 1"), (3, "y = 3")]
        assert "3 - y = 2" in screen_text(app) and "3 + y = 3" in screen_text(app)


async def test_line_numbers_on_each_side_are_those_of_its_program() -> None:
    app = DiffApp()
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(DiffView)
        assert numbered(view.left_pane) == list(enumerate(LEFT.splitlines(), start=1))
        assert numbered(view.right_pane) == list(enumerate(RIGHT.splitlines(), start=1))


async def test_trailing_blank_lines_show_with_their_numbers() -> None:
    app = DiffApp("x = 1\n", "x = 1\n\n\n")
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(DiffView)
        assert numbered(view.right_pane) == [(1, "x = 1"), (2, ""), (3, "")]
        assert gutters(view.left_pane) == ["1", "", ""]


async def test_unified_gutters_show_both_stored_line_numbers() -> None:
    app = DiffApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        view = app.query_one(DiffView)
        view.toggle_mode()
        await pilot.pause()
        rows = [line.gutter.split() for line in view.unified_pane.lines if line.tag != "hunk"]
        assert rows[0] == ["1"]  # the left program's blank line 1, unmarked
        assert rows[1] == ["2", "1"]  # "import sys"
        assert ["3", "-"] in rows and ["2", "+"] in rows  # the trailing spaces: left line 3, right line 2
        assert ["4", "3"] in rows  # "t = 0" is line 4 on the left, line 3 on the right
        assert ["7", "-"] in rows and ["6", "+"] in rows and ["7", "+"] in rows  # print(t) out, the formula in


# -- `w`: whitespace-only changes ------------------------------------------------------------------------


async def test_w_hides_whitespace_only_changes() -> None:
    app = DiffApp()
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(DiffView)
        assert view.diff is not None and len(view.diff.split_blocks) == 3
        await pilot.press("w")
        assert view.ignore_whitespace
        assert view.diff is not None and len(view.diff.split_blocks) == 1
        changed = [ln.text.plain for ln in view.left_pane.lines if ln.tag == "delete"]
        assert changed == ["print(t)"]


async def test_w_keeps_the_real_line_numbers() -> None:
    app = DiffApp()
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        await pilot.press("w")
        view = app.query_one(DiffView)
        assert numbered(view.left_pane) == list(enumerate(LEFT.splitlines(), start=1))
        assert numbered(view.right_pane) == list(enumerate(RIGHT.splitlines(), start=1))


async def test_w_shows_the_mode_on_the_diff_border() -> None:
    app = DiffApp()
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        assert "whitespace ignored" not in screen_text(app)
        await pilot.press("w")
        assert "whitespace ignored" in screen_text(app)


async def test_w_again_shows_whitespace_changes() -> None:
    app = DiffApp()
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        await pilot.press("w", "w")
        view = app.query_one(DiffView)
        assert not view.ignore_whitespace and view.diff is not None and len(view.diff.split_blocks) == 3
        assert "whitespace ignored" not in screen_text(app)


async def test_whitespace_mode_stays_on_for_the_next_diff() -> None:
    app = DiffApp()
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(DiffView)
        view.toggle_whitespace()
        view.set_diff(build_diff("a = 1  \n", "a = 1\n"), "l", "r")
        assert view.diff is not None and view.diff.identical


# -- `]` / `[`: the current change -------------------------------------------------------------------------


async def test_before_any_jump_the_border_counts_the_changes() -> None:
    app = DiffApp()
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        assert app.query_one(DiffView).position == "3 changes"
        assert "3 changes" in screen_text(app)


async def test_next_change_shows_position() -> None:
    app = DiffApp()
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(DiffView)
        assert view.jump_to_change(1) and view.jump_to_change(1)
        await pilot.pause()
        assert view.position == "change 2/3"
        assert "change 2/3" in screen_text(app)


async def test_next_change_marks_the_current_change_rows() -> None:
    app = DiffApp()
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(DiffView)
        assert view.diff is not None
        view.jump_to_change(1)
        view.jump_to_change(1)
        assert view.left_pane.current == view.right_pane.current == view.diff.split_blocks[1]


async def test_current_change_has_its_own_background() -> None:
    app = DiffApp("a\nb\nc\nd\n", "a\nB\nc\nD\n")  # two one-line changes: rows 1 and 3
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(DiffView)
        view.jump_to_change(1)
        await pilot.pause()

        def background(row: int) -> object:
            segments = list(view.left_pane.render_line(row))
            return segments[-1].style.bgcolor if segments[-1].style else None

        assert background(1) != background(3)  # current delete vs another delete
        assert background(3) != background(0)  # another delete vs an unchanged line


async def test_previous_change_moves_the_mark_back() -> None:
    app = DiffApp()
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(DiffView)
        view.jump_to_change(1)
        view.jump_to_change(1)
        assert view.jump_to_change(-1)
        assert view.position == "change 1/3"


async def test_next_change_stops_at_the_last_change() -> None:
    app = DiffApp()
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(DiffView)
        assert all(view.jump_to_change(1) for _ in range(3))
        assert not view.jump_to_change(1)
        assert view.position == "change 3/3"


async def test_previous_change_before_any_jump_goes_to_the_last_change() -> None:
    app = DiffApp()
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(DiffView)
        assert view.jump_to_change(-1)
        assert view.position == "change 3/3"
        view.jump_to_change(-1)
        view.jump_to_change(-1)
        assert not view.jump_to_change(-1)  # stops at the first change too
        assert view.position == "change 1/3"


async def test_current_change_stays_current_in_unified_mode() -> None:
    app = DiffApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        view = app.query_one(DiffView)
        assert view.diff is not None
        view.jump_to_change(1)
        view.jump_to_change(1)
        view.toggle_mode()
        await pilot.pause()
        assert view.unified_pane.current == view.diff.unified_blocks[1]
        assert view.left_pane.current is None
        assert view.position == "change 2/3"


# -- the compare screen's keys -------------------------------------------------------------------------------


async def open_compare(pilot: Pilot[object], kind: str = "output", key: str = OUTPUT) -> CompareScreen:
    await settle(pilot)
    screen = CompareScreen(kind, key)
    await pilot.app.push_screen(screen)
    await settle(pilot)
    assert screen.view is not None
    return screen


async def test_w_on_the_compare_screen_toggles_whitespace_anywhere_on_it(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_compare(pilot)
        await press(pilot, "T")  # focus on the test table, not the diff
        await press(pilot, "w")
        assert app.screen.query_one("#diff", DiffView).ignore_whitespace
        assert "whitespace ignored" in screen_text(app)


async def test_w_shows_in_the_compare_footer_and_help(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_compare(pilot)
        assert "Whitespace" in screen_text(app)
        await press(pilot, "question_mark")
        assert "Whitespace" in screen_text(app)


async def test_next_change_key_shows_change_position_on_compare(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_compare(pilot, "pair", "test:0")
        await press(pilot, "right_square_bracket")
        assert "change 1/1" in screen_text(app)


# -- focus ring ------------------------------------------------------------------------------------------------


def contrast(a: Color, b: Color) -> float:
    """WCAG contrast ratio of two opaque colours."""

    def luminance(c: Color) -> float:
        def channel(v: int) -> float:
            s = v / 255
            return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


THEMES = [name for name in BUILTIN_THEMES if not name.startswith("ansi")]  # ansi: the terminal's own colours


class FocusApp(App[None]):
    """A code pane and a table under the app's own stylesheet (switching themes is slow on a full screen)."""

    CSS_PATH = STYLES / "app.tcss"

    def compose(self) -> ComposeResult:
        yield DiffView(id="diff")
        yield RecordTable(["a"], id="table")

    def on_mount(self) -> None:
        self.query_one(DiffView).set_diff(build_diff(LEFT, RIGHT), "left", "right")


async def test_focus_ring_stands_out_in_every_theme() -> None:
    app = FocusApp()
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.query_one(DiffView)
        table = app.query_one(RecordTable)
        weak = []
        for theme in THEMES:
            app.theme = theme
            for focused, other in ((view.left_pane, table), (table, view.left_pane)):
                focused.focus()
                await pilot.pause()
                kind, color = focused.styles.border_top
                ratio = min(contrast(color, app.screen.styles.background), contrast(color, focused.styles.background))
                if kind != "heavy" or other.styles.border_top[0] == "heavy" or ratio < 3.0:
                    weak.append((theme, type(focused).__name__, kind, round(ratio, 2)))
        assert not weak


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light", "solarized-light"])
async def test_focused_test_table_gets_the_focus_ring(app: EccoApp, theme: str) -> None:
    app.theme = theme
    async with app.run_test(size=SIZE) as pilot:
        await open_compare(pilot)
        tests = app.screen.query_one("#tests", RecordTable)
        assert tests.styles.border_top[0] != "heavy"
        await press(pilot, "T")
        assert tests.styles.border_top[0] == "heavy"
        assert app.screen.query_one("#left-pane", CodePane).styles.border_top[0] != "heavy"


# -- q quits, Escape goes back -----------------------------------------------------------------------------


Opener = Callable[[Pilot[object]], Awaitable[None]]


async def _compare(pilot: Pilot[object]) -> None:
    await open_compare(pilot)


async def _keys_from_compare(pilot: Pilot[object], *keys: str) -> None:
    await open_compare(pilot)
    await press(pilot, *keys)


async def _from_browser(pilot: Pilot[object], *keys: str) -> None:
    await settle(pilot)
    await press(pilot, *keys)


SCREENS: dict[str, tuple[type[Screen[object]], Opener]] = {
    "compare": (CompareScreen, _compare),
    "test-detail": (TestDetailScreen, lambda p: _keys_from_compare(p, "T", "enter")),
    "spectrum": (SpectrumScreen, lambda p: _keys_from_compare(p, "s")),
    "rounds": (RoundsScreen, lambda p: _keys_from_compare(p, "h")),
    "help": (HelpScreen, lambda p: _keys_from_compare(p, "question_mark")),
    "trajectory": (TrajectoryScreen, lambda p: _from_browser(p, "t")),
    "scatter": (ScatterScreen, lambda p: _from_browser(p, "v")),
    "ecco-fix": (EccoFixScreen, lambda p: _from_browser(p, "F")),
}


async def test_q_quits_from_the_browser(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("q")
        assert app.return_code == 0


@pytest.mark.parametrize("name", list(SCREENS))
async def test_q_quits_from_every_screen(app: EccoApp, name: str) -> None:
    kind, opener = SCREENS[name]
    async with app.run_test(size=SIZE) as pilot:
        await opener(pilot)
        assert isinstance(app.screen, kind)
        await pilot.press("q")
        assert app.return_code == 0


@pytest.mark.parametrize("name", list(SCREENS))
async def test_escape_goes_back_from_every_screen(app: EccoApp, name: str) -> None:
    kind, opener = SCREENS[name]
    async with app.run_test(size=SIZE) as pilot:
        await opener(pilot)
        assert isinstance(app.screen, kind)
        below = app.screen_stack[-2]
        await press(pilot, "escape")
        assert app.screen is below
        assert app.return_code is None


async def test_ctrl_q_quits_from_a_modal(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await _keys_from_compare(pilot, "question_mark")
        await pilot.press("ctrl+q")
        assert app.return_code == 0


async def test_q_types_a_q_in_the_search_box(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "slash", "q")
        assert app.query_one("#search", Input).value == "q"
        assert app.return_code is None and isinstance(app.screen, BrowserScreen)


async def test_q_types_a_q_in_the_editor_and_ctrl_q_quits(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await _keys_from_compare(pilot, "e")
        assert isinstance(app.screen, ManualEditScreen)
        editor = app.screen.query_one(TextArea)
        editor.focus()
        before = editor.text
        await press(pilot, "q")
        assert editor.text != before and "q" in editor.text
        assert app.return_code is None
        await pilot.press("ctrl+q")
        assert app.return_code == 0


async def test_escape_leaves_the_editor_then_goes_back(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await _keys_from_compare(pilot, "e")
        editor = app.screen.query_one(TextArea)
        editor.focus()
        await press(pilot, "escape")
        assert isinstance(app.screen, ManualEditScreen) and not editor.has_focus
        await press(pilot, "escape")
        assert isinstance(app.screen, CompareScreen)
