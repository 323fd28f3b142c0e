"""`ecco report`: the paper's tables from stored per-test executions, without executing anything.

Rows are model × method (one per run). Every number is recomputed from per-test results with
`ecco_tui.metrics` — the default definitions, or ECCO's own scripts' rules with `mode="ecco"`.

Intervals: the mean speedup and mean memory reduction of a line come with a seeded 95% bootstrap interval
over pairs (`speedup_ci`, `memory_reduction_ci`); each output's speedup with a 95% interval from measurement
noise (`editing_verdicts`).

Two measures of cost: where executions carry valgrind instruction counts (`ecco eval --cost instructions`),
each output also gets an instruction-count speedup — Σ input instructions / Σ output instructions over the
same tests as its CPU-time speedup, defined only when every one of those tests has a count on both sides —
and the line the mean of it over passing outputs (`mean_instruction_speedup`, with its interval). An output
where the two *disagree* is one where one measure says faster and the other slower, each by its own
standard: the CPU-time interval lies wholly above 1 (or below 1) while the instruction ratio is below
1/1.01 (or above 1.01). Counts are exact, so they get no interval, only a 1% tie band
(`metrics.stats.cost_directions_disagree`); an undecided CPU interval is never a disagreement.
"""

from __future__ import annotations

import csv
import io
import json
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

from ecco_tui.engines.base import code_sha256
from ecco_tui.metrics import summary as metric_summary
from ecco_tui.metrics.editing import memory_ratio, runtime_ratio
from ecco_tui.metrics.outcome import Outcome, classify_outcome
from ecco_tui.metrics.stats import (
    bootstrap_mean_ci,
    cost_directions_disagree,
    interval_direction,
    measurement_ratio_cis,
    memory_samples,
    ratio_direction,
    ratio_of_sums,
    runtime_samples,
)
from ecco_tui.metrics.types import EditingRow, GenerationRow, ProgramMeasure, TestMeasure, median_per_test
from ecco_tui.services.engines import UNSANDBOXED, accounting_of, is_sandboxed
from ecco_tui.store.models import Execution, ModelOutput, Pair, Run
from ecco_tui.store.store import Store, StoreError


@dataclass(frozen=True, slots=True)
class ReportLine:
    run_id: str
    task: str
    model: str
    method: str
    split: str
    engine: str | None
    n: int
    pass_at_1: float | None
    mean_speedup: float | None = None
    mean_memory_reduction: float | None = None
    pct_runtime_optimized: float | None = None
    pct_memory_optimized: float | None = None
    mean_runtime_percentile: float | None = None
    mean_memory_percentile: float | None = None
    n_inputs_failing: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    mode: str = "default"
    note: str = ""
    n_below_resolution: int = 0
    # 95% bootstrap intervals (pairs resampled, seeded) of mean_speedup and mean_memory_reduction.
    speedup_ci: tuple[float, float] | None = None
    memory_reduction_ci: tuple[float, float] | None = None
    # Instruction counts (ecco eval --cost instructions), default mode only: the mean instruction-count speedup
    # over passing outputs that have one (n_instruction_pairs of them), its interval, how many outputs have both
    # a CPU-time interval and an instruction ratio, and in how many of those the two point different ways.
    mean_instruction_speedup: float | None = None
    instruction_speedup_ci: tuple[float, float] | None = None
    n_instruction_pairs: int = 0
    n_cost_compared: int = 0
    n_cost_disagreements: int = 0
    # False when any execution the line is computed from ran without the bubblewrap sandbox (local engine in
    # rlimit mode, `--no-sandbox`): every header then says UNSANDBOXED (`unsandboxed_header`).
    sandboxed: bool = True
    # How the measurements charge a program (whole tree or main process; services.engines.accounting_of).
    accounting: str = ""


COMPLETED = (3, 4)  # Accepted, Wrong Answer: the runs whose time and memory mean something


