"""Compare view: two programs side by side (or unified), the outcome and headline numbers, per-test results.

Left is the slow input (or the fastest human solution for NL generation, or a user's previous
submission); right is the fast human program, the model's output, or the next submission. Everything
comes from one `CompareView` loaded in a worker, diff included.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.widgets import Collapsible, Footer, Header, Static
from textual.worker import get_current_worker

from ecco_tui.services.catalog import CompareMetrics, CompareView, SideStats, TestRow, TestSide
from ecco_tui.tui.diff_model import build_diff
from ecco_tui.tui.formatting import (
    colored,
    fmt_change,
    fmt_interval,
    fmt_kb,
    fmt_pct,
    fmt_ratio,
    fmt_seconds,
    outcome_content_markup,
)
from ecco_tui.tui.messages import CompareLoaded
from ecco_tui.tui.screens.base import EccoScreen
from ecco_tui.tui.theme_colors import theme_colors
from ecco_tui.tui.widgets.diff_view import DiffView
from ecco_tui.tui.widgets.record_table import RecordTable

TEST_COLUMNS = ["", "test", "L status", "L cpu", "L mem", "R status", "R cpu", "R mem", "Δ cpu", "Δ mem"]


class CompareScreen(EccoScreen):
    """Side-by-side diff of a pair, a model output or a trajectory step, with per-test results."""

    TITLE = "Compare"
    AUTO_FOCUS = "#left-pane"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "toggle_mode", "Split/unified", id="compare.mode",
                tooltip="Switch between side-by-side and unified diff"),
        Binding("n", "next_change", "Next change", id="compare.next_change", tooltip="Jump to the next change"),
        Binding("N", "previous_change", "Prev change", id="compare.prev_change", show=False,
                tooltip="Jump to the previous change"),
        Binding("p", "toggle_statement", "Statement", id="compare.statement",
                tooltip="Show or hide the problem statement"),
        Binding("x", "failing_only", "Failing only", id="compare.failing",
                tooltip="Show only the tests some side fails"),
        Binding("s", "spectrum", "Spectrum", id="compare.spectrum",
                tooltip="Where the right program sits among human solutions"),
        Binding("y", "copy_right", "Copy code", id="compare.copy", tooltip="Copy the right program"),
        Binding("Y", "copy_left", "Copy left", id="compare.copy_left", show=False, tooltip="Copy the left program"),
        Binding("T", "focus_tests", "Tests", id="compare.tests", show=False, tooltip="Move to the test table"),
    ]

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(id="compare")
        self.kind = kind
        self.key = key
        self.view: CompareView | None = None
        self._failing_only = False

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
        self.query_one("#tests", RecordTable).border_title = "Tests"
        # Test cells carry colours resolved from the theme: refill them when the theme changes.
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._fill_tests())
        self.load_view()

    # -- loading ----------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="compare", exit_on_error=False)
    def load_view(self) -> None:
        catalog = self.catalog
        if self.kind == "pair":
            view = catalog.pair_view(self.key)
        elif self.kind == "output":
            view = catalog.output_view(self.key)
        else:
            trajectory_id, _, step = self.key.rpartition("#")
            view = catalog.trajectory_step_view(trajectory_id, int(step))
        diff = build_diff(view.left.code, view.right_code) if view is not None else None
        if not get_current_worker().is_cancelled:
            self.post_message(CompareLoaded(self.kind, self.key, view, diff))

    @on(CompareLoaded)
    def _loaded(self, message: CompareLoaded) -> None:
        if message.key != self.key:
            return
        view = message.view
        if view is None or message.diff is None:
            self.query_one("#compare-header", Static).update(f"Nothing stored under {self.kind} {self.key!r}.")
            return
        self.view = view
        self.sub_title = view.title
        self.query_one("#compare-header", Static).update(compare_header(view))
        statement = view.problem.description if view.problem and view.problem.description else None
        self.query_one("#statement", Static).update(Content(statement) if statement else "No statement stored.")
        self.query_one("#diff", DiffView).set_diff(message.diff, view.left_label, view.right_label)
        self._fill_tests()

    def _fill_tests(self) -> None:
        view = self.view
        if view is None:
            return
        table = self.query_one("#tests", RecordTable)
        shown = [r for r in view.tests if not self._failing_only or _fails(r)]
        colors = theme_colors(self.app)
        table.show([per_test_cells(r, colors) for r in shown], [r.label for r in shown], cursor_key=table.cursor_key)
        failing = sum(1 for r in view.tests if _fails(r))
        table.border_title = (
            f"Tests · {len(view.tests)}" + (f" · {failing} failing" if failing else "")
            + (" · failing only" if self._failing_only else "")
        )
        table.border_subtitle = f"L = {view.left_label} · R = {view.right_label}"
        table.set_empty_text("No failing tests." if self._failing_only else "This problem has no stored tests.")

    # -- actions ----------------------------------------------------------------------------------
    def action_toggle_mode(self) -> None:
        self.query_one("#diff", DiffView).toggle_mode()

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
            self.notify(f"{view.problem.problem_id} has no human spectrum in this store.", severity="warning")
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
        fmt_change(left.cpu_time_s if left else None, right.cpu_time_s if right else None),
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


def metrics_lines(view: CompareView) -> list[str]:
    """The header's lines under the title (content markup): the outcome badge with the ratios that
    justify it, then pass counts, percentile and where the numbers come from."""
    m: CompareMetrics = view.metrics
    badge = outcome_content_markup(m.outcome)
    if not m.ran:
        return [f"{badge}  [dim]no stored executions for the right program[/dim]"]
    ratios: list[str] = []
    interval = fmt_interval(m.speedup_lo, m.speedup_hi)
    interval = f" [dim]{interval}[/dim]" if interval else ""
    if m.speedup is not None:
        ratios.append(f"speedup [b]{fmt_ratio(m.speedup)}[/b]{interval}")
    elif m.runtime_ratio is not None:
        ratios.append(f"speed ratio {fmt_ratio(m.runtime_ratio)}{interval} [dim](fails tests: no speedup)[/dim]")
    if m.memory_reduction is not None:
        ratios.append(f"memory [b]{fmt_ratio(m.memory_reduction)}[/b]")
    elif m.memory_ratio is not None:
        ratios.append(f"memory ratio {fmt_ratio(m.memory_ratio)}")
    if m.runtime_percentile is not None:
        ratios.append(f"faster than {fmt_pct(m.runtime_percentile)} of humans")
    if m.identical:
        ratios.append("[$warning]same program as the input[/]")
    if m.below_resolution:
        ratios.append("[$warning]below the timer's resolution[/]")
    facts: list[str] = []
    if m.right is not None:
        facts.append(_passes("R", m.right, m.n_tests, warn=False))
    if m.left is not None:
        facts.append(_passes("L", m.left, m.n_tests, warn=True))
    if m.engine:
        facts.append(f"[dim]engine {escape(m.engine)}[/dim]")
    return [f"{badge}  " + " · ".join(ratios), " · ".join(facts)]


def compare_header(view: CompareView) -> Content:
    name = f"  [dim]{escape(view.problem.name)}[/dim]" if view.problem and view.problem.name else ""
    lines = [f"[b]{escape(view.title)}[/b]{name}", *metrics_lines(view)]
    if view.run is not None:
        lines.append(f"[dim]model {escape(view.run.model)} · method {escape(view.run.method)} · task "
                     f"{view.run.task} · sample {view.output.sample_idx if view.output else 0}[/dim]")
    return Content.from_markup("\n".join(lines))
