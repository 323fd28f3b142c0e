"""TUI fixtures: one workbench store per session (see workbench.py) and an app on it per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ecco_tui.services.catalog import Catalog
from ecco_tui.services.workbench import Workbench
from ecco_tui.store.store import Store
from ecco_tui.tui.app import EccoApp
from tests.tui.helpers import NO_DELAYS
from tests.tui.workbench import build_workbench_store


@pytest.fixture(scope="session")
def workbench_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("workbench")
    return build_workbench_store(work / "store.duckdb", work)


@pytest.fixture
def catalog(workbench_file: Path) -> Iterator[Catalog]:
    store = Store.open(workbench_file)
    yield Catalog(store)
    store.close()


@pytest.fixture
def app(catalog: Catalog) -> EccoApp:
    return EccoApp(Workbench(catalog.store, catalog=catalog), delays=NO_DELAYS)


@pytest.fixture(scope="session")
def long_run_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workbench store plus a run with a name too long for any column (workbench.LONG_RUN)."""
    from tests.tui.workbench import build_long_run_store

    work = tmp_path_factory.mktemp("long-run")
    return build_long_run_store(work / "store.duckdb", work)


@pytest.fixture
def long_run_catalog(long_run_file: Path) -> Iterator[Catalog]:
    store = Store.open(long_run_file)
    yield Catalog(store)
    store.close()


@pytest.fixture
def long_run_app(long_run_catalog: Catalog) -> EccoApp:
    return EccoApp(Workbench(long_run_catalog.store, catalog=long_run_catalog), delays=NO_DELAYS)
