"""The plain records every layer shares: problems, programs, pairs, tests, runs, model outputs, executions,
labels and verdicts, and a program's identity (`code_sha256`).

The store hands these out (nothing above it ever sees a DuckDB row or cursor; each record's fields are its
table's columns, see store/rows.py), services compute with them, and the app shows them: a screen can name a
`Run` or an `Annotation` without importing the store.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import ClassVar, NamedTuple, TypeAlias


def normalize_code(code: str) -> str:
    """Canonical program text: LF line endings and no trailing whitespace, so one program has one key."""
    lines = code.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n") + "\n"


def code_sha256(code: str) -> str:
    """A program's identity: the SHA-256 of its normalized text (executions are cached under it)."""
    return hashlib.sha256(normalize_code(code).encode("utf-8")).hexdigest()


class CodeHashes(dict[str, str]):
    """`code_sha256` of program texts, each computed once: judging a run looks its programs up several times
    (loading, pairing, identical-to-input), and hashing is a few microseconds per kilobyte of code."""

    def __missing__(self, code: str) -> str:
        sha = self[code] = code_sha256(code)
        return sha


@dataclass(frozen=True, slots=True)
class ProblemSummary:
    problem_id: str
    name: str | None
    split: str | None
    n_programs: int
    n_pairs: int
    n_outputs: int
    n_public_tests: int
    n_private_tests: int
    # From the cached verdicts (scoped to the browser's run filter): outputs judged, the share of them that
    # pass every scored test, and mean speedup / memory reduction over the passing editing outputs.
    n_judged: int = 0
    pass_at_1: float | None = None
    mean_speedup: float | None = None
    mean_memory_reduction: float | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    problem_id: str
    name: str | None
    description: str | None
    split: str | None
    fastest_code: str | None


@dataclass(frozen=True, slots=True)
class Program:
    program_id: str
    problem_id: str
    code: str
    code_sha256: str
    language: str
    user_id: str | None = None
    submission_id: str | None = None
    ref_runtime_s: float | None = None
    ref_memory_kb: float | None = None


@dataclass(frozen=True, slots=True)
class PairRow:
    pair_id: str
    split: str
    row_idx: int
    problem_id: str
    slow_program_id: str
    fast_program_id: str


@dataclass(frozen=True, slots=True)
class Pair:
    pair_id: str
    split: str
    row_idx: int
    problem_id: str
    slow: Program
    fast: Program


@dataclass(frozen=True, slots=True)
class StoredTest:
    problem_id: str
    visibility: str
    idx: int
    input: str
    expected_output: str
    test_sha256: str


@dataclass(frozen=True, slots=True)
class Spectrum:
    problem_id: str
    runtimes_s: tuple[float, ...]
    memories_kb: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class HumanSpectrum:
    """A problem's human solutions' mean per-test runtimes (s) and memories (KB), as a generated program is
    ranked among them, and where they come from: ECCO's published Judge0 spectrum, or the problem's human
    solutions measured on the program's engine (`services.judging.spectra`)."""

    PUBLISHED: ClassVar[str] = "published by ECCO (Judge0)"

    problem_id: str
    runtimes_s: tuple[float, ...]
    memories_kb: tuple[float, ...]
    source: str  # PUBLISHED, or "<n> human solutions on <engine>"
    measured_on: str | None = None  # the engine, for measured spectra

    @property
    def size(self) -> int:
        return len(self.runtimes_s)


@dataclass(frozen=True, slots=True)
class TrajectoryStep:
    step: int
    program_id: str
    code: str
    submission_id: str | None
    status: str | None
    cpu_time_ms: float | None
    memory_kb: float | None


@dataclass(frozen=True, slots=True)
class Trajectory:
    trajectory_id: str
    user_id: str
    problem_id: str
    steps: tuple[TrajectoryStep, ...] = ()  # not a column: the rows of trajectory_steps


@dataclass(frozen=True, slots=True)
class Run:
    run_id: str
    task: str
    model: str
    method: str
    split: str
    source_file: str | None
    n_outputs: int
    rounds: int


@dataclass(frozen=True, slots=True)
class ModelOutput:
    output_id: str
    run_id: str
    row_idx: int
    sample_idx: int
    round: int
    problem_id: str
    pair_id: str | None
    program_id: str | None
    code: str | None
    raw_response: str | None = None
    prompt: str | None = None
    feedback: str | None = None
    exec_feedback: str | None = None
    reflection: str | None = None
    failure: str | None = None  # why a refinement round has no code (model error, no code block)


@dataclass(frozen=True, slots=True)
class Execution:
    execution_id: str
    code_sha256: str
    problem_id: str
    visibility: str
    test_idx: int
    engine: str
    engine_version: str
    status_id: int
    status_description: str
    cpu_time_s: float | None
    wall_time_s: float | None
    memory_kb: float | None
    repeat_idx: int = 0
    test_sha256: str | None = None
    limits_key: str = ""
    mode: str = "time"
    instructions: int | None = None
    exit_code: int | None = None
    exit_signal: int | None = None
    stdout_excerpt: str | None = None
    stderr_excerpt: str | None = None
    message: str | None = None
    source: str | None = None
    created_at: datetime | None = None
    # What the measurement is bound to: an imported result's row ("<run>#<row>#<input|output>"), or the partner
    # it ran back to back with ("pair#<id>", see PAIR_CONTEXT); None: the program's, content-addressed.
    context: str | None = None


