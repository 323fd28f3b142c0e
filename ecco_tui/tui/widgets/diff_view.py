"""Two programs side by side (or as one unified diff), with changed lines marked.

Split mode shows two CodePanes whose scroll offsets are kept in lockstep (the diff model pads both sides
to the same rows, so one offset fits both); unified mode shows one pane with -/+ lines and hunk headers.
The screens bind `m` (toggle the mode) and `]` / `[` (`jump_to_change`); `w` (`toggle_whitespace`, bound here
and on the compare screen) re-aligns with whitespace-only and blank-line changes ignored, and stays on for the
next diff shown. After a jump the current change's rows are marked (stronger background, accent gutter) and
the border says "change 3/11"; jumps stop at the first and last change (False: the screen rings the bell).

Heat (`set_heat`, issue #23): per-line hit counts of both programs, numbered as the stored texts (as the diff
numbers its lines), drawn as a bar left of each split pane's gutter, scaled by log(hits) against that side's
hottest line, which is marked (◀). Each pane's border subtitle gives the hits of the chosen line (clicked, or
the first of the current change; the hottest one until then). It only draws what it is given.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import ClassVar, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive

from ecco_tui.tui.diff_model import CodeDiff, SideLine, UnifiedLine
from ecco_tui.tui.widgets.code_pane import CodePane, HeatCell, PaneLine

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


#: Heat bars from the coldest (one hit) to the hottest line.
HEAT_BARS = "▁▂▃▄▅▆▇█"

Hits = Mapping[int, int]


def hottest_line(hits: Hits | None) -> int | None:
    """The line with the most hits (the first of equals), None without counts."""
    if not hits:
        return None
    top = max(hits.values())
    return min(line for line, count in hits.items() if count == top)


def heat_cells(lines: list[SideLine], hits: Hits | None) -> dict[int, HeatCell]:
    """Row -> heat bar of one side: log(1 + hits) relative to the side's hottest line, which is marked."""
    hottest = hottest_line(hits)
    if not hits or hottest is None:
        return {}
    top = math.log1p(hits[hottest])
    cells: dict[int, HeatCell] = {}
    for row, ln in enumerate(lines):
        count = hits.get(ln.number, 0) if ln.number is not None else 0
        if count > 0:
            level = min(max(math.ceil(math.log1p(count) / top * len(HEAT_BARS)), 1), len(HEAT_BARS))
            cells[row] = HeatCell(HEAT_BARS[level - 1], ln.number == hottest)
    return cells


