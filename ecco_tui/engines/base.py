"""The one protocol every execution engine speaks, and the value types it exchanges.

Every number this product shows comes out of an engine, so the types mirror Judge0's own vocabulary
(status ids, CPU time in seconds, memory in KB) and the local sandbox reports in exactly the same
shape. Callers never care which engine produced a result.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Protocol, runtime_checkable

# A program's identity is shared by every layer (ecco_tui.model); the engines key their results by it.
from ecco_tui.model import code_sha256 as code_sha256
from ecco_tui.model import normalize_code as normalize_code


class Status(IntEnum):
    """Judge0's status table (CE 1.13.1, app/enumerations/status.rb)."""

    IN_QUEUE = 1
    PROCESSING = 2
    ACCEPTED = 3
    WRONG_ANSWER = 4
    TIME_LIMIT_EXCEEDED = 5
    COMPILATION_ERROR = 6
    RUNTIME_ERROR_SIGSEGV = 7
    RUNTIME_ERROR_SIGXFSZ = 8
    RUNTIME_ERROR_SIGFPE = 9
    RUNTIME_ERROR_SIGABRT = 10
    RUNTIME_ERROR_NZEC = 11
    RUNTIME_ERROR_OTHER = 12
    INTERNAL_ERROR = 13
    EXEC_FORMAT_ERROR = 14

    @property
    def description(self) -> str:
        return STATUS_DESCRIPTIONS[int(self)]

    @property
    def is_final(self) -> bool:
        return self not in (Status.IN_QUEUE, Status.PROCESSING)


STATUS_DESCRIPTIONS: dict[int, str] = {
    1: "In Queue",
    2: "Processing",
    3: "Accepted",
    4: "Wrong Answer",
    5: "Time Limit Exceeded",
    6: "Compilation Error",
    7: "Runtime Error (SIGSEGV)",
    8: "Runtime Error (SIGXFSZ)",
    9: "Runtime Error (SIGFPE)",
    10: "Runtime Error (SIGABRT)",
    11: "Runtime Error (NZEC)",
    12: "Runtime Error (Other)",
    13: "Internal Error",
    14: "Exec Format Error",
}


def normalize_output(text: str) -> str:
    """Judge0's comparison form: right-strip each line, join with newlines, right-strip the whole."""
    return "\n".join(line.rstrip() for line in text.split("\n")).rstrip()


def outputs_match(actual: str | None, expected: str | None) -> bool:
    """Compare exactly as Judge0 does; no expected output means any successful run is accepted.

    Judge0 (isolate_job.rb) stores an empty stdout as nil, and nil equals no expected string, not even "":
    a program that prints nothing is a Wrong Answer whatever was expected.
    """
    if expected is None:
        return True
    if not actual:
        return False
    return normalize_output(actual) == normalize_output(expected)


def sha256_of_test(stdin: str, expected_output: str | None) -> str:
    """Identity of a test's content, so a changed input or expected output never matches an old result."""
    h = hashlib.sha256()
    h.update(stdin.encode("utf-8"))
    h.update(b"\x00")
    h.update((expected_output or "").encode("utf-8"))
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class TestCase:
    """One test of a problem: stdin and the expected stdout."""

    __test__ = False  # not a pytest class

    problem_id: str
    visibility: str  # "public" | "private"
    index: int
    input: str
    expected_output: str | None

    @property
    def sha256(self) -> str:
        return sha256_of_test(self.input, self.expected_output)

    @property
    def label(self) -> str:
        return f"{self.visibility}#{self.index}"


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-test resource limits, in Judge0's units. Defaults are the ones ECCO's scripts used."""

    cpu_time_s: float = 5.0
    cpu_extra_time_s: float = 1.0
    wall_time_s: float = 20.0
    memory_kb: int = 512_000
    stack_kb: int = 64_000
    max_processes: int = 60
    max_file_size_kb: int = 1024
    output_cap_bytes: int = 1_048_576

    def key(self) -> str:
        """A stable text form of the limits, part of an execution's cache identity."""
        return (
            f"cpu={self.cpu_time_s:g},extra={self.cpu_extra_time_s:g},wall={self.wall_time_s:g},"
            f"mem={self.memory_kb},stack={self.stack_kb},proc={self.max_processes},"
            f"fsize={self.max_file_size_kb}"
        )


@dataclass(frozen=True, slots=True)
class TestResult:
    """The outcome of one program on one test, in Judge0's shape."""

    __test__ = False

    test: TestCase
    status_id: int
    status_description: str
    cpu_time_s: float | None
    wall_time_s: float | None
    memory_kb: int | None
    stdout: str = ""
    stderr: str = ""
    exit_code: int | None = None
    exit_signal: int | None = None
    message: str | None = None
    compile_output: str | None = None
    repeat_index: int = 0
    instructions: int | None = None

    @property
    def accepted(self) -> bool:
        return self.status_id == Status.ACCEPTED


@dataclass(frozen=True, slots=True)
class EngineInfo:
    name: str  # "local" | "judge0" | ...
    version: str  # engine version; part of the cache identity
    language: str  # e.g. "Python (3.11.7)"
    limits: Limits = field(default_factory=Limits)
    details: dict[str, str] = field(default_factory=dict)


class EngineError(Exception):
    """A failure of the engine itself (unreachable server, bad auth, sandbox missing), not of the program."""


@runtime_checkable
class Engine(Protocol):
    """Runs one program on many tests and yields results as they finish (in completion order).

    `run` returns an async generator (not just an iterator) so that a consumer that stops early can close it
    at once with `contextlib.aclosing`, releasing what the run holds (sandboxes, in-flight submissions)."""

    async def info(self) -> EngineInfo: ...

    def run(
        self,
        program: str,
        tests: Sequence[TestCase],
        limits: Limits | None = None,
        *,
        repeat: int = 1,
    ) -> AsyncGenerator[TestResult, None]: ...

    async def aclose(self) -> None: ...
