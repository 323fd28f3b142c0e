"""The workbench: the one application service the app talks to.

It owns the store, the settings (author, labels, engine, limits, model) and every job that executes programs.
Screens hold only a Workbench: they never see a `Store` or an engine. What they get back are plain
dataclasses (`CompareView`, `ProblemPage`, `FixRun`, ...).

Two kinds of calls, so that nothing blocks the UI loop:

* **Reads and small writes** (`problem_page`, `save_label`, `save_fix`, ...) are blocking: a screen calls them
  from a thread worker (`@work(thread=True)`). Each is one unit of work on the store (it opens the file, or
  waits with "store busy" while another process holds it, and lets go when done).
* **Jobs** (`rerun`, `measure_output`, `refine_round`, `run_public_tests`, `run_fix`) execute programs. They are
  coroutines the screen awaits in an async worker, but the job itself runs on an event loop of its own in a
  thread of its own (`run_job`), so its DuckDB calls never run on the UI loop. Cancelling the awaiting worker
  (Escape) cancels the job where it waits; the job's engine is closed on the way out (`open_engine`), which
  kills its sandboxed processes, and the awaiting worker returns only once the job thread has ended: no thread
  or process is left behind. Progress reaches the screen through the `progress` callback, called in the job's
  thread (posting a Textual message from there is thread-safe).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from ecco_tui.config import Settings
from ecco_tui.model import Annotation, HumanSpectrum, Problem, Run, Trajectory, code_sha256
from ecco_tui.services import annotations as labelling
from ecco_tui.services import ecco_fix, rounds, training
from ecco_tui.services.catalog import (
    Catalog,
    CompareView,
    OutcomeSummary,
    ProblemDetail,
    ProblemPage,
)
from ecco_tui.services.ecco_fix import FixCandidate, FixRun
from ecco_tui.services.engines import limits_from, open_engine, runs_unsandboxed, sandbox_refusal
from ecco_tui.services.explain import Explanation, Scaling, cpu_scaling, explain_output
from ecco_tui.services.field_metrics import FieldTable, field_tables
from ecco_tui.services.rerun import RerunEvent, RerunSummary, rerun_programs
from ecco_tui.services.rounds import PublicRun, RoundEvent, RoundMade, RoundTimeline
from ecco_tui.services.scatter import ScatterData, catalog_scatter
from ecco_tui.store.store import Store

__all__ = ["JOB_THREAD_PREFIX", "Workbench", "run_job"]

T = TypeVar("T")

#: Name prefix of job threads (tests look for leftovers by it).
JOB_THREAD_PREFIX = "ecco-job"

#: How long a cancelled job may take to close its engine (kill its processes, remove its groups) before the
#: awaiting worker stops waiting for it. Closing a local engine takes milliseconds; a Judge0 client's close
#: is one HTTP round trip at most.
CANCEL_GRACE_S = 30.0


async def run_job(job: Callable[[], Coroutine[Any, Any, T]], *, name: str = JOB_THREAD_PREFIX) -> T:
    """Run `job()` on a fresh event loop in a thread of its own and await its result from the caller's loop.

    Cancelling the caller cancels the job's task (inside its own loop, at whatever it awaits) and waits for
    it to finish unwinding, so the caller resumes only after the job's `finally` blocks (engine closes) ran
    and its thread ended.
    """
    outcome: concurrent.futures.Future[T] = concurrent.futures.Future()
    outcome.set_running_or_notify_cancel()  # a running future cannot be cancelled by `wrap_future`'s chaining
    started = threading.Event()
    handle: dict[str, Any] = {}

    async def main() -> T:
        handle["loop"], handle["task"] = asyncio.get_running_loop(), asyncio.current_task()
        started.set()
        return await job()

    def body() -> None:
        try:
            outcome.set_result(asyncio.run(main()))
        except BaseException as exc:
            outcome.set_exception(exc)

    thread = threading.Thread(target=body, name=name, daemon=True)
    thread.start()
    try:
        return await asyncio.shield(asyncio.wrap_future(outcome))
    except asyncio.CancelledError:
        # Never block the caller's loop while the job unwinds: poll, then wait on the job's own future.
        await _until(lambda: started.is_set() or outcome.done())
        if started.is_set() and not outcome.done():
            handle["loop"].call_soon_threadsafe(handle["task"].cancel)
        try:
            await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(outcome)), CANCEL_GRACE_S)
        except BaseException:  # the job's own end (its CancelledError) is expected here
            pass
        await _until(lambda: not thread.is_alive())  # the result is set as the thread's last act
        raise


async def _until(condition: Callable[[], bool], timeout: float = CANCEL_GRACE_S) -> None:
    """Wait without blocking the loop until `condition()` holds (polled every 5 ms), at most `timeout`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition() and loop.time() < deadline:
        await asyncio.sleep(0.005)


