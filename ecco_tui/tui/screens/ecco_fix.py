"""ECCO-FIX queue: model outputs that pass every public test but fail a private one, and a place to fix them.

The queue lists the candidates (`services.ecco_fix.fix_candidates`); enter opens one: its failing private
tests (input, expected, actual) and its program in an editor. ctrl+r runs the edited program on every test
of the problem in a worker (results per test in the table below the editor); ctrl+s saves it as the fix —
only when the last run of exactly this code passed every test; `c` (in the queue) confirms the candidate
without a fix. Everything that touches the store or an engine runs in a thread worker through the service.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.message import Message
from textual.widgets import Footer, Header, Static, TextArea
from textual.worker import Worker, WorkerState, get_current_worker

from ecco_tui.services import ecco_fix
from ecco_tui.services.ecco_fix import FixCandidate, FixRun
from ecco_tui.tui.formatting import colored, elide_middle
from ecco_tui.tui.layout import HORIZONTAL_BREAKPOINTS, VERTICAL_BREAKPOINTS
from ecco_tui.tui.screens.base import EccoScreen
from ecco_tui.tui.theme_colors import theme_colors
from ecco_tui.tui.widgets.record_table import RecordTable

QUEUE_COLUMNS = ["problem", "run", "row", "failing", "fix"]
QUEUE_RUN_WIDTH = 18
RESULT_COLUMNS = ["", "test", "status", "expected", "actual"]


@dataclass
class FixQueueLoaded(Message):
    candidates: list[FixCandidate]


@dataclass
class FixRunDone(Message):
    output_id: str
    run: FixRun


@dataclass
class FixSaved(Message):
    output_id: str
    program_id: str | None  # None: confirmed without a fix


def _one_line(text: str, width: int = 40) -> str:
    flat = text.replace("\n", "⏎ ").strip()
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def queue_row(c: FixCandidate) -> tuple[object, ...]:
    fix = "fixed" if c.has_fix else ("confirmed" if c.confirmed else "—")
    # A long run name is cut in the middle (the column is 18 cells); the open candidate's failing panel names it.
    return (c.problem_id, escape(elide_middle(c.run_id, QUEUE_RUN_WIDTH)), f"{c.row_idx}.{c.sample_idx}",
            f"{len(c.failing)}/{c.n_private}", fix)


def failing_markup(c: FixCandidate) -> str:
    lines = [f"[b]{escape(c.output_id)}[/b]  {escape(c.problem_id)} · run {escape(c.run_id)} · engine "
             f"{escape(c.engine or '—')} · passes {c.n_public}/{c.n_public} public · fails "
             f"{len(c.failing)}/{c.n_private} private"]
    for f in c.failing:
        lines.append(f"[$error]✘ {escape(f.label)}[/] {escape(f.status)}")
        lines.append(f"  [dim]input[/dim]    {escape(_one_line(f.input_excerpt, 90))}")
        lines.append(f"  [dim]expected[/dim] {escape(_one_line(f.expected, 90))}")
        lines.append(f"  [dim]actual[/dim]   {escape(_one_line(f.actual, 90))}")
        if f.stderr.strip():
            lines.append(f"  [dim]stderr[/dim]   {escape(_one_line(f.stderr, 90))}")
    return "\n".join(lines)


class EccoFixScreen(EccoScreen):
    """Almost-correct outputs → edit a fix → run it on every test → save it, linked to the output."""

    TITLE = "ECCO-FIX"
    HORIZONTAL_BREAKPOINTS = HORIZONTAL_BREAKPOINTS
    VERTICAL_BREAKPOINTS = VERTICAL_BREAKPOINTS
    CSS_PATH = Path(__file__).parent.parent / "styles" / "ecco_fix.tcss"
    AUTO_FOCUS = "#fix-queue KeyedDataTable"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="nav.back",
                tooltip="Close the open candidate (from the editor: leave it first), else back"),
        Binding("ctrl+r", "run_fix", "Run fix", id="ecco_fix.run",
                tooltip="Run the edited program on every public and private test"),
        Binding("ctrl+s", "save_fix", "Save fix", id="ecco_fix.save",
                tooltip="Save the edited program as the fix (after a run passing every test)"),
        Binding("c", "confirm", "Confirm", id="ecco_fix.confirm",
                tooltip="Label the candidate ecco-fix-candidate without a fix"),
        Binding("r", "reload", "Reload", id="ecco_fix.reload", show=False, tooltip="Reload the queue"),
    ]

    def __init__(self, *, run_id: str | None = None) -> None:
        super().__init__(id="ecco-fix")
        self.run_id = run_id
        self.candidates: list[FixCandidate] = []
        self.current: FixCandidate | None = None
        self.last_run: FixRun | None = None
        self._fix_job: Worker[None] | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="≡")
        yield Static("Loading candidates…", id="fix-summary")
        with Horizontal(id="fix-body"):
            yield RecordTable(QUEUE_COLUMNS, id="fix-queue", max_column_width=18,
                              empty_text="No candidate: no final-round output passes every public test and "
                                         "fails a private one (public tests must have been executed).")
            with Vertical(id="fix-detail"):
                with VerticalScroll(id="fix-failing-scroll"):
                    yield Static(id="fix-failing")
                yield TextArea("", language="python", id="fix-editor", tab_behavior="indent",
                               show_line_numbers=True)
                yield RecordTable(RESULT_COLUMNS, id="fix-results", max_column_width=30,
                                  empty_text="Not run yet: ctrl+r runs the program on every test.")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#fix-queue", RecordTable).border_title = "Candidates"
        self.query_one("#fix-failing-scroll").border_title = "Failing private tests"
        self.query_one("#fix-editor", TextArea).border_title = "Fix (edit here)"
        self.query_one("#fix-results", RecordTable).border_title = "Run results"
        self.query_one("#fix-detail").display = False
        self.load_queue()

    # -- workers ----------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="ecco-fix-queue", exit_on_error=False)
    def load_queue(self) -> None:
        self.post_message(FixQueueLoaded(self.workbench.fix_candidates(self.run_id)))

    @work(exclusive=True, group="ecco-fix-run", exit_on_error=False)
    async def run_fix_worker(self, output_id: str, problem_id: str, code: str) -> None:
        """A workbench job: Escape cancels it (its programs are killed) and nothing is left running."""
        self.post_message(FixRunDone(output_id, await self.workbench.run_fix(problem_id, code)))

    @work(thread=True, exclusive=True, group="ecco-fix-save", exit_on_error=False)
    def save_worker(self, output_id: str, code: str | None) -> None:
        if code is None:
            self.workbench.confirm_fix_candidate(output_id)
            self.post_message(FixSaved(output_id, None))
        else:
            self.post_message(FixSaved(output_id, self.workbench.save_fix(output_id, code)))

    # -- messages ---------------------------------------------------------------------------------
    @on(FixQueueLoaded)
    def _queue_loaded(self, message: FixQueueLoaded) -> None:
        self.candidates = message.candidates
        queue = self.query_one("#fix-queue", RecordTable)
        queue.show([queue_row(c) for c in self.candidates], [c.output_id for c in self.candidates],
                   cursor_key=queue.cursor_key)
        fixed = sum(c.has_fix for c in self.candidates)
        confirmed = sum(c.confirmed and not c.has_fix for c in self.candidates)
        self.query_one("#fix-summary", Static).update(
            f"{len(self.candidates)} candidates (pass every public test, fail a private one) · "
            f"{fixed} fixed · {confirmed} confirmed" + (f" · run {self.run_id}" if self.run_id else ""))
        if self.current is not None:
            self.current = next((c for c in self.candidates if c.output_id == self.current.output_id), self.current)

    @on(RecordTable.Highlighted, "#fix-queue")
    def _highlighted(self, event: RecordTable.Highlighted) -> None:
        """The queue's tooltip names the highlighted candidate's run in full (the column may cut it)."""
        candidate = next((c for c in self.candidates if c.output_id == event.key), None)
        event.table.tooltip = f"{candidate.output_id} · run {candidate.run_id}" if candidate is not None else None

    @on(RecordTable.Chosen, "#fix-queue")
    def _chosen(self, event: RecordTable.Chosen) -> None:
        candidate = next((c for c in self.candidates if c.output_id == event.key), None)
        if candidate is not None:
            self.open_candidate(candidate)

    def open_candidate(self, candidate: FixCandidate) -> None:
        self.current = candidate
        self.last_run = None
        self.query_one("#fix-detail").display = True
        self.add_class("-fix-open")  # a narrow terminal gives the open candidate the queue's width
        self.query_one("#fix-failing", Static).update(Content.from_markup(failing_markup(candidate)))
        editor = self.query_one("#fix-editor", TextArea)
        editor.load_text(candidate.code)
        editor.border_subtitle = "edit · ctrl+r run · ctrl+s save"
        results = self.query_one("#fix-results", RecordTable)
        results.show([], [])
        results.border_title = "Run results"
        self.query_one("#fix-failing-scroll").border_subtitle = None
        self.load_badge(candidate.output_id)
        editor.focus()

    @work(thread=True, exclusive=True, group="ecco-fix-badge", exit_on_error=False)
    def load_badge(self, output_id: str) -> None:
        """Whether `ecco export-training --include-fixes` takes this candidate (its fix as a target), shown
        under its failing tests (issue #24)."""
        badge = self.workbench.export_badge(output_id)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_badge, output_id, badge)

    def _show_badge(self, output_id: str, badge: str | None) -> None:
        if self.current is not None and self.current.output_id == output_id:
            self.query_one("#fix-failing-scroll").border_subtitle = badge

    @on(FixRunDone)
    def _run_done(self, message: FixRunDone) -> None:
        if self.current is None or message.output_id != self.current.output_id:
            return
        run = message.run
        self.last_run = run
        colors = theme_colors(self.app)
        rows = [(colored("✔", "success", colors) if r.passed else colored("✘", "error", colors), r.label,
                 colored(r.status, "success" if r.passed else "error", colors), escape(_one_line(r.expected, 30)),
                 escape(_one_line(r.actual, 30))) for r in run.results]
        results = self.query_one("#fix-results", RecordTable)
        results.show(rows, [r.label for r in run.results])
        verdict = "all pass: ctrl+s saves" if run.all_passed else "not all pass"
        results.border_title = f"Run results · {run.n_passed}/{len(run.results)} passed · {verdict}"
        for error in run.errors:
            self.notify(error, title="Run failed", severity="error", timeout=10)
        if run.all_passed:
            self.notify(f"The fix passes all {len(run.results)} tests ({run.engine}). ctrl+s saves it.")
        else:
            self.notify(f"The fix passes {run.n_passed}/{len(run.results)} tests.", severity="warning")

    @on(FixSaved)
    def _saved(self, message: FixSaved) -> None:
        if message.program_id is None:
            self.notify(f"Confirmed {message.output_id} as an ECCO-FIX candidate.")
        else:
            self.notify(f"Saved the fix of {message.output_id} as program {message.program_id[:12]}.")
        self.load_queue()
        if self.current is not None and self.current.output_id == message.output_id:
            self.load_badge(message.output_id)

    # -- actions ----------------------------------------------------------------------------------
    def _writable(self) -> bool:
        if self.workbench.read_only:
            self.notify("The store is open read-only: nothing can be run or saved.", severity="warning")
            return False
        return True

    def action_run_fix(self) -> None:
        if self.current is None:
            self.notify("Open a candidate first (enter).", severity="warning")
            return
        if not self._writable():
            return
        code = self.query_one("#fix-editor", TextArea).text
        if not code.strip():
            self.notify("The fix is empty.", severity="warning")
            return
        self.query_one("#fix-results", RecordTable).border_title = "Run results · running… · escape cancels"
        self._fix_job = self.run_fix_worker(self.current.output_id, self.current.problem_id, code)

    def action_save_fix(self) -> None:
        if self.current is None:
            self.notify("Open a candidate first (enter).", severity="warning")
            return
        code = self.query_one("#fix-editor", TextArea).text
        reason = ecco_fix.can_save(self.last_run, self.current.problem_id, code)
        if reason is not None:
            self.notify(reason, title="Not saved", severity="warning", timeout=8)
            return
        if self._writable():
            self.save_worker(self.current.output_id, code)

    def action_confirm(self) -> None:
        key = self.query_one("#fix-queue", RecordTable).cursor_key
        target = self.current.output_id if self.current is not None else key
        if target is None:
            self.notify("No candidate selected.", severity="warning")
            return
        if self._writable():
            self.save_worker(target, None)

    def action_reload(self) -> None:
        self.load_queue()

    def store_changed(self, forced: bool = False) -> None:
        """The queue again (an eval of the public tests may add candidates); the editor is left alone."""
        if self.is_mounted:
            self.load_queue()

    @property
    def running(self) -> bool:
        """A fix is running on the engine (Escape cancels it first)."""
        return self._fix_job is not None and self._fix_job.state in (WorkerState.PENDING, WorkerState.RUNNING)

    @on(Worker.StateChanged)
    def _run_state(self, event: Worker.StateChanged) -> None:
        if event.worker is self._fix_job and event.state is WorkerState.CANCELLED:
            self.query_one("#fix-results", RecordTable).border_title = "Run results · cancelled"
            self.notify("Run cancelled: its programs were stopped.", severity="warning")

    def action_back(self) -> None:
        if self.running and self._fix_job is not None:
            self._fix_job.cancel()
            return
        if self.current is not None:
            self.current = None
            self.last_run = None
            self.query_one("#fix-detail").display = False
            self.remove_class("-fix-open")
            self.query_one("#fix-queue", RecordTable).focus()
            return
        super().action_back()
