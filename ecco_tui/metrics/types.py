"""Plain value types every metric takes: per-test measurements, programs, and benchmark rows.

The metrics layer is pure and standard-library only, so it cannot see the store or the engines. Callers
turn whatever they hold (a Judge0 result, an ECCO result file, a stored run) into these frozen values and
the functions in this package compute on them. Units follow Judge0 and ECCO's result files: CPU time in
seconds, memory in KB, status ids from Judge0's status table (3 = Accepted, 4 = Wrong Answer, anything
else is a crash, a limit or an engine failure).

Percentages in this package are on the 0-100 scale of the paper's tables unless a function says otherwise
(the ECCO-compat percentile keeps ECCO's own 0-1 fraction so it can be compared with stored result files).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

#: Judge0 status id of a test whose output matched (the only "passed" status).
ACCEPTED = 3
#: Judge0 status id of a test that ran to completion with the wrong output. ECCO keeps its time and memory.
WRONG_ANSWER = 4
#: Statuses under which ECCO's scripts record a run time and memory and do not call the program "crashed".
COMPLETED_STATUSES = frozenset({ACCEPTED, WRONG_ANSWER})


def _check_measure(name: str, value: float | None) -> None:
    if value is None:
        return
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite, non-negative number or None, got {value!r}")


@dataclass(frozen=True, slots=True)
class TestMeasure:
    """One execution of one program on one test case.

    ``passed`` is authoritative for correctness (it is normally ``status_id == 3``); ``status_id`` is kept
    because ECCO's scripts distinguish a Wrong Answer (completed, timed) from a crash. ``cpu_time_s`` and
    ``memory_kb`` are ``None`` when the engine reported no value (ECCO records none for crashed tests).
    """

    __test__ = False  # not a pytest test class, despite the name

    test_id: str
    passed: bool
    status_id: int
    cpu_time_s: float | None
    memory_kb: float | None

    def __post_init__(self) -> None:
        cpu, memory = self.cpu_time_s, self.memory_kb
        # One comparison chain per value in the common case (millions of measures per run); NaN fails it too.
        if (cpu is not None and not 0 <= cpu < math.inf) or (memory is not None and not 0 <= memory < math.inf):
            _check_measure("cpu_time_s", cpu)
            _check_measure("memory_kb", memory)

    @property
    def completed(self) -> bool:
        """True when the program ran to the end (Accepted or Wrong Answer), ECCO's notion of "not crashed"."""
        return self.status_id in COMPLETED_STATUSES


@dataclass(frozen=True, slots=True)
class ProgramMeasure:
    """One program's measurements, at most one per test (reduce repeats first with :func:`median_per_test`).

    Include every test that was run, crashed ones too (status set, no time): "passes every test" and ECCO's
    test counts are only right when failures are present rather than missing.

    Tests are stored sorted by ``test_id`` as strings, which is both a canonical order (two measures of the
    same tests compare equal whatever order they arrived in) and the order ECCO's scripts ran and summed
    them (``sorted(os.listdir(...))`` puts ``input.10.txt`` before ``input.2.txt``).
    """

    tests: tuple[TestMeasure, ...] = field(default=())

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.tests, key=lambda t: t.test_id))
        duplicates = sorted(i for i, n in Counter(t.test_id for t in ordered).items() if n > 1)
        if duplicates:
            raise ValueError(f"duplicate test ids {duplicates}: reduce repeated runs with median_per_test() first")
        object.__setattr__(self, "tests", ordered)

    @property
    def n_tests(self) -> int:
        return len(self.tests)

    @property
    def ran(self) -> bool:
        """False for a program with no measurements at all (never run, or every request failed)."""
        return bool(self.tests)

    @property
    def n_passed(self) -> int:
        return sum(1 for t in self.tests if t.passed)

    @property
    def all_passed(self) -> bool:
        """Functional correctness as the paper's pass@1 uses it: every test Accepted, and at least one test.

        A program with no tests is *not* correct: an empty run proves nothing, and counting it as a pass
        would reward outputs whose evaluation silently failed.
        """
        return bool(self.tests) and all(t.passed for t in self.tests)

    @property
    def crashed(self) -> bool:
        """True when a test ended neither Accepted nor Wrong Answer (ECCO's ``accepted`` = not crashed)."""
        return any(not t.completed for t in self.tests)

    @property
    def total_runtime(self) -> float | None:
        """Sum of CPU seconds over the tests that have a time; ``None`` when no test has one.

        ECCO's speedup sums run times over tests (it does not average), so totals are sums here too.
        ``math.fsum`` makes the value exact-rounded and therefore independent of test order.
        """
        values = [t.cpu_time_s for t in self.tests if t.cpu_time_s is not None]
        return math.fsum(values) if values else None

    @property
    def total_memory(self) -> float | None:
        """Sum of KB over the tests that have a memory value (ECCO sums memory across tests, too)."""
        values = [t.memory_kb for t in self.tests if t.memory_kb is not None]
        return math.fsum(values) if values else None

    def by_id(self) -> dict[str, TestMeasure]:
        return {t.test_id: t for t in self.tests}


