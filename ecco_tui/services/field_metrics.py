"""Every efficiency metric of the field, computed from one store's executions, side by side (issue #25).

`field_tables` computes, for each run, the metrics of `metrics.field` (ENAMEL eff@k, EvalPerf DPS / DPS_norm,
Mercury beyond@k, PIE speedup_best@k and %Opt, COFFE efficient@1, EffiBench NET / NMU) from the same stored
per-test executions `ecco report` judges, and how far they agree: each run's rank under each metric and
Kendall's tau-b between every two metrics' rankings of the runs. One `FieldTable` per run set (runs of one task
and split); `ecco report --metrics` prints them, the app's leaderboard shows them.

What each figure is computed from (nothing is executed):

* a program's measure on a problem: the judging module's (`services.judging.Measurements`): per private test,
  the median over repeats of the newest executions of one engine; a program passes when every test is Accepted.
  An output that never ran counts as wrong (0), as pass@1 counts it;
* references: the pair's slow (source) and fast programs for editing rows, and the problem's human solutions
  (`Store.human_programs`, at most `judging.spectra.HUMAN_SAMPLE` of them, accepted ones only) run on the SAME
  engine, with the same accounting, as the run's outputs (the measurement issue's rule); never a figure from
  another machine. ECCO's published spectra serve only imported ECCO results (Mercury's human runtimes);
* ENAMEL: one level (all private tests, weight 1) unless `levels` are given; the reference is the pair's fast
  program (editing) or the fastest human solution (generation); T = 2 x its slowest test;
* EvalPerf and COFFE cost: valgrind instruction counts where every program compared has them
  (`ecco eval --cost instructions`), else CPU time; each run says which (`FieldRun.cost`). Per program, the mean
  over its tests, as the human spectra are;
* EffiBench: the canonical solution is ENAMEL's reference; time = total CPU time over the tests, memory = the
  largest per-test peak;
* a value is a mean over rows (a row: an editing pair, or a generation problem) of the row's figure, except NET /
  NMU (ratio of sums over correct outputs); its 95% interval is a seeded percentile bootstrap over rows
  (`metrics.stats.bootstrap_mean_ci`, or `metrics.field.ratio_of_sums_ci`);
* a metric with no data for a run is `None` with a note "n/a: needs ...", never a number.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ecco_tui.metrics.editing import runtime_ratio
from ecco_tui.metrics.field import (
    TIMEOUT_FACTOR,
    beyond,
    cluster_references,
    dps,
    efficient,
    kendall_tau_b,
    normalized_cost,
    pct_optimized,
    ranks,
    ratio_of_sums_ci,
    sample_efficiency,
    speedup_best_at_k,
    unbiased_at_k,
)
from ecco_tui.metrics.field.evalperf import INSTRUCTION_FLOOR
from ecco_tui.metrics.generation import mean_test_runtime
from ecco_tui.metrics.stats import bootstrap_mean_ci
from ecco_tui.metrics.types import ProgramMeasure
from ecco_tui.model import Run, Sample
from ecco_tui.services.engines import accounting_of
from ecco_tui.services.judging import SCORED, SEED, Measurements, instruction_counts, measure_from_executions
from ecco_tui.services.judging.spectra import HUMAN_SAMPLE, human_spectra, uses_published
from ecco_tui.services.runs import named_runs
from ecco_tui.store.store import Store, StoreError

#: EvalPerf's floor in CPU seconds when the cost is CPU time (its own is 10,000 instructions): the timer
#: resolution the judging module assumes, so that gaps between cheap programs must be larger to split them.
CPU_FLOOR_S = 0.001
#: How many of a cell's outputs `FieldCell.top` keeps (the outputs contributing most to the value).
TOP_OUTPUTS = 5
INSTRUCTIONS = "instructions"
CPU_TIME = "cpu time"


# -- what is computed ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """One column: its key (as `--metrics` takes it), the benchmark it comes from, what it says in one line,
    which way is better, and how its values read."""

    key: str
    family: str
    definition: str
    higher_is_better: bool = True
    unit: str = ""  # "" (a score), "%", "×"
    k: int = 1  # the @k of the parametric metrics


@dataclass(frozen=True, slots=True)
class Level:
    """An ENAMEL test level: the private tests (by index) it holds and its hardness weight."""

    tests: frozenset[int]
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class Contribution:
    """One output's own term in a metric (its efficiency, DPS, Beyond, speedup, ...)."""

    output_id: str
    row_idx: int
    problem_id: str
    value: float


