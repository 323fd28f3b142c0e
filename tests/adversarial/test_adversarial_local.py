"""The untrusted-program suite on the local engine: Judge0's statuses, and a clean machine afterwards.

The whole suite runs once per module, concurrently on one engine (two slots), the way the app runs
programs; each test below then checks one behaviour of that shared run. Running the cases side by side is
deliberate: a fork bomb or memory bomb must not disturb its neighbours either.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass

import pytest

from ecco_tui.engines.base import Status, TestCase, TestResult
from ecco_tui.engines.local import LocalEngine
from tests.adversarial.cases import AdversarialCase, adversarial_limits, load_adversarial_cases
from tests.adversarial.procscan import snapshot, wait_until_clean
from tests.adversarial.requirements import require_bwrap

CASES = load_adversarial_cases("local")
BY_NAME = {c.name: c for c in CASES}


@dataclass
class SuiteRun:
    results: dict[str, TestResult]
    follow_up: TestResult  # a correct program run on the same engine after every case
    leftovers: list[tuple[int, str]]  # processes alive after aclose (new descendants, marked processes)


async def _run_suite() -> SuiteRun:
    baseline = snapshot()
    limits = adversarial_limits()
    engine = LocalEngine(use_bwrap=True, concurrency=2)
    results: dict[str, TestResult] = {}

    async def one(case: AdversarialCase) -> None:
        async with contextlib.aclosing(engine.run(case.program, [case.test_case()], limits)) as stream:
            async for result in stream:
                results[case.name] = result

    try:
        await asyncio.gather(*(one(c) for c in CASES))
        check = TestCase(problem_id="adversarial/follow-up", visibility="public", index=0, input="",
                         expected_output="still alive")
        async with contextlib.aclosing(engine.run("print('still alive')", [check], limits)) as stream:
            (follow_up,) = [r async for r in stream]
    finally:
        await engine.aclose()
    markers = tuple(m for c in CASES for m in c.markers)
    return SuiteRun(results, follow_up, wait_until_clean(markers, baseline=baseline))


@pytest.fixture(scope="module")
def suite() -> SuiteRun:
    require_bwrap()
    for case in CASES:
        for path in case.forbidden_paths:
            assert not os.path.exists(path), f"{path} exists before the suite ran; remove it and rerun"
    return asyncio.run(_run_suite())


def _ids(cases: list[AdversarialCase]) -> list[str]:
    return [c.name for c in cases]


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_case_gets_the_expected_judge0_status(suite, case):
    result = suite.results[case.name]
    assert result.status_id in case.statuses, (
        f"{case.why}: got {result.status_id} ({result.status_description}), message={result.message!r}, "
        f"stderr tail={result.stderr[-300:]!r}"
    )


WITH_EXIT_CODE = [c for c in CASES if c.exit_code is not None]


@pytest.mark.parametrize("case", WITH_EXIT_CODE, ids=_ids(WITH_EXIT_CODE))
def test_case_reports_the_expected_exit_code(suite, case):
    assert suite.results[case.name].exit_code == case.exit_code


WITH_STDOUT = [c for c in CASES if c.stdout_contains is not None]


@pytest.mark.parametrize("case", WITH_STDOUT, ids=_ids(WITH_STDOUT))
def test_case_output_contains_the_expected_text(suite, case):
    assert case.stdout_contains in suite.results[case.name].stdout


WITH_CAP = [c for c in CASES if c.max_stdout_bytes is not None]


@pytest.mark.parametrize("case", WITH_CAP, ids=_ids(WITH_CAP))
def test_case_output_is_capped(suite, case):
    assert len(suite.results[case.name].stdout.encode("utf-8")) <= case.max_stdout_bytes


WITH_PATHS = [c for c in CASES if c.forbidden_paths]


@pytest.mark.parametrize("case", WITH_PATHS, ids=_ids(WITH_PATHS))
def test_case_leaves_no_file_on_the_host(suite, case):
    assert [p for p in case.forbidden_paths if os.path.exists(p)] == []


def test_no_process_survives_the_suite(suite):
    assert suite.leftovers == []


def test_engine_still_works_after_every_case(suite):
    assert suite.follow_up.status_id == Status.ACCEPTED


def test_suite_covers_every_required_hostile_behaviour():
    required = {
        "infinite_loop", "memory_bomb", "fork_bomb", "output_flood", "input_forever", "read_all_stdin",
        "sleep_forever", "write_home", "network_socket", "kill_parent", "syntax_error", "non_utf8_output",
        "exit_code_3", "segfault", "correct", "wrong_answer",
    }
    assert required <= set(BY_NAME)
