"""What happened to one editing output: the paper's correct vs. spurious optimizations, as a category.

The paper's central observation (Waghjale et al., EMNLP 2024) is that models often "optimize" code by
breaking it: the output runs faster because it no longer does the work. Averages hide this, so each
output is put in exactly one category, from correctness (passes every test or not) crossed with speed
(faster than the input or not), plus "not run" and, when a confidence interval for the speedup is
available, "within noise".
"""

from __future__ import annotations

import math
from enum import StrEnum

from ecco_tui.metrics.editing import runtime_ratio
from ecco_tui.metrics.types import ProgramMeasure


class Outcome(StrEnum):
    CORRECT_OPTIMIZATION = "correct-optimization"
    """Passes every test and is faster than the input: the outcome ECCO is after."""
    SPURIOUS_OPTIMIZATION = "spurious-optimization"
    """Faster, but fails at least one test: speed bought with correctness."""
    CORRECT_NO_GAIN = "correct-no-gain"
    """Passes every test and is not faster (including an exact tie)."""
    WITHIN_NOISE = "within-noise"
    """Passes every test, and the speedup interval contains the threshold: cannot tell faster from not."""
    BROKEN = "broken"
    """Fails at least one test and is not faster."""
    NOT_RUN = "not-run"
    """The output has no measurements, so nothing can be said."""


def classify_outcome(
    input: ProgramMeasure | None,
    output: ProgramMeasure | None,
    *,
    faster_threshold: float = 1.0,
    noise: tuple[float, float] | None = None,
) -> Outcome:
    """Put one editing output into one :class:`Outcome`.

    "Faster" is judged on runtime over the tests both programs have a time for (``runtime_ratio``),
    whether or not the output is correct, because a failing output's speed is exactly what tells a spurious
    optimization from a merely broken one. Without ``noise``, faster means ``ratio > faster_threshold``
    (strictly, so a tie is not faster); a missing ratio (input not run, no common timed test, a zero
    total) is not faster.

    With ``noise=(lo, hi)``, a confidence interval for the speedup (e.g. from
    ``stats.bootstrap_ratio_ci``), faster means ``lo > faster_threshold``: the whole interval is above the
    threshold. A passing output whose interval contains the threshold (``lo <= threshold <= hi``) is
    :attr:`Outcome.WITHIN_NOISE`; one whose interval is entirely below is :attr:`Outcome.CORRECT_NO_GAIN`.
    A failing output that is not clearly faster is :attr:`Outcome.BROKEN`: correctness decides first.
    """
    if noise is not None:
        lo, hi = noise
        if math.isnan(lo) or math.isnan(hi) or lo > hi:
            raise ValueError(f"noise interval must satisfy lo <= hi, got {noise!r}")
    if output is None or not output.ran:
        return Outcome.NOT_RUN
    ratio = None if noise is not None else runtime_ratio(input, output)
    return outcome_of(True, output.all_passed, ratio, faster_threshold=faster_threshold, noise=noise)


def outcome_of(
    ran: bool,
    passes: bool,
    ratio: float | None,
    *,
    faster_threshold: float = 1.0,
    noise: tuple[float, float] | None = None,
) -> Outcome:
    """:func:`classify_outcome` from what it reads of the two programs: whether the output ran, whether it
    passes every test, and ``runtime_ratio(input, output)`` (not read when ``noise`` is given). For callers
    that hold those figures rather than the measures (a report line read from cached verdicts)."""
    if not ran:
        return Outcome.NOT_RUN
    if noise is not None:
        lo, hi = noise
        faster = lo > faster_threshold
        if passes and not faster and hi >= faster_threshold:
            return Outcome.WITHIN_NOISE
    else:
        faster = ratio is not None and ratio > faster_threshold
    if passes:
        return Outcome.CORRECT_OPTIMIZATION if faster else Outcome.CORRECT_NO_GAIN
    return Outcome.SPURIOUS_OPTIMIZATION if faster else Outcome.BROKEN


#: Human labels that claim an outcome, and the measured outcomes that agree with each. `no-gain` agrees with
#: `within-noise` (a passing output whose speedup cannot be told from 1 has no gain to show) and `broken`
#: with a failing generation output. Other labels (ecco-fix-candidate, needs-review, custom ones) claim
#: nothing and never disagree. The browser's "label ≠ outcome" filter and the compare header use this.
LABEL_AGREEMENT: dict[str, tuple[str, ...]] = {
    "correct-optimization": ("correct-optimization",),
    "spurious-optimization": ("spurious-optimization",),
    "no-gain": ("correct-no-gain", "within-noise"),
    "broken": ("broken", "fails"),
}


def label_disagrees(label: str, outcome: str) -> bool:
    """A label claiming an outcome the measurements contradict (an unmeasured output contradicts nothing)."""
    agree = LABEL_AGREEMENT.get(label)
    return agree is not None and outcome != "not-run" and outcome not in agree
