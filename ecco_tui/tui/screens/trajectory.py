"""Trajectories: one user's successive submissions to a problem, runtime and memory step by step.

ECCO's trajectories config records how people improved their own code; enter on a step opens the compare
view of that submission against the previous one, so the change that made it faster is one key away.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.widgets import Footer, Header, Static
from textual.worker import get_current_worker

from ecco_tui.model import Trajectory, TrajectoryStep
from ecco_tui.tui.formatting import fmt_change, fmt_kb, fmt_ms, plural
from ecco_tui.tui.layout import HORIZONTAL_BREAKPOINTS, VERTICAL_BREAKPOINTS
from ecco_tui.tui.messages import TrajectoriesLoaded
from ecco_tui.tui.screens.base import EccoScreen
from ecco_tui.tui.theme_colors import theme_colors
from ecco_tui.tui.widgets.plots import Series, TrajectoryPlot
from ecco_tui.tui.widgets.record_table import RecordTable

USER_COLUMNS = ["user", "steps", "last status"]
STEP_COLUMNS = ["step", "status", "cpu", "memory", "Δ cpu", "Δ memory", "submission"]


def step_rows(trajectory: Trajectory, colors: dict[str, str]) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    previous: TrajectoryStep | None = None
    for step in trajectory.steps:
        status = escape(step.status or "?")
        color = colors.get("success" if step.status == "Accepted" else "error")
        rows.append((
            step.step,
            f"[{color}]{status}[/]" if color else status,
            fmt_ms(step.cpu_time_ms),
            fmt_kb(step.memory_kb),
            fmt_change(previous.cpu_time_ms if previous else None, step.cpu_time_ms),
            fmt_change(previous.memory_kb if previous else None, step.memory_kb),
            escape(step.submission_id or "—"),
        ))
        previous = step
    return rows


class TrajectoryScreen(EccoScreen):
    TITLE = "Trajectories"
    HORIZONTAL_BREAKPOINTS = HORIZONTAL_BREAKPOINTS
    VERTICAL_BREAKPOINTS = VERTICAL_BREAKPOINTS
    AUTO_FOCUS = "#steps KeyedDataTable"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("u", "focus_users", "Users", id="trajectory.users", tooltip="Pick another user's trajectory"),
    ]

    def __init__(self, problem_id: str, problem_name: str | None = None) -> None:
        super().__init__(id="trajectory")
        self.problem_id = problem_id
        self.problem_name = problem_name
        self.trajectories: list[Trajectory] = []
        self._current: Trajectory | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="≡")
        yield Static(f"Loading trajectories of {self.problem_id}…", id="trajectory-summary")
        with Horizontal(id="trajectory-body"):
            yield RecordTable(USER_COLUMNS, id="users", empty_text="No trajectories for this problem.")
            with Vertical(id="trajectory-main"):
                yield TrajectoryPlot(id="trajectory-plot")
                yield RecordTable(STEP_COLUMNS, id="steps", empty_text="No submissions.")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.problem_id
        self.query_one("#users", RecordTable).border_title = "Users"
        self.query_one("#steps", RecordTable).border_title = "Submissions (enter: diff with the previous one)"
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._reshow())
        self.load_trajectories()

    @work(thread=True, exclusive=True, group="trajectories", exit_on_error=False)
    def load_trajectories(self) -> None:
        trajectories = self.workbench.trajectories(self.problem_id)
        if not get_current_worker().is_cancelled:
            self.post_message(TrajectoriesLoaded(self.problem_id, trajectories))

    @on(TrajectoriesLoaded)
    def _loaded(self, message: TrajectoriesLoaded) -> None:
        self.trajectories = message.trajectories
        name = f" · {escape(self.problem_name)}" if self.problem_name else ""
        self.query_one("#trajectory-summary", Static).update(
            f"{self.problem_id}{name} · {plural(len(self.trajectories), 'user trajectory', 'user trajectories')}"
        )
        users = self.query_one("#users", RecordTable)
        users.show(
            [(escape(t.user_id), len(t.steps), escape(t.steps[-1].status or "?") if t.steps else "—")
             for t in self.trajectories],
            [t.trajectory_id for t in self.trajectories],
        )
        if self.trajectories:
            self._show(self.trajectories[0])
        else:
            self.query_one("#steps", RecordTable).show([], [])

    @on(RecordTable.Highlighted, "#users")
    def _user_highlighted(self, event: RecordTable.Highlighted) -> None:
        trajectory = next((t for t in self.trajectories if t.trajectory_id == event.key), None)
        if trajectory is not None and trajectory is not self._current:
            self._show(trajectory)

    @on(RecordTable.Chosen, "#users")
    def _user_chosen(self, event: RecordTable.Chosen) -> None:
        self.query_one("#steps", RecordTable).focus()

    def _reshow(self) -> None:
        """The current trajectory again (its colours come from the theme)."""
        if self._current is not None:
            self._show(self._current)

    def _show(self, trajectory: Trajectory) -> None:
        self._current = trajectory
        steps = trajectory.steps
        self.query_one("#trajectory-plot", TrajectoryPlot).show(Series(
            tuple(s.step for s in steps), tuple(s.cpu_time_ms for s in steps), tuple(s.memory_kb for s in steps),
            f"{trajectory.user_id}: cpu ms (left) and memory KB (right) per submission",
        ))
        self.query_one("#steps", RecordTable).show(
            step_rows(trajectory, theme_colors(self.app)), [f"{trajectory.trajectory_id}#{s.step}" for s in steps]
        )

    @on(RecordTable.Chosen, "#steps")
    def _step_chosen(self, event: RecordTable.Chosen) -> None:
        from ecco_tui.tui.screens.compare import CompareScreen

        self.app.push_screen(CompareScreen("step", event.key))

    def action_focus_users(self) -> None:
        self.query_one("#users", RecordTable).focus()