@dataclass(frozen=True, slots=True)
class FieldCell:
    """A run's value under one metric: `value` None means n/a, and `note` then says what it needs; otherwise
    `note` says what the value is over. `rank` is 1 for the best run of the table (ties share a mean rank)."""

    metric: str
    value: float | None
    interval: tuple[float, float] | None = None
    note: str = ""
    n: int = 0  # rows (NET / NMU: correct outputs) the value is over
    rank: float | None = None
    top: tuple[Contribution, ...] = ()  # the outputs with the largest terms, largest first


@dataclass(frozen=True, slots=True)
class FieldRun:
    """One row of a table: a run (model x method) and its cells, in the table's metric order."""

    run_id: str
    task: str
    model: str
    method: str
    split: str
    engine: str | None
    accounting: str
    cost: str  # what EvalPerf and COFFE compared: INSTRUCTIONS or CPU_TIME ("" when nothing was)
    cells: tuple[FieldCell, ...]

    def cell(self, metric: str) -> FieldCell:
        for c in self.cells:
            if c.metric == metric:
                return c
        raise KeyError(metric)


@dataclass(frozen=True, slots=True)
class FieldTable:
    """One run set (task x split): runs x metrics, the notes that say what the numbers are, and Kendall's tau-b
    between every two metrics' rankings of the runs (`agreement[i][j]` for `metrics[i]`, `metrics[j]`; None
    where fewer than two runs have both, or a ranking is all ties)."""

    task: str
    split: str
    metrics: tuple[MetricSpec, ...]
    runs: tuple[FieldRun, ...]
    notes: tuple[str, ...] = ()
    agreement: tuple[tuple[float | None, ...], ...] = ()

    @property
    def title(self) -> str:
        return f"{'History-based editing' if self.task == 'edit' else 'NL-instructed generation'} ({self.split})"

    def tau(self, first: str, second: str) -> float | None:
        keys = [m.key for m in self.metrics]
        return self.agreement[keys.index(first)][keys.index(second)]

    def contributions(self, run_id: str, metric: str) -> tuple[Contribution, ...]:
        """The outputs contributing most to a run's value under `metric` (largest terms first)."""
        return next(r for r in self.runs if r.run_id == run_id).cell(metric).top


# -- the metric names ---------------------------------------------------------------------------------


def _spec(key: str) -> MetricSpec:
    match = re.fullmatch(r"(eff|beyond|speedup)@(\d+)", key)
    if match:
        name, k = match.group(1), int(match.group(2))
        if k < 1:
            raise ValueError(f"{key}: k must be at least 1")
        if name == "eff":
            return MetricSpec(key, "ENAMEL", f"expected best efficiency max(0,T-t)/(T-t_ref) of {k} samples",
                              k=k)
        if name == "beyond":
            return MetricSpec(key, "Mercury", f"expected best share of the human runtime range beaten, {k} samples",
                              k=k)
        return MetricSpec(key, "PIE", f"max(1, source time / fastest correct of the first {k} samples)",
                          unit="×", k=k)
    fixed = {
        "dps": MetricSpec("dps", "EvalPerf", "% of human solutions in clusters no faster than the sample's", unit="%"),
        "dps_norm": MetricSpec("dps_norm", "EvalPerf", "100 (j+1) / #clusters of the cluster the sample matches",
                               unit="%"),
        "pct_opt": MetricSpec("pct_opt", "PIE", "% of rows with speedup_best@1 >= 1.10", unit="%"),
        "efficient@1": MetricSpec("efficient@1", "COFFE", "share of samples correct and cheaper than every human"),
        "net": MetricSpec("net", "EffiBench", "sum of correct outputs' CPU time / the canonical solutions'",
                          higher_is_better=False, unit="×"),
        "nmu": MetricSpec("nmu", "EffiBench", "sum of correct outputs' peak memory / the canonical solutions'",
                          higher_is_better=False, unit="×"),
        "net_mean": MetricSpec("net_mean", "EffiBench", "mean over correct outputs of CPU time / canonical",
                               higher_is_better=False, unit="×"),
        "nmu_mean": MetricSpec("nmu_mean", "EffiBench", "mean over correct outputs of peak memory / canonical",
                               higher_is_better=False, unit="×"),
    }
    if key not in fixed:
        raise ValueError(f"unknown metric {key!r} (known: {', '.join(ALL)}, eff@K, beyond@K, speedup@K, "
                         f"or a family: {', '.join(FAMILIES)})")
    return fixed[key]


