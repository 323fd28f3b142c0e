"""Paging: the problem table never asks the store for more than a page, and loads the next one as the
cursor nears the end. Debouncing: holding a key loads the problem detail once, not per row."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from ecco_tui.services.catalog import Catalog, ProblemDetail, ProblemPage
from ecco_tui.services.workbench import Workbench
from ecco_tui.store.store import Store
from ecco_tui.tui.app import Delays, EccoApp
from ecco_tui.tui.screens.browser import LOOKAHEAD, PAGE_SIZE
from ecco_tui.tui.widgets.record_table import RecordTable
from tests.tui.helpers import SIZE, press, settle

N_PROBLEMS = 2 * PAGE_SIZE + 50


class CountingCatalog(Catalog):
    """A real catalog that records what the app asked for."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self.pages: list[tuple[int, int]] = []
        self.details: list[str] = []

    def problem_page(self, **kwargs: Any) -> ProblemPage:
        page = super().problem_page(**kwargs)
        self.pages.append((page.offset, page.limit))
        return page

    def problem_detail(self, problem_id: str, **kwargs: Any) -> ProblemDetail | None:
        self.details.append(problem_id)
        return super().problem_detail(problem_id, **kwargs)


@pytest.fixture(scope="module")
def many_problems_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("paging") / "many.duckdb"
    with Store.open(path) as store, store.transaction() as tx:
        tx.upsert("problems", pa.table({
            "problem_id": [f"p{i:05d}" for i in range(N_PROBLEMS)],
            "name": [f"Problem {i}" for i in range(N_PROBLEMS)],
            "split": ["test"] * N_PROBLEMS,
        }))
    return path


@pytest.fixture
def counting(many_problems_file: Path) -> Iterator[CountingCatalog]:
    store = Store.open(many_problems_file)
    yield CountingCatalog(store)
    store.close()


def problems(app: EccoApp) -> RecordTable:
    return app.screen.query_one("#problems", RecordTable)


async def test_first_screen_loads_one_page(counting: CountingCatalog) -> None:
    app = EccoApp(Workbench(counting.store, catalog=counting), delays=Delays(0, 0))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert problems(app).row_count == PAGE_SIZE
        assert counting.pages == [(0, PAGE_SIZE)]


async def test_cursor_near_the_end_loads_the_next_page(counting: CountingCatalog) -> None:
    app = EccoApp(Workbench(counting.store, catalog=counting), delays=Delays(0, 0))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = problems(app).table
        assert table is not None
        table.move_cursor(row=PAGE_SIZE - LOOKAHEAD - 1)
        await settle(pilot)
        assert problems(app).row_count == PAGE_SIZE
        await press(pilot, "down")
        assert problems(app).row_count == 2 * PAGE_SIZE
        await press(pilot, "G")  # last loaded row: the final, partial page follows
        assert problems(app).row_count == N_PROBLEMS
        assert counting.pages == [(0, PAGE_SIZE), (PAGE_SIZE, PAGE_SIZE), (2 * PAGE_SIZE, PAGE_SIZE)]
        assert problems(app).keys == [f"p{i:05d}" for i in range(N_PROBLEMS)]


async def test_holding_down_loads_the_detail_once(counting: CountingCatalog) -> None:
    # Delays longer than any key gap here.
    app = EccoApp(Workbench(counting.store, catalog=counting), delays=Delays(typing=0.25, cursor=0.8))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        counting.details.clear()
        await pilot.press(*["down"] * 5)
        await settle(pilot)
        assert counting.details == ["p00005"]
