"""Runs stored submissions on one shared engine: a fixed pool of asyncio workers plus Judge0's ``wait=true``.

Why this shape:

* ``wait=false`` and batch submissions go into one FIFO queue drained by ``workers`` asyncio tasks, each
  running one submission at a time, as Judge0's Resque workers do. The engine (LocalEngine's semaphore)
  bounds the processes; the workers bound how many submissions are in progress.
* ``wait=true`` runs at once in the request, as Judge0's ``IsolateJob.perform_now`` does, so a synchronous
  client never waits behind the queue: it only competes for an engine slot. The run is a task of its own,
  so a client that hangs up does not cancel it, and the request waits at most ``wait_timeout`` for it.
* ``number_of_runs`` runs one after another and stops at the first run that is not Accepted; time and memory
  are the arithmetic means over the runs made (isolate_job.rb ``perform``). Runs never overlap, so repeats
  of one submission do not disturb each other's timings.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from decimal import Decimal

from ecco_tui.engines.base import Engine, EngineError, Limits, Status, TestCase, TestResult
from ecco_tui.serve.models import decimal_string
from ecco_tui.serve.store import SubmissionRecord, SubmissionStore, Verdict

log = logging.getLogger("ecco.serve")


def _ms(seconds: float) -> Decimal:
    """isolate reports times with millisecond resolution; Judge0 sums them as decimals."""
    return Decimal(f"{seconds:.3f}")


def combine_runs(runs: Sequence[TestResult]) -> Verdict:
    """Judge0's verdict after ``number_of_runs``: the last run's status and outputs, mean time and memory.

    isolate_job.rb appends each run's time and memory, stops after the first run that is not Accepted, then
    stores ``sum.to_f / size``; memory goes into an integer column, so it is truncated. ``wall_time`` is the
    last run's. Python runs under ``/bin/bash run`` in Judge0, so a program killed by signal n reaches
    isolate as exit code 128+n with no signal: NZEC results carry no ``exit_signal`` here either, and a run
    without an exit code (killed at the time limit) reports 0, as ``exitcode.try(:to_i) || 0`` does.
    """
    if not runs:
        raise ValueError("combine_runs() needs at least one run")
    last = runs[-1]
    times = [_ms(r.cpu_time_s) for r in runs if r.cpu_time_s is not None]
    memories = [r.memory_kb for r in runs if r.memory_kb is not None]
    status = last.status_id
    exit_code = last.exit_code
    if exit_code is None and status != Status.INTERNAL_ERROR:
        exit_code = 0
    exit_signal = None if status == Status.RUNTIME_ERROR_NZEC else last.exit_signal
    return Verdict(
        status_id=status,
        time=decimal_string(float(sum(times)) / len(times)) if times else None,
        wall_time=decimal_string(float(_ms(last.wall_time_s))) if last.wall_time_s is not None else None,
        memory=int(sum(memories) / len(memories)) if memories else None,
        stdout=last.stdout or None,
        stderr=last.stderr or None,
        exit_code=exit_code,
        exit_signal=exit_signal,
        message=last.message or None,
        compile_output=last.compile_output or None,
    )


def internal_error(message: str) -> Verdict:
    return Verdict(status_id=int(Status.INTERNAL_ERROR), message=message)


class SubmissionRunner:
    """The worker pool and the synchronous path, over one engine and one store."""

    def __init__(self, engine: Engine, store: SubmissionStore, workers: int) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.engine = engine
        self.store = store
        self.workers = workers
        self.busy = 0
        self._queue: asyncio.Queue[SubmissionRecord] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._sync: set[asyncio.Task[None]] = set()

    @property
    def queued(self) -> int:
        """Submissions waiting for a worker (Judge0's Resque queue size)."""
        return self._queue.qsize()

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._worker(), name=f"ecco-serve-worker-{i}") for i in range(self.workers)]

    def enqueue(self, record: SubmissionRecord) -> None:
        self._queue.put_nowait(record)  # bounded by the store's admission check, never by the queue

    async def run_now(self, record: SubmissionRecord, timeout_s: float) -> None:
        """``wait=true``: run immediately and wait up to ``timeout_s``; past it the run carries on unobserved."""
        task = asyncio.create_task(self.execute(record), name=f"ecco-serve-sync-{record.token}")
        self._sync.add(task)
        task.add_done_callback(self._sync.discard)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(task), timeout_s)

    async def _worker(self) -> None:
        while True:
            record = await self._queue.get()
            self.busy += 1
            try:
                await self.execute(record)
            finally:
                self.busy -= 1
                self._queue.task_done()

    async def execute(self, record: SubmissionRecord) -> None:
        """Run every requested run of one submission and store the verdict; never raises but cancellation."""
        self.store.start(record)
        submission = record.submission
        test = TestCase(problem_id="ecco-serve", visibility="public", index=0, input=submission.stdin or "",
                        expected_output=submission.expected_output)
        limits = submission.limits()
        runs: list[TestResult] = []
        try:
            for _ in range(submission.number_of_runs):
                result = await self._run_once(submission.source_code, test, limits)
                runs.append(result)
                if result.status_id != Status.ACCEPTED:
                    break
            verdict = combine_runs(runs)
        except asyncio.CancelledError:
            self.store.finish(record, internal_error("ecco serve stopped before this submission finished"))
            raise
        except EngineError as exc:
            verdict = internal_error(f"engine error: {exc}")
        except Exception as exc:  # a bug must cost one submission, not a worker
            log.exception("submission %s failed inside ecco serve", record.token)
            verdict = internal_error(f"ecco serve error: {type(exc).__name__}: {exc}")
        self.store.finish(record, verdict)

    async def _run_once(self, program: str, test: TestCase, limits: Limits) -> TestResult:
        result: TestResult | None = None
        stream = self.engine.run(program, [test], limits)
        try:
            async for item in stream:
                result = item
        finally:
            closer = getattr(stream, "aclose", None)
            if closer is not None:
                await closer()
        if result is None:
            raise EngineError("the engine returned no result")
        return result

    async def stop(self) -> None:
        """Cancel the workers and every synchronous run; unfinished submissions become Internal Errors."""
        tasks = [*self._tasks, *self._sync]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks = []
        while not self._queue.empty():
            self.store.finish(self._queue.get_nowait(), internal_error("ecco serve stopped before running this"))
