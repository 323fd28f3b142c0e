"""Read-side use cases for the browser and the compare view.

Widgets call these from workers and get plain dataclasses back; nothing here knows about Textual.

Outcomes are `ecco report`'s: every verdict (outcome, speedup with its bootstrap interval, below-resolution)
comes from `services.judging`, run here on a small scope (one problem's outputs, or one compare view)
instead of a whole run, with the same measurements: the newest execution per test and repeat, one engine
(the busiest, where the report would ask for `--engine`), private tests for the metrics (public tests are
listed, not scored), and a crashed run's time never counts as speed. The TUI only formats what it gets.
"""

from __future__ import annotations

import dataclasses
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

from ecco_tui.engines.base import code_sha256
from ecco_tui.metrics import (
    Outcome,
    ProgramMeasure,
    TestMeasure,
    mean_test_memory,
    mean_test_runtime,
    memory_ratio,
    memory_reduction,
    program_memory_percentile,
    program_runtime_percentile,
    runtime_ratio,
    speedup,
)
from ecco_tui.model import (
    PAIR_CONTEXT,
    Execution,
    HumanSpectrum,
    ModelOutput,
    Pair,
    PairRow,
    Problem,
    ProblemSummary,
    Program,
    Run,
    StoredTest,
    Trajectory,
)
from ecco_tui.services import verdicts
from ecco_tui.services.engines import accounting_of
from ecco_tui.services.explain import cpu_scaling
from ecco_tui.services.judging import (
    FAILS,
    PASSES,
    SCORED,
    EnginePolicy,
    Measurements,
    editing_verdicts,
    measure_from_executions,
    problem_outcomes,
)
from ecco_tui.services.judging import OutcomeSummary as OutcomeSummary
from ecco_tui.services.judging.spectra import human_spectra, published_spectrum
from ecco_tui.store.store import Store, StoreLockedError

#: Problem orders the browser cycles through (keys of the store's whitelist of ORDER BY clauses).
PROBLEM_SORTS: tuple[str, ...] = ("id", "pairs", "outputs", "programs", "pass1", "speedup", "memory")

#: The browser's outcome filters, in menu order: (key, label). Label filters ("label:<name>") and
#: "unlabeled" read the current author's labels; all but those read the verdict cache (services.verdicts).
OUTCOME_FILTERS: tuple[tuple[str, str], ...] = (
    ("correct", "correct optimization"),
    ("spurious", "spurious optimization"),
    ("no-gain", "no gain / within noise"),
    ("broken", "broken"),
    ("passes", "generation: passes"),
    ("fails", "generation: fails"),
    ("unlabeled", "unlabeled (by you)"),
    ("disagrees", "your label ≠ outcome"),
)

@dataclass(frozen=True, slots=True)
class ProblemPage:
    rows: list[ProblemSummary]
    total: int
    offset: int
    limit: int

    @property
    def end(self) -> int:
        """Offset just past this page: where the next page starts."""
        return self.offset + len(self.rows)


@dataclass(frozen=True, slots=True)
class OutputRow:
    """One model output as the browser lists it: which run made it, without the (long) code and prompt."""

    output_id: str
    run_id: str
    model: str
    method: str
    task: str
    row_idx: int
    sample_idx: int
    round: int
    pair_id: str | None
    has_code: bool


