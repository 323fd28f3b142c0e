"""Loader for the untrusted-program suite (cases.toml + programs/), shared by the tests and `ecco selftest`.

The suite is data so that the same programs and expectations can be replayed against any engine (the
local sandbox here, a Judge0 server elsewhere) without copying code.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ecco_tui.engines.base import Limits, TestCase

SUITE_DIR = Path(__file__).parent
CASES_FILE = SUITE_DIR / "cases.toml"
PROGRAMS_DIR = SUITE_DIR / "programs"


@dataclass(frozen=True, slots=True)
class AdversarialCase:
    """One hostile or edge-case program with what any engine must report for it."""

    name: str
    program: str  # source text
    why: str
    statuses: tuple[int, ...]
    stdin: str = ""
    expected_output: str | None = None
    exit_code: int | None = None
    stdout_contains: str | None = None
    max_stdout_bytes: int | None = None
    forbidden_paths: tuple[str, ...] = ()
    markers: tuple[str, ...] = ()
    engines: tuple[str, ...] = field(default=())  # empty = every engine

    def applies_to(self, engine_name: str) -> bool:
        return not self.engines or engine_name in self.engines

    def test_case(self, index: int = 0) -> TestCase:
        return TestCase(
            problem_id=f"adversarial/{self.name}",
            visibility="public",
            index=index,
            input=self.stdin,
            expected_output=self.expected_output,
        )


def _source(raw: dict[str, object]) -> str:
    if "source" in raw:
        return str(raw["source"])
    return (PROGRAMS_DIR / str(raw["program"])).read_text(encoding="utf-8")


def _case(raw: dict[str, object]) -> AdversarialCase:
    return AdversarialCase(
        name=str(raw["name"]),
        program=_source(raw),
        why=str(raw["why"]),
        statuses=tuple(int(s) for s in raw["statuses"]),  # type: ignore[attr-defined]
        stdin=str(raw.get("stdin", "")),
        expected_output=raw.get("expected_output"),  # type: ignore[arg-type]
        exit_code=raw.get("exit_code"),  # type: ignore[arg-type]
        stdout_contains=raw.get("stdout_contains"),  # type: ignore[arg-type]
        max_stdout_bytes=raw.get("max_stdout_bytes"),  # type: ignore[arg-type]
        forbidden_paths=tuple(raw.get("forbidden_paths", ())),  # type: ignore[arg-type]
        markers=tuple(raw.get("markers", ())),  # type: ignore[arg-type]
        engines=tuple(raw.get("engines", ())),  # type: ignore[arg-type]
    )


def load_adversarial_cases(engine_name: str | None = None) -> list[AdversarialCase]:
    """All cases in file order; with ``engine_name``, only those whose expectation holds for that engine."""
    data = tomllib.loads(CASES_FILE.read_text(encoding="utf-8"))
    cases = [_case(raw) for raw in data["case"]]
    if engine_name is not None:
        cases = [c for c in cases if c.applies_to(engine_name)]
    return cases


def adversarial_limits() -> Limits:
    """Small limits so the whole suite (CPU and wall timeouts included) runs in seconds."""
    data = tomllib.loads(CASES_FILE.read_text(encoding="utf-8"))
    return Limits(**data["limits"])