#: `--metrics all`, in column order.
ALL = ("eff@1", "dps", "dps_norm", "beyond@1", "speedup@1", "pct_opt", "efficient@1", "net", "nmu", "net_mean",
       "nmu_mean")
#: Family names `--metrics` also takes.
FAMILIES: Mapping[str, tuple[str, ...]] = {
    "enamel": ("eff@1",), "evalperf": ("dps", "dps_norm"), "mercury": ("beyond@1",),
    "pie": ("speedup@1", "pct_opt"), "coffe": ("efficient@1",), "effibench": ("net", "nmu", "net_mean", "nmu_mean"),
}


def parse_metrics(text: str | Iterable[str]) -> tuple[MetricSpec, ...]:
    """`all`, or a comma list of metric keys and family names, as specs in order (each once); ValueError names
    an unknown one."""
    items = [t.strip() for t in (text.split(",") if isinstance(text, str) else text) if t.strip()]
    keys: list[str] = []
    for item in items or ["all"]:
        lowered = item.lower()
        found = ALL if lowered == "all" else FAMILIES.get(lowered, (lowered,))
        keys.extend(k for k in found if k not in keys)
    return tuple(_spec(k) for k in keys)


# -- the data of one run ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Program:
    """One program's measure on a problem, and the figures the metrics read from it."""

    measure: ProgramMeasure
    instructions: float | None  # mean per-test count over its tests, when every test has one

    @property
    def passed(self) -> bool:
        return self.measure.all_passed

    @property
    def mean_time(self) -> float | None:
        return mean_test_runtime(self.measure)

    @property
    def total_time(self) -> float | None:
        return self.measure.total_runtime

    @property
    def peak_memory(self) -> float | None:
        values = [t.memory_kb for t in self.measure.tests if t.memory_kb is not None]
        return max(values) if values else None

    def level_times(self, levels: Sequence[Level] | None) -> list[float | None]:
        """Its slowest test per level (None: a level's test did not complete, or none was run)."""
        times = {int(t.test_id.split(":")[1]): t.cpu_time_s for t in self.measure.tests}
        groups = [set(times)] if not levels else [set(level.tests) for level in levels]
        found: list[float | None] = []
        for tests in groups:
            values = [times[i] for i in tests if i in times]
            complete = [v for v in values if v is not None]
            found.append(max(complete) if complete and len(complete) == len(values) else None)
        return found

    def cost(self, kind: str) -> float | None:
        return self.instructions if kind == INSTRUCTIONS else self.mean_time


def _program(executions: Sequence[Sample]) -> _Program:
    measure = measure_from_executions(executions)
    counts = instruction_counts(executions)
    tests = {t.test_id for t in measure.tests}
    complete = bool(tests) and tests <= counts.keys()
    return _Program(measure, statistics.fmean(counts[t] for t in tests) if complete else None)


@dataclass(frozen=True, slots=True)
class _Row:
    row_idx: int
    problem_id: str
    outputs: tuple[tuple[str, _Program | None], ...]  # (output id, its program; None: never ran)
    source: _Program | None  # the pair's slow program (editing)
    reference: _Program | None  # ENAMEL's reference, EffiBench's canonical
    humans: tuple[_Program, ...]  # accepted human solutions on the run's engine
    human_runtimes: tuple[float, ...]  # Mercury's range


@dataclass(frozen=True, slots=True)
class _RunData:
    run: Run
    engine: str | None
    accounting: str
    rows: tuple[_Row, ...]
    published: bool  # Mercury's human runtimes are ECCO's published spectrum
    problem: str = ""  # why nothing could be loaded


