"""Small builders for the metrics tests: terse per-test measures and programs."""

from __future__ import annotations

from ecco_tui.metrics.types import ACCEPTED, WRONG_ANSWER, ProgramMeasure, TestMeasure

TLE = 5
NZEC = 11


def measure(
    test_id: int | str, time: float | None = 1.0, mem: float | None = 100.0, status: int = ACCEPTED
) -> TestMeasure:
    """One test run; ``passed`` follows the status, as an engine reports it."""
    return TestMeasure(str(test_id), status == ACCEPTED, status, time, mem)


def ok(test_id: int | str, time: float = 1.0, mem: float = 100.0) -> TestMeasure:
    return measure(test_id, time, mem, ACCEPTED)


def wa(test_id: int | str, time: float = 1.0, mem: float = 100.0) -> TestMeasure:
    return measure(test_id, time, mem, WRONG_ANSWER)


def crash(test_id: int | str, status: int = NZEC) -> TestMeasure:
    """A crashed test: no time and no memory, as ECCO records it."""
    return TestMeasure(str(test_id), False, status, None, None)


def prog(*tests: TestMeasure) -> ProgramMeasure:
    return ProgramMeasure(tuple(tests))


def passing(times: list[float], mems: list[float] | None = None) -> ProgramMeasure:
    """A program passing tests "0".."n-1" with the given times (and memories, default 100 KB each)."""
    mems = mems if mems is not None else [100.0] * len(times)
    return prog(*(ok(i, t, m) for i, (t, m) in enumerate(zip(times, mems, strict=True))))
