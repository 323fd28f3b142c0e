"""The export badge (issue #24 item 3): the compare view and the ECCO-FIX queue say whether `ecco
export-training` would take the case, and in which formats."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ecco_tui.services.workbench import Workbench
from ecco_tui.store.store import Store
from ecco_tui.tui.app import EccoApp
from ecco_tui.tui.screens.compare import CompareScreen
from ecco_tui.tui.screens.ecco_fix import EccoFixScreen
from ecco_tui.tui.widgets.record_table import RecordTable
from tests.services.test_training import build_training_store
from tests.tui.helpers import NO_DELAYS, SIZE, press, settle, wait_until


@pytest.fixture(scope="module")
def training_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("badge")
    with Store.open(tmp / "store.duckdb") as store:
        build_training_store(store, tmp)
    return tmp / "store.duckdb"


@pytest.fixture
def training_app(training_file: Path) -> Iterator[EccoApp]:
    with Store.open(training_file) as store:
        yield EccoApp(Workbench(store), delays=NO_DELAYS)


def _tests_title(app: EccoApp) -> str:
    return str(app.screen.query_one("#tests", RecordTable).border_title or "")


async def test_the_compare_view_names_the_formats_an_output_is_exported_in(training_app: EccoApp) -> None:
    async with training_app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await training_app.push_screen(CompareScreen("output", "m:0:0:0"))
        await wait_until(pilot, lambda: "training data" in _tests_title(training_app))
        assert "training data: vanilla · exec · preference (chosen)" in _tests_title(training_app)


async def test_the_compare_view_says_a_test_split_output_is_not_training_data(app: EccoApp) -> None:
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        run = next(r for r in app.workbench.runs() if r.task == "edit")
        output_id = f"{run.run_id}:0:0:0"
        await app.push_screen(CompareScreen("output", output_id))
        await wait_until(pilot, lambda: "training data" in _tests_title(app))
        assert "not training data: its problem is in the test split" in _tests_title(app)


async def test_an_ecco_fix_candidate_shows_its_export_badge(app: EccoApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.push_screen(EccoFixScreen())
        await settle(pilot)
        await press(pilot, "enter")
        scroll = app.screen.query_one("#fix-failing-scroll")
        await wait_until(pilot, lambda: bool(scroll.border_subtitle))
        assert "not training data: its problem is in the test split" in str(scroll.border_subtitle)
