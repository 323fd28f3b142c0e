"""Execution feedback text: golden tests against ECCO's helper and real feedback written by it."""

from __future__ import annotations

import json
from pathlib import Path

from ecco_tui.engines.base import Status, TestCase, TestResult
from ecco_tui.refine.feedback import TestFeedback, feedback_from_results, format_exec_feedback

NOFUN = json.loads((Path(__file__).parent / "golden" / "nofuncoder_exec_refine.json").read_text("utf-8"))


def result(index: int, status: Status, *, cpu: float | None = 0.0123, mem: int | None = 3548, stdout: str = "",
           stderr: str = "", expected: str = "10\n", repeat: int = 0) -> TestResult:
    test = TestCase("p90001", "public", index, f"in{index}\n", expected)
    return TestResult(test=test, status_id=int(status), status_description=status.description, cpu_time_s=cpu,
                      wall_time_s=cpu, memory_kb=mem, stdout=stdout, stderr=stderr, repeat_index=repeat)


def test_all_passed_matches_real_ecco_feedback() -> None:
    results = [result(0, Status.ACCEPTED, cpu=0.0104, mem=3548), result(1, Status.ACCEPTED, cpu=0.0096, mem=3544)]
    assert feedback_from_results(results) == NOFUN["correct"]["exec_feedback_0"]


def test_all_crashed_matches_real_ecco_feedback() -> None:
    stderr = NOFUN["fully_incorrect"]["stderr"]
    results = [result(1, Status.RUNTIME_ERROR_NZEC, stderr=stderr), result(0, Status.RUNTIME_ERROR_NZEC, stderr=stderr)]
    assert feedback_from_results(results) == NOFUN["fully_incorrect"]["exec_feedback_0"]


def test_mixed_outcomes_golden() -> None:
    results = [
        result(0, Status.ACCEPTED, cpu=0.0163, mem=3554),
        result(1, Status.WRONG_ANSWER, cpu=0.02, mem=3600, stdout="9\n", expected="10\n"),
        result(2, Status.TIME_LIMIT_EXCEEDED, cpu=2.0, mem=4000),
        result(10, Status.ACCEPTED, cpu=0.5, mem=9000),
    ]
    assert feedback_from_results(results) == (
        "Your solution was INCORRECT and passed 2 test cases.\n"
        "\n"
        "Here are the run time and memory that your code utilized for each test case\n"
        "-- Stats for test case 0 --\n"
        "Correct: PASSED\n"
        "Run time: 0.016 s\n"
        "Memory: 3554.0 KB\n"
        "-- Stats for test case 1 --\n"
        "Correct: FAILED\n"
        "Run time: 0.02 s\n"
        "Memory: 3600.0 KB\n"
        # ECCO sorts file names as strings: input.10.txt comes before input.2.txt
        "-- Stats for test case 10 --\n"
        "Correct: PASSED\n"
        "Run time: 0.5 s\n"
        "Memory: 9000.0 KB\n"
        "Here are the error logs for the failed test cases\n"
        "-- Error log for failed test case 1 --\n"
        "Wrong Answer:\n9\n\nExpected output:\n10\n\n\n"
        "-- Error log for failed test case 2 --\n"
        "\n"
    )


def test_wrong_answers_only_is_fully_incorrect_without_stats() -> None:
    text = format_exec_feedback([
        TestFeedback(0, int(Status.WRONG_ANSWER), 0.01, 3000.0, "", None, "5\n"),
    ])
    assert text == (
        "Your solution was FULLY INCORRECT and passed 0 test cases. This could either be a flaw in logic or a syntax "
        "error. Please see error logs.\n"
        "Here are the error logs for the failed test cases\n"
        "-- Error log for failed test case 0 --\n"
        "Wrong Answer:\n\nExpected output:\n5\n\n\n"
    )


def test_only_the_first_repeat_counts() -> None:
    results = [result(0, Status.ACCEPTED, cpu=0.01), result(0, Status.WRONG_ANSWER, repeat=1, stdout="x\n")]
    assert feedback_from_results(results).startswith("Your solution was functionally CORRECT")
