"""Read-side use cases for the browser and the compare view.

Widgets call these from workers and get plain dataclasses back; nothing here knows about Textual.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ecco_tui.store.models import (
    Execution,
    ModelOutput,
    Pair,
    PairRow,
    Problem,
    ProblemSummary,
    Program,
    Run,
    Spectrum,
    StoredTest,
    Trajectory,
)
from ecco_tui.store.store import Store


@dataclass(frozen=True, slots=True)
class ProblemPage:
    rows: list[ProblemSummary]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True, slots=True)
class ProblemDetail:
    problem: Problem
    pairs: list[PairRow]
    outputs: list[ModelOutput]
    spectrum: Spectrum | None
    trajectories: list[Trajectory]
    n_public_tests: int
    n_private_tests: int


@dataclass(frozen=True, slots=True)
class TestSide:
    """One program's stored results on one test (the newest per repeat)."""

    __test__ = False

    executions: tuple[Execution, ...] = ()

    @property
    def latest(self) -> Execution | None:
        return self.executions[-1] if self.executions else None


@dataclass(frozen=True, slots=True)
class TestRow:
    """A test with the left (input / slow) and right (output / fast) program's results."""

    __test__ = False

    test: StoredTest
    left: TestSide
    right: TestSide


@dataclass(frozen=True, slots=True)
class CompareView:
    """Everything the compare view shows for a pair or a model output."""

    title: str
    problem: Problem | None
    left_label: str
    left: Program
    right_label: str
    right_code: str
    right_code_sha256: str | None
    output: ModelOutput | None
    pair: Pair | None
    tests: list[TestRow] = field(default_factory=list)


class Catalog:
    """Browsing queries over one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def problem_page(
        self, *, split: str | None = None, search: str | None = None, sort: str = "id", limit: int = 200,
        offset: int = 0,
    ) -> ProblemPage:
        rows = self.store.problem_summaries(split=split, search=search, sort=sort, limit=limit, offset=offset)
        total = self.store.count_problems(split=split, search=search)
        return ProblemPage(rows, total, offset, limit)

    def problem_detail(self, problem_id: str) -> ProblemDetail | None:
        problem = self.store.get_problem(problem_id)
        if problem is None:
            return None
        tests = self.store.tests_for(problem_id)
        return ProblemDetail(
            problem=problem,
            pairs=self.store.pairs(problem_id=problem_id, limit=10_000),
            outputs=self.store.outputs(problem_id=problem_id, limit=10_000),
            spectrum=self.store.spectrum(problem_id),
            trajectories=self.store.trajectories_for(problem_id),
            n_public_tests=sum(1 for t in tests if t.visibility == "public"),
            n_private_tests=sum(1 for t in tests if t.visibility == "private"),
        )

    def runs(self) -> list[Run]:
        return self.store.runs()

    def pair_view(self, pair_id: str) -> CompareView | None:
        pair = self.store.get_pair(pair_id)
        if pair is None:
            return None
        return CompareView(
            title=f"pair {pair.pair_id} · {pair.problem_id}",
            problem=self.store.get_problem(pair.problem_id),
            left_label="slow (input)",
            left=pair.slow,
            right_label="fast (target)",
            right_code=pair.fast.code,
            right_code_sha256=pair.fast.code_sha256,
            output=None,
            pair=pair,
            tests=self._test_rows(pair.problem_id, pair.slow.code_sha256, pair.fast.code_sha256),
        )

    def output_view(self, output_id: str) -> CompareView | None:
        output = self.store.get_output(output_id)
        if output is None:
            return None
        pair = self.store.get_pair(output.pair_id) if output.pair_id else None
        program = self.store.get_program(output.program_id) if output.program_id else None
        problem = self.store.get_problem(output.problem_id)
        if pair is not None:
            left, left_label = pair.slow, "slow (input)"
        else:
            fastest = problem.fastest_code if problem else None
            left = Program("", output.problem_id, fastest or "", "", "Python")
            left_label = "fastest human" if fastest else "(no reference)"
        right_sha = program.code_sha256 if program else None
        return CompareView(
            title=f"{output.run_id} · row {output.row_idx} · round {output.round}",
            problem=problem,
            left_label=left_label,
            left=left,
            right_label=f"generated ({output.run_id})",
            right_code=output.code or "",
            right_code_sha256=right_sha,
            output=output,
            pair=pair,
            tests=self._test_rows(output.problem_id, left.code_sha256 or None, right_sha),
        )

    def _test_rows(self, problem_id: str, left_sha: str | None, right_sha: str | None) -> list[TestRow]:
        tests = self.store.tests_for(problem_id)
        left = self._by_test(left_sha, problem_id)
        right = self._by_test(right_sha, problem_id)
        keys = [(t.visibility, t.idx) for t in tests]
        rows = [TestRow(t, TestSide(tuple(left.get(k, ()))), TestSide(tuple(right.get(k, ())))) for t, k in
                zip(tests, keys, strict=True)]
        return rows

    def _by_test(self, code_sha: str | None, problem_id: str) -> dict[tuple[str, int], list[Execution]]:
        if not code_sha:
            return {}
        grouped: dict[tuple[str, int], list[Execution]] = {}
        for ex in self.store.executions_for(code_sha, problem_id):
            grouped.setdefault((ex.visibility, ex.test_idx), []).append(ex)
        return grouped