@dataclass(frozen=True, slots=True)
class ProblemDetail:
    problem: Problem
    pairs: list[PairRow]
    outputs: list[ModelOutput]
    spectrum: HumanSpectrum | None  # ECCO's published one (context; a compare view ranks on its own engine's)
    trajectories: list[Trajectory]
    n_public_tests: int
    n_private_tests: int
    output_rows: list[OutputRow] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TestSide:
    """One program's stored results on one test: every repeat, and their median as the metrics see it."""

    __test__ = False

    executions: tuple[Execution, ...] = ()
    measure: TestMeasure | None = None

    @property
    def latest(self) -> Execution | None:
        return self.executions[-1] if self.executions else None

    @property
    def ran(self) -> bool:
        return self.measure is not None

    @property
    def passed(self) -> bool:
        return self.measure is not None and self.measure.passed

    @property
    def status(self) -> str:
        """The status to show: the reduced one (a flaky test shows its failing status), or "not run"."""
        shown = self.shown
        if self.measure is None:
            return "not run"
        return shown.status_description if shown is not None else str(self.measure.status_id)

    @property
    def shown(self) -> Execution | None:
        """The execution whose stdout/stderr explain the status: the newest one with the shown status."""
        if self.measure is None:
            return self.latest
        for ex in reversed(self.executions):
            if ex.status_id == self.measure.status_id:
                return ex
        return self.latest


@dataclass(frozen=True, slots=True)
class TestRow:
    """A test with the left (input / slow) and right (output / fast) program's results."""

    __test__ = False

    test: StoredTest
    left: TestSide
    right: TestSide
    # The test's paired speedup per evaluation when they disagree beyond noise ("1.31× (3) → 0.98× (1)").
    drift: str | None = None

    @property
    def label(self) -> str:
        return f"{self.test.visibility}:{self.test.idx}"


@dataclass(frozen=True, slots=True)
class SideStats:
    """One program's totals over the scored (private) tests it ran, and its public-test pass count."""

    n_run: int
    n_passed: int
    total_cpu_s: float | None
    total_memory_kb: float | None
    mean_cpu_s: float | None
    mean_memory_kb: float | None
    public_run: int = 0
    public_passed: int = 0

    @property
    def all_passed(self) -> bool:
        return self.n_run > 0 and self.n_passed == self.n_run


@dataclass(frozen=True, slots=True)
class CompareMetrics:
    """Headline numbers of a comparison; outcome "not-run" and Nones when nothing was executed.

    `speedup` / `memory_reduction` are the paper's (defined only when the right program passes);
    `runtime_ratio` / `memory_ratio` are the raw ratios, which make a spurious optimization look attractive;
    `speedup_lo`/`speedup_hi` bound the raw ratio (95% bootstrap over tests and repeats, as the report).
    """

    outcome: str = Outcome.NOT_RUN.value
    speedup: float | None = None
    runtime_ratio: float | None = None
    speedup_lo: float | None = None
    speedup_hi: float | None = None
    memory_reduction: float | None = None
    memory_ratio: float | None = None
    memory_lo: float | None = None  # bounds the raw memory ratio, as speedup_lo/hi the speed ratio
    memory_hi: float | None = None
    left: SideStats | None = None
    right: SideStats | None = None
    n_tests: int = 0
    engine: str | None = None
    accounting: str | None = None  # which accounting measured these numbers (services.engines.accounting_of)
    runtime_percentile: float | None = None
    memory_percentile: float | None = None
    below_resolution: bool = False
    identical: bool = False
    basis: str | None = None  # how the verdict was reached (`OutputVerdict.basis`)
    drift_tests: tuple[str, ...] = ()  # tests whose evaluations disagree beyond noise (`OutputVerdict.drift`)
    #: How cost grows with input size, from both programs' stored CPU times on `scaling_engine`
    #: (`services.explain.cpu_scaling`): "algorithmic (exponent 2.0 -> 1.1)"; None without times of both.
    scaling: str | None = None
    scaling_engine: str | None = None

    @property
    def ran(self) -> bool:
        return self.right is not None and self.right.n_run > 0


@dataclass(frozen=True, slots=True)
class CompareView:
    """Everything the compare view shows for a pair, a model output or a trajectory step."""

    title: str
    problem: Problem | None
    left_label: str
    left: Program
    right_label: str
    right_code: str
    right_code_sha256: str | None
    output: ModelOutput | None
    pair: Pair | None
    tests: list[TestRow] = field(default_factory=list)
    metrics: CompareMetrics = field(default_factory=CompareMetrics)
    spectrum: HumanSpectrum | None = None  # the humans the right program is ranked among (same engine)
    kind: str = "pair"
    key: str = ""
    run: Run | None = None
    # Who made the right program when a person did: "manual edit by alice" (services.rounds), else None.
    made_by: str | None = None


