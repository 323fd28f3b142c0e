"""`ecco eval`: execute every input and output of a run, store each per-test result as it arrives.

Executions are content-addressed: a result is identified by the program text's hash, the test's content
hash, the engine and its version, the limits and the measurement mode. Before running anything the plan
asks the store which of those keys exist, so a killed evaluation resumes where it stopped, and a slow
input shared by many runs is executed once per test. `force=True` re-runs and the newest result wins.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field

from ecco_tui.engines.base import Engine, EngineInfo, Limits, TestCase, TestResult, code_sha256
from ecco_tui.store.models import Execution, StoredTest
from ecco_tui.store.store import Store, StoreError

EXCERPT_CHARS = 4096


@dataclass(frozen=True, slots=True)
class ProgramJob:
    """One program to run on the tests of one problem that have no stored result yet."""

    code: str
    code_sha256: str
    problem_id: str
    role: str  # input | output
    tests: tuple[TestCase, ...]
    repeats: tuple[tuple[int, ...], ...]  # per test: the repeat indices still missing


@dataclass
class EvalPlan:
    run_id: str
    jobs: list[ProgramJob] = field(default_factory=list)
    programs: int = 0
    cached: int = 0  # test executions already stored
    to_run: int = 0  # test executions to do
    missing_tests: list[str] = field(default_factory=list)  # problems with no tests of the asked visibility


@dataclass
class EvalStats:
    executed: int = 0
    cached: int = 0
    failed_jobs: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def tests_per_second(self) -> float:
        return self.executed / self.seconds if self.seconds > 0 else 0.0


ProgressFn = Callable[[int, int], None]  # (advance, total)


def to_engine_test(test: StoredTest) -> TestCase:
    return TestCase(test.problem_id, test.visibility, test.idx, test.input, test.expected_output)


def execution_key(
    code_sha: str, test: TestCase, info: EngineInfo, limits: Limits, mode: str, repeat: int
) -> str:
    text = "|".join((code_sha, test.problem_id, test.visibility, str(test.index), test.sha256, info.name,
                     info.version, limits.key(), mode, str(repeat)))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def run_programs(store: Store, run_id: str, *, final_round_only: bool = True) -> list[tuple[str, str, str]]:
    """(role, problem_id, code) of every program a run's evaluation needs: each pair's slow input and each
    output's code (all samples; by default the last round of each row, as ECCO evaluates)."""
    run = store.get_run(run_id)
    if run is None:
        known = ", ".join(r.run_id for r in store.runs()) or "none"
        raise StoreError(f"no run named {run_id!r} (runs: {known})")
    outputs = store.outputs(run_id=run_id, final_round_only=final_round_only, limit=10_000_000)
    seen: set[tuple[str, str]] = set()
    programs: list[tuple[str, str, str]] = []
    pair_cache: dict[str, str] = {}
    for out in outputs:
        if run.task == "edit" and out.pair_id:
            if out.pair_id not in pair_cache:
                pair = store.get_pair(out.pair_id)
                pair_cache[out.pair_id] = pair.slow.code if pair else ""
            slow = pair_cache[out.pair_id]
            if slow and (code_sha256(slow), out.problem_id) not in seen:
                seen.add((code_sha256(slow), out.problem_id))
                programs.append(("input", out.problem_id, slow))
        if out.code and out.code.strip() and (code_sha256(out.code), out.problem_id) not in seen:
            seen.add((code_sha256(out.code), out.problem_id))
            programs.append(("output", out.problem_id, out.code))
    return programs


def plan_evaluation(
    store: Store,
    programs: Sequence[tuple[str, str, str]],
    info: EngineInfo,
    limits: Limits,
    *,
    run_id: str = "",
    visibility: str | None = "private",
    repeat: int = 1,
    mode: str = "time",
    force: bool = False,
) -> EvalPlan:
    plan = EvalPlan(run_id=run_id, programs=len(programs))
    tests_by_problem: dict[str, list[TestCase]] = {}
    for role, problem_id, code in programs:
        if problem_id not in tests_by_problem:
            tests_by_problem[problem_id] = [to_engine_test(t) for t in store.tests_for(problem_id, visibility)]
            if not tests_by_problem[problem_id]:
                plan.missing_tests.append(problem_id)
        tests = tests_by_problem[problem_id]
        if not tests:
            continue
        sha = code_sha256(code)
        done = set() if force else store.cached_execution_keys(
            sha, problem_id, engine=info.name, engine_version=info.version, limits_key=limits.key(), mode=mode
        )
        todo_tests, todo_repeats = [], []
        for test in tests:
            missing = tuple(r for r in range(repeat) if (test.visibility, test.index, test.sha256, r) not in done)
            plan.cached += repeat - len(missing)
            if missing:
                todo_tests.append(test)
                todo_repeats.append(missing)
                plan.to_run += len(missing)
        if todo_tests:
            plan.jobs.append(ProgramJob(code, sha, problem_id, role, tuple(todo_tests), tuple(todo_repeats)))
    return plan


