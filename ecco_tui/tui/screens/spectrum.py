"""A problem's human spectrum: histograms of accepted human runtimes and memories (ECCO's published
generate_eval, or the problem's human solutions measured on the shown program's engine), with the shown
program marked and its percentile, when it was run and passed; the source is named."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.markup import escape
from textual.widgets import Footer, Header, Static

from ecco_tui.metrics import median_or_none
from ecco_tui.model import HumanSpectrum, Problem
from ecco_tui.services.catalog import CompareView
from ecco_tui.tui.formatting import fmt_kb, fmt_pct, fmt_seconds
from ecco_tui.tui.layout import HORIZONTAL_BREAKPOINTS, VERTICAL_BREAKPOINTS
from ecco_tui.tui.screens.base import EccoScreen
from ecco_tui.tui.widgets.plots import Histogram, HistogramPlot


@dataclass(frozen=True, slots=True)
class Marker:
    """The program to place on the spectrum: mean per-test runtime/memory, as ECCO ranks programs."""

    label: str
    runtime_s: float | None
    memory_kb: float | None
    runtime_percentile: float | None = None
    memory_percentile: float | None = None


def marker_for(view: CompareView) -> Marker | None:
    """The right program of a compare view, if it has executions (else its reference runtime, if any)."""
    right = view.metrics.right
    if right is not None:
        return Marker(view.right_label, right.mean_cpu_s, right.mean_memory_kb,
                      view.metrics.runtime_percentile, view.metrics.memory_percentile)
    if view.pair is not None and view.pair.fast.ref_runtime_s is not None:
        return Marker(f"{view.right_label} (reference)", view.pair.fast.ref_runtime_s, view.pair.fast.ref_memory_kb)
    return None


def _median(values: tuple[float, ...]) -> float | None:
    return median_or_none(values)


def spectrum_summary(problem: Problem, spectrum: HumanSpectrum, marker: Marker | None) -> Content:
    rt, mem = spectrum.runtimes_s, spectrum.memories_kb
    lines = [
        f"[b]{escape(problem.name or problem.problem_id)}[/b]  [dim]{problem.problem_id}[/dim]",
        f"{len(rt)} accepted human solutions · runtime min {fmt_seconds(min(rt) if rt else None)} · median "
        f"{fmt_seconds(_median(rt))} · max {fmt_seconds(max(rt) if rt else None)} · memory median "
        f"{fmt_kb(_median(mem))}",
        f"[dim]humans: {escape(spectrum.source)}; the program is placed among humans measured the same way[/dim]",
    ]
    if marker is None:
        lines.append("[dim]No program to place: open the spectrum from a compare view whose right program ran.[/dim]")
    else:
        pct = ""
        if marker.runtime_percentile is not None:
            pct = (f" · faster than [b]{fmt_pct(marker.runtime_percentile)}[/b] of humans, lighter than "
                   f"[b]{fmt_pct(marker.memory_percentile)}[/b]")
        elif marker.runtime_s is not None:
            pct = " · [dim]no percentile: the program does not pass every test[/dim]"
        lines.append(f"[$accent]│[/] {escape(marker.label)}: {fmt_seconds(marker.runtime_s)} per test, "
                     f"{fmt_kb(marker.memory_kb)}{pct}")
    return Content.from_markup("\n".join(lines))


class SpectrumScreen(EccoScreen):
    TITLE = "Spectrum"
    HORIZONTAL_BREAKPOINTS = HORIZONTAL_BREAKPOINTS
    VERTICAL_BREAKPOINTS = VERTICAL_BREAKPOINTS

    def __init__(self, problem: Problem, spectrum: HumanSpectrum, marker: Marker | None = None) -> None:
        super().__init__(id="spectrum")
        self.problem = problem
        self.spectrum = spectrum
        self.marker = marker

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="≡")
        yield Static(spectrum_summary(self.problem, self.spectrum, self.marker), id="spectrum-summary")
        with Horizontal(id="spectrum-plots"):
            yield HistogramPlot(id="runtime-plot")
            yield HistogramPlot(id="memory-plot")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.problem.problem_id
        # A narrow or short terminal cuts the summary's lines (spectrum.tcss): the whole text on hover.
        self.query_one("#spectrum-summary", Static).tooltip = spectrum_summary(self.problem, self.spectrum,
                                                                               self.marker)
        marker = self.marker
        rt_ms = tuple(v * 1000 for v in self.spectrum.runtimes_s)
        self.query_one("#runtime-plot", HistogramPlot).show(Histogram(
            rt_ms, f"CPU time of {len(rt_ms)} human solutions", "ms",
            marker.runtime_s * 1000 if marker and marker.runtime_s is not None else None,
            f"◀ {fmt_pct(marker.runtime_percentile)}" if marker and marker.runtime_percentile is not None else "",
        ))
        mem_mb = tuple(v / 1024 for v in self.spectrum.memories_kb)
        self.query_one("#memory-plot", HistogramPlot).show(Histogram(
            mem_mb, f"Memory of {len(mem_mb)} human solutions", "MB",
            marker.memory_kb / 1024 if marker and marker.memory_kb is not None else None,
            f"◀ {fmt_pct(marker.memory_percentile)}" if marker and marker.memory_percentile is not None else "",
        ))
