"""The untrusted-program suite through ``ecco serve`` gives the statuses LocalEngine gives directly.

Both runs happen once per module (each: every case side by side on two slots, the suite's small limits);
each test then compares one case. Where a case allows several statuses (a fork bomb may be TLE or NZEC),
both answers must be allowed ones; otherwise they must be equal.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from ecco_tui.engines.base import Limits, TestResult
from ecco_tui.engines.local import LocalEngine
from tests.adversarial.cases import AdversarialCase, adversarial_limits, load_adversarial_cases
from tests.adversarial.requirements import require_bwrap
from tests.serve.harness import serve_running

CASES = load_adversarial_cases("local")  # ecco serve runs the local engine


@dataclass
class BothRuns:
    direct: dict[str, TestResult]
    served: dict[str, dict[str, Any]]


def _b64(text: str | None) -> str | None:
    return None if text is None else base64.b64encode(text.encode()).decode()


def _wire(case: AdversarialCase, limits: Limits) -> dict[str, Any]:
    body = {"source_code": _b64(case.program), "language_id": 71, "stdin": _b64(case.stdin),
            "cpu_time_limit": limits.cpu_time_s, "cpu_extra_time": limits.cpu_extra_time_s,
            "wall_time_limit": limits.wall_time_s, "memory_limit": limits.memory_kb, "stack_limit": limits.stack_kb,
            "max_processes_and_or_threads": limits.max_processes, "max_file_size": limits.max_file_size_kb}
    if case.expected_output is not None:
        body["expected_output"] = _b64(case.expected_output)
    return body


async def _direct(limits: Limits) -> dict[str, TestResult]:
    engine = LocalEngine(concurrency=2)
    results: dict[str, TestResult] = {}

    async def one(case: AdversarialCase) -> None:
        async with contextlib.aclosing(engine.run(case.program, [case.test_case()], limits)) as stream:
            async for result in stream:
                results[case.name] = result

    try:
        await asyncio.gather(*(one(c) for c in CASES))
    finally:
        await engine.aclose()
    return results


def _served(url: str, limits: Limits) -> dict[str, dict[str, Any]]:
    fields = "token,status,exit_code,stdout,message"
    with httpx.Client(base_url=url, timeout=60) as client:
        tokens: dict[str, str] = {}
        for start in range(0, len(CASES), 20):
            chunk = CASES[start : start + 20]
            created = client.post("/submissions/batch", params={"base64_encoded": "true"},
                                  json={"submissions": [_wire(c, limits) for c in chunk]})
            assert created.status_code == 201, created.text
            tokens.update({c.name: item["token"] for c, item in zip(chunk, created.json(), strict=True)})
        results: dict[str, dict[str, Any]] = {}
        deadline = time.monotonic() + 60
        while len(results) < len(tokens) and time.monotonic() < deadline:
            waiting = [name for name in tokens if name not in results]
            for start in range(0, len(waiting), 20):
                names = waiting[start : start + 20]
                got = client.get("/submissions/batch", params={
                    "tokens": ",".join(tokens[n] for n in names), "fields": fields}).json()["submissions"]
                results.update({n: s for n, s in zip(names, got, strict=True) if s["status"]["id"] not in (1, 2)})
            time.sleep(0.1)
    return results


@pytest.fixture(scope="module")
def both() -> BothRuns:
    require_bwrap()
    limits = adversarial_limits()
    with serve_running() as server:
        served = _served(server.url, limits)
    direct = asyncio.run(_direct(limits))
    return BothRuns(direct, served)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_served_status_matches_the_local_engine(both: BothRuns, case: AdversarialCase) -> None:
    direct = both.direct[case.name].status_id
    served = both.served[case.name]["status"]["id"]
    if len(case.statuses) == 1:
        assert served == direct, f"{case.why}: served {both.served[case.name]}, direct {both.direct[case.name]}"
    else:
        assert {served, direct} <= set(case.statuses), f"{case.why}: served {served}, direct {direct}"


WITH_EXIT_CODE = [c for c in CASES if c.exit_code is not None]


@pytest.mark.parametrize("case", WITH_EXIT_CODE, ids=[c.name for c in WITH_EXIT_CODE])
def test_served_exit_code_is_judge0s(both: BothRuns, case: AdversarialCase) -> None:
    assert both.served[case.name]["exit_code"] == case.exit_code == both.direct[case.name].exit_code


def test_served_output_flood_is_capped_at_max_file_size(both: BothRuns) -> None:
    stdout = both.served["output_flood"]["stdout"] or ""
    assert 0 < len(stdout.encode()) <= adversarial_limits().max_file_size_kb * 1024
