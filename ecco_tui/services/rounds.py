"""The app's refinement rounds: one more model round (`f`), a hand edit saved as a round (`e`), running a
program on the public tests while editing, measuring a new round on every test, and a chain's timeline (`h`).

A *chain* is one (run, row, sample) and its rounds 0..N (`services.refine`). Nothing here changes an existing
run: every action makes a run of its own, so `ecco report` of every run that existed before is byte-identical
after it (an imported run, the run the output is in, a run an earlier action made) —

* a model round (`refine_next_round`) goes to a new run `<run>-<method>-<model>-<UTC time>`
  (`refine.new_run_name`), seeded with a copy of the chain's history up to the round it is made from; a
  failed round (model error, no code block) is stored there with its reason, and the next `f` makes another
  new run. `f` on a round that is itself in a run the app made is no different: a new run again;
* a manual round (`save_manual_round`) goes to a new run `<run>-manual-edit-<author>-<UTC time>` (method
  `manual-edit`, the source's model kept for reference), seeded the same way. Its row's `generation` says
  who edited it and from which output (`{"method": "manual-edit", "author": …, "from_output": …}`). A
  manual edit is not a model output: the problem browser's output count and pass@1 leave manual-edit runs
  out, it never enters the human solutions (`Store.human_programs`, the spectra), and the compare view
  labels it "manual edit by <author>". Its own `ecco report` line says method manual-edit.

Either way the new row is the round after the one it was made from, and the chain in its run holds the whole
history (copied rows carry `{"copied_from": <the original row>}`), so the timeline of the new round shows every
round before it.

Concurrency: a chain is written by one task at a time (`refine.claim_chain`, the registry `refine_output`
uses; a second writer of the same chain raises `RefineBusyError`); as every action writes a run of its own, two
actions never share a chain, and the app runs one job at a time per view anyway.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import AsyncExitStack, aclosing
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from ecco_tui.config import Settings
from ecco_tui.engines.base import Engine, EngineInfo, Limits, TestCase, TestResult, code_sha256
from ecco_tui.ingest.release import program_id_for
from ecco_tui.model import ModelOutput, Run
from ecco_tui.refine.client import Completion, ModelClient, ModelConfigError, ModelSettings
from ecco_tui.services import refine
from ecco_tui.services.catalog import Catalog
from ecco_tui.services.engines import EngineError, limits_from, open_engine
from ecco_tui.services.evaluation import execute_plan, plan_evaluation
from ecco_tui.services.refine import RefineBusyError
from ecco_tui.services.rerun import RerunEvent, RerunSummary, test_label
from ecco_tui.store.store import Store

__all__ = [
    "MANUAL_METHOD",
    "PublicRun",
    "PublicTestResult",
    "RefineBusyError",
    "RoundError",
    "RoundEvent",
    "RoundInfo",
    "RoundMade",
    "RoundTimeline",
    "chain_timeline",
    "manual_run_for",
    "measure_output",
    "model_missing",
    "model_settings",
    "refine_next_round",
    "run_public_tests",
    "save_manual_round",
]

MANUAL_METHOD = "manual-edit"
SOURCE = "ecco tui round"
NO_MODEL = ("No model configured: set url and name under [model] in the config file (or ECCO_MODEL_URL and "
            "ECCO_MODEL), then press f again.")


class RoundError(Exception):
    """A round that cannot be made as asked; the message is for the user as it is."""


# ------------------------------------------------------------------------------------------------ settings
def model_missing(settings: Settings) -> str | None:
    """Why the refine key cannot work with these settings, or None."""
    return None if settings.model.configured else NO_MODEL


def model_settings(settings: Settings) -> ModelSettings:
    """The client settings of `[model]` (already the client's type); raises RoundError when no model is configured."""
    if not settings.model.configured:
        raise RoundError(NO_MODEL)
    return settings.model


# ---------------------------------------------------------------------------------------------- progress
@dataclass(frozen=True, slots=True)
class RoundEvent:
    """What a model round is doing now: `text` for a status line, `done`/`total` tests when tests run."""

    text: str
    done: int | None = None
    total: int | None = None


RoundProgress = Callable[[RoundEvent], None]


class _Tracker:
    """Names the round loop's steps from what it calls: tests before the model answered are the feedback
    run of the round we start from, tests after it are the new candidate's."""

    def __init__(self, progress: RoundProgress | None, start_round: int, model: str) -> None:
        self.progress = progress or (lambda _event: None)
        self.start_round = start_round
        self.model = model
        self.answered = False

    def tests(self, done: int, total: int) -> None:
        if self.answered:
            what = f"running round {self.start_round + 1} on the public tests"
        else:
            what = f"running round {self.start_round} on the public tests for feedback"
        self.progress(RoundEvent(what, done, total))

    def asking(self) -> None:
        self.progress(RoundEvent(f"waiting for {self.model}"))

    def answer(self, completion: Completion) -> None:
        self.answered = True
        self.progress(RoundEvent(f"{self.model} answered" if completion.ok else f"{self.model}: {completion.failure}"))


class _TrackedEngine:
    """An engine that reports every result it passes on (same protocol; the caller closes the inner one)."""

    def __init__(self, inner: Engine, on_result: Callable[[str, TestResult, int, int], None]) -> None:
        self.inner = inner
        self.on_result = on_result

    async def info(self) -> EngineInfo:
        return await self.inner.info()

    async def run(
        self, program: str, tests: Sequence[TestCase], limits: Limits | None = None, *, repeat: int = 1
    ) -> AsyncGenerator[TestResult, None]:
        done, total, sha = 0, len(tests) * repeat, code_sha256(program)
        async with aclosing(self.inner.run(program, tests, limits, repeat=repeat)) as results:
            async for result in results:
                done += 1
                self.on_result(sha, result, done, total)
                yield result

    async def aclose(self) -> None:
        return None


class _TrackedClient:
    """A model client that says when it asks and when it got an answer (the round loop's client protocol)."""

    def __init__(self, inner: ModelClient, tracker: _Tracker) -> None:
        self.inner = inner
        self.tracker = tracker
        self.settings = inner.settings

    def describe(self) -> dict[str, Any]:
        return self.inner.describe()

    async def complete(self, prompt: str) -> Completion:
        self.tracker.asking()
        completion = await self.inner.complete(prompt)
        self.tracker.answer(completion)
        return completion


async def _enter_engine(stack: AsyncExitStack, settings: Settings, given: Engine | None) -> Engine:
    """`given`, or the configured engine closed with `stack` (`open_engine`); a RoundError saying why there is
    none (e.g. Judge0 without a URL)."""
    try:
        return await stack.enter_async_context(open_engine(settings, given=given))
    except EngineError as exc:
        raise RoundError(str(exc)) from None


# ------------------------------------------------------------------------------------------- chain helpers
def _has_code(out: ModelOutput | None) -> bool:
    return out is not None and bool(out.code and out.code.strip())


def _chain(store: Store, run_id: str, out: ModelOutput) -> dict[int, ModelOutput]:
    """round → row of `out`'s chain (same row and sample) in `run_id`; read per problem, not per run."""
    return {o.round: o for o in store.run_outputs(run_id, problem_id=out.problem_id,
                                                  chain=(out.row_idx, out.sample_idx), with_text=True)}


def _last_with_code(store: Store, out: ModelOutput) -> ModelOutput:
    """The round a new round is made from: the output itself, or, when it has no code (a failed round), the
    last round before it in its chain that has some."""
    if _has_code(out):
        return out
    chain = _chain(store, out.run_id, out)
    with_code = [r for r, o in chain.items() if r < out.round and _has_code(o)]
    if not with_code:
        raise RoundError(f"{out.output_id} has no code to refine")
    return chain[max(with_code)]


@dataclass(frozen=True, slots=True)
class RoundMade:
    """A round written: its id, round number, what it was made from, and why it has no code (if so)."""

    output_id: str
    round: int
    run_id: str
    method: str
    from_output: str
    failure: str | None = None

    @property
    def has_code(self) -> bool:
        return self.failure is None


# ------------------------------------------------------------------------------------------- model rounds
def _refine_start(store: Store, out: ModelOutput, method: str, model: str) -> tuple[ModelOutput, str]:
    """The round the next model round is made from (`_last_with_code`) and the new run it goes to."""
    source = store.get_run(out.run_id)
    if source is None:  # pragma: no cover - outputs always belong to a run
        raise RoundError(f"output {out.output_id}: its run {out.run_id!r} is missing")
    start = _last_with_code(store, out)
    return start, refine.new_run_name(store, source.run_id, method, model)


async def refine_next_round(
    store: Store,
    settings: Settings,
    output_id: str,
    *,
    progress: RoundProgress | None = None,
    engine: Engine | None = None,
    client: ModelClient | None = None,
) -> RoundMade:
    """One more model round of the output's chain with the configured method (`[model] method`).

    The round is made from the output (or, for a failed round, the last round before it with code) in a new
    run (see the module doc): pressing `f` on round 1 of a chain makes round 2 of a new run holding copies of
    rounds 0-1. A failed round (model error, no code block) is stored in the new run with its reason and
    returned with `failure` set; the next `f` tries again, in another new run. Raises RoundError for what the user
    must change (no model, bad settings), RefineBusyError when the chain is being refined. `engine`/`client`
    are for tests; by default they are built from `settings` and closed here.
    """
    if store.read_only:
        raise RoundError("The store is open read-only: rounds cannot be saved.")
    ms = model_settings(settings)
    method = settings.refine_method
    out = store.get_output(output_id)
    if out is None:
        raise RoundError(f"no output {output_id!r}")
    start, target = _refine_start(store, out, method, ms.model)
    tracker = _Tracker(progress, start.round, ms.model)
    async with AsyncExitStack() as stack:
        engine = await _enter_engine(stack, settings, engine)
        if client is None:
            try:
                client = ModelClient(ms)
            except ModelConfigError as exc:
                raise RoundError(f"[model]: {exc}") from None
            stack.push_async_callback(client.aclose)
        tracked = _TrackedEngine(engine, lambda _sha, _r, done, total: tracker.tests(done, total))
        written = await refine.refine_output(
            store, tracked, _TrackedClient(client, tracker), start.output_id, method, rounds=1,  # type: ignore[arg-type]
            new_run_id=target, limits=limits_from(settings), retry_failed=True)
    new_id = written[-1] if written else refine.output_id_for(target, start.row_idx, start.sample_idx, start.round + 1)
    new = store.get_output(new_id)
    if new is None:  # pragma: no cover - refine_output wrote it or it was there
        raise RoundError(f"round {start.round + 1} of {target} row {start.row_idx} was not stored")
    return RoundMade(new.output_id, new.round, new.run_id, method, start.output_id,
                     None if _has_code(new) else (new.failure or "no code"))


# ------------------------------------------------------------------------------------------- manual rounds
def manual_run_for(run: Run, author: str = "<author>") -> str:
    """What the run a manual edit of one of `run`'s rounds goes to is called, for the edit screen to say (the
    time is the save's: see the module doc)."""
    return f"{run.run_id}-{MANUAL_METHOD}-{refine.run_name_part(author)}-<time>"


def _copies(store: Store, history: Sequence[ModelOutput], target: str) -> list[dict[str, Any]]:
    """Rows copying the chain's history into the new run (the shape `refine`'s seeding writes); a copy of a
    copy names the original row."""
    origins = store.output_generations([o.output_id for o in history])
    rows = []
    for o in history:
        origin = origins.get(o.output_id, {}).get("copied_from")
        rows.append({
            **dataclasses.asdict(o),  # every column of the row (ModelOutput's fields are the table's), then the copy's
            "output_id": refine.output_id_for(target, o.row_idx, o.sample_idx, o.round), "run_id": target,
            "feedback_prompt": None,
            "generation": json.dumps({"copied_from": origin if isinstance(origin, str) else o.output_id}),
        })
    return rows


def save_manual_round(store: Store, output_id: str, code: str, author: str) -> RoundMade:
    """Store `code`, edited by `author` from output `output_id`, as the next round of its chain in a new
    manual-edit run (see the module doc). Refuses an empty or unchanged program."""
    if store.read_only:
        raise RoundError("The store is open read-only: the edit cannot be saved.")
    out = store.get_output(output_id)
    if out is None:
        raise RoundError(f"no output {output_id!r}")
    if not code.strip():
        raise RoundError("The program is empty: nothing to save.")
    if out.code and code_sha256(code) == code_sha256(out.code):
        raise RoundError("The program is unchanged: edit it before saving it as a round.")
    source = store.get_run(out.run_id)
    if source is None:  # pragma: no cover - outputs always belong to a run
        raise RoundError(f"output {output_id}: its run {out.run_id!r} is missing")
    target = refine.new_run_name(store, source.run_id, MANUAL_METHOD, author)
    with refine.claim_chain(store, target, out.row_idx, out.sample_idx):
        history = sorted((o for o in _chain(store, source.run_id, out).values() if o.round <= out.round),
                         key=lambda o: o.round)
        copies = _copies(store, history, target)
        rnd = out.round + 1
        new_id = refine.output_id_for(target, out.row_idx, out.sample_idx, rnd)
        program_id = program_id_for(out.problem_id, code)
        generation = {"method": MANUAL_METHOD, "author": author, "from_output": out.output_id, "source": SOURCE}
        row = {
            "output_id": new_id, "run_id": target, "row_idx": out.row_idx, "sample_idx": out.sample_idx,
            "round": rnd, "problem_id": out.problem_id, "pair_id": out.pair_id, "program_id": program_id,
            "code": code, "raw_response": None, "prompt": None, "feedback": None, "exec_feedback": None,
            "reflection": None, "failure": None, "feedback_prompt": None,
            "generation": json.dumps(generation, sort_keys=True),
        }
        with store.transaction() as tx:
            settings = {"refined_from": source.run_id, "method": MANUAL_METHOD, "author": author}
            tx.upsert("runs", pa.Table.from_pylist([{
                "run_id": target, "task": source.task, "model": source.model, "method": MANUAL_METHOD,
                "split": source.split, "source_file": None, "settings": json.dumps(settings, sort_keys=True),
            }]))
            tx.upsert("programs", pa.Table.from_pylist([{
                "program_id": program_id, "problem_id": out.problem_id, "code": code,
                "code_sha256": code_sha256(code), "language": "Python",
            }]))
            tx.upsert("model_outputs", pa.Table.from_pylist([*copies, row], schema=refine.OUTPUT_SCHEMA))
            tx.execute("UPDATE model_outputs SET created_at = current_timestamp WHERE output_id = ?", [new_id])
    return RoundMade(new_id, rnd, target, MANUAL_METHOD, out.output_id)


# ------------------------------------------------------------------------------------------ running code
@dataclass(frozen=True, slots=True)
class PublicTestResult:
    label: str  # "public:0"
    status: str
    passed: bool
    cpu_time_s: float | None
    memory_kb: float | None


@dataclass(frozen=True, slots=True)
class PublicRun:
    """An edited program run on its problem's public tests (results stored like any evaluation's)."""

    code_sha256: str
    engine: str
    results: tuple[PublicTestResult, ...]
    errors: tuple[str, ...] = ()

    @property
    def n_passed(self) -> int:
        return sum(r.passed for r in self.results)


async def run_public_tests(
    store: Store,
    settings: Settings,
    problem_id: str,
    code: str,
    *,
    progress: Callable[[RerunEvent], None] | None = None,
    engine: Engine | None = None,
) -> PublicRun:
    """Run `code` on every public test of `problem_id` now (force: an editor's run button runs), storing the
    results; `progress` hears each test as it finishes. Raises RoundError when there are no public tests."""
    if not code.strip():
        raise RoundError("The program is empty.")
    limits = limits_from(settings)
    sha = code_sha256(code)
    results: dict[str, PublicTestResult] = {}
    async with AsyncExitStack() as stack:
        engine = await _enter_engine(stack, settings, engine)
        info = await engine.info()
        plan = plan_evaluation(store, [("output", problem_id, code)], info, limits, visibility="public", force=True)
        if plan.missing_tests:
            raise RoundError(f"{problem_id} has no public tests stored")

        def seen(_sha: str, result: TestResult, _done: int, _total: int) -> None:
            label = test_label(result.test)
            results[label] = PublicTestResult(label, result.status_description, result.accepted,
                                              result.cpu_time_s, result.memory_kb)
            if progress:
                progress(RerunEvent(sha, label, result.status_description, result.accepted, len(results),
                                    plan.to_run))

        stats = await execute_plan(store, _TrackedEngine(engine, seen), plan, limits, force=True, source=SOURCE,
                                   concurrency=1, flush_batch=1)
    ordered = tuple(results[k] for k in sorted(results, key=lambda k: int(k.partition(":")[2])))
    return PublicRun(sha, info.name, ordered, tuple(stats.errors))


async def measure_output(
    store: Store,
    settings: Settings,
    output_id: str,
    *,
    progress: Callable[[RerunEvent], None] | None = None,
    engine: Engine | None = None,
) -> RerunSummary:
    """Measure a (new) round on every test, with its slow input, where this engine has no result yet: the
    tests the round loop ran are reused, the rest run now, so the round gets its pass@1 and speedup.
    Cancelling stops the runs; what finished is stored."""
    out = store.get_output(output_id)
    if out is None:
        raise RoundError(f"no output {output_id!r}")
    programs: list[tuple[str, str, str]] = []
    pair = store.get_pair(out.pair_id) if out.pair_id else None
    if pair is not None and pair.slow.code.strip():
        programs.append(("input", out.problem_id, pair.slow.code))
    if _has_code(out):
        programs.append(("output", out.problem_id, out.code or ""))
    limits = limits_from(settings)
    async with AsyncExitStack() as stack:
        engine = await _enter_engine(stack, settings, engine)
        info = await engine.info()
        plan = plan_evaluation(store, programs, info, limits, visibility=None)
        done = 0

        def seen(sha: str, result: TestResult, _done: int, _total: int) -> None:
            nonlocal done
            done += 1
            if progress:
                progress(RerunEvent(sha, test_label(result.test), result.status_description, result.accepted, done,
                                    plan.to_run))

        stats = await execute_plan(store, _TrackedEngine(engine, seen), plan, limits, source=SOURCE, concurrency=2,
                                   flush_batch=1)
    return RerunSummary(programs=len(programs), total=plan.to_run, executed=stats.executed,
                        failed_jobs=stats.failed_jobs, errors=tuple(stats.errors), seconds=stats.seconds,
                        engine=info.name)


# ----------------------------------------------------------------------------------------------- timeline
@dataclass(frozen=True, slots=True)
class RoundInfo:
    """One round of a chain as the timeline shows it; pass/speed figures follow the compare view's rules
    (private tests scored, public ones counted apart), None where nothing was measured."""

    output_id: str
    round: int
    how: str  # "instruct · deepseek", "exec-refine · test-model", "manual edit · alice"
    code: str
    failure: str | None
    outcome: str
    private_passed: int = 0
    private_run: int = 0
    public_passed: int = 0
    public_run: int = 0
    speedup: float | None = None
    runtime_ratio: float | None = None
    speedup_lo: float | None = None
    speedup_hi: float | None = None

    @property
    def has_code(self) -> bool:
        return bool(self.code.strip())

    @property
    def pass_at_1(self) -> float | None:
        """1.0 when every scored (private) test passed, 0.0 when one failed, None when none ran."""
        if self.private_run == 0:
            return None
        return 1.0 if self.private_passed == self.private_run else 0.0


@dataclass(frozen=True, slots=True)
class RoundTimeline:
    run: Run | None
    row_idx: int
    sample_idx: int
    problem_id: str
    input_label: str
    input_code: str
    rounds: tuple[RoundInfo, ...]
    current: str  # the output the timeline was opened from

    def get(self, output_id: str) -> RoundInfo | None:
        return next((r for r in self.rounds if r.output_id == output_id), None)

    def previous(self, output_id: str) -> RoundInfo | None:
        """The round before `output_id` that has code (the natural base of its diff)."""
        found = self.get(output_id)
        if found is None:
            return None
        return max((r for r in self.rounds if r.round < found.round and r.has_code), key=lambda r: r.round,
                   default=None)


def _generations(store: Store, output_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """output id → its `generation` JSON (how the row was made), for rows that have one."""
    return store.output_generations(output_ids)


def _how(store: Store, out: ModelOutput, runs: dict[str, Run | None]) -> str:
    """How a round was made, following copies back to the row they copy (a few hops at most)."""
    current = out
    for _ in range(8):
        generation = _generations(store, [current.output_id]).get(current.output_id, {})
        origin = generation.get("copied_from")
        if isinstance(origin, str):
            found = store.get_output(origin)
            if found is not None:
                current = found
                continue
        method = generation.get("method")
        if method == MANUAL_METHOD:
            return f"manual edit · {generation.get('author') or '?'}"
        if isinstance(method, str):
            return f"{method} · {generation.get('model') or '?'}"
        break
    if current.run_id not in runs:
        runs[current.run_id] = store.get_run(current.run_id)
    run = runs[current.run_id]
    if run is None:
        return "?"
    return f"{run.method} · {run.model}" if current.round == 0 else run.method


def chain_timeline(store: Store, output_id: str) -> RoundTimeline | None:
    """Every round of the output's chain (same run, row and sample) with its figures, in round order."""
    out = store.get_output(output_id)
    if out is None:
        return None
    catalog = Catalog(store)
    runs: dict[str, Run | None] = {}
    chain = _chain(store, out.run_id, out)
    rounds: list[RoundInfo] = []
    input_label, input_code = "(no input)", ""
    for rnd in sorted(chain):
        o = chain[rnd]
        view = catalog.output_view(o.output_id)
        if view is None:  # pragma: no cover - the row was just listed
            continue
        input_label, input_code = view.left_label, view.left.code
        m = view.metrics
        right = m.right
        rounds.append(RoundInfo(
            output_id=o.output_id, round=o.round, how=_how(store, o, runs), code=o.code or "", failure=o.failure,
            outcome=m.outcome, private_passed=right.n_passed if right else 0, private_run=right.n_run if right else 0,
            public_passed=right.public_passed if right else 0, public_run=right.public_run if right else 0,
            speedup=m.speedup, runtime_ratio=m.runtime_ratio, speedup_lo=m.speedup_lo, speedup_hi=m.speedup_hi,
        ))
    return RoundTimeline(store.get_run(out.run_id), out.row_idx, out.sample_idx, out.problem_id, input_label,
                         input_code, tuple(rounds), output_id)