def _test_measure(e: Execution, tag_visibility: bool = True) -> TestMeasure:
    """A test's measure; like ECCO, time and memory count only for runs that completed (a crash's time is how
    fast it crashed, which must not make a broken program look like an optimization)."""
    completed = e.status_id in COMPLETED
    return TestMeasure(
        test_id=f"{e.visibility}:{e.test_idx}" if tag_visibility else str(e.test_idx),
        passed=e.status_id == 3,
        status_id=e.status_id,
        cpu_time_s=e.cpu_time_s if completed else None,
        memory_kb=e.memory_kb if completed else None,
    )


def measure_from_executions(executions: Iterable[Execution], *, tag_visibility: bool = True) -> ProgramMeasure:
    """One program's per-test medians (over repeats) from its stored executions."""
    samples = [_test_measure(e, tag_visibility) for e in executions]
    return median_per_test(samples) if samples else ProgramMeasure()


def instruction_counts(executions: Iterable[Execution]) -> dict[str, float]:
    """Per test (``visibility:idx``), the valgrind instruction count of a completed run (the median when
    several repeats carry one; counts are deterministic, so they agree)."""
    grouped: dict[str, list[float]] = defaultdict(list)
    for e in executions:
        if e.instructions is not None and e.status_id in COMPLETED:
            grouped[f"{e.visibility}:{e.test_idx}"].append(float(e.instructions))
    return {k: statistics.median(v) for k, v in grouped.items()}


def instruction_speedup(input_executions: Sequence[Execution], output_executions: Sequence[Execution]) -> float | None:
    """Σ input instructions / Σ output instructions over the tests the CPU-time ratio is taken over (both
    completed); ``None`` unless every one of those tests has a count on both sides."""
    counts_in, counts_out = instruction_counts(input_executions), instruction_counts(output_executions)
    if not counts_in or not counts_out:
        return None
    common = runtime_samples(_raw(input_executions)).keys() & runtime_samples(_raw(output_executions)).keys()
    return ratio_of_sums(counts_in, counts_out, common)


def choose_engine(store: Store, shas: Sequence[str], wanted: str | None, run_id: str) -> str | None:
    engines = store.execution_engines(shas)
    if wanted:
        return wanted
    if not engines:
        return None
    if len(engines) > 1:
        listed = ", ".join(f"{k} ({v})" for k, v in engines.items())
        raise StoreError(f"run {run_id} has results from several engines ({listed}): pick one with --engine")
    return next(iter(engines))


def _final_outputs(store: Store, run_id: str) -> dict[int, list[ModelOutput]]:
    rows: dict[int, list[ModelOutput]] = defaultdict(list)
    for out in store.outputs(run_id=run_id, final_round_only=True, limit=10_000_000):
        rows[out.row_idx].append(out)
    return dict(sorted(rows.items()))


