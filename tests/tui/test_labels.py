"""Labelling in the compare view: digits 1-6 label what is shown, `u` undoes, the header shows the label.

Each test works on its own copy of the workbench store (labels are writes; the shared store stays clean).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from ecco_tui.config import LimitSettings, Settings
from ecco_tui.services.workbench import Workbench
from ecco_tui.store.store import Store
from ecco_tui.tui.app import EccoApp
from ecco_tui.tui.screens.compare import CompareScreen
from tests.tui.helpers import NO_DELAYS, SIZE, press, settle, wait_for_text

SPURIOUS_OUTPUT = "alpha-instruct:1:0:0"  # outcome spurious-optimization
CORRECT_OUTPUT = "alpha-instruct:0:0:0"  # outcome correct-optimization


def settings_for(path: Path, author: str = "alice") -> Settings:
    return Settings(db_path=path, db_configured=True, engine="local", author=author,
                    limits=LimitSettings(cpu_time_s=2.0, wall_time_s=10.0, memory_kb=256_000))


@pytest.fixture
def store_copy(workbench_file: Path, tmp_path: Path) -> Path:
    target = tmp_path / "store.duckdb"
    shutil.copy(workbench_file, target)
    return target


@pytest.fixture
def rw_store(store_copy: Path) -> Iterator[Store]:
    store = Store.open(store_copy)
    yield store
    store.close()


@pytest.fixture
def rw_app(rw_store: Store, store_copy: Path) -> EccoApp:
    app = EccoApp(Workbench(rw_store), delays=NO_DELAYS)
    app.workbench.settings = settings_for(store_copy)
    return app


async def open_view(pilot: Pilot[object], kind: str, key: str) -> CompareScreen:
    await settle(pilot)
    screen = CompareScreen(kind, key)
    await pilot.app.push_screen(screen)
    await settle(pilot)
    return screen


async def test_digit_key_stores_that_label_for_the_output_as_the_author(rw_app: EccoApp, rw_store: Store) -> None:
    async with rw_app.run_test(size=SIZE, notifications=True) as pilot:
        await open_view(pilot, "output", SPURIOUS_OUTPUT)
        await press(pilot, "2")
        await wait_for_text(pilot, "saved")
    (ann,) = rw_store.current_annotations(target_kind="output", target_ids=[SPURIOUS_OUTPUT])
    assert (ann.label, ann.author) == ("spurious-optimization", "alice")


async def test_label_in_a_pair_view_targets_the_pair(rw_app: EccoApp, rw_store: Store) -> None:
    async with rw_app.run_test(size=SIZE, notifications=True) as pilot:
        await open_view(pilot, "pair", "test:0")
        await press(pilot, "5")
        await wait_for_text(pilot, "saved")
    (ann,) = rw_store.current_annotations(target_kind="pair", target_ids=["test:0"])
    assert ann.label == "ecco-fix-candidate"


async def test_header_shows_the_label_after_the_write(rw_app: EccoApp) -> None:
    async with rw_app.run_test(size=SIZE, notifications=True) as pilot:
        await open_view(pilot, "output", SPURIOUS_OUTPUT)
        await press(pilot, "2")
        text = await wait_for_text(pilot, "alice: spurious-optimization")
    assert "≠ outcome" not in text


async def test_u_undoes_the_last_label(rw_app: EccoApp, rw_store: Store) -> None:
    async with rw_app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_view(pilot, "output", SPURIOUS_OUTPUT)
        await press(pilot, "4", "u")
        await wait_for_text(pilot, "Undone: broken")
        assert screen.annotation is None
    assert rw_store.current_annotations(target_kind="output", target_ids=[SPURIOUS_OUTPUT]) == []


async def test_label_contradicting_the_outcome_is_marked(rw_app: EccoApp) -> None:
    async with rw_app.run_test(size=SIZE, notifications=True) as pilot:
        await open_view(pilot, "output", CORRECT_OUTPUT)
        await press(pilot, "2")  # spurious, but the measured outcome is correct-optimization
        await wait_for_text(pilot, "alice: spurious-optimization ≠ outcome")


async def test_saved_label_is_shown_when_the_view_opens_again(rw_app: EccoApp) -> None:
    async with rw_app.run_test(size=SIZE, notifications=True) as pilot:
        await open_view(pilot, "output", SPURIOUS_OUTPUT)
        await press(pilot, "3")
        await wait_for_text(pilot, "saved")
        await press(pilot, "escape")
        await open_view(pilot, "output", SPURIOUS_OUTPUT)
        await wait_for_text(pilot, "alice: no-gain")


async def test_read_only_store_refuses_to_label_politely(store_copy: Path) -> None:
    store = Store.open(store_copy, read_only=True)
    try:
        app = EccoApp(Workbench(store), delays=NO_DELAYS)
        app.workbench.settings = settings_for(store_copy)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            screen = await open_view(pilot, "output", SPURIOUS_OUTPUT)
            await press(pilot, "1")
            await wait_for_text(pilot, "read-only")
            assert screen.annotation is None
            assert isinstance(app.screen, CompareScreen)
        assert store.current_annotations() == []
    finally:
        store.close()


async def test_n_opens_the_next_output_of_the_run_not_yet_labelled(rw_app: EccoApp, rw_store: Store) -> None:
    from ecco_tui.services.annotations import label, next_unlabeled_output

    app = rw_app
    runs = {o.run_id for o in rw_store.outputs()}
    run = max(runs, key=lambda r: len(rw_store.outputs(run_id=r)))
    outputs = [o.output_id for o in rw_store.outputs(run_id=run)]
    assert len(outputs) >= 3, outputs
    first = outputs[0]
    label(rw_store, "output", outputs[1], "broken", "alice")  # already labelled: skipped
    expected = next_unlabeled_output(rw_store, first, "alice")
    assert expected == outputs[2]
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "output", first)
        await press(pilot, "n")
        for _ in range(100):
            if isinstance(app.screen, CompareScreen) and app.screen.key == expected:
                break
            await pilot.pause(0.05)
        assert isinstance(app.screen, CompareScreen) and app.screen.key == expected


async def test_digit_keys_follow_a_configured_label_set(rw_app: EccoApp, rw_store: Store, store_copy: Path) -> None:
    import dataclasses

    rw_app.workbench.settings = dataclasses.replace(settings_for(store_copy), labels=("real-gain", "fake-gain"))
    output_id = rw_store.outputs(limit=1)[0].output_id
    async with rw_app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "output", output_id)
        await press(pilot, "2")
        await wait_for_text(pilot, "fake-gain")
    (current,) = rw_store.current_annotations(target_ids=[output_id])
    assert current.label == "fake-gain"


def _label_keys_offered(screen: CompareScreen) -> set[str]:
    return {key for key, active in screen.active_bindings.items() if active.binding.action.startswith("label_key")}


async def test_only_the_label_sets_digit_keys_are_offered(rw_app: EccoApp, rw_store: Store) -> None:
    output_id = rw_store.outputs(limit=1)[0].output_id
    async with rw_app.run_test(size=SIZE) as pilot:
        screen = await open_view(pilot, "output", output_id)
        assert _label_keys_offered(screen) == {"1", "2", "3", "4", "5", "6"}


async def test_a_shorter_label_set_offers_fewer_digit_keys(rw_app: EccoApp, rw_store: Store, store_copy: Path) -> None:
    import dataclasses

    rw_app.workbench.settings = dataclasses.replace(settings_for(store_copy), labels=("real-gain", "fake-gain"))
    output_id = rw_store.outputs(limit=1)[0].output_id
    async with rw_app.run_test(size=SIZE) as pilot:
        screen = await open_view(pilot, "output", output_id)
        assert _label_keys_offered(screen) == {"1", "2"}


async def test_help_lists_no_label_key_beyond_the_label_set(rw_app: EccoApp, rw_store: Store) -> None:
    from ecco_tui.tui.screens.help import HelpScreen
    from tests.tui.helpers import screen_text

    output_id = rw_store.outputs(limit=1)[0].output_id
    async with rw_app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "output", output_id)
        await press(pilot, "question_mark")
        assert isinstance(rw_app.screen, HelpScreen)
        text = screen_text(rw_app)
        assert "Label needs-review" in text
        assert "Label label 7" not in text


async def test_help_names_the_configured_labels_of_the_digit_keys(
    rw_app: EccoApp, rw_store: Store, store_copy: Path
) -> None:
    import dataclasses

    from ecco_tui.tui.screens.help import HelpScreen
    from tests.tui.helpers import screen_text

    rw_app.workbench.settings = dataclasses.replace(settings_for(store_copy), labels=("real-gain", "fake-gain"))
    output_id = rw_store.outputs(limit=1)[0].output_id
    async with rw_app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "output", output_id)
        await press(pilot, "question_mark")
        assert isinstance(rw_app.screen, HelpScreen)
        text = screen_text(rw_app)
        assert "Label real-gain" in text and "Label fake-gain" in text
        assert "Label correct-optimization" not in text
