"""Live re-run: execute the programs of one comparison again on every test of their problem, now.

The compare view's `r` calls `rerun_programs` in an async worker. For two programs it is `--repeat auto`, as
`ecco eval --repeat auto` measures a run: one more pair of the two programs per test over all tests (public
and private), then, round by round, more pairs on the private tests (which the verdict reads) while the
speedup's 95% interval over every stored pair is wider than ±AUTO_RELATIVE of its point, until a test has
AUTO_MAX_SAMPLES pairs (the cap). A lone program gets one more sample per test. Everything is added beside
the stored runs (re-runs add evidence, they never supersede; all rounds of one `r` are one evaluation, so
`metrics.drift` can tell it from earlier ones). Each result is stored as it arrives and reported through
`progress`, so the view can update its per-test rows while it runs. Cancelling the awaiting task stops the
runs: the engines' generators are consumed under `aclosing`, and the engines stop their programs when closed.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass

from ecco_tui.engines.base import Engine, EngineInfo, Limits, Status, TestCase, TestResult, code_sha256
from ecco_tui.metrics.stats import within_relative
from ecco_tui.model import PAIR_CONTEXT, new_evaluation_id
from ecco_tui.services.evaluation import (
    AUTO_MAX_SAMPLES,
    AUTO_RELATIVE,
    execute_plan,
    next_sample_count,
    plan_evaluation,
    to_engine_test,
)
from ecco_tui.services.paired import PairedPlan, PairJob, execute_pairs
from ecco_tui.store.store import Store

SOURCE = "ecco tui re-run"


@dataclass(frozen=True, slots=True)
class RerunEvent:
    """One test finished for one program (`done` of `total` test executions so far)."""

    code_sha256: str
    test_label: str  # "private:3", as the compare view's rows are keyed
    status: str
    passed: bool
    done: int
    total: int


@dataclass(frozen=True, slots=True)
class RerunSummary:
    programs: int
    total: int  # test executions planned
    executed: int  # test executions stored
    failed_jobs: int
    errors: tuple[str, ...]
    seconds: float
    engine: str
    # Two programs (`--repeat auto`): rounds run, fewest pairs a private test has now, the cap, and the
    # speedup's interval over every stored pair (point, lo, hi), None when no test completed on both.
    rounds: int = 0
    pairs_per_test: int = 0
    cap: int = 0
    interval: tuple[float, float, float] | None = None

    @property
    def decisive(self) -> bool:
        """The interval ended within ±AUTO_RELATIVE of its point (else the cap, or nothing to narrow, ended it)."""
        return self.interval is not None and within_relative(self.interval, AUTO_RELATIVE)

    def describe(self) -> str:
        """"3 rounds, 8 pairs a test (cap 15), speedup 1.52× [1.47–1.58]": what an auto re-run did."""
        if not self.rounds:
            return ""
        rounds = f"{self.rounds} round{'s' if self.rounds != 1 else ''}"
        text = f"{rounds}, {self.pairs_per_test} pairs a test (cap {self.cap})"
        if self.interval is None:
            return text + ", no interval (no test completed by both)"
        point, lo, hi = self.interval
        return text + f", speedup {point:.2f}× [{lo:.2f}–{hi:.2f}]" + ("" if self.decisive else ", still wide")


def test_label(test: TestCase) -> str:
    return f"{test.visibility}:{test.index}"


class _Reporting:
    """An engine that tells `progress` about every result it passes on (same protocol, same closing)."""

    def __init__(self, inner: Engine, progress: Callable[[RerunEvent], None], total: int) -> None:
        self.inner = inner
        self.progress = progress
        self.total = total
        self.done = 0

    async def info(self) -> EngineInfo:
        return await self.inner.info()

    async def run(
        self, program: str, tests: Sequence[TestCase], limits: Limits | None = None, *, repeat: int = 1
    ) -> AsyncGenerator[TestResult, None]:
        sha = code_sha256(program)
        async with aclosing(self.inner.run(program, tests, limits, repeat=repeat)) as results:
            async for result in results:
                self.done += 1
                self.progress(RerunEvent(sha, test_label(result.test), result.status_description,
                                         result.status_id == Status.ACCEPTED, self.done, self.total))
                yield result

    async def aclose(self) -> None:  # the caller owns the inner engine
        return None


def _pair_interval(store: Store, info: EngineInfo, problem_id: str, first: str,
                   second: str) -> tuple[float, float, float] | None:
    """The speedup interval of `first` over `second` from every stored pair on the private tests (as the
    verdict computes it: `judging.paired_intervals`)."""
    from ecco_tui.services.judging import Measurements
    from ecco_tui.services.judging.verdict import paired_intervals

    data = Measurements(store, "", engine=info.name, visibility="private", outputs=[], pairs={},
                        extra_codes=[first, second])
    return paired_intervals(data.adjacent(first, second, problem_id))[0]


async def _rerun_pair_auto(
    store: Store, engine: Engine, info: EngineInfo, problem_id: str, first: str, second: str, limits: Limits,
    progress: Callable[[RerunEvent], None], concurrency: int, relative: float, cap: int,
) -> RerunSummary:
    tests = tuple(to_engine_test(t) for t in store.tests_for(problem_id))
    private = tuple(t for t in tests if t.visibility == "private")
    evaluation = new_evaluation_id()
    reporting = _Reporting(engine, progress, 0)
    executed = failed = 0
    errors: list[str] = []
    seconds = 0.0
    rounds = 0
    interval = None

    def stored() -> dict[tuple[str, int, str | None], int]:
        return store.paired_counts(code_sha256(first), code_sha256(second), problem_id, engine=info.name,
                                   engine_version=info.version, limits_key=limits.key(), context_prefix=PAIR_CONTEXT)

    def have(counts: dict[tuple[str, int, str | None], int], test: TestCase) -> int:
        return counts.get((test.visibility, test.index, test.sha256), 0)

    counts = stored()
    # Round 1: one more pair on every test; then up to about 1.5x the pairs on the private ones.
    wanted = {t: have(counts, t) + 1 for t in tests}
    while wanted:
        jobs = [(t, range(have(counts, t), n)) for t, n in wanted.items() if n > have(counts, t)]
        if not jobs:
            break
        plan = PairedPlan("", [PairJob(problem_id, first, second, tuple(t for t, _ in jobs),
                                       tuple(r for _, r in jobs))], to_run=sum(len(r) for _, r in jobs))
        reporting.total += 2 * plan.to_run
        stats = await execute_pairs(store, reporting, plan, limits, source=SOURCE, concurrency=concurrency,
                                    flush_batch=1, evaluation=evaluation)
        rounds += 1
        executed, failed, seconds = executed + stats.executed, failed + stats.failed_jobs, seconds + stats.seconds
        errors += stats.errors
        counts = stored()
        interval = _pair_interval(store, info, problem_id, first, second)
        fewest = min((have(counts, t) for t in private), default=0)
        if stats.failed_jobs or interval is None or within_relative(interval, relative) or fewest >= cap:
            break
        target = next_sample_count(fewest, cap)
        wanted = {t: target for t in private}
    fewest = min((have(counts, t) for t in private), default=0)
    return RerunSummary(programs=2, total=reporting.total, executed=executed, failed_jobs=failed,
                        errors=tuple(errors), seconds=seconds, engine=info.name, rounds=rounds,
                        pairs_per_test=fewest, cap=cap, interval=interval)


async def rerun_programs(
    store: Store,
    engine: Engine,
    problem_id: str,
    codes: Sequence[str],
    limits: Limits,
    *,
    progress: Callable[[RerunEvent], None] | None = None,
    concurrency: int = 2,
    relative: float = AUTO_RELATIVE,
    cap: int = AUTO_MAX_SAMPLES,
) -> RerunSummary:
    """Run `codes` (duplicates and empty programs dropped) again on every test of `problem_id` and store the
    results as new samples beside the stored ones (pooled into the medians; nothing is superseded, so a
    re-run under load cannot replace a quiet measurement): two different programs (a compare view's input and
    output) as pairs, back to back, `--repeat auto` (see the module doc; `relative` and `cap` as there); one
    program, one more run per test. Raises CancelledError when cancelled, after storing what had finished."""
    unique = list(dict.fromkeys(c for c in codes if c and c.strip()))
    info = await engine.info()
    report = progress or (lambda _event: None)
    if len(unique) == 2 and code_sha256(unique[0]) != code_sha256(unique[1]):
        return await _rerun_pair_auto(store, engine, info, problem_id, unique[0], unique[1], limits, report,
                                      concurrency, relative, cap)
    programs = [("output", problem_id, code) for code in unique]
    plan = plan_evaluation(store, programs, info, limits, visibility=None, add=True)
    reporting = _Reporting(engine, report, plan.to_run)
    stats = await execute_plan(store, reporting, plan, limits, force=True, source=SOURCE,
                               concurrency=concurrency, flush_batch=1)
    return RerunSummary(programs=len(unique), total=plan.to_run, executed=stats.executed,
                        failed_jobs=stats.failed_jobs, errors=tuple(stats.errors), seconds=stats.seconds,
                        engine=info.name)