_F = TypeVar("_F", bound=Callable[..., Any])


def _unit(method: _F) -> _F:
    """One screen load = one unit of work: the method's queries share one opening of the store file."""

    @functools.wraps(method)
    def in_session(self: Catalog, *args: Any, **kwargs: Any) -> Any:
        with self.store.session():
            return method(self, *args, **kwargs)

    return in_session  # type: ignore[return-value]


class Catalog:
    """Browsing queries over one store; each public method is one unit of work on it (see `Store.session`)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._verdicts_checked: tuple[int, int, int] | None = None  # store fingerprint at the last refresh
        self._verdicts_changes: tuple[int, int] | None = None  # the store's change counts before that refresh
        # What `store_changed` saw last: others' changes (counted now: a stat, no open) and the content counts.
        self._seen_foreign = store.changes()[1]
        self._seen_fingerprint: tuple[int, ...] | None = None

    # -- the store itself -------------------------------------------------------------------------
    @property
    def read_only(self) -> bool:
        return self.store.read_only

    @property
    def label(self) -> str:
        """A short name for the store (its file name), for titles: never a full path."""
        path: Path | None = self.store.path
        return path.name if path is not None else "in-memory store"

    def on_store_busy(self, callback: Callable[[str], None]) -> None:
        """Who hears that a unit of work waits for the file another process holds (the app: a toast)."""
        self.store.on_busy = callback

    def store_changed(self) -> bool:
        """Whether another process wrote something the app may show since the last call (what this app
        writes, its screens show themselves). A `stat` of the file answers "nothing" without opening it; only
        when the file moved does a count query (one short unit) say whether anything shown changed. A file
        another process keeps busy counts as unchanged for now (the next check asks again)."""
        foreign = self.store.changes()[1]
        if foreign == self._seen_foreign:
            return False
        try:
            fingerprint = self.store.change_fingerprint()
        except StoreLockedError:
            return False
        self._seen_foreign = foreign
        changed = fingerprint != self._seen_fingerprint
        self._seen_fingerprint = fingerprint
        return changed

    @_unit
    def splits(self) -> list[str]:
        """Splits that have problems, for the browser's split filter."""
        return sorted(s for s, counts in self.store.counts().by_split.items() if counts.get("problems") and s != "-")

    # -- problems ---------------------------------------------------------------------------------
    @_unit
    def problem_page(
        self,
        *,
        split: str | None = None,
        search: str | None = None,
        sort: str = "id",
        limit: int = 200,
        offset: int = 0,
        fuzzy: bool = False,
        run_id: str | None = None,
        outcome: str | None = None,
        author: str | None = None,
    ) -> ProblemPage:
        """One page of problems. With `fuzzy`, the search matches its characters in order with gaps
        (`p32` finds `p03209`, `lis` finds "Longest Increasing Subsequence"), as fuzzy finders do.
        `outcome` keeps problems with an output of that outcome (see OUTCOME_FILTERS), from the verdict
        cache; the pass@1 / speedup / memory orders read the same cache."""
        pattern = fuzzy_pattern(search) if fuzzy else (search or None)
        rows = self.store.problem_summaries(split=split, search=pattern, sort=sort, limit=limit, offset=offset,
                                            run_id=run_id, outcome=outcome, author=author)
        total = self.store.count_problems(split=split, search=pattern, run_id=run_id, outcome=outcome, author=author)
        return ProblemPage(rows, total, offset, limit)

    @_unit
    def problem_detail(
        self, problem_id: str, *, run_id: str | None = None, outcome: str | None = None, author: str | None = None
    ) -> ProblemDetail | None:
        """A problem with its pairs and outputs; `run_id` / `outcome` keep the outputs the browser's filters
        keep (the same rules as the problem list), so a filtered problem lists what made it match."""
        problem = self.store.get_problem(problem_id)
        if problem is None:
            return None
        tests = self.store.tests_for(problem_id)
        outputs = self.store.outputs(problem_id=problem_id, limit=10_000)
        if run_id:
            outputs = [o for o in outputs if o.run_id == run_id]
        if outcome:
            keep = self.store.matching_output_ids(problem_id, outcome, run_id=run_id, author=author)
            outputs = [o for o in outputs if o.output_id in keep]
        runs = {r.run_id: r for r in self.store.runs()}
        return ProblemDetail(
            problem=problem,
            pairs=self.store.pairs(problem_id=problem_id, limit=10_000),
            outputs=outputs,
            spectrum=published_spectrum(self.store, problem_id),
            trajectories=self.store.trajectories_for(problem_id),
            n_public_tests=sum(1 for t in tests if t.visibility == "public"),
            n_private_tests=sum(1 for t in tests if t.visibility == "private"),
            output_rows=[_output_row(o, runs.get(o.run_id)) for o in outputs],
        )

    @_unit
    def output_outcomes(self, problem_id: str) -> dict[str, OutcomeSummary]:
        """Outcome of every output of a problem that has executions, keyed by output id.

        Separate from `problem_detail` because verdicts need the executions and a bootstrap per output: the
        browser lists the outputs first and fills this column in when it arrives.
        """
        outputs = self.store.outputs(problem_id=problem_id, limit=10_000)
        runs = {r.run_id: r for r in self.store.runs()}
        by_run: dict[str, list[ModelOutput]] = defaultdict(list)
        for output in outputs:
            by_run[output.run_id].append(output)
        pairs: dict[str, Pair | None] = dict(self.store.get_pairs(sorted({o.pair_id for o in outputs if o.pair_id})))
        result: dict[str, OutcomeSummary] = {}
        for run_id, outs in by_run.items():
            result.update(problem_outcomes(self.store, runs.get(run_id), run_id, outs, pairs))
        return result

    @_unit
    def runs(self) -> list[Run]:
        return self.store.runs()

    def refresh_verdicts(self, progress: Callable[[str, int, int], None] | None = None) -> list[str] | None:
        """Bring the verdict cache up to date (see services.verdicts); None when the store is read-only and
        stale verdicts cannot be rewritten here. Returns the runs recomputed."""
        if self.store.read_only:
            return None
        # The browser asks every time it shows. Going back to it is navigation: it must not even open the file
        # when nothing was written since the last check (here or by others, which a stat tells); and checking
        # each run's stamp costs a query per run, so skip it while nothing that verdicts depend on was added.
        changes = None if self.store.path is None else self.store.changes()
        if changes is not None and changes == self._verdicts_changes:
            return []
        with self.store.session():
            fingerprint = self.store.content_fingerprint()
            if fingerprint != self._verdicts_checked:
                refreshed = verdicts.refresh_verdicts(self.store, progress=progress)
                self._verdicts_checked = fingerprint
            else:
                refreshed = []
        self._verdicts_changes = changes  # counted before this refresh's own writes: the next call looks again
        return refreshed

    @_unit
    def spectrum(self, problem_id: str) -> HumanSpectrum | None:
        return published_spectrum(self.store, problem_id)

    @_unit
    def trajectories(self, problem_id: str) -> list[Trajectory]:
        return self.store.trajectories_for(problem_id)

    # -- compare views ----------------------------------------------------------------------------
    @_unit
    def pair_view(self, pair_id: str) -> CompareView | None:
        pair = self.store.get_pair(pair_id)
        if pair is None:
            return None
        fast = _as_output(pair.fast.code, pair.problem_id, pair_id=pair.pair_id)
        tests, metrics, spectrum = self._compare(pair.problem_id, pair, fast, None)
        return CompareView(
            title=f"pair {pair.pair_id} · {pair.problem_id}",
            problem=self.store.get_problem(pair.problem_id),
            left_label="slow (input)",
            left=pair.slow,
            right_label="fast (target)",
            right_code=pair.fast.code,
            right_code_sha256=pair.fast.code_sha256,
            output=None,
            pair=pair,
            tests=tests,
            metrics=metrics,
            spectrum=spectrum,
            kind="pair",
            key=pair.pair_id,
        )

    @_unit
    def output_view(self, output_id: str) -> CompareView | None:
        output = self.store.get_output(output_id)
        if output is None:
            return None
        pair = self.store.get_pair(output.pair_id) if output.pair_id else None
        program = self.store.get_program(output.program_id) if output.program_id else None
        problem = self.store.get_problem(output.problem_id)
        run = self.store.get_run(output.run_id)
        if pair is not None:
            left, left_label = pair.slow, "slow (input)"
        else:
            fastest = problem.fastest_code if problem else None
            left = Program("", output.problem_id, fastest or "", code_sha256(fastest) if fastest else "", "Python")
            left_label = "fastest human" if fastest else "(no reference)"
        tests, metrics, spectrum = self._compare(output.problem_id, pair, output, run)
        generation = self.store.output_generations([output.output_id]).get(output.output_id, {})
        made_by = (f"manual edit by {generation.get('author') or '?'}"  # rounds.MANUAL_METHOD's rows
                   if generation.get("method") == "manual-edit" else None)
        return CompareView(
            title=f"{output.run_id} · row {output.row_idx} · round {output.round} · {output.problem_id}",
            problem=problem,
            left_label=left_label,
            left=left,
            right_label=made_by or f"generated ({run.model if run else output.run_id})",
            right_code=output.code or "",
            right_code_sha256=program.code_sha256 if program else None,
            output=output,
            pair=pair,
            tests=tests,
            metrics=metrics,
            spectrum=spectrum,
            kind="output",
            key=output.output_id,
            run=run,
            made_by=made_by,
        )

    @_unit
    def trajectory_step_view(self, trajectory_id: str, step: int) -> CompareView | None:
        """A user's submission `step` against their previous one: what changed between two attempts."""
        trajectory = self.store.get_trajectory(trajectory_id)
        if trajectory is None:
            return None
        current = next((s for s in trajectory.steps if s.step == step), None)
        if current is None:
            return None
        previous = max((s for s in trajectory.steps if s.step < step), key=lambda s: s.step, default=None)
        right = self.store.get_program(current.program_id)
        left = (self.store.get_program(previous.program_id) if previous else None) or Program(
            "", trajectory.problem_id, "", "", "Python")
        pair = Pair(f"{trajectory_id}#{step}", "", step, trajectory.problem_id, left,
                    right or Program("", trajectory.problem_id, current.code, code_sha256(current.code), "Python"))
        tests, metrics, spectrum = self._compare(trajectory.problem_id, pair if left.code else None,
                                       _as_output(current.code, trajectory.problem_id, pair_id=pair.pair_id), None)
        return CompareView(
            title=f"{trajectory.user_id} · {trajectory.problem_id} · step {step}",
            problem=self.store.get_problem(trajectory.problem_id),
            left_label=f"step {previous.step}" if previous else "(first submission)",
            left=left,
            right_label=f"step {step} ({current.status or '?'})",
            right_code=current.code,
            right_code_sha256=right.code_sha256 if right else None,
            output=None,
            pair=None,
            tests=tests,
            metrics=metrics,
            spectrum=spectrum,
            kind="step",
            key=f"{trajectory_id}#{step}",
        )

    def _compare(
        self, problem_id: str, pair: Pair | None, right: ModelOutput, run: Run | None
    ) -> tuple[list[TestRow], CompareMetrics, HumanSpectrum | None]:
        """Per-test rows (every visibility) and the verdict (private tests) of `right` against the pair's
        slow program, or, without a pair (NL generation), the problem's fastest human solution; and the human
        spectrum its percentiles rank it in (measured on the same engine, `judging.spectra`)."""
        problem = self.store.get_problem(problem_id)
        reference = pair.slow.code if pair is not None else (problem.fastest_code if problem else None)
        scope = Measurements(self.store, right.run_id, outputs=[right], pairs={pair.pair_id: pair} if pair else {},
                             extra_codes=[reference] if reference else [], visibility=None,
                             policy=EnginePolicy.BUSIEST, detail=True)
        left_all = scope.detailed(reference, problem_id, right.row_idx, "input")
        right_all = scope.detailed(right.code, problem_id, right.row_idx, "output")
        # One set of numbers: on the tests the two ran back to back (`ecco eval`, paired), the rows show those
        # runs, which the verdict is computed from; other tests (public ones run apart) show their own runs.
        paired = cast("list[tuple[Execution, Execution]]", scope.adjacent(reference, right.code, problem_id))
        if paired:
            left_all = _prefer_pairs(left_all, [a for a, _ in paired])
            right_all = _prefer_pairs(right_all, [b for _, b in paired])
        left_by, right_by = _by_test(left_all), _by_test(right_all)
        tests = _with_measured_tests(self.store.tests_for(problem_id), problem_id, left_by, right_by)
        rows = [
            TestRow(t, _side(left_by.get((t.visibility, t.idx), [])), _side(right_by.get((t.visibility, t.idx), [])))
            for t in tests
        ]
        n_scored = sum(1 for t in tests if t.visibility == SCORED)
        left_m = measure_from_executions(e for e in left_all if e.visibility == SCORED)
        right_m = measure_from_executions(e for e in right_all if e.visibility == SCORED)
        # Nothing measured: ECCO's published spectrum, for context (no program is placed on it).
        spectrum = (human_spectra(self.store, [problem_id], scope.engine)[problem_id] if scope.engine
                    else published_spectrum(self.store, problem_id))
        common: dict[str, Any] = dict(
            left=side_stats(left_m, left_all), right=side_stats(right_m, right_all), n_tests=n_scored,
            engine=scope.engine_label,
            accounting="; ".join(sorted({accounting_of(e.engine_version).split(":")[0]
                                          for e in (*left_all, *right_all)} - {"unknown"})) or None,
        )
        if right_m.ran and right_m.all_passed and spectrum is not None:
            common["runtime_percentile"] = program_runtime_percentile(right_m, spectrum.runtimes_s)
            common["memory_percentile"] = program_memory_percentile(right_m, spectrum.memories_kb)
        if pair is None:  # NL generation: no input to be faster than, correctness decides
            outcome = Outcome.NOT_RUN.value if not right_m.ran else (PASSES if right_m.all_passed else FAILS)
            return rows, CompareMetrics(outcome=outcome, **common), spectrum
        # The table above lists every test; the verdict scores the private ones.
        verdict = next(iter(editing_verdicts(scope.scoring(SCORED))), None)
        left_in = left_m if left_m.ran else None
        if reference and right.code and scope.engine and left_m.ran and right_m.ran:  # both timed: cost growth
            common["scaling"] = cpu_scaling(self.store, problem_id, code_sha256(reference), code_sha256(right.code),
                                            engine=scope.engine).summary
            common["scaling_engine"] = scope.engine
        drift = {d.test: d.describe() for d in verdict.drift} if verdict else {}
        if drift:
            rows = [dataclasses.replace(r, drift=drift.get(r.label)) for r in rows]
        return rows, CompareMetrics(
            outcome=verdict.outcome if verdict else Outcome.NOT_RUN.value,
            speedup=speedup(left_in, right_m) if right_m.ran else None,
            runtime_ratio=runtime_ratio(left_in, right_m) if right_m.ran else None,
            speedup_lo=verdict.speedup_lo if verdict else None,
            speedup_hi=verdict.speedup_hi if verdict else None,
            memory_reduction=memory_reduction(left_in, right_m) if right_m.ran else None,
            memory_ratio=memory_ratio(left_in, right_m) if right_m.ran else None,
            memory_lo=verdict.memory_lo if verdict else None,
            memory_hi=verdict.memory_hi if verdict else None,
            below_resolution=bool(verdict and verdict.below_resolution),
            identical=bool(verdict and verdict.identical_to_input),
            basis=verdict.basis if verdict else None,
            drift_tests=tuple(drift),
            **common,
        ), spectrum


