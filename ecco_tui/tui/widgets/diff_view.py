"""Two programs side by side (or as one unified diff), with changed lines marked.

Split mode shows two CodePanes whose scroll offsets are kept in lockstep (the diff model pads both sides
to the same rows, so one offset fits both); unified mode shows one pane with -/+ lines and hunk headers.
`m` toggles the mode, `n` / `N` jump between changes.
"""

from __future__ import annotations

from typing import Literal

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive

from ecco_tui.tui.diff_model import CodeDiff, SideLine, UnifiedLine
from ecco_tui.tui.widgets.code_pane import CodePane, PaneLine

Mode = Literal["split", "unified"]

_SIGN = {"delete": "-", "insert": "+", "hunk": " ", "equal": " ", "filler": " ", "replace": "~"}


def _side_lines(lines: list[SideLine], width: int) -> list[PaneLine]:
    return [
        PaneLine(f"{'' if ln.number is None else ln.number:>{width}} {_SIGN[ln.tag]} ", ln.tag, ln.text)
        for ln in lines
    ]


def _unified_lines(lines: list[UnifiedLine], width: int) -> list[PaneLine]:
    def num(n: int | None) -> str:
        return f"{'' if n is None else n:>{width}}"

    return [
        PaneLine(
            "" if ln.tag == "hunk" else f"{num(ln.left_number)} {num(ln.right_number)} {_SIGN[ln.tag]} ",
            ln.tag,
            ln.text,
        )
        for ln in lines
    ]


class DiffView(Vertical):
    """Split/unified diff of two programs."""

    DEFAULT_CSS = """
    DiffView { height: 1fr; }
    DiffView > #split-panes { height: 1fr; }
    DiffView CodePane { height: 1fr; border: round $primary 40%; border-title-color: $text; }
    DiffView CodePane:focus { border: round $accent; }
    DiffView #left-pane, DiffView #right-pane { width: 1fr; }
    DiffView.-unified #split-panes { display: none; }
    DiffView.-split #unified-pane { display: none; }
    """

    mode: reactive[Mode] = reactive("split")

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._diff: CodeDiff | None = None
        self._syncing = False
        self._change_index = -1

    def compose(self) -> ComposeResult:
        with Horizontal(id="split-panes"):
            yield CodePane(id="left-pane")
            # One focus stop for the pair: the panes scroll together, so keys on the left move both.
            yield CodePane(id="right-pane", focusable=False)
        yield CodePane(id="unified-pane")

    def on_mount(self) -> None:
        left, right = self.left_pane, self.right_pane
        self.watch(left, "scroll_y", lambda y: self._sync(right, y=y), init=False)
        self.watch(right, "scroll_y", lambda y: self._sync(left, y=y), init=False)
        self.watch(left, "scroll_x", lambda x: self._sync(right, x=x), init=False)
        self.watch(right, "scroll_x", lambda x: self._sync(left, x=x), init=False)
        self.set_class(self.mode == "split", "-split")
        self.set_class(self.mode == "unified", "-unified")

    # -- panes ------------------------------------------------------------------------------------
    @property
    def left_pane(self) -> CodePane:
        return self.query_one("#left-pane", CodePane)

    @property
    def right_pane(self) -> CodePane:
        return self.query_one("#right-pane", CodePane)

    @property
    def unified_pane(self) -> CodePane:
        return self.query_one("#unified-pane", CodePane)

    @property
    def diff(self) -> CodeDiff | None:
        return self._diff

    def set_diff(self, diff: CodeDiff, left_label: str, right_label: str) -> None:
        self._diff = diff
        self._change_index = -1
        width = len(str(max(len(diff.left), len(diff.right), 1)))
        widest = max((ln.text.cell_length for ln in (*diff.left, *diff.right)), default=0)
        self.left_pane.set_lines(_side_lines(diff.left, width), min_text_width=widest)
        self.right_pane.set_lines(_side_lines(diff.right, width), min_text_width=widest)
        self.unified_pane.set_lines(_unified_lines(diff.unified, width))
        self.left_pane.border_title = left_label
        self.right_pane.border_title = right_label
        summary = "identical" if diff.identical else f"-{diff.removed} +{diff.added}"
        self.unified_pane.border_title = f"{left_label} → {right_label}"
        self.unified_pane.border_subtitle = summary
        self.right_pane.border_subtitle = summary

    def _sync(self, other: CodePane, *, x: float | None = None, y: float | None = None) -> None:
        """Mirror one pane's scroll onto the other (guarded: the mirror fires the watch back)."""
        if self._syncing or (y is not None and other.scroll_y == y) or (x is not None and other.scroll_x == x):
            return
        self._syncing = True
        try:
            other.scroll_to(x=x, y=y, animate=False, immediate=True)
        finally:
            self._syncing = False

    # -- mode -------------------------------------------------------------------------------------
    def watch_mode(self, mode: Mode) -> None:
        self._change_index = -1
        self.set_class(mode == "split", "-split")
        self.set_class(mode == "unified", "-unified")
        focused = self.screen.focused if self.is_mounted else None
        if focused in (self.left_pane, self.right_pane, self.unified_pane):
            (self.left_pane if mode == "split" else self.unified_pane).focus()

    def toggle_mode(self) -> Mode:
        self.mode = "unified" if self.mode == "split" else "split"
        return self.mode

    def focus_code(self) -> None:
        (self.left_pane if self.mode == "split" else self.unified_pane).focus()

    # -- change navigation ------------------------------------------------------------------------
    def _changes(self) -> tuple[CodePane, list[int]]:
        if self._diff is None:
            return self.left_pane, []
        if self.mode == "split":
            return self.left_pane, self._diff.split_changes
        return self.unified_pane, self._diff.unified_changes

    def jump_to_change(self, step: int) -> bool:
        """Scroll to the next (`step=1`) or previous (`step=-1`) change block; False at either end."""
        pane, starts = self._changes()
        index = self._change_index + step
        if not starts or not 0 <= index < len(starts):
            return False
        self._change_index = index
        pane.scroll_to(y=max(starts[index] - 2, 0), animate=False)
        return True
