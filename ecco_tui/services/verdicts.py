"""The verdict cache: every output's outcome, stored so the browser can filter and sort by it at full scale.

A verdict (outcome, speedup with its interval, memory reduction, tests passed) needs the output's and its
input's executions and a bootstrap, a few milliseconds per output: fine for one problem's handful of outputs,
too slow to compute for 50k outputs on every filter change. So the browser's outcome filters and its
pass@1 / speedup / memory orders read the table `output_verdicts`, which this module fills with exactly what
the browser's outputs column shows (`judging.problem_outcomes`, i.e. `ecco report`'s verdicts), computed by
`judging.run_outcomes`.

Freshness: each run's rows carry a stamp (how many outputs the run had, and how many executions its programs
and inputs had). Anything that stores executions (`ecco eval`, `import-results`, `refine`, the app's
re-run) makes the stamp differ; `stale_runs` finds those runs by comparing counts, and `refresh_verdicts`
recomputes them, and stores the runs' report lines beside them (`report.store_lines`: `ecco report` reads them
while nothing changed). The CLI refreshes after writing; the app refreshes stale runs in a worker when the browser
shows (and when it comes back to it), if the store is writable. `ecco eval`, which prints the report of the
runs it evaluated and refreshes them, calls `report_and_refresh`: each output is judged once for both.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from ecco_tui.model import Run, StoredVerdict
from ecco_tui.services.judging import JudgedRun, OutcomeSummary, run_outcomes
from ecco_tui.services.report import ReportLine, judged_report_run, store_lines
from ecco_tui.store.store import Store, StoreError

#: progress(run id, done outputs, total outputs) while a run is recomputed.
VerdictProgress = Callable[[str, int, int], None]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Judging a run makes millions of small objects (executions, per-test measures) and no reference cycles;
    Python's cycle collector would walk all of them again and again as they pile up (a quarter of a 50k-output
    refresh). Paused while a run is judged, and restored as it was; memory is freed by reference counting."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def stale_runs(store: Store, run_ids: Sequence[str] | None = None) -> list[str]:
    """Runs whose cached verdicts are missing or were computed from other outputs or executions."""
    wanted = list(run_ids) if run_ids is not None else [r.run_id for r in store.runs()]
    return [run_id for run_id in wanted if store.stored_verdict_stamp(run_id) != store.verdict_stamp(run_id)]


def compute_run_verdicts(
    store: Store, run: Run, progress: VerdictProgress | None = None, *, judged: JudgedRun | None = None
) -> list[StoredVerdict]:
    """Every judged output of `run` (rounds and samples included), as the browser shows them; the outputs
    `judged` already has verdicts for (the report's) are not judged again."""

    def advance(done: int, total: int) -> None:
        if progress:
            progress(run.run_id, done, total)

    with _collector_paused():
        outputs = store.run_outputs(run.run_id)  # judging needs each output and its code (no prompt or response)
        outcomes = run_outcomes(store, run, outputs, progress=advance, judged=judged)
    return [_stored(run, o.problem_id, o.output_id, outcomes[o.output_id]) for o in outputs if o.output_id in outcomes]


def refresh_verdicts(
    store: Store,
    run_ids: Sequence[str] | None = None,
    *,
    force: bool = False,
    progress: VerdictProgress | None = None,
) -> list[str]:
    """Recompute the cached verdicts of the given runs (default: all) that are stale, or all with `force`.

    Returns the runs recomputed. Each run is replaced in one transaction, so a reader sees the old verdicts
    or the new ones, never a mix; the stamp is taken before computing, so executions stored meanwhile leave
    the run stale for the next refresh rather than silently missing.
    """
    runs = {r.run_id: r for r in store.runs()}
    wanted = [r for r in (run_ids if run_ids is not None else list(runs)) if r in runs]
    todo = wanted if force else stale_runs(store, wanted)
    for run_id in todo:
        stamp = store.verdict_stamp(run_id)
        store.replace_verdicts(run_id, compute_run_verdicts(store, runs[run_id], progress), stamp)
        store_lines(store, runs[run_id], stamp)
    return todo


def report_and_refresh(
    store: Store,
    run_ids: Sequence[str],
    *,
    engine: str | None = None,
    visibility: str | None = "private",
    progress: VerdictProgress | None = None,
) -> list[ReportLine]:
    """`ecco eval`'s last step: the report lines of the runs it evaluated (default mode, as
    `report.build_report`) and their cached verdicts, recomputed (as `refresh_verdicts(force=True)`).

    The report judges each final-round output; the cache takes those verdicts when they were judged under its
    own rules (private tests, the one engine that measured the run, threshold 1) and judges only the rest
    (earlier rounds), so one call judges every output once instead of twice."""
    runs = {r.run_id: r for r in store.runs()}
    missing = [r for r in run_ids if r not in runs]
    if missing:
        raise StoreError(f"no run named {missing[0]!r} (runs: {', '.join(runs) or 'none'})")
    lines = []
    for run_id in run_ids:
        stamp = store.verdict_stamp(run_id)  # before judging: executions stored meanwhile leave the run stale
        with _collector_paused():
            line, judged = judged_report_run(store, runs[run_id], engine=engine, visibility=visibility)
        lines.append(line)
        store.replace_verdicts(run_id, compute_run_verdicts(store, runs[run_id], progress, judged=judged), stamp)
        store_lines(store, runs[run_id], stamp)
    return lines


def _stored(run: Run, problem_id: str, output_id: str, s: OutcomeSummary) -> StoredVerdict:
    return StoredVerdict(
        output_id=output_id, run_id=run.run_id, problem_id=problem_id, task=run.task, outcome=s.outcome,
        passed=s.n_run > 0 and s.n_passed == s.n_run, n_passed=s.n_passed, n_run=s.n_run, speedup=s.speedup,
        speedup_lo=s.speedup_lo, speedup_hi=s.speedup_hi, memory_reduction=s.memory_reduction,
        memory_lo=s.memory_lo, memory_hi=s.memory_hi,
        below_resolution=s.below_resolution, runtime_percentile=s.runtime_percentile,
        memory_percentile=s.memory_percentile, drift_tests=s.drift_tests,
    )


__all__ = ["compute_run_verdicts", "refresh_verdicts", "report_and_refresh", "stale_runs"]
