"""ECCO-FIX: almost-correct outputs (all public tests pass, a private one fails), and their stored fixes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from ecco_tui.engines.base import Limits, code_sha256
from ecco_tui.engines.local import LocalEngine
from ecco_tui.model import Execution
from ecco_tui.services import ecco_fix
from ecco_tui.store.store import Store
from tests.factories import FAST_MAX
from tests.tui.workbench import SPURIOUS_MAX, build_workbench_store

LIMITS = Limits(cpu_time_s=2, wall_time_s=5, memory_kb=256_000)
SPURIOUS = "alpha-instruct:1:0:0"  # SPURIOUS_MAX on p90002: passes public:0, fails private:0 and private:1


@pytest.fixture
def wb(tmp_path: Path) -> Iterator[Store]:
    path = build_workbench_store(tmp_path / "wb.duckdb", tmp_path)
    with Store.open(path) as store:
        yield store


@pytest.fixture
async def engine() -> AsyncIterator[LocalEngine]:
    eng = LocalEngine(limits=LIMITS)
    yield eng
    await eng.aclose()


def _execution(code: str, problem_id: str, visibility: str, idx: int, *, passed: bool, tag: str) -> Execution:
    return Execution(
        execution_id=f"{tag}-{visibility}-{idx}", code_sha256=code_sha256(code), problem_id=problem_id,
        visibility=visibility, test_idx=idx, engine="local", engine_version="test-1",
        status_id=3 if passed else 4, status_description="Accepted" if passed else "Wrong Answer",
        cpu_time_s=0.01, wall_time_s=0.02, memory_kb=7000.0, stdout_excerpt="x\n",
    )


def test_the_candidate_is_the_output_passing_public_and_failing_private(wb: Store) -> None:
    candidates = ecco_fix.fix_candidates(wb)
    assert [c.output_id for c in candidates] == [SPURIOUS]
    cand = candidates[0]
    assert (cand.problem_id, cand.run_id, cand.engine) == ("p90002", "alpha-instruct", "local")
    assert [f.label for f in cand.failing] == ["private:0", "private:1"]
    first = cand.failing[0]
    assert (first.input_excerpt, first.expected, first.actual, first.status) == ("1 5 2\n", "5\n", "0\n",
                                                                                 "Wrong Answer")
    assert not cand.confirmed and not cand.has_fix
    assert ecco_fix.fix_candidates(wb, run_id="beta-self-refine") == []


def test_a_newer_public_failure_or_private_pass_removes_the_candidate(wb: Store) -> None:
    wb.add_executions([_execution(SPURIOUS_MAX, "p90002", "public", 0, passed=False, tag="newer")])
    assert ecco_fix.fix_candidates(wb) == []
    wb.add_executions([_execution(SPURIOUS_MAX, "p90002", "public", 0, passed=True, tag="newest")])
    assert [c.output_id for c in ecco_fix.fix_candidates(wb)] == [SPURIOUS]
    wb.add_executions([_execution(SPURIOUS_MAX, "p90002", "private", i, passed=True, tag="fixed") for i in (0, 1)])
    assert ecco_fix.fix_candidates(wb) == []


def test_an_output_whose_public_tests_never_ran_is_not_a_candidate(wb: Store) -> None:
    # gamma's outputs were never executed: a private failure alone says nothing about the public tests.
    from tests.tui.workbench import GAMMA_MAX

    wb.add_executions([_execution(GAMMA_MAX, "p90002", "private", 0, passed=False, tag="np")])
    assert [c.output_id for c in ecco_fix.fix_candidates(wb)] == [SPURIOUS]
    wb.add_executions([_execution(GAMMA_MAX, "p90002", "public", 0, passed=True, tag="np")])
    assert [c.output_id for c in ecco_fix.fix_candidates(wb)] == [SPURIOUS, "gamma-instruct:1:0:0"]


def test_confirm_then_save_fix_stores_the_program_and_the_link(wb: Store) -> None:
    ecco_fix.confirm_candidate(wb, SPURIOUS, "ana")
    (cand,) = ecco_fix.fix_candidates(wb)
    assert cand.confirmed and not cand.has_fix
    program_id = ecco_fix.save_fix(wb, SPURIOUS, FAST_MAX, "ana")
    program = wb.get_program(program_id)
    assert program is not None and program.code == FAST_MAX and program.problem_id == "p90002"
    (cand,) = ecco_fix.fix_candidates(wb)
    assert cand.fixed_program_id == program_id
    (ann,) = wb.current_annotations(target_ids=[SPURIOUS])
    assert ann.label == "ecco-fix-candidate"
    assert json.loads(ann.note or "") == {"fixed_program_id": program_id, "code_sha256": code_sha256(FAST_MAX)}
    # Relabelling the output later keeps the fix link.
    from ecco_tui.services.annotations import label

    label(wb, "output", SPURIOUS, "spurious-optimization", "ana")
    assert ecco_fix.fix_candidates(wb)[0].fixed_program_id == program_id


async def test_run_fix_runs_every_test_and_gates_saving(wb: Store, engine: LocalEngine) -> None:
    good = await ecco_fix.run_fix(wb, engine, "p90002", FAST_MAX, LIMITS)
    assert [(r.label, r.passed) for r in good.results] == [("public:0", True), ("private:0", True),
                                                           ("private:1", True)]
    assert good.all_passed and ecco_fix.can_save(good, "p90002", FAST_MAX) is None
    assert "changed" in (ecco_fix.can_save(good, "p90002", FAST_MAX + "\n# edit\n") or "")
    bad = await ecco_fix.run_fix(wb, engine, "p90002", SPURIOUS_MAX, LIMITS)
    # The first item is the maximum of "-1 -2": the real run fails private:0 only.
    assert [(r.label, r.passed) for r in bad.results] == [("public:0", True), ("private:0", False),
                                                          ("private:1", True)]
    assert bad.results[1].actual == "1\n" and bad.results[1].expected == "5\n"
    assert "2/3" in (ecco_fix.can_save(bad, "p90002", SPURIOUS_MAX) or "")
    assert "Run the fix first" in (ecco_fix.can_save(None, "p90002", FAST_MAX) or "")
