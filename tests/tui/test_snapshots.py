"""Snapshots of each screen at 120x40 and at 80x24 on the workbench store (tests/tui/__snapshots__/).

Update after an intended change with `pytest tests/tui/test_snapshots.py --snapshot-update`, then look at
the SVGs. Every screen is reached by keys and captured after all loads have settled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from ecco_tui.services.catalog import Catalog
from ecco_tui.services.workbench import Workbench
from ecco_tui.store.store import Store
from ecco_tui.tui.app import EccoApp
from ecco_tui.tui.screens.compare import CompareScreen
from tests.services.explain_fixtures import LINEAR_OUTPUT, explain_settings
from tests.tui.helpers import NO_DELAYS, press, settle
from tests.tui.test_heat import explain_file, needs_bwrap

__all__ = ["explain_file"]  # the fixture: the explain store of test_heat (issue #23)

#: Every screen at the common terminal size and the smallest one it must stay usable at.
SIZES = {"120x40": (120, 40), "80x24": (80, 24)}


@pytest.fixture(params=list(SIZES))
def size(request: pytest.FixtureRequest) -> tuple[int, int]:
    return SIZES[request.param]


def keys(*sequence: str) -> Callable[[Pilot[Any]], Any]:
    """A run_before that settles, presses `sequence` one key at a time, and settles again."""

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await press(pilot, *sequence)
        await settle(pilot)

    return run


def snap(snap_compare: Any, catalog: Catalog, sequence: Sequence[str], size: tuple[int, int]) -> bool:
    app = EccoApp(Workbench(catalog.store, catalog=catalog), delays=NO_DELAYS)
    return bool(snap_compare(app, terminal_size=size, run_before=keys(*sequence)))


def test_browser(snap_compare: Any, catalog: Catalog, size: tuple[int, int]) -> None:
    """Filter bar, problem table with counts, the card of p90001, its pair and four outputs with outcomes."""
    assert snap(snap_compare, catalog, [], size)


def test_compare_split(snap_compare: Any, catalog: Catalog, size: tuple[int, int]) -> None:
    """Pair test:0: correct-opt badge, speedup 6.00×, slow and fast side by side with -/+ lines, tests."""
    assert snap(snap_compare, catalog, ["enter", "enter"], size)


def test_compare_unified(snap_compare: Any, catalog: Catalog, size: tuple[int, int]) -> None:
    """The same pair as one unified diff with its @@ hunk header."""
    assert snap(snap_compare, catalog, ["enter", "enter", "m"], size)


def test_compare_spurious_output(snap_compare: Any, catalog: Catalog, size: tuple[int, int]) -> None:
    """alpha's output on p90002: spurious-opt badge, speed ratio without speedup, two failing tests in red."""
    assert snap(snap_compare, catalog, ["down", "enter", "tab", "enter"], size)


def test_test_detail_modal(snap_compare: Any, catalog: Catalog, size: tuple[int, int]) -> None:
    """private:0 of the spurious output: input, expected, L Accepted vs R Wrong Answer, stdout and stderr."""
    assert snap(snap_compare, catalog, ["down", "enter", "tab", "enter", "tab", "down", "enter"], size)


def test_spectrum(snap_compare: Any, catalog: Catalog, size: tuple[int, int]) -> None:
    """Runtime and memory histograms of p90001's humans with the fast program marked at its percentile."""
    assert snap(snap_compare, catalog, ["enter", "enter", "s"], size)


def test_trajectory(snap_compare: Any, catalog: Catalog, size: tuple[int, int]) -> None:
    """u1's three submissions to p90001: runtime/memory plot and the steps with their changes."""
    assert snap(snap_compare, catalog, ["t"], size)


def test_help(snap_compare: Any, catalog: Catalog, size: tuple[int, int]) -> None:
    """The help dialog over the browser, listing every key of the browser."""
    assert snap(snap_compare, catalog, ["question_mark"], size)


