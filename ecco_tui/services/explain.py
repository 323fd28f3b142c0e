"""Explain a speedup (issue #23): where each program of an (input, output) pair spends its line events on one
test, how the two programs' lines correspond, and whether the output changed how cost grows with input size.

`explain_output` is the one use case (`ecco explain`, and the compare view's heat gutter and scaling plot): it
returns plain frozen dataclasses (`Explanation`, `ProgramLines`, and `metrics.scaling.Scaling` with the
points to plot), so callers never see the store or an engine.

- Line heat: both programs are profiled on one test in the sandbox (`services.profiling`: deterministic
  per-line hit counts, cached by program, test and engine; never written to `executions`). By default the test
  is the pair's most expensive one by stored CPU time (the sum of both programs' medians), where the hot loop
  shows best; without stored times, the test with the largest input.
- Alignment: `difflib.SequenceMatcher` over the two texts' lines (as the diff view compares them), as pairs
  (left line | None, right line | None), numbered as in the stored texts (1-based).
- Scaling: with `all_tests`, both programs are profiled on every scored test and the fit uses line events
  (deterministic); otherwise it uses the stored per-test median CPU times minus the start-up floor
  (`metrics.scaling.cpu_test_costs`), which is what `ecco report` reads too.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ecco_tui.config import Settings
from ecco_tui.engines.base import Engine, TestCase
from ecco_tui.metrics.scaling import (
    UNCLEAR,
    Scaling,
    TestCost,
    classify_scaling,
    cpu_test_costs,
    input_sizes,
)
from ecco_tui.model import StoredTest, code_sha256
from ecco_tui.services.engines import limits_from, open_engine
from ecco_tui.services.evaluation import to_engine_test
from ecco_tui.services.judging import SCORED
from ecco_tui.services.profiling import LineProfile, leading_blank_lines, profile_programs
from ecco_tui.store.store import Store, StoreError

__all__ = [
    "ExplainError",
    "Explanation",
    "LineProfile",
    "ProgramLines",
    "Scaling",
    "align_lines",
    "cpu_scaling",
    "explain_output",
    "parse_test_id",
]

LINE_EVENTS = "line events"
CPU_TIME = "cpu time"


class ExplainError(StoreError):
    """An output or test that cannot be explained (unknown id, no code, no pair, no such test): one line."""


@dataclass(frozen=True, slots=True)
class ProgramLines:
    """One program's per-line hit counts on the chosen test, numbered as in `code` (the stored text)."""

    role: str  # "input" (the pair's slow program) | "output" (the model's)
    code: str
    code_sha256: str
    hits: Mapping[int, int] | None  # line -> line events; None: the run ended before reporting
    total: int | None  # all line events of the run
    status: str  # the profiled run's status (its stdout is judged as usual)
    tracer: str  # "settrace" | "sys.monitoring"

    @property
    def hottest(self) -> int | None:
        """The line with the most hits (the first of equals), or None without counts."""
        if not self.hits:
            return None
        return max(sorted(self.hits), key=lambda line: self.hits[line] if self.hits else 0)

    @property
    def n_lines(self) -> int:
        return len(self.code.splitlines())


@dataclass(frozen=True, slots=True)
class Explanation:
    output_id: str
    run_id: str
    problem_id: str
    test_id: str  # "visibility:idx" of the profiled test
    test_choice: str  # why that test: "asked", "most expensive by stored CPU time", "largest input (no times)"
    engine: str
    engine_version: str
    input: ProgramLines
    output: ProgramLines
    #: (input line | None, output line | None), in diff order: equal lines paired, others alone.
    alignment: tuple[tuple[int | None, int | None], ...]
    scaling: Scaling
    profiled_tests: int  # tests profiled for this explanation (1, or all scored tests with `all_tests`)


def parse_test_id(text: str, tests: Sequence[StoredTest]) -> StoredTest:
    """The stored test named by `text`: "private:3", "private#3", or "3" (a scored test); ExplainError naming
    it, and the tests there are, when there is none."""
    raw = text.strip()
    visibility, sep, idx = raw.replace("#", ":").rpartition(":")
    visibility = visibility if sep else SCORED
    for t in tests:
        if t.visibility == visibility and idx.isdigit() and t.idx == int(idx):
            return t
    known = ", ".join(f"{t.visibility}:{t.idx}" for t in tests) or "none"
    raise ExplainError(f"no test {text!r} for problem {tests[0].problem_id if tests else '?'} (tests: {known})")


