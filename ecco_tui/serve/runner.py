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
* With a recorder (``ecco serve --db``) the runs already in the store are taken from it and only the missing
  ones execute; new runs are queued for the store before the submission is marked finished, so a client that
  resubmits the moment it has its answer finds them (see ``services.serve_recording``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from ecco_tui.engines.base import Engine, EngineError, EngineInfo, Limits, Status, TestCase, TestResult
from ecco_tui.serve.models import decimal_string
from ecco_tui.serve.store import SubmissionRecord, SubmissionStore, Verdict

if TYPE_CHECKING:
    from ecco_tui.services.serve_recording import ServeRecorder

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
    isolate writes ``exitsig`` only when the box's process died by a signal on its own (status SG, ids 7-10
    and 12); one it kills at a time limit (TO) has none, so a Time Limit Exceeded carries no ``exit_signal``.
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
    exit_signal = last.exit_signal if status in SIGNAL_STATUSES else None
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


#: Statuses isolate reaches through ``SG`` (the box's process died by a signal), the only ones with exitsig.
SIGNAL_STATUSES = frozenset({Status.RUNTIME_ERROR_SIGSEGV, Status.RUNTIME_ERROR_SIGXFSZ, Status.RUNTIME_ERROR_SIGFPE,
                             Status.RUNTIME_ERROR_SIGABRT, Status.RUNTIME_ERROR_OTHER})


def judge0_output_rule(result: TestResult) -> TestResult:
    """Judge0's comparison where it differs from a plain one: a run that printed nothing fails any expected output.

    isolate_job.rb stores an empty stdout as nil and compares ``strip(expected_output) == strip(stdout)``,
    where ``strip(nil)`` is nil: no string, not even "" or "\\n", equals it. So an Accepted run with an empty
    stdout is a Wrong Answer whenever an expected output was given (none given: Accepted, as before).
    """
    if result.status_id == Status.ACCEPTED and result.test.expected_output is not None and result.stdout == "":
        return dataclasses.replace(result, status_id=int(Status.WRONG_ANSWER),
                                   status_description=Status.WRONG_ANSWER.description)
    return result


def internal_error(message: str) -> Verdict:
    return Verdict(status_id=int(Status.INTERNAL_ERROR), message=message)


class SubmissionRunner:
    """The worker pool and the synchronous path, over one engine and one store."""

    def __init__(
        self,
        engine: Engine,
        store: SubmissionStore,
        workers: int,
        *,
        recorder: ServeRecorder | None = None,
        info: EngineInfo | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        if recorder is not None and info is None:
            raise ValueError("a recorder needs the engine's info (its identity is part of every cache key)")
        self.engine = engine
        self.store = store
        self.workers = workers
        self.recorder = recorder
        self.info = info
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
        wanted = submission.number_of_runs
        runs: list[TestResult] = []
        fresh: list[TestResult] = []
        try:
            runs = [judge0_output_rule(r) for r in await self._stored_runs(submission.source_code, test, limits,
                                                                             wanted)]
            while len(runs) < wanted and (not runs or runs[-1].status_id == Status.ACCEPTED):
                result = judge0_output_rule(await self._run_once(submission.source_code, test, limits))
                result = dataclasses.replace(result, repeat_index=len(runs))
                runs.append(result)
                fresh.append(result)
            verdict = combine_runs(runs)
        except asyncio.CancelledError:
            self.store.finish(record, internal_error("ecco serve stopped before this submission finished"))
            raise
        except EngineError as exc:
            verdict = internal_error(f"engine error: {exc}")
        except Exception as exc:  # a bug must cost one submission, not a worker
            log.exception("submission %s failed inside ecco serve", record.token)
            verdict = internal_error(f"ecco serve error: {type(exc).__name__}: {exc}")
        written = self._record(submission.source_code, fresh, limits, record.token)
        self.store.finish(record, verdict)
        if written is not None:
            try:
                await written
            except Exception:
                log.warning("submission %s: its runs could not be stored", record.token, exc_info=True)

    async def _stored_runs(self, program: str, test: TestCase, limits: Limits, wanted: int) -> list[TestResult]:
        """The runs the recorder's store already has (none without a recorder, or when the lookup fails)."""
        if self.recorder is None or self.info is None:
            return []
        try:
            return await self.recorder.lookup(program, test, self.info, limits, wanted)
        except Exception:
            log.warning("the store lookup failed; running the submission", exc_info=True)
            return []

    def _record(self, program: str, fresh: list[TestResult], limits: Limits, token: str) -> asyncio.Future[int] | None:
        """Queue the new runs for the store (before the submission is finished, so a resubmission finds them)."""
        if self.recorder is None or self.info is None or not fresh:
            return None
        try:
            return self.recorder.record(program, fresh, self.info, limits, token)
        except Exception:
            log.warning("submission %s: its runs could not be queued for the store", token, exc_info=True)
            return None

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
