"""An editing output's verdict: outcome, speedup and memory reduction with their intervals, instruction-count
speedup and disagreement (each field's definition is in the package docstring)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from ecco_tui.metrics.drift import TestDrift, drifted_tests
from ecco_tui.metrics.editing import memory_ratio, runtime_ratio
from ecco_tui.metrics.outcome import Outcome, classify_outcome
from ecco_tui.metrics.paired import paired_ratio_ci
from ecco_tui.metrics.stats import (
    bootstrap_mean_ci,
    cost_directions_disagree,
    interval_direction,
    measurement_ratio_cis,
    memory_samples,
    ratio_direction,
    runtime_samples,
)
from ecco_tui.metrics.types import ProgramMeasure, median_per_test
from ecco_tui.model import Sample, evaluation_of
from ecco_tui.services.judging.measurements import (
    COMPLETED,
    Measurements,
    MeasurementSource,
    instruction_speedup,
    raw_measures,
)

#: Seed of every verdict's intervals: the report, the browser and the cache agree to the last digit.
SEED = 0
#: Bootstrap replicates of the speedup interval.
SPEED_BOOT = 1000
#: Bootstrap rounds of the memory-reduction interval: memory varies less than time, and a verdict never
#: depends on it, so fewer rounds than the speedup's 1000 keep a whole run's verdicts cheap.
MEMORY_BOOT = 400


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
    # How the verdict was reached, in one line: paired or not, tests x samples, the interval's method and level.
    basis: str = ""
    # Tests whose paired speedup moved between the evaluations pooled here beyond noise (`pair_drift`).
    drift: tuple[TestDrift, ...] = ()

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


#: Counters of the verdicts computed while they are active (`counting_verdicts`).
_tallies: list[Counter[str]] = []


@contextmanager
def counting_verdicts() -> Iterator[Counter[str]]:
    """Count the verdicts computed in the block, per output id: an output judged twice by one command is
    wasted work (tests check `ecco eval` judges each output once). Counts every thread's verdicts."""
    tally: Counter[str] = Counter()
    _tallies.append(tally)
    try:
        yield tally
    finally:
        _tallies.remove(tally)


def record_judged(output_ids: Iterable[str]) -> None:
    """Count these outputs as judged in every active `counting_verdicts` block."""
    for tally in _tallies:
        tally.update(output_ids)


@dataclass(frozen=True, slots=True)
class _Side:
    """One program's executions as a verdict reads them, each view derived once (a row's input serves every
    sample of the row; a run has millions of executions)."""

    executions: Sequence[Sample]
    measure: ProgramMeasure  # per-test medians
    runtimes: dict[str, list[float]]  # per-test repeats, what the interval's bootstrap resamples
    memories: dict[str, list[float]]


def _side(executions: Sequence[Sample], sides: dict[int, _Side]) -> _Side:
    """The `_Side` of an execution list, made once per list (`sides` keeps each list alive, so ids stay unique)."""
    found = sides.get(id(executions))
    if found is None:
        raw = raw_measures(executions)
        found = sides[id(executions)] = _Side(executions, median_per_test(raw) if raw else ProgramMeasure(),
                                              runtime_samples(raw), memory_samples(raw))
    return found