def align_lines(left: str, right: str) -> tuple[tuple[int | None, int | None], ...]:
    """The two texts' lines paired by a diff (1-based): equal lines side by side, replaced ones side by side
    while both sides last, inserted and deleted ones alone."""
    a, b = left.splitlines(), right.splitlines()
    out: list[tuple[int | None, int | None]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.extend((i1 + k + 1, j1 + k + 1) for k in range(i2 - i1))
            continue
        n = max(i2 - i1, j2 - j1) if tag == "replace" else 0
        if tag == "replace":
            out.extend((i1 + k + 1 if i1 + k < i2 else None, j1 + k + 1 if j1 + k < j2 else None) for k in range(n))
        else:
            out.extend((i + 1, None) for i in range(i1, i2))
            out.extend((None, j + 1) for j in range(j1, j2))
    return tuple(out)


def _test_id(t: StoredTest | TestCase) -> str:
    return f"{t.visibility}:{t.idx if isinstance(t, StoredTest) else t.index}"


def _scored_tests(store: Store, problem_id: str) -> list[StoredTest]:
    """The problem's scored (private) tests, or all its tests when it has none."""
    return store.tests_for(problem_id, SCORED) or store.tests_for(problem_id)


def cpu_scaling(
    store: Store, problem_id: str, input_sha: str, output_sha: str, *, engine: str,
    tests: Sequence[StoredTest] | None = None, medians: Mapping[tuple[str, str, str], float] | None = None,
) -> Scaling:
    """The pair's scaling from stored CPU times of `engine` (medians of accepted runs per test, minus the
    start-up floor), over the problem's scored tests."""
    tests = list(tests) if tests is not None else _scored_tests(store, problem_id)
    if medians is None:
        medians = store.accepted_cpu_medians([input_sha, output_sha], engine=engine, visibility=None)
    sizes = {_test_id(t): input_sizes(t.input) for t in tests}
    side = {sha: {tid: medians[(sha, problem_id, tid)] for tid in sizes if (sha, problem_id, tid) in medians}
            for sha in (input_sha, output_sha)}
    if not side[input_sha] or not side[output_sha]:
        return Scaling(UNCLEAR, f"{UNCLEAR} (no stored CPU times of both programs on {engine}: `ecco eval` "
                       "measures them, --all-tests profiles them)", CPU_TIME, None, None, None, None)
    return classify_scaling(cpu_test_costs(sizes, side[input_sha], side[output_sha]), cost=CPU_TIME)


def _line_scaling(tests: Sequence[StoredTest], profiles: Mapping[tuple[str, str], LineProfile], input_sha: str,
                  output_sha: str) -> Scaling:
    costs = []
    for t in tests:
        tid = _test_id(t)
        size, largest = input_sizes(t.input)
        a, b = profiles.get((input_sha, tid)), profiles.get((output_sha, tid))
        costs.append(TestCost(tid, size, largest, None if a is None or a.total is None else float(a.total),
                              None if b is None or b.total is None else float(b.total)))
    return classify_scaling(costs, cost=LINE_EVENTS)


def _default_test(tests: Sequence[StoredTest], medians: Mapping[tuple[str, str, str], float], problem_id: str,
                  shas: tuple[str, str]) -> tuple[StoredTest, str]:
    def cost(t: StoredTest) -> float | None:
        values = [medians.get((sha, problem_id, _test_id(t))) for sha in shas]
        known = [v for v in values if v is not None]
        return sum(known) if known else None

    timed = [(c, t) for t in tests if (c := cost(t)) is not None]
    if timed:
        return max(timed, key=lambda ct: (ct[0], -ct[1].idx))[1], "most expensive by stored CPU time"
    return max(tests, key=lambda t: (len(t.input), -t.idx)), "largest input (no stored CPU times)"


def _program_lines(role: str, code: str, profile: LineProfile | None) -> ProgramLines:
    offset = leading_blank_lines(code)
    if profile is None:
        return ProgramLines(role, code, code_sha256(code), None, None, "not run", "")
    return ProgramLines(role, code, profile.code_sha256, profile.shifted(offset) if profile.hits is not None
                        else None, profile.total, profile.status_description, profile.tracer)


async def explain_output(
    store: Store,
    settings: Settings,
    output_id: str,
    test: str | None = None,
    *,
    all_tests: bool = False,
    engine: Engine | None = None,
    engine_name: str | None = None,
    force: bool = False,
) -> Explanation:
    """Explain one editing output against its pair's input (see the module doc): profile both on `test` (a test
    id as `parse_test_id` reads it; default the most expensive one), align their lines, fit their scaling.

    The engine is `engine` when given (left open), else built from `settings` (`engine_name` or the configured
    one) and closed. Profiles are cached in the store (`force` profiles again); the store must be writable.
    Raises ExplainError (one line) for an unknown output or test, or an output without code or pair."""
    output = store.get_output(output_id)
    if output is None:
        raise ExplainError(f"no output {output_id!r}")
    if not output.code or not output.code.strip():
        raise ExplainError(f"output {output_id} has no code to explain")
    pair = store.get_pair(output.pair_id) if output.pair_id else None
    if pair is None:
        raise ExplainError(f"output {output_id} has no input program to compare with (a generation output?)")
    tests = _scored_tests(store, output.problem_id)
    if not tests:
        raise ExplainError(f"no tests stored for problem {output.problem_id}")
    in_code, out_code = pair.slow.code, output.code
    shas = (code_sha256(in_code), code_sha256(out_code))
    limits = limits_from(settings)
    async with open_engine(settings, engine_name, given=engine) as eng:
        info = await eng.info()
        medians = store.accepted_cpu_medians(list(shas), engine=info.name, visibility=None)
        if test is not None:
            chosen, choice = parse_test_id(test, tests), "asked"
        else:
            chosen, choice = _default_test(tests, medians, output.problem_id, shas)
        profiled = tests if all_tests else [chosen]
        profiles = await profile_programs(store, eng, [in_code, out_code], [to_engine_test(t) for t in profiled],
                                          limits, force=force)
    tid = _test_id(chosen)
    if all_tests:
        scaling = _line_scaling(tests, profiles, *shas)
    else:
        scaling = cpu_scaling(store, output.problem_id, *shas, engine=info.name, tests=tests, medians=medians)
    return Explanation(
        output_id, output.run_id, output.problem_id, tid, choice, info.name, info.version,
        _program_lines("input", in_code, profiles.get((shas[0], tid))),
        _program_lines("output", out_code, profiles.get((shas[1], tid))),
        align_lines(in_code, out_code), scaling, len(profiled))
