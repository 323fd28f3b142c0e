"""`ecco report`: the paper's tables from stored per-test executions, without executing anything.

Rows are model × method (one per run). Every number is recomputed from per-test results with
`ecco_tui.metrics` — the default definitions, or ECCO's own scripts' rules with `mode="ecco"`.

Each output's verdict (outcome, speedup and memory reduction with their 95% intervals from measurement noise,
instruction-count speedup and whether it disagrees with CPU time) is `services.judging`'s, which states the
paper's definitions and the interval; this module aggregates verdicts into lines and tables.

Line intervals: the mean speedup and mean memory reduction of a line come with a seeded 95% bootstrap
interval over pairs (`speedup_ci`, `memory_reduction_ci`), and the mean instruction-count speedup over
passing outputs likewise (`mean_instruction_speedup`, `judging.cost_summary`); `n_cost_disagreements` counts
the outputs whose two measures point different ways.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, TypeAlias, cast

from ecco_tui import __version__
from ecco_tui.engines.base import STATUS_DESCRIPTIONS
from ecco_tui.metrics import ecco_compat
from ecco_tui.metrics import summary as metric_summary
from ecco_tui.metrics.scaling import ALGORITHMIC, CONSTANT_FACTOR, classify_scaling, cpu_test_costs, input_sizes
from ecco_tui.metrics.types import EditingRow, GenerationRow, ProgramMeasure, TestMeasure
from ecco_tui.model import Run, StoredVerdict, VerdictStamp, code_sha256
from ecco_tui.services.engines import UNSANDBOXED, accounting_of, is_sandboxed
from ecco_tui.services.judging import MEMORY_BOOT as MEMORY_BOOT
from ecco_tui.services.judging import (
    NOT_RUN,
    SCORED,
    JudgedRun,
    Measurements,
    cost_summary,
    instruction_counts,
    instruction_speedup,
    instruction_totals,
    measure_from_executions,
    outcome_counts,
)
from ecco_tui.services.judging import OutputVerdict as OutputVerdict
from ecco_tui.services.judging import editing_verdicts as editing_verdicts
from ecco_tui.services.judging import raw_measures as raw_measures
from ecco_tui.services.judging.spectra import human_spectra, uses_published
from ecco_tui.services.runs import named_runs
from ecco_tui.store.store import EccoBasisRow, ReportBasis, Store, StoreError

#: What a line is computed from: verdicts judged now, or as the verdict cache stores them.
Verdictish: TypeAlias = "OutputVerdict | StoredVerdict"

#: Judging (measurements -> verdicts) is `services.judging`'s; the names re-exported above and this one stay
#: importable from the report for the modules, tests and benchmarks that import them from here.
RunMeasurements = Measurements


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
    # Outputs with a test whose paired speedup moved between the evaluations pooled into it (`metrics.drift`).
    n_drift: int = 0
    # Correct optimizations by how their CPU time grows with input size (`scaling_kinds`, issue #23): the
    # exponent moved (a better algorithm), a constant factor, or unclear (too few sizes, poor fits). Default mode.
    n_algorithmic: int = 0
    n_constant_factor: int = 0
    n_scaling_unclear: int = 0


def _editing_rows(data: Measurements) -> list[EditingRow]:
    """The run's editing rows as the paper's metrics read them: each row's input and output measures."""
    edit_rows = []
    for row, outs in data.rows.items():
        pair = data.pair_of(outs)
        inp = data.measure(pair.slow.code, pair.problem_id, row, "input") if pair else None
        evaluated = row in data.imported_rows or (inp is not None and inp.ran)
        edit_rows.append(EditingRow(inp if inp is None or inp.ran else None,
                                    _ran_or_empty([data.measure(o.code, o.problem_id, row, "output")
                                                   for o in outs], evaluated),
                                    problem_id=outs[0].problem_id))
    return edit_rows


