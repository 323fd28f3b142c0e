"""Scatter of a run: every editing output placed by speedup (x, with its 95% interval) and tests passed (y).

Correct optimizations sit top right (fast and passing), spurious ones right and low (fast because they
fail), broken ones left and low; within-noise outputs straddle the 1× line. The side table lists the
points fastest first with their outcome badges and an interval whisker on a shared log axis; moving its
cursor marks the point on the plot, enter opens the output against its slow input (the compare view).
The numbers are `ecco report`'s (`services.scatter` runs the report's verdicts), loaded in a worker.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.markup import escape
from textual.message import Message
from textual.widgets import Footer, Header, Static
from textual.worker import get_current_worker

from ecco_tui.services.scatter import ScatterData, ScatterPoint
from ecco_tui.tui.formatting import OUTCOMES, colored, fmt_interval, fmt_ratio, outcome_label
from ecco_tui.tui.layout import HORIZONTAL_BREAKPOINTS, VERTICAL_BREAKPOINTS
from ecco_tui.tui.screens.base import EccoScreen
from ecco_tui.tui.theme_colors import theme_colors
from ecco_tui.tui.widgets.plots import ThemedPlot, theme_rgb
from ecco_tui.tui.widgets.record_table import RecordTable

if TYPE_CHECKING:
    from textual.app import App

POINT_COLUMNS = ["row", "outcome", "speedup", "95% CI", "memory", "tests", "flags"]
#: Width of the text whiskers in the table (a small forest plot on the run's shared log axis).
WHISKER_WIDTH = 11
#: Outcomes in the order the legend lists them (the scatter's reading order: good to bad).
LEGEND = ("correct-optimization", "spurious-optimization", "within-noise", "correct-no-gain", "broken")
POINT_MARKER, HIGHLIGHT_MARKER = "●", "◉"


# -- pure helpers (no widgets): the axis, the text whisker, the table rows ------------------------------------


@dataclass(frozen=True, slots=True)
class Axis:
    """The speedup axis: log2 (ratios are symmetric around 1× in log) or linear, with its range."""

    lo: float
    hi: float
    log: bool = True

    @classmethod
    def for_points(cls, points: Sequence[ScatterPoint], *, log: bool = True, threshold: float = 1.0) -> Axis:
        """A range holding every point, every interval and the threshold line, with a little margin."""
        values = [threshold]
        for p in points:
            values.extend(v for v in (p.speedup, p.lo, p.hi) if v is not None and math.isfinite(v) and v > 0)
        lo, hi = min(values), max(values)
        if log:
            return cls(lo / 1.25, hi * 1.25, True)
        pad = (hi - lo) * 0.08 or 0.1
        return cls(max(lo - pad, 0.0), hi + pad, False)

    def x(self, value: float) -> float:
        return math.log2(value) if self.log else value

    def ticks(self) -> tuple[list[float], list[str]]:
        """Tick positions (in plot coordinates) and their labels: powers of two on a log axis."""
        if self.log:
            first, last = math.floor(math.log2(self.lo)), math.ceil(math.log2(self.hi))
            step = max(1, math.ceil((last - first) / 8))
            powers = [k for k in range(first, last + 1, step) if self.lo <= 2.0**k <= self.hi]
            if len(powers) >= 3:
                return [float(k) for k in powers], [f"{_compact(2.0**k)}×" for k in powers]
        # A narrow range (or a linear axis): round values a nice step apart.
        values = _nice_values(self.lo, self.hi)
        return [self.x(v) for v in values], [f"{_compact(v)}×" for v in values]


def fitting_ticks(positions: Sequence[float], labels: Sequence[str], width: int) -> tuple[list[float], list[str]]:
    """Every other tick (or fewer) when the labels would not fit `width` cells side by side: plotext keeps one of
    two overlapping labels, and which one varies from process to process (it follows the hash seed)."""
    if width <= 0 or not labels:
        return list(positions), list(labels)
    room = max(1, width // (max(len(label) for label in labels) + 2))
    step = math.ceil(len(labels) / room)
    return list(positions[::step]), list(labels[::step])


def _nice_values(lo: float, hi: float, count: int = 5) -> list[float]:
    """About `count` round numbers (steps of 1, 2 or 5 times a power of ten) between lo and hi."""
    raw = (hi - lo) / max(count - 1, 1)
    if raw <= 0 or not math.isfinite(raw):
        return [lo]
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    start = math.ceil(lo / step)
    values = [round(k * step, 10) for k in range(start, math.floor(hi / step) + 1)]
    return [v for v in values if v > 0] or [lo]


def _compact(value: float) -> str:
    if value >= 10:
        return f"{value:.0f}"
    if value >= 1:
        return f"{value:.3g}"
    return f"{value:.2g}"


def whisker(
    point: float | None, lo: float | None, hi: float | None, *, span: tuple[float, float], width: int = WHISKER_WIDTH,
    reference: float = 1.0,
) -> str:
    """A text interval on a log axis over `span`: `├──●─┤` with `│` at the reference (1×), `·` elsewhere.

    Every row of a table uses the same span, so the whiskers line up like a forest plot. Values outside the
    span are clamped to its ends; no point gives an empty string.
    """
    if point is None or not math.isfinite(point) or point <= 0 or width < 3:
        return ""
    a, b = math.log2(span[0]), math.log2(span[1])
    if b <= a:
        b = a + 1.0

    def col(value: float) -> int:
        value = min(max(value, span[0]), span[1])
        return round((math.log2(value) - a) / (b - a) * (width - 1))

    cells = ["·"] * width
    if span[0] <= reference <= span[1]:
        cells[col(reference)] = "│"
    if lo is not None and hi is not None and lo > 0 and hi > 0 and math.isfinite(lo) and math.isfinite(hi):
        left, right = col(lo), col(hi)
        for i in range(left, right + 1):
            cells[i] = "─"
        if right > left:
            cells[left], cells[right] = "├", "┤"
    cells[col(point)] = "●"
    return "".join(cells)


def whisker_span(values: Sequence[float | None], reference: float = 1.0) -> tuple[float, float]:
    """A log span holding every value and the reference, so a table's whiskers share one axis."""
    finite = [v for v in values if v is not None and math.isfinite(v) and v > 0] + [reference]
    return min(finite) / 1.1, max(finite) * 1.1


