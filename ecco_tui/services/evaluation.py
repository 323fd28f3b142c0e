"""`ecco eval`: execute every input and output of a run, store each per-test result as it arrives.

Executions are content-addressed: a result is identified by the program text's hash, the test's content
hash, the engine and its version, the limits and the measurement mode. Before running anything the plan
asks the store which of those keys exist, so a killed evaluation resumes where it stopped, and a slow
input shared by many runs is executed once per test. `force=True` re-runs and the newest result wins.

Measurement modes (the `mode` of an execution, part of its key):

* ``time`` — CPU time, wall time and memory of one plain run.
* ``instructions`` — the same plain run, plus a second run of the test under valgrind (local engine,
  ``count_instructions=True``) whose instruction count is stored beside the CPU time. Counts are
  deterministic, so only repeat 0 is counted; further repeats of an instruction-count evaluation are plain
  runs, stored as ``time``.

A request is satisfied by what was measured: repeat 0 of an ``instructions`` request needs an execution
whose newest measurement (under the same engine version and limits) is of mode ``instructions`` — a stored
CPU-only result does not do; every other (test, repeat) is satisfied by an execution of either mode, since
an ``instructions`` execution holds a plain run's CPU time too. So `eval`, then `eval --cost instructions`,
executes again only repeat 0 of each test (now counted), and a second `--cost instructions` is fully cached.

Repeats: `repeat=k` asks for repeat indices 0..k-1 of every test; the engine runs only the missing ones (their
indices are mapped back). `evaluate_auto` (`ecco eval --repeat auto`) adds repeats pair by pair until the
pair's speedup interval lies within ±5% of its point or every test of both programs has 15 samples,
counting the samples already stored.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import math
import shutil
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field

from ecco_tui.engines.base import Engine, EngineError, EngineInfo, Limits, TestCase, TestResult, code_sha256
from ecco_tui.metrics.stats import (
    measurement_speedup_ci,
    measurement_total_ci,
    runtime_samples,
    within_relative,
)
from ecco_tui.model import Execution, StoredTest
from ecco_tui.services.report import raw_measures
from ecco_tui.store.store import Store, StoreError

EXCERPT_CHARS = 4096

TIME = "time"
INSTRUCTIONS = "instructions"
MODES = (TIME, INSTRUCTIONS)

#: `--repeat auto`: samples per test to start from (so the spread is measured, not assumed), the cap, and
#: the target: the pair's speedup interval within ±AUTO_RELATIVE of its point.
AUTO_START = 3
AUTO_MAX_SAMPLES = 15
AUTO_RELATIVE = 0.05
AUTO_N_BOOT = 1000  # as the report's verdicts, with the same seed: auto stops on the interval the report shows

TestKey = tuple[str, int, str | None, int]  # (visibility, test index, test sha256, repeat)


def cost_problem(cost: str, engine_name: str, *, valgrind: str = "valgrind") -> str | None:
    """Why `--cost` cannot be honoured with this engine here (one line), or None."""
    if cost not in MODES:
        return f"--cost: must be time or instructions, not {cost!r}"
    if cost == INSTRUCTIONS:
        if engine_name != "local":
            return (f"--cost instructions: instruction counts need the local engine (valgrind); the {engine_name} "
                    "engine cannot count them")
        if shutil.which(valgrind) is None:
            return "--cost instructions: valgrind is not installed (e.g. apt-get install valgrind)"
    return None


def parse_repeat(text: str, *, maximum: int = 20) -> int | None:
    """`--repeat`: a number of runs per test (1..maximum), or "auto" (returned as None)."""
    if text.strip().lower() == "auto":
        return None
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"--repeat: must be a number from 1 to {maximum} or auto, not {text!r}") from None
    if not 1 <= value <= maximum:
        raise ValueError(f"--repeat: must be a number from 1 to {maximum} or auto, not {text!r}")
    return value


@dataclass(frozen=True, slots=True)
class ProgramJob:
    """One program to run on the tests of one problem that have no stored result yet."""

    code: str
    code_sha256: str
    problem_id: str
    role: str  # input | output | human (a human solution a generation run's percentiles rank among)
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
    instructions_counted: int = 0  # executed test runs that came back with an instruction count

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
    output's code (all samples; by default the last round of each row, as ECCO evaluates); for a generation run,
    also a sample of each problem's human solutions ("human"), which its percentiles rank the outputs among on
    the same engine (`services.judging.spectra`)."""
    from ecco_tui.services.judging.spectra import HUMAN_SAMPLE

    run = store.get_run(run_id)
    if run is None:
        known = ", ".join(r.run_id for r in store.runs()) or "none"
        raise StoreError(f"no run named {run_id!r} (runs: {known})")
    outputs = store.run_outputs(run_id, final_round_only=final_round_only)
    seen: set[tuple[str, str]] = set()
    programs: list[tuple[str, str, str]] = []
    found = store.get_pairs(sorted({o.pair_id for o in outputs if o.pair_id})) if run.task == "edit" else {}
    for out in outputs:
        pair = found.get(out.pair_id) if out.pair_id else None
        slow = pair.slow.code if pair else ""
        if slow and (code_sha256(slow), out.problem_id) not in seen:
            seen.add((code_sha256(slow), out.problem_id))
            programs.append(("input", out.problem_id, slow))
        if out.code and out.code.strip() and (code_sha256(out.code), out.problem_id) not in seen:
            seen.add((code_sha256(out.code), out.problem_id))
            programs.append(("output", out.problem_id, out.code))
    if run.task == "generate":
        humans = store.human_programs(sorted({o.problem_id for o in outputs}), limit=HUMAN_SAMPLE)
        for problem_id, sampled in humans.items():
            for sha, code in sampled:
                if (sha, problem_id) not in seen:
                    seen.add((sha, problem_id))
                    programs.append(("human", problem_id, code))
    return programs


