"""The app never runs programs unsandboxed by accident: without bwrap `r` and `f` refuse with the install hint;
with the sandbox turned off in its settings the title bar says UNSANDBOXED on every screen."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ecco_tui.store.store import Store
from ecco_tui.tui.app import EccoApp
from tests.tui.helpers import SIZE, screen_text, settle, wait_for_text
from tests.tui.test_labels import SPURIOUS_OUTPUT, open_view, rw_app, rw_store, settings_for, store_copy

__all__ = ["rw_app", "rw_store", "store_copy"]  # fixtures shared with test_labels


def title_bar(app: EccoApp) -> str:
    """The text the current screen's header shows (its first line on screen, without the icon)."""
    return screen_text(app).splitlines()[0].replace("≡", "").strip()


@pytest.fixture
def no_bwrap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "no-bwrap"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


@pytest.mark.usefixtures("no_bwrap")
async def test_r_without_bwrap_is_refused_with_the_install_hint_and_runs_nothing(rw_app: EccoApp,
                                                                                  rw_store: Store) -> None:
    before = rw_store.counts().tables["executions"]
    async with rw_app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_view(pilot, "output", SPURIOUS_OUTPUT)
        await pilot.press("r")
        await wait_for_text(pilot, "Cannot re-run", "bubblewrap")
        assert not screen.rerunning
    assert rw_store.counts().tables["executions"] == before


@pytest.mark.usefixtures("no_bwrap")
async def test_f_without_bwrap_is_refused_with_the_install_hint(rw_app: EccoApp) -> None:
    async with rw_app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_view(pilot, "output", SPURIOUS_OUTPUT)
        await pilot.press("f")
        await wait_for_text(pilot, "Cannot refine", "bubblewrap")
        assert not screen.refining


async def test_title_bar_says_unsandboxed_when_the_settings_turn_the_sandbox_off(rw_app: EccoApp,
                                                                                 store_copy: Path) -> None:
    rw_app.workbench.settings = replace(settings_for(store_copy), local_sandbox=False)
    async with rw_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert title_bar(rw_app).startswith("UNSANDBOXED · Problems")
        await open_view(pilot, "output", SPURIOUS_OUTPUT)
        assert title_bar(rw_app).startswith("UNSANDBOXED · Compare")


async def test_title_bar_is_plain_when_the_app_sandboxes(rw_app: EccoApp) -> None:
    async with rw_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert title_bar(rw_app).startswith("Problems")