class RunMeasurements:
    """Everything stored about one run's programs, loaded once: final-round outputs per row, their pairs, and
    the latest executions of every program (row-bound imported ones kept apart)."""

    def __init__(self, store: Store, run: Run, *, engine: str | None, visibility: str | None) -> None:
        self.run = run
        self.rows = _final_outputs(store, run.run_id)
        pair_ids = {o.pair_id for outs in self.rows.values() for o in outs if o.pair_id}
        found = store.get_pairs(sorted(pair_ids))  # one query: a point lookup per pair costs ~3 ms at scale
        self.pairs: dict[str, Pair | None] = {pid: found.get(pid) for pid in pair_ids}
        codes: dict[str, str] = {}
        for outs in self.rows.values():
            for o in outs:
                if o.code and o.code.strip():
                    codes[code_sha256(o.code)] = o.code
        for pair in self.pairs.values():
            if pair is not None:
                codes[pair.slow.code_sha256] = pair.slow.code
        self.engine = choose_engine(store, list(codes), engine, run.run_id)
        executions = store.latest_executions(list(codes), engine=self.engine, visibility=visibility) if (
            self.engine) else []
        # Whether every measurement this run's numbers come from was sandboxed (the report header says if not).
        self.sandboxed = all(is_sandboxed(ex.engine_version) for ex in executions)
        self.accounting = "; ".join(sorted({accounting_of(ex.engine_version) for ex in executions}))
        self.by_program: dict[tuple[str, str, str | None], list[Execution]] = defaultdict(list)
        for ex in executions:
            self.by_program[(ex.code_sha256, ex.problem_id, ex.context)].append(ex)
        self.imported_rows: set[int] = set()
        for _, _, context in self.by_program:
            if context and context.startswith(f"{run.run_id}#"):
                self.imported_rows.add(int(context.split("#")[1]))

    def executions(self, code: str | None, problem_id: str, row: int, role: str) -> list[Execution]:
        """Row-bound measurements (imported result files) first, else the content-addressed ones."""
        if not code or not code.strip():
            return []
        sha = code_sha256(code)
        return self.by_program.get((sha, problem_id, f"{self.run.run_id}#{row}#{role}")) or self.by_program.get(
            (sha, problem_id, None)) or []

    def measure(self, code: str | None, problem_id: str, row: int, role: str) -> ProgramMeasure:
        return measure_from_executions(self.executions(code, problem_id, row, role))

    def pair_of(self, outs: list[ModelOutput]) -> Pair | None:
        return self.pairs.get(outs[0].pair_id) if outs[0].pair_id else None

    def editing_rows(self) -> list[EditingRow]:
        edit_rows = []
        for row, outs in self.rows.items():
            pair = self.pair_of(outs)
            inp = self.measure(pair.slow.code, pair.problem_id, row, "input") if pair else None
            evaluated = row in self.imported_rows or (inp is not None and inp.ran)
            edit_rows.append(EditingRow(inp if inp is None or inp.ran else None,
                                        _ran_or_empty([self.measure(o.code, o.problem_id, row, "output")
                                                       for o in outs], evaluated),
                                        problem_id=outs[0].problem_id))
        return edit_rows


@dataclass(frozen=True, slots=True)
class OutputVerdict:
    """One editing output judged with its uncertainty: what the app shows beside each output."""

    output_id: str
    row_idx: int
    problem_id: str
    passed: bool
    n_tests: int
    n_passed: int
    speedup: float | None  # point estimate over common tests (defined for failing outputs too)
    speedup_lo: float | None
    speedup_hi: float | None
    memory_reduction: float | None
    outcome: str
    below_resolution: bool  # total CPU time under 20× the timer resolution: the ratio is mostly rounding
    identical_to_input: bool
    # Instruction counts (when stored): the instruction-count speedup over the same tests as `speedup`, and
    # whether it and the CPU-time interval point different ways (see the module docstring).
    instruction_speedup: float | None = None
    cost_disagree: bool = False
    # 95% interval of the memory reduction, from the same executions and noise model as the speedup's.
    memory_lo: float | None = None
    memory_hi: float | None = None

    @property
    def cpu_direction(self) -> str | None:
        """faster / slower / undecided: where the CPU-time speedup's interval lies relative to 1."""
        if self.speedup_lo is None or self.speedup_hi is None:
            return None
        return interval_direction(self.speedup_lo, self.speedup_hi)

    @property
    def instruction_direction(self) -> str | None:
        """faster / slower / same (within 1%): which way the instruction-count speedup points."""
        return None if self.instruction_speedup is None else ratio_direction(self.instruction_speedup)


def raw_measures(executions: Iterable[Execution]) -> list[TestMeasure]:
    """Every execution as a measure, repeats kept (what the interval functions resample)."""
    return [_test_measure(e) for e in executions]


_raw = raw_measures


#: Bootstrap rounds of the memory-reduction interval: memory varies less than time, and a verdict never
#: depends on it, so fewer rounds than the speedup's 1000 keep a whole run's verdicts cheap.
MEMORY_BOOT = 400