@dataclass(frozen=True, slots=True)
class LabelChange:
    """What a label write did: the author's current label of the target after it (None: unlabelled)."""

    current: Annotation | None
    text: str


class Workbench:
    """The store, the settings and the jobs of one app (see the module doc)."""

    def __init__(self, store: Store, settings: Settings | None = None, *, catalog: Catalog | None = None) -> None:
        from pathlib import Path

        self.store = store
        #: Author, labels, engine, limits and model: what the CLI's `load_settings` built; a workbench built
        #: without them (tests, screenshots) gets the defaults, decided here once for every screen.
        self.settings: Settings = settings if settings is not None else Settings(db_path=Path(), db_configured=False)
        self.catalog = catalog if catalog is not None else Catalog(store)

    # -- the store --------------------------------------------------------------------------------
    @property
    def read_only(self) -> bool:
        return self.catalog.read_only

    @property
    def label(self) -> str:
        """What the title bar says about the store (its file name)."""
        return self.catalog.label

    @property
    def unsandboxed(self) -> bool:
        """Whether jobs would run untrusted code without bubblewrap (the settings say so)."""
        return runs_unsandboxed(self.settings)

    def sandbox_refusal(self) -> str | None:
        """Why jobs cannot run programs here (no working sandbox and no opt-out), or None."""
        return sandbox_refusal(self.settings)

    def on_store_busy(self, callback: Callable[[str], None]) -> None:
        self.catalog.on_store_busy(callback)

    def store_changed(self) -> bool:
        return self.catalog.store_changed()

    def close(self) -> None:
        self.store.close()

    # -- reads (blocking: call from a thread worker) ----------------------------------------------
    def splits(self) -> list[str]:
        return self.catalog.splits()

    def runs(self) -> list[Run]:
        return self.catalog.runs()

    def problem_page(self, **query: Any) -> ProblemPage:
        return self.catalog.problem_page(**query)

    def problem_detail(self, problem_id: str, **query: Any) -> ProblemDetail | None:
        return self.catalog.problem_detail(problem_id, **query)

    def output_outcomes(self, problem_id: str) -> dict[str, OutcomeSummary]:
        return self.catalog.output_outcomes(problem_id)

    def refresh_verdicts(self, progress: Callable[[str, int, int], None] | None = None) -> list[str] | None:
        return self.catalog.refresh_verdicts(progress)

    def spectrum(self, problem_id: str) -> HumanSpectrum | None:
        """ECCO's published spectrum of the problem (a compare view carries the one its program is ranked in)."""
        return self.catalog.spectrum(problem_id)

    def problem(self, problem_id: str) -> Problem | None:
        return self.store.get_problem(problem_id)

    def trajectories(self, problem_id: str) -> list[Trajectory]:
        return self.catalog.trajectories(problem_id)

    def pair_view(self, pair_id: str) -> CompareView | None:
        return self.catalog.pair_view(pair_id)

    def output_view(self, output_id: str) -> CompareView | None:
        return self.catalog.output_view(output_id)

    def trajectory_step_view(self, trajectory_id: str, step: int) -> CompareView | None:
        return self.catalog.trajectory_step_view(trajectory_id, step)

    def scatter(self, run_id: str, engine: str | None) -> ScatterData:
        return catalog_scatter(self.catalog, run_id, engine)

    def field_tables(self, run_ids: list[str] | None = None, *, metrics: str = "all",
                     engine: str | None = None) -> list[FieldTable]:
        """Every efficiency metric of the field per run, one table per run set, with ranks, the tau-b matrix and
        each cell's top outputs (the leaderboard; `services.field_metrics.field_tables`)."""
        return field_tables(self.store, run_ids, metrics=metrics, engine=engine)

    def export_badge(self, output_id: str) -> str | None:
        """Whether `ecco export-training` would export this output, and in which formats (one line), or None
        when there is no such output (`services.training.export_badge`)."""
        badge = training.export_badge(self.store, output_id)
        return None if badge is None else badge.text()

    def chain_timeline(self, output_id: str) -> RoundTimeline | None:
        return rounds.chain_timeline(self.store, output_id)

    def fix_candidates(self, run_id: str | None = None) -> list[FixCandidate]:
        return ecco_fix.fix_candidates(self.store, run_id=run_id)

    # -- labels -----------------------------------------------------------------------------------
    def current_label(self, target_kind: str, target_id: str) -> Annotation | None:
        """The settings' author's live label of one target."""
        with self.store.session():
            found = self.store.current_annotations(target_kind=target_kind, target_ids=[target_id],
                                                   author=self.settings.author)
        return found[0] if found else None

    def save_label(self, target_kind: str, target_id: str, value: str) -> Annotation:
        return labelling.label(self.store, target_kind, target_id, value, self.settings.author,
                                 labels=self.settings.labels)

    def undo_label(self, shown: tuple[str, str] | None) -> LabelChange | None:
        """Retract the author's newest live label; None when there is none. `shown` is the target on screen,
        whose current label comes back (it may be another target's label that was undone)."""
        undone = labelling.undo_last(self.store, self.settings.author)
        if undone is None:
            return None
        current = self.current_label(*shown) if shown is not None else None
        return LabelChange(current, f"Undone: {undone.label} on {undone.target_kind} {undone.target_id}")

    def next_unlabeled(self, output_id: str) -> str | None:
        return labelling.next_unlabeled_output(self.store, output_id, self.settings.author)

    # -- small writes -----------------------------------------------------------------------------
    def save_fix(self, output_id: str, code: str) -> str:
        return ecco_fix.save_fix(self.store, output_id, code, self.settings.author)

    def confirm_fix_candidate(self, output_id: str) -> Annotation:
        return ecco_fix.confirm_candidate(self.store, output_id, self.settings.author)

    def save_manual_round(self, output_id: str, code: str) -> RoundMade:
        return rounds.save_manual_round(self.store, output_id, code, self.settings.author)

    # -- jobs (await from an async worker; cancelling it cancels the job) -------------------------
    async def rerun(self, problem_id: str, codes: list[str],
                    progress: Callable[[RerunEvent], object] | None = None) -> RerunSummary:
        """Run `codes` again on every stored test of the problem (timings added, not replaced)."""
        settings = self.settings

        async def job() -> RerunSummary:
            async with open_engine(settings) as engine:
                return await rerun_programs(self.store, engine, problem_id, codes, limits_from(settings),
                                            progress=_ignore_result(progress))

        return await run_job(job)

    async def measure_output(self, output_id: str,
                             progress: Callable[[RerunEvent], object] | None = None) -> RerunSummary:
        return await run_job(lambda: rounds.measure_output(self.store, self.settings, output_id,
                                                           progress=_ignore_result(progress)))

    async def refine_round(self, output_id: str,
                           progress: Callable[[RoundEvent], object] | None = None) -> RoundMade:
        return await run_job(lambda: rounds.refine_next_round(self.store, self.settings, output_id,
                                                              progress=_ignore_result(progress)))

    async def run_public_tests(self, problem_id: str, code: str,
                               progress: Callable[[RerunEvent], object] | None = None) -> PublicRun:
        return await run_job(lambda: rounds.run_public_tests(self.store, self.settings, problem_id, code,
                                                             progress=_ignore_result(progress)))

    async def explain(self, output_id: str, test: str | None = None) -> Explanation:
        """Per-line hit counts of an output and its pair's input on one test (default: the pair's most
        expensive by stored CPU time), profiled in the sandbox and cached in `line_profiles`; stored timings are
        never touched (`services.explain.explain_output`). Raises ExplainError (one line)."""
        return await run_job(lambda: explain_output(self.store, self.settings, output_id, test))

    def scaling(self, problem_id: str, input_code: str, output_code: str, engine: str) -> Scaling:
        """How both programs' cost grows with input size, from their stored CPU times on `engine` (cheap: no
        program runs), with the per-test points to plot (`services.explain.cpu_scaling`)."""
        with self.store.session():
            return cpu_scaling(self.store, problem_id, code_sha256(input_code), code_sha256(output_code),
                               engine=engine)

    async def run_fix(self, problem_id: str, code: str) -> FixRun:
        """Run a fix on every test of its problem (ECCO-FIX: it must pass the private tests too)."""
        settings = self.settings

        async def job() -> FixRun:
            async with open_engine(settings) as engine:
                return await ecco_fix.run_fix(self.store, engine, problem_id, code, limits_from(settings))

        return await run_job(job)


E = TypeVar("E")


def _ignore_result(progress: Callable[[E], object] | None) -> Callable[[E], None] | None:
    """A progress callback whose result is dropped (`post_message` returns a bool; services want None)."""
    if progress is None:
        return None

    def call(event: E) -> None:
        progress(event)

    return call

