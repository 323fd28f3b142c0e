"""Refinement rounds in the app: `f` asks a model (a loopback OpenAI-compatible server) for one more round and
opens it, measured on every test; a failed round shows its stored reason; jobs never interleave; `h` lists a
chain's rounds and diffs any two; `e` edits a round by hand, runs it on the public tests and saves it.

Each test that writes works on its own copy of the workbench store (fixtures from test_labels.py); the model
server is started once for this module. Tests that run programs need bubblewrap (the local engine).
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widgets import TextArea

from ecco_tui.config import ModelSettings, Settings
from ecco_tui.services.rounds import _generations, save_manual_round
from ecco_tui.services.workbench import Workbench
from ecco_tui.store.store import Store
from ecco_tui.tui.app import EccoApp
from ecco_tui.tui.screens.compare import CompareScreen
from ecco_tui.tui.screens.rounds import ManualEditScreen, RoundsScreen
from ecco_tui.tui.widgets.diff_view import DiffView
from ecco_tui.tui.widgets.record_table import RecordTable
from tests.adversarial.procscan import processes_with_marker
from tests.factories import FAST_MAX
from tests.refine.conftest import TestServer as Model
from tests.refine.conftest import _openai_session
from tests.refine.openai_server import chat, error
from tests.tui.helpers import NO_DELAYS, SIZE, press, screen_text, settle, wait_for_text, wait_until
from tests.tui.test_labels import SPURIOUS_OUTPUT, open_view, rw_store, settings_for, store_copy
from tests.tui.test_rerun import sleepy

# Fixtures shared with test_labels, test_rerun and tests/refine (its loopback OpenAI-compatible server).
__all__ = ["_openai_session", "rw_store", "sleepy", "store_copy"]

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="the local engine needs bubblewrap")
# Every `f` and every saved edit makes a run of its own, named after the source run, the model (or the author)
# and the UTC time (#22): round 1 of the spurious output's chain in such a run.
NEW_ROUND = re.compile(r"alpha-instruct-exec-refine-test-model-\d{8}T\d{6}(-\d+)?:1:0:1")
MANUAL_ROUND = re.compile(r"alpha-instruct-manual-edit-alice-\d{8}T\d{6}(-\d+)?:1:0:1")
ANSWER = f"Here is a faster version:\n```python\n{FAST_MAX}```\n"


@pytest.fixture
def model(_openai_session: Model) -> Model:
    """The server with an empty script and request log."""
    _openai_session.state.reset()
    return _openai_session


def with_model(settings: Settings, url: str) -> Settings:
    return dataclasses.replace(settings, model=ModelSettings(base_url=url, model="test-model", timeout_s=5.0,
                                                             max_tries=1))


@pytest.fixture
def refine_app(rw_store: Store, store_copy: Path, model: Model) -> EccoApp:
    """An app on a store copy whose [model] is the loopback server."""
    app = EccoApp(Workbench(rw_store), delays=NO_DELAYS)
    app.workbench.settings = with_model(settings_for(store_copy), model.url)
    return app


async def open_loaded(pilot: Pilot[object], kind: str, key: str) -> CompareScreen:
    """Open a compare view and wait until its view is shown (keys before that find nothing to act on)."""
    screen = await open_view(pilot, kind, key)
    await wait_until(pilot, lambda: screen.view is not None)
    return screen


def showing(app: EccoApp, key: str | re.Pattern[str]) -> bool:
    """The compare view of `key` (or of a key the pattern matches) is up, loaded, and no job is going on it."""
    screen = app.screen
    return (isinstance(screen, CompareScreen) and screen.view is not None
            and (screen.key == key if isinstance(key, str) else key.fullmatch(screen.key) is not None)
            and not screen.working and not app.busy)


def shown_key(app: EccoApp) -> str:
    screen = app.screen
    assert isinstance(screen, CompareScreen)
    return screen.key


# -------------------------------------------------------------------------------------------------- `f`
@needs_bwrap
async def test_f_on_a_spurious_output_opens_the_new_round_with_its_tests_and_diff(
        refine_app: EccoApp, rw_store: Store, model: Model) -> None:
    model.state.push(chat(ANSWER))
    async with refine_app.run_test(size=SIZE, notifications=True) as pilot:
        await open_loaded(pilot, "output", SPURIOUS_OUTPUT)
        await pilot.press("f")
        await wait_until(pilot, lambda: showing(refine_app, NEW_ROUND))
        new_round = shown_key(refine_app)
        screen = refine_app.screen
        assert isinstance(screen, CompareScreen) and screen.view is not None
        view = screen.view
        assert view.output is not None and view.output.round == 1
        assert (view.output.code or "").strip() == FAST_MAX.strip()
        # per-test results of the new round: every test measured on the local engine, all passing
        assert view.metrics.engine == "local"
        assert [r.label for r in view.tests] == ["public:0", "private:0", "private:1"]
        assert all(r.right.ran and r.right.passed for r in view.tests)
        assert view.metrics.outcome != "spurious-optimization"
        # the diff: slow input against the new round
        diff = screen.query_one("#diff", DiffView)
        assert diff.diff is not None and not diff.diff.identical
        text = await wait_for_text(pilot, "round 1", "Round measured")
        assert "max(" in text
    # the model was sent the paper's execution feedback about the spurious round 0
    (prompt,) = model.state.prompts()
    assert "print(input().split()[0])" in prompt and "CORRECT" in prompt
    stored = rw_store.get_output(new_round)
    assert stored is not None and (stored.code or "").strip() == FAST_MAX.strip() and stored.failure is None


@needs_bwrap
async def test_a_failed_round_shows_its_stored_failure_reason_and_f_tries_it_again(
        refine_app: EccoApp, rw_store: Store, model: Model) -> None:
    model.state.push(error(500, "the GPU caught fire"), chat("Sorry, I cannot improve this program."))
    async with refine_app.run_test(size=SIZE, notifications=True) as pilot:
        await open_loaded(pilot, "output", SPURIOUS_OUTPUT)
        await pilot.press("f")
        await wait_until(pilot, lambda: showing(refine_app, NEW_ROUND))
        failed = shown_key(refine_app)
        await wait_for_text(pilot, "round 1 has no code: HTTP 500: the GPU caught fire", "Round failed")
        stored = rw_store.get_output(failed)
        assert stored is not None and stored.code is None and stored.failure == "HTTP 500: the GPU caught fire"
        # f on the failed round makes round 1 again, from round 0, in a new run of its own: this time the answer
        # has no code block
        failed_run = failed.rsplit(":", 3)[0]
        again = re.compile(re.escape(failed_run) + r"-exec-refine-test-model-\d{8}T\d{6}(-\d+)?:1:0:1")
        await pilot.press("f")
        await wait_until(pilot, lambda: len(model.state.requests) == 2 and showing(refine_app, again))
        await wait_for_text(pilot, "round 1 has no code: no code block")
        retried = shown_key(refine_app)
    stored = rw_store.get_output(retried)
    assert stored is not None and stored.code is None and stored.failure is not None
    assert stored.failure.startswith("no code block")
    # the first new run keeps its failed round as it was
    first = rw_store.get_output(failed)
    assert first is not None and first.failure == "HTTP 500: the GPU caught fire"


@needs_bwrap
async def test_f_while_re_running_is_refused(sleepy: tuple[EccoApp, Store, str], model: Model) -> None:
    app, store, marker = sleepy  # an output whose program sleeps 5 s per test: the re-run is still going
    app.workbench.settings = with_model(app.settings, model.url)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            screen = await open_loaded(pilot, "output", "sleepy:0:0:0")
            await pilot.press("r")
            await wait_until(pilot, lambda: bool(processes_with_marker(marker)))
            await pilot.press("f")
            await wait_for_text(pilot, "A re-run is already going")
            assert screen.rerunning and not screen.refining
            await pilot.press("escape")
            await wait_until(pilot, lambda: not screen.working)
            await settle(pilot)
        assert model.state.requests == []
        assert not [r.run_id for r in store.runs() if r.run_id.startswith("sleepy-exec-refine")]
    finally:
        store.close()


@needs_bwrap
async def test_r_and_f_during_a_round_are_refused_and_escape_cancels_it(
        refine_app: EccoApp, rw_store: Store, model: Model) -> None:
    model.state.push(dataclasses.replace(chat(ANSWER), delay_s=3.0))
    async with refine_app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_loaded(pilot, "output", SPURIOUS_OUTPUT)
        await pilot.press("f")
        await wait_until(pilot, lambda: bool(model.state.requests))  # the model is thinking
        await wait_for_text(pilot, "refining · waiting for test-model")
        await pilot.press("r")
        await wait_for_text(pilot, "A refinement round is going")
        assert not screen.rerunning
        await pilot.press("f")
        assert len(model.state.requests) == 1 and len([w for w in refine_app.workers if w.group == "refine"]) == 1
        await pilot.press("escape")
        await wait_until(pilot, lambda: not screen.working, timeout=5)
        await wait_for_text(pilot, "Refinement cancelled")
        assert refine_app.screen is screen
        await settle(pilot)
    assert not [o for r in rw_store.runs() if r.run_id.startswith("alpha-instruct-exec-refine")
                for o in rw_store.outputs(run_id=r.run_id) if o.round > 0]


# -------------------------------------------------------------------------------------------- timeline
async def test_timeline_lists_the_rounds_and_diffs_any_two(rw_store: Store, store_copy: Path) -> None:
    edited = FAST_MAX.replace("print(", "best = ") + "print(best)\n"
    one = save_manual_round(rw_store, SPURIOUS_OUTPUT, FAST_MAX, "alice")
    two = save_manual_round(rw_store, one.output_id, edited, "bob")
    assert MANUAL_ROUND.fullmatch(one.output_id) and two.round == 2
    # the second edit went to a run of its own, holding copies of round 0 and of the first edit
    zero, first = f"{two.run_id}:1:0:0", f"{two.run_id}:1:0:1"
    app = EccoApp(Workbench(rw_store), delays=NO_DELAYS)
    app.workbench.settings = settings_for(store_copy)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_loaded(pilot, "output", two.output_id)
        await press(pilot, "h")
        assert isinstance(app.screen, RoundsScreen)
        screen = app.screen
        table = screen.query_one("#rounds-table", RecordTable)
        assert table.keys == [zero, first, two.output_id]
        text = await wait_for_text(pilot, "manual edit · alice", "manual edit · bob", "instruct · alpha")
        assert "spurious-opt" in text and "0/2" in text  # round 0: fails both private tests
        diff = screen.query_one("#rounds-diff", DiffView)
        # the cursor starts on the round we came from, diffed against its previous round
        assert screen.shown == (first, two.output_id)
        assert diff.left_pane.border_title == "round 1 (manual edit · alice)"
        # pin round 0 as the base, move to round 2: the diff is round 0 → round 2
        await press(pilot, "up", "up", "b", "down", "down")
        assert screen.shown == (zero, two.output_id)
        assert diff.diff is not None and diff.diff.added >= 2
        # against the slow input
        await press(pilot, "i")
        assert screen.shown == ("input", two.output_id)
        # enter opens the round under the cursor in the compare view
        await press(pilot, "up", "enter")
        await wait_until(pilot, lambda: showing(app, first))


# ---------------------------------------------------------------------------------------- manual edit
@needs_bwrap
async def test_manual_edit_runs_on_public_tests_and_saves_a_new_round(refine_app: EccoApp, rw_store: Store) -> None:
    async with refine_app.run_test(size=SIZE, notifications=True) as pilot:
        await open_loaded(pilot, "output", SPURIOUS_OUTPUT)
        await press(pilot, "e")
        assert isinstance(refine_app.screen, ManualEditScreen)
        editor = refine_app.screen
        area = editor.query_one("#edit-code", TextArea)
        assert area.has_focus and "split()[0]" in area.text and area.language == "python"
        await press(pilot, "ctrl+s")  # nothing edited yet: refused
        await wait_for_text(pilot, "The program is unchanged")
        area.load_text(FAST_MAX)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: editor.last_run is not None)
        assert editor.last_run is not None
        assert [r.passed for r in editor.last_run.results] == [True], [
            (e.status_description, e.message, e.stderr_excerpt)
            for e in rw_store.executions_for(editor.last_run.code_sha256, "p90002")]
        await wait_for_text(pilot, "1/1 passed")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: showing(refine_app, MANUAL_ROUND))
        manual_round = shown_key(refine_app)
        screen = refine_app.screen
        assert isinstance(screen, CompareScreen) and screen.view is not None
        assert all(r.right.ran and r.right.passed for r in screen.view.tests)  # measured on every test
        await wait_for_text(pilot, "Round saved", "manual-edit")
    saved = rw_store.get_output(manual_round)
    assert saved is not None and saved.code == FAST_MAX and saved.round == 1
    generation = _generations(rw_store, [manual_round])[manual_round]
    assert generation["method"] == "manual-edit" and generation["author"] == "alice"
    assert generation["from_output"] == SPURIOUS_OUTPUT
    # the source run is unchanged: its chain still ends at round 0
    assert [o.round for o in rw_store.outputs(run_id="alpha-instruct") if o.row_idx == 1] == [0]


# ----------------------------------------------------------------------------------------------- keys
def test_every_rounds_binding_has_an_id_and_a_description() -> None:
    for owner in (RoundsScreen, ManualEditScreen, CompareScreen):
        for binding in owner.BINDINGS:
            assert isinstance(binding, Binding) and binding.id and binding.description, binding


async def test_round_keys_are_in_the_footer_help_and_palette_of_an_output_only(app: EccoApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_loaded(pilot, "output", SPURIOUS_OUTPUT)
        # the shared app has no [model]: f says how to configure one
        await pilot.press("f")
        await wait_for_text(pilot, "No model configured", "[model]")
        assert not app.screen.working  # type: ignore[attr-defined]
        app.clear_notifications()
        text = screen_text(app)
        assert "f Refine" in text and "h Rounds" in text
        await press(pilot, "question_mark")
        text = screen_text(app)
        assert "Refine" in text and "Rounds" in text and "Edit" in text
        await press(pilot, "escape", "ctrl+p", *"rounds")
        assert "chain" in screen_text(app)
        await press(pilot, "escape", "escape")
        await open_loaded(pilot, "pair", "test:0")
        text = screen_text(app)
        assert "f Refine" not in text and "h Rounds" not in text