def measured_keys(
    store: Store, code_sha: str, problem_id: str, info: EngineInfo, limits: Limits, mode: str = TIME
) -> tuple[set[TestKey], set[TestKey]]:
    """What is stored for one program under this engine version and these limits: the (test, repeat) keys
    measured in any mode, and — for an ``instructions`` request — those whose newest measurement counted
    instructions (a later CPU-only re-run, e.g. `--force`, supersedes a count, as the report sees it)."""
    if mode not in MODES:
        raise ValueError(f"unknown measurement mode {mode!r} (one of {', '.join(MODES)})")
    conditions = {"engine": info.name, "engine_version": info.version, "limits_key": limits.key()}
    any_mode: set[TestKey] = set()
    for m in MODES:
        any_mode |= store.cached_execution_keys(code_sha, problem_id, mode=m, **conditions)
    if mode != INSTRUCTIONS:
        return any_mode, set()
    newest: dict[TestKey, str] = {}
    for e in store.executions_for(code_sha, problem_id, engine=info.name):  # oldest first within a key
        if e.engine_version == info.version and e.limits_key == limits.key():
            newest[(e.visibility, e.test_idx, e.test_sha256, e.repeat_idx)] = e.mode
    return any_mode, {k for k, m in newest.items() if m == INSTRUCTIONS}


def plan_program(
    store: Store,
    role: str,
    problem_id: str,
    code: str,
    tests: Sequence[TestCase],
    info: EngineInfo,
    limits: Limits,
    repeats: range,
    *,
    mode: str = TIME,
    force: bool = False,
    add: bool = False,
) -> tuple[ProgramJob | None, int, int]:
    """One program's job for the repeat indices in `repeats` that are not stored yet: (job or None, cached,
    to run). Repeat 0 of an ``instructions`` request needs a counted measurement; anything else any.

    `force`: run `repeats` again (a run of a stored repeat index supersedes it: the newest wins). `add`: run
    `len(repeats)` new samples per test, after the stored ones, which they join (re-runs add evidence)."""
    sha = code_sha256(code)
    measured = not force or add
    done_any, done_counted = measured_keys(store, sha, problem_id, info, limits, mode) if measured else (set(), set())
    stored_top: dict[tuple[str, int, str | None], int] = {}
    if add:
        for vis, idx, test_sha, r in done_any:
            stored_top[(vis, idx, test_sha)] = max(r, stored_top.get((vis, idx, test_sha), -1))
        done_any, done_counted = set(), set()
    cached = to_run = 0
    todo_tests, todo_repeats = [], []
    for test in tests:
        missing = []
        first = stored_top.get((test.visibility, test.index, test.sha256), -1) + 1
        for r in (range(first, first + len(repeats)) if add else repeats):
            key = (test.visibility, test.index, test.sha256, r)
            done = key in done_counted if mode == INSTRUCTIONS and r == 0 else key in done_any
            if not done:
                missing.append(r)
        cached += len(repeats) - len(missing)
        if missing:
            todo_tests.append(test)
            todo_repeats.append(tuple(missing))
            to_run += len(missing)
    job = ProgramJob(code, sha, problem_id, role, tuple(todo_tests), tuple(todo_repeats)) if todo_tests else None
    return job, cached, to_run


