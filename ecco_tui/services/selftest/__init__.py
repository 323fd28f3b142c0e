"""`ecco selftest`: replay the untrusted-program suite against an engine and compare with Judge0's answers.

Users point it at their own Judge0 deployment (`--engine judge0 --judge0-url URL`) to check that it gives
the statuses ECCO's evaluation relies on — the same suite the local sandbox passes in CI.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from contextlib import aclosing
from dataclasses import dataclass

from ecco_tui.engines.base import Engine, Limits, TestResult
from ecco_tui.services.selftest.cases import AdversarialCase, adversarial_limits, load_adversarial_cases

__all__ = ["CaseOutcome", "run_selftest"]


@dataclass(frozen=True, slots=True)
class CaseOutcome:
    case: AdversarialCase
    result: TestResult | None
    problems: tuple[str, ...]  # empty when the engine answered as expected

    @property
    def ok(self) -> bool:
        return not self.problems


def check(case: AdversarialCase, result: TestResult, *, local: bool) -> tuple[str, ...]:
    problems = []
    if result.status_id not in case.statuses:
        wanted = " or ".join(str(s) for s in case.statuses)
        problems.append(f"status {result.status_id} ({result.status_description}), expected {wanted}")
    if case.exit_code is not None and result.status_id == 11 and result.exit_code != case.exit_code:
        problems.append(f"exit code {result.exit_code}, expected {case.exit_code}")
    if case.stdout_contains is not None and case.stdout_contains not in (result.stdout or ""):
        problems.append(f"stdout lacks {case.stdout_contains!r}")
    if case.max_stdout_bytes is not None and len((result.stdout or "").encode()) > case.max_stdout_bytes:
        problems.append(f"stdout is {len(result.stdout.encode())} bytes, cap {case.max_stdout_bytes}")
    if local:
        problems.extend(f"{path} was written outside the sandbox" for path in case.forbidden_paths
                        if os.path.exists(path))
    return tuple(problems)


async def run_selftest(
    engine: Engine,
    *,
    limits: Limits | None = None,
    progress: Callable[[CaseOutcome], None] | None = None,
) -> list[CaseOutcome]:
    """Run every case that applies to this engine, side by side, and check each answer."""
    info = await engine.info()
    kind = "local" if info.name == "local" else "judge0"
    cases = load_adversarial_cases(kind)
    limits = limits or adversarial_limits()
    outcomes: dict[str, CaseOutcome] = {}

    async def one(case: AdversarialCase) -> None:
        result = None
        try:
            async with aclosing(engine.run(case.program, [case.test_case()], limits)) as stream:
                async for r in stream:
                    result = r
            outcome = CaseOutcome(case, result, check(case, result, local=kind == "local") if result
                                  else ("no result",))
        except Exception as exc:  # an engine failure on one case is that case's failure
            outcome = CaseOutcome(case, None, (f"engine error: {exc}",))
        outcomes[case.name] = outcome
        if progress:
            progress(outcome)

    await asyncio.gather(*(one(c) for c in cases))
    return [outcomes[c.name] for c in cases]