# -- pure helpers --------------------------------------------------------------------------------------


def fuzzy_pattern(search: str | None) -> str | None:
    """A LIKE pattern matching the search's characters in order (`%` between them), spaces ignored.

    LIKE's `_` typed by the user still matches any one character; that only widens a fuzzy search.
    """
    if not search or not search.strip():
        return None
    return "%".join(c for c in search.strip() if not c.isspace())


def side_stats(measure: ProgramMeasure, executions: Iterable[Execution]) -> SideStats | None:
    """Totals over the scored tests in `measure`, plus the public tests' pass count from `executions`."""
    public = measure_from_executions(e for e in executions if e.visibility == "public")
    if not measure.ran and not public.ran:
        return None
    return SideStats(
        n_run=measure.n_tests,
        n_passed=measure.n_passed,
        total_cpu_s=measure.total_runtime,
        total_memory_kb=measure.total_memory,
        mean_cpu_s=mean_test_runtime(measure),
        mean_memory_kb=mean_test_memory(measure),
        public_run=public.n_tests,
        public_passed=public.n_passed,
    )


def _as_output(code: str, problem_id: str, *, pair_id: str | None) -> ModelOutput:
    """A program shown on the right that is not a model output (a pair's fast program, a later
    submission), in the shape `editing_verdicts` judges."""
    return ModelOutput(output_id=pair_id or "program", run_id="", row_idx=-1, sample_idx=0, round=0,
                       problem_id=problem_id, pair_id=pair_id, program_id=None, code=code)


