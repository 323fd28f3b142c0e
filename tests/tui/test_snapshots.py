"""Snapshots of each main screen at 120x40 on the workbench store (tests/tui/__snapshots__/).

Update after an intended change with `pytest tests/tui/test_snapshots.py --snapshot-update`, then look at
the SVGs. Every screen is reached by keys and captured after all loads have settled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from textual.pilot import Pilot

from ecco_tui.services.catalog import Catalog
from ecco_tui.services.workbench import Workbench
from ecco_tui.tui.app import EccoApp
from tests.tui.helpers import NO_DELAYS, SIZE, press, settle


def keys(*sequence: str) -> Callable[[Pilot[Any]], Any]:
    """A run_before that settles, presses `sequence` one key at a time, and settles again."""

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await press(pilot, *sequence)
        await settle(pilot)

    return run


def snap(snap_compare: Any, catalog: Catalog, sequence: Sequence[str]) -> bool:
    app = EccoApp(Workbench(catalog.store, catalog=catalog), delays=NO_DELAYS)
    return bool(snap_compare(app, terminal_size=SIZE, run_before=keys(*sequence)))


def test_browser(snap_compare: Any, catalog: Catalog) -> None:
    """Filter bar, problem table with counts, the card of p90001, its pair and four outputs with outcomes."""
    assert snap(snap_compare, catalog, [])


def test_compare_split(snap_compare: Any, catalog: Catalog) -> None:
    """Pair test:0: correct-opt badge, speedup 6.00×, slow and fast side by side with -/+ lines, tests."""
    assert snap(snap_compare, catalog, ["enter", "enter"])


def test_compare_unified(snap_compare: Any, catalog: Catalog) -> None:
    """The same pair as one unified diff with its @@ hunk header."""
    assert snap(snap_compare, catalog, ["enter", "enter", "m"])


def test_compare_spurious_output(snap_compare: Any, catalog: Catalog) -> None:
    """alpha's output on p90002: spurious-opt badge, speed ratio without speedup, two failing tests in red."""
    assert snap(snap_compare, catalog, ["down", "enter", "tab", "enter"])


def test_test_detail_modal(snap_compare: Any, catalog: Catalog) -> None:
    """private:0 of the spurious output: input, expected, L Accepted vs R Wrong Answer, stdout and stderr."""
    assert snap(snap_compare, catalog, ["down", "enter", "tab", "enter", "tab", "down", "enter"])


def test_spectrum(snap_compare: Any, catalog: Catalog) -> None:
    """Runtime and memory histograms of p90001's humans with the fast program marked at its percentile."""
    assert snap(snap_compare, catalog, ["enter", "enter", "s"])


def test_trajectory(snap_compare: Any, catalog: Catalog) -> None:
    """u1's three submissions to p90001: runtime/memory plot and the steps with their changes."""
    assert snap(snap_compare, catalog, ["t"])


def test_help(snap_compare: Any, catalog: Catalog) -> None:
    """The help dialog over the browser, listing every key of the browser."""
    assert snap(snap_compare, catalog, ["question_mark"])