def badges(point: ScatterPoint) -> str:
    """Short flags beside the outcome: below the timer's resolution, identical to the input."""
    flags = []
    if point.below_resolution:
        flags.append("below-res")
    if point.identical_to_input:
        flags.append("identical")
    return " ".join(flags)


def point_rows(data: ScatterData, colors: Mapping[str, str]) -> tuple[list[tuple[object, ...]], list[str]]:
    """Table rows (fastest first) and their keys (output ids)."""
    points = data.by_speedup()
    span = whisker_span([v for p in points for v in (p.lo, p.hi, p.speedup)], data.faster_threshold)
    rows: list[tuple[object, ...]] = []
    for p in points:
        _, var = OUTCOMES.get(p.outcome, ("", "foreground-muted"))
        flags = badges(p)
        rows.append((
            f"{p.row}" + (f".{p.sample}" if p.sample else ""),
            colored(outcome_label(p.outcome), var, colors),
            fmt_ratio(p.speedup),
            colored(whisker(p.speedup, p.lo, p.hi, span=span, reference=data.faster_threshold), var, colors),
            fmt_ratio(p.memory_reduction),
            f"{p.n_passed}/{p.n_tests}" if p.n_tests else "—",
            colored(flags, "warning", colors) if flags else "",
        ))
    return rows, [p.output_id for p in points]


def legend_markup(data: ScatterData) -> str:
    """Textual content markup: each outcome's colour and count, then the points that are not plotted."""
    parts = []
    for outcome in LEGEND:
        label, var = OUTCOMES[outcome]
        parts.append(f"[${var}]{POINT_MARKER}[/] {escape(label)} [b]{data.outcome_counts.get(outcome, 0)}[/b]")
    not_run = data.outcome_counts.get("not-run", 0)
    if not_run:
        parts.append(f"[dim]{escape(outcome_label('not-run'))} {not_run}[/dim]")
    return "  ".join(parts)


def summary_markup(data: ScatterData) -> str:
    run = data.run
    if run is None:
        return f"[b]Scatter[/b]  {escape(data.notice or '')}"
    engine = ""
    if run.engine:
        engine = f" · engine {escape(run.engine)}"
        if run.other_engines:
            engine += f" [dim](also {escape(', '.join(run.other_engines))}: `ecco report --engine` picks)[/dim]"
    head = (f"[b]{escape(run.run_id)}[/b]  {escape(run.model)} · {escape(run.method)} · {escape(run.split)} · "
            f"{len(data.points)} outputs{engine}")
    lines = [head]
    if data.points:
        lines.append(legend_markup(data))
    if data.notice:
        lines.append(f"[$warning]{escape(data.notice)}[/]")
    return "\n".join(lines)