def editing_verdicts(
    data: RunMeasurements, *, faster_threshold: float = 1.0, resolution_s: float = 0.001, seed: int = 0
) -> list[OutputVerdict]:
    """Per output: speedup with a seeded 95% interval from measurement noise over the fixed test set (repeats
    resampled; a 3% noise floor for tests run once — see `metrics.stats.measurement_ratio_ci`) and the outcome
    under that interval. Two identical programs (same normalized text) can only differ by noise, so they are
    `within-noise` (when passing) whatever their measurements say.

    The intervals of all outputs are computed in one batch (`metrics.stats.measurement_ratio_cis`: for each
    output exactly the interval `measurement_ratio_ci` gives it alone, as a few numpy arrays per run)."""
    verdicts = []
    judged = []  # (row, pair, input executions, input measure, output, output executions), in report order
    for row, outs in data.rows.items():
        pair = data.pair_of(outs)
        inp_ex = data.executions(pair.slow.code, pair.problem_id, row, "input") if pair else []
        inp = measure_from_executions(inp_ex)
        judged += [(row, pair, inp_ex, inp, o, data.executions(o.code, o.problem_id, row, "output")) for o in outs]
    both = [(_raw(inp_ex), _raw(out_ex)) for _, _, inp_ex, _, _, out_ex in judged if inp_ex and out_ex]
    speed_cis = iter(measurement_ratio_cis([(runtime_samples(i), runtime_samples(o)) for i, o in both],
                                           n_boot=1000, seed=seed))
    memory_cis = iter(measurement_ratio_cis([(memory_samples(i), memory_samples(o)) for i, o in both],
                                            n_boot=MEMORY_BOOT, seed=seed))
    for row, pair, inp_ex, inp, o, out_ex in judged:
        out = measure_from_executions(out_ex)
        same = pair is not None and bool(o.code) and code_sha256(o.code or "") == pair.slow.code_sha256
        ci, mem_ci = (next(speed_cis), next(memory_cis)) if inp_ex and out_ex else (None, None)
        total = out.total_runtime
        if not out.ran:
            outcome = Outcome.NOT_RUN
        elif same and out.all_passed:
            outcome = Outcome.WITHIN_NOISE
        else:
            noise = (ci[1], ci[2]) if ci else None
            outcome = classify_outcome(inp if inp.ran else None, out, faster_threshold=faster_threshold,
                                       noise=noise)
        instructions = instruction_speedup(inp_ex, out_ex) if inp_ex and out_ex else None
        verdicts.append(OutputVerdict(
            output_id=o.output_id, row_idx=row, problem_id=o.problem_id, passed=out.all_passed,
            n_tests=out.n_tests, n_passed=out.n_passed,
            speedup=runtime_ratio(inp if inp.ran else None, out), speedup_lo=ci[1] if ci else None,
            speedup_hi=ci[2] if ci else None, memory_reduction=memory_ratio(inp if inp.ran else None, out),
            outcome=outcome.value, below_resolution=total is not None and total < 20 * resolution_s,
            identical_to_input=same, instruction_speedup=instructions,
            cost_disagree=cost_directions_disagree((ci[1], ci[2]) if ci else None, instructions),
            memory_lo=mem_ci[1] if mem_ci else None, memory_hi=mem_ci[2] if mem_ci else None,
        ))
    return verdicts


