"""`ecco export-training`: fine-tuning data out of what the workbench verified.

ECCO fine-tunes on three formats (section 4.3, Figures 7 and 11): *vanilla* (slow -> fast program; NL ->
program), *execution-conditioned* (the input's public-test results, as exec-refine's feedback text, before
the request) and *trajectory-conditioned* (earlier programs of one user's trajectory as context, the fastest
as target). Its pairs come from CodeNet as they are; here targets can also be model outputs the workbench
judged correct optimizations (a paired, calibrated verdict: `services.judging`) and ECCO-FIX fixes, and a
fourth format, *preference*, pairs a verified correct optimization (chosen) with a spurious or no-gain output
of the same input (rejected), with the reason, for DPO-style training.

The prompt layouts are data, shared with `ecco refine` (`refine/prompts/ecco.toml`, `PromptBook`). A
failing program is never a target (`ExportOptions.checked`), and no example of a test-split problem is ever
written: asking for the test split, or a problem that is in the test split but reached a training split
through a pair or trajectory, is refused naming the problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ecco_tui.model import Execution, StoredTest
from ecco_tui.refine.feedback import feedback_from_executions
from ecco_tui.refine.templates import PromptBook
from ecco_tui.services.training import sources
from ecco_tui.services.training.options import (
    FORMATS,
    TRAINING_SPLITS,
    Candidate,
    Counts,
    ExportError,
    ExportOptions,
)
from ecco_tui.services.training.writer import Example, WrittenDataset, write_dataset
from ecco_tui.store.store import Store

__all__ = ["FORMATS", "TRAINING_SPLITS", "Counts", "Example", "ExportBadge", "ExportError", "ExportOptions",
           "ExportResult", "collect", "export_badge", "export_training"]


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export made (or, on a dry run, would make): the examples by split and the filters' counts."""

    options: ExportOptions
    examples: tuple[Example, ...]
    counts: Counts
    skipped: dict[str, int]  # reason -> candidates left out for it (no public results of the input, ...)
    written: WrittenDataset | None = None

    def by_split(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for e in self.examples:
            found[e.split] = found.get(e.split, 0) + 1
        return found


def _candidates(store: Store, options: ExportOptions) -> list[Candidate]:
    labels = sources._labels(store)
    problem = options.problem_id
    found: list[Candidate] = []
    if options.format == "trajectory":
        return sources.trajectories(store, labels, problem) if options.codenet else []
    if options.codenet and options.format != "preference":
        found += (sources.codenet_pairs(store, labels, problem) if options.task == "edit"
                  else sources.fastest_solutions(store, labels, problem))
    found += sources.model_outputs(store, options.task, labels, problem)
    if options.include_fixes:
        found += sources.fixes(store, options.task, labels, problem)
    return found


def _keep_split(candidates: list[Candidate], options: ExportOptions, test_problems: set[str]) -> list[Candidate]:
    if "test" in options.splits:
        named = sorted(c.problem_id for c in candidates if c.split == "test" or c.problem_id in test_problems)
        problem = named[0] if named else "(none stored)"
        raise ExportError(f"--split test: problem {problem} is in the test split; training data never includes "
                          f"a test problem (use {' or '.join(TRAINING_SPLITS)})")
    kept = [c for c in candidates if c.split in options.splits]
    leaked = sorted({c.problem_id for c in kept if c.problem_id in test_problems})
    if leaked:
        raise ExportError(f"problem {leaked[0]} is in the test split but also in {options.splits[0]} data here "
                          "(a pair or trajectory of another split): refusing to export it as training data")
    return kept


def _is_target(c: Candidate, options: ExportOptions) -> bool:
    """CodeNet's own targets and fixes are accepted solutions; model outputs need an allowed verdict."""
    return c.source != "model-run" or c.outcome in options.verdicts


def _filtered(candidates: list[Candidate], options: ExportOptions, counts: Counts) -> list[Candidate]:
    counts.add("stored", candidates)
    kept = candidates
    if options.format != "preference":
        kept = [c for c in kept if _is_target(c, options)]
        counts.add(f"verdict {'/'.join(options.verdicts)}", kept)
    if options.labels:
        kept = [c for c in kept if set(c.labels) & set(options.labels)]
        counts.add(f"label {'/'.join(options.labels)}", kept)
    if options.min_speedup is not None:
        floor = options.min_speedup
        kept = [c for c in kept if c.speedup is not None and c.speedup >= floor]
        counts.add(f"speedup >= {floor:g}", kept)
    return kept


def _public_results(store: Store, candidates: Sequence[Candidate]) -> dict[tuple[str, str], list[Execution]]:
    """(input sha, problem) -> the newest executions of the input on its public tests, of the engine that ran
    it most (exec-conditioned examples need them)."""
    shas = sorted({c.input_sha256 for c in candidates if c.input_sha256})
    executions = store.latest_executions(shas, visibility="public")
    per_engine: dict[tuple[str, str], dict[str, list[Execution]]] = {}
    for e in executions:
        per_engine.setdefault((e.code_sha256, e.problem_id), {}).setdefault(e.engine, []).append(e)
    chosen = {}
    for key, by_engine in per_engine.items():
        engine = max(sorted(by_engine), key=lambda name: len(by_engine[name]))
        first: dict[int, Execution] = {}  # one run per test, as ECCO's feedback ran each public test once
        for e in sorted(by_engine[engine], key=lambda e: (e.test_idx, e.repeat_idx)):
            first.setdefault(e.test_idx, e)
        chosen[key] = list(first.values())
    return chosen


def _examples(store: Store, book: PromptBook, options: ExportOptions, kept: list[Candidate],
              skipped: dict[str, int]) -> list[Example]:
    examples: list[Example] = []
    if options.format == "preference":
        for chosen, rejected in sources.preference_pairs(kept, options):
            prompt = (book.vanilla_edit_prompt(chosen.input or "") if options.task == "edit"
                      else book.vanilla_nl2code_prompt(chosen.input or ""))
            examples.append(Example.preference(chosen, rejected, prompt,
                                               book.completion(options.task, _ended(chosen.target)),
                                               book.completion(options.task, _ended(rejected.target)),
                                               sources.rejection_reason(rejected)))
        return examples
    results = _public_results(store, kept) if options.format == "exec" else {}
    tests: dict[str, dict[int, StoredTest]] = {}
    for c in kept:
        completion = book.completion(options.task, _ended(c.target))
        if options.format == "trajectory":
            prompt = book.trajectory_prompt(c.context)
        elif options.format == "exec":
            runs = results.get((c.input_sha256 or "", c.problem_id))
            if not runs:
                skipped["input never ran on its public tests (ecco eval --tests all)"] = skipped.get(
                    "input never ran on its public tests (ecco eval --tests all)", 0) + 1
                continue
            if c.problem_id not in tests and any(e.status_id != 3 for e in runs):
                tests[c.problem_id] = {t.idx: t for t in store.tests_for(c.problem_id, "public")}
            prompt = book.exec_edit_prompt(c.input or "", feedback_from_executions(runs, tests.get(c.problem_id, {})))
        elif options.task == "edit":
            prompt = book.vanilla_edit_prompt(c.input or "")
        else:
            prompt = book.vanilla_nl2code_prompt(c.input or "")
        examples.append(Example.single(c, options.format, prompt, completion))
    return examples


def _ended(code: str) -> str:
    """Code without blank lines around it (ECCO's extraction leaves a leading one in model outputs) and with
    one trailing newline, so the target block closes on its own line."""
    return code.strip("\n") + "\n"


def collect(store: Store, options: ExportOptions, book: PromptBook | None = None) -> ExportResult:
    """The examples an export makes, without writing anything (`--dry-run` prints their counts)."""
    options = options.checked()
    book = book or PromptBook.load()
    with store.session():
        test_problems = store.test_split_problems()
        candidates = _keep_split(_candidates(store, options), options, test_problems)
        counts = Counts()
        kept = _filtered(candidates, options, counts)
        skipped: dict[str, int] = {}
        examples = _examples(store, book, options, kept, skipped)
    return ExportResult(options, tuple(examples), counts, skipped)


def export_training(store: Store, options: ExportOptions, out: Path, book: PromptBook | None = None
                    ) -> ExportResult:
    """Write the examples to `out` (parquet per split, JSONL, dataset card); refuses an empty export."""
    book = book or PromptBook.load()
    result = collect(store, options, book)
    if not result.examples:
        raise ExportError(f"no {result.options.format} examples match (see --dry-run for the counts per filter)")
    written = write_dataset(out, result.examples, result.options, result.counts, result.skipped, book.ident)
    return ExportResult(result.options, result.examples, result.counts, result.skipped, written)


@dataclass(frozen=True, slots=True)
class ExportBadge:
    """Whether `ecco export-training` (default filters, fixes included) would export an output, and how: the
    formats it is a target in, or the one it is the rejected side of, else why not."""

    uses: tuple[str, ...]  # "vanilla", "exec", "preference (chosen)", "preference (rejected)", "fix → vanilla"
    reason: str | None = None  # why it is not exported, when `uses` is empty

    def text(self) -> str:
        if self.uses:
            return "training data: " + " · ".join(self.uses)
        return f"not training data: {self.reason or 'no format takes it'}"


def export_badge(store: Store, output_id: str, book: PromptBook | None = None) -> ExportBadge | None:
    """The export badge of one model output (the compare view and the ECCO-FIX queue show it); None when
    there is no such output. Computed by the export itself (`collect`) over the output's problem only."""
    from ecco_tui.services.training.options import DEFAULT_VERDICTS

    with store.session():
        output = store.get_output(output_id)
        run = store.get_run(output.run_id) if output is not None else None
        if output is None or run is None:
            return None
        if output.problem_id in store.test_split_problems():
            return ExportBadge((), "its problem is in the test split")
        if run.method == "manual-edit":
            return ExportBadge((), "a manual edit is not a model output")
        book = book or PromptBook.load()
        uses: list[str] = []
        for name in FORMATS:
            if run.task == "generate" and name in ("exec", "trajectory"):
                continue
            result = collect(store, ExportOptions(name, task=run.task, include_fixes=True,
                                                  problem_id=output.problem_id), book)
            for e in result.examples:
                if e.source_id == output_id and e.source == "ecco-fix":
                    uses.append(f"fix → {name}")
                elif e.source_id == output_id:
                    uses.append(f"{name} (chosen)" if name == "preference" else name)
                elif e.rejected_source_id == output_id:
                    uses.append(f"{name} (rejected)")
        verdicts = {v.output_id: v for v in store.verdicts(output_ids=[output_id])} if not uses else {}
    uses = list(dict.fromkeys(uses))
    if uses:
        return ExportBadge(tuple(uses))
    verdict = verdicts.get(output_id)
    if verdict is None:
        return ExportBadge((), "not judged yet (ecco eval)")
    if verdict.outcome not in DEFAULT_VERDICTS[run.task]:
        return ExportBadge((), f"{verdict.outcome} is not a target")
    return ExportBadge((), None)
