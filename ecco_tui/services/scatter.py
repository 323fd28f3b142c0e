"""One run at a glance: every editing output as a point (speedup with its interval, tests passed).

The scatter view separates correct from spurious optimizations: a spurious one is fast (right of 1×) but
fails tests (low), a correct one is fast and passes everything (top right). Every number is `ecco report`'s:
the points are `judging.editing_verdicts` over the same `judging.Measurements` (latest execution per test
and repeat, private tests, one engine), so a point's outcome, speedup and interval are exactly what
`ecco report` counts, memory-reduction interval included.

At full scale a run's verdicts take a while to compute (a bootstrap per output), so when the run's cached
verdicts (`services.verdicts`, what the browser filters on) are fresh and one engine measured the run, the
points are read from that cache instead: the same verdict functions, the same seed, stored.

Generation runs have no input to be faster than, so they have no speedup: `ScatterData.notice` says so and
there are no points. Nothing here knows about Textual; the screen gets these dataclasses from a worker.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ecco_tui.engines.base import code_sha256
from ecco_tui.model import ModelOutput, Pair, Run, StoredVerdict
from ecco_tui.services.judging import SCORED, SEED, EnginePolicy, Measurements, editing_verdicts
from ecco_tui.services.verdicts import stale_runs
from ecco_tui.store.store import Store

if TYPE_CHECKING:
    from ecco_tui.services.catalog import Catalog

GENERATION_NOTICE = ("{run} is an NL-generation run: its programs have no slow input, so there is no speedup "
                     "to plot. Open its outputs from the problem browser (correctness and percentiles).")
NOT_EVALUATED_NOTICE = ("{run} has no executions yet: evaluate it first (ecco eval --run {run}), then reload "
                        "this view.")
NO_OUTPUTS_NOTICE = "{run} has no outputs."


@dataclass(frozen=True, slots=True)
class ScatterRun:
    """The run the points belong to, and the engine whose executions judged them."""

    run_id: str
    task: str
    model: str
    method: str
    split: str
    n_outputs: int
    engine: str | None = None
    #: Other engines that also measured these programs (the points use `engine` only, as `--engine` would).
    other_engines: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ScatterPoint:
    """One editing output (the final round of one sample of one row)."""

    output_id: str
    problem_id: str
    row: int
    sample: int
    outcome: str
    #: Runtime(input) / Runtime(output) over the tests both completed; defined for failing outputs too
    #: (that is what makes a spurious optimization visible). None: nothing to compare.
    speedup: float | None
    lo: float | None  # 95% interval of the speedup (measurement noise over the fixed test set)
    hi: float | None
    memory_reduction: float | None
    memory_lo: float | None
    memory_hi: float | None
    n_passed: int
    n_tests: int
    below_resolution: bool
    identical_to_input: bool = False

    @property
    def fraction_passed(self) -> float | None:
        return self.n_passed / self.n_tests if self.n_tests else None

    @property
    def passed(self) -> bool:
        return self.n_tests > 0 and self.n_passed == self.n_tests

    @property
    def plottable(self) -> bool:
        """Has a position: a finite positive speedup and at least one test run."""
        s = self.speedup
        return s is not None and math.isfinite(s) and s > 0 and self.n_tests > 0


@dataclass(frozen=True, slots=True)
class ScatterData:
    run: ScatterRun | None
    points: tuple[ScatterPoint, ...] = ()
    #: Why there is nothing (or not everything) to plot; None when every point is shown.
    notice: str | None = None
    faster_threshold: float = 1.0
    outcome_counts: dict[str, int] = field(default_factory=dict)

    @property
    def plotted(self) -> tuple[ScatterPoint, ...]:
        return tuple(p for p in self.points if p.plottable)

    def by_speedup(self) -> list[ScatterPoint]:
        """Points fastest first; outputs without a speedup last (by row)."""
        return sorted(self.points, key=lambda p: (p.speedup is None, -(p.speedup or 0.0), p.row, p.sample))

    def point(self, output_id: str) -> ScatterPoint | None:
        return next((p for p in self.points if p.output_id == output_id), None)


def _run_info(run: Run, engine: str | None = None, others: Sequence[str] = ()) -> ScatterRun:
    return ScatterRun(run.run_id, run.task, run.model, run.method, run.split, run.n_outputs, engine, tuple(others))


def _engines_of(store: Store, outputs: Sequence[ModelOutput], pairs: Mapping[str, Pair]) -> dict[str, int]:
    """Engines that measured these programs (a run's final-round outputs and their slow inputs), most first."""
    shas = {code_sha256(o.code) for o in outputs if o.code and o.code.strip()}
    shas |= {pair.slow.code_sha256 for pair in pairs.values()}
    return store.execution_engines(sorted(shas))


def run_scatter(
    store: Store, run_id: str, engine: str | None = None, *, faster_threshold: float = 1.0
) -> ScatterData:
    """The points of one run, judged as `ecco report --engine ENGINE` judges them.

    Without `engine`, a run measured by one engine uses it (as the report does); a run measured by
    several uses the one with most executions and names the others (where the report would ask for
    `--engine`). An unknown run, a generation run or a run without executions gives no points and a notice.
    """
    run = store.get_run(run_id)
    if run is None:
        return ScatterData(None, notice=f"No run named {run_id!r} in this store.", faster_threshold=faster_threshold)
    if run.task != "edit":
        return ScatterData(_run_info(run), notice=GENERATION_NOTICE.format(run=run.run_id),
                           faster_threshold=faster_threshold)
    if engine is None and faster_threshold == 1.0:  # the cache holds verdicts at the default threshold
        cached = _cached_points(store, run)
        if cached is not None and cached[1]:
            return _data(_run_info(run, cached[0]), cached[1], faster_threshold)
    # Several engines: the busiest judges, and the others are named.
    data = Measurements(store, run, engine=engine, visibility=SCORED, policy=EnginePolicy.BUSIEST)
    info = _run_info(run, data.engine, data.other_engines)
    if not data.rows:
        return ScatterData(info, notice=NO_OUTPUTS_NOTICE.format(run=run.run_id), faster_threshold=faster_threshold)
    verdicts = editing_verdicts(data, faster_threshold=faster_threshold, seed=SEED)
    outputs = {o.output_id: o for outs in data.rows.values() for o in outs}
    points = [ScatterPoint(
        output_id=v.output_id, problem_id=v.problem_id, row=v.row_idx, sample=outputs[v.output_id].sample_idx,
        outcome=v.outcome, speedup=v.speedup, lo=v.speedup_lo, hi=v.speedup_hi,
        memory_reduction=v.memory_reduction, memory_lo=v.memory_lo, memory_hi=v.memory_hi,
        n_passed=v.n_passed, n_tests=v.n_tests, below_resolution=v.below_resolution,
        identical_to_input=v.identical_to_input,
    ) for v in verdicts]
    return _data(info, points, faster_threshold)


def _data(info: ScatterRun, points: list[ScatterPoint], faster_threshold: float) -> ScatterData:
    run_id = info.run_id
    counts = Counter(p.outcome for p in points)
    notice = None
    if not any(p.n_tests for p in points):
        notice = NOT_EVALUATED_NOTICE.format(run=run_id)
    else:
        unplaced = sum(1 for p in points if not p.plottable)
        if unplaced:
            notice = (f"{unplaced} of {len(points)} outputs have no speedup (not run, or no test both programs "
                      "completed): listed, not plotted.")
    return ScatterData(info, tuple(points), notice, faster_threshold, dict(counts))


def _cached_points(store: Store, run: Run) -> tuple[str, list[ScatterPoint]] | None:
    """The points from the verdict cache: (engine, points) when it is fresh and one engine measured the
    run (the cache judges each problem with its busiest engine, the report the run with its one engine:
    the same only then); None otherwise."""
    if stale_runs(store, [run.run_id]):
        return None
    with store.session():
        engines = store.run_engines(run.run_id)
        if not engines.unhashed:  # every program is stored: SQL has it all, no code is read
            if len(engines.final_round) != 1:
                return None
            points = [_point_from_cache(*row) for row in store.cached_points(run.run_id)]
            return next(iter(engines.final_round)), points
    # Some output's program is not stored: hash the final-round outputs' code (their engine, and whether each
    # is its input).
    outputs = store.run_outputs(run.run_id, final_round_only=True)
    pairs = store.get_pairs(sorted({o.pair_id for o in outputs if o.pair_id}))
    measured = _engines_of(store, outputs, pairs)
    if len(measured) != 1:
        return None
    cached = {v.output_id: v for v in store.verdicts(run_id=run.run_id)}
    points = []
    for o in sorted(outputs, key=lambda o: (o.row_idx, o.sample_idx)):
        pair = pairs.get(o.pair_id or "")
        same = pair is not None and bool(o.code) and code_sha256(o.code or "") == pair.slow.code_sha256
        points.append(_point_from_cache(o.output_id, o.problem_id, o.row_idx, o.sample_idx, same,
                                        cached.get(o.output_id)))
    return next(iter(measured)), points


def _point_from_cache(output_id: str, problem_id: str, row: int, sample: int, same: bool,
                      v: StoredVerdict | None) -> ScatterPoint:
    if v is None:  # never executed: as editing_verdicts reports it
        return ScatterPoint(output_id=output_id, problem_id=problem_id, row=row, sample=sample, outcome="not-run",
                            speedup=None, lo=None, hi=None, memory_reduction=None, memory_lo=None, memory_hi=None,
                            n_passed=0, n_tests=0, below_resolution=False, identical_to_input=same)
    return ScatterPoint(
        output_id=output_id, problem_id=problem_id, row=row, sample=sample, outcome=v.outcome, speedup=v.speedup,
        lo=v.speedup_lo, hi=v.speedup_hi, memory_reduction=v.memory_reduction, memory_lo=v.memory_lo,
        memory_hi=v.memory_hi, n_passed=v.n_passed, n_tests=v.n_run, below_resolution=v.below_resolution,
        identical_to_input=same)


def catalog_scatter(catalog: Catalog, run_id: str, engine: str | None = None) -> ScatterData:
    """`run_scatter` on the catalog's store: what the app's scatter screen calls (from a worker)."""
    return run_scatter(catalog.store, run_id, engine)