def editing_verdicts(
    data: MeasurementSource, *, faster_threshold: float = 1.0, resolution_s: float = 0.001, seed: int = SEED
) -> list[OutputVerdict]:
    """Every output's verdict, in row order (see the module docstring for each field's definition).

    The intervals of all outputs are computed in one batch (`metrics.stats.measurement_ratio_cis`: for each
    output exactly the interval `measurement_ratio_ci` gives it alone, as a few numpy arrays per run)."""
    verdicts = []
    sides: dict[int, _Side] = {}
    # (row, pair, input side, output, output side, adjacent pairs, each side's own runs), report order
    judged = []
    for row, outs in data.rows.items():
        pair = data.pair_of(outs)
        inp_side = _side(data.executions(pair.slow.code, pair.problem_id, row, "input") if pair else [], sides)
        for o in outs:
            out_side = _side(data.executions(o.code, o.problem_id, row, "output"), sides)
            paired = data.adjacent(pair.slow.code, o.code, pair.problem_id) if pair else []
            if paired:  # judged on the pairs alone: both sides measured back to back
                judged.append((row, pair, _side([a for a, _ in paired], sides), o,
                               _side([b for _, b in paired], sides), paired, (inp_side, out_side)))
            else:
                judged.append((row, pair, inp_side, o, out_side, [], (inp_side, out_side)))
    both = [(i, out) for _, _, i, _, out, paired, _ in judged if i.executions and out.executions and not paired]
    speed_cis = iter(measurement_ratio_cis([(i.runtimes, o.runtimes) for i, o in both], n_boot=SPEED_BOOT,
                                           seed=seed))
    memory_cis = iter(measurement_ratio_cis([(i.memories, o.memories) for i, o in both], n_boot=MEMORY_BOOT,
                                            seed=seed))
    for row, pair, inp_side, o, out_side, paired, (own_in, own_out) in judged:
        inp, out = inp_side.measure, out_side.measure
        inp_ex, out_ex = inp_side.executions, out_side.executions
        same = pair is not None and bool(o.code) and data.sha(o.code or "") == pair.slow.code_sha256
        if paired:
            ci, mem_ci = paired_intervals(paired)
        else:
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
        # Instruction counts are exact: taken from each program's own runs (`--cost instructions` never pairs).
        instructions = (instruction_speedup(own_in.executions, own_out.executions)
                        if own_in.executions and own_out.executions else None)
        verdicts.append(OutputVerdict(
            output_id=o.output_id, row_idx=row, problem_id=o.problem_id, passed=out.all_passed,
            n_tests=out.n_tests, n_passed=out.n_passed,
            speedup=runtime_ratio(inp if inp.ran else None, out), speedup_lo=ci[1] if ci else None,
            speedup_hi=ci[2] if ci else None, memory_reduction=memory_ratio(inp if inp.ran else None, out),
            outcome=outcome.value, below_resolution=total is not None and total < 20 * resolution_s,
            identical_to_input=same, instruction_speedup=instructions,
            cost_disagree=cost_directions_disagree((ci[1], ci[2]) if ci else None, instructions),
            memory_lo=mem_ci[1] if mem_ci else None, memory_hi=mem_ci[2] if mem_ci else None,
            basis=_basis(same and out.all_passed, paired, inp_side, out_side, ci, faster_threshold),
            drift=pair_drift(paired),
        ))
    record_judged(v.output_id for v in verdicts)
    return verdicts


def _basis(identical: bool, paired: Sequence[tuple[Sample, Sample]], inp: _Side, out: _Side,
           ci: tuple[float, float, float] | None, threshold: float) -> str:
    """One short line on how the verdict was reached (the compare view shows it beside the numbers): paired or
    not, tests x samples per test, and the 95% interval's method (paired log-ratios, or the measurement
    bootstrap with its 3% per-run floor for tests run once)."""
    if identical:
        return "same program as its input: within noise"
    if ci is None:
        return "no interval: no test both completed"
    above = f", faster = above {threshold:g}" if threshold != 1.0 else ""
    if paired:
        per_test: Counter[str] = Counter(f"{a.visibility}:{a.test_idx}" for a, _ in paired)
        how = "log-ratios" if len(per_test) > 1 or max(per_test.values()) > 1 else "bootstrap, 3% floor"
        return f"paired {_count([len(per_test)], 'test')} × {_count(per_test.values(), 'pair')} · 95% {how}{above}"
    shared = out.runtimes.keys() & inp.runtimes.keys()
    runs = [len(side.runtimes[t]) for side in (inp, out) for t in shared]
    floor = ", 3% floor" if runs and min(runs) == 1 else ""
    return f"unpaired {_count([len(shared)], 'test')} × {_count(runs, 'run')} · 95% bootstrap{floor}{above}"


