"""Paired, interleaved evaluation (`ecco eval --paired`): each output and its input run back to back.

For every editing output with code and every test, the slow input (A) and the output (B) run one right after
the other, in alternating order (A B on a test, B A on the next, and the other way round on the next repeat),
so machine drift and load hit both alike (see `metrics.paired` for why and how the speedup's interval is
computed from such pairs). Each run is stored as an ordinary execution whose `context` binds it to its
partner, `pair#<id>`: content-addressed lookups (the unpaired cache and verdicts) never mistake it for an
unpaired sample, and `services.judging` finds the pairs of an (input, output) by that context.

Pairs already stored for the same programs, engine version and limits count toward `repeat`: running the
command again is resumable, and a larger `repeat` adds pairs without repeating the old ones. Identical
programs (same normalized text) are not paired: they can only differ by noise and are judged within-noise;
their correctness comes from the unpaired evaluation.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from contextlib import aclosing
from dataclasses import dataclass, field

from ecco_tui.engines.base import Engine, EngineInfo, Limits, TestCase, TestResult
from ecco_tui.metrics.stats import within_relative
from ecco_tui.model import PAIR_CONTEXT, code_sha256, new_evaluation_id, pair_context
from ecco_tui.services.evaluation import (
    AUTO_MAX_SAMPLES,
    AUTO_RELATIVE,
    AUTO_START,
    TIME,
    AutoResult,
    EvalPlan,
    EvalStats,
    ProgressFn,
    _Writer,
    next_sample_count,
    run_pairs,
    to_engine_test,
    to_execution,
)
from ecco_tui.store.store import Store

__all__ = ["PAIR_CONTEXT", "PairJob", "PairKey", "PairedPlan", "evaluate_paired_auto", "execute_pairs", "is_paired",
           "plan_pairs"]

def is_paired(context: str | None) -> bool:
    """Whether an execution with this context was run back to back with a partner (see the module doc)."""
    return bool(context) and str(context).startswith(PAIR_CONTEXT)


#: An (input, output) of a problem: (problem id, input code sha256, output code sha256).
PairKey = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class PairJob:
    """One (input, output) of a problem and the pairs each test still needs."""

    problem_id: str
    input_code: str
    output_code: str
    tests: tuple[TestCase, ...]
    missing: tuple[range, ...]  # per test, the repeat indices of the pairs to run


@dataclass
class PairedPlan:
    run_id: str
    jobs: list[PairJob] = field(default_factory=list)
    to_run: int = 0  # pairs (each is two test runs)
    cached: int = 0
    identical: int = 0  # outputs identical to their input: not paired
    missing_tests: list[str] = field(default_factory=list)


def plan_pairs(
    store: Store,
    run_id: str,
    info: EngineInfo,
    limits: Limits,
    *,
    visibility: str | None = "private",
    repeat: int = 1,
    final_round_only: bool = True,
    force: bool = False,
    only: set[PairKey] | None = None,
) -> PairedPlan:
    """Which (input, output, test) pairs the run still needs for `repeat` pairs per test; with `force`, `repeat`
    more per test, beside the stored ones (a re-run adds evidence, it never replaces it); `only`: just these
    (problem, input, output) pairs."""
    plan = PairedPlan(run_id)
    tests_of: dict[str, tuple[TestCase, ...]] = {}
    for problem_id, slow, code in run_pairs(store, run_id, final_round_only=final_round_only):
        if slow is None:
            continue
        if code_sha256(slow) == code_sha256(code):
            plan.identical += 1
            continue
        if only is not None and (problem_id, code_sha256(slow), code_sha256(code)) not in only:
            continue
        if problem_id not in tests_of:
            tests_of[problem_id] = tuple(to_engine_test(t) for t in store.tests_for(problem_id, visibility))
            if not tests_of[problem_id]:
                plan.missing_tests.append(problem_id)
        tests = tests_of[problem_id]
        if not tests:
            continue
        have = {} if force else store.paired_counts(
            code_sha256(slow), code_sha256(code), problem_id, engine=info.name, engine_version=info.version,
            limits_key=limits.key(), context_prefix=PAIR_CONTEXT)
        todo, missing = [], []
        for test in tests:
            done = min(have.get((test.visibility, test.index, test.sha256), 0), repeat)
            plan.cached += done
            if done < repeat:
                todo.append(test)
                missing.append(range(done, repeat))
                plan.to_run += repeat - done
        if todo:
            plan.jobs.append(PairJob(problem_id, slow, code, tuple(todo), tuple(missing)))
    return plan


async def _one(engine: Engine, code: str, test: TestCase, limits: Limits) -> TestResult | None:
    async with aclosing(engine.run(code, [test], limits, repeat=1)) as results:
        async for result in results:
            return result
    return None


async def execute_pairs(
    store: Store,
    engine: Engine,
    plan: PairedPlan,
    limits: Limits,
    *,
    source: str = "ecco eval --paired",
    concurrency: int = 2,
    progress: ProgressFn | None = None,
    flush_batch: int = 64,
    evaluation: str | None = None,
) -> EvalStats:
    """Run the plan's pairs, `concurrency` at a time (each pair's two runs back to back), storing both runs of a
    pair together as they finish. Cancelling stops the runs; finished pairs are stored. Every pair names
    `evaluation` (default: a new one) in its context, so pairs of separate evaluations can be told apart
    (`judging.drift`)."""
    info = await engine.info()
    evaluation = evaluation or new_evaluation_id()
    stats = EvalStats(cached=2 * plan.cached)  # test runs, as the unpaired evaluation counts them
    writer = _Writer(store, flush_batch, 0.5)
    gate = asyncio.Semaphore(max(1, concurrency))
    start = time.perf_counter()
    if progress:
        progress(0, plan.to_run)

    async def run_pair(job: PairJob, test: TestCase, k: int) -> None:
        sides = [(job.input_code, code_sha256(job.input_code)), (job.output_code, code_sha256(job.output_code))]
        if (k + test.index) % 2:
            sides.reverse()
        context = pair_context(evaluation)
        try:
            async with gate:
                results = [(await _one(engine, code, test, limits), sha) for code, sha in sides]
        except Exception as exc:  # one pair's engine failure must not stop the others
            stats.failed_jobs += 1
            stats.errors.append(f"{job.problem_id} {test.visibility}:{test.index}: {exc}")
            return
        if any(r is None for r, _ in results):
            stats.errors.append(f"{job.problem_id} {test.visibility}:{test.index}: the engine returned no result")
            return
        for result, sha in results:
            assert result is not None
            execution = to_execution(dataclasses.replace(result, repeat_index=k), sha, info, limits, TIME,
                                     force=True, source=source)
            writer.add(dataclasses.replace(execution, context=context))
            stats.executed += 1
        if progress:
            progress(1, plan.to_run)

    units = [(job, test, k) for job in plan.jobs for test, ks in zip(job.tests, job.missing, strict=True)
             for k in ks]
    try:
        await asyncio.gather(*(run_pair(*unit) for unit in units))
    finally:
        writer.flush()
        stats.seconds = time.perf_counter() - start
        store.log_evaluation(run_id=plan.run_id or None, engine=info.name, engine_version=info.version,
                             executed=stats.executed, cached=stats.cached, seconds=stats.seconds)
    return stats



async def evaluate_paired_auto(
    store: Store,
    engine: Engine,
    run_id: str,
    limits: Limits,
    *,
    visibility: str | None = "private",
    final_round_only: bool = True,
    progress: ProgressFn | None = None,
    start: int = AUTO_START,
    max_samples: int = AUTO_MAX_SAMPLES,
    relative: float = AUTO_RELATIVE,
) -> AutoResult:
    """`ecco eval --repeat auto` (paired): `start` pairs per test for every (input, output) of the run, then, round
    by round, about 1.5x as many for each whose speedup interval (the verdict's: `judging.paired_intervals`) is
    still wider than +-`relative` of its point, until it is that narrow or has `max_samples` pairs per test.
    Stored pairs count; every pair is stored. Outputs identical to their input are not paired (see the module)."""
    from ecco_tui.services.judging import Measurements
    from ecco_tui.services.judging.verdict import paired_intervals

    if not 1 <= start <= max_samples:
        raise ValueError(f"start must be in 1..{max_samples}, got {start}")
    info = await engine.info()
    codes = {(pid, code_sha256(slow), code_sha256(code)): (slow, code)
             for pid, slow, code in run_pairs(store, run_id, final_round_only=final_round_only)
             if slow is not None and code_sha256(slow) != code_sha256(code)}
    stats = EvalStats()
    result = AutoResult(run_id, EvalPlan(run_id=run_id, programs=2 * len(codes)), stats, pairs=len(codes))
    todo: set[PairKey] = set(codes)
    intervals: dict[PairKey, tuple[float, float, float] | None] = {}
    repeat = start
    evaluation = new_evaluation_id()  # every round of this command is one evaluation
    while todo:
        plan = plan_pairs(store, run_id, info, limits, visibility=visibility, repeat=repeat,
                          final_round_only=final_round_only, only=todo)
        if result.rounds == 0:
            result.plan.missing_tests = plan.missing_tests
        done = await execute_pairs(store, engine, plan, limits, source="ecco eval --repeat auto", progress=progress,
                                   evaluation=evaluation)
        stats.executed += done.executed
        if result.rounds == 0:  # pairs stored before the command (later rounds count this one's again)
            stats.cached = done.cached
        stats.failed_jobs += done.failed_jobs
        stats.errors += done.errors
        stats.seconds += done.seconds
        result.rounds += 1
        outputs = store.run_outputs(run_id, final_round_only=final_round_only)
        data = Measurements(store, run_id, engine=info.name, visibility=visibility, outputs=outputs)
        for key in todo:
            slow, code = codes[key]
            intervals[key] = paired_intervals(data.adjacent(slow, code, key[0]))[0]
        todo = {key for key in todo if intervals[key] is not None and not within_relative(intervals[key], relative)}
        if repeat >= max_samples:
            break
        repeat = next_sample_count(repeat, max_samples)
    result.no_interval = sum(ci is None for ci in intervals.values())
    result.capped = len(todo)
    result.narrow = len(intervals) - result.no_interval - result.capped
    result.plan.to_run, result.plan.cached = stats.executed, stats.cached
    return result
