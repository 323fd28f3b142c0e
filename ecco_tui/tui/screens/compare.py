"""Compare view: two programs side by side (or unified), the outcome and headline numbers, per-test results.

Left is the slow input (or the fastest human solution for NL generation, or a user's previous
submission); right is the fast human program, the model's output, or the next submission. Everything
comes from one `CompareView` loaded in a worker, diff included.

On a model output the view also drives refinement rounds (services/rounds.py): `f` asks the configured model
for one more round, `e` edits the program by hand (screens/rounds.py) and saves it as a round, `h` lists the
chain's rounds. A new round opens in a fresh view that first measures it on every test (live, like `r`).
One job at a time: `r`, `f` and that measuring refuse to start while another runs; Escape cancels it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.message import Message
from textual.widgets import Collapsible, Footer, Header, Static
from textual.worker import Worker, WorkerState, get_current_worker

from ecco_tui.metrics.outcome import label_disagrees
from ecco_tui.metrics.scaling import UNCLEAR
from ecco_tui.model import Annotation, code_sha256
from ecco_tui.services.annotations import DEFAULT_LABELS
from ecco_tui.services.catalog import CompareMetrics, CompareView, SideStats, TestRow, TestSide
from ecco_tui.services.refine import RefineBusyError, RefineError
from ecco_tui.services.rerun import RerunEvent, RerunSummary
from ecco_tui.services.rounds import RoundError, RoundEvent, RoundMade, manual_run_for, model_missing
from ecco_tui.tui.diff_model import build_diff
from ecco_tui.tui.formatting import (
    colored,
    elide_middle,
    fmt_change,
    fmt_interval,
    fmt_kb,
    fmt_pct,
    fmt_ratio,
    fmt_seconds,
    outcome_content_markup,
    readable_statement,
)
from ecco_tui.tui.layout import HEADER_LINES, HORIZONTAL_BREAKPOINTS, VERTICAL_BREAKPOINTS
from ecco_tui.tui.messages import CompareLoaded
from ecco_tui.tui.screens.base import EccoScreen
from ecco_tui.tui.theme_colors import theme_colors
from ecco_tui.tui.widgets.diff_view import DiffView
from ecco_tui.tui.widgets.record_table import RecordTable

TEST_COLUMNS = ["", "test", "L status", "L cpu", "L mem", "R status", "R cpu", "R mem", "Δ cpu", "Δ mem"]
L_STATUS, R_STATUS = 2, 5

READ_ONLY = "The store is open read-only: nothing can be saved here (close the other ecco using it)."


def label_binding(number: int) -> Binding:
    """Key `number` labels with the configured label set's entry `number` (the defaults name the binding)."""
    default = DEFAULT_LABELS[number - 1] if number <= len(DEFAULT_LABELS) else f"label {number}"
    return Binding(str(number), f"label_key({number})", f"Label {default}", id=f"compare.label.{number}",
                   show=False, tooltip=f"Label what is shown with label {number} of the label set "
                   f"(default: {default}); saved at once, as you")


@dataclass
class LabelLoaded(Message):
    """The author's current label of the shown target (None: unlabelled); `saved` after a write."""

    key: str
    annotation: Annotation | None
    saved: str | None = None


@dataclass
class RerunProgress(Message):
    event: RerunEvent


@dataclass
class RerunDone(Message):
    summary: RerunSummary
    measured: bool = False  # the first measurement of a new round, not a forced re-run


@dataclass
class RoundProgress(Message):
    """What the refinement round in progress is doing (model call, public tests)."""

    event: RoundEvent


@dataclass
class RoundDone(Message):
    made: RoundMade


@dataclass
class RoundRefused(Message):
    """The round could not start or was refused (no model, chain busy, …): the reason, for a notice."""

    reason: str