def detail_markup(point: ScatterPoint | None, data: ScatterData) -> str:
    """The highlighted point in words: speedup and memory reduction with their intervals and whiskers."""
    if point is None:
        return "[dim]No point selected.[/dim]"
    label, var = OUTCOMES.get(point.outcome, (point.outcome, "foreground-muted"))
    speed_span = whisker_span([v for p in data.points for v in (p.lo, p.hi, p.speedup)], data.faster_threshold)
    mem_span = whisker_span([v for p in data.points for v in (p.memory_lo, p.memory_hi, p.memory_reduction)])
    flags = badges(point)
    tests = f"{point.n_passed}/{point.n_tests} tests passed" if point.n_tests else "not run"
    return "\n".join([
        f"[bold $background on ${var}] {escape(label)} [/] row {point.row} · sample {point.sample} · "
        f"{escape(point.problem_id)} · {tests}"
        + (f" · [$warning]{escape(flags)}[/]" if flags else "") + "  [dim]enter: open the pair[/dim]",
        f"speedup   {fmt_ratio(point.speedup):>7} {fmt_interval(point.lo, point.hi):<13} "
        f"{escape(whisker(point.speedup, point.lo, point.hi, span=speed_span, reference=data.faster_threshold))}",
        f"mem. red. {fmt_ratio(point.memory_reduction):>7} {fmt_interval(point.memory_lo, point.memory_hi):<13} "
        f"{escape(whisker(point.memory_reduction, point.memory_lo, point.memory_hi, span=mem_span))}",
    ])


# -- the plot -------------------------------------------------------------------------------------------------


