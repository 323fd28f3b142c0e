"""ECCO-FIX queue: open it with F, pick the almost-correct output, edit, run on every test, save the fix.

Uses its own copy of the workbench store (the session one is shared and must not be written to).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widgets import TextArea

from ecco_tui.services import ecco_fix
from ecco_tui.services.workbench import Workbench
from ecco_tui.store.store import Store
from ecco_tui.tui.app import EccoApp
from ecco_tui.tui.screens.ecco_fix import EccoFixScreen
from ecco_tui.tui.widgets.record_table import RecordTable
from tests.adversarial.procscan import processes_with_marker, snapshot, wait_until_clean
from tests.factories import FAST_MAX
from tests.tui.helpers import NO_DELAYS, SIZE, job_threads, press, settle, wait_for_text, wait_until

SPURIOUS = "alpha-instruct:1:0:0"


@pytest.fixture
def own_store(tmp_path: Path, workbench_file: Path) -> Iterator[Store]:
    copy = tmp_path / "fix.duckdb"
    copy.write_bytes(workbench_file.read_bytes())
    with Store.open(copy) as store:
        yield store


async def _settle_long(pilot: Pilot[None]) -> None:
    await settle(pilot, timeout=30)  # type: ignore[arg-type]  # a real engine run: allow more than 10 s


async def test_fix_an_almost_correct_output_and_save_it(own_store: Store) -> None:
    app = EccoApp(Workbench(own_store), delays=NO_DELAYS)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await press(pilot, "F")
        assert isinstance(app.screen, EccoFixScreen)
        screen = app.screen
        await wait_for_text(pilot, "1 candidates", "p90002", "alpha-instruct")
        assert screen.query_one("#fix-queue", RecordTable).keys == [SPURIOUS]

        await press(pilot, "enter")
        assert screen.current is not None and screen.current.output_id == SPURIOUS
        await wait_for_text(pilot, "private:0", "expected", "actual")
        editor = screen.query_one("#fix-editor", TextArea)
        assert editor.has_focus and "split()[0]" in editor.text

        # Saving before a run is refused with a reason.
        await press(pilot, "ctrl+s")
        await wait_for_text(pilot, "Not saved")

        editor.load_text(FAST_MAX)
        await pilot.press("ctrl+r")
        await _settle_long(pilot)
        assert screen.last_run is not None and screen.last_run.all_passed
        assert screen.query_one("#fix-results", RecordTable).keys == ["public:0", "private:0", "private:1"]

        await press(pilot, "ctrl+s")
        await wait_for_text(pilot, "Saved the fix", "fixed")

        await press(pilot, "escape")  # the editor hands focus on
        await press(pilot, "escape")  # closes the candidate
        assert screen.current is None
        await press(pilot, "escape")
        assert not isinstance(app.screen, EccoFixScreen)

    (candidate,) = ecco_fix.fix_candidates(own_store)
    assert candidate.has_fix
    program = own_store.get_program(candidate.fixed_program_id or "")
    assert program is not None and program.code == FAST_MAX


async def test_confirm_labels_the_candidate_without_a_fix(own_store: Store) -> None:
    app = EccoApp(Workbench(own_store), delays=NO_DELAYS)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await app.push_screen(EccoFixScreen())
        await settle(pilot)
        await press(pilot, "c")
        await wait_for_text(pilot, "confirmed")
    (candidate,) = ecco_fix.fix_candidates(own_store)
    assert candidate.confirmed and not candidate.has_fix


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="the local engine needs bubblewrap")
async def test_escape_during_a_running_fix_stops_it_and_leaves_no_thread_or_process(own_store: Store) -> None:
    marker = f"ecco-fix-sleeper-{uuid.uuid4().hex[:8]}"
    sleeper = f"import os, sys\nos.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(30)', " \
              f"'{marker}'])\n"
    baseline = snapshot()
    app = EccoApp(Workbench(own_store), delays=NO_DELAYS)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await press(pilot, "F")
        screen = app.screen
        assert isinstance(screen, EccoFixScreen)
        await wait_for_text(pilot, "1 candidates")
        await press(pilot, "enter")
        screen.query_one("#fix-editor", TextArea).load_text(sleeper)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: bool(processes_with_marker(marker)))
        await pilot.press("escape")  # the editor hands focus on
        await pilot.press("escape")  # cancels the run (does not leave the candidate)
        await wait_until(pilot, lambda: not screen.running, timeout=5)
        await wait_for_text(pilot, "Run cancelled")
        assert screen.current is not None and screen.last_run is None
        assert wait_until_clean((marker,), baseline=baseline, timeout=3.0) == []
        assert job_threads() == []


def test_every_ecco_fix_binding_has_an_id_and_a_description() -> None:
    for binding in EccoFixScreen.BINDINGS:
        assert isinstance(binding, Binding) and binding.id and binding.description, binding
