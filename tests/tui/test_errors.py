"""A failing load never crashes the app: the one worker-failure handler shows it and the screen stays."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ecco_tui.services.catalog import Catalog, ProblemDetail
from ecco_tui.services.workbench import Workbench
from ecco_tui.store.store import Store
from ecco_tui.tui.app import EccoApp
from ecco_tui.tui.screens.browser import BrowserScreen
from tests.tui.helpers import NO_DELAYS, SIZE, press, settle, wait_for_text


class BrokenDetail(Catalog):
    def problem_detail(self, problem_id: str, **kwargs: object) -> ProblemDetail | None:
        raise OSError(f"cannot read {problem_id}")


@pytest.fixture
def broken(workbench_file: Path) -> Iterator[BrokenDetail]:
    store = Store.open(workbench_file)
    yield BrokenDetail(store)
    store.close()


async def test_failed_load_is_reported_and_the_app_keeps_running(broken: BrokenDetail) -> None:
    app = EccoApp(Workbench(broken.store, catalog=broken), delays=NO_DELAYS)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await wait_for_text(pilot, "Could not load (detail)", "cannot read p90001")
        await press(pilot, "down")
        assert isinstance(app.screen, BrowserScreen)
        assert app.screen.problems.cursor_key == "p90002"
