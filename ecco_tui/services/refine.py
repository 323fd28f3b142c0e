"""`ecco refine` and the app's refine key: the round loop of ECCO's self-refine, exec-refine and NL+exec refine.

One *chain* is one (run, row, sample): its rounds 0, 1, … are `model_outputs` rows. Making round r+1 from
round r (ECCO src/experiments/inference.py, one sample per chain as there):

* self-refine:     critique prompt → NL feedback → refine prompt(code_r, feedback) → code_{r+1}
* exec-refine:     run code_r on the PUBLIC tests → execution feedback text (Figure 7) → refine prompt
* nl-exec-refine:  execution feedback → reflection prompt → reflection → refine prompt(code_r, reflection)

What is stored, per round, in one transaction: the feedback *about* round r on row r (`feedback`,
`exec_feedback`, `reflection`, and the prompt that asked for NL feedback / reflection in `feedback_prompt`,
the layout ECCO's files and `import-outputs` use), and row r+1 with the refine prompt as sent, the raw
response, the extracted code (plus its `programs` row, so `ecco eval` can run it), how it was generated
(`generation`), when (`created_at`), or the one-line `failure` reason. Then the new candidate runs on the
public tests; its executions are stored content-addressed through `services.evaluation`, so the next round's
execution feedback, a later `ecco eval --tests public` and a re-run all reuse them.

A failed step (model call, no code block, no public tests, engine error) fails that round only: the chain
stops there and the loop moves on to the next chain. Refining into the same run again (`new_run_id`, `ecco
refine --new-run <the run it made>`) resumes: rounds stored with code are skipped, failed rounds are tried
again (`retry_failed`).

Where rounds go: never into the run they refine, and never into an imported run. Without a name, every
refinement (`ecco refine`, the app's `f`) starts a new run of its own, `new_run_name`:
"<source run>-<method>-<model>-<UTC time YYYYMMDDTHHMMSS>", seeded with copies of the chain history the new
rounds start from (rows carrying `{"copied_from": <the original row>}`); a failed round is stored there with
its reason, like a successful one. So `ecco report` of every existing run stays byte-identical, whatever the
model answered. An explicit `new_run_id` may name a run an earlier refinement of the same source made (same
method, task and split, the same copied code): that run is resumed or extended. Naming the source run
itself, an imported run, or a run of another kind is refused.

Concurrency: a chain is refined by one task at a time. Inside a process a registry of chains in progress
refuses a second refine of the same chain (`RefineBusyError`) instead of interleaving rounds; before writing
a round the store is checked again for a finished copy. Across processes DuckDB's single-writer lock already
makes a second `ecco refine` on the same store fail to open it (the app then opens read-only), so two
processes can never write rounds of one store at once.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from ecco_tui.engines.base import Engine, EngineInfo, Limits, code_sha256
from ecco_tui.ingest.release import program_id_for
from ecco_tui.model import Execution, ModelOutput, Run
from ecco_tui.refine.client import Completion, ModelClient
from ecco_tui.refine.extract import EXTRACTION_STYLES, NO_CODE_BLOCK, ExtractionStyle, extract_code
from ecco_tui.refine.feedback import feedback_from_executions
from ecco_tui.refine.templates import PromptBook
from ecco_tui.services import evaluation
from ecco_tui.store.store import MODEL_OUTPUTS_SCHEMA, Store

__all__ = [
    "METHODS",
    "OUTPUT_SCHEMA",
    "ProgressFn",
    "RefineBusyError",
    "RefineError",
    "RefineSummary",
    "RoundResult",
    "claim_chain",
    "new_run_name",
    "output_id_for",
    "refine_output",
    "refine_run",
    "round_failures",
    "run_name_part",
]

METHODS = ("self-refine", "exec-refine", "nl-exec-refine")
SOURCE = "ecco refine"
EMPTY_CODE_BLOCK = "empty code block in the response"
# Columns of round r that hold the feedback each method gives about round r's code.
FEEDBACK_COLUMNS: dict[str, tuple[str, ...]] = {
    "self-refine": ("feedback", "feedback_prompt"),
    "exec-refine": ("exec_feedback",),
    "nl-exec-refine": ("exec_feedback", "reflection", "feedback_prompt"),
}

ProgressFn = Callable[[str, int, int | None], None]  # (stage, advance, total): the CLI's progress_bar shape


class RefineError(Exception):
    """A refine request that cannot start as asked (unknown run or output, bad method, name clash)."""


class RefineBusyError(RefineError):
    """Another refine of the same chain is running in this process; rounds are never interleaved."""


@dataclass(frozen=True, slots=True)
class RoundResult:
    """One round written: its output id and, when it has no code, why."""

    output_id: str
    round: int
    failure: str | None = None


@dataclass
class RefineSummary:
    source_run_id: str
    run_id: str  # where the rounds went
    method: str
    rounds: int  # the final round asked for
    chains: int = 0
    written: list[RoundResult] = field(default_factory=list)
    skipped: int = 0  # rounds already stored with code
    stopped: int = 0  # chains that could not go on (a round without code before the target)
    executed: int = 0  # test runs executed for feedback / candidates
    cached: int = 0  # test runs reused from the store
    errors: list[str] = field(default_factory=list)  # engine trouble on candidates (not round failures)
    seconds: float = 0.0

    @property
    def succeeded(self) -> int:
        return sum(1 for r in self.written if r.failure is None)

    @property
    def failed(self) -> list[RoundResult]:
        return [r for r in self.written if r.failure is not None]


# ------------------------------------------------------------------------------------------- chain registry
_REGISTRY_GUARD = threading.Lock()
_ACTIVE: set[tuple[str, str, int, int]] = set()


def _store_key(store: Store) -> str:
    return str(store.path.resolve()) if store.path is not None else f"memory:{id(store)}"


@contextmanager
def _claim(store: Store, run_id: str, chains: Sequence[tuple[int, int]]) -> Iterator[None]:
    """Mark chains as in progress for this process, or refuse if any already is."""
    base = _store_key(store)
    keys = [(base, run_id, row, sample) for row, sample in chains]
    with _REGISTRY_GUARD:
        busy = next((k for k in keys if k in _ACTIVE), None)
        if busy is not None:
            raise RefineBusyError(f"{run_id}:{busy[2]}:{busy[3]} is already being refined; wait for it to finish")
        _ACTIVE.update(keys)
    try:
        yield
    finally:
        with _REGISTRY_GUARD:
            _ACTIVE.difference_update(keys)


def claim_chain(store: Store, run_id: str, row: int, sample: int) -> AbstractContextManager[None]:
    """Hold one chain for a writer outside the round loop (the app's manual rounds), so it never
    interleaves with a refine of the same chain: raises `RefineBusyError` when the chain is taken."""
    return _claim(store, run_id, [(row, sample)])


# -------------------------------------------------------------------------------------------------- schema
_OUTPUT_SCHEMA = MODEL_OUTPUTS_SCHEMA  # every column: a round's row is written whole


def _output_id(run_id: str, row: int, sample: int, rnd: int) -> str:
    return f"{run_id}:{row}:{sample}:{rnd}"


#: For other writers of rounds (services.rounds): the same row shape and id scheme as the round loop's.
OUTPUT_SCHEMA = _OUTPUT_SCHEMA
output_id_for = _output_id


def _has_code(out: ModelOutput | None) -> bool:
    return out is not None and bool(out.code and out.code.strip())


# --------------------------------------------------------------------------------------------- the context
@dataclass
class _Context:
    """Everything one refine call shares between its chains."""

    store: Store
    engine: Engine
    client: ModelClient
    book: PromptBook
    info: EngineInfo
    limits: Limits
    method: str
    task: str
    run_id: str
    summary: RefineSummary
    execute_candidates: bool
    retry_failed: bool
    progress: ProgressFn | None
    on_round: Callable[[RoundResult], None] | None
    stage: str
    extraction: ExtractionStyle = "markdown"
    total: int = 0
    descriptions: dict[str, str | None] = field(default_factory=dict)

    def advance(self, n: int = 1) -> None:
        if self.progress and n:
            self.progress(self.stage, n, self.total)

    def send(self, prompt: str) -> str:
        """The text sent for a prompt: ECCO's chat wrapper when the client talks to a raw completion endpoint."""
        return self.book.wrap(prompt, self.client.settings.wrapper)

    def description(self, problem_id: str) -> str | None:
        if problem_id not in self.descriptions:
            problem = self.store.get_problem(problem_id)
            self.descriptions[problem_id] = problem.description if problem else None
        return self.descriptions[problem_id]


# ------------------------------------------------------------------------------------------ public tests
async def _run_public(ctx: _Context, code: str, problem_id: str) -> tuple[str | None, str | None]:
    """Execute `code` on the problem's public tests (cached when already measured) → (feedback, failure)."""
    tests = {t.idx: t for t in ctx.store.tests_for(problem_id, "public")}
    if not tests:
        return None, f"no public tests stored for {problem_id}: execution feedback needs them"
    plan = evaluation.plan_evaluation(ctx.store, [("output", problem_id, code)], ctx.info, ctx.limits,
                                      run_id=ctx.run_id, visibility="public", repeat=1)
    stats = await evaluation.execute_plan(ctx.store, ctx.engine, plan, ctx.limits, repeat=1, source=SOURCE,
                                          concurrency=1)
    ctx.summary.executed += stats.executed
    ctx.summary.cached += stats.cached
    if stats.failed_jobs:
        return None, f"execution failed: {stats.errors[0] if stats.errors else 'engine error'}"
    latest: dict[int, Execution] = {}
    for e in ctx.store.executions_for(code_sha256(code), problem_id, engine=ctx.info.name):
        test = tests.get(e.test_idx)
        if (e.visibility == "public" and test is not None and e.test_sha256 == test.test_sha256
                and e.engine_version == ctx.info.version and e.limits_key == ctx.limits.key()
                and e.mode == "time" and e.repeat_idx == 0 and e.context is None):
            latest[e.test_idx] = e  # ordered by created_at: the newest wins
    if set(latest) != set(tests):
        missing = sorted(set(tests) - set(latest))
        return None, f"execution failed: no result for public test(s) {missing} of {problem_id}"
    return feedback_from_executions(list(latest.values()), tests), None


# ------------------------------------------------------------------------------------------------- a round
@dataclass
class _Step:
    """The outcome of one round before it is written."""

    prev_updates: dict[str, str | None] = field(default_factory=dict)
    prompt: str | None = None
    raw: str | None = None
    code: str | None = None
    failure: str | None = None
    generation: dict[str, Any] = field(default_factory=dict)


async def _make_round(ctx: _Context, prev: ModelOutput) -> _Step:
    """Feedback on `prev` and the refined candidate (or the reason there is none)."""
    step = _Step(generation={**ctx.client.describe(), "method": ctx.method, "prompts": ctx.book.ident,
                             "from_output": prev.output_id})
    # Every feedback column this method writes is set on each attempt, so a retried round never leaves the
    # feedback of an earlier attempt beside the prompt of a new one.
    step.prev_updates = dict.fromkeys(FEEDBACK_COLUMNS[ctx.method])
    code = prev.code or ""
    if ctx.method == "self-refine":
        description = None
        if ctx.task == "generate":
            description = ctx.description(prev.problem_id)
            if not description:
                step.failure = (f"feedback: no problem statement stored for {prev.problem_id} (import the release's "
                                "generate config)")
                return step
        fb_prompt = ctx.send(ctx.book.feedback_prompt(code, description=description))
        fb = await ctx.client.complete(fb_prompt)
        step.prev_updates["feedback_prompt"] = fb_prompt
        step.generation["feedback_call"] = fb.meta()
        if not fb.ok:
            step.failure = f"feedback: {fb.failure}"
            return step
        step.prev_updates["feedback"] = fb.text
        feedback = fb.text or ""
    else:
        exec_text, failure = await _run_public(ctx, code, prev.problem_id)
        step.generation["engine"] = f"{ctx.info.name} {ctx.info.version}"
        step.generation["limits"] = ctx.limits.key()
        if failure is not None or exec_text is None:
            step.failure = failure or "execution failed"
            return step
        step.prev_updates["exec_feedback"] = exec_text
        feedback = exec_text
        if ctx.method == "nl-exec-refine":
            reflect_prompt = ctx.send(ctx.book.reflect_prompt(code, exec_text))
            reflection = await ctx.client.complete(reflect_prompt)
            step.prev_updates["feedback_prompt"] = reflect_prompt
            step.generation["reflection_call"] = reflection.meta()
            if not reflection.ok:
                step.failure = f"reflection: {reflection.failure}"
                return step
            step.prev_updates["reflection"] = reflection.text
            feedback = reflection.text or ""

    step.prompt = ctx.send(ctx.book.refine_prompt(code, feedback))
    answer: Completion = await ctx.client.complete(step.prompt)
    step.generation["refine_call"] = answer.meta()
    if not answer.ok:
        step.failure = answer.failure
        return step
    step.raw = answer.text
    extracted = extract_code(answer.text, style=ctx.extraction)
    if extracted is None:
        step.failure = NO_CODE_BLOCK
    elif not extracted.strip():
        step.failure = EMPTY_CODE_BLOCK
    else:
        step.code = extracted
    return step


def _write_round(ctx: _Context, prev: ModelOutput, rnd: int, step: _Step) -> RoundResult:
    """Row r's feedback and row r+1, together or not at all."""
    new_id = _output_id(ctx.run_id, prev.row_idx, prev.sample_idx, rnd)
    program_id = program_id_for(prev.problem_id, step.code) if step.code else None
    row = {
        "output_id": new_id, "run_id": ctx.run_id, "row_idx": prev.row_idx, "sample_idx": prev.sample_idx,
        "round": rnd, "problem_id": prev.problem_id, "pair_id": prev.pair_id, "program_id": program_id,
        "code": step.code, "raw_response": step.raw, "prompt": step.prompt, "feedback": None,
        "exec_feedback": None, "reflection": None, "failure": step.failure, "feedback_prompt": None,
        "generation": json.dumps(step.generation, sort_keys=True, default=str),
    }
    with ctx.store.transaction() as tx:
        if step.code and program_id:
            tx.upsert("programs", pa.Table.from_pylist([{
                "program_id": program_id, "problem_id": prev.problem_id, "code": step.code,
                "code_sha256": code_sha256(step.code), "language": "Python",
            }]))
        if step.prev_updates:
            cols = sorted(step.prev_updates)
            tx.execute(f"UPDATE model_outputs SET {', '.join(f'{c} = ?' for c in cols)} WHERE output_id = ?",
                       [*(step.prev_updates[c] for c in cols), prev.output_id])
        tx.upsert("model_outputs", pa.Table.from_pylist([row], schema=_OUTPUT_SCHEMA))
        tx.execute("UPDATE model_outputs SET created_at = current_timestamp WHERE output_id = ?", [new_id])
    return RoundResult(new_id, rnd, step.failure)


async def _refine_chain(ctx: _Context, rows: dict[int, ModelOutput], target: int, start: int) -> list[RoundResult]:
    """Rounds start+1 … target of one chain, skipping those stored with code; stops at the first failure."""
    done: list[RoundResult] = []
    remaining = sum(1 for r in range(start + 1, target + 1) if _needs(ctx, rows.get(r)))
    for rnd in range(start + 1, target + 1):
        if not _needs(ctx, rows.get(rnd)):
            continue
        prev = rows.get(rnd - 1)
        if not _has_code(prev):
            ctx.summary.stopped += 1
            ctx.advance(remaining)
            break
        assert prev is not None
        # The check in the store: a round finished elsewhere (another refine that held this chain before
        # us) is never overwritten.
        stored = ctx.store.get_output(_output_id(ctx.run_id, prev.row_idx, prev.sample_idx, rnd))
        if _has_code(stored):
            assert stored is not None
            rows[rnd] = stored
            ctx.summary.skipped += 1
            remaining -= 1
            ctx.advance()
            continue
        step = await _make_round(ctx, prev)
        result = _write_round(ctx, prev, rnd, step)
        done.append(result)
        ctx.summary.written.append(result)
        remaining -= 1
        ctx.advance()
        if ctx.on_round:
            ctx.on_round(result)
        new = ctx.store.get_output(result.output_id)
        if new is None:  # pragma: no cover - the transaction above committed it
            break
        rows[rnd] = new
        if step.code is None:
            if remaining:
                ctx.summary.stopped += 1
                ctx.advance(remaining)
            break
        if ctx.execute_candidates:
            _, failure = await _run_public(ctx, step.code, new.problem_id)
            if failure and not failure.startswith("no public tests"):
                ctx.summary.errors.append(f"{new.output_id}: {failure}")
    return done


def _needs(ctx: _Context, out: ModelOutput | None) -> bool:
    """True when this round still has to be made: absent, or stored without code and retries are on."""
    if out is None:
        return True
    return not _has_code(out) and ctx.retry_failed


# ----------------------------------------------------------------------------------------- run bookkeeping
def _check_method(method: str) -> None:
    if method not in METHODS:
        raise RefineError(f"unknown refinement method {method!r} (one of {', '.join(METHODS)})")


def run_name_part(text: str) -> str:
    """`text` (a model name, an author) as part of a run id: [A-Za-z0-9._-] kept, anything else '-'."""
    return re.sub(r"[^A-Za-z0-9._-]", "-", text.strip()) or "unnamed"


def new_run_name(store: Store, source_run_id: str, kind: str, who: str, now: datetime | None = None) -> str:
    """The name of a new run made from `source_run_id` now: "<source>-<kind>-<who>-<UTC YYYYMMDDTHHMMSS>"
    (`kind` a refinement method or manual-edit, `who` the model or the author), with "-2", "-3", … when a
    run of that name already exists (two actions in one second)."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%S")
    base = f"{source_run_id}-{kind}-{run_name_part(who)}-{stamp}"
    name, n = base, 1
    while store.get_run(name) is not None:
        n += 1
        name = f"{base}-{n}"
    return name


def _target_run(store: Store, source: Run, method: str, new_run_id: str | None, model: str) -> str:
    """The run the rounds go to (see the module doc): a new run, or the named run of an earlier refinement."""
    if new_run_id is None:
        return new_run_name(store, source.run_id, method, model)
    if new_run_id == source.run_id:
        raise RefineError(f"--new-run {new_run_id} is the run being refined: rounds never go into their source "
                          "run; choose a new run name (or leave --new-run out)")
    if ":" in new_run_id or not new_run_id.strip():
        raise RefineError(f"run name {new_run_id!r}: must be non-empty and without ':'")
    existing = store.get_run(new_run_id)
    if existing is not None and existing.source_file is not None:
        raise RefineError(f"run {new_run_id} was imported from {existing.source_file}: imported runs never change; "
                          "choose a new run name")
    if existing is not None and (existing.method, existing.task, existing.split) != (method, source.task,
                                                                                      source.split):
        raise RefineError(f"run {new_run_id} already exists as a {existing.task} {existing.method} run of the "
                          f"{existing.split} split; choose another name")
    return new_run_id


def _seed_run(store: Store, client: ModelClient, book: PromptBook, source: Run, target: str, method: str,
              seed_rows: Sequence[ModelOutput], start_round: int, rounds: int) -> None:
    """Create the target run (if new) and copy the source rows its chains start from (if not there yet)."""
    existing = {o.output_id: o for o in store.run_outputs(target)}  # their code: was it refined from `source`?
    for o in seed_rows:
        there = existing.get(oid := _output_id(target, o.row_idx, o.sample_idx, o.round))
        if there is not None and code_sha256(there.code or "") != code_sha256(o.code or ""):
            raise RefineError(f"run {target} exists but was not refined from {source.run_id} ({oid} holds "
                              "other code); choose another run name")
    settings = {"refined_from": source.run_id, "start_round": start_round, "rounds": rounds,
                "prompts": book.ident, **client.describe()}
    copies = []
    origins = store.output_generations([o.output_id for o in seed_rows])
    for o in seed_rows:
        new_id = _output_id(target, o.row_idx, o.sample_idx, o.round)
        if new_id in existing:
            continue
        origin = origins.get(o.output_id, {}).get("copied_from")  # a copy of a copy names the original row
        keep_feedback = o.round < start_round  # the feedback that led to later copied rounds stays with them
        copies.append({
            "output_id": new_id, "run_id": target, "row_idx": o.row_idx, "sample_idx": o.sample_idx,
            "round": o.round, "problem_id": o.problem_id, "pair_id": o.pair_id, "program_id": o.program_id,
            "code": o.code, "raw_response": o.raw_response, "prompt": o.prompt,
            "feedback": o.feedback if keep_feedback else None,
            "exec_feedback": o.exec_feedback if keep_feedback else None,
            "reflection": o.reflection if keep_feedback else None,
            "failure": None, "feedback_prompt": None,
            "generation": json.dumps({"copied_from": origin if isinstance(origin, str) else o.output_id}),
        })
    with store.transaction() as tx:
        if store.get_run(target) is None:
            tx.upsert("runs", pa.Table.from_pylist([{
                "run_id": target, "task": source.task, "model": client.settings.model, "method": method,
                "split": source.split, "source_file": None, "settings": json.dumps(settings, sort_keys=True),
            }]))
        if copies:
            tx.upsert("model_outputs", pa.Table.from_pylist(copies, schema=_OUTPUT_SCHEMA))


def _chains(outputs: Sequence[ModelOutput]) -> dict[tuple[int, int], dict[int, ModelOutput]]:
    chains: dict[tuple[int, int], dict[int, ModelOutput]] = {}
    for o in outputs:
        chains.setdefault((o.row_idx, o.sample_idx), {})[o.round] = o
    return chains


async def _context(store: Store, engine: Engine, client: ModelClient, *, method: str, task: str, run_id: str,
                   summary: RefineSummary, prompts: PromptBook | None, limits: Limits | None,
                   execute_candidates: bool, retry_failed: bool, progress: ProgressFn | None,
                   on_round: Callable[[RoundResult], None] | None, extraction: ExtractionStyle) -> _Context:
    if extraction not in EXTRACTION_STYLES:
        raise RefineError(f"unknown code extraction {extraction!r} (markdown or plain)")
    book = prompts or PromptBook.load()
    if client.settings.wrapper not in book.wrappers:
        raise RefineError(f"no prompt wrapper {client.settings.wrapper!r} in {book.source} "
                          f"(have: {', '.join(sorted(book.wrappers))})")
    info = await engine.info()
    return _Context(store=store, engine=engine, client=client, book=book, info=info,
                    limits=limits or info.limits, method=method, task=task, run_id=run_id, summary=summary,
                    execute_candidates=execute_candidates, retry_failed=retry_failed, progress=progress,
                    on_round=on_round, stage=f"refine {run_id}", extraction=extraction)


# --------------------------------------------------------------------------------------------- use cases
async def refine_output(
    store: Store,
    engine: Engine,
    client: ModelClient,
    output_id: str,
    method: str,
    rounds: int = 1,
    progress: ProgressFn | None = None,
    *,
    new_run_id: str | None = None,
    prompts: PromptBook | None = None,
    limits: Limits | None = None,
    execute_candidates: bool = True,
    retry_failed: bool = True,
    extraction: ExtractionStyle = "markdown",
    on_round: Callable[[RoundResult], None] | None = None,
) -> list[str]:
    """Refine one output `rounds` more rounds (up to round `output.round + rounds`); the app's refine key.

    The rounds go to a new run seeded with the chain's history up to the output (`new_run_name`), or to
    `new_run_id`, a run an earlier refinement of the same source made (see the module doc).

    Returns the ids of the rows written, in round order, failed rounds included (their `failure` column says
    why); rounds already stored with code are skipped, so the list may be empty. Raises `RefineBusyError`
    when the same chain is being refined elsewhere in this process, `RefineError` for an unknown output.
    """
    _check_method(method)
    if rounds < 1:
        raise RefineError("rounds must be at least 1")
    out = store.get_output(output_id)
    if out is None:
        raise RefineError(f"no output {output_id!r}")
    source = store.get_run(out.run_id)
    if source is None:  # pragma: no cover - outputs always belong to a run
        raise RefineError(f"output {output_id}: its run {out.run_id!r} is missing")
    target = _target_run(store, source, method, new_run_id, client.settings.model)
    chain = (out.row_idx, out.sample_idx)
    summary = RefineSummary(source.run_id, target, method, out.round + rounds, chains=1)
    book = prompts or PromptBook.load()
    with _claim(store, target, [chain]):
        history = [o for o in store.run_outputs(source.run_id, chain=chain, with_text=True)
                   if o.round <= out.round]
        _seed_run(store, client, book, source, target, method, history, out.round, out.round + rounds)
        rows = _chains(store.run_outputs(target, chain=chain, with_text=True)).get(chain, {})
        ctx = await _context(store, engine, client, method=method, task=source.task, run_id=target,
                             summary=summary, prompts=book, limits=limits, execute_candidates=execute_candidates,
                             retry_failed=retry_failed, progress=progress, on_round=on_round,
                             extraction=extraction)
        wanted = range(out.round + 1, out.round + rounds + 1)
        ctx.total = sum(1 for r in wanted if _needs(ctx, rows.get(r)))
        summary.skipped = len(wanted) - ctx.total
        if progress:
            progress(ctx.stage, 0, ctx.total)
        done = await _refine_chain(ctx, rows, out.round + rounds, out.round)
    return [r.output_id for r in done]


async def refine_run(
    store: Store,
    engine: Engine,
    client: ModelClient,
    run_id: str,
    method: str,
    rounds: int,
    new_run_id: str | None = None,
    split: str | None = None,
    progress: ProgressFn | None = None,
    *,
    prompts: PromptBook | None = None,
    limits: Limits | None = None,
    concurrency: int = 4,
    max_rows: int | None = None,
    execute_candidates: bool = True,
    retry_failed: bool = True,
    extraction: ExtractionStyle = "markdown",
    on_round: Callable[[RoundResult], None] | None = None,
) -> RefineSummary:
    """Refine every chain of a run up to round `rounds` (ECCO's `--num_refinements`); `ecco refine`.

    Chains start from a copy of round 0 in a new run (`new_run_name`), or, with `new_run_id` naming the run an
    earlier refinement of the same source made, from what that run holds. Resumable that way: stored
    rounds with code are skipped, failed ones retried. `concurrency` chains are in flight at once (each one
    sequential); `max_rows` limits the run to its first rows (a trial on a few problems). `split` only checks
    that the run was made from that split.
    """
    _check_method(method)
    if rounds < 1:
        raise RefineError("rounds must be at least 1")
    started = time.perf_counter()
    source = store.get_run(run_id)
    if source is None:
        known = ", ".join(r.run_id for r in store.runs()) or "none"
        raise RefineError(f"no run named {run_id!r} (runs: {known})")
    if split is not None and source.split != split:
        raise RefineError(f"run {run_id} was made from the {source.split} split, not {split}")
    target = _target_run(store, source, method, new_run_id, client.settings.model)
    source_outputs = store.run_outputs(source.run_id, with_text=True)  # round 0 is copied whole into the new run
    if max_rows is not None:
        source_outputs = [o for o in source_outputs if o.row_idx < max_rows]
    chain_keys = sorted(_chains(source_outputs))
    summary = RefineSummary(source.run_id, target, method, rounds, chains=len(chain_keys))
    with _claim(store, target, chain_keys):
        book = prompts or PromptBook.load()
        _seed_run(store, client, book, source, target, method, [o for o in source_outputs if o.round == 0], 0,
                  rounds)
        in_scope = set(chain_keys)
        chains = _chains([o for o in store.run_outputs(target, with_text=True)
                          if (o.row_idx, o.sample_idx) in in_scope])
        ctx = await _context(store, engine, client, method=method, task=source.task, run_id=target,
                             summary=summary, prompts=book, limits=limits, execute_candidates=execute_candidates,
                             retry_failed=retry_failed, progress=progress, on_round=on_round,
                             extraction=extraction)
        ctx.total = sum(1 for rows in chains.values() for r in range(1, rounds + 1) if _needs(ctx, rows.get(r)))
        summary.skipped = sum(1 for rows in chains.values() for r in range(1, rounds + 1)
                              if not _needs(ctx, rows.get(r)))
        if progress:
            progress(ctx.stage, 0, ctx.total)
        gate = asyncio.Semaphore(max(1, concurrency))

        async def one(rows: dict[int, ModelOutput]) -> None:
            async with gate:
                await _refine_chain(ctx, rows, rounds, 0)

        tasks = [asyncio.create_task(one(chains[key])) for key in chain_keys if key in chains]
        try:
            await asyncio.gather(*tasks)
        finally:
            # On an error or a cancel, every chain stops before the claim on them is released.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            summary.seconds = time.perf_counter() - started
    return summary


def round_failures(store: Store, run_id: str) -> dict[str, str]:
    """output id → stored failure reason, for the rounds of a run that have one.

    Reads the `failure` column added by migration 0003 (`Store.outputs()` leaves it out of ModelOutput).
    """
    return store.output_failures(run_id)
