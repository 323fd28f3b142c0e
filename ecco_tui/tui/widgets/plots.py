"""Plots drawn with textual-plotext on each widget's own `plt` (no global plotext state).

Colours are taken from the app theme (primary for data, accent for the shown program's marker) so the
plots follow a theme switch; data is kept on the widget and redrawn on every render size change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from textual.color import Color
from textual_plotext import PlotextPlot


def theme_rgb(widget: PlotextPlot, variable: str, fallback: str = "#888888") -> tuple[int, int, int]:
    """A theme variable (`primary`, `surface`…) as plotext's RGB triple."""
    value = widget.app.theme_variables.get(variable) or widget.app.theme_variables.get("foreground") or fallback
    try:
        return Color.parse(value).rgb
    except Exception:
        return Color.parse(fallback).rgb


DataT = TypeVar("DataT")


class ThemedPlot(PlotextPlot, Generic[DataT]):
    """A plot of one data value: `show(data)` keeps it and redraws; a theme switch redraws in the new colours.

    Subclasses implement `draw(data)` on a cleared `self.plt`.
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.data: DataT | None = None

    def show(self, data: DataT) -> None:
        self.data = data
        self.replot()

    def on_mount(self) -> None:
        super().on_mount()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.replot())
        self.replot()

    def replot(self) -> None:
        if self.data is None or not self.is_mounted:
            return
        self.plt.clear_data()
        self.plt.clear_figure()
        self.draw(self.data)
        self.refresh()

    def draw(self, data: DataT) -> None:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Histogram:
    values: tuple[float, ...]
    title: str
    xlabel: str
    marker: float | None = None
    marker_label: str = ""


def tallest_bin(values: Sequence[float], bins: int) -> int:
    """Height of the highest bar plotext will draw for `values` in `bins` equal-width bins."""
    if not values:
        return 0
    lo, hi = min(values), max(values)
    if hi == lo:
        return len(values)
    width = (hi - lo) / bins
    counts = [0] * bins
    for v in values:
        counts[min(int((v - lo) / width), bins - 1)] += 1
    return max(counts)


class HistogramPlot(ThemedPlot[Histogram]):
    """Histogram of a spectrum with an optional vertical marker (the program being looked at)."""

    def draw(self, data: Histogram) -> None:
        plt = self.plt
        plt.title(data.title)
        plt.xlabel(data.xlabel)
        plt.ylabel("solutions")
        bins = max(5, min(30, len(data.values) // 2 or 1))
        if data.values:
            plt.hist(list(data.values), bins=bins, color=theme_rgb(self, "primary"))
        if data.marker is not None:
            # A plotted segment rather than plt.vline: vline is drawn under the bars and disappears in them.
            top = max(tallest_bin(data.values, bins), 1)
            accent = theme_rgb(self, "accent")
            plt.plot([data.marker, data.marker], [0, top], color=accent, marker="▌")
            if data.marker_label:
                plt.text(data.marker_label, x=data.marker, y=top, color=accent, alignment="left",
                         background=theme_rgb(self, "surface"))


@dataclass(frozen=True, slots=True)
class Series:
    steps: tuple[int, ...]
    runtimes_ms: tuple[float | None, ...]
    memories_kb: tuple[float | None, ...]
    title: str


class TrajectoryPlot(ThemedPlot[Series]):
    """Runtime (left axis) and memory (right axis) of a user's successive submissions."""

    @staticmethod
    def _points(steps: Sequence[int], values: Sequence[float | None]) -> tuple[list[int], list[float]]:
        pairs = [(s, v) for s, v in zip(steps, values, strict=True) if v is not None]
        return [p[0] for p in pairs], [p[1] for p in pairs]

    def draw(self, data: Series) -> None:
        plt = self.plt
        plt.title(data.title)
        plt.xlabel("submission")
        xs, ys = self._points(data.steps, data.runtimes_ms)
        if xs:
            plt.plot(xs, ys, marker="dot", color=theme_rgb(self, "primary"), label="cpu ms")
        xs, ys = self._points(data.steps, data.memories_kb)
        if xs:
            plt.plot(xs, ys, marker="dot", color=theme_rgb(self, "accent"), label="memory KB", yside="right")
        if data.steps:
            plt.xticks(list(data.steps))


@dataclass(frozen=True, slots=True)
class Growth:
    """Per-test cost against input size of two programs (log-log), with each program's fitted line."""

    title: str
    xlabel: str
    ylabel: str
    left_label: str
    right_label: str
    left: tuple[tuple[float, float], ...]  # (size, cost), positive values only
    right: tuple[tuple[float, float], ...]
    left_fit: tuple[tuple[float, float], ...] = ()  # two points of the fitted power law, or none
    right_fit: tuple[tuple[float, float], ...] = ()


class GrowthPlot(ThemedPlot[Growth]):
    """How the left (input) and right (output) programs' cost grows with input size, on log-log axes."""

    def draw(self, data: Growth) -> None:
        plt = self.plt
        plt.title(data.title)
        plt.xlabel(data.xlabel)
        plt.ylabel(data.ylabel)
        plt.xscale("log")
        plt.yscale("log")
        for points, fit, label, color in (
            (data.left, data.left_fit, data.left_label, theme_rgb(self, "error")),
            (data.right, data.right_fit, data.right_label, theme_rgb(self, "success")),
        ):
            if fit:
                plt.plot([p[0] for p in fit], [p[1] for p in fit], color=color, marker="braille")
            if points:
                plt.scatter([p[0] for p in points], [p[1] for p in points], color=color, marker="●", label=label)
