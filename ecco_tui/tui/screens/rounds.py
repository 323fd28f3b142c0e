"""Refinement rounds: a chain's timeline (`h` in the compare view) and the manual edit of a round (`e`).

RoundsScreen lists the rounds of one chain (same run, row and sample) with pass@1, public/private passes,
speedup with its interval, outcome, how each round was made and why a failed one has no code; below it, the
diff of two rounds: the one under the cursor against its previous round, or against a base picked with `b`
(or the slow input, `i`). Enter (or `o`) opens a round in the compare view.

ManualEditScreen edits a round's program in a TextArea: ctrl+r runs it on the public tests now (live, per
test), ctrl+s saves it as a new round (services.rounds.save_manual_round) and hands the new round's id back
to the compare view, which opens it. Both screens do everything through services in workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.markup import escape
from textual.message import Message
from textual.widgets import Footer, Header, Static, TextArea
from textual.worker import Worker, WorkerState, get_current_worker

from ecco_tui.model import code_sha256
from ecco_tui.services.refine import RefineBusyError
from ecco_tui.services.rerun import RerunEvent
from ecco_tui.services.rounds import PublicRun, RoundError, RoundInfo, RoundMade, RoundTimeline
from ecco_tui.tui.diff_model import CodeDiff, build_diff
from ecco_tui.tui.formatting import DASH, colored, fmt_interval, fmt_kb, fmt_ratio, fmt_seconds, outcome_cell
from ecco_tui.tui.layout import HORIZONTAL_BREAKPOINTS, VERTICAL_BREAKPOINTS
from ecco_tui.tui.screens.base import EccoScreen
from ecco_tui.tui.theme_colors import theme_colors
from ecco_tui.tui.widgets.diff_view import DiffView
from ecco_tui.tui.widgets.record_table import RecordTable

STYLES = Path(__file__).parent.parent / "styles" / "rounds.tcss"
#: The outcome right after the round, so that a narrow terminal (whose right columns scroll) still shows it.
TIMELINE_COLUMNS = ["", "round", "outcome", "pass@1", "public", "private", "speedup", "95% interval", "made by",
                    "failure"]
EDIT_COLUMNS = ["", "test", "status", "cpu", "memory"]
INPUT = "input"  # the diff base meaning "the slow input"


def _one_line(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


# ------------------------------------------------------------------------------------------------ timeline
@dataclass
class TimelineLoaded(Message):
    output_id: str
    timeline: RoundTimeline | None


@dataclass
class RoundDiffLoaded(Message):
    key: tuple[str, str]  # (base, target)
    diff: CodeDiff


def timeline_cells(r: RoundInfo, colors: dict[str, str], *, current: bool, base: bool) -> tuple[str, ...]:
    """One row of the timeline: marks (▶ the output the view came from, ◆ the pinned diff base) and figures."""
    mark = ("▶" if current else " ") + ("◆" if base else " ")
    if r.pass_at_1 is None:
        pass_cell = colored(DASH, "foreground-muted", colors)
    else:
        pass_cell = colored(f"{r.pass_at_1:.0f}", "success" if r.pass_at_1 else "error", colors)
    public = f"{r.public_passed}/{r.public_run}" if r.public_run else DASH
    private = f"{r.private_passed}/{r.private_run}" if r.private_run else DASH
    if r.speedup is not None:
        speed = fmt_ratio(r.speedup)
    elif r.runtime_ratio is not None:
        speed = colored(f"({fmt_ratio(r.runtime_ratio)})", "foreground-muted", colors)  # fails: a ratio, no speedup
    else:
        speed = DASH
    failure = colored(_one_line(r.failure), "error", colors) if r.failure else ""
    return (mark, str(r.round), outcome_cell(r.outcome, colors), pass_cell, public, private, speed,
            escape(fmt_interval(r.speedup_lo, r.speedup_hi) or DASH), escape(r.how), failure)


class RoundsScreen(EccoScreen):
    """Every round of one refinement chain, and the diff of any two of them."""

    TITLE = "Rounds"
    HORIZONTAL_BREAKPOINTS = HORIZONTAL_BREAKPOINTS
    VERTICAL_BREAKPOINTS = VERTICAL_BREAKPOINTS
    CSS_PATH = STYLES
    AUTO_FOCUS = "#rounds-table KeyedDataTable"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("b", "pin_base", "Diff base", id="rounds.base",
                tooltip="Diff the other rounds against the round under the cursor (again: each round against "
                        "its previous one)"),
        Binding("i", "input_base", "Vs input", id="rounds.input", show=False,
                tooltip="Diff every round against the slow input (again: against the previous round)"),
        Binding("o", "open_round", "Open round", id="rounds.open",
                tooltip="Open the round under the cursor in the compare view (enter does too)"),
        Binding("m", "toggle_mode", "Split/unified", id="rounds.mode",
                tooltip="Switch between side-by-side and unified diff"),
        Binding("]", "next_change", "Next change", id="rounds.next_change", tooltip="Jump to the next change"),
        Binding("[", "previous_change", "Prev change", id="rounds.prev_change", show=False,
                tooltip="Jump to the previous change"),
    ]

    def __init__(self, output_id: str) -> None:
        super().__init__(id="rounds-screen")
        self.output_id = output_id
        self.timeline: RoundTimeline | None = None
        self.base: str | None = None  # None: each round's previous one; INPUT; or a round's output id
        self.shown: tuple[str, str] | None = None  # (base, target) of the diff on screen
        self._diffs: dict[tuple[str, str], CodeDiff] = {}

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="≡")
        yield Static("Loading the rounds…", id="rounds-summary")
        yield RecordTable(TIMELINE_COLUMNS, id="rounds-table", max_column_width=40,
                          empty_text="This output has no rounds stored.")
        yield DiffView(id="rounds-diff")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#rounds-table", RecordTable).border_title = "Rounds"
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._fill())
        self.load_timeline()

    def store_changed(self, forced: bool = False) -> None:
        """F5: the chain again (another process may have evaluated or refined it). Not on every write seen:
        a reload puts the cursor back on the round you came from."""
        if forced and self.is_mounted:
            self.load_timeline()

    # -- loading ----------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="rounds", exit_on_error=False)
    def load_timeline(self) -> None:
        timeline = self.workbench.chain_timeline(self.output_id)
        if not get_current_worker().is_cancelled:
            self.post_message(TimelineLoaded(self.output_id, timeline))

    @on(TimelineLoaded)
    def _loaded(self, message: TimelineLoaded) -> None:
        timeline = message.timeline
        if timeline is None:
            self.query_one("#rounds-summary", Static).update(f"No output {self.output_id!r} in this store.")
            return
        self.timeline = timeline
        run = timeline.run
        about = f"{run.model} · {run.method}" if run else "?"
        self.sub_title = f"{run.run_id if run else '?'} · row {timeline.row_idx}"
        self.query_one("#rounds-summary", Static).update(Content.from_markup(
            f"[b]{escape(run.run_id if run else '?')}[/b] · row {timeline.row_idx} · sample {timeline.sample_idx} · "
            f"{escape(timeline.problem_id)} · {escape(about)} · {len(timeline.rounds)} rounds\n"
            "[dim]pass@1 and speedup on the private tests (public passes apart); ▶ the output you came from; "
            "b pins a diff base (◆), i diffs against the input[/dim]"))
        self._fill(cursor=timeline.current)
        self._show_diff(timeline.current)

    def _fill(self, cursor: str | None = None) -> None:
        timeline = self.timeline
        if timeline is None:
            return
        table = self.query_one("#rounds-table", RecordTable)
        colors = theme_colors(self.app)
        rows = [timeline_cells(r, colors, current=r.output_id == timeline.current, base=r.output_id == self.base)
                for r in timeline.rounds]
        table.show(rows, [r.output_id for r in timeline.rounds], cursor_key=cursor or table.cursor_key)
        # The rows, the header and the border; on a narrow terminal the columns scroll: a row for the scrollbar.
        table.styles.height = min(max(len(rows), 1), 10) + 3 + (1 if self.has_class("-narrow") else 0)

    # -- the diff ---------------------------------------------------------------------------------
    def _base_of(self, target: RoundInfo) -> tuple[str, str, str]:
        """(base key, base code, base label) for the diff of `target`."""
        timeline = self.timeline
        assert timeline is not None
        base = self.base
        if base is not None and base != INPUT and base != target.output_id:
            pinned = timeline.get(base)
            if pinned is not None:
                return pinned.output_id, pinned.code, f"round {pinned.round} ({pinned.how})"
        if base is None:
            previous = timeline.previous(target.output_id)
            if previous is not None:
                return previous.output_id, previous.code, f"round {previous.round} ({previous.how})"
        return INPUT, timeline.input_code, timeline.input_label

    def _show_diff(self, target_id: str | None) -> None:
        timeline = self.timeline
        target = timeline.get(target_id) if timeline is not None and target_id else None
        if target is None:
            return
        base_key, base_code, _ = self._base_of(target)
        key = (base_key, target.output_id)
        if key == self.shown:
            return
        if key in self._diffs:
            self._set_diff(key, self._diffs[key])
        else:
            self.build_round_diff(key, base_code, target.code)

    @work(thread=True, exclusive=True, group="rounds-diff", exit_on_error=False)
    def build_round_diff(self, key: tuple[str, str], left: str, right: str) -> None:
        diff = build_diff(left, right)
        if not get_current_worker().is_cancelled:
            self.post_message(RoundDiffLoaded(key, diff))

    @on(RoundDiffLoaded)
    def _diff_loaded(self, message: RoundDiffLoaded) -> None:
        self._diffs[message.key] = message.diff
        cursor = self.query_one("#rounds-table", RecordTable).cursor_key
        if cursor == message.key[1]:
            self._set_diff(message.key, message.diff)

    def _set_diff(self, key: tuple[str, str], diff: CodeDiff) -> None:
        timeline = self.timeline
        assert timeline is not None
        target = timeline.get(key[1])
        if target is None:
            return
        _, _, base_label = self._base_of(target)
        right = f"round {target.round} ({target.how})"
        if not target.has_code:
            right = f"round {target.round}: no code ({target.failure or 'nothing stored'})"
        self.query_one("#rounds-diff", DiffView).set_diff(diff, base_label, right)
        self.shown = key

    @on(RecordTable.Highlighted, "#rounds-table")
    def _highlighted(self, event: RecordTable.Highlighted) -> None:
        self._show_diff(event.key)

    @on(RecordTable.Chosen, "#rounds-table")
    def _chosen(self, event: RecordTable.Chosen) -> None:
        self.dismiss(event.key)  # type: ignore[arg-type]  # the compare view opens the round

    # -- actions ----------------------------------------------------------------------------------
    def _cursor(self) -> str | None:
        return self.query_one("#rounds-table", RecordTable).cursor_key

    def _rebase(self, base: str | None, note: str) -> None:
        self.base = base
        self.shown = None
        cursor = self._cursor()
        self._fill(cursor=cursor)
        self._show_diff(cursor)
        self.notify(note)

    def action_pin_base(self) -> None:
        cursor = self._cursor()
        if cursor is None or self.timeline is None:
            return
        if self.base == cursor:
            self._rebase(None, "Each round is diffed against its previous round.")
            return
        found = self.timeline.get(cursor)
        self._rebase(cursor, f"Diff base: round {found.round if found else '?'}; move to another round to compare.")

    def action_input_base(self) -> None:
        if self.base == INPUT:
            self._rebase(None, "Each round is diffed against its previous round.")
        else:
            self._rebase(INPUT, "Every round is diffed against the slow input.")

    def action_open_round(self) -> None:
        cursor = self._cursor()
        if cursor is not None:
            self.dismiss(cursor)  # type: ignore[arg-type]

    def action_toggle_mode(self) -> None:
        self.query_one("#rounds-diff", DiffView).toggle_mode()

    def action_next_change(self) -> None:
        if not self.query_one("#rounds-diff", DiffView).jump_to_change(1):
            self.app.bell()

    def action_previous_change(self) -> None:
        if not self.query_one("#rounds-diff", DiffView).jump_to_change(-1):
            self.app.bell()


# --------------------------------------------------------------------------------------------- manual edit
@dataclass
class EditProgress(Message):
    event: RerunEvent


@dataclass
class EditRunDone(Message):
    run: PublicRun


@dataclass
class EditSaved(Message):
    made: RoundMade


@dataclass
class EditRefused(Message):
    reason: str


class ManualEditScreen(EccoScreen):
    """Edit a round's program, run it on the public tests, save it as a new round (a manual edit)."""

    TITLE = "Edit round"
    HORIZONTAL_BREAKPOINTS = HORIZONTAL_BREAKPOINTS
    VERTICAL_BREAKPOINTS = VERTICAL_BREAKPOINTS
    CSS_PATH = STYLES
    AUTO_FOCUS = "#edit-code"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="nav.back",
                tooltip="Leave the editor (from the editor: leave it first); cancels a run; an unsaved edit "
                        "needs a second escape"),
        Binding("ctrl+r", "run_public", "Run public", id="edit.run",
                tooltip="Run the edited program on the public tests now (results per test as they finish)"),
        Binding("ctrl+s", "save_round", "Save round", id="edit.save",
                tooltip="Save the edited program as a new round of this output (a manual edit, as you)"),
    ]

    def __init__(self, output_id: str, problem_id: str, code: str, title: str, public_labels: list[str],
                 target_run: str) -> None:
        super().__init__(id="edit-round-screen")
        self.output_id = output_id
        self.problem_id = problem_id
        self.original = code
        self.title_text = title
        self.public_labels = public_labels
        self.target_run = target_run
        self.last_run: PublicRun | None = None
        self._run: Worker[None] | None = None
        self._save: Worker[None] | None = None
        self._cells: dict[str, tuple[str, ...]] = {}
        self._discard_armed = False

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="≡")
        yield Static(id="edit-summary")
        yield TextArea(self.original, language="python", id="edit-code", tab_behavior="indent",
                       show_line_numbers=True)
        yield RecordTable(EDIT_COLUMNS, id="edit-results", max_column_width=30,
                          empty_text="Not run yet: ctrl+r runs the program on the public tests.")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.title_text
        author = self.settings.author
        self.query_one("#edit-summary", Static).update(Content.from_markup(
            f"[b]Editing[/b] {escape(self.title_text)}\n[dim]ctrl+r runs it on the public tests · ctrl+s saves it "
            f"as the next round of this chain in run {escape(self.target_run)} (a manual edit by {escape(author)}; "
            "the source run does not change)[/dim]"))
        editor = self.query_one("#edit-code", TextArea)
        editor.border_title = "Program (edit here)"
        editor.border_subtitle = "ctrl+r run · ctrl+s save"
        colors = theme_colors(self.app)
        self._cells = {label: (colored("·", "foreground-muted", colors), label,
                               colored("not run", "foreground-muted", colors), DASH, DASH)
                       for label in self.public_labels}
        self._show_cells("Public tests")

    @property
    def code(self) -> str:
        return self.query_one("#edit-code", TextArea).text

    @property
    def running(self) -> bool:
        return self._run is not None and self._run.state in (WorkerState.PENDING, WorkerState.RUNNING)

    @property
    def saving(self) -> bool:
        return self._save is not None and self._save.state in (WorkerState.PENDING, WorkerState.RUNNING)

    # -- running on the public tests --------------------------------------------------------------
    def action_run_public(self) -> None:
        if self.running:
            self.notify("The program is already running: wait for it, or escape to cancel.", severity="warning")
            return
        if self.workbench.read_only:
            self.notify("The store is open read-only: nothing can be run or saved.", severity="warning")
            return
        code = self.code
        if not code.strip():
            self.notify("The program is empty.", severity="warning")
            return
        colors = theme_colors(self.app)
        queued = colored("queued", "foreground-muted", colors)
        self._cells = {label: (colored("·", "foreground-muted", colors), label, queued, DASH, DASH)
                       for label in self.public_labels}
        self._show_cells(f"Public tests · running on {self.settings.engine} · escape cancels")
        self._run = self.run_worker_public(code)

    def _show_cells(self, title: str) -> None:
        table = self.query_one("#edit-results", RecordTable)
        labels = list(self._cells)
        table.show([self._cells[k] for k in labels], labels)
        table.border_title = title

    @work(exclusive=True, group="edit-run", exit_on_error=False)
    async def run_worker_public(self, code: str) -> None:
        try:
            run = await self.workbench.run_public_tests(
                self.problem_id, code, progress=lambda event: self.post_message(EditProgress(event)))
        except RoundError as exc:
            self.post_message(EditRefused(str(exc)))
            return
        self.post_message(EditRunDone(run))

    @on(EditProgress)
    def _progress(self, message: EditProgress) -> None:
        event = message.event
        if not self.running:
            return
        colors = theme_colors(self.app)
        var = "success" if event.passed else "error"
        self._cells[event.test_label] = (colored("✔" if event.passed else "✘", var, colors), event.test_label,
                                         colored(event.status, var, colors), DASH, DASH)
        self._show_cells(f"Public tests · {event.done}/{event.total} · escape cancels")

    @on(EditRunDone)
    def _run_done(self, message: EditRunDone) -> None:
        run = message.run
        self.last_run = run
        colors = theme_colors(self.app)
        for r in run.results:
            var = "success" if r.passed else "error"
            self._cells[r.label] = (colored("✔" if r.passed else "✘", var, colors), r.label,
                                    colored(r.status, var, colors), fmt_seconds(r.cpu_time_s), fmt_kb(r.memory_kb))
        changed = "" if code_sha256(self.code) == run.code_sha256 else " · edited since"
        self._show_cells(f"Public tests · {run.n_passed}/{len(run.results)} passed on {run.engine}{changed}")
        for error in run.errors:
            self.notify(error, title="Run failed", severity="error", timeout=10, markup=False)
        severity = "information" if run.n_passed == len(run.results) else "warning"
        self.notify(f"Passes {run.n_passed}/{len(run.results)} public tests. ctrl+s saves it as a new round.",
                    severity=severity)  # type: ignore[arg-type]

    @on(EditRefused)
    def _refused(self, message: EditRefused) -> None:
        self.notify(message.reason, title="Not done", severity="warning", timeout=10, markup=False)
        if not self.last_run:
            self.query_one("#edit-results", RecordTable).border_title = "Public tests"

    @on(Worker.StateChanged)
    def _run_state(self, event: Worker.StateChanged) -> None:
        if event.worker is self._run and event.state is WorkerState.CANCELLED:
            self.notify("Run cancelled; the results that finished are stored.", severity="warning")
            self.query_one("#edit-results", RecordTable).border_title = "Public tests · cancelled"

    # -- saving -----------------------------------------------------------------------------------
    def action_save_round(self) -> None:
        if self.running or self.saving:
            self.notify("Wait for the run to finish (or escape to cancel it) before saving.", severity="warning")
            return
        if self.workbench.read_only:
            self.notify("The store is open read-only: the edit cannot be saved.", severity="warning")
            return
        code = self.code
        if not code.strip():
            self.notify("The program is empty: nothing to save.", severity="warning")
            return
        if code_sha256(code) == code_sha256(self.original):
            self.notify("The program is unchanged: edit it before saving it as a round.", severity="warning")
            return
        self._save = self.save_worker(code)

    @work(thread=True, exclusive=True, group="edit-save", exit_on_error=False)
    def save_worker(self, code: str) -> None:
        try:
            made = self.workbench.save_manual_round(self.output_id, code)
        except (RoundError, RefineBusyError) as exc:
            self.post_message(EditRefused(str(exc)))
            return
        self.post_message(EditSaved(made))

    @on(EditSaved)
    def _saved(self, message: EditSaved) -> None:
        made = message.made
        self.notify(f"Saved as round {made.round} of {made.run_id} (manual edit by {self.settings.author}).",
                    title="Round saved", markup=False)
        self.dismiss(made.output_id)  # type: ignore[arg-type]  # the compare view opens and measures it

    # -- leaving ----------------------------------------------------------------------------------
    def action_back(self) -> None:
        if self.running and self._run is not None:
            self._run.cancel()
            return
        if self.saving:
            return
        if code_sha256(self.code) != code_sha256(self.original) and not self._discard_armed:
            self._discard_armed = True
            self.notify("The edit is not saved: escape again to drop it, ctrl+s to save it.", severity="warning")
            return
        self.dismiss(None)
