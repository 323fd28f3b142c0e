"""Launching: the CLI's notice as a toast; a store another process holds is waited for, then opened read-write."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import ecco_tui.store.store as store_module
from ecco_tui.config import Settings
from ecco_tui.services.catalog import Catalog
from ecco_tui.services.workbench import Workbench
from ecco_tui.tui.app import EccoApp, open_app
from tests.tui.helpers import SIZE, screen_text, settle, wait_for_text

HOLD_LOCK = """
import sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("ready", flush=True)
sys.stdin.readline()
con.close()
"""


@pytest.fixture
def locked_store(workbench_file: Path, tmp_path: Path) -> Iterator[tuple[Path, Callable[[], None]]]:
    """A copy of the workbench store held open by another process (a reader, which a read-write opener
    must wait for), and how to make that process let go."""
    path = tmp_path / "locked.duckdb"
    shutil.copy(workbench_file, path)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)

    def release() -> None:
        if holder.poll() is None:
            holder.communicate("\n", timeout=30)

    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        yield path, release
    finally:
        release()


async def test_notice_from_the_cli_is_shown_as_a_toast(catalog: Catalog) -> None:
    app = EccoApp(Workbench(catalog.store, catalog=catalog),
                  notice="No store configured yet: showing the bundled sample.")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await wait_for_text(pilot, "No store configured yet")


async def test_store_in_use_is_waited_for_then_opened_read_write(
        locked_store: tuple[Path, Callable[[], None]], monkeypatch: pytest.MonkeyPatch) -> None:
    path, release = locked_store
    told = threading.Event()
    monkeypatch.setattr(store_module, "_print_busy", lambda _text: told.set())
    opened: list[tuple[object, Callable[[], None]]] = []
    opener = threading.Thread(target=lambda: opened.append(open_app(Settings(db_path=path, db_configured=True))))
    opener.start()
    try:
        assert told.wait(30), "the app did not say the store is busy"
        assert not opened  # still waiting for the other process
    finally:
        release()
        opener.join(30)
    ((app, close),) = opened
    assert isinstance(app, EccoApp)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            assert not app.workbench.read_only
            assert "read-only" not in screen_text(app)
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
            assert not app.workbench.read_only
            assert "read-only" not in screen_text(app)
    finally:
        close()
