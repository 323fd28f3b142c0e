"""Output comparison as Judge0 1.13.1 does it: right-strip lines and the whole text, empty stdout is nil."""

from __future__ import annotations

import pytest

from ecco_tui.engines.base import outputs_match


@pytest.mark.parametrize(("actual", "expected"), [
    ("3\n", "3"),
    ("3   \n\n", "3\n"),
    ("1 2\n3\n", "1 2  \n3"),
    ("\n", ""),  # a printed newline is not nil: strip("\n") == strip("")
    ("anything", None),  # no expected output: any successful run is accepted
])
def test_outputs_judge0_accepts(actual: str, expected: str | None) -> None:
    assert outputs_match(actual, expected)


@pytest.mark.parametrize(("actual", "expected"), [
    ("3\n", "4\n"),
    (" 3\n", "3\n"),  # leading spaces count
    ("", ""),  # an empty stdout is nil, which equals no string
    ("", "\n"),
    (None, "3"),
])
def test_outputs_judge0_rejects(actual: str | None, expected: str) -> None:
    assert not outputs_match(actual, expected)