def report_run(
    store: Store,
    run: Run,
    *,
    engine: str | None = None,
    visibility: str | None = "private",
    mode: str = "default",
    faster_threshold: float = 1.0,
) -> ReportLine:
    """The run's report line: the stored one when the commands that refreshed the run's verdicts stored it and
    nothing changed since (`stored_line`), else read from its cached verdicts when they are this report's
    (`cached_line`), else judged from its executions (`judged_report_run`). All give the same line."""
    if engine is None and visibility == SCORED and faster_threshold == 1.0 and mode in LINE_MODES:
        stored = store.stored_report_line(run.run_id, mode, LINE_VERSION, store.verdict_stamp(run.run_id))
        if stored is not None:
            return line_from_json(stored)
    if mode == "ecco" or (mode == "default" and faster_threshold == 1.0):
        line = cached_line(store, run, engine=engine, visibility=visibility, mode=mode)
        if line is not None:
            return line
    return judged_report_run(store, run, engine=engine, visibility=visibility, mode=mode,
                             faster_threshold=faster_threshold)[0]


#: The modes whose lines are stored beside a run's cached verdicts (`store_lines`): the default one (the
#: `--ecco-compat` line of a 50k-output store costs 4 s more on every refresh, for a mode reports rarely use;
#: it is computed when asked).
LINE_MODES = ("default",)


