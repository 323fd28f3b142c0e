"""The verdict cache: every output's outcome, stored so the browser can filter and sort by it at full scale.

A verdict (outcome, speedup with its interval, memory reduction, tests passed) needs the output's and its
input's executions and a bootstrap, a few milliseconds per output: fine for one problem's handful of outputs,
too slow to compute for 50k outputs on every filter change. So the browser's outcome filters and its
pass@1 / speedup / memory orders read the table `output_verdicts`, which this module fills with exactly what
the browser's outputs column shows (`Catalog.problem_run_outcomes`, i.e. `ecco report`'s verdicts).

Freshness: each run's rows carry a stamp (how many outputs the run had, and how many executions its programs
and inputs had). Anything that stores executions (`ecco eval`, `import-results`, `refine`, the app's
re-run) makes the stamp differ; `stale_runs` finds those runs by comparing counts, and `refresh_verdicts`
recomputes them. The CLI refreshes after writing; the app refreshes stale runs in a worker when the browser
shows (and when it comes back to it), if the store is writable.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from ecco_tui.services.catalog import Catalog, OutcomeSummary
from ecco_tui.store.models import ModelOutput, Pair, Run, StoredVerdict
from ecco_tui.store.store import Store

#: progress(done outputs, total outputs) while a run is recomputed.
VerdictProgress = Callable[[str, int, int], None]


def stale_runs(store: Store, run_ids: Sequence[str] | None = None) -> list[str]:
    """Runs whose cached verdicts are missing or were computed from other outputs or executions."""
    wanted = list(run_ids) if run_ids is not None else [r.run_id for r in store.runs()]
    return [run_id for run_id in wanted if store.stored_verdict_stamp(run_id) != store.verdict_stamp(run_id)]


def compute_run_verdicts(
    store: Store, run: Run, progress: VerdictProgress | None = None
) -> list[StoredVerdict]:
    """Every judged output of `run` (rounds and samples included), problem by problem as the browser does."""
    catalog = Catalog(store)
    outputs = store.outputs(run_id=run.run_id, limit=10_000_000)
    by_problem: dict[str, list[ModelOutput]] = defaultdict(list)
    for output in outputs:
        by_problem[output.problem_id].append(output)
    verdicts: list[StoredVerdict] = []
    done = 0
    for problem_id, outs in sorted(by_problem.items()):
        pairs: dict[str, Pair | None] = dict(store.get_pairs(sorted({o.pair_id for o in outs if o.pair_id})))
        outcomes = catalog.problem_run_outcomes(run, run.run_id, outs, problem_id, pairs)
        verdicts.extend(_stored(run, problem_id, output_id, summary) for output_id, summary in outcomes.items())
        done += len(outs)
        if progress:
            progress(run.run_id, done, len(outputs))
    return verdicts


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
    return todo


def _stored(run: Run, problem_id: str, output_id: str, s: OutcomeSummary) -> StoredVerdict:
    return StoredVerdict(
        output_id=output_id, run_id=run.run_id, problem_id=problem_id, task=run.task, outcome=s.outcome,
        passed=s.n_run > 0 and s.n_passed == s.n_run, n_passed=s.n_passed, n_run=s.n_run, speedup=s.speedup,
        speedup_lo=s.speedup_lo, speedup_hi=s.speedup_hi, memory_reduction=s.memory_reduction,
        memory_lo=s.memory_lo, memory_hi=s.memory_hi,
        below_resolution=s.below_resolution, runtime_percentile=s.runtime_percentile,
        memory_percentile=s.memory_percentile,
    )


__all__ = ["compute_run_verdicts", "refresh_verdicts", "stale_runs"]
