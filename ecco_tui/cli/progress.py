"""Progress bars for the long commands (imports, evaluation, refinement, calibration), on stderr.

Services report progress through plain callbacks; this module turns them into one rich bar per stage, so no
service knows about rich and stdout stays clean for results. The bars are off when stderr is not a terminal
(logs and pipes get no escape codes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from ecco_tui.cli.app import err_console

if TYPE_CHECKING:
    from ecco_tui.store.store import Store

__all__ = ["ProgressBar", "RateColumn", "progress_bar", "refresh_verdicts_of", "stage_progress", "verdict_progress"]

#: `progress(stage, advance, total)`: advance the bar of `stage` (created on first use) by `advance` items;
#: a `total` that is not None (re)sets its length.
ProgressBar = Callable[[str, int, int | None], None]


class RateColumn(ProgressColumn):
    """Throughput of the task (items per second), e.g. tests/s during `ecco eval`."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.1f}/s", style="progress.data.speed")


@contextmanager
def progress_bar() -> Iterator[ProgressBar]:
    """A rich progress bar driven by `progress(stage, advance, total)` callbacks."""
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    tasks: dict[str, TaskID] = {}
    with Progress(*columns, console=err_console, transient=False, disable=not err_console.is_terminal) as bar:

        def update(stage: str, advance: int, total: int | None) -> None:
            key = stage.split(" ")[0]
            if key not in tasks:
                tasks[key] = bar.add_task(stage, total=total)
            elif total is not None:
                bar.update(tasks[key], total=total)
            if advance:
                bar.advance(tasks[key], advance)

        yield update


def stage_progress(progress: ProgressBar, stage: str) -> Callable[[int, int], None]:
    """The `(advance, total)` callback the services take, feeding the bar of one `stage`."""

    def update(advance: int, total: int) -> None:
        progress(stage, advance, total)

    return update


def refresh_verdicts_of(store: Store, run_ids: Sequence[str]) -> None:
    """Recompute the browser's cached verdicts of runs this command just wrote (see services.verdicts), so
    the app opens with filters that are already right. Forced: a re-import can replace rows without
    changing the counts the staleness stamp compares."""
    from ecco_tui.services.verdicts import refresh_verdicts

    with verdict_progress() as advance:
        refresh_verdicts(store, list(run_ids), force=True, progress=advance)


@contextmanager
def verdict_progress() -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar per run for verdict computation: yields the callback the verdict services call with
    (run, outputs done, outputs in the run)."""
    seen: dict[str, int] = {}
    with progress_bar() as progress:

        def advance(run_id: str, done: int, total: int) -> None:
            progress(f"verdicts:{run_id}", done - seen.get(run_id, 0), total)
            seen[run_id] = done

        yield advance