def _code_version() -> str:
    """The version of the code that computes a line: the package version and a digest of the sources of the
    metrics, the judging module and this one, so that a line stored by other code is never read (an upgrade or
    a local change that moves a figure cannot serve a stale line)."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted([*(root / "metrics").glob("*.py"), *(root / "services" / "judging").glob("*.py"),
                        Path(__file__).resolve()]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"{__version__}/{digest.hexdigest()[:16]}"


LINE_VERSION = _code_version()


def line_to_json(line: ReportLine) -> str:
    return json.dumps(asdict(line))


def line_from_json(text: str) -> ReportLine:
    fields = json.loads(text)
    for name in ("speedup_ci", "memory_reduction_ci", "instruction_speedup_ci"):
        if fields.get(name) is not None:
            fields[name] = tuple(fields[name])
    return ReportLine(**fields)


def store_lines(store: Store, run: Run, stamp: VerdictStamp) -> None:
    """Store the run's report lines (`LINE_MODES`, as `ecco report` would print them) read from
    its freshly cached verdicts (`cached_line`), keyed by `stamp`, so that `ecco report` reads instead of
    computing them (the commands that refresh verdicts call this; `ecco report` opens the store read-only).
    Lines `cached_line` cannot give (generation runs, several engines, instruction counts) are not stored."""
    lines = {}
    for mode in LINE_MODES:
        line = cached_line(store, run, mode=mode)
        if line is not None:
            lines[mode] = line_to_json(line)
    store.replace_report_lines(run.run_id, lines, LINE_VERSION, stamp)


def cached_line(
    store: Store, run: Run, *, engine: str | None = None, visibility: str | None = "private", mode: str = "default"
) -> ReportLine | None:
    """The line of an editing run from SQL over the store and the run's cached verdicts (`services.verdicts`),
    without loading an execution into Python; None unless those verdicts are the ones this report would judge:
    fresh (their stamp is the run's), judged with the one engine that measured the run (asked for with
    `engine`, or the only one) on the private tests, and, in default mode, without instruction counts (which
    the cache does not hold; the threshold is the cache's, 1); in `--ecco-compat` mode, with one sample a row.

    Every figure is then the judged line's, computed by the same metric functions from the same values: in
    default mode pass@1 from the outputs that pass every test, the means (exact sums) and their intervals
    from the speedups and memory reductions of passing outputs (the verdicts' point ratios), outcomes and
    below-resolution counts from the verdicts, and from SQL which rows' inputs ran, which failed a test and
    which rows an imported result file scored; in ECCO mode each evaluated row's test counts and the values
    ECCO sums, reduced per test in SQL (`Store.report_basis`), and its sample's outcome from its verdict."""
    if run.task != "edit" or visibility != SCORED or mode not in ("default", "ecco"):
        return None
    with store.session():
        if store.stored_verdict_stamp(run.run_id) != store.verdict_stamp(run.run_id):
            return None
        engines = store.run_engines(run.run_id)
        # The cache judged with the engine of all rounds, the report with that of the final round: one, the same.
        only = list(engines.all_rounds)
        if engines.unhashed or len(only) != 1 or list(engines.final_round) != only or engine not in (None, *only):
            return None
        name = only[0]
        basis = store.report_basis(run.run_id, engine=name, visibility=SCORED, ecco=mode == "ecco")
    if mode == "ecco":
        return None if basis.ecco is None else _ecco_line(run, name, basis, basis.ecco)
    if basis.has_instructions:
        return None
    line = line_from_verdicts(run, name, basis.outputs, basis.rows, basis.engine_versions)
    correct = [v.output_id for _, v in basis.outputs if v is not None and v.outcome == CORRECT_OPTIMIZATION]
    return replace(line, **_kinds(scaling_kinds(store, correct, engine=name)))


def line_from_verdicts(
    run: Run,
    engine: str | None,
    outputs: Sequence[tuple[int, Verdictish | None]],
    rows: Mapping[int, tuple[bool, bool, bool]],
    engine_versions: Sequence[str],
    *,
    sandboxed: bool | None = None,
    accounting: str | None = None,
) -> ReportLine:
    """A default-mode editing line from its outputs' verdicts: the one computation behind every path
    (`judged_report_run` with fresh verdicts, `cached_line` with cached ones), so a report says the same
    numbers whichever path it took. `outputs`: (row, verdict or None when the output did not run), in row
    then sample order; `rows`: per row, (input ran, input passed every test, an imported result scored it).

    pass@1 is the mean over rows of the share of a row's outputs that pass (a row nothing scored counts 0);
    the means and their intervals are over passing outputs' verdict speedups and memory reductions (paired
    medians when the output ran back to back with its input, `judging.verdict`), as the paper's ratio of sums."""
    by_row: dict[int, list[Verdictish | None]] = {}
    for row, verdict in outputs:
        by_row.setdefault(row, []).append(verdict)
    shares: list[float] = []
    speedups: list[float] = []
    reductions: list[float] = []
    judged: list[Verdictish] = []
    n_pairs = faster = leaner = inputs_failing = 0
    for row, verdicts in by_row.items():
        input_ran, input_passed, imported = rows[row]
        inputs_failing += input_ran and not input_passed
        if not (imported or input_ran or any(v is not None for v in verdicts)):
            shares.append(0.0)  # a row nothing scored has no outputs (`_ran_or_empty`)
            continue
        shares.append(sum(v is not None and v.passed for v in verdicts) / len(verdicts))
        n_pairs += len(verdicts)
        for v in verdicts:
            if v is None:
                continue
            judged.append(v)
            if v.passed and v.speedup is not None:
                speedups.append(v.speedup)
                faster += v.speedup > 1.0
            if v.passed and v.memory_reduction is not None:
                reductions.append(v.memory_reduction)
                leaner += v.memory_reduction > 1.0
    intervals = metric_summary.mean_intervals(metric_summary.PairValues(tuple(speedups), tuple(reductions)))
    return ReportLine(
        run.run_id, run.task, run.model, run.method, run.split, engine, len(shares),
        100.0 * (math.fsum(shares) / len(shares)) if shares else None,  # as summarize_editing: 100 × mean
        mean_speedup=math.fsum(speedups) / len(speedups) if speedups else None,
        mean_memory_reduction=math.fsum(reductions) / len(reductions) if reductions else None,
        pct_runtime_optimized=100.0 * faster / n_pairs if n_pairs else None,
        pct_memory_optimized=100.0 * leaner / n_pairs if n_pairs else None,
        n_inputs_failing=inputs_failing,
        outcomes=outcome_counts(cast("list[OutputVerdict]", judged), len(outputs)),
        n_below_resolution=sum(v.below_resolution for v in judged),
        n_drift=sum(_drifted(v) for v in judged),
        speedup_ci=intervals.speedup, memory_reduction_ci=intervals.memory_reduction,
        sandboxed=all(is_sandboxed(v) for v in engine_versions) if sandboxed is None else sandboxed,
        accounting=("; ".join(sorted({accounting_of(v) for v in engine_versions})) if accounting is None
                    else accounting),
    )


#: The outcome whose outputs `scaling_kinds` sorts.
CORRECT_OPTIMIZATION = "correct-optimization"
#: The ReportLine fields `scaling_kinds` fills; left out of JSON and CSV when a report has no correct
#: optimization, so such reports read as before.
KIND_FIELDS = ("n_algorithmic", "n_constant_factor", "n_scaling_unclear")


def scaling_kinds(
    store: Store, output_ids: Sequence[str], *, engine: str, visibility: str | None = SCORED
) -> tuple[int, int, int]:
    """(algorithmic, constant factor, unclear): how many of these outputs (a run's correct optimizations)
    changed how their cost grows with input size (`metrics.scaling`), kept it (a constant factor), or cannot
    tell (too few sizes, poor fits, or programs that are not stored), from the stored CPU times of `engine` on
    the scored tests (per-test medians of accepted runs minus the start-up floor; nothing is run). The same
    function on every path of `report_run`, so the stored, cached and judged lines agree."""
    counts = dict.fromkeys(KIND_FIELDS, 0)
    if not output_ids:
        return (0, 0, 0)
    with store.session():
        shas = store.output_pair_shas(output_ids)
        medians = store.accepted_cpu_medians(sorted({sha for _, a, b in shas.values() for sha in (a, b)}),
                                             engine=engine, visibility=visibility)
        sizes: dict[str, dict[str, tuple[float, float | None]]] = {}
        for problem in sorted({p for p, _, _ in shas.values()}):
            sizes[problem] = {f"{t.visibility}:{t.idx}": input_sizes(t.input)
                              for t in store.tests_for(problem, visibility)}
    for output_id in output_ids:
        if output_id not in shas:
            counts["n_scaling_unclear"] += 1
            continue
        problem, a, b = shas[output_id]
        times = [{tid: medians[(sha, problem, tid)] for tid in sizes[problem] if (sha, problem, tid) in medians}
                 for sha in (a, b)]
        kind = classify_scaling(cpu_test_costs(sizes[problem], *times), cost="cpu time").kind
        counts["n_algorithmic" if kind == ALGORITHMIC else "n_constant_factor" if kind == CONSTANT_FACTOR
               else "n_scaling_unclear"] += 1
    return counts["n_algorithmic"], counts["n_constant_factor"], counts["n_scaling_unclear"]


def _kinds(counts: tuple[int, int, int]) -> dict[str, Any]:
    """`scaling_kinds`' counts as ReportLine keyword arguments."""
    return dict(zip(KIND_FIELDS, counts, strict=True))


def _drifted(v: Verdictish) -> bool:
    return bool(v.drift_tests if isinstance(v, StoredVerdict) else v.drift)


def _ecco_line(run: Run, engine: str, basis: ReportBasis, ecco: list[EccoBasisRow]) -> ReportLine:
    """The `--ecco-compat` line of a run with one sample a row, from `Store.report_basis` and the cached verdicts."""
    verdicts = dict(basis.outputs)  # one sample a row
    rows = []
    for r in ecco:
        v = verdicts.get(r.row_idx)
        rows.append(ecco_compat.ecco_row_of_counts(
            input_tests=r.input_tests, input_passed=r.input_passed, input_crashed=r.input_crashed,
            sample_ran=v is not None, sample_passed=v.n_passed if v else 0, sample_all_passed=bool(v and v.passed),
            sample_runtime_ratio=v.speedup if v else None,
            times=None if r.in_times is None or r.out_times is None else (r.in_times, r.out_times),
            memories=None if r.in_memories is None or r.out_memories is None else (r.in_memories, r.out_memories),
        ))
    s = ecco_compat.summarize_ecco_rows(rows)
    intervals = metric_summary.mean_intervals(metric_summary.PairValues(
        tuple(r.speedup for r in rows if r.speedup is not None),
        tuple(r.memory_reduction for r in rows if r.memory_reduction is not None)))
    return ReportLine(
        run.run_id, run.task, run.model, run.method, run.split, engine, s.n, s.pass_at_1,
        mean_speedup=s.mean_speedup, mean_memory_reduction=s.mean_memory_reduction,
        pct_runtime_optimized=s.pct_runtime_optimized, pct_memory_optimized=s.pct_memory_optimized,
        n_inputs_failing=s.n_inputs_failing, outcomes=dict(s.outcomes), mode="ecco",
        speedup_ci=intervals.speedup, memory_reduction_ci=intervals.memory_reduction,
        sandboxed=all(is_sandboxed(v) for v in basis.engine_versions),
        accounting="; ".join(sorted({accounting_of(v) for v in basis.engine_versions})),
    )


def judged_report_run(
    store: Store,
    run: Run,
    *,
    engine: str | None = None,
    visibility: str | None = "private",
    mode: str = "default",
    faster_threshold: float = 1.0,
) -> tuple[ReportLine, JudgedRun | None]:
    """The run's report line, and the verdicts it was computed from (default-mode editing runs; None
    otherwise), so that a caller that also fills the verdict cache need not judge the outputs again."""
    data = Measurements(store, run, engine=engine, visibility=visibility)
    rows, engine_name, imported_rows = data.rows, data.engine, data.imported_rows
    measure = data.measure
    if run.task == "edit":
        edit_rows = _editing_rows(data)
        if mode == "default":
            # Outcomes use intervals: "faster" needs the interval's lower bound above the threshold. Every figure
            # comes from these verdicts (`line_from_verdicts`), as a line read from cached verdicts does.
            verdicts = editing_verdicts(data, faster_threshold=faster_threshold)
            judged = JudgedRun(data, verdicts, faster_threshold)
            by_id = {v.output_id: v for v in verdicts if v.outcome != NOT_RUN}
            outputs = [(row, by_id.get(o.output_id)) for row, outs in rows.items() for o in outs]
            flags = {row: (er.input is not None, er.input is not None and er.input.all_passed, row in imported_rows)
                     for row, er in zip(rows, edit_rows, strict=True)}
            cost: dict[str, object] = cost_summary(verdicts)
            if engine_name is not None:
                cost.update(_kinds(scaling_kinds(store, [v.output_id for v in verdicts
                                                  if v.outcome == CORRECT_OPTIMIZATION], engine=engine_name,
                                          visibility=visibility)))
            line = line_from_verdicts(run, engine_name, outputs, flags, (), sandboxed=data.sandboxed,
                                      accounting=data.accounting)
            return replace(line, **cost), judged  # type: ignore[arg-type]
        s = metric_summary.summarize_editing(edit_rows, mode=mode)  # type: ignore[arg-type]
        intervals = metric_summary.editing_mean_intervals(edit_rows, mode=mode)  # type: ignore[arg-type]
        line = ReportLine(run.run_id, run.task, run.model, run.method, run.split, engine_name, s.n, s.pass_at_1,
                          mean_speedup=s.mean_speedup, mean_memory_reduction=s.mean_memory_reduction,
                          pct_runtime_optimized=s.pct_runtime_optimized, pct_memory_optimized=s.pct_memory_optimized,
                          n_inputs_failing=s.n_inputs_failing, outcomes=dict(s.outcomes), mode=mode,
                          speedup_ci=intervals.speedup, memory_reduction_ci=intervals.memory_reduction,
                          sandboxed=data.sandboxed, accounting=data.accounting)
        return line, None
    gen_rows = []
    # Ranked among human solutions measured like the outputs (`judging.spectra`): ECCO's published spectra for
    # imported ECCO results and --ecco-compat, else those run on the same engine.
    spectra = human_spectra(store, {outs[0].problem_id for outs in rows.values()}, engine_name,
                            ecco_compat=mode == "ecco")
    sources = sorted({sp.source for sp in spectra.values() if sp is not None})
    for row, outs in rows.items():
        spectrum = spectra.get(outs[0].problem_id)
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
    notes = []
    published = uses_published(engine_name, ecco_compat=mode == "ecco")
    if with_spectrum and not published:
        notes.append("percentiles among " + ("; ".join(sources) if len(sources) <= 2 else
                                             f"human solutions on {engine_name} ({len(sources)} sample sizes)"))
    if len(with_spectrum) != len(gen_rows):
        missing = len(gen_rows) - len(with_spectrum)
        notes.append(f"{missing} problems have no spectrum in the store (import generate_eval)"
                     if published else
                     f"{missing} problems have no human solution measured on {engine_name} (ecco eval runs a sample)")
    note = "; ".join(notes)
    return ReportLine(run.run_id, run.task, run.model, run.method, run.split, engine_name, g.n, g.pass_at_1,
                      mean_runtime_percentile=p.mean_runtime_percentile if p else None,
                      mean_memory_percentile=p.mean_memory_percentile if p else None, mode=mode, note=note,
                      sandboxed=data.sandboxed, accounting=data.accounting), None


def _status(measure: TestMeasure | None) -> str | None:
    """A test's status over its repeats (Accepted when every repeat passed, else the first failing status)."""
    return None if measure is None else STATUS_DESCRIPTIONS.get(measure.status_id, str(measure.status_id))


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
    runs = named_runs(store, run_ids)
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


#: Outcomes of editing outputs, in the order of the outcome table's columns.
OUTCOMES = ("correct-optimization", "spurious-optimization", "correct-no-gain", "within-noise", "broken", "not-run")


def outcome_title(lines: Sequence[ReportLine]) -> str:
    """The outcome table's title; in default mode it says what "faster" means there."""
    edit_lines = [line for line in lines if line.task == "edit"]
    default = bool(edit_lines) and edit_lines[0].mode == "default"
    return "Outcomes of editing outputs" + (" (faster = 95% interval above the threshold)" if default else "")


def outcome_columns() -> tuple[str, ...]:
    """The outcome table's columns: model, method, one count per outcome (short names), below resolution."""
    short = tuple(o.replace("-optimization", "").replace("correct-no-gain", "no gain") for o in OUTCOMES)
    return ("model", "method", *short, "below resolution")


def outcome_rows(lines: Sequence[ReportLine]) -> list[list[str]]:
    """One row per editing run, matching `outcome_columns()`: how many of its outputs had each outcome."""
    return [[line.model, line.method, *(str(line.outcomes.get(o, 0)) for o in OUTCOMES), str(line.n_below_resolution)]
            for line in lines if line.task == "edit"]


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


def _has_kinds(lines: Sequence[ReportLine]) -> bool:
    return any(getattr(line, name) for line in lines for name in KIND_FIELDS)


def _fields(line: ReportLine, kinds: bool) -> dict[str, object]:
    row = asdict(line)
    if not kinds:
        for name in KIND_FIELDS:
            del row[name]
    return row


def render_json(lines: Sequence[ReportLine]) -> str:
    kinds = _has_kinds(lines)
    return json.dumps([_fields(line, kinds) for line in lines], indent=2, sort_keys=True)


def render_csv(lines: Sequence[ReportLine]) -> str:
    buf = io.StringIO()
    kinds = _has_kinds(lines)
    fields = [f for f in ReportLine.__dataclass_fields__ if f != "outcomes" and (kinds or f not in KIND_FIELDS)]
    writer = csv.DictWriter(buf, fieldnames=[*fields, "outcomes"])
    writer.writeheader()
    for line in lines:
        row = _fields(line, kinds)
        row["outcomes"] = json.dumps(row["outcomes"], sort_keys=True)
        for key, value in row.items():
            if isinstance(value, tuple):  # intervals: [lo, hi], as in the JSON
                row[key] = json.dumps(list(value))
        writer.writerow(row)
    return buf.getvalue()


def drift_header(lines: Sequence[ReportLine]) -> str | None:
    """The report's line naming the runs with outputs whose evaluations disagree (`ReportLine.n_drift`), else
    None: their figures pool pairs of evaluations that measured different speedups on some test."""
    runs = [f"{line.run_id} ({line.n_drift} output{'s' if line.n_drift != 1 else ''})"
            for line in lines if line.n_drift]
    if not runs:
        return None
    return (f"drift: {', '.join(runs)}: a test's paired speedup moved between evaluations beyond noise; the "
            "figures pool them (the compare view shows which tests)")


def render_markdown(lines: Sequence[ReportLine]) -> str:
    parts = []
    header = unsandboxed_header(lines)
    if header is not None:
        word, rest = header.split(":", 1)
        parts.append(f"**{word}**:{rest}\n")
    if (moved := drift_header(lines)) is not None:
        parts.append(f"_{moved}_\n")
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
    if outcomes := outcome_rows(lines):
        cols = outcome_columns()
        parts.append(f"### {outcome_title(lines)}\n")
        parts.append("| " + " | ".join(cols) + " |")
        parts.append("|" + "---|" * len(cols))
        parts.extend("| " + " | ".join(r) + " |" for r in outcomes)
        parts.append("")
    if kinds := kind_rows(lines):
        cols = KIND_COLUMNS
        parts.append(f"### {KIND_TITLE}\n")
        parts.append("| " + " | ".join(cols) + " |")
        parts.append("|" + "---|" * len(cols))
        parts.extend("| " + " | ".join(r) + " |" for r in kinds)
        parts.append("")
    return "\n".join(parts)


KIND_TITLE = "Kinds of correct optimizations (how CPU time grows with input size)"
KIND_COLUMNS = ("model", "method", "correct opt.", "algorithmic", "constant factor", "unclear")


def _share(count: int, total: int) -> str:
    return f"{count} ({100.0 * count / total:.0f}%)" if total else "0"


def kind_rows(lines: Sequence[ReportLine]) -> list[list[str]]:
    """One row per editing run with correct optimizations, matching KIND_COLUMNS: how many there are and the
    share of them that are algorithmic, constant factor and unclear (`scaling_kinds`); none when no run has any."""
    if not _has_kinds(lines):
        return []
    out = []
    for line in lines:
        total = line.n_algorithmic + line.n_constant_factor + line.n_scaling_unclear
        if line.task == "edit" and total:
            out.append([line.model, line.method, str(total), _share(line.n_algorithmic, total),
                        _share(line.n_constant_factor, total), _share(line.n_scaling_unclear, total)])
    return out


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
    # How the two programs' CPU time grows with input size (issue #23): "algorithmic (exponent 2.0 -> 1.1)",
    # "constant factor (1.8x at every size)" or why it is unclear (`services.explain.cpu_scaling`).
    scaling: str | None = None


def _row_scaling(store: Store, engine: str | None, pair: Any, code: str | None) -> str | None:
    """The scaling summary of a row's input and output from their stored CPU times (nothing is run)."""
    from ecco_tui.services.explain import cpu_scaling

    if engine is None or pair is None or not code or not code.strip():
        return None
    return cpu_scaling(store, pair.problem_id, pair.slow.code_sha256, code_sha256(code), engine=engine).summary


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
    data = Measurements(store, run, engine=engine, visibility=visibility)
    outs = data.rows.get(row)
    if not outs:
        raise StoreError(f"run {run_id} has no row {row} (rows 0-{max(data.rows) if data.rows else 0})")
    pair = data.pair_of(outs)
    inp_ex = data.executions(pair.slow.code, pair.problem_id, row, "input") if pair else []
    samples = [measure_from_executions(data.executions(o.code, o.problem_id, row, "output")) for o in outs]
    best_index = (ecco_compat.ecco_best_sample(samples) if mode == "ecco" else 0) or 0
    out = outs[best_index]
    out_ex = data.executions(out.code, out.problem_id, row, "output")
    paired = data.adjacent(pair.slow.code, out.code, pair.problem_id) if pair and mode != "ecco" else []
    if paired:  # judged on its pairs (`ecco eval`, paired): explained on the same runs
        inp_ex, out_ex = [a for a, _ in paired], [b for _, b in paired]
        samples[best_index] = measure_from_executions(out_ex)
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
    # Per test, the values the sums and the verdict use: medians over repeats (or pairs), a crash's time left out.
    by_in, by_out = inp.by_id(), outp.by_id()
    count_in, count_out = instruction_counts(inp_ex), instruction_counts(out_ex)
    tests = []
    for tid in sorted(set(by_in) | set(by_out), key=lambda t: (t.split(":")[0] != "public", int(t.split(":")[1]))):
        a, b = by_in.get(tid), by_out.get(tid)
        tests.append(ExplainTest(tid, _status(a), a.cpu_time_s if a else None, a.memory_kb if a else None,
                                 _status(b), b.cpu_time_s if b else None, b.memory_kb if b else None,
                                 tid in counted, count_in.get(tid), count_out.get(tid)))
    in_sum = math.fsum(t.input_time_s or 0.0 for t in tests if t.counted) if counted else None
    out_sum = math.fsum(t.output_time_s or 0.0 for t in tests if t.counted) if counted else None
    interval = ((verdict.speedup_lo, verdict.speedup_hi) if verdict and verdict.speedup_lo is not None
                and verdict.speedup_hi is not None else None)
    by_instructions = instruction_speedup(inp_ex, out_ex) if inp_ex and out_ex else None
    totals = instruction_totals(inp_ex, out_ex) if by_instructions else None
    return RowExplanation(run_id, row, outs[0].problem_id, data.engine, mode, out.output_id, tests,
                          inp.all_passed, outp.all_passed, in_sum, out_sum, speedup, reduction,
                          verdict.outcome if verdict else None, interval, rule,
                          instruction_speedup=by_instructions,
                          input_instructions_sum=totals[0] if totals else None,
                          output_instructions_sum=totals[1] if totals else None,
                          cpu_direction=verdict.cpu_direction if verdict else None,
                          instruction_direction=verdict.instruction_direction if verdict else None,
                          cost_disagree=bool(verdict and verdict.cost_disagree),
                          scaling=_row_scaling(store, data.engine, pair, out.code))
