"""How cost grows with input size (issue #23): per-test cost against input size of both programs of a
comparison, log-log, with each program's fitted power law, titled with the scaling verdict and its basis.

Opened with `c` in the compare view. The fit comes from the stored CPU times of the comparison's engine
(`Workbench.scaling`: no program runs), minus the interpreter's start-up, over the problem's scored tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.worker import get_current_worker

from ecco_tui.metrics.scaling import PowerFit, Scaling
from ecco_tui.tui.layout import HORIZONTAL_BREAKPOINTS, VERTICAL_BREAKPOINTS
from ecco_tui.tui.widgets.plots import Growth, GrowthPlot

if TYPE_CHECKING:
    from ecco_tui.tui.app import EccoApp

CPU_TIME = "cpu time"


@dataclass
class ScalingLoaded(Message):
    scaling: Scaling


def growth_of(scaling: Scaling, left_label: str, right_label: str) -> Growth:
    """The plot's data: CPU seconds shown as milliseconds; tests without a positive cost are left out."""
    scale = 1000.0 if scaling.cost == CPU_TIME else 1.0
    unit = "cpu ms (start-up removed)" if scaling.cost == CPU_TIME else scaling.cost

    def points(costs: list[tuple[float, float | None]]) -> tuple[tuple[float, float], ...]:
        return tuple((size, cost * scale) for size, cost in costs if size > 0 and cost is not None and cost > 0)

    left = points([(p.size, p.input_cost) for p in scaling.points])
    right = points([(p.size, p.output_cost) for p in scaling.points])
    sizes = [p.size for p in scaling.points if p.size > 0]

    def fit_line(fit: PowerFit | None) -> tuple[tuple[float, float], ...]:
        if fit is None or not sizes:
            return ()
        return tuple((s, fit.cost_at(s) * scale) for s in (min(sizes), max(sizes)))

    return Growth(
        title=f"{scaling.summary} · cost: {scaling.cost}",
        xlabel=scaling.size or "input size",
        ylabel=unit,
        left_label=left_label,
        right_label=right_label,
        left=left,
        right=right,
        left_fit=fit_line(scaling.input_fit),
        right_fit=fit_line(scaling.output_fit),
    )


class ScalingScreen(ModalScreen[None]):
    """Per-test cost against input size of both programs, log-log (see the module doc)."""

    HORIZONTAL_BREAKPOINTS = HORIZONTAL_BREAKPOINTS
    VERTICAL_BREAKPOINTS = VERTICAL_BREAKPOINTS
    DEFAULT_CSS = """
    ScalingScreen { align: center middle; }
    ScalingScreen #scaling-dialog {
        width: 90%; height: 85%; border: round $primary; background: $surface; padding: 0 1;
    }
    ScalingScreen #scaling-plot { height: 1fr; }
    ScalingScreen #scaling-note { height: auto; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,c", "dismiss", "Close", id="scaling.close", tooltip="Back to the compare view"),
        # A modal sees no app bindings: q quits here too, as on every screen.
        Binding("q", "app.quit", "Quit", id="scaling.quit", show=False, tooltip="Leave ecco"),
    ]

    def __init__(self, problem_id: str, left_code: str, right_code: str, engine: str, left_label: str,
                 right_label: str) -> None:
        super().__init__(id="scaling")
        self.problem_id = problem_id
        self.codes = (left_code, right_code)
        self.engine = engine
        self.labels = (left_label, right_label)
        self.scaling: Scaling | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="scaling-dialog") as dialog:
            dialog.border_title = f"Cost growth · {self.problem_id} · {self.engine}"
            dialog.border_subtitle = "escape close"
            yield GrowthPlot(id="scaling-plot")
            yield Static("Loading…", id="scaling-note", markup=False)

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="scaling", exit_on_error=False)
    def load(self) -> None:
        scaling = cast("EccoApp", self.app).workbench.scaling(self.problem_id, *self.codes, self.engine)
        if not get_current_worker().is_cancelled:
            self.post_message(ScalingLoaded(scaling))

    @on(ScalingLoaded)
    def _loaded(self, message: ScalingLoaded) -> None:
        scaling = self.scaling = message.scaling
        self.query_one("#scaling-plot", GrowthPlot).show(growth_of(scaling, *self.labels))
        fits = []
        for label, fit in ((self.labels[0], scaling.input_fit), (self.labels[1], scaling.output_fit)):
            if fit is not None:
                fits.append(f"{label} ~ n^{fit.exponent:.1f} (R² {fit.r2:.2f})")
        note = " · ".join([*fits, f"{len(scaling.points)} tests", f"size: {scaling.size or '?'}"])
        self.query_one("#scaling-note", Static).update(note)
