"""The human solutions a generated program is ranked among, measured the way the program was.

A runtime (memory) percentile says how many of a problem's accepted human solutions are slower (heavier) than
the program (ECCO section 3, NL-instructed generation). It is only meaningful when both sides were measured
alike: ECCO's published spectra are Judge0 times and memories of ECCO's own machine, and placing a local
engine's measurement in them put every program "lighter than 0% of humans" (memory accounting differs by
design: whole-tree cgroup peak against Judge0's isolate). So:

* a program measured on an engine of this workbench is ranked among the problem's human solutions run on the
  **same engine** (private tests, the same accounting as the judging module's loader reads): the pairs' slow
  and fast programs and the accepted trajectory steps stored for the problem, at most `HUMAN_SAMPLE` of them (a
  fixed, content-hash-ordered sample; the size is named with the figure);
* ECCO's **published** spectra are used only for results imported from ECCO's result files (measured on
  ECCO's Judge0, `IMPORTED_ENGINE`) and under `--ecco-compat`.

No spectrum (no human solution measured yet on that engine) leaves the percentile undefined: "n/a", never a
number from another machine.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from ecco_tui.metrics.generation import mean_test_memory, mean_test_runtime
from ecco_tui.model import HumanSpectrum, Sample
from ecco_tui.services.judging.measurements import SCORED, measure_from_executions
from ecco_tui.store.store import Store

#: Human solutions run per problem on an engine (the pairs' and trajectories' accepted programs, in content
#: hash order): enough to place a program to a few percent, and a bounded cost per generation problem.
HUMAN_SAMPLE = 20
#: The engine name of executions imported from ECCO's result files (measured on ECCO's Judge0).
IMPORTED_ENGINE = "judge0-imported"
PUBLISHED = HumanSpectrum.PUBLISHED


def uses_published(engine: str | None, *, ecco_compat: bool = False) -> bool:
    """Whether programs measured by `engine` are ranked among ECCO's published spectra (see the module doc)."""
    return ecco_compat or engine == IMPORTED_ENGINE


def published_spectrum(store: Store, problem_id: str) -> HumanSpectrum | None:
    """ECCO's published spectrum of the problem (the release's generate_eval), named as such."""
    spectrum = store.spectrum(problem_id)
    return None if spectrum is None else HumanSpectrum(problem_id, spectrum.runtimes_s, spectrum.memories_kb,
                                                      PUBLISHED)


def human_spectra(
    store: Store, problem_ids: Iterable[str], engine: str | None, *, ecco_compat: bool = False
) -> dict[str, HumanSpectrum | None]:
    """Each problem's spectrum for programs measured by `engine` (None: nothing to rank against)."""
    wanted = sorted(set(problem_ids))
    if uses_published(engine, ecco_compat=ecco_compat):
        return {problem_id: published_spectrum(store, problem_id) for problem_id in wanted}
    if engine is None:
        return dict.fromkeys(wanted)
    humans = store.human_programs(wanted, limit=HUMAN_SAMPLE)
    shas = sorted({sha for programs in humans.values() for sha, _ in programs})
    runs: dict[tuple[str, str], list[Sample]] = defaultdict(list)
    for ex in store.latest_measured(shas, engine=engine, visibility=SCORED):
        if ex.context is None:  # the program's own runs (not bound to a result row or a pair)
            runs[(ex.code_sha256, ex.problem_id)].append(ex)
    result: dict[str, HumanSpectrum | None] = {}
    for problem_id in wanted:
        runtimes, memories = [], []
        for sha, _ in humans.get(problem_id, []):
            measure = measure_from_executions(runs.get((sha, problem_id), []))
            if not measure.ran or not measure.all_passed:  # a spectrum of accepted solutions
                continue
            runtime, memory = mean_test_runtime(measure), mean_test_memory(measure)
            if runtime is not None and memory is not None:
                runtimes.append(runtime)
                memories.append(memory)
        result[problem_id] = HumanSpectrum(problem_id, tuple(runtimes), tuple(memories),
                                           f"{len(runtimes)} human solutions on {engine}", engine) if runtimes else None
    return result


__all__ = ["HUMAN_SAMPLE", "IMPORTED_ENGINE", "PUBLISHED", "human_spectra", "published_spectrum", "uses_published"]
