"""``ecco serve`` benchmark: submissions/s and per-test overhead of the Judge0 API over calling LocalEngine.

Run ``python benchmarks/serve_bench.py`` (2 cores is the reference machine). ``main()`` returns rows
``{metric, value, target, ok, detail}`` for ``python -m benchmarks``.

What is compared, with the same trivial program and two engine slots on both sides:

* throughput: N tests through one LocalEngine (all scheduled at once) vs N submissions through ``ecco serve``
  (batch POSTs of 20, base64, then batch-GET polling every 20 ms), both wall clock from first to last;
* per-test overhead: the median of sequential single runs, LocalEngine ``run()`` vs ``POST ?wait=true``
  (HTTP, validation, queueing and JSON on top of the same execution);
* the server's RSS after the throughput run.

The server runs in its own process (``python -m ecco_tui.serve``), so client and server do not share a GIL.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from ecco_tui.engines.base import Limits, TestCase
from ecco_tui.engines.local import LocalEngine

PROGRAM = "n = int(input())\nprint(n * 2)\n"
N_THROUGHPUT = 200
N_LATENCY = 40
ROUNDS = 3
WORKERS = 2
BATCH = 20
THROUGHPUT_RATIO_TARGET = 0.8  # ecco serve keeps at least 80% of the engine's own throughput
OVERHEAD_TARGET_MS = 15.0
RSS_TARGET_MB = 150.0
ROOT = Path(__file__).resolve().parents[1]


def _row(metric: str, value: Any, target: str, ok: bool | None, detail: str = "") -> dict[str, Any]:
    return {"metric": metric, "value": value, "target": target, "ok": ok, "detail": detail}


def _test(i: int) -> TestCase:
    return TestCase("bench", "public", i, f"{i}\n", f"{i * 2}\n")


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _wire(i: int) -> dict[str, Any]:
    return {"source_code": _b64(PROGRAM), "language_id": 71, "stdin": _b64(f"{i}\n"),
            "expected_output": _b64(f"{i * 2}\n")}


# ------------------------------------------------------------------------------------------- direct


async def _direct_run(engine: LocalEngine, tests: list[TestCase]) -> int:
    async with contextlib.aclosing(engine.run(PROGRAM, tests, Limits())) as stream:
        return sum([1 async for r in stream if r.accepted])


async def _direct_throughput(engine: LocalEngine, n: int) -> float:
    started = time.perf_counter()
    ok = await _direct_run(engine, [_test(i) for i in range(n)])
    if ok != n:
        raise RuntimeError(f"direct run: only {ok}/{n} accepted")
    return n / (time.perf_counter() - started)


async def _direct_one(engine: LocalEngine, i: int) -> float:
    started = time.perf_counter()
    await _direct_run(engine, [_test(i)])
    return time.perf_counter() - started


# ------------------------------------------------------------------------------------------- served


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def _server() -> Any:
    """``python -m ecco_tui.serve`` on a free port; yields (url, pid)."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    command = [sys.executable, "-m", "ecco_tui.serve", "--port", str(port), "--workers", str(WORKERS),
               "--max-queue", str(N_THROUGHPUT), "--log-level", "warning"]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"ecco serve exited: {log.read().decode(errors='replace')[-2000:]}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{url}/about", timeout=1).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError("ecco serve did not start within 30 s")
                time.sleep(0.05)
            yield url, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


async def _served_throughput(client: httpx.AsyncClient, n: int) -> float:
    started = time.perf_counter()
    tokens: list[str] = []
    for start in range(0, n, BATCH):
        created = await client.post("/submissions/batch", params={"base64_encoded": "true"},
                                    json={"submissions": [_wire(i) for i in range(start, min(n, start + BATCH))]})
        created.raise_for_status()
        tokens += [item["token"] for item in created.json()]
    pending = list(tokens)
    accepted = 0
    while pending:
        await asyncio.sleep(0.02)
        chunks = [pending[i : i + BATCH] for i in range(0, len(pending), BATCH)]
        answers = await asyncio.gather(*(client.get("/submissions/batch", params={
            "tokens": ",".join(chunk), "fields": "token,status"}) for chunk in chunks))
        still = []
        for chunk, answer in zip(chunks, answers, strict=True):
            for token, sub in zip(chunk, answer.json()["submissions"], strict=True):
                if sub["status"]["id"] in (1, 2):
                    still.append(token)
                else:
                    accepted += sub["status"]["id"] == 3
        pending = still
    elapsed = time.perf_counter() - started
    if accepted != n:
        raise RuntimeError(f"served run: only {accepted}/{n} accepted")
    return n / elapsed


