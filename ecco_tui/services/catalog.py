"""Read-side use cases for the browser and the compare view.

Widgets call these from workers and get plain dataclasses back; nothing here knows about Textual.
Outcomes, speedups and percentiles are computed here from stored executions with ``ecco_tui.metrics``,
so the TUI only formats numbers and never decides what counts as "faster" or "correct".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ecco_tui.engines.base import code_sha256
from ecco_tui.metrics import (
    ACCEPTED,
    Outcome,
    ProgramMeasure,
    TestMeasure,
    classify_outcome,
    mean_test_memory,
    mean_test_runtime,
    median_per_test,
    memory_percentile,
    memory_ratio,
    memory_reduction,
    runtime_percentile,
    runtime_ratio,
    speedup,
)
from ecco_tui.store.models import (
    Execution,
    ModelOutput,
    Pair,
    PairRow,
    Problem,
    ProblemSummary,
    Program,
    Run,
    Spectrum,
    StoredTest,
    Trajectory,
)
from ecco_tui.store.store import Store

#: Problem orders the browser cycles through (keys of the store's whitelist of ORDER BY clauses).
PROBLEM_SORTS: tuple[str, ...] = ("id", "pairs", "outputs", "programs")

#: (engine, limits_key, mode): executions are only compared within one such batch.
BatchKey = tuple[str, str, str]


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
class OutcomeSummary:
    """What the stored executions say about one output: its outcome and the headline numbers."""

    outcome: str
    speedup: float | None
    runtime_ratio: float | None
    n_passed: int
    n_run: int


@dataclass(frozen=True, slots=True)
class ProblemDetail:
    problem: Problem
    pairs: list[PairRow]
    outputs: list[ModelOutput]
    spectrum: Spectrum | None
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
        if self.measure is None:
            return "not run"
        for ex in reversed(self.executions):
            if ex.status_id == self.measure.status_id:
                return ex.status_description
        return str(self.measure.status_id)

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

    @property
    def label(self) -> str:
        return f"{self.test.visibility}:{self.test.idx}"


@dataclass(frozen=True, slots=True)
class SideStats:
    """One program's totals over the tests it ran."""

    n_run: int
    n_passed: int
    total_cpu_s: float | None
    total_memory_kb: float | None
    mean_cpu_s: float | None
    mean_memory_kb: float | None

    @property
    def all_passed(self) -> bool:
        return self.n_run > 0 and self.n_passed == self.n_run


@dataclass(frozen=True, slots=True)
class CompareMetrics:
    """Headline numbers of a comparison; every field is None/"not-run" when nothing was executed."""

    outcome: str = Outcome.NOT_RUN.value
    speedup: float | None = None
    runtime_ratio: float | None = None
    memory_reduction: float | None = None
    memory_ratio: float | None = None
    left: SideStats | None = None
    right: SideStats | None = None
    n_tests: int = 0
    engine: str | None = None
    runtime_percentile: float | None = None
    memory_percentile: float | None = None

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
    spectrum: Spectrum | None = None
    kind: str = "pair"
    key: str = ""
    run: Run | None = None


