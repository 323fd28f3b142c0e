"""Where training examples come from: CodeNet's pairs, trajectories and fastest solutions, model outputs the
workbench verified (their cached verdicts: `services.verdicts`), and ECCO-FIX fixes (`services.ecco_fix`)."""

from __future__ import annotations

import math
from collections import defaultdict

from ecco_tui.model import TrainingOutputRow, TrajectoryProgramRow
from ecco_tui.services.ecco_fix import FIX_LABEL, parse_fix_note
from ecco_tui.services.training.options import REJECTED_OUTCOMES, Candidate, ExportOptions
from ecco_tui.store.store import Store

#: The engine/accounting named for CodeNet's own examples: the release's reference runtimes (CodeNet's judge).
CODENET_ENGINE = "codenet-reference"
CODENET_ACCOUNTING = "CodeNet's recorded CPU time of each accepted submission"
#: Ranks of the context programs of a trajectory example (ECCO section 4.3), slowest first.
TRAJECTORY_RANKS = ("slowest", "33rd percentile", "66th percentile")


def _labels(store: Store) -> dict[str, tuple[str, ...]]:
    """target id -> the live labels on it (any author)."""
    found: dict[str, set[str]] = defaultdict(set)
    for a in store.current_annotations():
        found[a.target_id].add(a.label)
    return {k: tuple(sorted(v)) for k, v in found.items()}


def codenet_pairs(store: Store, labels: dict[str, tuple[str, ...]], problem: str | None = None) -> list[Candidate]:
    """ECCO's own training pairs: slow -> fast, the speedup from the release's reference runtimes."""
    out = []
    for p in store.training_pairs(problem):
        known = p.input_runtime_s and p.target_runtime_s and p.input_runtime_s > 0 and p.target_runtime_s > 0
        out.append(Candidate(
            task="edit", split=p.split or "", problem_id=p.problem_id, source="codenet-pair", source_id=p.pair_id,
            target=p.target_code, input=p.input_code, input_sha256=p.input_sha256,
            engine=CODENET_ENGINE if known else None, accounting=CODENET_ACCOUNTING if known else None,
            speedup=p.input_runtime_s / p.target_runtime_s if known else None,  # type: ignore[operator]
            labels=labels.get(p.pair_id, ())))
    return out


def _from_output(o: TrainingOutputRow, accounting: dict[str, str], labels: dict[str, tuple[str, ...]],
                 source: str = "model-run", target: str | None = None) -> Candidate:
    return Candidate(
        task=o.task, split=o.split or "", problem_id=o.problem_id, source=source, source_id=o.output_id,
        target=target if target is not None else o.target_code, input=o.input_code, input_sha256=o.input_sha256,
        engine=o.engine, accounting=accounting.get(o.run_id), speedup=o.speedup, speedup_lo=o.speedup_lo,
        speedup_hi=o.speedup_hi, outcome=o.outcome, n_passed=o.n_passed, n_run=o.n_run,
        runtime_percentile=o.runtime_percentile, labels=labels.get(o.output_id, ()))


def model_outputs(store: Store, task: str, labels: dict[str, tuple[str, ...]], problem: str | None = None
                  ) -> list[Candidate]:
    """Every final-round model output with a cached verdict (any outcome: filters and formats choose)."""
    accounting = store.run_accounting()
    return [_from_output(o, accounting, labels) for o in store.training_outputs(task, problem)
            if task == "generate" or o.input_code is not None]


def fixes(store: Store, task: str, labels: dict[str, tuple[str, ...]], problem: str | None = None
          ) -> list[Candidate]:
    """ECCO-FIX fixes: the fixed program as target for the fixed output's input (editing) or problem
    (generation). A fix passed every test when it was saved (`ecco_fix.can_save`); its speedup is unmeasured
    here, so `--min-speedup` leaves it out."""
    outputs = {o.output_id: o for o in store.training_outputs(task, problem)}
    linked: dict[str, str] = {}
    for a in sorted((a for a in store.all_annotations() if a.label == FIX_LABEL and not a.retracted
                     and a.target_kind == "output"), key=lambda a: (a.created_at, a.annotation_id)):
        note = parse_fix_note(a.note)
        if note is not None:
            linked[a.target_id] = note["fixed_program_id"]  # the newest fix wins
    out = []
    for output_id, program_id in linked.items():
        o = outputs.get(output_id)
        program = store.get_program(program_id)
        if o is None or program is None or (task == "edit" and o.input_code is None):
            continue
        c = _from_output(o, {}, labels, source="ecco-fix", target=program.code)
        out.append(Candidate(c.task, c.split, c.problem_id, c.source, c.source_id, c.target, c.input,
                             c.input_sha256, labels=c.labels))
    return out


