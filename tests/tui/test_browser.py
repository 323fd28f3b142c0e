"""Problem browser driven by keys: listing, filters, sort, the selected problem's pairs and outputs."""

from __future__ import annotations

from textual.widgets import Input, Static

from ecco_tui.services.catalog import Catalog
from ecco_tui.tui.app import EccoApp
from ecco_tui.tui.screens.browser import BrowserScreen
from ecco_tui.tui.screens.compare import CompareScreen
from ecco_tui.tui.widgets.record_table import RecordTable
from tests.tui.helpers import SIZE, press, screen_text, settle


def table(app: EccoApp, table_id: str) -> RecordTable:
    return app.screen.query_one(f"#{table_id}", RecordTable)


async def test_first_screen_lists_every_problem(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, BrowserScreen)
        assert table(app, "problems").keys == ["p90001", "p90002", "p90003"]
        assert "3 problems" in str(app.screen.query_one("#count-label", Static).render())


async def test_problem_table_has_focus_at_start(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert table(app, "problems").table_has_focus


async def test_search_narrows_the_problem_list(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "slash", *"max")
        assert table(app, "problems").keys == ["p90002"]


async def test_search_is_fuzzy_on_the_id(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "slash", *"p92")
        assert table(app, "problems").keys == ["p90002"]


async def test_enter_in_search_returns_to_the_table(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "slash", *"tri", "enter")
        assert table(app, "problems").keys == ["p90001"]
        assert table(app, "problems").table_has_focus


async def test_search_without_match_says_so(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "slash", *"zzz")
        assert table(app, "problems").keys == []
        assert "No problems match" in screen_text(app)


async def test_split_key_cycles_the_split_filter(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "f")
        assert table(app, "problems").keys == ["p90001", "p90002"]
        await press(pilot, "f")
        assert table(app, "problems").keys == ["p90003"]
        await press(pilot, "f")
        assert len(table(app, "problems").keys) == 3


async def test_sort_key_orders_by_pairs_then_outputs(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        assert "pairs ↓" in str(app.screen.query_one("#sort-label", Static).render())
        await press(pilot, "o")
        assert "outputs ↓" in str(app.screen.query_one("#sort-label", Static).render())
        assert table(app, "problems").keys[-1] == "p90003"  # the only problem without outputs


async def test_selected_problem_shows_its_pairs_and_outputs(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "down")
        assert table(app, "pairs").keys == ["test:1"]
        assert table(app, "outputs").keys == [
            "alpha-instruct:1:0:0", "beta-self-refine:1:0:0", "beta-self-refine:1:0:1", "gamma-instruct:1:0:0"
        ]


async def test_outputs_list_shows_run_model_method_and_outcome(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "down")
        text = screen_text(app)
        assert "alpha-instruct" in text and "self-refine" in text
        assert "⚠ spurious-opt" in text and "✘ broken" in text and "· not run" in text


async def test_enter_on_a_problem_moves_to_its_pairs(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        assert table(app, "pairs").table_has_focus


async def test_escape_from_the_lists_returns_to_the_problems(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "tab")
        assert table(app, "outputs").table_has_focus
        await press(pilot, "escape")
        assert table(app, "problems").table_has_focus


async def test_problem_card_shows_name_tests_and_spectrum(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "Triangle Sum" in text
        assert "1 public · 3 private" in text
        assert "3 human solutions" in text


async def test_typing_in_search_does_not_trigger_letter_keys(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "slash", *"sort")
        assert isinstance(app.screen, BrowserScreen)
        assert app.screen.query_one("#search", Input).value == "sort"
        assert app.screen.query_state.sort == "id"


async def test_mouse_click_selects_and_double_click_opens(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        problems = table(app, "problems").table
        assert problems is not None
        await pilot.click(problems, offset=(3, 2))  # second data row (the header is row 0)
        await settle(pilot)
        assert table(app, "problems").cursor_key == "p90002"
        pairs = table(app, "pairs").table
        assert pairs is not None
        await pilot.click(pairs, offset=(3, 1), times=2)
        await settle(pilot)
        assert isinstance(app.screen, CompareScreen) and app.screen.key == "test:1"


async def test_run_filter_lists_only_problems_that_run_has_outputs_for(app: EccoApp) -> None:
    from textual.widgets import Select

    store = app.workbench.store
    runs = [r for r in store.runs() if r.n_outputs]
    run = min(runs, key=lambda r: len({o.problem_id for o in store.outputs(run_id=r.run_id)}))
    expected = sorted({o.problem_id for o in store.outputs(run_id=run.run_id)})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#run", Select).value = run.run_id
        await settle(pilot)
        assert table(app, "problems").keys == expected
        app.screen.query_one("#run", Select).value = "__all_runs__"
        await settle(pilot)
        assert table(app, "problems").keys == ["p90001", "p90002", "p90003"]


def test_problem_card_shows_latex_math_as_plain_text(catalog: Catalog) -> None:
    import dataclasses

    from ecco_tui.tui.screens.browser import problem_card

    detail = catalog.problem_detail(catalog.problem_page().rows[0].problem_id)
    assert detail is not None
    problem = dataclasses.replace(detail.problem, description=r"$A_1, \ldots, A_N$ with $A_i \neq 0$")
    text = problem_card(dataclasses.replace(detail, problem=problem)).plain
    assert "A_1, ..., A_N with A_i != 0" in text