class CompareScreen(EccoScreen):
    """Side-by-side diff of a pair, a model output or a trajectory step, with per-test results."""

    TITLE = "Compare"
    AUTO_FOCUS = "#left-pane"
    HORIZONTAL_BREAKPOINTS = HORIZONTAL_BREAKPOINTS
    VERTICAL_BREAKPOINTS = VERTICAL_BREAKPOINTS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "toggle_mode", "Split/unified", id="compare.mode",
                tooltip="Switch between side-by-side and unified diff"),
        Binding("]", "next_change", "Next change", id="compare.next_change", tooltip="Jump to the next change"),
        Binding("[", "previous_change", "Prev change", id="compare.prev_change", show=False,
                tooltip="Jump to the previous change"),
        Binding("w", "toggle_whitespace", "Whitespace", id="compare.whitespace",
                tooltip="Ignore (or show again) whitespace-only changes: trailing spaces, runs of spaces, blank lines"),
        Binding("n", "next_unlabeled", "Next unlabeled", id="compare.next_unlabeled", show=False,
                tooltip="Open the next output of this run you have not labelled"),
        Binding("p", "toggle_statement", "Statement", id="compare.statement", show=False,
                tooltip="Show or hide the problem statement (its panel title is always on screen)"),
        Binding("x", "failing_only", "Failing only", id="compare.failing",
                tooltip="Show only the tests some side fails"),
        Binding("s", "spectrum", "Spectrum", id="compare.spectrum",
                tooltip="Where the right program sits among human solutions"),
        Binding("y", "copy_right", "Copy code", id="compare.copy", show=False, tooltip="Copy the right program"),
        Binding("Y", "copy_left", "Copy left", id="compare.copy_left", show=False, tooltip="Copy the left program"),
        Binding("T", "focus_tests", "Tests", id="compare.tests", show=False, tooltip="Move to the test table"),
        *(label_binding(i) for i in range(1, 10)),
        Binding("u", "undo_label", "Undo label", id="compare.undo_label", show=False,
                tooltip="Retract your most recent label (wherever you gave it)"),
        Binding("r", "rerun", "Re-run", id="compare.rerun", show=False,
                tooltip="Run both programs again on every test with the configured engine (Escape cancels)"),
        Binding("f", "refine", "Refine", id="compare.refine",
                tooltip="One more refinement round of this output by the configured model ([model] method; "
                        "Escape cancels); the new round opens when done"),
        Binding("h", "rounds", "Rounds", id="compare.rounds",
                tooltip="This output's refinement chain: pass@1, speedup and failure per round; diff any two"),
        Binding("H", "heat", "Heat", id="compare.heat", show=False,
                tooltip="Line heat: profile both programs on the most expensive test (hit counts per line, in the "
                        "sandbox; stored timings untouched) and shade each line's gutter; again to hide it"),
        Binding("c", "scaling", "Cost growth", id="compare.scaling", show=False,
                tooltip="Plot per-test cost against input size of both programs (log-log, stored CPU times)"),
        Binding("e", "edit", "Edit", id="compare.edit", show=False,
                tooltip="Edit the generated program, run it on the public tests, save it as a new round"),
    ]

    #: Actions that only make sense on a model output (hidden on pairs and trajectory steps).
    OUTPUT_ACTIONS = frozenset({"refine", "rounds", "edit"})

    def __init__(self, kind: str, key: str, *, measure: bool = False) -> None:
        super().__init__(id="compare")
        self.kind = kind
        self.key = key
        self._measure_pending = measure  # a new round: measure it on every test once it is shown
        self._round: Worker[None] | None = None
        self._round_text = ""
        self.view: CompareView | None = None
        self._failing_only = False
        self.annotation: Annotation | None = None
        self._rerun: Worker[None] | None = None
        self._badge: str | None = None  # the export badge of an output view (`Workbench.export_badge`)
        self._live: dict[tuple[int, str], str] = {}  # (status column, test label) -> status cell during a re-run
        self._rerun_done = 0
        self._rerun_total = 0
        self._rerun_verb = "re-running"
        self._heat: Worker[None] | None = None  # profiling for the heat gutter (`H`)

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="≡")
        yield Static("Loading…", id="compare-header")
        with (
            Collapsible(title="Problem statement", collapsed=True, id="statement-panel"),
            VerticalScroll(id="statement-scroll"),
        ):
            yield Static(id="statement")
        yield DiffView(id="diff")
        yield RecordTable(TEST_COLUMNS, id="tests", empty_text="This problem has no stored tests.",
                          max_column_width=22)
        yield Footer()

    def on_mount(self) -> None:
        self._name_label_keys()
        self.query_one("#tests", RecordTable).border_title = "Tests"
        # Test cells carry colours resolved from the theme: refill them when the theme changes.
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._fill_tests())
        self.load_view()

    # -- loading ----------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="compare", exit_on_error=False)
    def load_view(self) -> None:
        workbench = self.workbench
        if self.kind == "pair":
            view = workbench.pair_view(self.key)
        elif self.kind == "output":
            view = workbench.output_view(self.key)
        else:
            trajectory_id, _, step = self.key.rpartition("#")
            view = workbench.trajectory_step_view(trajectory_id, int(step))
        diff = build_diff(view.left.code, view.right_code) if view is not None else None
        target = label_target(view) if view is not None else None
        annotation = workbench.current_label(*target) if target is not None else None
        if not get_current_worker().is_cancelled:
            self.post_message(CompareLoaded(self.kind, self.key, view, diff))
            self.post_message(LabelLoaded(self.key, annotation))
        if self.kind == "output" and view is not None and not get_current_worker().is_cancelled:
            # Whether the export would take this output: after the view, since it asks the export itself.
            badge = workbench.export_badge(self.key)
            if not get_current_worker().is_cancelled:
                self.app.call_from_thread(self._show_badge, self.key, badge)

    def _show_badge(self, key: str, badge: str | None) -> None:
        if key == self.key:
            self._badge = badge
            self._fill_tests()

    @on(CompareLoaded)
    def _loaded(self, message: CompareLoaded) -> None:
        if message.key != self.key:
            return
        view = message.view
        if view is None or message.diff is None:
            self.query_one("#compare-header", Static).update(f"Nothing stored under {self.kind} {self.key!r}.")
            return
        previous, self.view = self.view, view
        self.sub_title = view.title
        self._show_header()
        statement = (readable_statement(view.problem.description)
                     if view.problem and view.problem.description else None)
        self.query_one("#statement", Static).update(Content(statement) if statement else "No statement stored.")
        right_label = view.right_label
        if view.output is not None and view.output.failure and not view.right_code.strip():
            right_label = f"no code: {view.output.failure}"
        if previous is None or (previous.left.code, previous.right_code, previous.left_label, previous.right_label,
                                previous.output) != (view.left.code, view.right_code, view.left_label,
                                                     view.right_label, view.output):
            # A reload after another process wrote leaves the same code: keep the diff and where it is scrolled.
            self.query_one("#diff", DiffView).set_diff(message.diff, view.left_label, right_label)
        self._fill_tests()
        if self._measure_pending:
            self._measure_pending = False
            self.start_measure()

    def _fill_tests(self) -> None:
        view = self.view
        if view is None:
            return
        table = self.query_one("#tests", RecordTable)
        shown = [r for r in view.tests if not self._failing_only or _fails(r)]
        colors = theme_colors(self.app)
        rows = [per_test_cells(r, colors) for r in shown]
        if self._live:
            rows = [tuple(self._live.get((i, r.label), cell) for i, cell in enumerate(cells))
                    for r, cells in zip(shown, rows, strict=True)]
        table.show(rows, [r.label for r in shown], cursor_key=table.cursor_key)
        failing = sum(1 for r in view.tests if _fails(r))
        table.border_title = (
            f"Tests · {len(view.tests)}" + (f" · {failing} failing" if failing else "")
            + (" · failing only" if self._failing_only else "")
        )
        if self._badge:  # `ecco export-training`'s verdict on this output (issue #24)
            table.border_title += f" · {self._badge}"
        table.border_subtitle = f"L = {view.left_label} · R = {view.right_label}"
        if self.rerunning:
            count = f" {self._rerun_done}/{self._rerun_total}" if self._rerun_total else "…"
            table.border_title = f"{self._rerun_verb}{count} · Escape cancels"
        elif self.refining:
            table.border_title = f"refining · {self._round_text} · Escape cancels"
        table.set_empty_text("No failing tests." if self._failing_only else "This problem has no stored tests.")

    def _show_header(self) -> None:
        if self.view is not None:
            header = self.query_one("#compare-header", Static)
            # The run name is cut in the middle only when the title would not fit the terminal's width.
            header.update(compare_header(self.view, self.annotation, width=max(self.size.width - 2, 20)))
            header.tooltip = compare_header(self.view, self.annotation, full=True)

    def on_resize(self, event: events.Resize) -> None:
        self._show_header()

    def store_changed(self, forced: bool = False) -> None:
        """Results and labels another process stored (an eval, a label): the view again, unless a job of this
        view is writing (it shows its results live and reloads when it ends)."""
        if self.is_mounted and not self.rerunning and not self.refining:
            self.load_view()

    # -- labels -----------------------------------------------------------------------------------
    def _name_label_keys(self) -> None:
        """This screen's digit keys say the configured label they save (the class bindings name the defaults)."""
        labels = self.settings.labels
        keys = self._bindings.key_to_bindings
        for number, label in enumerate(labels, start=1):
            key = str(number)
            keys[key] = [replace(b, description=f"Label {label}") if b.action.startswith("label_key") else b
                         for b in keys.get(key, [])]

    def action_label_key(self, number: int) -> None:
        labels = self.settings.labels
        if not 1 <= number <= len(labels):
            self.notify(f"Key {number} has no label (the label set has {len(labels)}).", severity="warning")
            return
        self.action_label(labels[number - 1])

    def action_label(self, value: str) -> None:
        if self.view is None:
            return
        target = label_target(self.view)
        if target is None:
            self.notify("Only model outputs and pairs can be labelled.", severity="warning")
            return
        if self.workbench.read_only:
            self.notify(READ_ONLY, title="Label not saved", severity="warning")
            return
        self.write_label(target[0], target[1], value)

    def action_undo_label(self) -> None:
        if self.workbench.read_only:
            self.notify(READ_ONLY, title="Nothing undone", severity="warning")
            return
        self.undo_label()

    @work(thread=True, group="label", exit_on_error=False)
    def write_label(self, target_kind: str, target_id: str, value: str) -> None:
        annotation = self.workbench.save_label(target_kind, target_id, value)
        self.post_message(LabelLoaded(self.key, annotation, saved=f"Saved: {value} ({annotation.author})"))

    @work(thread=True, group="label", exit_on_error=False)
    def undo_label(self) -> None:
        change = self.workbench.undo_label(label_target(self.view) if self.view is not None else None)
        if change is None:
            self.app.call_from_thread(self.notify, f"{self.settings.author} has no label to undo.",
                                      severity="warning")
            return
        self.post_message(LabelLoaded(self.key, change.current, saved=change.text))

    @on(LabelLoaded)
    def _label_loaded(self, message: LabelLoaded) -> None:
        if message.key != self.key:
            return
        self.annotation = message.annotation
        self._show_header()
        if message.saved:
            self.notify(message.saved, title="saved")

    # -- live re-run ------------------------------------------------------------------------------
    @property
    def rerunning(self) -> bool:
        """A re-run (`r`) or the first measurement of a new round is going."""
        return self._rerun is not None and self._rerun.state in (WorkerState.PENDING, WorkerState.RUNNING)

    @property
    def refining(self) -> bool:
        """A refinement round (`f`) is going."""
        return self._round is not None and self._round.state in (WorkerState.PENDING, WorkerState.RUNNING)

    @property
    def working(self) -> bool:
        return self.rerunning or self.refining

    def _refuse_if_working(self) -> bool:
        """True (with a notice) when a job is going: jobs never interleave."""
        if self.rerunning:
            what = ("A re-run is already going" if self._rerun_verb == "re-running"
                    else "The new round is being measured")
            self.notify(f"{what}: wait for it, or Escape to cancel it.", severity="warning")
            return True
        if self.refining:
            self.notify("A refinement round is going: wait for it, or Escape to cancel it.", severity="warning")
            return True
        if self.profiling:
            self.notify("Profiling for the heat gutter: wait for it, or Escape to cancel it.", severity="warning")
            return True
        return False

    def _refuse_unsandboxable(self, title: str) -> bool:
        """True (with the one-line reason) when the engine must sandbox and cannot: refused before anything
        starts, instead of failing inside a worker after the table already shows queued runs."""
        refusal = self.workbench.sandbox_refusal()
        if refusal is not None:
            self.notify(refusal, title=title, severity="error", timeout=15, markup=False)
        return refusal is not None

    def action_rerun(self) -> None:
        view = self.view
        if view is None or view.problem is None:
            return
        if self._refuse_if_working():
            return
        if self.workbench.read_only:
            self.notify(READ_ONLY, title="Cannot re-run", severity="warning")
            return
        if self._refuse_unsandboxable("Cannot re-run"):
            return
        codes = [c for c in (view.left.code, view.right_code) if c and c.strip()]
        self._rerun_total = len(set(codes)) * len(view.tests)
        self._rerun_done = 0
        queued = colored("queued", "foreground-muted", theme_colors(self.app))
        self._live = {}
        for row in view.tests:
            if view.left.code and view.left.code.strip():
                self._live[(L_STATUS, row.label)] = queued
            if view.right_code and view.right_code.strip():
                self._live[(R_STATUS, row.label)] = queued
        self._rerun_verb = "re-running"
        self._rerun = self.run_rerun(view.problem.problem_id, codes)
        self._fill_tests()
        self.notify(f"Re-running on {self.settings.engine}: {self._rerun_total} test runs.")

    @work(exclusive=True, group="rerun", exit_on_error=False)
    async def run_rerun(self, problem_id: str, codes: list[str]) -> None:
        summary = await self.workbench.rerun(problem_id, codes,
                                             progress=lambda event: self.post_message(RerunProgress(event)))
        self.post_message(RerunDone(summary))

    @on(RerunProgress)
    def _rerun_progress(self, message: RerunProgress) -> None:
        view, event = self.view, message.event
        if view is None or not self.rerunning:
            return
        self._rerun_done, self._rerun_total = event.done, event.total
        cell = colored(event.status, "success" if event.passed else "error", theme_colors(self.app))
        columns = []
        if view.left.code and code_sha256(view.left.code) == event.code_sha256:
            columns.append(L_STATUS)
        if code_sha256(view.right_code) == event.code_sha256:
            columns.append(R_STATUS)
        for column in columns:
            self._live[(column, event.test_label)] = cell
        table = self.query_one("#tests", RecordTable)
        table.update_cells([(event.test_label, column, cell) for column in columns])
        table.border_title = f"{self._rerun_verb} {event.done}/{event.total} · Escape cancels"

    @on(RerunDone)
    def _rerun_done_message(self, message: RerunDone) -> None:
        summary = message.summary
        self._live = {}
        if message.measured:
            text = (f"Measured round {self.view.output.round if self.view and self.view.output else '?'}: "
                    f"{summary.executed}/{summary.total} test runs on {summary.engine} in {summary.seconds:.1f}s "
                    "(results already stored were reused).")
            title = "Round measured"
        else:
            text = f"Re-ran {summary.executed}/{summary.total} test runs on {summary.engine} in {summary.seconds:.1f}s."
            if summary.rounds:  # two programs, paired until the interval is decisive or the cap (--repeat auto)
                text += f"\n{summary.describe()}."
            title = "Re-run done"
        if summary.errors:
            self.notify(text + "\n" + "\n".join(summary.errors[:3]), title=f"{title}, with errors", severity="error",
                        markup=False)
        else:
            self.notify(text, title=title)
        self.load_view()

    @on(Worker.StateChanged)
    def _rerun_state(self, event: Worker.StateChanged) -> None:
        if event.worker is self._round:
            self._round_state(event)
            return
        if event.worker is not self._rerun:
            return
        if event.state is WorkerState.CANCELLED:
            self._live = {}
            what = "Re-run" if self._rerun_verb == "re-running" else "Measuring"
            self.notify(f"{what} cancelled; the results that finished are stored.", severity="warning")
            self.load_view()
        elif event.state is WorkerState.ERROR:
            self._live = {}
            self._fill_tests()

    def action_back(self) -> None:
        if self.rerunning and self._rerun is not None:
            self._rerun.cancel()
            return
        if self.profiling and self._heat is not None:
            self.action_heat()  # cancels the profiling
            return
        if self.refining and self._round is not None:
            self._round.cancel()
            return
        super().action_back()

    # -- measuring a new round ---------------------------------------------------------------------
    def start_measure(self) -> None:
        """Measure the shown round (and its input) on every test this engine has no result for yet."""
        view = self.view
        if view is None or view.output is None or not view.right_code.strip() or self.working:
            return
        if self.workbench.read_only:
            return
        self._live = {}
        self._rerun_done, self._rerun_total = 0, 0
        self._rerun_verb = "measuring"
        self._rerun = self.run_measure(view.output.output_id)
        self._fill_tests()

    @work(exclusive=True, group="rerun", exit_on_error=False)
    async def run_measure(self, output_id: str) -> None:
        try:
            summary = await self.workbench.measure_output(
                output_id, progress=lambda event: self.post_message(RerunProgress(event)))
        except RoundError as exc:
            self.notify(str(exc), title="Round not measured", severity="warning", timeout=10, markup=False)
            return
        self.post_message(RerunDone(summary, measured=True))

    # -- refinement rounds ------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.OUTPUT_ACTIONS:
            return self.kind == "output"
        if action == "label_key" and parameters:
            # Only the keys of the configured label set exist (six labels: keys 1-6, not 7-9).
            number = parameters[0]
            return isinstance(number, int) and 1 <= number <= len(self.settings.labels)
        return True

    def _output_shown(self) -> bool:
        if self.kind != "output":
            self.notify("Rounds belong to model outputs: open an output to refine or edit it.", severity="warning")
            return False
        return self.view is not None and self.view.output is not None

    def action_refine(self) -> None:
        if not self._output_shown() or self._refuse_if_working():
            return
        if self.workbench.read_only:
            self.notify(READ_ONLY, title="Cannot refine", severity="warning")
            return
        if self._refuse_unsandboxable("Cannot refine"):
            return
        missing = model_missing(self.settings)
        if missing is not None:
            self.notify(missing, title="No model", severity="warning", timeout=10, markup=False)
            return
        assert self.view is not None and self.view.output is not None
        model, method = self.settings.model.model, self.settings.refine_method
        self._round_text = f"starting {method} with {model}"
        self._round = self.run_round(self.view.output.output_id)
        self._fill_tests()
        self.notify(f"Refining with {method} on {model} (Escape cancels).", markup=False)

    @work(exclusive=True, group="refine", exit_on_error=False)
    async def run_round(self, output_id: str) -> None:
        try:
            made = await self.workbench.refine_round(
                output_id, progress=lambda event: self.post_message(RoundProgress(event)))
        except (RoundError, RefineBusyError, RefineError) as exc:
            self.post_message(RoundRefused(str(exc)))
            return
        self.post_message(RoundDone(made))

    @on(RoundProgress)
    def _round_progress(self, message: RoundProgress) -> None:
        if not self.refining:
            return
        event = message.event
        self._round_text = event.text + (f" {event.done}/{event.total}" if event.total else "")
        self._fill_tests()

    @on(RoundRefused)
    def _round_refused(self, message: RoundRefused) -> None:
        self.notify(message.reason, title="No round made", severity="warning", timeout=10, markup=False)
        self._fill_tests()

    @on(RoundDone)
    def _round_done(self, message: RoundDone) -> None:
        made = message.made
        if made.failure is not None:
            self.notify(f"Round {made.round} ({made.run_id}) has no code: {made.failure}. Press f to try it again.",
                        title="Round failed", severity="error", timeout=12, markup=False)
        else:
            self.notify(f"Round {made.round} made with {made.method} from {made.from_output}; measuring it on "
                        "every test.", title="New round", markup=False)
        self.app.call_later(self._open_instead, made.output_id, made.failure is None)

    def _round_state(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.CANCELLED:
            self.notify("Refinement cancelled: no new round unless the model had already answered (h lists the "
                        "rounds).", severity="warning")
            self._fill_tests()
        elif event.state is WorkerState.ERROR:
            self._fill_tests()

    def action_rounds(self) -> None:
        from ecco_tui.tui.screens.rounds import RoundsScreen

        if not self._output_shown():
            return
        assert self.view is not None and self.view.output is not None
        self.app.push_screen(RoundsScreen(self.view.output.output_id), callback=self._round_chosen)

    def action_edit(self) -> None:
        from ecco_tui.tui.screens.rounds import ManualEditScreen

        if not self._output_shown() or self._refuse_if_working():
            return
        view = self.view
        assert view is not None and view.output is not None
        if view.problem is None:
            self.notify(f"{view.output.problem_id} is not in this store: nothing to run the edit on.",
                        severity="warning")
            return
        public = [r.label for r in view.tests if r.test.visibility == "public"]
        target = manual_run_for(view.run) if view.run is not None else view.output.run_id
        self.app.push_screen(ManualEditScreen(view.output.output_id, view.problem.problem_id,
                                              view.right_code or view.left.code, view.title, public, target),
                             callback=self._round_saved)

    def _round_chosen(self, output_id: str | None) -> None:
        if output_id and output_id != self.key:
            self.app.call_later(self._open_instead, output_id)

    def _round_saved(self, output_id: str | None) -> None:
        if output_id:
            self.app.call_later(self._open_instead, output_id, True)

    # -- actions ----------------------------------------------------------------------------------
    def action_toggle_mode(self) -> None:
        self.query_one("#diff", DiffView).toggle_mode()

    def action_toggle_whitespace(self) -> None:
        self.query_one("#diff", DiffView).toggle_whitespace()

    # -- heat and cost growth (issue #23) ----------------------------------------------------------
    @property
    def profiling(self) -> bool:
        """Both programs are being profiled for the heat gutter."""
        return self._heat is not None and self._heat.state in (WorkerState.PENDING, WorkerState.RUNNING)

    def action_heat(self) -> None:
        """Toggle the heat gutter: per-line hit counts of both programs on the most expensive test."""
        diff = self.query_one("#diff", DiffView)
        if diff.heat_on or self.profiling:
            if self._heat is not None:
                self._heat.cancel()
            diff.clear_heat()
            return
        view = self.view
        if view is None:
            return
        if self.kind != "output" or view.output is None:
            self.notify("heat needs a model output", title="No heat", severity="warning")
            return
        if self.workbench.read_only:
            self.notify(READ_ONLY, title="No heat", severity="warning")
            return
        if self._refuse_if_working() or self._refuse_unsandboxable("No heat"):
            return
        diff.set_heat_status("profiling…")
        self._heat = self.run_heat(view.output.output_id)

    @work(exclusive=True, group="heat", exit_on_error=False)
    async def run_heat(self, output_id: str) -> None:
        diff = self.query_one("#diff", DiffView)
        try:
            explanation = await self.workbench.explain(output_id)
        except Exception as exc:  # ExplainError, or the engine's: one line either way
            diff.set_heat_status("")
            self.notify((str(exc).strip().splitlines() or [type(exc).__name__])[0], title="No heat",
                        severity="error", timeout=10, markup=False)
            return
        if self.view is None or self.view.output is None or self.view.output.output_id != output_id:
            diff.set_heat_status("")
            return
        diff.set_heat(explanation.input.hits, explanation.output.hits)
        self.notify(f"Line events of both programs on {explanation.test_id} ({explanation.test_choice}), "
                    f"{explanation.engine}. Click a line for its count; H hides the heat.", title="Heat",
                    markup=False)

    def action_scaling(self) -> None:
        from ecco_tui.tui.screens.scaling import ScalingScreen

        view = self.view
        if view is None or view.problem is None:
            return
        engine = view.metrics.scaling_engine
        if engine is None or not view.left.code:
            self.notify("No cost growth: both programs need stored CPU times on one engine (`ecco eval`).",
                        severity="warning")
            return
        self.app.push_screen(ScalingScreen(view.problem.problem_id, view.left.code, view.right_code, engine,
                                           view.left_label, view.right_label))

    def action_next_unlabeled(self) -> None:
        if self.kind != "output":
            self.notify("Next unlabeled works on model outputs.", severity="warning")
            return
        self.find_next_unlabeled()

    @work(thread=True, group="next-unlabeled", exclusive=True, exit_on_error=False)
    def find_next_unlabeled(self) -> None:
        found = self.workbench.next_unlabeled(self.key)
        if found is None:
            self.app.call_from_thread(self.notify,
                                      f"Every output of this run has a label by {self.settings.author}.")
        else:
            self.app.call_from_thread(self.app.call_later, self._open_instead, found)

    async def _open_instead(self, output_id: str, measure: bool = False) -> None:
        """Replace this view by another output's (screens share an id, so pop first, then push); `measure`
        measures it on every test once shown (a new round)."""
        app = self.app
        if app.screen is not self:
            return
        await app.pop_screen()
        await app.push_screen(CompareScreen("output", output_id, measure=measure))

    def action_next_change(self) -> None:
        if not self.query_one("#diff", DiffView).jump_to_change(1):
            self.app.bell()

    def action_previous_change(self) -> None:
        if not self.query_one("#diff", DiffView).jump_to_change(-1):
            self.app.bell()

    def action_toggle_statement(self) -> None:
        panel = self.query_one("#statement-panel", Collapsible)
        panel.collapsed = not panel.collapsed

    def action_failing_only(self) -> None:
        self._failing_only = not self._failing_only
        self._fill_tests()

    def action_focus_tests(self) -> None:
        self.query_one("#tests", RecordTable).focus()

    def action_copy_right(self) -> None:
        if self.view is not None:
            self.app.copy_to_clipboard(self.view.right_code)
            self.notify(f"Copied {self.view.right_label} ({len(self.view.right_code.splitlines())} lines).")

    def action_copy_left(self) -> None:
        if self.view is not None:
            self.app.copy_to_clipboard(self.view.left.code)
            self.notify(f"Copied {self.view.left_label} ({len(self.view.left.code.splitlines())} lines).")

    def action_spectrum(self) -> None:
        from ecco_tui.tui.screens.spectrum import SpectrumScreen, marker_for

        view = self.view
        if view is None or view.problem is None:
            return
        if view.spectrum is None:
            engine = view.metrics.engine
            where = f" measured on {engine} (ecco eval runs a sample)" if engine else " in this store"
            self.notify(f"{view.problem.problem_id} has no human spectrum{where}.", severity="warning")
            return
        self.app.push_screen(SpectrumScreen(view.problem, view.spectrum, marker_for(view)))

    @on(RecordTable.Chosen, "#tests")
    def _test_chosen(self, event: RecordTable.Chosen) -> None:
        from ecco_tui.tui.screens.test_detail import TestDetailScreen

        if self.view is None:
            return
        row = next((r for r in self.view.tests if r.label == event.key), None)
        if row is not None:
            self.app.push_screen(TestDetailScreen(row, self.view.left_label, self.view.right_label))


def _fails(row: TestRow) -> bool:
    return (row.left.ran and not row.left.passed) or (row.right.ran and not row.right.passed)


def _status_cell(side: TestSide, colors: dict[str, str]) -> str:
    if not side.ran:
        return colored("not run", "foreground-muted", colors)
    return colored(side.status, "success" if side.passed else "error", colors)


def per_test_cells(row: TestRow, colors: dict[str, str]) -> tuple[str, ...]:
    """Cells of one per-test row; failing tests get a red ✘ in the first column and red statuses."""
    left, right = row.left.measure, row.right.measure
    if _fails(row):
        mark = colored("✘", "error", colors)
    elif row.right.ran:
        mark = colored("✔", "success", colors)
    else:
        mark = colored("·", "foreground-muted", colors)
    return (
        mark,
        row.label,
        _status_cell(row.left, colors),
        fmt_seconds(left.cpu_time_s if left else None),
        fmt_kb(left.memory_kb if left else None),
        _status_cell(row.right, colors),
        fmt_seconds(right.cpu_time_s if right else None),
        fmt_kb(right.memory_kb if right else None),
        fmt_change(left.cpu_time_s if left else None, right.cpu_time_s if right else None)
        + (" " + colored("drift", "warning", colors) if row.drift else ""),
        fmt_change(left.memory_kb if left else None, right.memory_kb if right else None),
    )




def _passes(label: str, side: SideStats, n_scored: int, *, warn: bool) -> str:
    """`R passes 8/8 private · 3/3 public`, coloured by whether every private test passed."""
    of = f" of {n_scored}" if side.n_run != n_scored else ""
    ok = side.all_passed
    style = "$success" if ok else ("$warning" if warn else "$error")
    text = f"{label} passes [{style}]{side.n_passed}/{side.n_run}[/]{of} private"
    if side.public_run:
        text += f" · {side.public_passed}/{side.public_run} public"
    return text


def metrics_lines(view: CompareView, annotation: Annotation | None = None) -> list[str]:
    """The header's lines under the title (content markup): the outcome badge (and the author's label
    beside it) with the ratios that justify it, then pass counts, percentile and where the numbers come
    from, then how the verdict was reached (paired or not, samples, the interval's method)."""
    m: CompareMetrics = view.metrics
    badge = outcome_content_markup(m.outcome)
    if annotation is not None:
        badge += "  " + label_markup(annotation, m.outcome) + " │"
    if not m.ran:
        return [f"{badge}  [dim]no stored executions for the right program[/dim]"]
    ratios: list[str] = []
    interval = fmt_interval(m.speedup_lo, m.speedup_hi)
    interval = f" [dim]{interval}[/dim]" if interval else ""
    if m.speedup is not None:
        ratios.append(f"speedup [b]{fmt_ratio(m.speedup)}[/b]{interval}")
    elif m.runtime_ratio is not None:
        ratios.append(f"speed ratio {fmt_ratio(m.runtime_ratio)}{interval} [dim](fails tests: no speedup)[/dim]")
    mem_interval = fmt_interval(m.memory_lo, m.memory_hi)
    mem_interval = f" [dim]{mem_interval}[/dim]" if mem_interval else ""
    if m.memory_reduction is not None:
        ratios.append(f"memory [b]{fmt_ratio(m.memory_reduction)}[/b]{mem_interval}")
    elif m.memory_ratio is not None:
        ratios.append(f"memory ratio {fmt_ratio(m.memory_ratio)}{mem_interval}")
    if m.runtime_percentile is not None:
        ratios.append(f"faster than {fmt_pct(m.runtime_percentile)} of humans")
    if m.identical:
        ratios.append("[$warning]same program as the input[/]")
    if m.below_resolution:
        ratios.append("[$warning]below the timer's resolution[/]")
    if m.drift_tests:
        many = len(m.drift_tests) != 1
        ratios.append(f"[$warning]drift on {len(m.drift_tests)} test{'s' if many else ''} between evaluations[/]")
    facts: list[str] = []
    if m.right is not None:
        facts.append(_passes("R", m.right, m.n_tests, warn=False))
    if m.left is not None:
        facts.append(_passes("L", m.left, m.n_tests, warn=True))
    if m.scaling and not m.scaling.startswith(UNCLEAR):  # how cost grows with input size (`c` plots it)
        facts.append(f"[dim]scaling[/dim] {escape(m.scaling)}")
    if m.engine:
        facts.append(f"[dim]engine {escape(m.engine)}[/dim]")
    if m.accounting:
        facts.append(f"[dim]cost {escape(m.accounting)}[/dim]")
    lines = [f"{badge}  " + " · ".join(ratios), " · ".join(facts)]
    if m.basis:  # how the verdict was reached, in one line
        lines.append(f"[dim]verdict: {escape(m.basis)}[/dim]")
    return lines


def label_target(view: CompareView) -> tuple[str, str] | None:
    """What a label in this view is about: the output, else the pair (a trajectory step: nothing)."""
    if view.kind == "output" and view.output is not None:
        return "output", view.output.output_id
    if view.kind == "pair" and view.pair is not None:
        return "pair", view.pair.pair_id
    return None


def disagrees(annotation: Annotation, outcome: str) -> bool:
    """The human label names an outcome other than the measured one (not-run measures nothing)."""
    return label_disagrees(annotation.label, outcome)


def label_markup(annotation: Annotation, outcome: str) -> str:
    text = f"[dim]{escape(annotation.author)}:[/dim] [b]{escape(annotation.label)}[/b]"
    if disagrees(annotation, outcome):
        text += " [$error]≠ outcome[/]"
    return text


def compare_header(view: CompareView, annotation: Annotation | None = None, *, width: int | None = None,
                   full: bool = False) -> Content:
    """At most HEADER_LINES lines, one row each (the stylesheet cuts a long line with an ellipsis): what is
    compared (the run's name cut in the middle when the title would not fit `width`), the outcome with its
    ratios, then the evidence (pass counts, engine, how the verdict was reached). `full`: every line whole,
    one fact a line, with the full run name (the header's tooltip)."""
    name = f"  [dim]{escape(view.problem.name)}[/dim]" if view.problem and view.problem.name else ""
    made_by = ""
    if view.run is not None:
        made_by = (f"  [dim]model {escape(view.run.model)} · method {escape(view.made_by or view.run.method)} · task "
                   f"{view.run.task} · sample {view.output.sample_idx if view.output else 0}[/dim]")
    metrics = metrics_lines(view, annotation)
    failure = ""
    if view.output is not None and view.output.failure:
        failure = f"[$error]✘ round {view.output.round} has no code: {escape(view.output.failure)}[/]"
    if full:
        run = f"[dim]run[/dim] {escape(view.run.run_id)}" if view.run is not None else ""
        lines = [f"[b]{escape(view.title)}[/b]{name}", *metrics, failure, run, made_by.strip()]
        return Content.from_markup("\n".join(line for line in lines if line))
    title = view.title
    run_id = view.run.run_id if view.run is not None else None
    elided = False
    if width is not None and run_id and run_id in title:
        overflow = Content.from_markup(f"{escape(title)}{name}").cell_length - width
        if overflow > 0:
            title = title.replace(run_id, elide_middle(run_id, max(len(run_id) - overflow, 12)), 1)
            elided = True
    first = f"[b]{escape(title)}[/b]{name}{made_by}"
    evidence = [*metrics[1:]]
    if elided and run_id:  # the details line names the run the title had to cut
        evidence.insert(0, f"[dim]run[/dim] {escape(run_id)}")
    second = f"{metrics[0]}  {failure}" if failure else metrics[0]
    lines = [first, second, " · ".join(evidence)][:HEADER_LINES]
    return Content.from_markup("\n".join(line for line in lines if line))
