"""Launching: the CLI's notice as a toast, the read-only fallback when another process holds the store."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ecco_tui.config import Settings
from ecco_tui.services.catalog import Catalog
from ecco_tui.tui.app import EccoApp, open_app
from tests.tui.helpers import SIZE, screen_text, settle, wait_for_text

HOLD_LOCK = """
import sys, time
from ecco_tui.store.store import Store
store = Store.open(sys.argv[1], read_only=True)
print("ready", flush=True)
sys.stdin.readline()
store.close()
"""


@pytest.fixture
def locked_store(workbench_file: Path, tmp_path: Path) -> Iterator[Path]:
    """A copy of the workbench store, held open by another process (a reader: DuckDB refuses even
    read-only connections while another process writes, so a reader is the case the fallback serves)."""
    path = tmp_path / "locked.duckdb"
    shutil.copy(workbench_file, path)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        yield path
    finally:
        holder.communicate("\n", timeout=30)


async def test_notice_from_the_cli_is_shown_as_a_toast(catalog: Catalog) -> None:
    app = EccoApp(catalog, notice="No store configured yet: showing the bundled sample.")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await wait_for_text(pilot, "No store configured yet")


async def test_store_in_use_opens_read_only_and_says_so(locked_store: Path) -> None:
    app, close = open_app(Settings(db_path=locked_store, db_configured=True))
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            assert app.catalog.read_only
            await wait_for_text(pilot, "store is in use by another ecco process",  # the toast
                                "locked.duckdb · read-only")  # the header
            assert app.screen.query_one("#problems").keys == ["p90001", "p90002", "p90003"]
    finally:
        close()


async def test_free_store_opens_read_write(workbench_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "free.duckdb"
    shutil.copy(workbench_file, path)
    app, close = open_app(Settings(db_path=path, db_configured=True))
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            assert not app.catalog.read_only
            assert "read-only" not in screen_text(app)
    finally:
        close()
