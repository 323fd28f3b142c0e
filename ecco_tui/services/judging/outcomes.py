"""What the browser's outcome column and the verdict cache show: an output's outcome summary, for one problem's
outputs of a run (the browser) or a whole run (the cache)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from ecco_tui.metrics.generation import program_memory_percentile, program_runtime_percentile
from ecco_tui.metrics.outcome import Outcome
from ecco_tui.model import CodeHashes, ModelOutput, Pair, Run
from ecco_tui.services.judging.measurements import SCORED, EnginePolicy, Measurements
from ecco_tui.services.judging.spectra import human_spectra
from ecco_tui.services.judging.verdict import SEED, JudgedRun, OutputVerdict, editing_verdicts, record_judged
from ecco_tui.store.store import Store

#: Outcomes of generation outputs, which have no input to be faster than: correctness only.
PASSES, FAILS = "passes", "fails"
#: The outcome of an output nothing measured (`Outcome.NOT_RUN`), for modules that may not import the rules.
NOT_RUN = Outcome.NOT_RUN.value


@dataclass(frozen=True, slots=True)
class OutcomeSummary:
    """What the stored executions say about one output (editing: its `OutputVerdict`)."""

    outcome: str
    speedup: float | None  # Runtime(input) / Runtime(output) over common private tests, correct or not
    speedup_lo: float | None
    speedup_hi: float | None
    n_passed: int
    n_run: int
    below_resolution: bool = False
    runtime_percentile: float | None = None  # generation outputs that pass
    memory_reduction: float | None = None  # Memory(input) / Memory(output), editing outputs
    memory_lo: float | None = None
    memory_hi: float | None = None
    memory_percentile: float | None = None  # generation outputs that pass
    drift_tests: int = 0  # editing outputs: tests that drifted between evaluations (`OutputVerdict.drift`)


def outcome_summary(verdict: OutputVerdict) -> OutcomeSummary:
    return OutcomeSummary(
        outcome=verdict.outcome, speedup=verdict.speedup, speedup_lo=verdict.speedup_lo,
        speedup_hi=verdict.speedup_hi, n_passed=verdict.n_passed, n_run=verdict.n_tests,
        below_resolution=verdict.below_resolution, memory_reduction=verdict.memory_reduction,
        memory_lo=verdict.memory_lo, memory_hi=verdict.memory_hi, drift_tests=len(verdict.drift),
    )


def _summaries(verdicts: Iterable[OutputVerdict]) -> dict[str, OutcomeSummary]:
    """The outputs that were measured (an unmeasured one has no outcome to show or filter on)."""
    return {v.output_id: outcome_summary(v) for v in verdicts if v.outcome != Outcome.NOT_RUN.value}


def generation_outcomes(store: Store, data: Measurements, outs: Iterable[ModelOutput]) -> dict[str, OutcomeSummary]:
    """Generation outputs that ran: passes / fails (pass@1's criterion, every private test), and where a
    passing one's runtime and memory fall among the problem's human solutions measured on the same engine
    (`spectra.human_spectra`)."""
    outs = list(outs)
    spectra = human_spectra(store, {o.problem_id for o in outs}, data.engine)
    result = {}
    judged = []
    for o in outs:
        judged.append(o.output_id)
        measure = data.measure(o.code, o.problem_id, o.row_idx, "output")
        if not measure.ran:
            continue
        spectrum = spectra.get(o.problem_id)
        result[o.output_id] = OutcomeSummary(
            outcome=PASSES if measure.all_passed else FAILS, speedup=None, speedup_lo=None, speedup_hi=None,
            n_passed=measure.n_passed, n_run=measure.n_tests,
            runtime_percentile=program_runtime_percentile(measure, spectrum.runtimes_s) if spectrum else None,
            memory_percentile=program_memory_percentile(measure, spectrum.memories_kb) if spectrum else None,
        )
    record_judged(judged)
    return result


def problem_outcomes(
    store: Store, run: Run | None, run_id: str, outs: Sequence[ModelOutput], pairs: Mapping[str, Pair | None]
) -> dict[str, OutcomeSummary]:
    """Outcomes of one run's outputs of one problem (those with executions): the unit the browser shows. The
    engine is the busiest among these programs' (`EnginePolicy.BUSIEST`)."""
    generation = run is not None and run.task == "generate"
    data = Measurements(store, run_id, outputs=outs, pairs={} if generation else pairs, policy=EnginePolicy.BUSIEST)
    return generation_outcomes(store, data, outs) if generation else _summaries(editing_verdicts(data))


def run_outcomes(
    store: Store,
    run: Run,
    outputs: Sequence[ModelOutput] | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    judged: JudgedRun | None = None,
) -> dict[str, OutcomeSummary]:
    """Outcomes of every output of `run` (rounds and samples included), as `problem_outcomes` gives them
    problem by problem: what the verdict cache stores.

    When one engine (or none) measured the run, every problem's busiest engine is that one, so the run is
    judged in one batch (one load, one bootstrap batch), and the outputs of `judged` — the report's verdicts
    of the same run, when they were judged under the same rules — are taken as they are, not judged again.
    With several engines each problem is judged on its own, as the browser does. `outputs`: the run's, when
    the caller has them already."""
    if outputs is None:
        outputs = store.run_outputs(run.run_id)
    generation = run.task == "generate"
    pairs = {} if generation else store.get_pairs(sorted({o.pair_id for o in outputs if o.pair_id}))
    hashes = CodeHashes()
    shas = {hashes[o.code] for o in outputs if o.code and o.code.strip()}
    shas |= {p.slow.code_sha256 for p in pairs.values()}
    engines = store.execution_engines(sorted(shas))
    result: dict[str, OutcomeSummary] = {}
    if len(engines) > 1:
        by_problem: dict[str, list[ModelOutput]] = defaultdict(list)
        for output in outputs:
            by_problem[output.problem_id].append(output)
        done = 0
        for _, outs in sorted(by_problem.items()):
            problem_pairs = {pid: pairs.get(pid) for pid in sorted({o.pair_id for o in outs if o.pair_id})}
            result.update(problem_outcomes(store, run, run.run_id, outs, problem_pairs))
            done += len(outs)
            if progress:
                progress(done, len(outputs))
        return result
    engine = next(iter(engines), None)
    todo = outputs
    if judged is not None and not generation and _reusable(judged, run, engine):
        result = _summaries(judged.verdicts)
        done_ids = {v.output_id for v in judged.verdicts}
        todo = [o for o in outputs if o.output_id not in done_ids]
    if todo:
        todo_pairs = {pid: pairs.get(pid) for pid in sorted({o.pair_id for o in todo if o.pair_id})}
        data = Measurements(store, run, engine=engine, outputs=todo, pairs=todo_pairs, hashes=hashes)
        result.update(generation_outcomes(store, data, todo) if generation else _summaries(editing_verdicts(data)))
    if progress:
        progress(len(outputs), len(outputs))
    return result


def _reusable(judged: JudgedRun, run: Run, engine: str | None) -> bool:
    """Whether the report's verdicts are the cache's: same run, private tests, threshold 1, the cache's seed,
    and the engine the cache uses (any engine when nothing was measured: every verdict is then not-run)."""
    data = judged.data
    return (data.run_id == run.run_id and data.read_visibility == SCORED
            and judged.faster_threshold == 1.0 and judged.seed == SEED
            and (engine is None or data.engine == engine))
