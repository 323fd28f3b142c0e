"""Under load: 500 submissions from 20 concurrent clients against ``max_queue=100`` and 2 workers.

Every submission is either accepted (201, a token) and then finishes with the right status, or refused
with 503 ``{"error": "queue is full"}``; nothing hangs and the server's memory stays bounded. Programs are
trivial so the whole test takes seconds on 2 cores.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import httpx

from tests.serve.harness import serve_running

CLIENTS = 20
PER_CLIENT = 25
MAX_QUEUE = 100
PROGRAM = "n = int(input())\nprint(n * 2)\n"
#: Bound on the growth of this process's RSS (server, clients and test together) over the whole run.
RSS_GROWTH_BOUND_KB = 64 * 1024
DEADLINE_S = 60


def rss_kb() -> int:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))


def expected_status(n: int) -> int:
    """Every fifth submission expects a wrong answer, so both verdicts are checked."""
    return 4 if n % 5 == 0 else 3


async def client_session(url: str, client_id: int) -> tuple[dict[str, int], list[int]]:
    """Post this client's share as fast as it can; returns {token: expected status} and refused statuses."""
    accepted: dict[str, int] = {}
    refused: list[int] = []
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        for k in range(PER_CLIENT):
            n = client_id * PER_CLIENT + k
            expected = f"{n * 2}\n" if expected_status(n) == 3 else "wrong\n"
            response = await client.post("/submissions", json={
                "source_code": PROGRAM, "language_id": 71, "stdin": f"{n}\n", "expected_output": expected,
                "cpu_time_limit": 2, "wall_time_limit": 5})
            if response.status_code == 201:
                accepted[response.json()["token"]] = expected_status(n)
            else:
                assert response.json() == {"error": "queue is full"}
                refused.append(response.status_code)
    return accepted, refused


async def wait_for_all(url: str, expected: dict[str, int]) -> dict[str, int]:
    """Batch-poll every accepted token until it is final; returns {token: status id}."""
    final: dict[str, int] = {}
    deadline = time.monotonic() + DEADLINE_S
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        while len(final) < len(expected) and time.monotonic() < deadline:
            waiting = [t for t in expected if t not in final]
            for start in range(0, len(waiting), 20):
                chunk = waiting[start : start + 20]
                got = (await client.get("/submissions/batch", params={"tokens": ",".join(chunk),
                                                                      "fields": "token,status"})).json()
                for token, sub in zip(chunk, got["submissions"], strict=True):
                    assert sub is not None, f"{token} was lost"
                    if sub["status"]["id"] not in (1, 2):
                        final[token] = sub["status"]["id"]
            await asyncio.sleep(0.1)
    return final


def test_500_submissions_from_20_clients_all_finish_or_get_503() -> None:
    with serve_running(max_queue=MAX_QUEUE, workers=2) as server:
        before = rss_kb()
        started = time.monotonic()

        async def scenario() -> tuple[dict[str, int], list[int], dict[str, int]]:
            sessions = await asyncio.gather(*(client_session(server.url, i) for i in range(CLIENTS)))
            accepted = {t: s for acc, _ in sessions for t, s in acc.items()}
            refused = [code for _, ref in sessions for code in ref]
            return accepted, refused, await wait_for_all(server.url, accepted)

        accepted, refused, final = asyncio.run(scenario())
        elapsed = time.monotonic() - started
        growth = rss_kb() - before
        workers = httpx.get(f"{server.url}/workers").json()[0]
        pending = server.state.store.pending

    assert len(accepted) + len(refused) == CLIENTS * PER_CLIENT
    assert len(accepted) >= MAX_QUEUE  # the first hundred always fit
    assert refused and set(refused) == {503}
    assert len(final) == len(accepted), f"{len(accepted) - len(final)} submissions never finished"
    wrong = {t: (final[t], s) for t, s in accepted.items() if final[t] != s}
    assert not wrong, f"wrong statuses (got, expected): {Counter(wrong.values())}"
    assert Counter(final.values())[4] > 0
    assert workers["size"] == 0 and workers["working"] == 0 and pending == 0
    assert elapsed < DEADLINE_S
    assert growth < RSS_GROWTH_BOUND_KB, f"RSS grew by {growth} KB"
