"""Live re-run in the compare view: `r` runs both programs again on the local engine (bubblewrap) and
stores the results; Escape cancels and no program survives; a second `r` during a run is refused.

Each test works on its own copy of the workbench store (see test_labels.py for the fixtures).
"""

from __future__ import annotations

import asyncio
import re
import shutil
import uuid
from pathlib import Path

import pytest

from ecco_tui.services.imports import import_outputs_file
from ecco_tui.services.workbench import Workbench
from ecco_tui.store.store import Store
from ecco_tui.tui.app import EccoApp
from ecco_tui.tui.screens.compare import CompareScreen
from tests.adversarial.procscan import processes_with_marker, wait_until_gone
from tests.factories import EDIT_ROWS, edit_output_record, write_records
from tests.tui.helpers import NO_DELAYS, SIZE, job_threads, settle, wait_for_text, wait_until
from tests.tui.test_labels import SPURIOUS_OUTPUT, open_view, rw_app, rw_store, settings_for, store_copy

__all__ = ["rw_app", "rw_store", "store_copy"]  # fixtures shared with test_labels

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="the local engine needs bubblewrap")


def executions(store: Store) -> int:
    return store.counts().tables["executions"]


def rerunning(app: EccoApp) -> bool:
    screen = app.screen
    return isinstance(screen, CompareScreen) and screen.rerunning


@pytest.fixture
def sleepy(store_copy: Path, tmp_path: Path) -> tuple[EccoApp, Store, str]:
    """An app whose store has one more output (p90001, 4 tests) that sleeps 5 s per test, its command line
    carrying a marker findable in /proc."""
    marker = f"ecco-sleepy-{uuid.uuid4().hex[:8]}"
    argv = f"[sys.executable, '-c', 'import time; time.sleep(5)', '{marker}']"
    code = f"import os, sys\nos.execv(sys.executable, {argv})\n"
    store = Store.open(store_copy)
    records = [edit_output_record(EDIT_ROWS["test"][0], code)]
    import_outputs_file(store, write_records(tmp_path / "sleepy.jsonl", records), model="sleepy",
                        method="instruct", run_id="sleepy", split="test")
    app = EccoApp(Workbench(store), delays=NO_DELAYS)
    app.workbench.settings = settings_for(store_copy)
    return app, store, marker


async def test_r_reruns_both_programs_and_stores_fresh_executions(rw_app: EccoApp, rw_store: Store) -> None:
    before = executions(rw_store)
    async with rw_app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_view(pilot, "output", SPURIOUS_OUTPUT)
        await pilot.press("r")
        await wait_until(pilot, lambda: not rerunning(rw_app))
        await settle(pilot)
        text = await wait_for_text(pilot, "Re-run done")
        # `r` is --repeat auto: one pair on each of the 3 tests (6 runs), then more pairs while the interval is wide
        ran = re.search(r"Re-ran (\d+)/(\d+) test runs on local", text)
        assert ran is not None and ran.group(1) == ran.group(2) and int(ran.group(1)) >= 6
        assert re.search(r"\d+ rounds?, \d+ pairs a test \(cap 15\)", text)
        assert screen.view is not None and screen.view.metrics.engine == "local"
        # the spurious output still fails its private tests; the slow input still passes them
        row = next(r for r in screen.view.tests if r.label == "private:0")
        assert row.left.latest is not None and row.left.latest.status_description == "Accepted"
        assert row.right.latest is not None and row.right.latest.status_description == "Wrong Answer"
        assert row.right.latest.engine_version != "test-1"  # the new execution, not the fixture's
    assert executions(rw_store) == before + int(ran.group(1))


async def test_rows_show_queued_then_statuses_and_progress_while_running(sleepy: tuple[EccoApp, Store, str]) -> None:
    app, store, _marker = sleepy
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await open_view(pilot, "output", "sleepy:0:0:0")
            await pilot.press("r")
            # the fast input finishes its 4 tests while the sleeper's rows still wait
            await wait_for_text(pilot, "re-running 4/8", "queued", "Accepted", timeout=15)
            await pilot.press("escape")
            await wait_until(pilot, lambda: not rerunning(app))
    finally:
        store.close()


async def test_escape_cancels_a_slow_rerun_and_no_program_survives(sleepy: tuple[EccoApp, Store, str]) -> None:
    app, store, marker = sleepy
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await open_view(pilot, "output", "sleepy:0:0:0")
            await pilot.press("r")
            await wait_until(pilot, lambda: bool(processes_with_marker(marker)))
            loop = asyncio.get_running_loop()
            started = loop.time()
            await pilot.press("escape")
            await wait_until(pilot, lambda: not rerunning(app), timeout=5)
            assert wait_until_gone((marker,), timeout=2.0) == []
            assert loop.time() - started < 2.5
            assert job_threads() == []  # the job's own thread ended with it
            assert isinstance(app.screen, CompareScreen)  # Escape cancelled; it did not leave the view
            await wait_for_text(pilot, "Re-run cancelled")
            await settle(pilot)
    finally:
        store.close()


async def test_second_r_during_a_rerun_is_refused(sleepy: tuple[EccoApp, Store, str]) -> None:
    app, store, marker = sleepy
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            screen = await open_view(pilot, "output", "sleepy:0:0:0")
            await pilot.press("r")
            await wait_until(pilot, lambda: bool(processes_with_marker(marker)))
            first = screen._rerun
            await pilot.press("r")
            await wait_for_text(pilot, "A re-run is already going")
            assert screen._rerun is first and screen.rerunning
            assert len([w for w in app.workers if w.group == "rerun"]) == 1
            await pilot.press("escape")
            await wait_until(pilot, lambda: not rerunning(app))
            assert wait_until_gone((marker,), timeout=2.0) == []
    finally:
        store.close()