def _load(store: Store, run: Run, engine: str | None) -> _RunData:
    try:
        outputs = store.run_outputs(run.run_id, final_round_only=True)
        pair_ids = sorted({o.pair_id for o in outputs if o.pair_id})
        pairs = store.get_pairs(pair_ids)
        data = Measurements(store, run, engine=engine, outputs=outputs, pairs={p: pairs.get(p) for p in pair_ids},
                            extra_codes=[p.fast.code for p in pairs.values()])
    except StoreError as error:
        return _RunData(run, engine, "", (), False, str(error))
    modes = {accounting_of(ex.engine_version) for group in data.by_program.values() for ex in group}
    problems = sorted({outs[0].problem_id for outs in data.rows.values()})
    humans = _human_programs(store, problems, data.engine, modes)
    published = uses_published(data.engine)
    spectra = human_spectra(store, problems, data.engine) if published else {}
    rows = []
    for row, outs in data.rows.items():
        pair = data.pair_of(outs)
        problem = outs[0].problem_id
        programs: list[tuple[str, _Program | None]] = []
        for o in outs:
            executions = data.executions(o.code, problem, row, "output")
            programs.append((o.output_id, _program(executions) if executions else None))
        source = reference = None
        if pair is not None:
            slow = data.executions(pair.slow.code, problem, row, "input")
            source = _program(slow) if slow else None
            fast = data.executions(pair.fast.code, problem, row, "reference")
            reference = _program(fast) if fast else None
        accepted = tuple(humans.get(problem, ()))
        if run.task != "edit" and accepted:  # generation: the fastest human solution
            reference = min(accepted, key=lambda h: h.mean_time or math.inf)
        if published:
            spectrum = spectra.get(problem)
            runtimes: tuple[float, ...] = spectrum.runtimes_s if spectrum else ()
        else:
            runtimes = tuple(t for h in accepted if (t := h.mean_time) is not None)
        rows.append(_Row(row, problem, tuple(programs), source, reference if reference and reference.passed else None,
                         accepted, runtimes))
    return _RunData(run, data.engine, data.accounting, tuple(rows), published)


def _human_programs(store: Store, problem_ids: Sequence[str], engine: str | None,
                    modes: set[str]) -> dict[str, list[_Program]]:
    """Per problem, its accepted human solutions measured on `engine` with the run's accounting (`modes`), as
    `judging.spectra.human_spectra` selects them (the program's own runs, not bound to a row or a pair)."""
    if engine is None or not problem_ids:
        return {}
    found = store.human_programs(problem_ids, limit=HUMAN_SAMPLE)
    shas = sorted({sha for programs in found.values() for sha, _ in programs})
    runs: dict[tuple[str, str], list[Sample]] = defaultdict(list)
    for ex in store.latest_measured(shas, engine=engine, visibility=SCORED):
        if ex.context is None and (not modes or accounting_of(ex.engine_version) in modes):
            runs[(ex.code_sha256, ex.problem_id)].append(ex)
    result: dict[str, list[_Program]] = {}
    for problem_id, programs in found.items():
        measured = [_program(runs[(sha, problem_id)]) for sha, _ in programs if runs.get((sha, problem_id))]
        result[problem_id] = [p for p in measured if p.passed and p.mean_time is not None]
    return result


# -- the metrics of one run ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Terms:
    """What a metric made of a run: per row its figure, per output its term, or why there is none."""

    per_row: list[float] = field(default_factory=list)
    per_output: list[Contribution] = field(default_factory=list)
    skipped: int = 0  # rows without what the metric needs
    needs: str = ""


def _passed(program: _Program | None) -> bool:
    return program is not None and program.passed


def _contribution(row: _Row, output_id: str, value: float) -> Contribution:
    return Contribution(output_id, row.row_idx, row.problem_id, value)


def _cost_kind(rows: Sequence[_Row]) -> str:
    """Instruction counts when every program EvalPerf and COFFE compare has them, else CPU time."""
    programs = [p for row in rows for _, p in row.outputs if _passed(p)] + [h for row in rows for h in row.humans]
    if programs and all(p is not None and p.instructions is not None for p in programs):
        return INSTRUCTIONS
    return CPU_TIME


def _at_k(data: _RunData, spec: MetricSpec, score: Callable[[_Row, _Program | None], float | None],
          needs: str) -> _Terms:
    """A metric whose row figure is the unbiased @k estimate over the row's samples' scores (None: the row
    lacks what the metric needs)."""
    terms = _Terms(needs=needs)
    skipped = 0
    for row in data.rows:
        values: list[float] = []
        for output_id, program in row.outputs:
            value = score(row, program)
            if value is None:
                values = []
                break
            values.append(value)
            terms.per_output.append(_contribution(row, output_id, value))
        if not values:
            skipped += 1
            continue
        if len(values) < spec.k:
            return _Terms(needs=f"at least {spec.k} samples per row")
        terms.per_row.append(unbiased_at_k(values, spec.k))
    return _Terms(terms.per_row, terms.per_output, skipped, needs)


