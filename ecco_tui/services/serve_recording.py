"""``ecco serve --db``: record served submissions as executions, and answer repeats from the store.

Why: ECCO's scripts send the same slow input for every model and method, and a re-run of a script sends every
program again. With a store, ``ecco serve`` executes each (program, test, limits, run) once: a repeat is
answered from the content-addressed execution cache that ``ecco eval`` uses (issue 13), and new results land
in the store beside everything else, with their per-test status, CPU time, memory and output excerpts.

Identity of a served submission's run, as for any execution (see ``evaluation.execution_key``):

* the program: sha256 of its normalized text (line endings and trailing whitespace do not matter);
* the test: a submission has no problem, so every one is test 0 (public) of the pseudo-problem
  ``ecco-serve``, told apart by the hash of its stdin and expected output. No expected output at all is a
  different test from an empty one (``ecco-serve:no-expected-output``): Judge0 judges them differently;
* the engine's name and version (the interpreter included) and the limits (``Limits.key()``);
* the run: Judge0's ``number_of_runs`` runs are repeats 0..n-1, so a submission asking for 3 runs after one
  that asked for 1 executes only the 2 missing ones.

A stored run is reused only when it is complete in the store: never an Internal Error (a broken sandbox is not
a property of the program), never one whose stdout or stderr excerpt may have been cut (the store keeps
``EXCERPT_CHARS`` characters of each; a longer output is run again so the client gets all of it).

Every new run is stored with ``source`` "ecco serve" and ``context`` ``serve#<token>`` (the submission that
executed it). When the recorder closes, one ``eval_log`` row records how many runs were executed and how many
were answered from the store (``ecco stats`` shows the hit rate).

Store access happens on one thread of its own, in order, so the server's event loop never waits on DuckDB and a
lookup made after a write always sees it. DuckDB allows one writing process per file: the store stays open (and
locked) for as long as the recorder is, i.e. while ``ecco serve`` runs.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ecco_tui.engines.base import EngineInfo, Limits, Status, TestCase, TestResult, code_sha256
from ecco_tui.model import Execution
from ecco_tui.services.evaluation import EXCERPT_CHARS, to_execution
from ecco_tui.store.store import Store

__all__ = ["MODE", "SERVE_PROBLEM", "SOURCE", "UNJUDGED_PROBLEM", "RecordingStats", "ServeRecorder", "serve_test"]

SOURCE = "ecco serve"
SERVE_PROBLEM = "ecco-serve"
UNJUDGED_PROBLEM = "ecco-serve:no-expected-output"
MODE = "time"


def serve_test(stdin: str | None, expected_output: str | None) -> TestCase:
    """The test identity of a submission: its content only (see the module docstring)."""
    problem = SERVE_PROBLEM if expected_output is not None else UNJUDGED_PROBLEM
    return TestCase(problem, "public", 0, stdin or "", expected_output)


@dataclass(slots=True)
class RecordingStats:
    """Test runs executed (and stored) versus answered from the store, since the recorder opened."""

    executed: int = 0
    cached: int = 0
    write_errors: int = 0


def _complete(row: Execution) -> bool:
    """Whether a stored run can stand in for a new one (see the module docstring)."""
    if row.status_id == Status.INTERNAL_ERROR:
        return False
    return all(len(text or "") < EXCERPT_CHARS for text in (row.stdout_excerpt, row.stderr_excerpt))


def _to_result(row: Execution, test: TestCase) -> TestResult:
    return TestResult(
        test=test,
        status_id=row.status_id,
        status_description=row.status_description,
        cpu_time_s=row.cpu_time_s,
        wall_time_s=row.wall_time_s,
        memory_kb=None if row.memory_kb is None else int(row.memory_kb),
        stdout=row.stdout_excerpt or "",
        stderr=row.stderr_excerpt or "",
        exit_code=row.exit_code,
        exit_signal=row.exit_signal,
        message=row.message,
        repeat_index=row.repeat_idx,
        instructions=row.instructions,
    )


class ServeRecorder:
    """Looks runs up in, and writes runs to, one store on behalf of ``ecco serve``.

    The ``lookup``/``record`` coroutines run the store work on the recorder's own thread; their ``*_now``
    counterparts do it on the caller's thread (tests, scripts). ``close()`` waits for pending writes, logs the
    session in ``eval_log`` and closes the store.

    Args:
        store: an open, writable store; the recorder owns it from now on (``close()`` closes it).
        force: record every run but never answer from the store (``ecco serve --force``): a forced run gets a
            fresh execution id, so the earlier result stays and the newest wins, as with ``ecco eval --force``.
    """

    def __init__(self, store: Store, *, force: bool = False) -> None:
        self.store = store
        self.force = force
        self.stats = RecordingStats()
        self._info: EngineInfo | None = None
        self._opened = time.monotonic()
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="ecco-serve-store")
        self._closed = False

    @classmethod
    def open(cls, path: str | Path, *, force: bool = False) -> ServeRecorder:
        """Open (creating and migrating if needed) the store at ``path`` for writing.

        Raises ``StoreLockedError`` when another process holds it, ``StoreError`` when it is no store.
        """
        return cls(Store.open(Path(path)), force=force)

    @property
    def path(self) -> Path | None:
        return self.store.path

    # -- synchronous work (on the recorder's thread when called through the coroutines)

    def lookup_now(self, program: str, test: TestCase, info: EngineInfo, limits: Limits, runs: int) -> list[TestResult]:
        """The stored runs 0, 1, ... of ``program`` on ``test`` under exactly these conditions, at most ``runs``.

        Only the complete prefix counts, and it ends after the first run that is not Accepted (Judge0 stops
        there). The results carry the caller's ``test``. Empty with ``force``.
        """
        self._info = info
        if self.force or runs < 1:
            return []
        key = serve_test(test.input, test.expected_output)
        newest: dict[int, Execution] = {}
        for row in self.store.executions_for(code_sha256(program), key.problem_id, engine=info.name):
            if (row.engine_version, row.limits_key, row.mode, row.test_sha256, row.visibility, row.test_idx) == (
                    info.version, limits.key(), MODE, key.sha256, key.visibility, key.index):
                newest[row.repeat_idx] = row  # rows come oldest first: a forced re-run supersedes
        found: list[TestResult] = []
        for repeat in range(runs):
            stored = newest.get(repeat)
            if stored is None or not _complete(stored):
                break
            found.append(_to_result(stored, test))
            if stored.status_id != Status.ACCEPTED:
                break
        self.stats.cached += len(found)
        return found

    def record_now(
        self, program: str, results: Sequence[TestResult], info: EngineInfo, limits: Limits, token: str
    ) -> int:
        """Store new runs of one submission (one transaction); returns how many were stored.

        Internal Errors are counted as executed but not stored: they say nothing about the program.
        """
        self._info = info
        self.stats.executed += len(results)
        sha = code_sha256(program)
        rows = [
            dataclasses.replace(
                to_execution(dataclasses.replace(r, test=serve_test(r.test.input, r.test.expected_output)), sha,
                             info, limits, MODE, force=self.force, source=SOURCE),
                context=f"serve#{token}",
            )
            for r in results
            if r.status_id != Status.INTERNAL_ERROR
        ]
        try:
            self.store.add_executions(rows)
        except Exception:
            self.stats.write_errors += 1
            raise
        return len(rows)

    # -- asynchronous front (the server's event loop never blocks on the store)

    async def lookup(
        self, program: str, test: TestCase, info: EngineInfo, limits: Limits, runs: int
    ) -> list[TestResult]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.lookup_now, program, test, info, limits, runs)

    def record(
        self, program: str, results: Sequence[TestResult], info: EngineInfo, limits: Limits, token: str
    ) -> asyncio.Future[int]:
        """Queue the write at once (later lookups see it) and return a future for its outcome."""
        loop = asyncio.get_running_loop()
        return loop.run_in_executor(self._pool, self.record_now, program, list(results), info, limits, token)

    # -- lifecycle

    def close(self) -> None:
        """Wait for queued writes, log this session in ``eval_log`` (if it did anything), close the store."""
        if self._closed:
            return
        self._closed = True
        self._pool.shutdown(wait=True)
        try:
            info = self._info
            if info is not None and (self.stats.executed or self.stats.cached):
                self.store.log_evaluation(run_id=None, engine=info.name, engine_version=info.version,
                                          executed=self.stats.executed, cached=self.stats.cached,
                                          seconds=time.monotonic() - self._opened)
        finally:
            self.store.close()

    def __enter__(self) -> ServeRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
