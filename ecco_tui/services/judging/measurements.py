"""The measurements a verdict reads: per-test measures of stored executions, and the loader that fetches a
run's (or a few outputs') executions once, by one engine (see the package docstring for the rules)."""

from __future__ import annotations

import copy
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Protocol, cast

from ecco_tui.metrics.stats import ratio_of_sums, runtime_samples
from ecco_tui.metrics.types import ProgramMeasure, TestMeasure, median_per_test
from ecco_tui.model import PAIR_CONTEXT, CodeHashes, Execution, ModelOutput, Pair, Run, Sample
from ecco_tui.services.engines import accounting_of, is_sandboxed
from ecco_tui.store.store import Store, StoreError

#: The tests verdicts are computed on, as in the paper and ECCO's evaluation: the private ones.
SCORED = "private"
#: Judge0 statuses of runs that completed (Accepted, Wrong Answer): the runs whose time and memory mean something.
COMPLETED = (3, 4)


# -- per-test measures --------------------------------------------------------------------------------


def _test_measure(e: Sample, tag_visibility: bool = True) -> TestMeasure:
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


def measure_from_executions(executions: Iterable[Sample], *, tag_visibility: bool = True) -> ProgramMeasure:
    """One program's per-test medians (over repeats) from its stored executions: runtime(p, t) above."""
    samples = [_test_measure(e, tag_visibility) for e in executions]
    return median_per_test(samples) if samples else ProgramMeasure()


def raw_measures(executions: Iterable[Sample]) -> list[TestMeasure]:
    """Every execution as a measure, repeats kept (what the interval's bootstrap resamples)."""
    return [_test_measure(e) for e in executions]


def instruction_counts(executions: Iterable[Sample]) -> dict[str, float]:
    """Per test (``visibility:idx``), the valgrind instruction count of a completed run (the median when
    several repeats carry one; counts are deterministic, so they agree)."""
    grouped: dict[str, list[float]] = defaultdict(list)
    for e in executions:
        if e.instructions is not None and e.status_id in COMPLETED:
            grouped[f"{e.visibility}:{e.test_idx}"].append(float(e.instructions))
    return {k: statistics.median(v) for k, v in grouped.items()}


def _cost_tests(input_executions: Sequence[Sample], output_executions: Sequence[Sample]) -> set[str]:
    """The tests the CPU-time ratio is taken over (both completed): the instruction ratio uses the same."""
    return set(runtime_samples(raw_measures(input_executions)).keys()
               & runtime_samples(raw_measures(output_executions)).keys())


def instruction_speedup(input_executions: Sequence[Sample], output_executions: Sequence[Sample]) -> float | None:
    """Σ input instructions / Σ output instructions over the tests the CPU-time ratio is taken over (both
    completed); ``None`` unless every one of those tests has a count on both sides."""
    counts_in, counts_out = instruction_counts(input_executions), instruction_counts(output_executions)
    if not counts_in or not counts_out:
        return None
    return ratio_of_sums(counts_in, counts_out, _cost_tests(input_executions, output_executions))


def instruction_totals(input_executions: Sequence[Sample],
                       output_executions: Sequence[Sample]) -> tuple[float, float]:
    """(Σ input, Σ output) instructions over the tests `instruction_speedup` is taken over (`--explain`);
    only meaningful where `instruction_speedup` is defined."""
    counts_in, counts_out = instruction_counts(input_executions), instruction_counts(output_executions)
    tests = _cost_tests(input_executions, output_executions)
    return math.fsum(counts_in[t] for t in tests), math.fsum(counts_out[t] for t in tests)


# -- the measurements a verdict reads -----------------------------------------------------------------


class EnginePolicy(StrEnum):
    """What to do when several engines measured the programs judged together (their numbers don't mix)."""

    ONLY = "only"
    """`ecco report`: one engine, or the one picked with `--engine`; several is an error that says so."""
    BUSIEST = "busiest"
    """The browser, compare view and scatter: the engine with most executions; the others are named
    (`Measurements.engine_label`)."""