def _enamel(data: _RunData, spec: MetricSpec, levels: Sequence[Level] | None) -> _Terms:
    hardness = [level.weight for level in levels] if levels else None

    def score(row: _Row, program: _Program | None) -> float | None:
        if row.reference is None:
            return None
        refs = row.reference.level_times(levels)
        if any(r is None or r <= 0 for r in refs):
            return None
        if not _passed(program):
            return 0.0
        assert program is not None
        return sample_efficiency(True, program.level_times(levels), [r for r in refs if r is not None], hardness,
                                 timeout_factor=TIMEOUT_FACTOR)

    needs = "the pairs' fast programs" if data.run.task == "edit" else "human solutions"
    return _at_k(data, spec, score, f"{needs} measured on {data.engine or 'the run engine'}")


def _mercury(data: _RunData, spec: MetricSpec) -> _Terms:
    def score(row: _Row, program: _Program | None) -> float | None:
        if not row.human_runtimes:
            return None
        return beyond(_passed(program), program.mean_time if program else None, row.human_runtimes)

    return _at_k(data, spec, score, f"human solutions measured on {data.engine or 'the run engine'}")


def _pie(data: _RunData, spec: MetricSpec) -> tuple[_Terms, list[float]]:
    """speedup_best@k per row, and the rows' values (for %Opt)."""
    if data.run.task != "edit":
        return _Terms(needs="a source program (editing runs)"), []
    terms = _Terms(needs=f"the pairs' slow programs measured on {data.engine or 'the run engine'}")
    skipped = 0
    for row in data.rows:
        if row.source is None or not row.source.measure.ran:
            skipped += 1
            continue
        speedups: list[float | None] = []
        for output_id, program in row.outputs:
            ratio = runtime_ratio(row.source.measure, program.measure) if _passed(program) and program else None
            speedups.append(ratio)
            terms.per_output.append(_contribution(row, output_id, max(1.0, ratio) if ratio is not None else 1.0))
        if len(speedups) < spec.k:
            return _Terms(needs=f"at least {spec.k} samples per row"), []
        terms.per_row.append(speedup_best_at_k(speedups, spec.k))
    return _Terms(terms.per_row, terms.per_output, skipped, terms.needs), terms.per_row


def _evalperf(data: _RunData, kind: str, norm: bool) -> _Terms:
    floor = INSTRUCTION_FLOOR if kind == INSTRUCTIONS else CPU_FLOOR_S

    def score(row: _Row, program: _Program | None) -> float | None:
        costs = [c for h in row.humans if (c := h.cost(kind)) is not None and c > 0]
        if not costs:
            return None
        found = dps(_passed(program), program.cost(kind) if program else None, cluster_references(costs, floor=floor))
        return found[1] if norm else found[0]

    return _at_k(data, MetricSpec("dps", "EvalPerf", ""), score,
                 f"human solutions measured on {data.engine or 'the run engine'}")


def _coffe(data: _RunData, kind: str) -> _Terms:
    def score(row: _Row, program: _Program | None) -> float | None:
        costs = [c for h in row.humans if (c := h.cost(kind)) is not None]
        if not costs:
            return None
        return float(efficient(_passed(program), program.cost(kind) if program else None, min(costs)))

    return _at_k(data, MetricSpec("efficient@1", "COFFE", ""), score,
                 f"human solutions measured on {data.engine or 'the run engine'}")