def plan_evaluation(
    store: Store,
    programs: Sequence[tuple[str, str, str]],
    info: EngineInfo,
    limits: Limits,
    *,
    run_id: str = "",
    visibility: str | None = "private",
    repeat: int = 1,
    mode: str = TIME,
    force: bool = False,
    add: bool = False,
) -> EvalPlan:
    """Which (program, test, repeat) executions are missing for `repeat` runs per test in `mode` (`force`,
    `add`: see `plan_program`)."""
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
        job, cached, to_run = plan_program(store, role, problem_id, code, tests, info, limits, range(repeat),
                                           mode=mode, force=force, add=add)
        plan.cached += cached
        plan.to_run += to_run
        if job is not None:
            plan.jobs.append(job)
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
    """Buffers executions and writes them in small transactions, so a kill loses at most one batch (or the
    results of the last flush interval: `execute_plan` also flushes on a timer)."""

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


@dataclass(frozen=True, slots=True)
class _Unit:
    """Tests of one job that miss the same repeat indices: one engine call."""

    job: ProgramJob
    tests: tuple[TestCase, ...]
    repeats: tuple[int, ...]
    counting: bool  # repeat 0 of an instructions request: run on the counting engine


def _units(plan: EvalPlan, mode: str, split_counted: bool) -> list[_Unit]:
    """Engine calls for the plan. In instructions mode a counted repeat 0 is its own call when a plain engine
    can take the other repeats (`split_counted`); otherwise they share the counting engine's call."""
    units = []
    for job in plan.jobs:
        groups: dict[tuple[int, ...], list[TestCase]] = defaultdict(list)
        for test, repeats in zip(job.tests, job.repeats, strict=True):
            groups[repeats].append(test)
        for repeats, tests in groups.items():
            counting = mode == INSTRUCTIONS and repeats[0] == 0
            if counting and split_counted and len(repeats) > 1:
                units.append(_Unit(job, tuple(tests), (0,), True))
                units.append(_Unit(job, tuple(tests), repeats[1:], False))
            else:
                units.append(_Unit(job, tuple(tests), repeats, counting))
    return units


