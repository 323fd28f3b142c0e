"""The app and other processes on one store at the same time: what they write shows in the app, and two apps
labeling one store both keep every label.

Everything waits on events: a subprocess exiting, a line it prints, text appearing on the screen. The eval
runs against the loopback Judge0 stand-in (real wire format), so it needs no sandbox and no model.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from ecco_tui.config import Settings
from ecco_tui.ingest.release import import_release
from ecco_tui.services.imports import import_outputs_file
from ecco_tui.services.verdicts import refresh_verdicts
from ecco_tui.services.workbench import Workbench
from ecco_tui.store.store import Store
from ecco_tui.tui.app import Delays, EccoApp
from ecco_tui.tui.screens.browser import OUTPUT_COLUMNS, BrowserScreen
from ecco_tui.tui.screens.compare import CompareScreen
from ecco_tui.tui.widgets.record_table import RecordTable
from tests.engines.judge0_replay_server import start_replay_server
from tests.factories import EDIT_ROWS, FAST_MAX, FAST_SUM, edit_output_record, write_records, write_tiny_release
from tests.tui.helpers import SIZE, press, screen_text, settle, wait_for_text

OUTPUT = "r:0:0:0"  # FAST_SUM for p90001: passes its 3 private tests
#: The tests' own app never looks for changes by itself (F5 does), unless a test says otherwise.
MANUAL = Delays(typing=0.0, cursor=0.0, store_check=None)


@pytest.fixture
def shared_store(tmp_path: Path) -> Path:
    """The tiny release and one run "r" whose two outputs were never executed."""
    path = tmp_path / "shared.duckdb"
    records = [edit_output_record(row, code) for row, code in zip(EDIT_ROWS["test"], (FAST_SUM, FAST_MAX),
                                                                  strict=True)]
    with Store.open(path) as store:
        import_release(store, [write_tiny_release(tmp_path / "release")])
        import_outputs_file(store, write_records(tmp_path / "r.jsonl", records), model="m", method="instruct",
                            run_id="r", split="test")
        refresh_verdicts(store)  # as `ecco import-outputs` leaves it
    return path


@pytest.fixture
def judge0_url() -> Iterator[str]:
    url, _state, stop = start_replay_server()
    try:
        yield url
    finally:
        stop()


def open_app(path: Path, author: str = "alice", delays: Delays = MANUAL) -> EccoApp:
    settings = Settings(db_path=path, db_configured=True, author=author)
    return EccoApp(Workbench(Store.open(path), settings), delays=delays)


async def ecco(*args: str) -> tuple[int, str, str]:
    """`ecco ARGS` in another process, awaited without blocking the app's loop."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ecco_tui", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "COLUMNS": "200"})
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def open_compare(pilot: Pilot[object], kind: str, key: str) -> CompareScreen:
    await settle(pilot)
    screen = CompareScreen(kind, key)
    await pilot.app.push_screen(screen)
    await settle(pilot)
    return screen


def output_cells(app: EccoApp, output_id: str) -> list[str]:
    outputs = app.screen.query_one("#outputs", RecordTable)
    assert outputs.table is not None
    return [str(cell) for cell in outputs.table.get_row_at(outputs.keys.index(output_id))]