def _effibench(data: _RunData, memory: bool, mean: bool) -> FieldCell:
    """NET / NMU of the run's correct outputs against the canonical solution (ENAMEL's reference)."""
    figure = (lambda p: p.peak_memory) if memory else (lambda p: p.total_time)
    model: list[float] = []
    canonical: list[float] = []
    by_row: dict[int, tuple[float, float]] = {}
    top: list[Contribution] = []
    for row in data.rows:
        base = figure(row.reference) if row.reference is not None else None
        if base is None or base <= 0:
            continue
        for output_id, program in row.outputs:
            value = figure(program) if program is not None and program.passed else None
            if value is None:
                continue
            model.append(value)
            canonical.append(base)
            num, den = by_row.get(row.row_idx, (0.0, 0.0))
            by_row[row.row_idx] = (num + value, den + base)
            top.append(_contribution(row, output_id, value / base))
    key = ("nmu" if memory else "net") + ("_mean" if mean else "")
    found = normalized_cost(model, canonical)
    if found is None:
        reference = "the pairs' fast programs" if data.run.task == "edit" else "human solutions"
        return FieldCell(key, None, note=f"n/a: needs correct outputs and {reference} measured on "
                                         f"{data.engine or 'the run engine'}")
    if mean:
        ci = bootstrap_mean_ci([c.value for c in top], seed=SEED)
        interval = (ci[1], ci[2]) if ci and len(top) > 1 else None
        value, note = found.mean_of_ratios, f"mean over {found.n} correct outputs"
    else:
        sums = list(by_row.values())
        interval = ratio_of_sums_ci([s[0] for s in sums], [s[1] for s in sums], seed=SEED)
        value, note = found.ratio_of_sums, f"ratio of sums over {found.n} correct outputs in {len(sums)} rows"
    return FieldCell(key, value, interval, note, found.n, top=_top(top))


def _top(contributions: Iterable[Contribution]) -> tuple[Contribution, ...]:
    return tuple(sorted(contributions, key=lambda c: (-c.value, c.row_idx, c.output_id))[:TOP_OUTPUTS])


def _cell(spec: MetricSpec, terms: _Terms, scale: float = 1.0, what: str = "") -> FieldCell:
    if not terms.per_row:
        return FieldCell(spec.key, None, note=f"n/a: needs {terms.needs}")
    ci = bootstrap_mean_ci([v * scale for v in terms.per_row], seed=SEED)
    assert ci is not None
    n = len(terms.per_row)
    note = f"mean over {n} rows{what}" + (f" ({terms.skipped} rows without {terms.needs})" if terms.skipped else "")
    return FieldCell(spec.key, ci[0], (ci[1], ci[2]) if n > 1 else None, note, n, top=_top(terms.per_output))


def _run_cells(
    data: _RunData, specs: Sequence[MetricSpec], levels: Sequence[Level] | None
) -> tuple[str, list[FieldCell]]:
    if data.problem:
        return "", [FieldCell(s.key, None, note=f"n/a: {data.problem}") for s in specs]
    measured = any(p is not None for row in data.rows for _, p in row.outputs)
    if not measured:
        return "", [FieldCell(s.key, None, note="n/a: needs the run's outputs measured (ecco eval)") for s in specs]
    kind = _cost_kind(data.rows)
    cells = []
    for spec in specs:
        name = spec.key.split("@")[0]
        if name == "eff":
            cells.append(_cell(spec, _enamel(data, spec, levels)))
        elif name == "beyond":
            cells.append(_cell(spec, _mercury(data, spec)))
        elif name == "speedup":
            cells.append(_cell(spec, _pie(data, spec)[0]))
        elif spec.key == "pct_opt":
            terms, best = _pie(data, _spec("speedup@1"))
            if pct_optimized(best) is None:
                cells.append(FieldCell(spec.key, None, note=f"n/a: needs {terms.needs}"))
            else:
                flags = _Terms([1.0 if s >= 1.10 else 0.0 for s in best], terms.per_output, terms.skipped, terms.needs)
                cells.append(_cell(spec, flags, scale=100.0))
        elif spec.key in ("dps", "dps_norm"):
            cells.append(_cell(spec, _evalperf(data, kind, spec.key == "dps_norm"), what=f"; cost: {kind}"))
        elif spec.key == "efficient@1":
            cells.append(_cell(spec, _coffe(data, kind), what=f"; cost: {kind}"))
        else:
            cells.append(_effibench(data, spec.key.startswith("nmu"), spec.key.endswith("_mean")))
    return kind, cells


# -- the tables ---------------------------------------------------------------------------------------


