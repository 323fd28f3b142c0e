"""Explain the speedup (issue #23): per-line hit counts in the sandbox, the scaling fit of an (input, output)
pair, and the report's share of algorithmic vs constant-factor optimizations.

One small real problem (tests/services/explain_fixtures.py): max pair sum over n numbers, n = 20 .. 320, a
quadratic input, a linear output and a precomputed-list output. Both outputs are profiled once for the module,
for real in the sandbox, on a store that already holds paired timings, so the same run also shows that
profiling leaves those timings and the report alone.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncGenerator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from ecco_tui.engines.base import Engine, EngineInfo, Limits, TestCase, TestResult
from ecco_tui.engines.local import LocalEngine
from ecco_tui.metrics.scaling import ALGORITHMIC, CONSTANT_FACTOR
from ecco_tui.model import Execution, code_sha256, new_evaluation_id, pair_context
from ecco_tui.services.explain import Explanation, explain_output
from ecco_tui.services.profiling import MARKER, parse_profile
from ecco_tui.services.report import build_report, cached_line, judged_report_run, render_json
from ecco_tui.services.verdicts import refresh_verdicts
from ecco_tui.store.store import Store
from tests.services.explain_fixtures import (
    INNER_LOOP_LINE,
    LINEAR,
    LINEAR_OUTPUT,
    PRECOMPUTED,
    PRECOMPUTED_OUTPUT,
    PROBLEM,
    QUADRATIC,
    RUN,
    SIZES,
    build_explain_store,
    explain_settings,
)

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="the local engine needs bubblewrap")

#: Seconds of CPU per test, as a paired evaluation could have measured them: start-up plus each program's work.
STARTUP = 0.008
CPU = {QUADRATIC: lambda n: STARTUP + 2e-6 * n * n, LINEAR: lambda n: STARTUP + 1e-5 * n,
       PRECOMPUTED: lambda n: STARTUP + 1.2e-6 * n * n}


def store_paired_timings(store: Store) -> None:
    """Three adjacent pairs per test of the input with each output (1% jitter), as `ecco eval --paired` stores
    them: both outputs are correct optimizations, one by a better algorithm, one by a constant factor."""
    evaluation = new_evaluation_id()
    stored = []
    for t in store.tests_for(PROBLEM, "private"):
        n = SIZES[t.idx]
        for out in (LINEAR, PRECOMPUTED):
            for k, jitter in enumerate((1.0, 1.01, 0.99)):
                context = pair_context(evaluation)
                for code in (QUADRATIC, out):
                    cpu = CPU[code](n) * (jitter if code is out else 2.0 - jitter)
                    stored.append(Execution(f"{code_sha256(code)[:8]}-{context}", code_sha256(code), PROBLEM,
                                            "private", t.idx, "local", "local-1", 3, "Accepted", cpu, cpu, 3000.0,
                                            repeat_idx=k, test_sha256=t.test_sha256, context=context))
    store.add_executions(stored)


@dataclass(frozen=True)
class Explained:
    db: Path
    linear: Explanation
    precomputed: Explanation
    one_test: Explanation  # the linear output, default test, nothing profiled on all tests
    executions_before: list[Execution]
    executions_after: list[Execution]
    report_before: str
    report_after: str


@pytest.fixture(scope="module")
def explained(tmp_path_factory: pytest.TempPathFactory) -> Explained:
    if shutil.which("bwrap") is None:
        pytest.skip("the local engine needs bubblewrap")
    work = tmp_path_factory.mktemp("explain")
    db = build_explain_store(work / "store.duckdb", work)
    settings = explain_settings(db)
    shas = [code_sha256(c) for c in (QUADRATIC, LINEAR, PRECOMPUTED)]
    with Store.open(db) as store:
        store_paired_timings(store)
        before = sorted(store.latest_executions(shas), key=lambda e: e.execution_id)
        report_before = render_json(build_report(store, [RUN]))

        async def go() -> tuple[Explanation, Explanation, Explanation]:
            engine = LocalEngine(limits=Limits(cpu_time_s=2, wall_time_s=5))
            try:
                linear = await explain_output(store, settings, LINEAR_OUTPUT, all_tests=True, engine=engine)
                precomputed = await explain_output(store, settings, PRECOMPUTED_OUTPUT, all_tests=True,
                                                   engine=engine)
                one = await explain_output(store, settings, LINEAR_OUTPUT, engine=engine)
                return linear, precomputed, one
            finally:
                await engine.aclose()

        linear, precomputed, one = asyncio.run(go())
        after = sorted(store.latest_executions(shas), key=lambda e: e.execution_id)
        report_after = render_json(build_report(store, [RUN]))
    return Explained(db, linear, precomputed, one, before, after, report_before, report_after)


# -- scaling ------------------------------------------------------------------------------------------------


@needs_bwrap
def test_a_linear_rewrite_of_a_quadratic_input_is_algorithmic_with_exponents_near_2_and_1(
    explained: Explained,
) -> None:
    s = explained.linear.scaling
    assert s.kind == ALGORITHMIC and s.cost == "line events" and s.size == "input bytes"
    assert s.input_fit is not None and s.output_fit is not None
    assert s.input_fit.exponent == pytest.approx(2.0, abs=0.1)
    assert s.output_fit.exponent == pytest.approx(1.0, abs=0.1)
    assert s.summary == f"algorithmic (exponent {s.input_fit.exponent:.1f} -> {s.output_fit.exponent:.1f})"


@needs_bwrap
def test_the_same_loop_over_a_precomputed_list_is_a_constant_factor(explained: Explained) -> None:
    s = explained.precomputed.scaling
    assert s.kind == CONSTANT_FACTOR
    assert s.input_fit is not None and s.output_fit is not None
    assert abs(s.input_fit.exponent - s.output_fit.exponent) < 0.1
    # three lines per inner step become two
    assert s.ratio == pytest.approx(1.5, abs=0.05) and s.summary == "constant factor (1.5x at every size)"


@needs_bwrap
def test_the_fit_carries_a_point_per_test_for_both_programs(explained: Explained) -> None:
    points = explained.linear.scaling.points
    assert [p.test_id for p in points] == [f"private:{k}" for k in range(len(SIZES))]
    assert all(p.input_cost and p.output_cost for p in points)
    assert [p.size for p in points] == sorted(p.size for p in points)


@needs_bwrap
def test_without_all_tests_the_fit_uses_the_stored_cpu_times(explained: Explained) -> None:
    s = explained.one_test.scaling
    assert s.cost == "cpu time" and s.kind == ALGORITHMIC and explained.one_test.profiled_tests == 1


# -- line heat ----------------------------------------------------------------------------------------------


@needs_bwrap
def test_the_inner_loop_of_the_quadratic_program_has_the_most_hits(explained: Explained) -> None:
    program = explained.linear.input
    assert program.hottest == INNER_LOOP_LINE
    assert QUADRATIC.splitlines()[INNER_LOOP_LINE - 1].strip() == "for j in range(i + 1, n):"


@needs_bwrap
def test_hit_counts_are_the_loops_trip_counts(explained: Explained) -> None:
    """On the largest test (n = 320): the outer loop line runs n + 1 times, the inner one n(n+1)/2."""
    n = SIZES[-1]
    assert explained.linear.test_id == f"private:{len(SIZES) - 1}"
    hits = explained.linear.input.hits
    assert hits is not None and hits[4] == n + 1 and hits[5] == n * (n + 1) // 2 and hits[6] == n * (n - 1) // 2


@needs_bwrap
def test_lines_are_numbered_as_in_the_stored_text(explained: Explained) -> None:
    """The output's stored text starts with a blank line (as ECCO's generated_codes): its loop is line 5 there."""
    output = explained.linear.output
    assert output.code.startswith("\n") and output.code.splitlines()[4].strip() == "for x in a:"
    assert output.hits is not None and output.hits[5] == SIZES[-1] + 1 and 1 not in output.hits


@needs_bwrap
def test_the_alignment_pairs_equal_lines(explained: Explained) -> None:
    ex = explained.precomputed
    left, right = ex.input.code.splitlines(), ex.output.code.splitlines()
    pairs = [(a, b) for a, b in ex.alignment if a is not None and b is not None]
    assert (INNER_LOOP_LINE, 7) in pairs and left[INNER_LOOP_LINE - 1] == right[7 - 1]
    assert [a for a, _ in ex.alignment if a is not None] == list(range(1, len(left) + 1))
    assert [b for _, b in ex.alignment if b is not None] == list(range(1, len(right) + 1))


@needs_bwrap
def test_the_default_test_is_the_most_expensive_by_stored_cpu_time(explained: Explained) -> None:
    assert explained.one_test.test_id == f"private:{len(SIZES) - 1}"
    assert explained.one_test.test_choice == "most expensive by stored CPU time"


# -- profiling runs are not timing runs ---------------------------------------------------------------------


@needs_bwrap
def test_profiling_leaves_the_stored_executions_unchanged(explained: Explained) -> None:
    assert explained.executions_after == explained.executions_before


@needs_bwrap
def test_profiling_leaves_the_report_unchanged(explained: Explained) -> None:
    assert explained.report_after == explained.report_before


class CountingEngine:
    """The real local engine, counting the programs it is asked to run."""

    def __init__(self) -> None:
        self.inner = LocalEngine(limits=Limits(cpu_time_s=2, wall_time_s=5))
        self.runs = 0

    async def info(self) -> EngineInfo:
        return await self.inner.info()

    def run(self, program: str, tests: Sequence[TestCase], limits: Limits | None = None, *,
            repeat: int = 1) -> AsyncGenerator[TestResult, None]:
        self.runs += 1
        return self.inner.run(program, tests, limits, repeat=repeat)

    async def aclose(self) -> None:
        await self.inner.aclose()


@needs_bwrap
def test_profiles_are_cached_by_program_test_and_engine(explained: Explained, tmp_path: Path) -> None:
    copy = tmp_path / "store.duckdb"
    shutil.copy(explained.db, copy)

    async def go() -> tuple[int, Explanation]:
        engine = CountingEngine()
        assert isinstance(engine, Engine)
        try:
            ex = await explain_output(store, explain_settings(copy), PRECOMPUTED_OUTPUT, all_tests=True,
                                      engine=engine)
            return engine.runs, ex
        finally:
            await engine.aclose()

    with Store.open(copy) as store:
        runs, again = asyncio.run(go())
    assert runs == 0
    assert again.input.hits == explained.precomputed.input.hits and again.scaling == explained.precomputed.scaling


def test_the_programs_own_stderr_is_kept_apart_from_the_counts() -> None:
    stderr = f"warning\n\n{MARKER}{{\"tracer\":\"settrace\",\"hits\":[[1,1],[4,21]]}}\nlate\n"
    assert parse_profile(stderr) == ({1: 1, 4: 21}, "settrace", "warning\nlate\n")


def test_a_run_cut_before_its_report_has_no_counts() -> None:
    assert parse_profile("Killed\n") == (None, None, "Killed\n")
    assert parse_profile(f"x\n{MARKER}{{\"tracer\":\"settrace\",\"hi")[0] is None


# -- the report column --------------------------------------------------------------------------------------


@pytest.fixture
def timed(tmp_path: Path) -> Iterator[Store]:
    """The problem's store with the paired timings only (nothing profiled, nothing run)."""
    with Store.open(build_explain_store(tmp_path / "store.duckdb", tmp_path)) as store:
        store_paired_timings(store)
        yield store


