"""`ecco report`: the paper's tables from stored per-test executions, without executing anything.

Rows are model × method (one per run). Every number is recomputed from per-test results with
`ecco_tui.metrics` — the default definitions, or ECCO's own scripts' rules with `mode="ecco"`.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

from ecco_tui.engines.base import code_sha256
from ecco_tui.metrics import summary as metric_summary
from ecco_tui.metrics.types import EditingRow, GenerationRow, ProgramMeasure, TestMeasure, median_per_test
from ecco_tui.store.models import Execution, ModelOutput, Run
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


def measure_from_executions(executions: Iterable[Execution], *, tag_visibility: bool = True) -> ProgramMeasure:
    """One program's per-test medians (over repeats) from its stored executions."""
    samples = [
        TestMeasure(
            test_id=f"{e.visibility}:{e.test_idx}" if tag_visibility else str(e.test_idx),
            passed=e.status_id == 3,
            status_id=e.status_id,
            cpu_time_s=e.cpu_time_s,
            memory_kb=e.memory_kb,
        )
        for e in executions
    ]
    return median_per_test(samples) if samples else ProgramMeasure()


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


def report_run(
    store: Store, run: Run, *, engine: str | None = None, visibility: str | None = "private", mode: str = "default"
) -> ReportLine:
    rows = _final_outputs(store, run.run_id)
    pairs = {pid: store.get_pair(pid) for pid in {o.pair_id for outs in rows.values() for o in outs if o.pair_id}}
    codes: dict[str, str] = {}
    for outs in rows.values():
        for o in outs:
            if o.code and o.code.strip():
                codes[code_sha256(o.code)] = o.code
    for pair in pairs.values():
        if pair is not None:
            codes[pair.slow.code_sha256] = pair.slow.code
    engine_name = choose_engine(store, list(codes), engine, run.run_id)
    executions = store.latest_executions(list(codes), engine=engine_name, visibility=visibility) if engine_name else []
    by_program: dict[tuple[str, str, str | None], list[Execution]] = defaultdict(list)
    for ex in executions:
        by_program[(ex.code_sha256, ex.problem_id, ex.context)].append(ex)

    imported_rows: set[int] = set()
    for _, _, context in by_program:
        if context and context.startswith(f"{run.run_id}#"):
            imported_rows.add(int(context.split("#")[1]))

    def measure(code: str | None, problem_id: str, row: int, role: str) -> ProgramMeasure:
        """Row-bound measurements (imported result files) first, else the content-addressed ones."""
        if not code or not code.strip():
            return ProgramMeasure()
        sha = code_sha256(code)
        found = by_program.get((sha, problem_id, f"{run.run_id}#{row}#{role}")) or by_program.get(
            (sha, problem_id, None))
        return measure_from_executions(found or ())

    if run.task == "edit":
        edit_rows = []
        for outs in rows.values():
            pair = pairs.get(outs[0].pair_id) if outs[0].pair_id else None
            row = outs[0].row_idx
            inp = measure(pair.slow.code, pair.problem_id, row, "input") if pair else None
            evaluated = row in imported_rows or (inp is not None and inp.ran)
            edit_rows.append(EditingRow(inp if inp is None or inp.ran else None,
                                        _ran_or_empty([measure(o.code, o.problem_id, row, "output") for o in outs],
                                                      evaluated),
                                        problem_id=outs[0].problem_id))
        s = metric_summary.summarize_editing(edit_rows, mode=mode)  # type: ignore[arg-type]
        return ReportLine(run.run_id, run.task, run.model, run.method, run.split, engine_name, s.n, s.pass_at_1,
                          mean_speedup=s.mean_speedup, mean_memory_reduction=s.mean_memory_reduction,
                          pct_runtime_optimized=s.pct_runtime_optimized, pct_memory_optimized=s.pct_memory_optimized,
                          n_inputs_failing=s.n_inputs_failing, outcomes=dict(s.outcomes), mode=mode)
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
                      mean_memory_percentile=p.mean_memory_percentile if p else None, mode=mode, note=note)


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
) -> list[ReportLine]:
    runs = store.runs()
    if run_ids:
        known = {r.run_id: r for r in runs}
        missing = [r for r in run_ids if r not in known]
        if missing:
            raise StoreError(f"no run named {missing[0]!r} (runs: {', '.join(known) or 'none'})")
        runs = [known[r] for r in run_ids]
    return [report_run(store, run, engine=engine, visibility=visibility, mode=mode) for run in runs]


EDIT_COLUMNS = ("model", "method", "n", "pass@1", "speedup", "mem. red.", "% rt opt", "% mem opt", "inputs failing")
GEN_COLUMNS = ("model", "method", "n", "pass@1", "runtime %", "memory %")


def _fmt(value: float | None, unit: str = "") -> str:
    return "–" if value is None else f"{value:.2f}{unit}"


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}×"


def table_rows(lines: Sequence[ReportLine], task: str) -> list[list[str]]:
    out = []
    for line in lines:
        if line.task != task:
            continue
        if task == "edit":
            out.append([line.model, line.method, str(line.n), _fmt(line.pass_at_1), _ratio(line.mean_speedup),
                        _ratio(line.mean_memory_reduction), _fmt(line.pct_runtime_optimized),
                        _fmt(line.pct_memory_optimized), str(line.n_inputs_failing)])
        else:
            out.append([line.model, line.method, str(line.n), _fmt(line.pass_at_1),
                        _fmt(line.mean_runtime_percentile), _fmt(line.mean_memory_percentile)])
    return out


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
        writer.writerow(row)
    return buf.getvalue()


def render_markdown(lines: Sequence[ReportLine]) -> str:
    parts = []
    for task, cols, title in (("edit", EDIT_COLUMNS, "History-based editing"),
                              ("generate", GEN_COLUMNS, "NL-instructed generation")):
        rows = table_rows(lines, task)
        if not rows:
            continue
        parts.append(f"### {title}\n")
        parts.append("| " + " | ".join(cols) + " |")
        parts.append("|" + "---|" * len(cols))
        parts.extend("| " + " | ".join(r) + " |" for r in rows)
        parts.append("")
    return "\n".join(parts)