def field_tables(
    store: Store,
    run_ids: Sequence[str] | None = None,
    *,
    metrics: str | Iterable[str] = "all",
    engine: str | None = None,
    levels: Sequence[Level] | None = None,
) -> list[FieldTable]:
    """Every run's metrics (`metrics`: `all`, or keys and family names; see `parse_metrics`), one table per run
    set (task x split, in the store's run order), with ranks and the tau-b matrix. `engine` picks the engine
    whose executions count (else the one that measured each run: several is that run's "n/a"); `levels` splits
    the private tests into ENAMEL levels (default: one level of all of them)."""
    specs = parse_metrics(metrics)
    runs = named_runs(store, run_ids)
    groups: dict[tuple[str, str], list[FieldRun]] = {}
    for run in runs:
        data = _load(store, run, engine)
        kind, cells = _run_cells(data, specs, levels)
        groups.setdefault((run.task, run.split), []).append(FieldRun(
            run.run_id, run.task, run.model, run.method, run.split, data.engine, data.accounting, kind, tuple(cells)))
    return [_ranked(task, split, specs, group, levels) for (task, split), group in groups.items()]


def _ranked(task: str, split: str, specs: Sequence[MetricSpec], runs: list[FieldRun],
            levels: Sequence[Level] | None) -> FieldTable:
    by_metric = [ranks([r.cells[i].value for r in runs], higher_is_better=s.higher_is_better)
                 for i, s in enumerate(specs)]
    ranked = tuple(
        FieldRun(r.run_id, r.task, r.model, r.method, r.split, r.engine, r.accounting, r.cost,
                 tuple(FieldCell(c.metric, c.value, c.interval, c.note, c.n, by_metric[i][j], c.top)
                       for i, c in enumerate(r.cells)))
        for j, r in enumerate(runs))
    # Ranks point the same way for every metric (1 = best), so tau-b of the ranks compares the orderings.
    agreement = tuple(tuple(kendall_tau_b(a, b) for b in by_metric) for a in by_metric)
    return FieldTable(task, split, tuple(specs), ranked, _notes(task, ranked, levels), agreement)


def _notes(task: str, runs: Sequence[FieldRun], levels: Sequence[Level] | None) -> tuple[str, ...]:
    reference = ("the pair's fast program" if task == "edit" else
                 "the fastest human solution measured on the same engine")
    level = (f"{len(levels)} levels (weights {', '.join(f'{lv.weight:g}' for lv in levels)})" if levels else
             "one level (all private tests, weight 1)")
    costs = sorted({r.cost for r in runs if r.cost})
    notes = [
        f"ENAMEL eff@k: {level}; reference: {reference}; T = {TIMEOUT_FACTOR:g} x the reference's slowest test",
        f"EffiBench canonical solution: {reference}",
        "references: human solutions run on each run's engine with its accounting (never another machine's figures)",
    ]
    if costs:
        notes.append("EvalPerf / COFFE cost: " + "; ".join(
            f"{c} ({', '.join(r.run_id for r in runs if r.cost == c)})" for c in costs)
            + (" (valgrind counts, ecco eval --cost instructions)" if INSTRUCTIONS in costs else ""))
    return tuple(notes)


# -- renderers ----------------------------------------------------------------------------------------


def format_value(spec: MetricSpec, value: float | None) -> str:
    if value is None:
        return "n/a"
    if spec.unit == "%":
        return f"{value:.1f}"
    if spec.unit == "×":
        return f"{value:.3f}×"
    return f"{value:.3f}"


def format_cell(spec: MetricSpec, cell: FieldCell) -> str:
    """A cell as the tables show it: the value and its interval, or n/a."""
    text = format_value(spec, cell.value)
    if cell.value is not None and cell.interval is not None:
        lo, hi = (format_value(spec, v).rstrip("×") for v in cell.interval)
        text += f" [{lo}–{hi}]"
    return text


def table_columns(table: FieldTable) -> tuple[str, ...]:
    return ("model", "method", *(m.key for m in table.metrics))


def table_rows(table: FieldTable) -> list[list[str]]:
    return [[r.model, r.method, *(format_cell(s, c) for s, c in zip(table.metrics, r.cells, strict=True))]
            for r in table.runs]


def agreement_rows(table: FieldTable) -> list[list[str]]:
    return [[a.key, *("–" if v is None else f"{v:+.2f}" for v in row)]
            for a, row in zip(table.metrics, table.agreement, strict=True)]


