"""Browser outcome filters and verdict orders, driven by keys: every outcome is reachable from the browser.

The workbench store (tests/tui/workbench.py) has, per problem, alpha's correct (p90001) and spurious (p90002)
outputs, beta's no-gain (p90001) and broken (p90002) rounds, and gamma's never-run outputs.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from textual.widgets import Select, Static

from ecco_tui.model import Annotation
from ecco_tui.services.workbench import Workbench
from ecco_tui.store.store import Store
from ecco_tui.tui.app import EccoApp
from ecco_tui.tui.screens.compare import CompareScreen
from ecco_tui.tui.widgets.record_table import RecordTable
from tests.tui.helpers import NO_DELAYS, SIZE, press, screen_text, settle
from tests.tui.workbench import build_workbench_store


def table(app: EccoApp, table_id: str) -> RecordTable:
    return app.screen.query_one(f"#{table_id}", RecordTable)


async def choose_outcome(app: EccoApp, pilot: object, value: str) -> None:
    app.screen.query_one("#outcome", Select).value = value
    await settle(pilot)  # type: ignore[arg-type]


async def test_outcome_key_cycles_to_correct_optimizations(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "c")
        assert app.screen.query_one("#outcome", Select).value == "correct"
        assert table(app, "problems").keys == ["p90001"]
        assert table(app, "outputs").keys == ["alpha-instruct:0:0:0"]


@pytest.mark.parametrize(("outcome", "problem", "output", "badge"), [
    ("correct", "p90001", "alpha-instruct:0:0:0", "✔ correct-opt"),
    ("spurious", "p90002", "alpha-instruct:1:0:0", "⚠ spurious-opt"),
    ("no-gain", "p90001", "beta-self-refine:0:0:0", "= no gain"),
    ("broken", "p90002", "beta-self-refine:1:0:0", "✘ broken"),
])
async def test_each_outcome_is_reachable_from_its_filter(
    app: EccoApp, outcome: str, problem: str, output: str, badge: str
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await choose_outcome(app, pilot, outcome)
        assert table(app, "problems").keys == [problem]
        assert table(app, "outputs").keys[0] == output
        await press(pilot, "enter", "tab", "enter")  # problem → lists → the first matching output
        assert isinstance(app.screen, CompareScreen)
        assert badge in screen_text(app)


async def test_clearing_the_outcome_filter_lists_everything_again(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await choose_outcome(app, pilot, "spurious")
        await choose_outcome(app, pilot, "__all_outcomes__")
        assert table(app, "problems").keys == ["p90001", "p90002", "p90003"]
        assert len(table(app, "outputs").keys) == 4


async def test_generation_outcome_with_no_match_says_so(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await choose_outcome(app, pilot, "passes")
        assert table(app, "problems").keys == []
        assert "0 problems" in str(app.screen.query_one("#count-label", Static).render())


async def test_sort_key_reaches_pass_at_1_and_speedup(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, *["o"] * 4)
        assert "pass@1 ↓" in str(app.screen.query_one("#sort-label", Static).render())
        assert table(app, "problems").keys == ["p90001", "p90002", "p90003"]
        await press(pilot, "o")
        assert "speedup ↓" in str(app.screen.query_one("#sort-label", Static).render())
        assert table(app, "problems").keys[0] == "p90001"


async def test_problem_rows_show_pass_at_1_and_speedup(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "pass@1" in text and "100%" in text and "2.53×" in text


@pytest.fixture
def own_store(tmp_path: Path) -> Iterator[Store]:
    """A store of this test's own: label filters read labels, which other tests write."""
    with Store.open(build_workbench_store(tmp_path / "store.duckdb", tmp_path)) as store:
        yield store


def labelled_app(store: Store, author: str) -> EccoApp:
    from ecco_tui.config import Settings

    settings = Settings(db_path=store.path or Path(), db_configured=True, author=author)
    return EccoApp(Workbench(store, settings), delays=NO_DELAYS)


async def test_label_filter_lists_what_you_labelled(own_store: Store) -> None:
    own_store.add_annotation(Annotation("a1", "output", "beta-self-refine:1:0:1", "broken", None, "ann",
                                        datetime(2026, 1, 1)))
    app = labelled_app(own_store, "ann")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await choose_outcome(app, pilot, "label:broken")
        assert table(app, "problems").keys == ["p90002"]
        assert table(app, "outputs").keys == ["beta-self-refine:1:0:1"]


async def test_disagreement_filter_finds_a_label_the_measurements_contradict(own_store: Store) -> None:
    own_store.add_annotation(Annotation("a1", "output", "alpha-instruct:1:0:0", "correct-optimization", None,
                                        "ann", datetime(2026, 1, 1)))
    app = labelled_app(own_store, "ann")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await choose_outcome(app, pilot, "disagrees")
        assert table(app, "problems").keys == ["p90002"]
        assert table(app, "outputs").keys == ["alpha-instruct:1:0:0"]


async def test_unlabeled_filter_drops_a_fully_labelled_problem(own_store: Store) -> None:
    for i, output in enumerate(own_store.outputs(problem_id="p90001", limit=100)):
        own_store.add_annotation(Annotation(f"a{i}", "output", output.output_id, "needs-review", None, "ann",
                                            datetime(2026, 1, 1, 0, 0, i)))
    app = labelled_app(own_store, "ann")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await choose_outcome(app, pilot, "unlabeled")
        assert table(app, "problems").keys == ["p90002"]


async def test_scatter_key_plots_the_filtered_run(app: EccoApp) -> None:
    from ecco_tui.tui.screens.scatter import ScatterScreen

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#run", Select).value = "alpha-instruct"
        await settle(pilot)
        await press(pilot, "v")
        assert isinstance(app.screen, ScatterScreen)
        assert app.screen.run_id == "alpha-instruct"


async def test_scatter_key_without_a_run_uses_the_selected_outputs_run(app: EccoApp) -> None:
    from ecco_tui.tui.screens.scatter import ScatterScreen

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        selected_run = table(app, "outputs").keys[0].split(":")[0]
        await press(pilot, "v")
        assert isinstance(app.screen, ScatterScreen)
        assert app.screen.run_id == selected_run