async def test_app_shows_what_eval_and_label_in_other_processes_wrote_on_f5(
        shared_store: Path, judge0_url: str) -> None:
    app = open_app(shared_store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_compare(pilot, "output", OUTPUT)
        assert screen.view is not None and not screen.view.metrics.ran

        code, _, err = await ecco("eval", "--run", "r", "--db", str(shared_store), "--engine", "judge0",
                                  "--judge0-url", judge0_url, "--format", "json")
        assert code == 0, err
        code, _, err = await ecco("label", OUTPUT, "spurious-optimization", "--author", "alice",
                                  "--db", str(shared_store))
        assert code == 0, err

        await press(pilot, "f5")
        await wait_for_text(pilot, "alice: spurious-optimization")
        assert screen.view is not None and screen.view.metrics.ran
        assert screen.view.metrics.right is not None and screen.view.metrics.right.n_passed == 3

        await press(pilot, "escape")  # the browser below reloaded too
        assert isinstance(app.screen, BrowserScreen)
        assert output_cells(app, OUTPUT)[OUTPUT_COLUMNS.index("tests")] == "3/3"


async def test_app_shows_another_process_label_by_itself_within_seconds(shared_store: Path) -> None:
    app = open_app(shared_store, delays=Delays(typing=0.0, cursor=0.0, store_check=0.05))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_compare(pilot, "output", OUTPUT)
        code, _, err = await ecco("label", OUTPUT, "broken", "--author", "alice", "--db", str(shared_store))
        assert code == 0, err
        await wait_for_text(pilot, "alice: broken", timeout=10)


async def test_an_idle_app_holds_no_file(shared_store: Path) -> None:
    app = open_app(shared_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        code, out, err = await ecco("stats", "--db", str(shared_store))
        assert code == 0, err
        assert "model_outputs" in out


async def test_navigation_among_loaded_data_does_not_open_the_store(shared_store: Path) -> None:
    store = Store.open(shared_store, linger_s=0)  # every unit of work opens the file: each one is counted
    app = EccoApp(Workbench(store), delays=MANUAL)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = store.opens
        await press(pilot, "enter", "tab", "down", "question_mark", "escape")  # lists, panes, help
        assert store.opens == before
        await open_compare(pilot, "output", OUTPUT)  # new data: loads
        loaded = store.opens
        await press(pilot, "escape")  # back to the browser, whose rows are loaded
        assert isinstance(app.screen, BrowserScreen)
        assert store.opens == loaded


async def test_f5_refresh_is_listed_in_help(shared_store: Path) -> None:
    app = open_app(shared_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "question_mark")
        text = screen_text(app)
        assert "Refresh" in text and "Reload what is shown from the store now" in text


HOLD = """
import sys
import time
import duckdb
while True:  # until the app lets go of the file (it lingers a moment after its last load)
    try:
        con = duckdb.connect(sys.argv[1])
        break
    except duckdb.IOException:
        time.sleep(0.01)
print("held", flush=True)
sys.stdin.readline()
con.close()
"""


async def test_app_waiting_for_a_busy_store_says_so_and_loads_once_it_is_free(shared_store: Path) -> None:
    app = open_app(shared_store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        holder = await asyncio.create_subprocess_exec(
            sys.executable, "-c", HOLD, str(shared_store), stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE)
        assert holder.stdin is not None and holder.stdout is not None
        try:
            assert (await asyncio.wait_for(holder.stdout.readline(), timeout=30)).strip() == b"held"
            await pilot.press("f5")  # the reload waits for the file
            await wait_for_text(pilot, "store busy, retrying", timeout=30)
            assert app.busy
        finally:
            holder.stdin.write(b"\n")
            await holder.stdin.drain()
            await asyncio.wait_for(holder.wait(), timeout=30)
        await settle(pilot, timeout=30)
        assert app.screen.query_one("#problems", RecordTable).keys == ["p90001", "p90002", "p90003"]


async def test_two_apps_labeling_one_store_both_keep_every_label(shared_store: Path) -> None:
    targets = ["output:r:0:0:0", "output:r:1:0:0", "pair:test:0"]
    other = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.tui.label_app", str(shared_store), "bob", "4", *targets,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    assert other.stdin is not None and other.stdout is not None

    async def line() -> str:
        assert other.stdout is not None
        return (await asyncio.wait_for(other.stdout.readline(), timeout=60)).decode().strip()

    try:
        assert await line() == "ready"
        app = open_app(shared_store, author="alice")
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            for target in targets:
                kind, _, key = target.partition(":")
                await open_compare(pilot, kind, key)
                await press(pilot, "2")  # this app's label...
                await wait_for_text(pilot, "alice: spurious-optimization")
                other.stdin.write(b"go\n")  # ...then the other app's, on the same target, both apps open
                await other.stdin.drain()
                assert await line() == f"labelled {target}"
                await press(pilot, "escape")
        other.stdin.close()
        assert await asyncio.wait_for(other.wait(), timeout=60) == 0
    finally:
        if other.returncode is None:
            other.kill()
            await other.wait()
    with Store.open(shared_store, read_only=True) as store:
        kept = {(a.author, a.target_kind, a.target_id, a.label) for a in store.current_annotations()}
        assert len(store.all_annotations()) == 2 * len(targets)
    expected = {(author, *target.split(":", 1), label) for target in targets
                for author, label in (("alice", "spurious-optimization"), ("bob", "broken"))}
    assert kept == expected