def report_run(
    store: Store,
    run: Run,
    *,
    engine: str | None = None,
    visibility: str | None = "private",
    mode: str = "default",
    faster_threshold: float = 1.0,
) -> ReportLine:
    data = RunMeasurements(store, run, engine=engine, visibility=visibility)
    rows, engine_name, imported_rows = data.rows, data.engine, data.imported_rows
    measure = data.measure
    if run.task == "edit":
        edit_rows = data.editing_rows()
        s = metric_summary.summarize_editing(edit_rows, mode=mode)  # type: ignore[arg-type]
        intervals = metric_summary.editing_mean_intervals(edit_rows, mode=mode)  # type: ignore[arg-type]
        outcomes = dict(s.outcomes)
        below = 0
        cost: dict[str, object] = {}
        if mode == "default":
            # Outcomes use intervals: "faster" needs the interval's lower bound above the threshold.
            verdicts = editing_verdicts(data, faster_threshold=faster_threshold)
            outcomes = {o.value: 0 for o in Outcome}
            for v in verdicts:
                outcomes[v.outcome] += 1
            outcomes[Outcome.NOT_RUN.value] += sum(1 for outs in rows.values() for o in outs) - len(verdicts)
            below = sum(v.below_resolution for v in verdicts)
            cost = _cost_summary(verdicts)
        return ReportLine(run.run_id, run.task, run.model, run.method, run.split, engine_name, s.n, s.pass_at_1,
                          mean_speedup=s.mean_speedup, mean_memory_reduction=s.mean_memory_reduction,
                          pct_runtime_optimized=s.pct_runtime_optimized, pct_memory_optimized=s.pct_memory_optimized,
                          n_inputs_failing=s.n_inputs_failing, outcomes=outcomes, mode=mode,
                          n_below_resolution=below, speedup_ci=intervals.speedup,
                          memory_reduction_ci=intervals.memory_reduction, sandboxed=data.sandboxed,
                          accounting=data.accounting,
                          **cost)  # type: ignore[arg-type]
    gen_rows = []
    for row, outs in rows.items():
        spectrum = store.spectrum(outs[0].problem_id)
        # A row an ECCO result file has an entry for was scored against a spectrum ECCO had, even when this
        # store has none: keep it (percentiles stay undefined) instead of skipping it like an unscored row.
        fallback = () if row in imported_rows else None
        gen_rows.append(GenerationRow(_ran_or_empty([measure(o.code, o.problem_id, row, "output") for o in outs],
                                                    row in imported_rows),
                                      spectrum.runtimes_s if spectrum else fallback,
                                      spectrum.memories_kb if spectrum else fallback,
                                      problem_id=outs[0].problem_id))
    g = metric_summary.summarize_generation(gen_rows, mode=mode)  # type: ignore[arg-type]
    # Percentiles only from rows whose spectrum this store holds (the () fallback above only keeps rows in
    # the pass@1 denominator).
    with_spectrum = [r for r in gen_rows if r.human_runtimes]
    p = metric_summary.summarize_generation(with_spectrum, mode=mode) if with_spectrum else None  # type: ignore[arg-type]
    note = "" if len(with_spectrum) == len(gen_rows) else (
        f"{len(gen_rows) - len(with_spectrum)} problems have no spectrum in the store (import generate_eval)")
    return ReportLine(run.run_id, run.task, run.model, run.method, run.split, engine_name, g.n, g.pass_at_1,
                      mean_runtime_percentile=p.mean_runtime_percentile if p else None,
                      mean_memory_percentile=p.mean_memory_percentile if p else None, mode=mode, note=note,
                      sandboxed=data.sandboxed, accounting=data.accounting)


def _cost_summary(verdicts: Sequence[OutputVerdict]) -> dict[str, object]:
    """The line's instruction-count fields from its outputs' verdicts (empty when nothing was counted)."""
    values = [v.instruction_speedup for v in verdicts if v.passed and v.instruction_speedup is not None]
    compared = [v for v in verdicts if v.instruction_speedup is not None and v.speedup_lo is not None]
    if not values and not compared:
        return {}
    ci = bootstrap_mean_ci(values)
    return {
        "mean_instruction_speedup": ci[0] if ci else None,
        "instruction_speedup_ci": (ci[1], ci[2]) if ci else None,
        "n_instruction_pairs": len(values),
        "n_cost_compared": len(compared),
        "n_cost_disagreements": sum(v.cost_disagree for v in compared),
    }