def context_indices(n_others: int) -> list[int]:
    """Positions of the context programs among a trajectory's `n_others` non-fastest programs sorted slowest
    first: the 0th, 33rd and 66th percentiles, floor(q * n_others) for q = 0, 1/3, 2/3, without repeats
    (three programs give two context programs)."""
    return list(dict.fromkeys(math.floor(q * n_others / 3) for q in range(3)))


def trajectories(store: Store, labels: dict[str, tuple[str, ...]], problem: str | None = None) -> list[Candidate]:
    """Trajectory-conditioned examples (ECCO section 4.3): of one user's accepted programs for a problem (at
    least three), the fastest is the target and the slowest, 33rd- and 66th-percentile ones of the rest,
    ordered slowest first by CodeNet's CPU time (ties: the earlier step first), are the context."""
    steps: dict[str, list[TrajectoryProgramRow]] = defaultdict(list)
    for row in store.training_trajectories(problem):
        steps[row.trajectory_id].append(row)
    out = []
    for trajectory_id, rows in steps.items():
        distinct = list({r.code.strip(): r for r in sorted(rows, key=lambda r: r.step)}.values())
        if len(distinct) < 3:
            continue
        ordered = sorted(distinct, key=lambda r: (-r.cpu_time_ms, r.step))
        fastest, others = ordered[-1], ordered[:-1]
        context = tuple((TRAJECTORY_RANKS[i], others[k].code) for i, k in enumerate(context_indices(len(others))))
        slowest = ordered[0]
        speedup = slowest.cpu_time_ms / fastest.cpu_time_ms if fastest.cpu_time_ms > 0 else None
        out.append(Candidate(
            task="edit", split=fastest.split or "", problem_id=fastest.problem_id, source="codenet-trajectory",
            source_id=trajectory_id, target=fastest.code, input=slowest.code, engine=CODENET_ENGINE,
            accounting=CODENET_ACCOUNTING, speedup=speedup, labels=labels.get(trajectory_id, ()), context=context))
    return out


def fastest_solutions(store: Store, labels: dict[str, tuple[str, ...]], problem: str | None = None
                      ) -> list[Candidate]:
    """NL generation as ECCO fine-tunes it: each problem's statement -> its fastest human solution."""
    out = []
    for p in store.training_problems():
        if (problem is None or p.problem_id == problem) and p.description and p.fastest_code and p.fastest_code.strip():
            out.append(Candidate(task="generate", split=p.split or "", problem_id=p.problem_id,
                                 source="codenet-fastest", source_id=p.problem_id, target=p.fastest_code,
                                 input=p.description, labels=labels.get(p.problem_id, ())))
    return out


def preference_pairs(candidates: list[Candidate], options: ExportOptions) -> list[tuple[Candidate, Candidate]]:
    """(chosen, rejected) for the same input: chosen a verified target (the best one: highest interval lower
    bound, then speedup; generation: highest runtime percentile), rejected each spurious or no-gain output
    (generation: each failing one) of that input."""
    chosen_by: dict[str, Candidate] = {}
    rejected_by: dict[str, list[Candidate]] = defaultdict(list)

    def key(c: Candidate) -> str:
        return c.problem_id if options.task == "generate" else f"{c.problem_id}\0{c.input_sha256}"

    def rank(c: Candidate) -> tuple[float, float]:
        if options.task == "generate":
            return (c.runtime_percentile if c.runtime_percentile is not None else -1.0, 0.0)
        return (c.speedup_lo if c.speedup_lo is not None else -1.0, c.speedup if c.speedup is not None else -1.0)

    for c in candidates:
        if c.outcome in options.verdicts or c.source == "ecco-fix":
            best = chosen_by.get(key(c))
            if best is None or rank(c) > rank(best):
                chosen_by[key(c)] = c
        elif c.outcome in REJECTED_OUTCOMES[options.task]:
            rejected_by[key(c)].append(c)
    return [(chosen_by[k], r) for k in chosen_by for r in rejected_by.get(k, ())]


def rejection_reason(c: Candidate) -> str:
    """Why a rejected output loses, in one line."""
    failed = (c.n_run or 0) - (c.n_passed or 0)
    interval = (f" [{c.speedup_lo:.2f}–{c.speedup_hi:.2f}]" if c.speedup_lo is not None and c.speedup_hi is not None
                else "")
    speed = f"{c.speedup:.2f}×{interval}" if c.speedup is not None else "unmeasured"
    if c.outcome == "spurious-optimization":
        return f"spurious optimization: faster ({speed}) but fails {failed} of {c.n_run} private tests"
    if c.outcome == "fails":
        return f"fails {failed} of {c.n_run} private tests"
    return f"no gain: speedup {speed}"


__all__ = ["codenet_pairs", "context_indices", "fastest_solutions", "fixes", "model_outputs", "preference_pairs",
           "rejection_reason", "trajectories"]
