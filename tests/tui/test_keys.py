"""Keyboard-first: help, command palette, theme toggle, every binding declared with an id."""

from __future__ import annotations

from textual.binding import Binding

from ecco_tui.tui.app import EccoApp
from ecco_tui.tui.screens.browser import BrowserScreen
from ecco_tui.tui.screens.compare import CompareScreen
from ecco_tui.tui.screens.help import HelpScreen
from ecco_tui.tui.screens.spectrum import SpectrumScreen
from ecco_tui.tui.screens.test_detail import TestDetailScreen
from ecco_tui.tui.screens.trajectory import TrajectoryScreen
from tests.tui.helpers import SIZE, press, screen_text, settle


def test_every_binding_has_an_id_and_a_description() -> None:
    for owner in (EccoApp, BrowserScreen, CompareScreen, SpectrumScreen, TrajectoryScreen, TestDetailScreen,
                  HelpScreen):
        for binding in owner.BINDINGS:
            assert isinstance(binding, Binding)
            assert binding.id and binding.description, f"{owner.__name__}: {binding.key}"


async def test_question_mark_lists_the_keys_of_the_current_screen(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.push_screen(CompareScreen("pair", "test:0"))
        await settle(pilot)
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        assert "Split/unified" in text and "Failing only" in text and "Copy code" in text
        await press(pilot, "escape")
        assert isinstance(app.screen, CompareScreen)


async def test_f1_opens_help_too(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "f1")
        assert isinstance(app.screen, HelpScreen)
        assert "Trajectories" in screen_text(app)


async def test_palette_runs_a_screen_action_by_name(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "ctrl+p", *"sort")
        assert "Cycle the order" in screen_text(app)
        await press(pilot, "enter")
        assert isinstance(app.screen, BrowserScreen)
        assert app.screen.query_state.sort == "pairs"


async def test_palette_finds_a_problem_by_name_and_shows_it(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "ctrl+p", *"maximum")
        await pilot.pause(0.2)
        await settle(pilot)
        assert "Open problem" in screen_text(app)
        await press(pilot, "enter")
        assert isinstance(app.screen, BrowserScreen)
        assert app.screen.problems.cursor_key == "p90002"


async def test_theme_key_switches_dark_and_light(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.current_theme.dark
        await press(pilot, "ctrl+t")
        assert not app.current_theme.dark
        await press(pilot, "ctrl+t")
        assert app.current_theme.dark
