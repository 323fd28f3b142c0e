"""Imported ECCO results show in the compare view and the per-test table exactly like live executions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ecco_tui.ingest.outputs import import_outputs
from ecco_tui.ingest.results import import_results
from ecco_tui.services.workbench import Workbench
from ecco_tui.store.store import Store
from ecco_tui.tui.app import EccoApp
from ecco_tui.tui.screens.compare import CompareScreen
from tests.tui.helpers import NO_DELAYS, SIZE, screen_text, settle

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ecco_artifacts"
EDIT = "EXEC-SFT-edit_deepseek_instruct_nrowsNone_tokens1024_temp0.4_fewshotex0_samples1_2024-11-12_16_04_34.jsonl"
RUN = "deepseek-exec-sft-20241112-160434"


@pytest.fixture
def imported_app(tmp_path: Path) -> Iterator[EccoApp]:
    store = Store.open(tmp_path / "imported.duckdb")
    import_outputs(store, FIXTURES / EDIT)
    import_results(store, FIXTURES / f"generated_codes_{EDIT}")
    yield EccoApp(Workbench(store), delays=NO_DELAYS)
    store.close()


async def test_an_imported_row_shows_its_judge0_statuses_times_and_outcome(imported_app: EccoApp) -> None:
    """Row 8 of the fixture (ECCO row 110) passes all 20 tests in the result file."""
    data = json.loads((FIXTURES / f"generated_codes_{EDIT}").read_text())["8"]
    async with imported_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.app.push_screen(CompareScreen("output", f"{RUN}:8:0:0"))
        await settle(pilot)
        text = screen_text(imported_app)
        assert "judge0-imported" in text
        assert "20/20" in text  # every private test of the output passed
        first = sorted(data["output_run_time_all"])[0]
        assert f"{data['output_run_time_all'][first] * 1000:.1f} ms" in text
        assert "Accepted" in text


async def test_an_imported_failure_shows_its_error_status(imported_app: EccoApp) -> None:
    async with imported_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.app.push_screen(CompareScreen("output", f"{RUN}:0:0:0"))
        await settle(pilot)
        text = screen_text(imported_app)
        assert "Runtime Error" in text or "Wrong Answer" in text
