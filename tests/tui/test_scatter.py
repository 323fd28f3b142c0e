"""The scatter of a run: each output placed and listed with its outcome, the cursor marks the point, enter opens
the pair; generation runs explain why there is nothing to plot; the palette opens it by run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ecco_tui.services.scatter import ScatterData, ScatterPoint, ScatterRun
from ecco_tui.services.workbench import Workbench
from ecco_tui.store.store import Store
from ecco_tui.tui.app import EccoApp
from ecco_tui.tui.screens.compare import CompareScreen
from ecco_tui.tui.screens.scatter import (
    Axis,
    ScatterPlot,
    ScatterScreen,
    badges,
    point_rows,
    whisker,
)
from ecco_tui.tui.widgets.record_table import RecordTable
from tests.tui.helpers import NO_DELAYS, SIZE, press, screen_text, settle, wait_for_text

SPURIOUS, CORRECT = "alpha-instruct:1:0:0", "alpha-instruct:0:0:0"


async def _open(app: EccoApp, pilot, run_id: str) -> ScatterScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await app.push_screen(ScatterScreen(run_id))
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, ScatterScreen)
    return screen


async def test_edit_run_lists_every_output_with_its_outcome_fastest_first(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, "alpha-instruct")
        table = screen.query_one("#points", RecordTable)
        assert table.keys == [SPURIOUS, CORRECT]  # 8× (fails every test) before 6× (passes every test)
        text = screen_text(app)
        assert "⚠ spurious-opt" in text and "✔ correct-opt" in text
        assert "8.00×" in text and "0/2" in text and "3/3" in text
        assert "speedup (log scale)" in text  # the plot is drawn
        assert screen.query_one("#scatter-plot", ScatterPlot).highlighted == SPURIOUS
        # The highlighted point's interval, below the plot (seeded bootstrap: 7.56-8.52 with the former
        # random.gauss draws, 7.56-8.50 with numpy's; the ends move within Monte-Carlo error).
        assert "[7.56–8.50]" in text
        await press(pilot, "r")  # recomputed from the store: the same points, the cursor kept
        assert table.keys == [SPURIOUS, CORRECT] and not screen.query_one("#scatter-body").loading


async def test_cursor_marks_the_point_and_enter_opens_the_spurious_output(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, "alpha-instruct")
        plot = screen.query_one("#scatter-plot", ScatterPlot)
        await press(pilot, "down")
        assert plot.highlighted == CORRECT
        assert "row 0 · sample 0 · p90001 · 3/3 tests passed" in screen_text(app)
        await press(pilot, "up", "enter")
        assert isinstance(app.screen, CompareScreen)
        assert (app.screen.kind, app.screen.key) == ("output", SPURIOUS)
        assert app.screen.view is not None and app.screen.view.metrics.outcome == "spurious-optimization"
        await press(pilot, "escape", "l")  # back on the scatter; l switches the axis to linear
        assert app.screen is screen and not plot.log_scale
        assert "speedup (log scale)" not in screen_text(app)


@pytest.fixture(scope="module")
def sample_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ecco_tui.services.imports import build_sample_store

    path = tmp_path_factory.mktemp("scatter-sample") / "sample.duckdb"
    with Store.open(path) as store:
        build_sample_store(store)
    return path


@pytest.fixture
def sample_app(sample_file: Path) -> Iterator[EccoApp]:
    store = Store.open(sample_file)
    yield EccoApp(Workbench(store), delays=NO_DELAYS)
    store.close()


async def test_generation_run_shows_a_notice_instead_of_a_plot(sample_app: EccoApp) -> None:
    async with sample_app.run_test(size=SIZE) as pilot:
        run = next(r for r in sample_app.workbench.runs() if r.task == "generate")
        screen = await _open(sample_app, pilot, run.run_id)
        assert "NL-generation run: its programs have no slow input" in screen_text(sample_app)
        assert not screen.query_one("#scatter-body").display
        await press(pilot, "o")  # nothing to open: a warning, no crash
        assert sample_app.screen is screen
        await _open(sample_app, pilot, "no-such-run")
        assert "No run named 'no-such-run'" in screen_text(sample_app)


async def test_palette_entry_opens_the_scatter_of_the_chosen_run(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"scatter of")
        await _wait_for_only_hit(pilot, "Scatter of run…")
        await press(pilot, "enter")
        await wait_for_text(pilot, "Scatter of which run?")
        await pilot.press(*"beta")
        await wait_for_text(pilot, "beta · self-refine · edit")
        await press(pilot, "enter")
        await settle(pilot)
        assert isinstance(app.screen, ScatterScreen) and app.screen.run_id == "beta-self-refine"
        text = screen_text(app)  # the refine run: a loop kept (no gain) and a wrong, slower program (broken)
        assert "= no gain" in text and "✘ broken" in text and "0.80×" in text and "0.89×" in text


async def _wait_for_only_hit(pilot, title: str) -> None:  # type: ignore[no-untyped-def]
    """Until the palette lists `title` alone: results of a shorter query ("s": Screenshot…) arrive first."""
    from textual.command import CommandList

    for _ in range(250):
        options = pilot.app.screen.query(CommandList)
        if options and options.first().option_count == 1 and title in screen_text(pilot.app):
            return
        await pilot.pause(0.02)
    raise AssertionError(f"{title!r} is not the only hit:\n{screen_text(pilot.app)}")


# -- pure helpers -----------------------------------------------------------------------------------------------


def _point(outcome: str, speedup: float | None, **kw: object) -> ScatterPoint:
    base: dict[str, object] = dict(output_id=f"r:{outcome}", problem_id="p1", row=0, sample=0, outcome=outcome,
                                   speedup=speedup, lo=None, hi=None, memory_reduction=None, memory_lo=None,
                                   memory_hi=None, n_passed=3, n_tests=3, below_resolution=False)
    base.update(kw)
    return ScatterPoint(**base)  # type: ignore[arg-type]


def test_whisker_marks_the_interval_the_point_and_one() -> None:
    assert whisker(4.0, 2.0, 8.0, span=(0.5, 8.0), width=9) == "··│·├─●─┤"
    assert whisker(1.0, 0.9, 1.1, span=(0.5, 2.0), width=9) == "···├●┤···"  # the point covers the 1× mark
    assert whisker(None, None, None, span=(0.5, 2.0)) == ""
    assert whisker(100.0, None, None, span=(0.5, 2.0), width=5) == "··│·●"  # clamped to the span's end


def test_rows_carry_within_noise_and_below_resolution_badges() -> None:
    noisy = _point("within-noise", 1.01, lo=0.97, hi=1.05, below_resolution=True)
    same = _point("within-noise", 1.0, output_id="r:same", lo=0.98, hi=1.02, identical_to_input=True)
    unrun = _point("not-run", None, output_id="r:none", n_passed=0, n_tests=0)
    data = ScatterData(ScatterRun("r", "edit", "m", "instruct", "test", 3), (unrun, same, noisy))
    rows, keys = point_rows(data, {})
    assert keys == ["r:within-noise", "r:same", "r:none"]  # by speedup, none last
    assert "≈ within noise" in rows[0][1] and "below-res" in rows[0][6]
    assert "identical" in rows[1][6] and rows[2][5] == "—"
    assert badges(noisy) == "below-res"


def test_log_axis_ticks_are_powers_of_two_or_round_values_on_a_narrow_range() -> None:
    assert Axis(0.3, 11).ticks()[1] == ["0.5×", "1×", "2×", "4×", "8×"]
    positions, labels = Axis(0.6, 1.4).ticks()
    assert labels == ["0.6×", "0.8×", "1×", "1.2×"] and positions[2] == 0.0  # log2(1)