class MeasurementSource(Protocol):
    """What `editing_verdicts` reads: outputs by row, a row's pair, and a program's executions in a row."""

    @property
    def rows(self) -> Mapping[int, list[ModelOutput]]: ...

    def pair_of(self, outs: list[ModelOutput]) -> Pair | None: ...

    def executions(self, code: str | None, problem_id: str, row: int, role: str) -> list[Sample]: ...

    def adjacent(self, first: str | None, second: str | None, problem_id: str) -> list[tuple[Sample, Sample]]: ...

    def sha(self, code: str) -> str: ...


class Measurements:
    """Everything stored about some outputs' programs, loaded once: the outputs per row, their pairs, and the
    newest execution per (program, problem, test, repeat) of one engine, results imported for a row kept
    apart (`executions` prefers them).

    `outputs=None` loads a whole run's final-round outputs (`ecco report`, the scatter); given outputs (a
    problem's, one compared output) load only those, with `pairs` and any `extra_codes` (the compare view's
    reference program). `policy` says what several engines mean (`EnginePolicy`); `engine` picks one.
    Executions are loaded as `Measured` records (what a verdict reads); `detail=True` loads full `Execution`s
    (`detailed`), for views that show an execution's output.
    `visibility` restricts the executions loaded (None: every test, as the compare view lists them; see
    `scoring`)."""

    def __init__(
        self,
        store: Store,
        run: Run | str,
        *,
        engine: str | None = None,
        visibility: str | None = SCORED,
        outputs: Sequence[ModelOutput] | None = None,
        pairs: Mapping[str, Pair | None] | None = None,
        extra_codes: Iterable[str] = (),
        policy: EnginePolicy = EnginePolicy.ONLY,
        hashes: CodeHashes | None = None,
        detail: bool = False,
    ) -> None:
        self.run_id = run if isinstance(run, str) else run.run_id
        self.run = None if isinstance(run, str) else run
        self.visibility = visibility
        self._only: str | None = None  # a visibility `scoring` keeps when reading
        self.hashes = hashes if hashes is not None else CodeHashes()
        if outputs is None:
            outputs = store.run_outputs(self.run_id, final_round_only=True)
        rows: dict[int, list[ModelOutput]] = defaultdict(list)
        for o in outputs:
            rows[o.row_idx].append(o)
        self.rows: dict[int, list[ModelOutput]] = dict(sorted(rows.items()))
        if pairs is None:
            pair_ids = sorted({o.pair_id for o in outputs if o.pair_id})
            found = store.get_pairs(pair_ids)  # one query: a point lookup per pair costs ~3 ms at scale
            pairs = {pid: found.get(pid) for pid in pair_ids}
        self.pairs: Mapping[str, Pair | None] = pairs
        codes = {self.sha(c) for c in extra_codes if c and c.strip()}
        for o in outputs:
            if o.code and o.code.strip():
                codes.add(self.sha(o.code))
            pair = pairs.get(o.pair_id or "")
            if pair is not None:
                codes.add(pair.slow.code_sha256)
        shas = sorted(codes)
        self.engine, self.other_engines = choose_engine(store, shas, engine, self.run_id, policy)
        self.detail = detail
        executions: Sequence[Sample] = []
        if self.engine and detail:
            executions = store.latest_executions(shas, engine=self.engine, visibility=visibility)
        elif self.engine:
            executions = store.latest_measured(shas, engine=self.engine, visibility=visibility)
        # Whether every measurement these numbers come from was sandboxed (the report header says if not).
        self.sandboxed = all(is_sandboxed(ex.engine_version) for ex in executions)
        self.accounting = "; ".join(sorted({accounting_of(ex.engine_version) for ex in executions}))
        self.by_program: dict[tuple[str, str, str | None], list[Sample]] = defaultdict(list)
        groups: dict[str, list[Sample]] = defaultdict(list)  # paired runs (services.paired), by their pair
        for ex in executions:
            if ex.context and ex.context.startswith(PAIR_CONTEXT):
                groups[ex.context].append(ex)
            else:
                self.by_program[(ex.code_sha256, ex.problem_id, ex.context)].append(ex)
        #: Adjacent pairs by (problem, first program, second program), both orientations; and every paired run
        #: of a program, for what shows a program's results when it has no unpaired ones.
        self.paired: dict[tuple[str, str, str], list[tuple[Sample, Sample]]] = defaultdict(list)
        self.paired_runs: dict[tuple[str, str], list[Sample]] = defaultdict(list)
        for group in groups.values():
            if len(group) == 2 and group[0].code_sha256 != group[1].code_sha256:
                first, second = group
                self.paired[(first.problem_id, first.code_sha256, second.code_sha256)].append((first, second))
                self.paired[(first.problem_id, second.code_sha256, first.code_sha256)].append((second, first))
                for ex in group:
                    self.paired_runs[(ex.code_sha256, ex.problem_id)].append(ex)
        # Rows an imported ECCO result file scored (their executions are bound to "run#row#role").
        self.imported_rows: set[int] = {
            int(context.split("#")[1]) for _, _, context in self.by_program
            if context and context.startswith(f"{self.run_id}#")}

    @property
    def engine_label(self) -> str | None:
        """The engine, and the others that also measured these programs when it was picked as the busiest."""
        if self.engine is None or not self.other_engines:
            return self.engine
        return f"{self.engine} (also {', '.join(self.other_engines)})"

    @property
    def read_visibility(self) -> str | None:
        """The tests `executions` returns (None: every visibility)."""
        return self._only if self._only is not None else self.visibility

    def scoring(self, visibility: str) -> Measurements:
        """The same measurements read through one visibility (the compare view lists every test, and judges
        on the private ones): nothing is loaded again."""
        view = copy.copy(self)
        view._only = visibility
        return view

    def pair_of(self, outs: list[ModelOutput]) -> Pair | None:
        return self.pairs.get(outs[0].pair_id) if outs[0].pair_id else None

    def sha(self, code: str) -> str:
        """The program's `code_sha256` (each text hashed once per load)."""
        return self.hashes[code]

    def detailed(self, code: str | None, problem_id: str, row: int, role: str) -> list[Execution]:
        """`executions` with every column (their output excerpts, messages): needs `detail=True`."""
        if not self.detail:
            raise ValueError("these measurements were loaded without detail (Measurements(..., detail=True))")
        return cast(list[Execution], self.executions(code, problem_id, row, role))

    def executions(self, code: str | None, problem_id: str, row: int, role: str) -> list[Sample]:
        """Row-bound measurements (imported result files) first, else the content-addressed ones."""
        if not code or not code.strip():
            return []
        sha = self.sha(code)
        found = self.by_program.get((sha, problem_id, f"{self.run_id}#{row}#{role}")) or self.by_program.get(
            (sha, problem_id, None)) or self.paired_runs.get((sha, problem_id)) or []
        return found if self._only is None else [e for e in found if e.visibility == self._only]

    def adjacent(self, first: str | None, second: str | None, problem_id: str) -> list[tuple[Sample, Sample]]:
        """Adjacent runs of two programs on one problem (`ecco eval --paired`), as (first's, second's)."""
        if not first or not second or not first.strip() or not second.strip():
            return []
        found = self.paired.get((problem_id, self.sha(first), self.sha(second)), [])
        return found if self._only is None else [p for p in found if p[0].visibility == self._only]

    def measure(self, code: str | None, problem_id: str, row: int, role: str) -> ProgramMeasure:
        return measure_from_executions(self.executions(code, problem_id, row, role))


def choose_engine(
    store: Store, shas: Sequence[str], wanted: str | None, run_id: str, policy: EnginePolicy = EnginePolicy.ONLY
) -> tuple[str | None, tuple[str, ...]]:
    """(engine, other engines) whose executions judge these programs: `wanted` when given, else the one that
    measured them; with several, the busiest (`EnginePolicy.BUSIEST`) or an error naming them."""
    if wanted:
        return wanted, ()
    engines = store.execution_engines(shas)  # most executions first
    if len(engines) > 1 and policy is EnginePolicy.ONLY:
        listed = ", ".join(f"{k} ({v})" for k, v in engines.items())
        raise StoreError(f"run {run_id} has results from several engines ({listed}): pick one with --engine")
    engine = next(iter(engines), None)
    return engine, tuple(e for e in engines if e != engine)