def _ran_or_empty(measures: list[ProgramMeasure], evaluated: bool = False) -> tuple[ProgramMeasure, ...]:
    """A row none of whose samples ran, and that no result file scored, has no outputs: ECCO skipped it
    (compat mode leaves it out) and default mode counts it not-run."""
    return tuple(measures) if evaluated or any(m.ran for m in measures) else ()


def build_report(
    store: Store,
    run_ids: Sequence[str] | None = None,
    *,
    engine: str | None = None,
    visibility: str | None = "private",
    mode: str = "default",
    faster_threshold: float = 1.0,
) -> list[ReportLine]:
    runs = store.runs()
    if run_ids:
        known = {r.run_id: r for r in runs}
        missing = [r for r in run_ids if r not in known]
        if missing:
            raise StoreError(f"no run named {missing[0]!r} (runs: {', '.join(known) or 'none'})")
        runs = [known[r] for r in run_ids]
    return [report_run(store, run, engine=engine, visibility=visibility, mode=mode,
                       faster_threshold=faster_threshold) for run in runs]


EDIT_COLUMNS = ("model", "method", "n", "pass@1", "speedup", "mem. red.", "% rt opt", "% mem opt", "inputs failing")
GEN_COLUMNS = ("model", "method", "n", "pass@1", "runtime %", "memory %")
#: Added to the editing table when some line has instruction counts (ecco eval --cost instructions).
INSTRUCTION_COLUMNS = ("instr. speedup", "cost disagree")


def _fmt(value: float | None, unit: str = "") -> str:
    return "–" if value is None else f"{value:.2f}{unit}"


def _ratio(value: float | None, interval: tuple[float, float] | None = None) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}×" + ("" if interval is None else f" [{interval[0]:.3f}–{interval[1]:.3f}]")


def _has_instructions(lines: Sequence[ReportLine]) -> bool:
    return any(line.task == "edit" and (line.n_instruction_pairs or line.n_cost_compared) for line in lines)


def columns(lines: Sequence[ReportLine], task: str) -> tuple[str, ...]:
    """The table's columns for `task`; the instruction-count ones only when some line has counts."""
    if task != "edit":
        return GEN_COLUMNS
    return EDIT_COLUMNS + INSTRUCTION_COLUMNS if _has_instructions(lines) else EDIT_COLUMNS


def table_rows(lines: Sequence[ReportLine], task: str) -> list[list[str]]:
    """One row of cells per line of `task`, matching `columns(lines, task)`; ratios carry their 95% interval."""
    out = []
    with_instructions = _has_instructions(lines)
    for line in lines:
        if line.task != task:
            continue
        if task == "edit":
            row = [line.model, line.method, str(line.n), _fmt(line.pass_at_1),
                   _ratio(line.mean_speedup, line.speedup_ci),
                   _ratio(line.mean_memory_reduction, line.memory_reduction_ci), _fmt(line.pct_runtime_optimized),
                   _fmt(line.pct_memory_optimized), str(line.n_inputs_failing)]
            if with_instructions:
                row += [_ratio(line.mean_instruction_speedup, line.instruction_speedup_ci),
                        f"{line.n_cost_disagreements}/{line.n_cost_compared}" if line.n_cost_compared else "–"]
            out.append(row)
        else:
            out.append([line.model, line.method, str(line.n), _fmt(line.pass_at_1),
                        _fmt(line.mean_runtime_percentile), _fmt(line.mean_memory_percentile)])
    return out


def unsandboxed_header(lines: Sequence[ReportLine]) -> str | None:
    """The report's warning line when some run was measured without the sandbox, else None: its numbers came
    from programs that could read the user's files and use the network, and were timed outside bubblewrap."""
    runs = [line.run_id for line in lines if not line.sandboxed]
    if not runs:
        return None
    return (f"{UNSANDBOXED}: {', '.join(runs)} measured without the bubblewrap sandbox (local engine in rlimit "
            "mode, --no-sandbox)")


