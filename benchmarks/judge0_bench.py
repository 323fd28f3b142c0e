"""Judge0 client throughput: batches of 20 vs one submission per request, against the loopback replay server.

What it measures is the client and the wire, not execution: the replay server answers with scripted
Accepted verdicts instantly, so the number is how many submissions per second the client can push through
create + poll round trips. Batching is why the client exists in this shape; a speed-up well above 1 shows the
batch endpoints are actually used.

Run: ``python benchmarks/judge0_bench.py``. ``main()`` returns rows ``{metric, value, target, ok}``.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make `ecco_tui` and `tests` importable
    sys.path.insert(0, str(ROOT))

from ecco_tui.engines.base import TestCase  # noqa: E402
from ecco_tui.engines.judge0 import Judge0Engine  # noqa: E402
from tests.engines.judge0_replay_server import Outcome, SubmissionView, start_replay_server  # noqa: E402

N_TESTS = 400
PROGRAM = "print(int(input()) * 2)\n"
#: Loopback floor for batched throughput; one request per submission should be far below it.
BATCH_TARGET_PER_S = 500.0
SPEEDUP_TARGET = 3.0


def _accept(view: SubmissionView) -> Outcome:
    return Outcome(status_id=3, stdout=view.expected_output, time="0.012", wall_time="0.020", memory=3700)


async def _throughput(url: str, batch_size: int, n_tests: int) -> float:
    """Submissions per second for one run of ``n_tests`` tests with the given batch size."""
    tests = [TestCase("bench", "public", i, f"{i}\n", f"{i * 2}\n") for i in range(n_tests)]
    async with Judge0Engine(url, batch_size=batch_size, poll_initial_s=0.002, poll_max_s=0.01) as engine:
        await engine.info()  # connection and server facts outside the timed part
        start = time.perf_counter()
        count = 0
        async for result in engine.run(PROGRAM, tests):
            assert result.accepted, result
            count += 1
        elapsed = time.perf_counter() - start
    assert count == n_tests
    return count / elapsed


def main(n_tests: int = N_TESTS) -> list[dict[str, Any]]:
    """Measure batch-20 and batch-1 throughput; return one row per metric."""
    url, _state, stop = start_replay_server(outcome=_accept)
    try:
        asyncio.run(_throughput(url, 20, 40))  # warm-up: imports, first connections
        batched = asyncio.run(_throughput(url, 20, n_tests))
        single = asyncio.run(_throughput(url, 1, n_tests))
    finally:
        stop()
    speedup = batched / single if single else float("inf")
    return [
        {
            "metric": "judge0_batch20_submissions_per_s",
            "value": round(batched, 1),
            "target": f">= {BATCH_TARGET_PER_S:g}",
            "ok": batched >= BATCH_TARGET_PER_S,
        },
        {
            "metric": "judge0_batch1_submissions_per_s",
            "value": round(single, 1),
            "target": "reference",
            "ok": True,
        },
        {
            "metric": "judge0_batch_speedup",
            "value": round(speedup, 2),
            "target": f">= {SPEEDUP_TARGET:g}x",
            "ok": speedup >= SPEEDUP_TARGET,
        },
    ]


if __name__ == "__main__":
    rows = main()
    for row in rows:
        mark = "ok " if row["ok"] else "FAIL"
        print(f"{mark} {row['metric']:<36} {row['value']:>10}  (target {row['target']})")
    sys.exit(0 if all(row["ok"] for row in rows) else 1)
