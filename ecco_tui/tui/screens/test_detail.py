"""One test in full: its input and expected output, and what each program printed (stdout / stderr).

Opened with enter on a row of the per-test table. Stored excerpts can be long (and test inputs longer):
each box shows at most MAX_LINES lines and says how much it left out.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical, VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Static

from ecco_tui.services.catalog import TestRow, TestSide
from ecco_tui.tui.formatting import fmt_kb, fmt_seconds
from ecco_tui.tui.layout import HORIZONTAL_BREAKPOINTS, VERTICAL_BREAKPOINTS

MAX_LINES = 300
MAX_CHARS = 20_000


def clip(text: str | None, *, empty: str = "(empty)") -> str:
    """`text` cut to MAX_LINES / MAX_CHARS, with a note of what was left out."""
    if text is None:
        return "(not stored)"
    if not text:
        return empty
    lines = text.splitlines()
    if len(lines) <= MAX_LINES and len(text) <= MAX_CHARS:
        return text
    clipped = "\n".join(lines[:MAX_LINES])[:MAX_CHARS]
    more_lines = len(lines) - len(clipped.splitlines())
    more_chars = len(text) - len(clipped)
    return clipped + f"\n… {more_lines:,} more lines ({more_chars:,} more characters)"


def _lines(text: str) -> str:
    n = len(text.splitlines())
    return f"{n:,} line" + ("" if n == 1 else "s")


def side_summary(label: str, side: TestSide) -> str:
    """Content markup: which program, its status and numbers, and the engine's message if any."""
    if not side.ran:
        return f"[b]{escape(label)}[/b]  [dim]not run[/dim]"
    shown = side.shown
    style = "$success" if side.passed else "$error"
    measure = side.measure
    numbers = (f"{fmt_seconds(measure.cpu_time_s)} · {fmt_kb(measure.memory_kb)}" if measure else "")
    repeats = f" · {len(side.executions)} runs" if len(side.executions) > 1 else ""
    extra = ""
    if shown is not None:
        extra = f"\n[dim]{escape(shown.engine)} {escape(shown.engine_version)}"
        if shown.exit_code not in (None, 0):
            extra += f" · exit {shown.exit_code}"
        if shown.exit_signal:
            extra += f" · signal {shown.exit_signal}"
        extra += "[/dim]"
        if shown.message:
            extra += f"\n{escape(shown.message)}"
    return f"[b]{escape(label)}[/b]  [{style}]{escape(side.status)}[/] · {numbers}{repeats}{extra}"


class TestDetailScreen(ModalScreen[None]):
    """Input, expected output, and each side's actual stdout and stderr for one test."""

    __test__ = False
    HORIZONTAL_BREAKPOINTS = HORIZONTAL_BREAKPOINTS
    VERTICAL_BREAKPOINTS = VERTICAL_BREAKPOINTS

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="test.close", tooltip="Back to the compare view"),
        Binding("q", "app.quit", "Quit", id="test.quit", show=False, tooltip="Leave ecco"),
        Binding("i", "copy_input", "Copy input", id="test.copy_input", tooltip="Copy the test input"),
        Binding("e", "copy_expected", "Copy expected", id="test.copy_expected",
                tooltip="Copy the expected output"),
    ]

    def __init__(self, row: TestRow, left_label: str, right_label: str) -> None:
        super().__init__(id="test-detail")
        self.row = row
        self.left_label = left_label
        self.right_label = right_label

    def compose(self) -> ComposeResult:
        row = self.row
        with Vertical(id="test-dialog") as dialog:
            dialog.border_title = f"Test {row.label} · {row.test.problem_id}" + (
                f" · drift between evaluations: {row.drift}" if row.drift else "")
            dialog.border_subtitle = "i copy input · e copy expected · escape close"
            with Grid(id="test-grid"):
                yield self._box(f"Input · {_lines(row.test.input)}", clip(row.test.input), "test-input")
                yield self._box(f"Expected output · {_lines(row.test.expected_output)}",
                                clip(row.test.expected_output), "test-expected")
                yield Static(Content.from_markup(side_summary(f"L · {self.left_label}", row.left)),
                             classes="side-summary", id="left-summary")
                yield Static(Content.from_markup(side_summary(f"R · {self.right_label}", row.right)),
                             classes="side-summary", id="right-summary")
                yield self._box("L stdout", self._stream(row.left, "stdout"), "left-stdout")
                yield self._box("R stdout", self._stream(row.right, "stdout"), "right-stdout")
                yield self._box("L stderr", self._stream(row.left, "stderr"), "left-stderr")
                yield self._box("R stderr", self._stream(row.right, "stderr"), "right-stderr")

    @staticmethod
    def _stream(side: TestSide, which: str) -> str:
        shown = side.shown
        if shown is None:
            return "(not run)"
        return clip(shown.stdout_excerpt if which == "stdout" else shown.stderr_excerpt)

    @staticmethod
    def _box(title: str, text: str, box_id: str) -> VerticalScroll:
        scroll = VerticalScroll(Static(text, markup=False), id=box_id, classes="test-box")
        scroll.border_title = title
        return scroll

    def action_copy_input(self) -> None:
        self.app.copy_to_clipboard(self.row.test.input)
        self.notify("Copied the test input.")

    def action_copy_expected(self) -> None:
        self.app.copy_to_clipboard(self.row.test.expected_output)
        self.notify("Copied the expected output.")