class Catalog:
    """Browsing queries over one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- the store itself -------------------------------------------------------------------------
    @property
    def read_only(self) -> bool:
        return self.store.read_only

    @property
    def label(self) -> str:
        """A short name for the store (its file name), for titles: never a full path."""
        path: Path | None = self.store.path
        return path.name if path is not None else "in-memory store"

    def splits(self) -> list[str]:
        """Splits that have problems, for the browser's split filter."""
        return sorted(s for s, counts in self.store.counts().by_split.items() if counts.get("problems") and s != "-")

    # -- problems ---------------------------------------------------------------------------------
    def problem_page(
        self,
        *,
        split: str | None = None,
        search: str | None = None,
        sort: str = "id",
        limit: int = 200,
        offset: int = 0,
        fuzzy: bool = False,
    ) -> ProblemPage:
        """One page of problems. With `fuzzy`, the search matches its characters in order with gaps
        (`p32` finds `p03209`, `lis` finds "Longest Increasing Subsequence"), as fuzzy finders do."""
        pattern = fuzzy_pattern(search) if fuzzy else (search or None)
        rows = self.store.problem_summaries(split=split, search=pattern, sort=sort, limit=limit, offset=offset)
        total = self.store.count_problems(split=split, search=pattern)
        return ProblemPage(rows, total, offset, limit)

    def problem_detail(self, problem_id: str) -> ProblemDetail | None:
        problem = self.store.get_problem(problem_id)
        if problem is None:
            return None
        tests = self.store.tests_for(problem_id)
        outputs = self.store.outputs(problem_id=problem_id, limit=10_000)
        runs = {r.run_id: r for r in self.store.runs()}
        return ProblemDetail(
            problem=problem,
            pairs=self.store.pairs(problem_id=problem_id, limit=10_000),
            outputs=outputs,
            spectrum=self.store.spectrum(problem_id),
            trajectories=self.store.trajectories_for(problem_id),
            n_public_tests=sum(1 for t in tests if t.visibility == "public"),
            n_private_tests=sum(1 for t in tests if t.visibility == "private"),
            output_rows=[_output_row(o, runs.get(o.run_id)) for o in outputs],
        )

    def output_outcomes(self, problem_id: str) -> dict[str, OutcomeSummary]:
        """Outcome of every output of a problem that has executions, keyed by output id.

        Separate from `problem_detail` because it needs one executions query per distinct program: the
        browser lists the outputs first and fills this column in when it arrives.
        """
        programs = {p.program_id: p for p in self.store.programs_for_problem(problem_id)}
        pairs = {p.pair_id: p for p in self.store.pairs(problem_id=problem_id, limit=10_000)}
        problem = self.store.get_problem(problem_id)
        cache: dict[str, list[Execution]] = {}

        def executions(sha: str | None) -> list[Execution]:
            if not sha:
                return []
            if sha not in cache:
                cache[sha] = self.store.executions_for(sha, problem_id)
            return cache[sha]

        result: dict[str, OutcomeSummary] = {}
        for output in self.store.outputs(problem_id=problem_id, limit=10_000):
            program = programs.get(output.program_id or "")
            right = executions(program.code_sha256 if program else None)
            if not right:
                continue
            left_sha = None
            pair_row = pairs.get(output.pair_id or "")
            if pair_row is not None:
                slow = programs.get(pair_row.slow_program_id)
                left_sha = slow.code_sha256 if slow else None
            elif problem is not None and problem.fastest_code:
                left_sha = code_sha256(problem.fastest_code)
            left_execs, right_execs, _ = choose_batches(executions(left_sha), right)
            left_m, right_m = measure_of(left_execs), measure_of(right_execs)
            result[output.output_id] = OutcomeSummary(
                outcome=classify_outcome(left_m, right_m).value,
                speedup=speedup(left_m, right_m),
                runtime_ratio=runtime_ratio(left_m, right_m),
                n_passed=right_m.n_passed if right_m else 0,
                n_run=right_m.n_tests if right_m else 0,
            )
        return result

    def runs(self) -> list[Run]:
        return self.store.runs()

    def spectrum(self, problem_id: str) -> Spectrum | None:
        return self.store.spectrum(problem_id)

    def trajectories(self, problem_id: str) -> list[Trajectory]:
        return self.store.trajectories_for(problem_id)

    # -- compare views ----------------------------------------------------------------------------
    def pair_view(self, pair_id: str) -> CompareView | None:
        pair = self.store.get_pair(pair_id)
        if pair is None:
            return None
        tests, metrics = self._compare(pair.problem_id, pair.slow.code_sha256, pair.fast.code_sha256)
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
            spectrum=self.store.spectrum(pair.problem_id),
            kind="pair",
            key=pair.pair_id,
        )

    def output_view(self, output_id: str) -> CompareView | None:
        output = self.store.get_output(output_id)
        if output is None:
            return None
        pair = self.store.get_pair(output.pair_id) if output.pair_id else None
        program = self.store.get_program(output.program_id) if output.program_id else None
        problem = self.store.get_problem(output.problem_id)
        if pair is not None:
            left, left_label = pair.slow, "slow (input)"
        else:
            fastest = problem.fastest_code if problem else None
            left = Program("", output.problem_id, fastest or "", code_sha256(fastest) if fastest else "", "Python")
            left_label = "fastest human" if fastest else "(no reference)"
        right_sha = program.code_sha256 if program else None
        tests, metrics = self._compare(output.problem_id, left.code_sha256 or None, right_sha)
        run = self.store.get_run(output.run_id)
        return CompareView(
            title=f"{output.run_id} · row {output.row_idx} · round {output.round} · {output.problem_id}",
            problem=problem,
            left_label=left_label,
            left=left,
            right_label=f"generated ({run.model if run else output.run_id})",
            right_code=output.code or "",
            right_code_sha256=right_sha,
            output=output,
            pair=pair,
            tests=tests,
            metrics=metrics,
            spectrum=self.store.spectrum(output.problem_id),
            kind="output",
            key=output.output_id,
            run=run,
        )

    def trajectory_step_view(self, trajectory_id: str, step: int) -> CompareView | None:
        """A user's submission `step` against their previous one: what changed between two attempts."""
        trajectory = self.store.get_trajectory(trajectory_id)
        if trajectory is None:
            return None
        steps = {s.step: s for s in trajectory.steps}
        current = steps.get(step)
        if current is None:
            return None
        previous = max((s for s in trajectory.steps if s.step < step), key=lambda s: s.step, default=None)
        right = self.store.get_program(current.program_id)
        left = self.store.get_program(previous.program_id) if previous else None
        if left is None:
            left = Program("", trajectory.problem_id, "", "", "Python")
        tests, metrics = self._compare(
            trajectory.problem_id, left.code_sha256 or None, right.code_sha256 if right else None
        )
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
            spectrum=self.store.spectrum(trajectory.problem_id),
            kind="step",
            key=f"{trajectory_id}#{step}",
        )

    def _compare(
        self, problem_id: str, left_sha: str | None, right_sha: str | None
    ) -> tuple[list[TestRow], CompareMetrics]:
        tests = self.store.tests_for(problem_id)
        left_all = self.store.executions_for(left_sha, problem_id) if left_sha else []
        right_all = self.store.executions_for(right_sha, problem_id) if right_sha else []
        left_execs, right_execs, batch = choose_batches(left_all, right_all)
        left_by, right_by = _by_test(left_execs), _by_test(right_execs)
        rows = [
            TestRow(t, _side(left_by.get((t.visibility, t.idx), [])), _side(right_by.get((t.visibility, t.idx), [])))
            for t in tests
        ]
        spectrum = self.store.spectrum(problem_id)
        return rows, compare_metrics(
            measure_of(left_execs), measure_of(right_execs), n_tests=len(tests), engine=batch, spectrum=spectrum
        )


