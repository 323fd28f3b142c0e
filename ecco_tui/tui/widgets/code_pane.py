"""A scrollable code pane drawing only the lines on screen (Textual's line API).

Each line has a gutter (line numbers and a +/- marker, pinned while the text scrolls sideways) and a
highlighted text whose background says whether the line was removed, added, is filler or unchanged.
Colours come from component classes, so they follow the theme. One range of rows can be marked as the
current change (`set_current`): its rows get a stronger background and an accent gutter. A heat column
(`set_heat`: a bar per row, the hottest row marked) can be shown left of the gutter; clicking a row posts
`CodePane.RowClicked`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from textual import events
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.visual import Visual


@dataclass(frozen=True, slots=True)
class PaneLine:
    gutter: str
    tag: str
    text: Content


@dataclass(frozen=True, slots=True)
class HeatCell:
    """One row's heat: its bar (an eighth-block character) and whether it is the pane's hottest line."""

    bar: str
    hottest: bool = False


#: Width of the heat column: the bar and the hottest line's marker.
HEAT_WIDTH = 2


class CodePane(ScrollView, can_focus=True):
    """Read-only code with diff backgrounds; arrow keys, page keys and the mouse wheel scroll it."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "code-pane--gutter",
        "code-pane--equal",
        "code-pane--delete",
        "code-pane--insert",
        "code-pane--filler",
        "code-pane--hunk",
        "code-pane--current-gutter",
        "code-pane--current-equal",
        "code-pane--current-delete",
        "code-pane--current-insert",
        "code-pane--current-filler",
        "code-pane--current-hunk",
        "code-pane--heat",
        "code-pane--heat-hottest",
    }

    DEFAULT_CSS = """
    CodePane {
        background: $surface;
        text-wrap: nowrap;
        text-overflow: clip;
        scrollbar-size-vertical: 1;
    }
    CodePane > .code-pane--gutter { color: $text-muted; background: $surface-darken-1; }
    CodePane > .code-pane--equal { }
    CodePane > .code-pane--delete { background: $error 15%; }
    CodePane > .code-pane--insert { background: $success 15%; }
    CodePane > .code-pane--filler { background: $surface-darken-1; }
    CodePane > .code-pane--hunk { color: $accent; background: $accent 10%; text-style: bold; }
    CodePane > .code-pane--current-gutter { color: $text; background: $accent 60%; text-style: bold; }
    CodePane > .code-pane--current-equal { background: $accent 15%; }
    CodePane > .code-pane--current-delete { background: $error 30%; }
    CodePane > .code-pane--current-insert { background: $success 30%; }
    CodePane > .code-pane--current-filler { background: $accent 15%; }
    CodePane > .code-pane--current-hunk { color: $accent; background: $accent 10%; text-style: bold; }
    CodePane > .code-pane--heat { color: $warning; background: $surface-darken-1; }
    CodePane > .code-pane--heat-hottest { color: $error; background: $surface-darken-1; text-style: bold; }
    """

    @dataclass
    class RowClicked(Message):
        """A row of the pane was clicked (its index in the pane's lines)."""

        pane: CodePane
        row: int

    def __init__(self, *, focusable: bool = True, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.can_focus = focusable
        self._lines: list[PaneLine] = []
        self._gutter_width = 0
        self._text_width = 0
        self._current: tuple[int, int] | None = None
        self._heat: dict[int, HeatCell] | None = None
        self._cache: LRUCache[tuple[int, int, int], Strip] = LRUCache(1024)

    # -- content ----------------------------------------------------------------------------------
    def set_lines(self, lines: Sequence[PaneLine], *, min_text_width: int = 0) -> None:
        """Show `lines`; `min_text_width` lets two panes that scroll together share one scroll width."""
        self._lines = list(lines)
        self._current = None
        self._heat = None
        self._gutter_width = max((len(line.gutter) for line in self._lines), default=0)
        self._text_width = max(min_text_width, max((line.text.cell_length for line in self._lines), default=0))
        self._cache.clear()
        self._size_virtually()
        self.scroll_to(0, 0, animate=False)
        self.refresh()

    def _size_virtually(self) -> None:
        heat = HEAT_WIDTH if self._heat is not None else 0
        self.virtual_size = Size(heat + self._gutter_width + self._text_width + 1, len(self._lines))

    @property
    def heat(self) -> Mapping[int, HeatCell] | None:
        """The heat column by row (None: not shown)."""
        return self._heat

    def set_heat(self, cells: Mapping[int, HeatCell] | None) -> None:
        """Show a heat column left of the gutter (rows without a cell stay blank), or remove it (None)."""
        heat = dict(cells) if cells is not None else None
        if heat != self._heat:
            self._heat = heat
            self._cache.clear()
            self._size_virtually()
            self.refresh()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None:
            row = int(self.scroll_offset.y) + offset.y
            if 0 <= row < len(self._lines):
                self.post_message(self.RowClicked(self, row))

    @property
    def lines(self) -> list[PaneLine]:
        return self._lines

    @property
    def current(self) -> tuple[int, int] | None:
        """The rows [start, end) marked as the current change, if any."""
        return self._current

    def set_current(self, rows: tuple[int, int] | None) -> None:
        """Mark rows [start, end) as the current change (None: no mark)."""
        if rows != self._current:
            self._current = rows
            self._cache.clear()
            self.refresh()

    def plain_lines(self) -> list[str]:
        """The pane as text (heat column and gutter included), for tests and copying."""
        return [self._heat_text(row) + line.gutter + line.text.plain for row, line in enumerate(self._lines)]

    def _heat_text(self, row: int) -> str:
        if self._heat is None:
            return ""
        cell = self._heat.get(row)
        return "  " if cell is None else cell.bar + ("◀" if cell.hottest else " ")

    # -- rendering --------------------------------------------------------------------------------
    def notify_style_update(self) -> None:
        self._cache.clear()
        super().notify_style_update()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        if index >= len(self._lines) or width <= 0:
            return Strip.blank(width, self.rich_style)
        key = (index, scroll_x, width)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        current = self._current is not None and self._current[0] <= index < self._current[1]
        strip = self._render_pane_line(self._lines[index], scroll_x, width, current=current)
        if self._heat is not None:
            cell = self._heat.get(index)
            style = self.get_visual_style("code-pane--heat-hottest" if cell and cell.hottest else "code-pane--heat")
            heat = Strip([Segment(self._heat_text(index), style.rich_style)])
            strip = Strip.join([heat, strip]).crop(0, width)
        self._cache[key] = strip
        return strip

    def _render_pane_line(self, line: PaneLine, scroll_x: int, width: int, *, current: bool = False) -> Strip:
        prefix = "code-pane--current-" if current else "code-pane--"
        gutter_style = self.get_visual_style(f"{prefix}gutter")
        line_style = self.get_visual_style(f"{prefix}{line.tag}")
        if self._heat is not None:
            width = max(width - HEAT_WIDTH, 0)
        gutter_width = min(self._gutter_width, width)
        gutter = Strip([Segment(line.gutter.ljust(self._gutter_width)[:gutter_width], gutter_style.rich_style)])
        text_width = width - gutter_width
        if text_width <= 0:
            return gutter
        if line.text.cell_length:
            strips = Visual.to_strips(self, line.text, line.text.cell_length, 1, line_style, apply_selection=False)
            text = strips[0] if strips else Strip([])
        else:
            text = Strip([])
        text = text.crop(scroll_x, scroll_x + text_width).extend_cell_length(text_width, line_style.rich_style)
        return Strip.join([gutter, text])