class DiffView(Vertical):
    """Split/unified diff of two programs."""

    DEFAULT_CSS = """
    DiffView { height: 1fr; }
    DiffView > #split-panes { height: 1fr; }
    DiffView CodePane { height: 1fr; border: round $primary 40%; border-title-color: $text; }
    DiffView CodePane:focus, DiffView #split-panes:focus-within > CodePane {
        border: heavy $text-accent; border-title-color: $text-accent; border-title-style: bold;
    }
    DiffView #left-pane, DiffView #right-pane { width: 1fr; }
    DiffView.-unified #split-panes { display: none; }
    DiffView.-split #unified-pane { display: none; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "toggle_whitespace", "Whitespace", id="diff.whitespace",
                tooltip="Ignore (or show again) changes of whitespace only: trailing spaces, runs of spaces, "
                        "blank lines; line numbers stay those of the programs"),
    ]

    mode: reactive[Mode] = reactive("split")

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._diff: CodeDiff | None = None
        self._syncing = False
        self._change_index = -1
        self._labels = ("", "")
        self.ignore_whitespace = False
        self._heat: tuple[Hits | None, Hits | None] | None = None
        self._heat_status = ""  # while the heat is being measured ("profiling…")
        self._heat_row: int | None = None  # the split row whose hits the borders give (None: the hottest)

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
        """Show `diff` (aligned again if whitespace is being ignored: the mode outlives one diff); the heat of
        the previous programs goes."""
        self._labels = (left_label, right_label)
        self._heat, self._heat_status = None, ""
        self._show(diff.with_whitespace(self.ignore_whitespace))

    def _show(self, diff: CodeDiff) -> None:
        self._diff = diff
        self._change_index = -1
        left_label, right_label = self._labels
        width = len(str(max(len(diff.left_lines), len(diff.right_lines), 1)))
        widest = max((ln.text.cell_length for ln in (*diff.left, *diff.right)), default=0)
        self.left_pane.set_lines(_side_lines(diff.left, width), min_text_width=widest)
        self.right_pane.set_lines(_side_lines(diff.right, width), min_text_width=widest)
        self.unified_pane.set_lines(_unified_lines(diff.unified, width))
        self.left_pane.border_title = left_label
        self.right_pane.border_title = right_label
        self.unified_pane.border_title = f"{left_label} → {right_label}"
        self._heat_row = None
        self._paint_heat()
        self._show_status()

    # -- heat -------------------------------------------------------------------------------------
    @property
    def heat_on(self) -> bool:
        return self._heat is not None

    def set_heat(self, left: Hits | None, right: Hits | None) -> None:
        """Show the per-line hits of the left and right programs (lines numbered as stored)."""
        self._heat = (left, right)
        self._heat_status = ""
        self._heat_row = None
        self._paint_heat()
        self._show_status()

    def set_heat_status(self, text: str) -> None:
        """A note in the border while the heat is measured ("profiling…"); "" removes it."""
        self._heat_status = text
        self._show_status()

    def clear_heat(self) -> None:
        """Remove the heat column and its counts."""
        self._heat, self._heat_status, self._heat_row = None, "", None
        self._paint_heat()
        self._show_status()

    def _paint_heat(self) -> None:
        if self._diff is None or self._heat is None:
            self.left_pane.set_heat(None)
            self.right_pane.set_heat(None)
            return
        self.left_pane.set_heat(heat_cells(self._diff.left, self._heat[0]))
        self.right_pane.set_heat(heat_cells(self._diff.right, self._heat[1]))

    def heat_text(self, side: int) -> str:
        """The chosen line's hits of one side ("line 5: 51,040 hits"), or "" (no heat, a filler row)."""
        if self._heat is None or self._diff is None:
            return ""
        hits = self._heat[side]
        if hits is None:
            return "no counts (the run ended before reporting)"
        lines = self._diff.left if side == 0 else self._diff.right
        if self._heat_row is None:
            number = hottest_line(hits)
            return "" if number is None else f"line {number}: {hits[number]:,} hits (hottest)"
        number = lines[self._heat_row].number if self._heat_row < len(lines) else None
        return "" if number is None else f"line {number}: {hits.get(number, 0):,} hits"

    @on(CodePane.RowClicked)
    def _row_clicked(self, event: CodePane.RowClicked) -> None:
        if self._heat is not None and event.pane in (self.left_pane, self.right_pane):
            self._heat_row = event.row
            self._show_status()

    # -- status -----------------------------------------------------------------------------------
    @property
    def position(self) -> str:
        """Where the change navigation is: "change 3/11" after a jump, "11 changes" before, "" when identical."""
        count = len(self._diff.split_blocks) if self._diff is not None else 0
        if not count:
            return ""
        if self._change_index >= 0:
            return f"change {self._change_index + 1}/{count}"
        return f"{count} change" + ("s" if count > 1 else "")

    def _counts(self) -> list[str]:
        diff = self._diff
        if diff is None:
            return []
        return ["identical" if diff.identical else f"-{diff.removed} +{diff.added}", *filter(None, [self.position])]

    @property
    def status(self) -> str:
        """The diff's border subtitle: lines removed/added, the change position, the whitespace mode."""
        return " · ".join([*self._counts(), *(["whitespace ignored"] if self.ignore_whitespace else [])])

    def _show_status(self) -> None:
        self.unified_pane.border_subtitle = self.status
        # Split: two half-width borders, so the mode goes under the left pane and the counts under the right.
        heat = [self._heat_status] if self._heat_status else [self.heat_text(0)]
        self.right_pane.border_subtitle = " · ".join(filter(None, [self.heat_text(1), *self._counts()]))
        self.left_pane.border_subtitle = " · ".join(
            filter(None, [*heat, "whitespace ignored" if self.ignore_whitespace else ""]))

    # -- whitespace -------------------------------------------------------------------------------
    def toggle_whitespace(self) -> bool:
        """Ignore whitespace-only changes, or show them again; returns the new mode. The first line on screen
        stays on screen (the rows around it move as blank lines align differently)."""
        self.ignore_whitespace = not self.ignore_whitespace
        if self._diff is None:
            return self.ignore_whitespace
        pane = self.left_pane if self.mode == "split" else self.unified_pane
        top = _top_numbers(self._diff, self.mode, int(pane.scroll_y))
        self._show(self._diff.with_whitespace(self.ignore_whitespace))
        row = _row_of(self._diff, self.mode, top)
        if row:
            pane.scroll_to(y=row, animate=False, immediate=True)
        return self.ignore_whitespace

    def action_toggle_whitespace(self) -> None:
        self.toggle_whitespace()

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
        self.set_class(mode == "split", "-split")
        self.set_class(mode == "unified", "-unified")
        focused = self.screen.focused if self.is_mounted else None
        if focused in (self.left_pane, self.right_pane, self.unified_pane):
            (self.left_pane if mode == "split" else self.unified_pane).focus()
        if self.is_mounted:
            # Split and unified list the same change blocks in the same order: the current one stays current.
            self._mark_current()
            pane, blocks = self._blocks()
            if self._change_index >= 0:
                pane.scroll_to(y=max(blocks[self._change_index][0] - 2, 0), animate=False)

    def toggle_mode(self) -> Mode:
        self.mode = "unified" if self.mode == "split" else "split"
        return self.mode

    def focus_code(self) -> None:
        (self.left_pane if self.mode == "split" else self.unified_pane).focus()

    # -- change navigation ------------------------------------------------------------------------
    def _blocks(self) -> tuple[CodePane, list[tuple[int, int]]]:
        if self._diff is None:
            return self.left_pane, []
        if self.mode == "split":
            return self.left_pane, self._diff.split_blocks
        return self.unified_pane, self._diff.unified_blocks

    @property
    def current_change(self) -> int | None:
        """The index of the current change block (None before the first jump)."""
        return self._change_index if self._change_index >= 0 else None

    def jump_to_change(self, step: int) -> bool:
        """Make the next (`step=1`) or previous (`step=-1`) change block current: scroll to it and mark it.

        Stops at the ends: past the last (or before the first) change nothing moves and it returns False.
        `[` before any jump goes to the last change.
        """
        pane, blocks = self._blocks()
        index = len(blocks) - 1 if self._change_index < 0 and step < 0 else self._change_index + step
        if not blocks or not 0 <= index < len(blocks):
            return False
        self._change_index = index
        if self.mode == "split" and self._heat is not None:
            self._heat_row = blocks[index][0]
        self._mark_current()
        pane.scroll_to(y=max(blocks[index][0] - 2, 0), animate=False)
        return True

    def _mark_current(self) -> None:
        """Mark the current change block in the panes of the mode shown (and no other rows)."""
        for code_pane in (self.left_pane, self.right_pane, self.unified_pane):
            code_pane.set_current(None)
        if self._diff is not None and self._change_index >= 0:
            if self.mode == "split":
                rows = self._diff.split_blocks[self._change_index]
                self.left_pane.set_current(rows)
                self.right_pane.set_current(rows)
            else:
                self.unified_pane.set_current(self._diff.unified_blocks[self._change_index])
        self._show_status()


def _top_numbers(diff: CodeDiff, mode: Mode, row: int) -> tuple[int | None, int | None]:
    """The program line numbers (left, right) of a row of the given mode."""
    if mode == "split":
        if row < len(diff.left):
            return diff.left[row].number, diff.right[row].number
    elif row < len(diff.unified):
        return diff.unified[row].left_number, diff.unified[row].right_number
    return None, None


def _row_of(diff: CodeDiff, mode: Mode, numbers: tuple[int | None, int | None]) -> int | None:
    """The first row showing left line `numbers[0]` (else right line `numbers[1]`), in the given mode."""
    if mode == "split":
        rows = [(ln.number, rn.number) for ln, rn in zip(diff.left, diff.right, strict=True)]
    else:
        rows = [(u.left_number, u.right_number) for u in diff.unified]
    for side in (0, 1):
        if numbers[side] is not None:
            for row, pair in enumerate(rows):
                if pair[side] == numbers[side]:
                    return row
    return None
