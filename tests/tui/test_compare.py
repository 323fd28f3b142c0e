"""Compare view driven by keys: open from the browser, the diff, the header's numbers, per-test rows."""

from __future__ import annotations

import re

import pytest
from textual.pilot import Pilot
from textual.widgets import Collapsible

from ecco_tui.services.catalog import CompareView
from ecco_tui.tui.app import EccoApp
from ecco_tui.tui.screens.browser import BrowserScreen
from ecco_tui.tui.screens.compare import CompareScreen
from ecco_tui.tui.screens.test_detail import TestDetailScreen
from ecco_tui.tui.widgets.diff_view import DiffView
from ecco_tui.tui.widgets.record_table import RecordTable
from tests.factories import FAST_SUM
from tests.tui.helpers import SIZE, press, screen_text, settle

OUTCOME_BADGES = {
    "correct-optimization": "✔ correct-opt",
    "correct-no-gain": "= no gain",
    "not-run": "· not run",
    "spurious-optimization": "⚠ spurious-opt",
    "broken": "✘ broken",
}


def diff(app: EccoApp) -> DiffView:
    return app.screen.query_one("#diff", DiffView)


async def open_view(pilot: Pilot[object], kind: str = "pair", key: str = "test:0") -> None:
    """Open a compare view directly (the key paths to it have their own tests above)."""
    await settle(pilot)
    await pilot.app.push_screen(CompareScreen(kind, key))
    await settle(pilot)


async def test_problem_to_pair_to_test_row_and_back(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "enter")
        assert isinstance(app.screen, CompareScreen)
        await press(pilot, "tab", "down", "enter")
        assert isinstance(app.screen, TestDetailScreen)
        assert app.screen.row.label == "private:0"
        await press(pilot, "escape")
        assert isinstance(app.screen, CompareScreen)
        await press(pilot, "escape")
        assert isinstance(app.screen, BrowserScreen)
        assert app.screen.query_one("#pairs", RecordTable).table_has_focus


async def test_an_output_of_every_outcome_is_reachable_by_keys(app: EccoApp) -> None:
    """From the browser: problem row → enter → tab to the outputs → row → enter, for each outcome."""
    seen: dict[str, str] = {}
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for problem_moves, rows in (([], [0, 1, 3]), (["down"], [0, 1])):
            await press(pilot, *problem_moves, "enter", "tab")
            for row in rows:
                await press(pilot, "home", *(["down"] * row), "enter")
                assert isinstance(app.screen, CompareScreen) and app.screen.view is not None
                outcome = app.screen.view.metrics.outcome
                seen[outcome] = screen_text(app)
                await press(pilot, "escape")
            await press(pilot, "escape")
    assert set(seen) == set(OUTCOME_BADGES)
    for outcome, text in seen.items():
        assert OUTCOME_BADGES[outcome] in text


async def test_pair_shows_slow_and_fast_side_by_side(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot)
        view = diff(app)
        assert [line.text.plain for line in view.left_pane.lines if line.tag != "filler"][:2] == \
            ["n = int(input())", "t = 0"]
        # Every line as stored, the extracted code's leading blank line included (so the numbers are right).
        assert [line.text.plain for line in view.right_pane.lines if line.tag != "filler"] == \
            ["", *FAST_SUM.strip().splitlines()]
        text = screen_text(app)
        assert "slow (input)" in text and "fast (target)" in text


async def test_changed_lines_are_marked_on_both_sides(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot)
        view = diff(app)
        # Row 0: the fast program's leading blank line (never a change), facing a filler.
        assert [line.tag for line in view.left_pane.lines] == \
            ["filler", "equal", "delete", "delete", "delete", "delete"]
        assert [line.tag for line in view.right_pane.lines] == \
            ["equal", "equal", "insert", "filler", "filler", "filler"]
        assert "2 - t = 0" in screen_text(app)


async def test_mode_key_switches_between_split_and_unified(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot)
        await press(pilot, "m")
        assert diff(app).mode == "unified"
        assert diff(app).unified_pane.display and not diff(app).query_one("#split-panes").display
        assert app.focused is diff(app).unified_pane
        assert "@@ -1,5 +1,3 @@" in screen_text(app)
        await press(pilot, "m")
        assert diff(app).mode == "split"


async def test_header_shows_speedup_memory_and_pass_counts(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot)
        text = screen_text(app)
        interval = re.search(r"speedup 6\.00× \[(\d+\.\d+)–(\d+\.\d+)\]", text)
        assert interval is not None, text
        assert 5.0 < float(interval.group(1)) < 6.0 < float(interval.group(2)) < 7.0
        assert "memory 1.02×" in text
        assert "R passes 3/3 private · 1/1 public" in text and "L passes 3/3 private" in text


async def test_output_without_executions_says_not_run(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "output", "gamma-instruct:0:0:0")
        text = screen_text(app)
        assert "· not run" in text
        assert "no stored executions" in text


async def test_failing_tests_are_marked_and_can_be_shown_alone(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "output", "alpha-instruct:1:0:0")  # spurious: fails two tests
        tests = app.screen.query_one("#tests", RecordTable)
        assert tests.keys == ["public:0", "private:0", "private:1"]
        assert "✘  private:0" in screen_text(app)
        await press(pilot, "x")
        assert tests.keys == ["private:0", "private:1"]


async def test_test_detail_shows_input_expected_and_both_outputs(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "output", "alpha-instruct:1:0:0")
        await press(pilot, "tab", "down", "enter")
        assert isinstance(app.screen, TestDetailScreen)
        text = screen_text(app)
        assert "Test private:0 · p90002" in text
        assert "1 5 2" in text  # the input
        assert "Wrong Answer" in text and "Accepted" in text
        assert "warning: demo stderr line" in text


async def test_copy_key_puts_the_right_program_on_the_clipboard(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot)
        await press(pilot, "y")
        assert app.clipboard.strip() == FAST_SUM.strip()


async def test_statement_panel_opens_and_closes(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot)
        panel = app.screen.query_one("#statement-panel", Collapsible)
        assert panel.collapsed
        await press(pilot, "p")
        assert not panel.collapsed
        assert "sum 0..n" in screen_text(app)


async def test_next_change_key_is_harmless_at_the_last_change(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot)
        await press(pilot, "]", "]", "[")
        assert isinstance(app.screen, CompareScreen)


async def test_statement_panel_shows_latex_math_as_plain_text(app: EccoApp, monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    stored = app.workbench.pair_view

    def with_latex(key: str) -> CompareView | None:
        view = stored(key)
        assert view is not None and view.problem is not None
        problem = dataclasses.replace(view.problem, description=r"Constraints: $1 \leq N \leq 2 \times 10^5$")
        return dataclasses.replace(view, problem=problem)

    monkeypatch.setattr(app.workbench, "pair_view", with_latex)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot)
        await press(pilot, "p")
        text = screen_text(app)
        assert "Constraints: 1 <= N <= 2 x 10^5" in text
        assert "\\leq" not in text