def pair_drift(paired: Sequence[tuple[Sample, Sample]]) -> tuple[TestDrift, ...]:
    """The tests on which adjacent (input, output) runs from different evaluations disagree beyond noise
    (`metrics.drift`), in the natural test order; () when the pairs come from one evaluation. Crashed runs
    and zero times carry no ratio and are left out, as in `paired_intervals`."""
    if not paired:
        return ()
    order = sorted({evaluation_of(a.context) for a, _ in paired})
    if len(order) < 2:
        return ()
    position = {e: i for i, e in enumerate(order)}
    groups: dict[tuple[bool, str, int], list[list[float]]] = {}
    for a, b in paired:
        if a.status_id not in COMPLETED or b.status_id not in COMPLETED:
            continue
        if not a.cpu_time_s or not b.cpu_time_s or a.cpu_time_s <= 0 or b.cpu_time_s <= 0:
            continue
        key = (a.visibility != "public", a.visibility, a.test_idx)
        by_evaluation = groups.setdefault(key, [[] for _ in order])
        by_evaluation[position[evaluation_of(a.context)]].append(math.log(a.cpu_time_s / b.cpu_time_s))
    labels = {key: f"{key[1]}:{key[2]}" for key in groups}
    found = drifted_tests({labels[key]: groups[key] for key in sorted(groups)})
    return tuple(found[labels[key]] for key in sorted(groups) if labels[key] in found)


def _count(values: Iterable[int], noun: str) -> str:
    """"3 pairs" or "1–3 runs" (per test)."""
    found = sorted(set(values))
    low, high = found[0], found[-1]
    amount = str(low) if low == high else f"{low}–{high}"
    return f"{amount} {noun}{'' if high == 1 else 's'}"


def paired_intervals(
    paired: Sequence[tuple[Sample, Sample]]
) -> tuple[tuple[float, float, float] | None, tuple[float, float, float] | None]:
    """The speedup's and the memory ratio's (point, lo, hi) from adjacent (input, output) runs
    (`metrics.paired.paired_ratio_ci`), over the tests where both completed (a crash's time is not a cost).

    Pairs on one test alone tell nothing of the noise (a single log-ratio has no spread): those get the
    unpaired interval of the same runs (`measurement_ratio_cis`, with its per-measurement noise floor), never
    none, which would let the point decide."""
    time_pairs: dict[str, list[tuple[float, float]]] = defaultdict(list)
    memory_pairs: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for a, b in paired:
        if a.status_id not in COMPLETED or b.status_id not in COMPLETED:
            continue
        test = f"{a.visibility}:{a.test_idx}"
        if a.cpu_time_s is not None and b.cpu_time_s is not None:
            time_pairs[test].append((a.cpu_time_s, b.cpu_time_s))
        if a.memory_kb is not None and b.memory_kb is not None:
            memory_pairs[test].append((a.memory_kb, b.memory_kb))
    return _paired_or_floor(time_pairs, SPEED_BOOT), _paired_or_floor(memory_pairs, MEMORY_BOOT)


def _paired_or_floor(pairs: dict[str, list[tuple[float, float]]], n_boot: int) -> tuple[float, float, float] | None:
    found = paired_ratio_ci(pairs)
    if found is None and pairs:
        found = measurement_ratio_cis([({t: [a for a, _ in ps] for t, ps in pairs.items()},
                                        {t: [b for _, b in ps] for t, ps in pairs.items()})], n_boot=n_boot,
                                      seed=SEED)[0]
    return found


def outcome_counts(verdicts: Iterable[OutputVerdict], n_outputs: int) -> dict[str, int]:
    """How many of `n_outputs` outputs got each outcome (every outcome listed; outputs without a verdict are
    not-run)."""
    counts = {o.value: 0 for o in Outcome}
    judged = 0
    for v in verdicts:
        counts[v.outcome] += 1
        judged += 1
    counts[Outcome.NOT_RUN.value] += n_outputs - judged
    return counts


def cost_summary(verdicts: Sequence[OutputVerdict]) -> dict[str, object]:
    """A report line's instruction-count fields from its outputs' verdicts (empty when nothing was counted):
    the mean instruction speedup over passing outputs with its 95% bootstrap interval, and how many outputs
    have both measures and in how many they disagree."""
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


@dataclass(frozen=True, slots=True)
class JudgedRun:
    """A run's verdicts with what they were judged under: what the verdict cache may take instead of judging
    the same outputs again (`run_outcomes`)."""

    data: Measurements
    verdicts: list[OutputVerdict]
    faster_threshold: float = 1.0
    seed: int = SEED
