"""Spectrum and trajectory screens: reachable from the browser and the compare view, drawn from the data."""

from __future__ import annotations

from ecco_tui.tui.app import EccoApp
from ecco_tui.tui.screens.compare import CompareScreen
from ecco_tui.tui.screens.spectrum import SpectrumScreen
from ecco_tui.tui.screens.trajectory import TrajectoryScreen
from ecco_tui.tui.widgets.plots import tallest_bin
from ecco_tui.tui.widgets.record_table import RecordTable
from tests.tui.helpers import SIZE, press, screen_text, settle, wait_for_text


async def test_spectrum_key_in_browser_shows_human_histograms(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "s")
        assert isinstance(app.screen, SpectrumScreen)
        text = screen_text(app)
        assert "CPU time of 3 human solutions" in text and "Memory of 3 human solutions" in text
        assert "open the spectrum from a compare view" in text  # nothing to mark from the browser


async def test_spectrum_from_compare_marks_the_program_and_its_percentile(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.push_screen(CompareScreen("pair", "test:0"))
        await settle(pilot)
        await press(pilot, "s")
        assert isinstance(app.screen, SpectrumScreen)
        text = screen_text(app)
        assert "fast (target): 24.0 ms per test" in text  # mean over the private tests
        # Ranked among the problem's humans measured on the same engine (local): the slow program is slower,
        # the fast one itself is not; ECCO's published Judge0 spectrum (1 of 3 slower) is never mixed in.
        assert "humans: 2 human solutions on local" in text
        assert "faster than 50% of humans" in text
        assert "◀ 50%" in text


async def test_spectrum_key_warns_when_the_problem_has_none(app: EccoApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await press(pilot, "down", "s")
        assert not isinstance(app.screen, SpectrumScreen)
        await wait_for_text(pilot, "p90002 has no human spectrum")


async def test_trajectory_lists_submissions_and_opens_the_step_diff(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "t")
        assert isinstance(app.screen, TrajectoryScreen)
        steps = app.screen.query_one("#steps", RecordTable)
        assert steps.keys == ["u1:p90001#0", "u1:p90001#1", "u1:p90001#2"]
        assert "+1100%" in screen_text(app)  # step 1 is 12x slower than the wrong first attempt
        await press(pilot, "end", "enter")
        assert isinstance(app.screen, CompareScreen)
        assert app.screen.view is not None and app.screen.view.left_label == "step 1"


def test_marker_height_matches_the_tallest_bar() -> None:
    assert tallest_bin([1.0, 1.1, 1.2, 5.0], 4) == 3
    assert tallest_bin([2.0, 2.0], 5) == 2
    assert tallest_bin([], 5) == 0