def test_scatter(snap_compare: Any, catalog: Catalog) -> None:
    """The scatter plot of the browser's run: speedup (95% interval) against tests passed, by outcome (80x24:
    test_scatter_small; its ticks used to differ between runs when the plot was 4 columns wide and plotext kept
    one of two overlapping tick labels by hash order: the plot now has the width, and drops ticks that cannot fit)."""
    assert snap(snap_compare, catalog, ["v"], SIZES["120x40"])


def test_ecco_fix_queue(snap_compare: Any, catalog: Catalog, size: tuple[int, int]) -> None:
    """The ECCO-FIX queue: outputs passing every public test and failing a private one, with their failures."""
    assert snap(snap_compare, catalog, ["F"], size)


def test_rounds(snap_compare: Any, catalog: Catalog, size: tuple[int, int]) -> None:
    """The rounds of alpha's output on p90002, opened from its compare view."""
    assert snap(snap_compare, catalog, ["down", "enter", "tab", "enter", "h"], size)


def test_scatter_small(snap_compare: Any, catalog: Catalog) -> None:
    """The scatter at 80x24: the plot and the points share the width (the plot is no 4-column sliver), the
    detail's lines are cut rather than wrapped."""
    assert snap(snap_compare, catalog, ["v"], SIZES["80x24"])


def test_manual_edit(snap_compare: Any, catalog: Catalog, size: tuple[int, int]) -> None:
    """The manual edit of alpha's output on p90002: the editor above its public tests."""
    assert snap(snap_compare, catalog, ["down", "enter", "tab", "enter", "e"], size)


def test_ecco_fix_candidate(snap_compare: Any, catalog: Catalog, size: tuple[int, int]) -> None:
    """The open ECCO-FIX candidate: failing tests, the fix editor, run results (at 80x24 without the queue)."""
    assert snap(snap_compare, catalog, ["F", "enter"], size)


def test_long_run_name_browser(snap_compare: Any, long_run_catalog: Catalog) -> None:
    """At 80x24 a run name longer than its column is cut in the middle; the highlighted output's details line
    under the lists names it in full."""
    assert snap(snap_compare, long_run_catalog, ["enter", "tab", "G"], SIZES["80x24"])


def test_long_run_name_compare(snap_compare: Any, long_run_catalog: Catalog) -> None:
    """The long-named run's output at 80x24: the header's title cuts the name in the middle, its details line
    names it in full; 3 header rows over 12 rows of code."""
    assert snap(snap_compare, long_run_catalog, ["enter", "tab", "G", "enter"], SIZES["80x24"])


def test_leaderboard(snap_compare: Any, catalog: Catalog, size: tuple[int, int]) -> None:
    """The leaderboard (palette "Leaderboard: ..."): runs x metrics with ranks over the tau-b matrix (80x24: the
    board alone, t swaps the matrix in), the highlighted cell's definition and rank below."""
    from ecco_tui.tui.screens.leaderboard import LeaderboardScreen

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.app.push_screen(LeaderboardScreen())
        await settle(pilot)

    app = EccoApp(Workbench(catalog.store, catalog=catalog), delays=NO_DELAYS)
    assert snap_compare(app, terminal_size=size, run_before=run)


@needs_bwrap
def test_heat_gutter(snap_compare: Any, explain_file: Path) -> None:
    """Issue #23: the linear output of the explain store with its heat on (`H`): both programs profiled on the most
    expensive test, a bar per executed line, the quadratic input's inner loop (line 5) marked hottest (◀) and
    its count in the border; the header's evidence line says how cost grows (algorithmic)."""

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.app.push_screen(CompareScreen("output", LINEAR_OUTPUT))
        await settle(pilot)
        await press(pilot, "H")
        await settle(pilot)
        pilot.app.clear_notifications()
        await settle(pilot)

    with Store.open(explain_file) as store:
        app = EccoApp(Workbench(store, explain_settings(explain_file)), delays=NO_DELAYS)
        assert snap_compare(app, terminal_size=SIZES["120x40"], run_before=run)