def na_notes(table: FieldTable) -> list[str]:
    """Each run's n/a reasons, one line per run and reason (the tables show only "n/a")."""
    lines: list[str] = []
    for r in table.runs:
        reasons: dict[str, list[str]] = {}
        for c in r.cells:
            if c.value is None:
                reasons.setdefault(c.note.removeprefix("n/a: "), []).append(c.metric)
        lines.extend(f"{r.run_id}: {', '.join(keys)}: n/a, {why}" for why, keys in reasons.items())
    return lines


def _cell_json(cell: FieldCell) -> dict[str, object]:
    return {"value": cell.value, "interval": list(cell.interval) if cell.interval else None, "note": cell.note,
            "n": cell.n, "rank": cell.rank,
            "top_outputs": [{"output_id": c.output_id, "row": c.row_idx, "problem_id": c.problem_id,
                             "value": c.value} for c in cell.top]}


def render_json(tables: Sequence[FieldTable], *, agreement: bool = False) -> str:
    out = []
    for t in tables:
        item: dict[str, object] = {
            "task": t.task, "split": t.split, "title": t.title, "notes": list(t.notes),
            "metrics": [{"key": m.key, "family": m.family, "definition": m.definition,
                         "higher_is_better": m.higher_is_better} for m in t.metrics],
            "runs": [{"run_id": r.run_id, "model": r.model, "method": r.method, "engine": r.engine,
                      "accounting": r.accounting, "cost": r.cost,
                      "metrics": {c.metric: _cell_json(c) for c in r.cells}} for r in t.runs],
        }
        if agreement:
            item["agreement"] = {a.key: {b.key: v for b, v in zip(t.metrics, row, strict=True)}
                                 for a, row in zip(t.metrics, t.agreement, strict=True)}
        out.append(item)
    return json.dumps(out, indent=2, sort_keys=True)


def render_csv(tables: Sequence[FieldTable], *, agreement: bool = False) -> str:
    """One line per (run, metric): value, interval, rank, note; with `agreement`, then one per metric pair."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["task", "split", "run_id", "model", "method", "metric", "value", "lo", "hi", "rank", "n", "note"])
    for t in tables:
        for r in t.runs:
            for c in r.cells:
                lo, hi = c.interval if c.interval else (None, None)
                writer.writerow([t.task, t.split, r.run_id, r.model, r.method, c.metric, _num(c.value), _num(lo),
                                 _num(hi), _num(c.rank), c.n, c.note])
    if agreement:
        writer.writerow([])
        writer.writerow(["task", "split", "metric", "other_metric", "kendall_tau_b"])
        for t in tables:
            for a, row in zip(t.metrics, t.agreement, strict=True):
                for b, v in zip(t.metrics, row, strict=True):
                    writer.writerow([t.task, t.split, a.key, b.key, _num(v)])
    return buf.getvalue()


def _num(value: float | None) -> str:
    return "" if value is None else repr(value)


def render_markdown(tables: Sequence[FieldTable], *, agreement: bool = False) -> str:
    parts: list[str] = []
    for t in tables:
        parts.append(f"### {t.title}: every efficiency metric\n")
        parts.extend(f"_{note}_\n" for note in t.notes)
        cols = table_columns(t)
        parts.append("| " + " | ".join(cols) + " |")
        parts.append("|" + "---|" * len(cols))
        parts.extend("| " + " | ".join(row) + " |" for row in table_rows(t))
        parts.append("")
        parts.extend(f"- {line}" for line in na_notes(t))
        if agreement and len(t.runs) < 2:
            parts.append("\n_Kendall's tau-b: one run in this set, no rankings to compare_")
        elif agreement:
            parts.append(f"\n#### Kendall's tau-b between the metrics' rankings ({len(t.runs)} runs)\n")
            cols = ("", *(m.key for m in t.metrics))
            parts.append("| " + " | ".join(cols) + " |")
            parts.append("|" + "---|" * len(cols))
            parts.extend("| " + " | ".join(row) + " |" for row in agreement_rows(t))
        parts.append("")
    return "\n".join(parts)


__all__ = [
    "ALL",
    "CPU_TIME",
    "FAMILIES",
    "INSTRUCTIONS",
    "Contribution",
    "FieldCell",
    "FieldRun",
    "FieldTable",
    "Level",
    "MetricSpec",
    "agreement_rows",
    "field_tables",
    "format_cell",
    "na_notes",
    "parse_metrics",
    "render_csv",
    "render_json",
    "render_markdown",
    "table_columns",
    "table_rows",
]