class Measured(NamedTuple):
    """One stored execution as a verdict reads it: an `Execution`'s identity and figures, without its output
    excerpts, message and timestamps. Judging a run reads millions of executions, and this record is built
    about ten times faster than an `Execution` (a frozen dataclass), from a third of the columns; views that
    show an execution's output (the compare view, ECCO-FIX) load full `Execution`s."""

    code_sha256: str
    problem_id: str
    visibility: str
    test_idx: int
    repeat_idx: int
    engine_version: str
    status_id: int
    status_description: str
    cpu_time_s: float | None
    memory_kb: float | None
    instructions: int | None
    context: str | None


#: What judging reads: a full execution, or its `Measured` columns.
Sample: TypeAlias = "Execution | Measured"


#: Context prefix of an execution run back to back with one partner (`ecco eval --paired`): the two
#: executions of a pair share the context `pair#<evaluation>/<id>` (`pair_context`); pairs stored before
#: evaluations were recorded have `pair#<id>`.
PAIR_CONTEXT = "pair#"


_last_evaluation_us = 0


def new_evaluation_id() -> str:
    """An id for one evaluation (one `ecco eval`, one re-run) that sorts in the order evaluations started:
    its start time in microseconds (strictly increasing within a process), then a random part (processes)."""
    global _last_evaluation_us
    _last_evaluation_us = max(time.time_ns() // 1000, _last_evaluation_us + 1)
    started = datetime.fromtimestamp(_last_evaluation_us / 1e6, UTC)
    return f"{started:%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:6]}"


def pair_context(evaluation: str) -> str:
    """The context the two runs of one new pair share, naming the evaluation that ran it."""
    return f"{PAIR_CONTEXT}{evaluation}/{uuid.uuid4().hex}"


def evaluation_of(context: str | None) -> str:
    """The evaluation a paired run belongs to ("" for pairs stored before evaluations were recorded: they
    count as one evaluation that came first)."""
    if not context or not context.startswith(PAIR_CONTEXT):
        return ""
    head, sep, _ = context[len(PAIR_CONTEXT):].partition("/")
    return head if sep else ""


@dataclass(frozen=True, slots=True)
class StoreCounts:
    tables: dict[str, int] = field(default_factory=dict)
    by_split: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Annotation:
    annotation_id: str
    target_kind: str  # output | pair | program
    target_id: str
    label: str
    note: str | None
    author: str
    created_at: datetime
    retracted: bool = False


@dataclass(frozen=True, slots=True)
class StoredVerdict:
    """One output's cached verdict (table output_verdicts): what `ecco report` says about it."""

    output_id: str
    run_id: str
    problem_id: str
    task: str
    outcome: str
    passed: bool
    n_passed: int
    n_run: int
    speedup: float | None = None
    speedup_lo: float | None = None
    speedup_hi: float | None = None
    memory_reduction: float | None = None
    below_resolution: bool = False
    runtime_percentile: float | None = None
    memory_percentile: float | None = None
    engine: str | None = None
    memory_lo: float | None = None
    memory_hi: float | None = None
    drift_tests: int = 0  # tests whose paired speedup moved between evaluations beyond noise


@dataclass(frozen=True, slots=True)
class VerdictStamp:
    """What a run's verdicts were computed from: when either count changes, the cache is stale."""

    n_executions: int
    n_outputs: int


# -- training data (`ecco export-training`; queries in db/queries/training_*.sql) --------------------------


@dataclass(frozen=True, slots=True)
class TrainingPairRow:
    """A CodeNet pair as fine-tuning reads it: the slow and fast programs and their reference runtimes."""

    pair_id: str
    split: str | None
    problem_id: str
    input_code: str
    input_sha256: str
    target_code: str
    input_runtime_s: float | None
    target_runtime_s: float | None


@dataclass(frozen=True, slots=True)
class TrainingOutputRow:
    """A final-round model output with its cached verdict and, for editing, its input."""

    output_id: str
    run_id: str
    model: str
    method: str
    task: str
    problem_id: str
    split: str | None
    pair_id: str | None
    target_code: str
    input_code: str | None
    input_sha256: str | None
    outcome: str
    speedup: float | None
    speedup_lo: float | None
    speedup_hi: float | None
    n_passed: int
    n_run: int
    engine: str | None
    runtime_percentile: float | None


@dataclass(frozen=True, slots=True)
class TrajectoryProgramRow:
    """One accepted program of a user's trajectory with CodeNet's CPU time."""

    trajectory_id: str
    split: str | None
    problem_id: str
    step: int
    code: str
    cpu_time_ms: float