class ScatterPlot(ThemedPlot[ScatterData]):
    """Speedup (x, log2 by default) against the share of tests passed (y), one colour per outcome."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.highlighted: str | None = None
        self.log_scale = True

    def on_resize(self) -> None:
        self.replot()  # the ticks that fit depend on the width

    def highlight(self, output_id: str | None) -> None:
        if output_id != self.highlighted:
            self.highlighted = output_id
            self.replot()

    def draw(self, data: ScatterData) -> None:
        points = data.plotted
        plt = self.plt
        plt.xlabel("speedup" + (" (log scale)" if self.log_scale else ""))
        if not points:
            return
        axis = Axis.for_points(points, log=self.log_scale, threshold=data.faster_threshold)
        plt.xlim(axis.x(axis.lo), axis.x(axis.hi))
        plt.ylim(-0.08, 1.08)
        # The y axis's labels ("100%┤") take the first columns of the plot's width.
        plt.xticks(*fitting_ticks(*axis.ticks(), width=self.content_size.width - 6))
        plt.yticks([0.0, 0.25, 0.5, 0.75, 1.0], ["0%", "25%", "50%", "75%", "100%"])
        # The threshold line first, so points drawn later stay on top of it.
        one = axis.x(data.faster_threshold)
        plt.plot([one, one], [-0.08, 1.08], color=theme_rgb(self, "foreground-muted"), marker="┊")
        for p in points:  # whiskers under the points
            if p.lo is not None and p.hi is not None and p.lo > 0 and p.hi > 0:
                var = OUTCOMES.get(p.outcome, ("", "foreground-muted"))[1]
                plt.plot([axis.x(p.lo), axis.x(p.hi)], [p.fraction_passed or 0.0] * 2, color=theme_rgb(self, var),
                         marker="─")
        for outcome, (_, var) in OUTCOMES.items():
            group = [p for p in points if p.outcome == outcome]
            if group:
                plt.scatter([axis.x(p.speedup or 1.0) for p in group], [p.fraction_passed or 0.0 for p in group],
                            color=theme_rgb(self, var), marker=POINT_MARKER)
        chosen = next((p for p in points if p.output_id == self.highlighted), None)
        if chosen is not None:
            accent = theme_rgb(self, "accent")
            y = chosen.fraction_passed or 0.0
            if chosen.lo is not None and chosen.hi is not None and chosen.lo > 0 and chosen.hi > 0:
                plt.plot([axis.x(chosen.lo), axis.x(chosen.hi)], [y, y], color=accent, marker="━")
            x = axis.x(chosen.speedup or 1.0)
            plt.scatter([x], [y], color=accent, marker=HIGHLIGHT_MARKER)
            # The label goes on the text row above the point (below it at the top), never over the marker.
            plt.text(f"row {chosen.row}", x=x, y=y + (0.09 if y < 0.9 else -0.09), color=accent,
                     alignment="center", background=theme_rgb(self, "surface"))


# -- the screen -----------------------------------------------------------------------------------------------


@dataclass
class ScatterLoaded(Message):
    run_id: str
    data: ScatterData


class ScatterScreen(EccoScreen):
    """One run's editing outputs: speedup × tests passed, and the points in a table (enter opens one)."""

    TITLE = "Scatter"
    HORIZONTAL_BREAKPOINTS = HORIZONTAL_BREAKPOINTS
    VERTICAL_BREAKPOINTS = VERTICAL_BREAKPOINTS
    CSS_PATH = Path(__file__).parent.parent / "styles" / "scatter.tcss"
    AUTO_FOCUS = "#points KeyedDataTable"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "open_point", "Open pair", id="scatter.open",
                tooltip="Open the selected output against its slow input (also enter)"),
        Binding("l", "toggle_log", "Log/linear", id="scatter.log",
                tooltip="Switch the speedup axis between log and linear scale"),
        Binding("r", "reload", "Reload", id="scatter.reload", show=False,
                tooltip="Recompute the points from the store (after an evaluation)"),
    ]

    def __init__(self, run_id: str, engine: str | None = None) -> None:
        # No fixed id: the scatters of two runs may be on the stack at once (screen ids are app-wide).
        super().__init__(classes="scatter")
        self.run_id = run_id
        self.engine = engine
        self.data: ScatterData | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="≡")
        yield Static(f"Loading {escape(self.run_id)}…", id="scatter-summary")
        with Vertical(id="scatter-body"):
            with Horizontal(id="scatter-main"):
                yield ScatterPlot(id="scatter-plot")
                yield RecordTable(POINT_COLUMNS, id="points", empty_text="No outputs to list.",
                                  max_column_width=16)
            yield Static(id="scatter-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.run_id
        self.query_one("#points", RecordTable).border_title = "Outputs, fastest first (enter: open)"
        self.query_one("#scatter-plot").border_title = "Speedup (95% interval) × tests passed"
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._refill())
        self.reload()

    # -- loading ----------------------------------------------------------------------------------------------
    def reload(self) -> None:
        """Compute the points again in a worker, with the loading indicator over the plot and the table."""
        self._set_loading(True)
        self.load_scatter()

    @work(thread=True, exclusive=True, group="scatter", exit_on_error=False)
    def load_scatter(self) -> None:
        try:
            data = self.workbench.scatter(self.run_id, self.engine)
        finally:  # a failure is reported by the app (EccoScreen forwards worker errors): stop the indicator
            self.app.call_from_thread(self._set_loading, False)
        if not get_current_worker().is_cancelled:
            self.post_message(ScatterLoaded(self.run_id, data))

    def _set_loading(self, loading: bool) -> None:
        if self.is_mounted:
            self.query_one("#scatter-body").loading = loading

    @on(ScatterLoaded)
    def _loaded(self, message: ScatterLoaded) -> None:
        if message.run_id != self.run_id:
            return
        self.data = message.data
        self._refill()

    def _refill(self) -> None:
        data = self.data
        if data is None:
            return
        self.query_one("#scatter-summary", Static).update(Content.from_markup(summary_markup(data)))
        self.query_one("#scatter-body").display = bool(data.points)
        table = self.query_one("#points", RecordTable)
        rows, keys = point_rows(data, theme_colors(self.app))
        cursor = table.cursor_key
        table.show(rows, keys, cursor_key=cursor)
        plot = self.query_one("#scatter-plot", ScatterPlot)
        plot.border_subtitle = f"faster: 95% interval above {data.faster_threshold:g}×"
        plot.show(data)
        self._show_detail(cursor or (keys[0] if keys else None))
        # The loading indicator took focus away from the table: give it back once the new table is mounted.
        self.call_after_refresh(lambda: self.focused is None and table.focus())

    def _show_detail(self, output_id: str | None) -> None:
        if self.data is None:
            return
        point = self.data.point(output_id) if output_id else None
        self.query_one("#scatter-plot", ScatterPlot).highlight(output_id)
        self.query_one("#scatter-detail", Static).update(Content.from_markup(detail_markup(point, self.data)))

    # -- table → plot, and opening a point --------------------------------------------------------------------
    @on(RecordTable.Highlighted, "#points")
    def _point_highlighted(self, event: RecordTable.Highlighted) -> None:
        self._show_detail(event.key)

    @on(RecordTable.Chosen, "#points")
    def _point_chosen(self, event: RecordTable.Chosen) -> None:
        self.open_output(event.key)

    def open_output(self, output_id: str) -> None:
        from ecco_tui.tui.screens.compare import CompareScreen

        self.app.push_screen(CompareScreen("output", output_id))

    # -- actions ----------------------------------------------------------------------------------------------
    def action_open_point(self) -> None:
        key = self.query_one("#points", RecordTable).cursor_key
        if key is None:
            self.notify("No output to open.", severity="warning")
            return
        self.open_output(key)

    def action_toggle_log(self) -> None:
        plot = self.query_one("#scatter-plot", ScatterPlot)
        plot.log_scale = not plot.log_scale
        plot.replot()

    def action_reload(self) -> None:
        self.reload()

    def store_changed(self, forced: bool = False) -> None:
        """F5 only: the points come from the verdict cache, which others' writes change only when they
        refresh it (`ecco eval` does at its end), and a reload covers the plot with the loading indicator."""
        if forced and self.is_mounted:
            self.reload()


def open_scatter(app: App[Any], run_id: str) -> None:
    """Show the scatter of `run_id` (palette "Scatter of run…"); nothing new if it is already on top."""
    screen = app.screen
    if isinstance(screen, ScatterScreen) and screen.run_id == run_id:
        return
    app.push_screen(ScatterScreen(run_id))