def accounting_header(lines: Sequence[ReportLine]) -> str | None:
    """Which accounting measured the report's numbers: one line when every run agrees, else one per run.

    Whole-tree figures (cgroup, like Judge0's) and main-process figures are not comparable, so a report says
    which it shows."""
    modes = {line.accounting for line in lines if line.accounting}
    if not modes:
        return None
    if len(modes) == 1:
        return f"cost charged: {modes.pop()}"
    return "cost charged: " + "; ".join(f"{line.run_id}: {line.accounting}" for line in lines if line.accounting)


def render_json(lines: Sequence[ReportLine]) -> str:
    return json.dumps([asdict(line) for line in lines], indent=2, sort_keys=True)


def render_csv(lines: Sequence[ReportLine]) -> str:
    buf = io.StringIO()
    fields = [f for f in ReportLine.__dataclass_fields__ if f != "outcomes"] + ["outcomes"]
    writer = csv.DictWriter(buf, fieldnames=fields)
    writer.writeheader()
    for line in lines:
        row = asdict(line)
        row["outcomes"] = json.dumps(row["outcomes"], sort_keys=True)
        for key, value in row.items():
            if isinstance(value, tuple):  # intervals: [lo, hi], as in the JSON
                row[key] = json.dumps(list(value))
        writer.writerow(row)
    return buf.getvalue()


def render_markdown(lines: Sequence[ReportLine]) -> str:
    parts = []
    header = unsandboxed_header(lines)
    if header is not None:
        word, rest = header.split(":", 1)
        parts.append(f"**{word}**:{rest}\n")
    if (charged := accounting_header(lines)) is not None:
        parts.append(f"_{charged}_\n")
    for task, title in (("edit", "History-based editing"), ("generate", "NL-instructed generation")):
        cols = columns(lines, task)
        rows = table_rows(lines, task)
        if not rows:
            continue
        parts.append(f"### {title}\n")
        parts.append("| " + " | ".join(cols) + " |")
        parts.append("|" + "---|" * len(cols))
        parts.extend("| " + " | ".join(r) + " |" for r in rows)
        parts.append("")
    return "\n".join(parts)


@dataclass(frozen=True, slots=True)
class ExplainTest:
    test_id: str
    input_status: str | None
    input_time_s: float | None
    input_memory_kb: float | None
    output_status: str | None
    output_time_s: float | None
    output_memory_kb: float | None
    counted: bool  # whether the test enters the speedup sums
    input_instructions: float | None = None  # valgrind instruction counts, when measured
    output_instructions: float | None = None


@dataclass(frozen=True, slots=True)
class RowExplanation:
    run_id: str
    row_idx: int
    problem_id: str
    engine: str | None
    mode: str
    output_id: str
    tests: list[ExplainTest]
    input_passed_all: bool
    output_passed_all: bool
    input_time_sum: float | None
    output_time_sum: float | None
    speedup: float | None
    memory_reduction: float | None
    outcome: str | None
    interval: tuple[float, float] | None
    rule: str  # one sentence: which rule made these numbers
    # Instruction counts: the speedup by instructions over the same tests as the CPU-time one, its sums, which
    # way each measure points (faster / slower / undecided or same) and whether they contradict each other.
    instruction_speedup: float | None = None
    input_instructions_sum: float | None = None
    output_instructions_sum: float | None = None
    cpu_direction: str | None = None
    instruction_direction: str | None = None
    cost_disagree: bool = False


def _sum_over(values: dict[str, float], keys: Iterable[str]) -> float:
    return math.fsum(values[k] for k in keys)