async def _served_one(client: httpx.AsyncClient, i: int) -> float:
    started = time.perf_counter()
    answer = await client.post("/submissions", params={"base64_encoded": "true", "wait": "true"}, json=_wire(i))
    elapsed = time.perf_counter() - started
    if answer.json()["status"]["id"] != 3:
        raise RuntimeError(f"wait=true answered {answer.text[:200]}")
    return elapsed


async def _compare(url: str) -> dict[str, float]:
    """Both sides, interleaved so that drift of the machine (frequency, cache, noise) hits both alike."""
    engine = LocalEngine(concurrency=WORKERS)
    try:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            await engine.info()
            await _direct_throughput(engine, 20)  # warm-up: sandboxes, connections, page cache
            await _served_throughput(client, 20)
            direct_tps, served_tps = [], []
            for _ in range(ROUNDS):
                direct_tps.append(await _direct_throughput(engine, N_THROUGHPUT))
                served_tps.append(await _served_throughput(client, N_THROUGHPUT))
            direct_one, served_one = [], []
            for i in range(N_LATENCY):
                direct_one.append(await _direct_one(engine, i))
                served_one.append(await _served_one(client, i))
    finally:
        await engine.aclose()
    return {"direct_tps": statistics.median(direct_tps), "served_tps": statistics.median(served_tps),
            "direct_one": statistics.median(direct_one), "served_one": statistics.median(served_one)}


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:")) / 1024


def main() -> list[dict[str, Any]]:
    """Measure both sides on this machine; one row per metric."""
    with _server() as (url, pid):
        m = asyncio.run(_compare(url))
        rss = _rss_mb(pid)
    ratio = m["served_tps"] / m["direct_tps"]
    overhead_ms = (m["served_one"] - m["direct_one"]) * 1000
    cores = os.cpu_count()
    return [
        _row("direct LocalEngine throughput (tests/s)", round(m["direct_tps"], 1), "reference", None,
             f"median of {ROUNDS} rounds of {N_THROUGHPUT} tests, {WORKERS} slots, {cores} cores"),
        _row("ecco serve throughput (submissions/s)", round(m["served_tps"], 1),
             f">= {THROUGHPUT_RATIO_TARGET:.0%} of direct", ratio >= THROUGHPUT_RATIO_TARGET,
             f"{ratio:.0%} of direct; batch POSTs of {BATCH}, batch-GET polling every 20 ms"),
        _row("per-test overhead, wait=true vs direct (ms)", round(overhead_ms, 1),
             f"<= {OVERHEAD_TARGET_MS:g} ms", overhead_ms <= OVERHEAD_TARGET_MS,
             f"medians of {N_LATENCY} interleaved sequential runs: direct {m['direct_one'] * 1000:.1f} ms, "
             f"served {m['served_one'] * 1000:.1f} ms"),
        _row("ecco serve RSS after the run (MB)", round(rss, 1), f"<= {RSS_TARGET_MB:g} MB", rss <= RSS_TARGET_MB,
             f"{ROUNDS * N_THROUGHPUT + N_LATENCY + 20} submissions stored"),
    ]


if __name__ == "__main__":
    rows = main()
    for row in rows:
        mark = "    " if row["ok"] is None else ("ok  " if row["ok"] else "FAIL")
        print(f"{mark} {row['metric']:<46} {row['value']:>8}  (target {row['target']})  {row['detail']}")
    sys.exit(0 if all(row["ok"] is not False for row in rows) else 1)