def _side(executions: list[Execution]) -> TestSide:
    measure = measure_from_executions(executions)
    return TestSide(tuple(executions), measure.tests[0] if measure.tests else None)


NOT_STORED = "(this test's files are not in the store: import the release's test cases to see them)"


def _with_measured_tests(
    tests: list[StoredTest], problem_id: str, *measured: dict[tuple[str, int], list[Execution]]
) -> list[StoredTest]:
    """The stored tests plus any test that has results but no files here (ECCO result files imported
    without the release's test cases), so imported results show in the per-test table like live ones."""
    known = {(t.visibility, t.idx) for t in tests}
    extra = sorted({key for by in measured for key in by} - known, key=lambda k: (k[0] != "public", k[1]))
    placeholders = [StoredTest(problem_id, vis, idx, NOT_STORED, NOT_STORED, "") for vis, idx in extra]
    return sorted([*tests, *placeholders], key=lambda t: (t.visibility != "public", t.idx))


def _prefer_pairs(own: list[Execution], paired: list[Execution]) -> list[Execution]:
    """A program's runs, its paired ones in place of any other on the tests that have pairs."""
    tests = {(e.visibility, e.test_idx) for e in paired}
    return [*paired, *(e for e in own if (e.visibility, e.test_idx) not in tests
                       and not (e.context or "").startswith(PAIR_CONTEXT))]


def _by_test(executions: Iterable[Execution]) -> dict[tuple[str, int], list[Execution]]:
    grouped: dict[tuple[str, int], list[Execution]] = {}
    for ex in executions:
        grouped.setdefault((ex.visibility, ex.test_idx), []).append(ex)
    return grouped


def _output_row(output: ModelOutput, run: Run | None) -> OutputRow:
    return OutputRow(
        output_id=output.output_id,
        run_id=output.run_id,
        model=run.model if run else "?",
        method=run.method if run else "?",
        task=run.task if run else ("edit" if output.pair_id else "generate"),
        row_idx=output.row_idx,
        sample_idx=output.sample_idx,
        round=output.round,
        pair_id=output.pair_id,
        has_code=bool(output.code and output.code.strip()),
    )
