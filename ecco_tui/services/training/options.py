"""What `ecco export-training` exports: formats, tasks, filters, and the examples it makes."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

FORMATS = ("vanilla", "exec", "trajectory", "preference")
TASKS = ("edit", "generate")
#: Splits training data may come from. The test split never: a model trained on it would be scored on what
#: it saw (`ExportError` names the problem).
TRAINING_SPLITS = ("train", "val")
#: Outcomes a target may have: the output passes every private test (a failing program is never a target).
TARGET_OUTCOMES = {
    "edit": ("correct-optimization", "correct-no-gain", "within-noise"),
    "generate": ("passes",),
}
DEFAULT_VERDICTS = {"edit": ("correct-optimization",), "generate": ("passes",)}
#: Rejected side of a preference pair, by outcome: why it loses to a verified correct optimization.
REJECTED_OUTCOMES = {
    "edit": ("spurious-optimization", "correct-no-gain", "within-noise"),
    "generate": ("fails",),
}


class ExportError(Exception):
    """The export cannot be made as asked (one line naming what is wrong); nothing is written."""


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """The command's choices. `verdicts`: outcomes a model output's target may have (default: verified
    correct optimizations; generation: passing programs); `labels`: keep only targets carrying one of these
    live labels; `min_speedup`: keep only targets at least this much faster than their input (examples whose
    speedup is unknown are left out then); `include_fixes`: ECCO-FIX fixes as targets for their outputs'
    inputs; `codenet`: CodeNet's own pairs (and, for generation, each problem's fastest solution);
    `problem_id`: one problem's examples only."""

    format: str
    task: str = "edit"
    splits: tuple[str, ...] = TRAINING_SPLITS
    verdicts: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    min_speedup: float | None = None
    include_fixes: bool = False
    codenet: bool = True
    problem_id: str | None = None  # only this problem's examples (`--problem`; the app's export badge)

    def checked(self) -> ExportOptions:
        """These options, with the task's default verdicts; raises `ExportError` for a choice that cannot
        make training data (an unknown format, a failing outcome as target, a format the task has not)."""
        if self.format not in FORMATS:
            raise ExportError(f"--format {self.format!r}: one of {', '.join(FORMATS)}")
        if self.task not in TASKS:
            raise ExportError(f"--task {self.task!r}: one of {', '.join(TASKS)}")
        if self.task == "generate" and self.format in ("exec", "trajectory"):
            raise ExportError(f"--format {self.format} conditions on an input program: only --task edit has one")
        if self.task == "generate" and self.min_speedup is not None:
            raise ExportError("--min-speedup: generated programs have no input to be faster than (--task edit)")
        unknown = [s for s in self.splits if s not in (*TRAINING_SPLITS, "test")]
        if unknown:
            raise ExportError(f"--split {unknown[0]!r}: one of {', '.join(TRAINING_SPLITS)}")
        verdicts = self.verdicts or DEFAULT_VERDICTS[self.task]
        for v in verdicts:
            if v not in TARGET_OUTCOMES[self.task]:
                raise ExportError(f"--verdict {v}: a target must pass every test "
                                  f"(one of {', '.join(TARGET_OUTCOMES[self.task])})")
        return replace(self, verdicts=tuple(verdicts))


@dataclass(frozen=True, slots=True)
class Candidate:
    """One (input, target) a training example can be made of, with where it comes from.

    `source`: codenet-pair, codenet-trajectory, codenet-fastest, model-run or ecco-fix; `source_id` the pair,
    trajectory, problem or output; `engine`/`accounting` of the verdict that verified it (CodeNet's reference
    runtimes for CodeNet examples); `speedup` with its 95% interval where one was measured."""

    task: str
    split: str
    problem_id: str
    source: str
    source_id: str
    target: str
    input: str | None = None  # the program to optimize (editing) or the NL statement (generation)
    input_sha256: str | None = None
    engine: str | None = None
    accounting: str | None = None
    speedup: float | None = None
    speedup_lo: float | None = None
    speedup_hi: float | None = None
    outcome: str | None = None
    n_passed: int | None = None
    n_run: int | None = None
    runtime_percentile: float | None = None
    labels: tuple[str, ...] = ()
    context: tuple[tuple[str, str], ...] = ()  # trajectory: (rank, code) of earlier programs, slowest first


@dataclass
class Counts:
    """How many candidates each filter kept, per source, for `--dry-run` and the dataset card."""

    stages: dict[str, dict[str, int]] = field(default_factory=dict)  # stage -> source -> count

    def add(self, stage: str, candidates: list[Candidate]) -> None:
        by_source: dict[str, int] = {}
        for c in candidates:
            by_source[c.source] = by_source.get(c.source, 0) + 1
        self.stages[stage] = by_source