def to_execution(
    result: TestResult, code_sha: str, info: EngineInfo, limits: Limits, mode: str, *, force: bool, source: str
) -> Execution:
    key = execution_key(code_sha, result.test, info, limits, mode, result.repeat_index)
    return Execution(
        execution_id=f"{key}-{uuid.uuid4().hex[:8]}" if force else key,
        code_sha256=code_sha,
        problem_id=result.test.problem_id,
        visibility=result.test.visibility,
        test_idx=result.test.index,
        engine=info.name,
        engine_version=info.version,
        status_id=result.status_id,
        status_description=result.status_description,
        cpu_time_s=result.cpu_time_s,
        wall_time_s=result.wall_time_s,
        memory_kb=None if result.memory_kb is None else float(result.memory_kb),
        repeat_idx=result.repeat_index,
        test_sha256=result.test.sha256,
        limits_key=limits.key(),
        mode=mode,
        instructions=result.instructions,
        exit_code=result.exit_code,
        exit_signal=result.exit_signal,
        stdout_excerpt=(result.stdout or "")[:EXCERPT_CHARS],
        stderr_excerpt=(result.stderr or "")[:EXCERPT_CHARS],
        message=result.message,
        source=source,
    )


class _Writer:
    """Buffers executions and writes them in small transactions, so a kill loses at most one batch."""

    def __init__(self, store: Store, batch: int, interval_s: float) -> None:
        self.store = store
        self.batch = batch
        self.interval_s = interval_s
        self.pending: list[Execution] = []
        self.last = time.monotonic()

    def add(self, execution: Execution) -> None:
        self.pending.append(execution)
        if len(self.pending) >= self.batch or time.monotonic() - self.last >= self.interval_s:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            batch, self.pending = self.pending, []
            self.store.add_executions(batch)
        self.last = time.monotonic()


async def execute_plan(
    store: Store,
    engine: Engine,
    plan: EvalPlan,
    limits: Limits,
    *,
    repeat: int = 1,
    mode: str = "time",
    force: bool = False,
    source: str = "ecco eval",
    concurrency: int = 4,
    progress: ProgressFn | None = None,
    flush_batch: int = 64,
    flush_interval_s: float = 0.5,
) -> EvalStats:
    """Run the plan's jobs (several programs in flight; the engine bounds the processes) and store every
    result as it arrives. On cancellation the results received so far are written before returning."""
    info = await engine.info()
    stats = EvalStats(cached=plan.cached)
    writer = _Writer(store, flush_batch, flush_interval_s)
    gate = asyncio.Semaphore(max(1, concurrency))
    start = time.perf_counter()
    if progress:
        progress(0, plan.to_run)

    async def run_job(job: ProgramJob) -> None:
        async with gate:
            wanted = {(t.visibility, t.index): set(r) for t, r in zip(job.tests, job.repeats, strict=True)}
            n_rep = max(max(r) for r in job.repeats) + 1
            try:
                async with aclosing(engine.run(job.code, job.tests, limits, repeat=n_rep)) as results:
                    async for result in results:
                        if result.repeat_index not in wanted.get((result.test.visibility, result.test.index), ()):
                            continue
                        writer.add(to_execution(result, job.code_sha256, info, limits, mode, force=force,
                                                source=source))
                        stats.executed += 1
                        if progress:
                            progress(1, plan.to_run)
            except Exception as exc:  # one program's engine failure must not stop the others
                stats.failed_jobs += 1
                stats.errors.append(f"{job.problem_id} {job.role} {job.code_sha256[:8]}: {exc}")

    try:
        await asyncio.gather(*(run_job(job) for job in plan.jobs))
    finally:
        writer.flush()
        stats.seconds = time.perf_counter() - start
        store.log_evaluation(run_id=plan.run_id or None, engine=info.name, engine_version=info.version,
                             executed=stats.executed, cached=stats.cached, seconds=stats.seconds)
    return stats