# -- pure helpers (kept public: the CLI's reports and the tests use them too) ---------------------------


def fuzzy_pattern(search: str | None) -> str | None:
    """A LIKE pattern matching the search's characters in order (`%` between them), spaces ignored.

    LIKE's own wildcards typed by the user are kept literally in the sense that `_` still matches one
    character; that only widens a fuzzy search, which is harmless.
    """
    if not search or not search.strip():
        return None
    chars = [c for c in search.strip() if not c.isspace()]
    return "%".join(chars)


def metric_test_id(visibility: str, idx: int) -> str:
    """Stable id of a test for the metrics (index zero-padded so ids sort like the tests)."""
    return f"{visibility}:{idx:05d}"


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) and value >= 0 else None


def measure_of(executions: Sequence[Execution]) -> ProgramMeasure | None:
    """The metrics' view of one program's executions: one measure per test, repeats reduced by median."""
    if not executions:
        return None
    return median_per_test(
        TestMeasure(
            test_id=metric_test_id(e.visibility, e.test_idx),
            passed=e.status_id == ACCEPTED,
            status_id=e.status_id,
            cpu_time_s=_finite(e.cpu_time_s),
            memory_kb=_finite(e.memory_kb),
        )
        for e in executions
    )


def _batch(e: Execution) -> BatchKey:
    return (e.engine, e.limits_key, e.mode)