async def execute_plan(
    store: Store,
    engine: Engine,
    plan: EvalPlan,
    limits: Limits,
    *,
    repeat: int = 1,
    mode: str = TIME,
    force: bool = False,
    source: str = "ecco eval",
    concurrency: int = 4,
    progress: ProgressFn | None = None,
    flush_batch: int = 64,
    flush_interval_s: float = 0.5,
    plain_engine: Engine | None = None,
) -> EvalStats:
    """Run the plan's jobs (several programs in flight; the engine bounds the processes) and store every
    result as it arrives. On cancellation the results received so far are written before returning.

    Only the missing repeats run (the engine's repeat indices are mapped to them). In ``instructions`` mode
    `engine` must count instructions (`LocalEngine(count_instructions=True)`; it counts its repeat 0) and runs
    the tests whose repeat 0 is missing; the other repeats need no count and run on `plain_engine` when
    given (after the counted ones, so the two engines never compete for the cores), else on `engine`.
    `repeat` is accepted for compatibility; the plan says what to run."""
    del repeat
    if mode not in MODES:
        raise ValueError(f"unknown measurement mode {mode!r} (one of {', '.join(MODES)})")
    info = await engine.info()
    plain = plain_engine if plain_engine is not None else engine
    if plain is not engine:
        plain_info = await plain.info()
        if (plain_info.name, plain_info.version) != (info.name, info.version):
            raise EngineError(f"the counting and plain engines differ: {info.version} vs {plain_info.version}")
    stats = EvalStats(cached=plan.cached)
    writer = _Writer(store, flush_batch, flush_interval_s)
    gate = asyncio.Semaphore(max(1, concurrency))
    start = time.perf_counter()
    if progress:
        progress(0, plan.to_run)

    async def run_unit(unit: _Unit) -> None:
        job = unit.job
        eng = engine if unit.counting else plain
        async with gate:
            try:
                async with aclosing(eng.run(job.code, unit.tests, limits, repeat=len(unit.repeats))) as results:
                    async for result in results:
                        if not 0 <= result.repeat_index < len(unit.repeats):
                            continue
                        r = unit.repeats[result.repeat_index]
                        if r != result.repeat_index:
                            result = dataclasses.replace(result, repeat_index=r)
                        measured = INSTRUCTIONS if unit.counting and r == 0 else TIME
                        writer.add(to_execution(result, job.code_sha256, info, limits, measured, force=force,
                                                source=source))
                        stats.executed += 1
                        stats.instructions_counted += result.instructions is not None
                        if progress:
                            progress(1, plan.to_run)
            except Exception as exc:  # one program's engine failure must not stop the others
                stats.failed_jobs += 1
                stats.errors.append(f"{job.problem_id} {job.role} {job.code_sha256[:8]}: {exc}")

    async def flush_periodically() -> None:
        # Results that arrive just before a long program starts must not wait for its end to be stored.
        while True:
            await asyncio.sleep(flush_interval_s)
            writer.flush()

    units = _units(plan, mode, split_counted=plain is not engine)
    phases = [units] if plain is engine else [[u for u in units if u.counting], [u for u in units if not u.counting]]
    ticker = asyncio.create_task(flush_periodically())
    try:
        for phase in phases:
            await asyncio.gather(*(run_unit(u) for u in phase))
    finally:
        ticker.cancel()
        writer.flush()
        stats.seconds = time.perf_counter() - start
        store.log_evaluation(run_id=plan.run_id or None, engine=info.name, engine_version=info.version,
                             executed=stats.executed, cached=stats.cached, seconds=stats.seconds)
    return stats


# -- --repeat auto ------------------------------------------------------------------------------------------


def run_pairs(store: Store, run_id: str, *, final_round_only: bool = True) -> list[tuple[str, str | None, str]]:
    """(problem_id, input code or None, output code) of every output of a run that has code: the slow input of
    its pair for an editing run, None for a generation run. Duplicates (same texts) are listed once."""
    run = store.get_run(run_id)
    if run is None:
        known = ", ".join(r.run_id for r in store.runs()) or "none"
        raise StoreError(f"no run named {run_id!r} (runs: {known})")
    seen: set[tuple[str, str | None, str]] = set()
    pairs = []
    outputs = [o for o in store.run_outputs(run_id, final_round_only=final_round_only) if o.code and o.code.strip()]
    found = store.get_pairs(sorted({o.pair_id for o in outputs if o.pair_id})) if run.task == "edit" else {}
    slow_of = {pid: p.slow.code if p.slow.code.strip() else None for pid, p in found.items()}
    for out in outputs:
        assert out.code is not None  # kept above: outputs with code
        slow = slow_of.get(out.pair_id) if out.pair_id else None
        key = (out.problem_id, code_sha256(slow) if slow else None, code_sha256(out.code))
        if key not in seen:
            seen.add(key)
            pairs.append((out.problem_id, slow, out.code))
    return pairs


def next_sample_count(samples: int, maximum: int = AUTO_MAX_SAMPLES) -> int:
    """How many samples per test to ask for after `samples` left the interval too wide: about 1.5× as many,
    at least two more, at most `maximum` (3 → 5 → 8 → 12 → 15)."""
    return min(maximum, max(samples + 2, math.ceil(samples * 1.5)))


@dataclass
class AutoResult:
    """What `evaluate_auto` did for one run."""

    run_id: str
    plan: EvalPlan  # totals over every round: programs, cached and executed test runs
    stats: EvalStats
    rounds: int = 0
    pairs: int = 0
    narrow: int = 0  # pairs whose interval ended within ±AUTO_RELATIVE
    capped: int = 0  # pairs still wider at the sample cap
    no_interval: int = 0  # pairs with nothing to narrow (no test completed by both programs)
    samples: dict[str, int] = field(default_factory=dict)  # program sha → samples per test (fewest over tests)


