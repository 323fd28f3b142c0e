"""`ecco run`'s per-test table and JSON list public tests 1..n, then private tests 1..n, in numeric order."""

from __future__ import annotations

from ecco_tui.cli.evaluate import _per_test
from ecco_tui.engines.base import TestCase, TestResult


def _result(visibility: str, index: int) -> TestResult:
    return TestResult(TestCase("p1", visibility, index, "", ""), 3, "Accepted", 0.1, 0.1, 1000)


def test_tests_are_listed_public_first_then_private_in_numeric_order() -> None:
    results = [_result(vis, i) for vis, i in (("private", 10), ("private", 3), ("public", 11), ("private", 2),
                                               ("public", 2))]
    assert [(t["visibility"], t["index"]) for t in _per_test(results)] == [
        ("public", 2), ("public", 11), ("private", 2), ("private", 3), ("private", 10)]