def explain_row(
    store: Store, run_id: str, row: int, *, engine: str | None = None, visibility: str | None = "private",
    mode: str = "default",
) -> RowExplanation:
    """How one editing row's numbers come about, test by test, under the chosen mode."""
    from ecco_tui.metrics import ecco_compat, editing

    run = store.get_run(run_id)
    if run is None:
        raise StoreError(f"no run named {run_id!r}")
    if run.task != "edit":
        raise StoreError(f"run {run_id} is a generation run: --explain explains editing rows")
    data = RunMeasurements(store, run, engine=engine, visibility=visibility)
    outs = data.rows.get(row)
    if not outs:
        raise StoreError(f"run {run_id} has no row {row} (rows 0-{max(data.rows) if data.rows else 0})")
    pair = data.pair_of(outs)
    inp_ex = data.executions(pair.slow.code, pair.problem_id, row, "input") if pair else []
    samples = [measure_from_executions(data.executions(o.code, o.problem_id, row, "output")) for o in outs]
    best_index = (ecco_compat.ecco_best_sample(samples) if mode == "ecco" else 0) or 0
    out = outs[best_index]
    out_ex = data.executions(out.code, out.problem_id, row, "output")
    inp, outp = measure_from_executions(inp_ex), samples[best_index]
    if mode == "ecco":
        speedup = ecco_compat.ecco_speedup(inp, outp)
        reduction = ecco_compat.ecco_memory_reduction(inp, outp)
        counted = set(ecco_compat.ecco_passed_ids(outp)) if ecco_compat.ecco_passed_all(inp) else set()
        rule = ("ECCO's rule: best sample by tests passed, then runtime; speedup = sum of the input's times over "
                "the tests the best sample passed / the output's, only when the input passed all its tests")
    else:
        speedup = editing.speedup(inp, outp)
        reduction = editing.memory_reduction(inp, outp)
        both = {t.test_id for t in inp.tests if t.cpu_time_s is not None} & {
            t.test_id for t in outp.tests if t.cpu_time_s is not None}
        counted = both if outp.all_passed else set()
        rule = ("default: the output must pass every test; speedup = sum of the input's CPU times / the output's, "
                "over the tests both completed; times of crashed tests are not counted")
    verdict = next((v for v in editing_verdicts(data) if v.output_id == out.output_id), None)
    by_in = {f"{e.visibility}:{e.test_idx}": e for e in inp_ex}
    by_out = {f"{e.visibility}:{e.test_idx}": e for e in out_ex}
    count_in, count_out = instruction_counts(inp_ex), instruction_counts(out_ex)
    tests = []
    for tid in sorted(set(by_in) | set(by_out), key=lambda t: (t.split(":")[0] != "public", int(t.split(":")[1]))):
        a, b = by_in.get(tid), by_out.get(tid)
        tests.append(ExplainTest(tid, a.status_description if a else None, a.cpu_time_s if a else None,
                                 a.memory_kb if a else None, b.status_description if b else None,
                                 b.cpu_time_s if b else None, b.memory_kb if b else None, tid in counted,
                                 count_in.get(tid), count_out.get(tid)))
    in_sum = math.fsum(t.input_time_s or 0.0 for t in tests if t.counted) if counted else None
    out_sum = math.fsum(t.output_time_s or 0.0 for t in tests if t.counted) if counted else None
    interval = ((verdict.speedup_lo, verdict.speedup_hi) if verdict and verdict.speedup_lo is not None
                and verdict.speedup_hi is not None else None)
    by_instructions = instruction_speedup(inp_ex, out_ex) if inp_ex and out_ex else None
    cost_tests = runtime_samples(_raw(inp_ex)).keys() & runtime_samples(_raw(out_ex)).keys()
    return RowExplanation(run_id, row, outs[0].problem_id, data.engine, mode, out.output_id, tests,
                          inp.all_passed, outp.all_passed, in_sum, out_sum, speedup, reduction,
                          verdict.outcome if verdict else None, interval, rule,
                          instruction_speedup=by_instructions,
                          input_instructions_sum=_sum_over(count_in, cost_tests) if by_instructions else None,
                          output_instructions_sum=_sum_over(count_out, cost_tests) if by_instructions else None,
                          cpu_direction=interval_direction(*interval) if interval else None,
                          instruction_direction=ratio_direction(by_instructions) if by_instructions else None,
                          cost_disagree=cost_directions_disagree(interval, by_instructions))