ProgramKey = tuple[str, str]  # (code sha256, problem id)


def _samples_by_program(
    store: Store, shas: Sequence[str], info: EngineInfo, limits: Limits, visibility: str | None,
    below: dict[ProgramKey, int] | None,
) -> dict[ProgramKey, list[Execution]]:
    """The executions the report would read (newest per test and repeat, content-addressed), restricted to this
    engine version and limits, and with `below` (after `--force`) to the repeats measured in this session."""
    grouped: dict[ProgramKey, list[Execution]] = defaultdict(list)
    for e in store.latest_executions(list(shas), engine=info.name, visibility=visibility):
        if e.context is not None or e.engine_version != info.version or e.limits_key != limits.key():
            continue
        key = (e.code_sha256, e.problem_id)
        if below is not None and e.repeat_idx >= below.get(key, 0):
            continue
        grouped[key].append(e)
    return grouped


def _sample_count(executions: Sequence[Execution], tests: Sequence[TestCase]) -> int:
    repeats: dict[tuple[str, int], set[int]] = defaultdict(set)
    for e in executions:
        repeats[(e.visibility, e.test_idx)].add(e.repeat_idx)
    return min((len(repeats.get((t.visibility, t.index), ())) for t in tests), default=0)


def pair_interval(input_executions: Sequence[Execution] | None,
                  output_executions: Sequence[Execution]) -> tuple[float, float, float] | None:
    """The interval `--repeat auto` narrows: the pair's speedup interval from measurement noise, as the report's
    verdict computes it; for an output without an input (generation), the interval of its total CPU time."""
    if input_executions is None:
        return measurement_total_ci(runtime_samples(raw_measures(output_executions)), n_boot=AUTO_N_BOOT, seed=0)
    if not input_executions or not output_executions:
        return None
    return measurement_speedup_ci(raw_measures(input_executions), raw_measures(output_executions),
                                  n_boot=AUTO_N_BOOT, seed=0)