def _median_or_none(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def median_per_test(samples: Iterable[TestMeasure]) -> ProgramMeasure:
    """Reduce repeated runs (several measures per test id) to one measure per test.

    Why medians: run-time noise on a shared judge is right-skewed (a run is occasionally descheduled), and
    the median of a few repeats ignores such outliers where the mean would not. Time and memory are reduced
    independently over the repeats that have a value (a Wrong Answer run's time is a valid time).

    A test counts as passed only when every repeat passed; a flaky test is a failing test. Its status is
    Accepted when all repeats passed, else the smallest status id among the failing repeats, so the result
    does not depend on the order the repeats arrived in.
    """
    samples = list(samples)
    if len({s.test_id for s in samples}) == len(samples):
        # One run per test (ECCO's results, `--repeat 1`): each reduces to itself, field for field.
        return ProgramMeasure(tuple(samples))
    grouped: dict[str, list[TestMeasure]] = {}
    for sample in samples:
        grouped.setdefault(sample.test_id, []).append(sample)
    reduced = []
    for test_id, runs in grouped.items():
        failing = [r for r in runs if not r.passed]
        if failing:
            passed, status = False, min(r.status_id for r in failing)
        else:
            passed, status = True, min(r.status_id for r in runs)
        reduced.append(
            TestMeasure(
                test_id=test_id,
                passed=passed,
                status_id=status,
                cpu_time_s=_median_or_none([r.cpu_time_s for r in runs if r.cpu_time_s is not None]),
                memory_kb=_median_or_none([r.memory_kb for r in runs if r.memory_kb is not None]),
            )
        )
    return ProgramMeasure(tuple(reduced))


@dataclass(frozen=True, slots=True)
class EditingRow:
    """One history-based editing example: the slow input program and the model's output sample(s).

    ``input`` is ``None`` when the input was not run; ``outputs`` is empty when the model produced nothing
    that was run (an output that was run but has no measurements is a ``ProgramMeasure`` with no tests).
    ``n_tests`` is the number of test cases of the problem, when known; ECCO's "passed all tests" compares
    against that count, so an output evaluated on fewer tests than exist cannot pass in compat mode.
    """

    input: ProgramMeasure | None
    outputs: tuple[ProgramMeasure, ...] = ()
    n_tests: int | None = None
    problem_id: str = ""


@dataclass(frozen=True, slots=True)
class GenerationRow:
    """One NL-instructed generation example: the model's sample(s) and the problem's human spectrum.

    ``human_runtimes`` / ``human_memories`` are the accepted human solutions' values from ECCO's
    ``generate_eval`` config (same units as the engine's: seconds and KB); ``None`` means the problem has
    no spectrum, which ECCO's script treats by skipping the row.
    """

    outputs: tuple[ProgramMeasure, ...] = ()
    human_runtimes: tuple[float, ...] | None = None
    human_memories: tuple[float, ...] | None = None
    n_tests: int | None = None
    problem_id: str = ""


@dataclass(frozen=True, slots=True)
class EditingSummary:
    """Paper-style table line for history-based editing (one model, one method, one split).

    Percentages are 0-100; ratios are plain multiples (1.0 = no change). ``outcomes`` maps every
    ``outcome.Outcome`` value to a count (zeros included). ``n_inputs_failing`` counts rows whose slow
    *input* did not pass its own tests in this run, which makes every ratio on that row suspect and which
    a researcher will want flagged. ``mode`` is ``"default"`` or ``"ecco"``.
    """

    n: int
    pass_at_1: float | None
    mean_speedup: float | None
    mean_memory_reduction: float | None
    pct_runtime_optimized: float | None
    pct_memory_optimized: float | None
    outcomes: dict[str, int]
    n_inputs_failing: int = 0
    mode: str = "default"


@dataclass(frozen=True, slots=True)
class GenerationSummary:
    """Paper-style table line for NL-instructed generation. Percentiles are 0-100 in both modes."""

    n: int
    pass_at_1: float | None
    mean_runtime_percentile: float | None
    mean_memory_percentile: float | None
    mode: str = "default"