def test_the_report_sorts_correct_optimizations_by_kind(timed: Store) -> None:
    (line,) = build_report(timed, [RUN])
    assert line.outcomes["correct-optimization"] == 2
    assert (line.n_algorithmic, line.n_constant_factor, line.n_scaling_unclear) == (1, 1, 0)


def test_the_judged_cached_and_stored_lines_agree_on_the_kinds(timed: Store) -> None:
    run = next(r for r in timed.runs() if r.run_id == RUN)
    judged = judged_report_run(timed, run)[0]
    refresh_verdicts(timed, [RUN])
    assert cached_line(timed, run) == judged
    assert build_report(timed, [RUN]) == [judged]  # the stored line


def test_the_report_shows_the_shares_in_json_and_markdown(timed: Store) -> None:
    from ecco_tui.services.report import KIND_TITLE, kind_rows, render_markdown

    lines = build_report(timed, [RUN])
    assert '"n_algorithmic": 1' in render_json(lines) and '"n_constant_factor": 1' in render_json(lines)
    assert kind_rows(lines) == [["m", "instruct", "2", "1 (50%)", "1 (50%)", "0 (0%)"]]
    assert KIND_TITLE in render_markdown(lines)


def test_reports_without_correct_optimizations_have_no_kind_fields(timed: Store) -> None:
    from ecco_tui.services.report import render_csv, render_markdown

    lines = build_report(timed, [RUN])
    plain = [type(lines[0])(**{**{f: getattr(lines[0], f) for f in lines[0].__dataclass_fields__},
                               "n_algorithmic": 0, "n_constant_factor": 0})]
    assert "n_algorithmic" not in render_json(plain) and "n_scaling_unclear" not in render_csv(plain)
    assert "Kinds of correct optimizations" not in render_markdown(plain)


def test_report_explain_says_how_the_cost_grows(timed: Store) -> None:
    """`ecco report --explain ROW` names the kind beside the arithmetic (issue #23 item 2)."""
    from ecco_tui.services.report import explain_row

    linear = explain_row(timed, RUN, 0)  # the row's first sample, the linear rewrite
    assert linear.scaling is not None and linear.scaling.startswith("algorithmic (exponent ")  # CPU: start-up blurs
