"""Live re-run: execute the programs of one comparison again on every test of their problem, now.

The compare view's `r` calls `rerun_programs` in an async worker. It runs one more pair of the two programs per
test over all tests (public and private), or one more sample of a lone program, beside the stored ones (re-runs
add evidence, they never supersede), stores each result as it arrives and reports every finished test
through `progress`, so the view can update its per-test rows while it runs. Cancelling the awaiting task stops
the runs: `execute_plan` consumes the engine's generator under `aclosing`, and the engines stop their programs
when closed.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass

from ecco_tui.engines.base import Engine, EngineInfo, Limits, Status, TestCase, TestResult, code_sha256
from ecco_tui.services.evaluation import execute_plan, plan_evaluation, to_engine_test
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


async def rerun_programs(
    store: Store,
    engine: Engine,
    problem_id: str,
    codes: Sequence[str],
    limits: Limits,
    *,
    progress: Callable[[RerunEvent], None] | None = None,
    concurrency: int = 2,
) -> RerunSummary:
    """Run `codes` (duplicates and empty programs dropped) once more on every test of `problem_id` and store
    the results as new samples beside the stored ones (pooled into the medians; nothing is superseded, so a
    re-run under load cannot replace a quiet measurement): two different programs (a compare view's input and
    output) as one more pair per test, back to back; one program, one more run per test. Raises CancelledError
    when cancelled, after storing what had finished."""
    unique = list(dict.fromkeys(c for c in codes if c and c.strip()))
    info = await engine.info()
    if len(unique) == 2 and code_sha256(unique[0]) != code_sha256(unique[1]):
        # Two programs compared: one more pair per test, back to back (as `ecco eval` measures them by default,
        # and as the verdict reads them when pairs are stored).
        tests = tuple(to_engine_test(t) for t in store.tests_for(problem_id))
        pairs = PairedPlan("", [PairJob(problem_id, unique[0], unique[1], tests, tuple(range(1) for _ in tests))],
                           to_run=len(tests)) if tests else PairedPlan("")
        total = 2 * pairs.to_run
        reporting = _Reporting(engine, progress or (lambda _event: None), total)
        stats = await execute_pairs(store, reporting, pairs, limits, source=SOURCE, concurrency=concurrency,
                                    flush_batch=1)
    else:
        programs = [("output", problem_id, code) for code in unique]
        plan = plan_evaluation(store, programs, info, limits, visibility=None, add=True)
        total = plan.to_run
        reporting = _Reporting(engine, progress or (lambda _event: None), total)
        stats = await execute_plan(store, reporting, plan, limits, force=True, source=SOURCE,
                                   concurrency=concurrency, flush_batch=1)
    return RerunSummary(programs=len(unique), total=total, executed=stats.executed,
                        failed_jobs=stats.failed_jobs, errors=tuple(stats.errors), seconds=stats.seconds,
                        engine=info.name)