async def evaluate_auto(
    store: Store,
    engine: Engine,
    run_id: str,
    limits: Limits,
    *,
    visibility: str | None = "private",
    mode: str = TIME,
    force: bool = False,
    final_round_only: bool = True,
    plain_engine: Engine | None = None,
    source: str = "ecco eval",
    progress: ProgressFn | None = None,
    start: int = AUTO_START,
    max_samples: int = AUTO_MAX_SAMPLES,
    relative: float = AUTO_RELATIVE,
    max_rounds: int = 12,
) -> AutoResult:
    """`ecco eval --repeat auto`: measure every program `start` times per test, then, round by round, repeat the
    input and output of each pair whose speedup interval is wider than ±`relative` of its point, about 1.5×
    more samples a round, until it is narrow enough or both programs have `max_samples` samples on every test.

    Samples already stored count (a run evaluated with `--repeat 5` starts from 5); every sample is stored. A
    program shared by several pairs gets the most samples any of them needs. With `force`, the stored samples
    are re-measured (each repeat index once in this session) and only this session's samples count."""
    if not 1 <= start <= max_samples:
        raise ValueError(f"start must be in 1..{max_samples}, got {start}")
    info = await engine.info()
    programs = run_programs(store, run_id, final_round_only=final_round_only)
    pairs = run_pairs(store, run_id, final_round_only=final_round_only)
    tests_by_problem: dict[str, list[TestCase]] = {}
    missing_tests: list[str] = []
    for _, problem_id, _ in programs:
        if problem_id not in tests_by_problem:
            tests_by_problem[problem_id] = [to_engine_test(t) for t in store.tests_for(problem_id, visibility)]
            if not tests_by_problem[problem_id]:
                missing_tests.append(problem_id)
    code_of = {(code_sha256(code), pid): (role, pid, code) for role, pid, code in programs}
    target = dict.fromkeys(code_of, start)
    planned = dict.fromkeys(code_of, 0)  # repeats below this were planned in an earlier round
    total = EvalPlan(run_id=run_id, programs=len(programs), missing_tests=missing_tests)
    stats = EvalStats()
    result = AutoResult(run_id, total, stats, pairs=len(pairs))
    shas = sorted({sha for sha, _ in code_of})
    measured: dict[ProgramKey, list[Execution]] = {}
    counts: dict[ProgramKey, int] = {}

    def round_progress(advance: int, _total: int) -> None:
        if progress:
            progress(advance, total.to_run)

    while result.rounds < max_rounds:
        plan = EvalPlan(run_id=run_id, programs=len(programs))
        for key, (role, pid, code) in code_of.items():
            tests = tests_by_problem[pid]
            if not tests or target[key] <= planned[key]:
                continue
            job, cached, to_run = plan_program(store, role, pid, code, tests, info, limits,
                                               range(planned[key], target[key]), mode=mode, force=force)
            planned[key] = target[key]
            plan.cached += cached
            plan.to_run += to_run
            if job is not None:
                plan.jobs.append(job)
        result.rounds += 1
        total.cached += plan.cached
        total.to_run += plan.to_run
        stats.cached += plan.cached
        if progress:
            progress(0, total.to_run)
        if plan.jobs:
            done = await execute_plan(store, engine, plan, limits, mode=mode, force=force, source=source,
                                      progress=round_progress, plain_engine=plain_engine)
            stats.executed += done.executed
            stats.instructions_counted += done.instructions_counted
            stats.failed_jobs += done.failed_jobs
            stats.seconds += done.seconds
            stats.errors.extend(done.errors)
        measured = _samples_by_program(store, shas, info, limits, visibility, planned if force else None)
        counts = {key: _sample_count(measured.get(key, []), tests_by_problem[key[1]]) for key in code_of}
        wanted = _more_samples(pairs, measured, counts, max_samples, relative)
        grow = {key: n for key, n in wanted.items() if n > target[key]}
        if not grow:  # every pair narrow, capped, or unable to get more samples (its runs failed)
            break
        target.update(grow)
    result.narrow, result.capped, result.no_interval = _tally(pairs, measured, counts, max_samples, relative)
    result.samples = {sha: counts.get((sha, pid), 0) for sha, pid in code_of}
    return result


def _pair_keys(pair: tuple[str, str | None, str]) -> tuple[ProgramKey | None, ProgramKey]:
    problem_id, slow, code = pair
    return ((code_sha256(slow), problem_id) if slow else None), (code_sha256(code), problem_id)


def _pair_state(pair: tuple[str, str | None, str], measured: dict[ProgramKey, list[Execution]],
                counts: dict[ProgramKey, int], max_samples: int, relative: float) -> str:
    """narrow | capped | none (no interval) | wide, for one pair after a round."""
    inp, out = _pair_keys(pair)
    interval = pair_interval(measured.get(inp, []) if inp else None, measured.get(out, []))
    if interval is None:
        return "none"
    if within_relative(interval, relative):
        return "narrow"
    sides = [k for k in (inp, out) if k is not None]
    return "capped" if all(counts.get(k, 0) >= max_samples for k in sides) else "wide"


def _more_samples(pairs: Sequence[tuple[str, str | None, str]], measured: dict[ProgramKey, list[Execution]],
                  counts: dict[ProgramKey, int], max_samples: int, relative: float) -> dict[ProgramKey, int]:
    """Samples per test each program needs next: more for both sides of every pair still too wide."""
    wanted: dict[ProgramKey, int] = {}
    for pair in pairs:
        if _pair_state(pair, measured, counts, max_samples, relative) != "wide":
            continue
        for key in _pair_keys(pair):
            if key is not None and counts.get(key, 0) < max_samples:
                wanted[key] = max(wanted.get(key, 0), next_sample_count(counts.get(key, 0), max_samples))
    return wanted


def _tally(pairs: Sequence[tuple[str, str | None, str]], measured: dict[ProgramKey, list[Execution]],
           counts: dict[ProgramKey, int], max_samples: int, relative: float) -> tuple[int, int, int]:
    states = [_pair_state(p, measured, counts, max_samples, relative) for p in pairs]
    # A pair still "wide" after the last round (its samples could not grow) is reported with the capped ones.
    return states.count("narrow"), states.count("capped") + states.count("wide"), states.count("none")