def _newest(executions: Iterable[Execution]) -> dict[BatchKey, datetime]:
    newest: dict[BatchKey, datetime] = {}
    for e in executions:
        when = e.created_at or datetime.min
        key = _batch(e)
        if key not in newest or when > newest[key]:
            newest[key] = when
    return newest


def choose_batches(
    left: Sequence[Execution], right: Sequence[Execution]
) -> tuple[list[Execution], list[Execution], str | None]:
    """Pick the executions to compare: one engine/limits/mode for both sides.

    Times from two engines (or two limit settings) are not comparable, so a program run both locally and on
    Judge0 is compared on the batch both sides share, the most recent one when several are shared. When the
    sides share none, each side keeps its own newest batch (and the label says so).
    """
    left_batches, right_batches = _newest(left), _newest(right)
    common = set(left_batches) & set(right_batches)
    if common:
        key = max(common, key=lambda k: (max(left_batches[k], right_batches[k]), k))
        return [e for e in left if _batch(e) == key], [e for e in right if _batch(e) == key], key[0]
    left_key = max(left_batches, key=lambda k: (left_batches[k], k)) if left_batches else None
    right_key = max(right_batches, key=lambda k: (right_batches[k], k)) if right_batches else None
    engines = " / ".join(k[0] for k in (left_key, right_key) if k is not None) or None
    return (
        [e for e in left if _batch(e) == left_key],
        [e for e in right if _batch(e) == right_key],
        engines,
    )


def side_stats(measure: ProgramMeasure | None) -> SideStats | None:
    if measure is None or not measure.ran:
        return None
    return SideStats(
        n_run=measure.n_tests,
        n_passed=measure.n_passed,
        total_cpu_s=measure.total_runtime,
        total_memory_kb=measure.total_memory,
        mean_cpu_s=mean_test_runtime(measure),
        mean_memory_kb=mean_test_memory(measure),
    )


def compare_metrics(
    left: ProgramMeasure | None,
    right: ProgramMeasure | None,
    *,
    n_tests: int,
    engine: str | None = None,
    spectrum: Spectrum | None = None,
) -> CompareMetrics:
    """Outcome and headline numbers of right (output / fast) against left (input / slow).

    The percentile ranks the right program among the problem's human solutions and, as in ECCO, only when
    it passes every test it ran (a wrong program is not "faster than 90% of humans").
    """
    right_stats = side_stats(right)
    rt_pct = mem_pct = None
    if spectrum is not None and right_stats is not None and right_stats.all_passed:
        rt_pct = runtime_percentile(right_stats.mean_cpu_s, spectrum.runtimes_s)
        mem_pct = memory_percentile(right_stats.mean_memory_kb, spectrum.memories_kb)
    return CompareMetrics(
        outcome=classify_outcome(left, right).value,
        speedup=speedup(left, right),
        runtime_ratio=runtime_ratio(left, right),
        memory_reduction=memory_reduction(left, right),
        memory_ratio=memory_ratio(left, right),
        left=side_stats(left),
        right=right_stats,
        n_tests=n_tests,
        engine=engine,
        runtime_percentile=rt_pct,
        memory_percentile=mem_pct,
    )


def _side(executions: list[Execution]) -> TestSide:
    measure = measure_of(executions)
    return TestSide(tuple(executions), measure.tests[0] if measure and measure.tests else None)


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
