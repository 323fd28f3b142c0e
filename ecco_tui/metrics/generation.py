"""NL-instructed generation metrics: runtime and memory percentiles against human solutions (default mode).

The paper (Waghjale et al., EMNLP 2024) has no input program to compare with for NL generation, so it
ranks a correct generated program within the spectrum of accepted human solutions to the same problem
(ECCO's ``generate_eval`` config): the runtime (memory) percentile is the share of human solutions the
program beats. ECCO's script compares the program's *mean per-test* value with the human values, since
CodeNet records one runtime per human submission rather than a per-test total; this module does the same.

Default choices (``ecco_compat.ecco_percentile`` reproduces ECCO's literal code instead):

* strict comparison: a human solution with exactly the program's value is *not* counted as slower, so a
  tie never raises the score (ECCO counts ties as slower);
* an empty spectrum gives ``None`` rather than a number (ECCO gives the top score);
* the scale is 0-100.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from ecco_tui.metrics.types import ProgramMeasure


def mean_test_runtime(program: ProgramMeasure | None) -> float | None:
    """Mean CPU seconds per test over the tests with a time: the value compared with human runtimes."""
    if program is None:
        return None
    values = [t.cpu_time_s for t in program.tests if t.cpu_time_s is not None]
    return math.fsum(values) / len(values) if values else None


def mean_test_memory(program: ProgramMeasure | None) -> float | None:
    """Mean KB per test over the tests with a memory value: the value compared with human memories."""
    if program is None:
        return None
    values = [t.memory_kb for t in program.tests if t.memory_kb is not None]
    return math.fsum(values) / len(values) if values else None


def _share_strictly_greater(value: float | None, spectrum: Iterable[float]) -> float | None:
    humans = list(spectrum)
    if value is None or not humans:
        return None
    return 100.0 * sum(1 for h in humans if h > value) / len(humans)


def runtime_percentile(program_runtime: float | None, human_runtimes: Iterable[float]) -> float | None:
    """Percent of the problem's human solutions that are strictly slower than ``program_runtime``.

    100 means faster than every human solution, 0 means no human solution is slower. Ties count as not
    slower. ``None`` when the program has no runtime or the spectrum is empty (nothing to rank against).
    The result does not depend on the order of ``human_runtimes``.
    """
    return _share_strictly_greater(program_runtime, human_runtimes)


def memory_percentile(program_memory: float | None, human_memories: Iterable[float]) -> float | None:
    """Percent of human solutions using strictly more memory; see :func:`runtime_percentile`."""
    return _share_strictly_greater(program_memory, human_memories)


def program_runtime_percentile(program: ProgramMeasure | None, human_runtimes: Iterable[float]) -> float | None:
    """Runtime percentile of a program, defined only when it passes every test (as in ECCO).

    Ranking an incorrect program against correct human solutions would reward programs that are fast
    because they do not solve the problem.
    """
    if program is None or not program.all_passed:
        return None
    return runtime_percentile(mean_test_runtime(program), human_runtimes)


def program_memory_percentile(program: ProgramMeasure | None, human_memories: Iterable[float]) -> float | None:
    """Memory percentile of a program, defined only when it passes every test."""
    if program is None or not program.all_passed:
        return None
    return memory_percentile(mean_test_memory(program), human_memories)
