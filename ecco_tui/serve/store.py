"""The in-memory submission store of ``ecco serve``: bounded while pending, evicted once finished.

Judge0 keeps every submission in Postgres forever; a workbench server must not grow without bound, so:

* at most ``max_pending`` submissions are unfinished (In Queue or Processing) at once: the admission check
  behind Judge0's 503 ``queue is full``. Unlike Judge0 (whose check counts only the Resque queue) the ones
  being processed count too, so the bound is on everything the server holds unfinished;
* finished submissions are evicted oldest-first once older than ``finished_ttl_s``, or when there are more
  than ``max_finished`` of them, or when their texts together exceed ``max_store_bytes``. An evicted token
  then answers 404 (null inside a batch GET), exactly as a token Judge0 never had;
* stdout and stderr are stored cut at ``max_output_bytes`` each (the verdict was reached on the full output).

Worst-case memory is therefore about ``max_pending × max request body + max_store_bytes``.
All methods run on the server's event loop; nothing here is thread-safe, nothing needs to be.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from ecco_tui.engines.base import Status
from ecco_tui.serve.models import Submission, iso_time, status_object

#: Bytes counted per stored record on top of its texts (dataclass, dict slots, token).
RECORD_OVERHEAD_BYTES = 1024


@dataclass(frozen=True, slots=True)
class Verdict:
    """What Judge0 stores after running a submission (isolate_job.rb's ``verify`` plus the averaging)."""

    status_id: int
    time: str | None = None
    wall_time: str | None = None
    memory: int | None = None
    stdout: str | None = None
    stderr: str | None = None
    exit_code: int | None = None
    exit_signal: int | None = None
    message: str | None = None
    compile_output: str | None = None


@dataclass(eq=False, slots=True)
class SubmissionRecord:
    """One submission: its request, its state and, once finished, its verdict."""

    token: str
    submission: Submission
    created_at: float = field(default_factory=time.time)
    status_id: int = int(Status.IN_QUEUE)
    finished_at: float | None = None
    verdict: Verdict | None = None
    finished_mono: float | None = None

    @property
    def finished(self) -> bool:
        return self.verdict is not None

    def size_bytes(self) -> int:
        size = RECORD_OVERHEAD_BYTES + self.submission.size_bytes()
        if self.verdict is not None:
            size += sum(len(t) for t in (self.verdict.stdout, self.verdict.stderr, self.verdict.message) if t)
        return size

    def values(self) -> dict[str, Any]:
        """The response-side attributes; request-side ones come from ``models.request_fields``."""
        v = self.verdict or Verdict(status_id=self.status_id)
        return {
            "token": self.token,
            "status": status_object(self.status_id),
            "status_id": self.status_id,
            "created_at": iso_time(self.created_at),
            "finished_at": iso_time(self.finished_at),
            "time": v.time,
            "wall_time": v.wall_time,
            "memory": v.memory,
            "stdout": v.stdout,
            "stderr": v.stderr,
            "exit_code": v.exit_code,
            "exit_signal": v.exit_signal,
            "message": v.message,
            "compile_output": v.compile_output,
        }


def cap_text(text: str | None, cap_bytes: int) -> str | None:
    """At most ``cap_bytes`` of UTF-8 (cut on a character boundary); empty output is null, as in Judge0."""
    if not text:
        return None
    raw = text.encode("utf-8")
    if len(raw) <= cap_bytes:
        return text
    return raw[:cap_bytes].decode("utf-8", errors="ignore")


class SubmissionStore:
    """Tokens → records, with the admission bound and the eviction policy described in the module docstring."""

    def __init__(
        self,
        *,
        max_pending: int,
        max_finished: int,
        finished_ttl_s: float,
        max_store_bytes: int,
        max_output_bytes: int,
    ) -> None:
        self.max_pending = max_pending
        self.max_finished = max_finished
        self.finished_ttl_s = finished_ttl_s
        self.max_store_bytes = max_store_bytes
        self.max_output_bytes = max_output_bytes
        self._records: dict[str, SubmissionRecord] = {}
        self._finished: OrderedDict[str, SubmissionRecord] = OrderedDict()
        self._finished_bytes = 0
        self.pending = 0
        self.evicted = 0

    # -- admission

    def has_room(self, count: int = 1) -> bool:
        """Judge0's check_queue_size: refuse when ``pending + count`` would pass the bound."""
        return self.pending + count <= self.max_pending

    def create(self, submission: Submission) -> SubmissionRecord:
        """Store a new In Queue submission under a fresh token; the caller checked ``has_room`` first."""
        token = str(uuid.uuid4())
        while token in self._records:  # as Judge0's generate_token
            token = str(uuid.uuid4())
        record = SubmissionRecord(token=token, submission=submission)
        self._records[token] = record
        self.pending += 1
        return record

    # -- lookup

    def get(self, token: str) -> SubmissionRecord | None:
        self.sweep()
        return self._records.get(token)

    def __len__(self) -> int:
        return len(self._records)

    @property
    def finished_bytes(self) -> int:
        return self._finished_bytes

    # -- completion and eviction

    def start(self, record: SubmissionRecord) -> None:
        if not record.finished:
            record.status_id = int(Status.PROCESSING)

    def finish(self, record: SubmissionRecord, verdict: Verdict) -> None:
        """Record the verdict (outputs capped), free the pending slot and evict what no longer fits."""
        if record.finished:
            return
        record.verdict = Verdict(
            status_id=verdict.status_id, time=verdict.time, wall_time=verdict.wall_time, memory=verdict.memory,
            stdout=cap_text(verdict.stdout, self.max_output_bytes),
            stderr=cap_text(verdict.stderr, self.max_output_bytes),
            exit_code=verdict.exit_code, exit_signal=verdict.exit_signal, message=verdict.message,
            compile_output=verdict.compile_output,
        )
        record.status_id = verdict.status_id
        record.finished_at = time.time()
        record.finished_mono = time.monotonic()
        self.pending -= 1
        if record.token in self._records:
            self._finished[record.token] = record
            self._finished_bytes += record.size_bytes()
        self.sweep()

    def sweep(self, now: float | None = None) -> None:
        """Evict finished records, oldest first, past the TTL, the count bound or the byte budget."""
        now = time.monotonic() if now is None else now
        while self._finished:
            token, oldest = next(iter(self._finished.items()))
            expired = oldest.finished_mono is not None and now - oldest.finished_mono > self.finished_ttl_s
            if not (expired or len(self._finished) > self.max_finished
                    or self._finished_bytes > self.max_store_bytes):
                return
            del self._finished[token]
            self._records.pop(token, None)
            self._finished_bytes -= oldest.size_bytes()
            self.evicted += 1
