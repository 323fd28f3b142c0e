"""Execution feedback text, character for character as ECCO's `get_execution_feedback` writes it.

Paper Figure 7; ECCO src/experiments/utils.py `get_execution_feedback` fed by src/evaluation/utils.py
`judge_submit` (one Judge0 run per public test, `number_of_runs=1`). The rules reproduced here:

* a test "ran" when Judge0 said Accepted (3) or Wrong Answer (4): it gets a run time and a memory figure;
  every other status is an error whose log is the program's stderr (often empty: then an empty line);
* a Wrong Answer's log is ``"Wrong Answer:\\n" + stdout + "\\nExpected output:\\n" + expected + "\\n"``;
* first line: CORRECT when no test has an error log, else INCORRECT with the number of passed tests, else
  FULLY INCORRECT; the stats block appears only when at least one test passed and lists every test that ran
  (passed or wrong answer); then the error logs;
* tests in ECCO's order: input file names sorted as strings (``input.10.txt`` before ``input.2.txt``);
* numbers as Python prints floats: Judge0 reports time in seconds with millisecond resolution and memory as
  integer KB, which ECCO turns into floats (``0.01 s``, ``3548.0 KB``). Engine times are therefore rounded to
  milliseconds first, so the local engine's 0.0163 s reads ``0.016 s`` as Judge0's would.

Feedback built from stored executions uses their stdout/stderr excerpts (the first
``services.evaluation.EXCERPT_CHARS`` characters): a huge wrong answer is cut, which a prompt needs anyway.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ecco_tui.engines.base import Status, TestResult
from ecco_tui.model import Execution, StoredTest

__all__ = [
    "TestFeedback",
    "ecco_test_order",
    "feedback_from_executions",
    "feedback_from_results",
    "format_exec_feedback",
]

_RAN = (int(Status.ACCEPTED), int(Status.WRONG_ANSWER))


@dataclass(frozen=True, slots=True)
class TestFeedback:
    """What ECCO's helper knows about one test: the Judge0 verdict and what it printed."""

    __test__ = False  # not a pytest class

    test_id: int
    status_id: int
    run_time_s: float | None
    memory_kb: float | None
    stdout: str | None
    stderr: str | None
    expected_output: str | None


def ecco_test_order(test_id: int) -> str:
    """ECCO lists `input.<k>.txt` files and sorts the names as strings; this is that sort key."""
    return f"input.{test_id}.txt"


def _seconds(value: float | None) -> str:
    if value is None:
        return "None"
    return str(float(round(value, 3)))


def _kb(value: float | None) -> str:
    if value is None:
        return "None"
    return str(float(round(value)))


def format_exec_feedback(tests: Sequence[TestFeedback]) -> str:
    """The feedback text for one program's run on a problem's (public) tests."""
    ordered = sorted(tests, key=lambda t: ecco_test_order(t.test_id))
    passed = [t.test_id for t in ordered if t.status_id == Status.ACCEPTED]
    ran = [t for t in ordered if t.status_id in _RAN]
    errors: dict[int, str | None] = {}
    for t in ordered:
        if t.status_id == Status.ACCEPTED:
            continue
        if t.status_id == Status.WRONG_ANSWER:
            errors[t.test_id] = ("Wrong Answer:\n" + (t.stdout or "") + "\nExpected output:\n"
                                 + (t.expected_output or "") + "\n")
        else:
            errors[t.test_id] = t.stderr

    if not errors:
        text = "Your solution was functionally CORRECT across ALL test cases!\n"
    elif passed:
        text = f"Your solution was INCORRECT and passed {len(passed)} test cases.\n"
    else:
        text = ("Your solution was FULLY INCORRECT and passed 0 test cases. This could either be a flaw in logic "
                "or a syntax error. Please see error logs.\n")
    if passed:
        text += "\nHere are the run time and memory that your code utilized for each test case\n"
        for t in ran:
            verdict = "PASSED" if t.test_id in passed else "FAILED"
            text += f"-- Stats for test case {t.test_id} --\n"
            text += f"Correct: {verdict}\nRun time: {_seconds(t.run_time_s)} s\nMemory: {_kb(t.memory_kb)} KB\n"
    if errors:
        text += "Here are the error logs for the failed test cases\n"
        for test_id, log in errors.items():
            text += f"-- Error log for failed test case {test_id} --\n"
            text += (log + "\n") if log else "\n"
    return text


def feedback_from_results(results: Sequence[TestResult]) -> str:
    """Feedback from engine results (one per test; repeats beyond the first are ignored, as ECCO ran once)."""
    seen: dict[int, TestFeedback] = {}
    for r in sorted(results, key=lambda r: r.repeat_index):
        seen.setdefault(r.test.index, TestFeedback(
            test_id=r.test.index, status_id=r.status_id, run_time_s=r.cpu_time_s,
            memory_kb=None if r.memory_kb is None else float(r.memory_kb), stdout=r.stdout, stderr=r.stderr,
            expected_output=r.test.expected_output,
        ))
    return format_exec_feedback(list(seen.values()))


def feedback_from_executions(executions: Sequence[Execution], tests: Mapping[int, StoredTest]) -> str:
    """Feedback from stored executions of one program on one problem's tests (keyed by test index)."""
    items = [
        TestFeedback(
            test_id=e.test_idx, status_id=e.status_id, run_time_s=e.cpu_time_s, memory_kb=e.memory_kb,
            stdout=e.stdout_excerpt, stderr=e.stderr_excerpt,
            expected_output=tests[e.test_idx].expected_output if e.test_idx in tests else None,
        )
        for e in executions
    ]
    return format_exec_feedback(items)
