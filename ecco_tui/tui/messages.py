"""Messages the app's workers post: each carries a service result (a plain dataclass) to the UI thread.

Workers never touch widgets; they post one of these and a handler on the screen updates the widgets.
Every message says which request it answers (`query`, `problem_id`, `key`) so a late answer to an old
request can be recognised and dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from ecco_tui.model import Trajectory
from ecco_tui.services.catalog import CompareView, OutcomeSummary, ProblemDetail, ProblemPage
from ecco_tui.tui.diff_model import CodeDiff


@dataclass(frozen=True, slots=True)
class ProblemQuery:
    """What the problem browser asks for: filters and order (paging is separate)."""

    split: str | None = None
    search: str = ""
    sort: str = "id"
    run: str | None = None  # only problems this run has outputs for
    outcome: str | None = None  # only problems with an output of this outcome / label (catalog.OUTCOME_FILTERS)


@dataclass
class ProblemsPageLoaded(Message):
    """A page of problems arrived; `append` when it continues the rows already shown."""

    query: ProblemQuery
    page: ProblemPage
    append: bool


@dataclass
class SplitsLoaded(Message):
    splits: list[str]
    runs: list[tuple[str, str]] | None = None  # (label, run id) for the run filter


@dataclass
class ProblemDetailLoaded(Message):
    problem_id: str
    detail: ProblemDetail | None


@dataclass
class OutcomesLoaded(Message):
    """Outcomes of a problem's outputs, computed after the list itself was shown."""

    problem_id: str
    outcomes: dict[str, OutcomeSummary]


@dataclass
class CompareLoaded(Message):
    """A compare view and its diff (built in the worker too: highlighting is the slow part)."""

    kind: str
    key: str
    view: CompareView | None
    diff: CodeDiff | None


@dataclass
class TrajectoriesLoaded(Message):
    problem_id: str
    trajectories: list[Trajectory]


@dataclass
class VerdictsProgress(Message):
    """The verdict cache is being recomputed for a run: `done` of `total` outputs judged."""

    run_id: str
    done: int
    total: int


@dataclass
class VerdictsRefreshed(Message):
    """Stale cached verdicts were recomputed for these runs: lists and filters that read them reload."""

    run_ids: list[str]


@dataclass
class StoreChanged(Message):
    """The store may hold something new (another process wrote to it, or the user asked for a refresh):
    every screen reloads what it shows."""

    forced: bool = False


@dataclass
class StoreBusy(Message):
    """A unit of work is waiting for the store file, which another process holds (posted from a worker)."""

    text: str
