"""The store: one DuckDB file, opened and migrated here, queried only through this object.

The file is held only while a unit of work runs (`Store.session`), so the app, `ecco eval` and other commands
can share it; a unit that finds it busy waits and retries. Every method opens its own cursor, so the app's
thread workers can call it concurrently; writes that must land together go through `transaction()`, which
either commits all of them or none.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb
import pyarrow as pa
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_delay, wait_random_exponential

from ecco_tui.metrics.outcome import LABEL_AGREEMENT
from ecco_tui.model import (
    Annotation,
    Execution,
    Measured,
    ModelOutput,
    Pair,
    PairRow,
    Problem,
    ProblemSummary,
    Program,
    Run,
    Spectrum,
    StoreCounts,
    StoredTest,
    StoredVerdict,
    TrainingOutputRow,
    TrainingPairRow,
    Trajectory,
    TrajectoryProgramRow,
    TrajectoryStep,
    VerdictStamp,
)
from ecco_tui.store import migrations
from ecco_tui.store.rows import column_names, columns, fetch_all, fetch_one, insert_sql, select_list, values

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

TABLES = (
    "problems",
    "programs",
    "pairs",
    "test_cases",
    "spectra",
    "trajectories",
    "trajectory_steps",
    "runs",
    "model_outputs",
    "executions",
    "annotations",
    "imports",
    "imported_results",
    "eval_log",
)

# Primary keys of every table an importer writes, for upserts.
KEYS: dict[str, tuple[str, ...]] = {
    "problems": ("problem_id",),
    "programs": ("program_id",),
    "pairs": ("pair_id",),
    "test_cases": ("problem_id", "visibility", "idx"),
    "spectra": ("problem_id",),
    "trajectories": ("trajectory_id",),
    "trajectory_steps": ("trajectory_id", "step"),
    "runs": ("run_id",),
    "model_outputs": ("output_id",),
    "executions": ("execution_id",),
    "annotations": ("annotation_id",),
    "output_verdicts": ("output_id",),
    "imports": ("import_id",),
    "imported_results": ("result_file", "row_idx"),
    "eval_log": ("eval_id",),
}

PROBLEM_SORTS = {
    "id": "problem_id",
    "pairs": "n_pairs DESC, problem_id",
    "outputs": "n_outputs DESC, problem_id",
    "programs": "n_programs DESC, problem_id",
    # Verdict aggregates: problems without judged outputs go last whichever way the order runs.
    "pass1": "pass_at_1 DESC NULLS LAST, n_judged DESC, problem_id",
    "speedup": "mean_speedup DESC NULLS LAST, problem_id",
    "memory": "mean_memory_reduction DESC NULLS LAST, problem_id",
}

#: Arrow type of a record field's annotation (models.py keeps annotations as text), for bulk writes.
_ARROW_TYPES: dict[str, pa.DataType] = {
    "str": pa.string(), "str | None": pa.string(), "bool": pa.bool_(), "int": pa.int32(), "float | None": pa.float64(),
}


def arrow_schema(record: type[DataclassInstance], *, text: Sequence[str] = ()) -> pa.Schema:
    """The Arrow schema of a record's columns (typed from its fields), then the extra `text` columns."""
    return pa.schema([(f.name, _ARROW_TYPES[str(f.type)]) for f in fields(record)] + [(c, pa.string()) for c in text])


#: `model_outputs` as the importers and the round loop write it: the columns the store reads back (ModelOutput's
#: fields), then the prompt that asked for feedback and how the row was made (JSON), which only the loop writes.
MODEL_OUTPUTS_SCHEMA = arrow_schema(ModelOutput, text=("feedback_prompt", "generation"))
#: `pairs` as the importers write it: PairRow's columns and the release's other columns (JSON).
PAIRS_SCHEMA = arrow_schema(PairRow, text=("extra",))
_VERDICTS_SCHEMA = arrow_schema(StoredVerdict)

#: Outcome filters of the browser: the cached verdicts (alias v) they keep. `no-gain` includes
#: `within-noise` (a passing output whose speedup the measurements cannot tell from 1).
OUTCOME_FILTERS = {
    "correct": "v.outcome = 'correct-optimization'",
    "spurious": "v.outcome = 'spurious-optimization'",
    "no-gain": "v.outcome IN ('correct-no-gain', 'within-noise')",
    "broken": "v.outcome = 'broken'",
    "passes": "v.outcome = 'passes'",
    "fails": "v.outcome = 'fails'",
}

#: Keeps each (row, sample) chain's last round of a run's `model_outputs` (after its WHERE).
_FINAL_ROUND = "QUALIFY round = max(round) OVER (PARTITION BY row_idx, sample_idx) "
#: The code hashes of the programs of `outs` (rows with program_id and pair_id) and of their pairs' inputs, as
#: the judging module collects them (a pair counts when both its programs are stored), by id: no code is read.
_RUN_SHAS = (
    "SELECT pr.code_sha256 AS sha FROM outs JOIN programs pr ON pr.program_id = outs.program_id "
    "UNION SELECT s.code_sha256 FROM outs JOIN pairs pa ON pa.pair_id = outs.pair_id "
    "JOIN programs s ON s.program_id = pa.slow_program_id JOIN programs f ON f.program_id = pa.fast_program_id"
)

#: The common part of `Store.report_basis` queries ($run, $engine, $visibility): a run's
#: final-round outputs (`outs`), each row's input (the first sample's pair, as the judging module takes it),
#: the newest execution per (program, problem, test, repeat) of one engine (`latest`), each row's input state
#: (row-bound executions of an imported result file first, else the content-addressed ones) and the rows an
#: imported result file scored.
_REPORT_CTE = """
WITH outs AS (
    SELECT o.output_id, o.row_idx, o.sample_idx, o.problem_id, o.pair_id, pr.code_sha256 AS sha
    FROM model_outputs o LEFT JOIN programs pr ON pr.program_id = o.program_id
    WHERE o.run_id = $run QUALIFY o.round = max(o.round) OVER (PARTITION BY o.row_idx, o.sample_idx)
),
pair_inputs AS (
    SELECT pa.pair_id, pa.problem_id, s.code_sha256 AS sha FROM pairs pa
    JOIN programs s ON s.program_id = pa.slow_program_id
    JOIN programs f ON f.program_id = pa.fast_program_id
    WHERE pa.pair_id IN (SELECT pair_id FROM outs)
),
inputs AS (
    SELECT r.row_idx, pi.problem_id, pi.sha FROM (
        SELECT row_idx, first(pair_id ORDER BY sample_idx) AS pair_id FROM outs GROUP BY row_idx
    ) r JOIN pair_inputs pi ON pi.pair_id = r.pair_id
),
shas AS (SELECT sha FROM outs WHERE sha IS NOT NULL UNION SELECT sha FROM pair_inputs),
measured AS (
    SELECT code_sha256, problem_id, context, test_idx, repeat_idx, status_id, cpu_time_s, memory_kb,
           engine_version, instructions, created_at, execution_id FROM executions
    WHERE code_sha256 IN (SELECT sha FROM shas) AND engine = $engine AND visibility = $visibility
),
latest AS (
    SELECT * FROM measured {newest}
),
input_runs AS (
    SELECT i.row_idx, l.context IS NOT NULL AS bound, l.status_id FROM inputs i
    JOIN latest l ON l.code_sha256 = i.sha AND l.problem_id = i.problem_id
    AND (l.context IS NULL OR l.context = $run || '#' || CAST(i.row_idx AS VARCHAR) || '#input')
),
input_flags AS (
    SELECT row_idx, bool_and(status_id = 3) AS passed_all FROM (
        SELECT *, bool_or(bound) OVER (PARTITION BY row_idx) AS use_bound FROM input_runs
    ) WHERE bound = use_bound GROUP BY row_idx
),
imported AS (
    SELECT DISTINCT TRY_CAST(split_part(context, '#', 2) AS INTEGER) AS row_idx FROM latest
    WHERE starts_with(context, $run || '#')
)"""

#: The newest execution per (program, problem, test, repeat, row binding) among `measured` (one engine, one
#: visibility): what a forced re-run leaves as the measurement. Not needed when no such key has two.
_NEWEST = ("QUALIFY row_number() OVER (PARTITION BY code_sha256, problem_id, test_idx, repeat_idx, context "
           "ORDER BY created_at DESC, execution_id) = 1")
#: How `measured` is shaped: (how many executions share a key with another, whether a test has a repeat beyond
#: the first, the engine versions, whether any counted instructions). A hash collision can only report
#: duplicates that are not there (then `_NEWEST` runs for nothing), never hide one.
_MEASURED_SHAPE = ("SELECT count(*) - count(DISTINCT hash(code_sha256, problem_id, test_idx, repeat_idx, context)), "
                   "coalesce(bool_or(repeat_idx > 0), false), list(DISTINCT engine_version ORDER BY engine_version), "
                   "coalesce(bool_or(instructions IS NOT NULL), false) FROM measured")

#: After `_REPORT_CTE`: what ECCO's rules read of each row whose input ran (`Store.report_basis`). Each side
#: (the row's input, its one final-round sample) keeps its row-bound executions when it has any, else the
#: content-addressed ones; `tests` reduces repeats per test as `metrics.types.median_per_test` does (passed
#: when every repeat passed, the smallest failing status, the median of the completed repeats' values: the mean
#: of the middle two for an even count), or takes the one run of each test as it is (`_ECCO_ONE_RUN`).
_ECCO_SIDES = """,
sides AS (
    SELECT row_idx, 'input' AS role, sha, problem_id FROM inputs
    UNION ALL SELECT row_idx, 'output', sha, problem_id FROM outs WHERE sha IS NOT NULL
),
side_runs AS (
    SELECT s.row_idx, s.role, l.context IS NOT NULL AS bound, $visibility || ':' || CAST(l.test_idx AS VARCHAR)
           AS test_id, l.status_id, CASE WHEN l.status_id IN (3, 4) THEN l.cpu_time_s END AS cpu,
           CASE WHEN l.status_id IN (3, 4) THEN l.memory_kb END AS mem
    FROM sides s JOIN latest l ON l.code_sha256 = s.sha AND l.problem_id = s.problem_id
    AND (l.context IS NULL OR l.context = $run || '#' || CAST(s.row_idx AS VARCHAR) || '#' || s.role)
),
chosen AS (
    SELECT * FROM (SELECT *, bool_or(bound) OVER (PARTITION BY row_idx, role) AS use_bound FROM side_runs)
    WHERE bound = use_bound
),"""
_ECCO_REPEATS = """
grouped AS (
    SELECT row_idx, role, test_id, bool_and(status_id = 3) AS passed,
           coalesce(min(status_id) FILTER (WHERE status_id <> 3), 3) AS status,
           list_sort(list(cpu) FILTER (WHERE cpu IS NOT NULL)) AS cpus,
           list_sort(list(mem) FILTER (WHERE mem IS NOT NULL)) AS mems
    FROM chosen GROUP BY ALL
),
tests AS (
    SELECT row_idx, role, test_id, passed, status,
           CASE WHEN len(cpus) = 0 THEN NULL WHEN len(cpus) % 2 = 1 THEN cpus[len(cpus) // 2 + 1]
                ELSE (cpus[len(cpus) // 2] + cpus[len(cpus) // 2 + 1]) / 2 END AS cpu,
           CASE WHEN len(mems) = 0 THEN NULL WHEN len(mems) % 2 = 1 THEN mems[len(mems) // 2 + 1]
                ELSE (mems[len(mems) // 2] + mems[len(mems) // 2 + 1]) / 2 END AS mem
    FROM grouped
),"""
_ECCO_ONE_RUN = """
tests AS (SELECT row_idx, role, test_id, status_id = 3 AS passed, status_id AS status, cpu, mem FROM chosen),"""
#: One line per (row whose input ran, test its sample passed), in row then test-id text order (ECCO's): the
#: row's input counts, and the input's and the sample's values on that test (a row whose sample passed none
#: has one line with NULL values and no test).
_ECCO_ROWS = """
input_counts AS (
    SELECT row_idx, count(*) AS n_tests, count(*) FILTER (WHERE passed) AS n_passed,
           bool_or(status NOT IN (3, 4)) AS crashed
    FROM tests WHERE role = 'input' GROUP BY row_idx
),
passed_values AS (
    SELECT o.row_idx, o.test_id, i.cpu AS in_cpu, o.cpu AS out_cpu, i.mem AS in_mem, o.mem AS out_mem
    FROM tests o LEFT JOIN tests i ON i.row_idx = o.row_idx AND i.role = 'input' AND i.test_id = o.test_id
    WHERE o.role = 'output' AND o.passed
)
SELECT c.row_idx, c.n_tests, c.n_passed, c.crashed, v.test_id IS NOT NULL AS counted, v.in_cpu, v.out_cpu,
       v.in_mem, v.out_mem
FROM input_counts c LEFT JOIN passed_values v ON v.row_idx = c.row_idx ORDER BY c.row_idx, v.test_id"""


@dataclass(frozen=True, slots=True)
class LineProfile:
    """One program's per-line hit counts on one test. Lines are those of the normalized program text
    (`model.normalize_code`), 1-based; `shifted` renumbers them for a stored text."""

    code_sha256: str
    problem_id: str
    visibility: str
    test_idx: int
    test_sha256: str
    engine: str
    engine_version: str
    tracer: str
    status_id: int
    status_description: str
    #: line -> line events; None when the run ended before reporting (services.profiling).
    hits: Mapping[int, int] | None
    total: int | None

    @property
    def test_id(self) -> str:
        return f"{self.visibility}:{self.test_idx}"

    def shifted(self, offset: int) -> dict[int, int]:
        """The counts numbered as in a text with `offset` more lines on top (`leading_blank_lines`)."""
        return {line + offset: n for line, n in (self.hits or {}).items()}



@dataclass(frozen=True, slots=True)
class RunEngines:
    """Which engines measured a run's programs (`Store.run_engines`): {engine: executions}, most first."""

    all_rounds: dict[str, int]
    final_round: dict[str, int]
    #: Outputs with code but no stored program: SQL cannot say which executions are theirs.
    unhashed: int


@dataclass(frozen=True, slots=True)
class EccoBasisRow:
    """One row ECCO evaluates (its input ran), as `Store.report_basis` reads it."""

    row_idx: int
    input_tests: int
    input_passed: int
    input_crashed: bool
    #: The input's and the sample's times and memories on each test the sample passed (None: it passed none).
    in_times: list[float | None] | None
    out_times: list[float | None] | None
    in_memories: list[float | None] | None
    out_memories: list[float | None] | None


@dataclass(frozen=True, slots=True)
class ReportBasis:
    """A run's report line as SQL gives it (`Store.report_basis`): final-round outputs with their cached
    verdicts, and per row the input's state, without loading a per-test value."""

    #: Engine versions of the executions the line is computed from (its sandbox and accounting).
    engine_versions: tuple[str, ...]
    #: Whether any of those executions counted instructions (the line then has instruction-count columns).
    has_instructions: bool
    #: row → (its input ran, its input passed every test, an imported result file bound executions to it).
    rows: dict[int, tuple[bool, bool, bool]]
    #: (row, cached verdict or None when the output never ran), in row then sample order.
    outputs: list[tuple[int, StoredVerdict | None]]
    #: What ECCO's rules read of each row whose input ran, when asked for and every row has one sample.
    ecco: list[EccoBasisRow] | None = None


#: The long texts of a model output, which only the screens that show them (and refinement) read.
_OUTPUT_TEXTS = ("raw_response", "prompt", "feedback", "exec_feedback", "reflection")

#: An author's live label per output: the newest one not retracted (as `current_annotations`).
_LIVE_LABELS = (
    "(SELECT target_id, label FROM annotations WHERE target_kind = 'output' AND author = ? AND NOT retracted "
    "QUALIFY row_number() OVER (PARTITION BY target_id ORDER BY created_at DESC, annotation_id DESC) = 1)"
)


def _disagreement_sql() -> str:
    cases = " OR ".join(
        f"(l.label = '{label}' AND v.outcome NOT IN ({', '.join(repr(o) for o in agree)}))"
        for label, agree in LABEL_AGREEMENT.items()
    )
    return f"v.outcome <> 'not-run' AND ({cases})"


class StoreError(Exception):
    """The store file cannot be opened or written as asked."""


class StoreLockedError(StoreError):
    """Another process held the file for longer than this one was willing to wait."""


class _Busy(Exception):
    """One attempt to open the file failed because another connection holds it (retried)."""


#: How long a unit of work waits for a file another process holds, unless $ECCO_STORE_WAIT says otherwise.
BUSY_TIMEOUT_S = 60.0
#: Pauses between attempts: random, growing from about this to BUSY_MAX_WAIT_S (a failed attempt costs ~5 ms).
BUSY_FIRST_WAIT_S = 0.02
BUSY_MAX_WAIT_S = 0.25
#: How long an idle connection stays open: a burst of queries shares one open (~25 ms on a 50k-pair store),
#: and other processes wait at most this long after the last query.
LINGER_S = 0.2

BusyCallback = Callable[[str], None]


def busy_timeout() -> float:
    """Seconds to wait for a busy store: $ECCO_STORE_WAIT, else BUSY_TIMEOUT_S."""
    text = os.environ.get("ECCO_STORE_WAIT")
    if not text:
        return BUSY_TIMEOUT_S
    try:
        value = float(text)
    except ValueError:
        raise StoreError(f"ECCO_STORE_WAIT: {text!r} is not a number of seconds") from None
    if not (value >= 0 and math.isfinite(value)):
        raise StoreError(f"ECCO_STORE_WAIT: {text!r} is not a number of seconds")
    return value


def _print_busy(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _connect_once(target: str, read_only: bool) -> duckdb.DuckDBPyConnection:
    """One attempt; `_Busy` when another connection holds the file (another process, or one of this process
    opened with the other read-only setting, which DuckDB also refuses until it closes)."""
    try:
        return duckdb.connect(target, read_only=read_only)
    except duckdb.ConnectionException as exc:
        if "different configuration" in str(exc):
            raise _Busy(str(exc).splitlines()[0]) from exc
        raise StoreError(f"{target}: cannot open store: {str(exc).splitlines()[0]}") from exc
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            raise _Busy(text.splitlines()[0]) from exc
        raise StoreError(f"{target}: cannot open store: {text.splitlines()[0]}") from exc
    except duckdb.Error as exc:
        raise StoreError(f"{target}: not a DuckDB store file ({str(exc).splitlines()[0]})") from exc


_F = TypeVar("_F", bound=Callable[..., Any])


def _unit(method: _F) -> _F:
    """Run a Store method as one unit of work (or inside the caller's)."""

    @functools.wraps(method)
    def in_session(self: Store, *args: Any, **kwargs: Any) -> Any:
        with self.session():
            return method(self, *args, **kwargs)

    return in_session  # type: ignore[return-value]


def _scalars(cursor: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """The one row of an aggregate query (count, sum: it always has one)."""
    row = cursor.fetchone()
    if row is None:  # pragma: no cover - an aggregate without GROUP BY always returns a row
        raise StoreError("an aggregate query returned no row")
    return row


def _ecco_rows(data: dict[str, Any]) -> list[EccoBasisRow]:
    """`EccoBasisRow`s from `_ECCO_ROWS`'s columns (numpy arrays, masked where NULL): one per row, its lines'
    values as lists (None for a NULL value; no list when the sample passed no test)."""
    import numpy as np

    row_idx = np.asarray(data["row_idx"])
    if not len(row_idx):
        return []
    starts = np.flatnonzero(np.concatenate(([True], row_idx[1:] != row_idx[:-1])))
    bounds = list(zip(starts.tolist(), [*starts[1:].tolist(), len(row_idx)], strict=True))
    head = [np.asarray(data[k])[starts].tolist() for k in ("row_idx", "n_tests", "n_passed", "crashed", "counted")]
    columns = []
    for name in ("in_cpu", "out_cpu", "in_mem", "out_mem"):
        # tolist() of a masked array is slow: the values as they are, and None put back only in rows with a NULL.
        mask = np.ma.getmaskarray(data[name])
        nulls = np.logical_or.reduceat(mask, starts).tolist() if mask.any() else None
        columns.append((np.ma.getdata(data[name]).tolist(), mask, nulls))
    found = []
    for i, (start, end) in enumerate(bounds):
        lists: list[list[float | None] | None] = []
        for column, mask, nulls in columns:
            if not head[4][i]:
                lists.append(None)
            elif nulls is not None and nulls[i]:
                lists.append([None if m else v for v, m in zip(column[start:end], mask[start:end].tolist(),
                                                               strict=True)])
            else:
                lists.append(column[start:end])
        found.append(EccoBasisRow(int(head[0][i]), int(head[1][i]), int(head[2][i]), bool(head[3][i]), *lists))
    return found


class Writer:
    """Bulk writes inside one open transaction."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection) -> None:
        self._cur = cursor

    def upsert(self, table: str, rows: pa.Table, *, keep_existing: Sequence[str] = ()) -> int:
        """Insert or update rows by the table's key; `keep_existing` columns keep a stored non-NULL value
        when the new one is NULL (a problem seen in the edit config must not lose the statement that the
        generate config gave it)."""
        if rows.num_rows == 0:
            return 0
        keys = KEYS[table]
        stage = f"_stage_{uuid.uuid4().hex[:8]}"
        self._cur.register(stage, rows)
        try:
            cols = rows.column_names
            col_list = ", ".join(cols)
            key_list = ", ".join(keys)
            updates = []
            for col in cols:
                if col in keys:
                    continue
                if col in keep_existing:
                    updates.append(f"{col} = COALESCE(EXCLUDED.{col}, {table}.{col})")
                else:
                    updates.append(f"{col} = EXCLUDED.{col}")
            conflict = f"DO UPDATE SET {', '.join(updates)}" if updates else "DO NOTHING"
            self._cur.execute(
                f"INSERT INTO {table} ({col_list}) "
                f"SELECT DISTINCT ON ({key_list}) {col_list} FROM {stage} "
                f"ON CONFLICT ({key_list}) {conflict}"
            )
        finally:
            self._cur.unregister(stage)
        return int(rows.num_rows)

    def insert(self, table: str, rows: pa.Table) -> int:
        """Append rows whose keys are new (the caller deleted the ones it replaces in this transaction): no
        conflict check, about half the cost of `upsert` for tens of thousands of rows. A key that does exist
        fails the statement, and with it the transaction."""
        if rows.num_rows == 0:
            return 0
        stage = f"_stage_{uuid.uuid4().hex[:8]}"
        self._cur.register(stage, rows)
        try:
            col_list = ", ".join(rows.column_names)
            self._cur.execute(f"INSERT INTO {table} ({col_list}) SELECT {col_list} FROM {stage}")
        finally:
            self._cur.unregister(stage)
        return int(rows.num_rows)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        self._cur.execute(sql, params or [])


class Store:
    """One DuckDB store file, opened per unit of work so other processes can use it in between.

    DuckDB lets one process at a time hold a file read-write (and no reader may open it meanwhile), so a store
    held for a whole app or command session locks everyone else out. A `Store` therefore keeps only the path:
    `session()` opens a connection when the first unit of work starts (waiting, with a message, while another
    process holds the file) and closes it when the last one ends, after `linger_s` of idleness so that a burst
    of queries (a key held down, a loop over programs) pays for one open, not one per query. Every query method
    is its own unit unless the caller groups several in `session()`. An in-memory store (tests) keeps its one
    connection for its whole life: closing it would lose the data.

    Open with `Store.open(path)` (which also migrates); `close()` releases the file at once.
    """

    def __init__(
        self,
        path: Path | None,
        read_only: bool,
        *,
        con: duckdb.DuckDBPyConnection | None = None,
        on_busy: BusyCallback | None = None,
        busy_timeout_s: float | None = None,
        linger_s: float = LINGER_S,
    ) -> None:
        self.path = path
        self.read_only = read_only
        #: Told once per wait that another process holds the file (default: a line on stderr).
        self.on_busy: BusyCallback = on_busy or _print_busy
        self.busy_timeout_s = busy_timeout() if busy_timeout_s is None else busy_timeout_s
        self.linger_s = linger_s
        #: Connections opened so far: tests and benchmarks count reopenings with it.
        self.opens = 0
        self._con = con
        self._pinned = con is not None  # in-memory: the data lives in this connection only
        self._closed = False
        self._release_now = False
        # Change tracking without opening the file: commits made here, and changes by others, noticed when
        # the file's stat differs from what it was when this store last let go of it (nobody else can write
        # while this store holds it).
        self._own_commits = 0
        self._foreign_changes = 0
        self._settled: tuple[int, ...] | None = None  # file_signature() right after the last release
        self._users = 0  # units of work in progress, over all threads
        self._idle_since = 0.0
        self._reaper: threading.Timer | None = None
        self._state = threading.Lock()  # guards the fields above; never held while a unit runs
        self._write_lock = threading.Lock()

    # -- lifecycle ---------------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: str | Path | None,
        *,
        read_only: bool = False,
        on_busy: BusyCallback | None = None,
        busy_timeout_s: float | None = None,
        linger_s: float = LINGER_S,
    ) -> Store:
        """Open (creating if needed) and migrate a store; `None` gives an in-memory store for tests.

        The file is opened once here to check or migrate its schema, then released: later queries reopen it.
        While another process holds it, this waits (see `session`) up to `busy_timeout_s` (default 60 s,
        `$ECCO_STORE_WAIT`)."""
        options: dict[str, Any] = {"on_busy": on_busy, "busy_timeout_s": busy_timeout_s, "linger_s": linger_s}
        if path is None:
            store = cls(None, read_only, con=duckdb.connect(":memory:"), **options)
            migrations.migrate(store._con, ":memory:")  # type: ignore[arg-type]
            return store
        target = Path(path).expanduser()
        if not read_only:
            target.parent.mkdir(parents=True, exist_ok=True)
        elif not target.exists():
            raise StoreError(f"{target}: no such store file")
        store = cls(target, read_only, **options)
        outdated = False
        with store.session():
            con = store._con
            assert con is not None
            if read_only:
                have, newest = migrations.current_version(con), migrations.latest_version()
                if have > newest:
                    raise migrations.SchemaError(
                        f"{target}: written by a newer ecco-tui (schema {have}, this version knows up to "
                        f"{newest}); upgrade ecco-tui to open it"
                    )
                outdated = have < newest
            else:
                migrations.migrate(con, str(target))
        if outdated:
            # An older store: bring it up to date once (needs the writer lock), then read as asked.
            store.close()
            cls.open(target, **options).close()
            return cls.open(target, read_only=True, **options)
        return store

    def close(self) -> None:
        """Release the file now (a unit still running releases it when it ends). A file store can still be
        used afterwards (it reopens); an in-memory one is gone."""
        with self._state:
            self._cancel_reaper()
            if self._pinned:
                self._closed = True
                if self._con is not None:
                    self._con.close()
                    self._con = None
            elif self._users == 0:
                self._disconnect()
            else:
                self._release_now = True  # the last running unit lets go as it ends, without lingering

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def holds_file(self) -> bool:
        """Whether this store has the file open right now (idle stores do not, after `linger_s`)."""
        return self._con is not None and not self._pinned

    @contextmanager
    def session(self) -> Iterator[None]:
        """One unit of work: the queries inside share one connection, opened on entry (or reused while another
        unit of this store runs or lingers) and released on exit once no other unit needs it.

        Entering waits while another process holds the file: `on_busy` is told once, attempts are retried with
        a growing random pause (tenacity), and after `busy_timeout_s` it raises `StoreLockedError` naming the
        file. Units nest and may run in several threads at once (each query gets its own cursor)."""
        with self._state:
            if self._closed:
                raise StoreError("the in-memory store was closed")
            if self._con is None:
                self._notice_foreign_changes()
                self._con = self._connect()
            self._users += 1
        try:
            yield
        finally:
            with self._state:
                self._users -= 1
                if self._users == 0 and not self._pinned:
                    if self.linger_s <= 0 or self._release_now:
                        self._release_now = False
                        self._disconnect()
                    else:
                        self._idle_since = time.monotonic()
                        self._schedule_reaper(self.linger_s)

    def _connect(self) -> duckdb.DuckDBPyConnection:
        assert self.path is not None
        target = str(self.path)
        told = False

        def tell(_state: RetryCallState) -> None:
            nonlocal told
            if not told:
                told = True
                self.on_busy(f"store busy, retrying… ({target} is in use by another ecco process; waiting up to "
                             f"{self.busy_timeout_s:g} s)")

        retrying = Retrying(
            retry=retry_if_exception_type(_Busy),
            wait=wait_random_exponential(multiplier=BUSY_FIRST_WAIT_S, max=BUSY_MAX_WAIT_S),
            stop=stop_after_delay(self.busy_timeout_s),
            before_sleep=tell,
            reraise=True,
        )
        try:
            con = retrying(_connect_once, target, self.read_only)
        except _Busy as exc:
            holder = re.search(r"PID \d+", str(exc))
            raise StoreLockedError(
                f"{target}: in use by another ecco process{f' ({holder.group()})' if holder else ''} for "
                f"{self.busy_timeout_s:g} s (DuckDB allows one writer); try again when it is done"
            ) from exc
        self.opens += 1
        return con

    def _disconnect(self) -> None:
        if self._con is not None and not self._pinned:
            con, self._con = self._con, None
            con.close()  # checkpoints what this store wrote into the file
            self._settled = self.file_signature()

    def _notice_foreign_changes(self) -> None:
        """Count a change by someone else if the file moved since this store let go of it (state lock held,
        file not held)."""
        now = self.file_signature()
        if self._settled is not None and now != self._settled:
            self._foreign_changes += 1
        self._settled = now

    def changes(self) -> tuple[int, int]:
        """(commits made through this store, changes by other processes noticed so far). Both only grow; the
        second is checked with a `stat` of the file, never by opening it, so an idle app can ask every few
        seconds without getting in anyone's way."""
        with self._state:
            if self._con is None and self.path is not None:
                self._notice_foreign_changes()
            return self._own_commits, self._foreign_changes

    def _schedule_reaper(self, delay: float) -> None:
        if self._reaper is None:
            self._reaper = threading.Timer(delay, self._reap)
            self._reaper.daemon = True
            self._reaper.start()

    def _cancel_reaper(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
            self._reaper = None

    def _reap(self) -> None:
        """Close the connection once it has been idle for `linger_s` (a timer thread)."""
        with self._state:
            if self._reaper is None or threading.current_thread() is not self._reaper:
                return  # cancelled, or superseded by a newer timer
            self._reaper = None
            if self._users:
                return
            left = self._idle_since + self.linger_s - time.monotonic()
            if left > 0:
                self._schedule_reaper(left)
            else:
                self._disconnect()

    def file_signature(self) -> tuple[int, ...] | None:
        """(mtime, size) of the file and of its write-ahead log: changes whenever anyone commits to the store,
        and costs a `stat`, not an open (None for an in-memory store)."""
        if self.path is None:
            return None
        sig: list[int] = []
        for file in (self.path, self.path.with_name(self.path.name + ".wal")):
            try:
                st = file.stat()
            except FileNotFoundError:
                sig += [0, -1]
            else:
                sig += [st.st_mtime_ns, st.st_size]
        return tuple(sig)

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        con = self._con
        if con is None or not self._users:
            raise StoreError("store query outside a unit of work (use `with store.session():`)")
        return con.cursor()

    @contextmanager
    def transaction(self) -> Iterator[Writer]:
        """All writes inside land together or not at all (a unit of work of its own)."""
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only")
        with self.session(), self._write_lock:
            cur = self._cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                yield Writer(cur)
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            else:
                cur.execute("COMMIT")
                with self._state:
                    self._own_commits += 1
            finally:
                cur.close()

    @_unit
    def schema_version(self) -> int:
        return migrations.current_version(self._cursor())

    # -- counts ------------------------------------------------------------------------------------
    @_unit
    def counts(self) -> StoreCounts:
        cur = self._cursor()
        tables = {t: int(_scalars(cur.execute(f"SELECT count(*) FROM {t}"))[0]) for t in TABLES}
        by_split: dict[str, dict[str, int]] = {}
        for table in ("problems", "pairs", "runs"):
            for split, n in cur.execute(
                f"SELECT coalesce(split, '-'), count(*) FROM {table} GROUP BY ALL ORDER BY 1"
            ).fetchall():
                by_split.setdefault(split, {})[table] = int(n)
        for split, n in cur.execute(
            "SELECT coalesce(r.split, '-'), count(*) FROM model_outputs o JOIN runs r USING (run_id) "
            "GROUP BY ALL"
        ).fetchall():
            by_split.setdefault(split, {})["model_outputs"] = int(n)
        return StoreCounts(tables=tables, by_split=by_split)

    # -- problems ----------------------------------------------------------------------------------
    @_unit
    def problem_summaries(
        self,
        *,
        split: str | None = None,
        search: str | None = None,
        sort: str = "id",
        limit: int = 200,
        offset: int = 0,
        run_id: str | None = None,
        outcome: str | None = None,
        author: str | None = None,
    ) -> list[ProblemSummary]:
        """One page of problems with their counts and verdict aggregates; `search` matches id or name,
        case-insensitively; `run_id` keeps the problems that run has outputs for (and scopes the aggregates
        and the outcome filter to it); `outcome` is a key of OUTCOME_FILTERS, `unlabeled`, `disagrees` or
        `label:<name>`, the label filters reading `author`'s live labels."""
        where, params = self._problem_filter(split, search, run_id, outcome, author)
        order = PROBLEM_SORTS.get(sort, "problem_id")
        scope, scope_params = ("AND run_id = ?", [run_id]) if run_id else ("", [])
        sql = migrations.query_sql("problem_summaries").format(where=where, order=order, verdict_scope=scope)
        return fetch_all(self._cursor().execute(sql, [*params, *scope_params, limit, offset]), ProblemSummary)

    @_unit
    def count_problems(
        self,
        *,
        split: str | None = None,
        search: str | None = None,
        run_id: str | None = None,
        outcome: str | None = None,
        author: str | None = None,
    ) -> int:
        where, params = self._problem_filter(split, search, run_id, outcome, author)
        return int(_scalars(self._cursor().execute(f"SELECT count(*) FROM problems p {where}", params))[0])

    @staticmethod
    def _problem_filter(
        split: str | None,
        search: str | None,
        run_id: str | None = None,
        outcome: str | None = None,
        author: str | None = None,
    ) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if run_id:
            clauses.append("p.problem_id IN (SELECT problem_id FROM model_outputs WHERE run_id = ?)")
            params.append(run_id)
        if split:
            clauses.append("p.split = ?")
            params.append(split)
        if search:
            clauses.append("(p.problem_id ILIKE ? OR p.name ILIKE ?)")
            params.extend([f"%{search}%", f"%{search}%"])
        if outcome:
            clause, outcome_params = Store._outcome_clause(outcome, run_id, author)
            clauses.append(clause)
            params.extend(outcome_params)
        return ("WHERE " + " AND ".join(clauses)) if clauses else "", params

    @staticmethod
    def _outcome_clause(outcome: str, run_id: str | None, author: str | None) -> tuple[str, list[Any]]:
        """`p.problem_id IN (…)`: problems with at least one output (of `run_id`) matching `outcome`."""
        sub, params = Store._matching_outputs_sql(outcome, run_id, author)
        return f"p.problem_id IN (SELECT problem_id FROM ({sub}))", params

    @staticmethod
    def _matching_outputs_sql(outcome: str, run_id: str | None, author: str | None) -> tuple[str, list[Any]]:
        """SELECT output_id, problem_id of the outputs (of `run_id`) an outcome filter keeps."""
        in_run, run_params = ("AND o.run_id = ?", [run_id]) if run_id else ("", [])
        if outcome in OUTCOME_FILTERS:
            v_run = "AND v.run_id = ?" if run_id else ""
            return (f"SELECT v.output_id, v.problem_id FROM output_verdicts v WHERE {OUTCOME_FILTERS[outcome]} "
                    f"{v_run}", run_params)
        if author is None:
            raise StoreError(f"outcome filter {outcome!r}: needs the author whose labels to read")
        select = "SELECT o.output_id, o.problem_id FROM model_outputs o"
        if outcome == "unlabeled":
            return (f"{select} LEFT JOIN {_LIVE_LABELS} l ON l.target_id = o.output_id "
                    f"WHERE l.target_id IS NULL {in_run}", [author, *run_params])
        if outcome == "disagrees":
            return (f"{select} JOIN {_LIVE_LABELS} l ON l.target_id = o.output_id "
                    f"JOIN output_verdicts v ON v.output_id = o.output_id WHERE {_disagreement_sql()} {in_run}",
                    [author, *run_params])
        if outcome.startswith("label:") and outcome != "label:":
            return (f"{select} JOIN {_LIVE_LABELS} l ON l.target_id = o.output_id WHERE l.label = ? {in_run}",
                    [author, outcome.removeprefix("label:"), *run_params])
        raise StoreError(f"unknown outcome filter {outcome!r}")

    @_unit
    def matching_output_ids(
        self, problem_id: str, outcome: str, *, run_id: str | None = None, author: str | None = None
    ) -> set[str]:
        """Outputs of one problem that the browser's outcome filter keeps (the same rules as the problem list)."""
        sub, params = self._matching_outputs_sql(outcome, run_id, author)
        rows = self._cursor().execute(f"SELECT output_id FROM ({sub}) WHERE problem_id = ?",
                                      [*params, problem_id]).fetchall()
        return {r[0] for r in rows}

    # -- refinement bookkeeping ---------------------------------------------------------------------
    @_unit
    def output_failures(self, run_id: str) -> dict[str, str]:
        """output id → stored failure reason (migration 0003), for the rounds of a run that have one."""
        rows = self._cursor().execute(
            "SELECT output_id, failure FROM model_outputs WHERE run_id = ? AND failure IS NOT NULL "
            "ORDER BY row_idx, sample_idx, round",
            [run_id],
        ).fetchall()
        return {r[0]: r[1] for r in rows}

    @_unit
    def output_generations(self, output_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """output id → its `generation` JSON (how the row was made: model, method, manual edit, …), for the
        rows that have one; a value that is not a JSON object is skipped."""
        if not output_ids:
            return {}
        rows = self._cursor().execute(
            "SELECT output_id, generation FROM model_outputs "
            "WHERE output_id IN (SELECT unnest(?::VARCHAR[])) AND generation IS NOT NULL",
            [list(output_ids)],
        ).fetchall()
        found: dict[str, dict[str, Any]] = {}
        for output_id, text in rows:
            try:
                value = json.loads(text) if isinstance(text, str) else text
            except ValueError:
                continue
            if isinstance(value, dict):
                found[output_id] = value
        return found

    # -- cached verdicts ---------------------------------------------------------------------------
    @_unit
    def content_fingerprint(self) -> tuple[int, int, int]:
        """(executions, model outputs, runs) row counts: cheap in DuckDB, and they grow with every write that
        can change a verdict (executions are only ever added; a forced re-run adds a newer one)."""
        row = _scalars(self._cursor().execute(
            "SELECT (SELECT count(*) FROM executions), (SELECT count(*) FROM model_outputs), "
            "(SELECT count(*) FROM runs)"
        ))
        return int(row[0]), int(row[1]), int(row[2])

    @_unit
    def change_fingerprint(self) -> tuple[int, ...]:
        """Counts that change with every write another process can make to what the app shows: imports,
        runs and outputs, executions, labels (a retraction flips a flag, so retracted ones are counted
        apart) and the verdict cache (a refresh replaces rows: its stamps' sum moves). Every count is cheap in
        DuckDB, so the app can ask every few seconds when the file changed."""
        row = _scalars(self._cursor().execute(
            "SELECT (SELECT count(*) FROM problems), (SELECT count(*) FROM pairs), (SELECT count(*) FROM test_cases), "
            "(SELECT count(*) FROM runs), (SELECT count(*) FROM model_outputs), (SELECT count(*) FROM executions), "
            "(SELECT count(*) FROM annotations), (SELECT count(*) FROM annotations WHERE retracted), "
            "(SELECT count(*) FROM output_verdicts), "
            "(SELECT coalesce(sum(n_executions + n_outputs), 0) FROM verdict_state)"
        ))
        return tuple(int(v) for v in row)

    @_unit
    def verdict_stamp(self, run_id: str) -> VerdictStamp:
        """Counts the run's verdicts depend on: its outputs, and the executions of its programs and inputs; for a
        generation run also those of its problems' human solutions, whose spectra rank its outputs
        (`services.judging.spectra`)."""
        stamp = fetch_one(self._cursor().execute(
            """
            WITH outs AS (SELECT output_id, pair_id, program_id, problem_id FROM model_outputs WHERE run_id = $run),
            generated AS (
                SELECT DISTINCT problem_id FROM outs WHERE (SELECT task FROM runs WHERE run_id = $run) = 'generate'
            ),
            humans AS (
                SELECT slow_program_id AS program_id FROM pairs WHERE problem_id IN (SELECT problem_id FROM generated)
                UNION SELECT fast_program_id FROM pairs WHERE problem_id IN (SELECT problem_id FROM generated)
                UNION SELECT st.program_id FROM trajectory_steps st JOIN trajectories t USING (trajectory_id)
                WHERE t.problem_id IN (SELECT problem_id FROM generated) AND st.status = 'Accepted'
            ),
            codes AS (
                SELECT pr.code_sha256 FROM outs JOIN programs pr ON pr.program_id = outs.program_id
                UNION
                SELECT s.code_sha256 FROM outs JOIN pairs pa ON pa.pair_id = outs.pair_id
                JOIN programs s ON s.program_id = pa.slow_program_id
                UNION
                SELECT h.code_sha256 FROM programs h WHERE h.program_id IN (SELECT program_id FROM humans)
            )
            SELECT (SELECT count(*) FROM executions e WHERE e.code_sha256 IN (SELECT code_sha256 FROM codes))
                       AS n_executions,
                   (SELECT count(*) FROM outs) AS n_outputs
            """,
            {"run": run_id},
        ), VerdictStamp)
        assert stamp is not None  # an aggregate always has its one row
        return stamp

    @_unit
    def stored_verdict_stamp(self, run_id: str) -> VerdictStamp | None:
        return fetch_one(self._cursor().execute(
            f"SELECT {select_list(VerdictStamp)} FROM verdict_state WHERE run_id = ?", [run_id]
        ), VerdictStamp)

    def replace_verdicts(self, run_id: str, verdicts: Sequence[StoredVerdict], stamp: VerdictStamp) -> None:
        """A run's verdicts, all at once: the old rows go, the new ones and their stamp land together."""
        table = pa.table({c: [getattr(v, c) for v in verdicts] for c in columns(StoredVerdict)},
                         schema=_VERDICTS_SCHEMA)
        with self.transaction() as tx:
            tx.execute("DELETE FROM output_verdicts WHERE run_id = ?", [run_id])
            tx.upsert("output_verdicts", table)
            tx.execute("DELETE FROM verdict_state WHERE run_id = ?", [run_id])
            tx.execute("INSERT INTO verdict_state (run_id, n_executions, n_outputs) VALUES (?, ?, ?)",
                       [run_id, stamp.n_executions, stamp.n_outputs])

    @_unit
    def stored_report_line(self, run_id: str, mode: str, version: str, stamp: VerdictStamp) -> str | None:
        """The JSON of a run's report line in `mode`, when it was computed by `version` from this `stamp`."""
        row = self._cursor().execute(
            "SELECT line FROM report_lines WHERE run_id = ? AND mode = ? AND version = ? AND n_executions = ? "
            "AND n_outputs = ?", [run_id, mode, version, stamp.n_executions, stamp.n_outputs]).fetchone()
        return None if row is None else str(row[0])

    def replace_report_lines(self, run_id: str, lines: Mapping[str, str], version: str, stamp: VerdictStamp) -> None:
        """A run's report lines (JSON by mode), computed by `version` from `stamp`, replacing the stored ones."""
        with self.transaction() as tx:
            tx.execute("DELETE FROM report_lines WHERE run_id = ?", [run_id])
            for mode, line in lines.items():
                tx.execute("INSERT INTO report_lines (run_id, mode, version, n_executions, n_outputs, line) "
                           "VALUES (?, ?, ?, ?, ?, ?)", [run_id, mode, version, stamp.n_executions, stamp.n_outputs,
                                                          line])

    @_unit
    def verdicts(
        self, *, run_id: str | None = None, problem_id: str | None = None, output_ids: Sequence[str] | None = None
    ) -> list[StoredVerdict]:
        clauses: list[str] = []
        params: list[Any] = []
        if run_id:
            clauses.append("run_id = ?")
            params.append(run_id)
        if problem_id:
            clauses.append("problem_id = ?")
            params.append(problem_id)
        if output_ids is not None:
            clauses.append("output_id IN (SELECT unnest(?::VARCHAR[]))")
            params.append(list(output_ids))
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        return fetch_all(self._cursor().execute(
            f"SELECT {select_list(StoredVerdict)} FROM output_verdicts {where} ORDER BY output_id", params
        ), StoredVerdict)

    # -- a report line from SQL and the verdict cache ------------------------------------------------
    @_unit
    def run_engines(self, run_id: str) -> RunEngines:
        """The engines that measured the run's programs and their pairs' inputs, over all rounds and over the
        final ones, and the outputs with code whose program is not in `programs` (which SQL cannot hash). The
        programs are found by id: their code is not read."""
        cur = self._cursor()
        outs = ("SELECT program_id, pair_id, code IS NOT NULL AS has_code, "
                "round = max(round) OVER (PARTITION BY row_idx, sample_idx) AS final "
                "FROM model_outputs WHERE run_id = ?")
        unhashed = _scalars(cur.execute(
            f"SELECT count(*) FROM ({outs}) o LEFT JOIN programs pr USING (program_id) "
            "WHERE o.has_code AND pr.program_id IS NULL", [run_id]))[0]
        final_outs = "(SELECT * FROM outs WHERE final) outs"
        rows = cur.execute(
            f"WITH outs AS ({outs}), shas AS ({_RUN_SHAS}), "
            f"final_shas AS ({_RUN_SHAS.replace('FROM outs', f'FROM {final_outs}')}) "
            "SELECT engine, count(*) AS n, count(*) FILTER (WHERE code_sha256 IN (SELECT sha FROM final_shas)) "
            "FROM executions WHERE code_sha256 IN (SELECT sha FROM shas) GROUP BY 1 ORDER BY 2 DESC, 1",
            [run_id],
        ).fetchall()
        final = sorted(((r[0], int(r[2])) for r in rows if r[2]), key=lambda e: (-e[1], e[0]))
        return RunEngines({r[0]: int(r[1]) for r in rows}, dict(final), int(unhashed))

    @_unit
    def cached_points(self, run_id: str) -> list[tuple[str, str, int, int, bool, StoredVerdict | None]]:
        """(output id, problem, row, sample, identical to its input, cached verdict or None) of each final-round
        output of a run, by row then sample: the scatter plot from SQL. "Identical" compares program hashes
        (the output's stored program and its pair's input), so outputs with code but no stored program (see
        `run_engines`) read as not identical."""
        rows = self._cursor().execute(
            f"""
            WITH outs AS (
                SELECT output_id, problem_id, row_idx, sample_idx, pair_id, program_id FROM model_outputs
                WHERE run_id = ? {_FINAL_ROUND}
            )
            SELECT o.output_id, o.problem_id, o.row_idx, o.sample_idx,
                   coalesce(pr.code_sha256 = s.code_sha256 AND f.program_id IS NOT NULL, false) AS same,
                   {select_list(StoredVerdict, 'v')}
            FROM outs o LEFT JOIN programs pr ON pr.program_id = o.program_id
            LEFT JOIN pairs pa ON pa.pair_id = o.pair_id
            LEFT JOIN programs s ON s.program_id = pa.slow_program_id
            LEFT JOIN programs f ON f.program_id = pa.fast_program_id
            LEFT JOIN output_verdicts v ON v.output_id = o.output_id AND v.run_id = ?
            ORDER BY o.row_idx, o.sample_idx""",
            [run_id, run_id],
        ).fetchall()
        return [(r[0], r[1], int(r[2]), int(r[3]), bool(r[4]), None if r[5] is None else StoredVerdict(*r[5:]))
                for r in rows]

    @_unit
    def report_basis(self, run_id: str, *, engine: str, visibility: str, ecco: bool = False) -> ReportBasis:
        """What a run's report line needs besides its outputs' cached verdicts, from SQL over the store: per
        final-round output (by row, then sample) its cached verdict, and per row whether the row's input ran and
        passed every test and whether an imported result file bound executions to the row; with `ecco`, what
        ECCO's rules read of each row whose input ran (`EccoBasisRow`; None when a row has several samples,
        whose best one ECCO picks by per-test sums: judge those runs instead).

        It reads the newest execution per (program, problem, test, repeat) of `engine` on `visibility` tests,
        as the judging module's loader does (row-bound executions of an imported result file before
        content-addressed ones); no per-test value leaves the database but, with `ecco`, the ones ECCO sums."""
        cur = self._cursor()
        params = {"run": run_id, "engine": engine, "visibility": visibility}
        # Most stores have one execution per key: then the executions are their own newest, which saves sorting
        # them all (the check cannot miss a duplicate: equal keys hash alike).
        duplicates, repeats, versions, instructions = _scalars(cur.execute(
            f"{_REPORT_CTE.format(newest='')} {_MEASURED_SHAPE}", params))
        cte = _REPORT_CTE.format(newest=_NEWEST if duplicates else "")
        if duplicates:
            versions, instructions = _scalars(cur.execute(
                f"{cte} SELECT list(DISTINCT engine_version ORDER BY engine_version), "
                "coalesce(bool_or(instructions IS NOT NULL), false) FROM latest", params))
        rows = cur.execute(
            f"""{cte}
            SELECT o.row_idx, f.row_idx IS NOT NULL AS input_ran, coalesce(f.passed_all, false) AS input_passed,
                   m.row_idx IS NOT NULL AS imported, {select_list(StoredVerdict, 'v')}
            FROM outs o LEFT JOIN input_flags f USING (row_idx) LEFT JOIN imported m USING (row_idx)
            LEFT JOIN output_verdicts v ON v.output_id = o.output_id AND v.run_id = $run
            ORDER BY o.row_idx, o.sample_idx""",
            params,
        ).fetchall()
        rows_seen: dict[int, tuple[bool, bool, bool]] = {}
        outputs: list[tuple[int, StoredVerdict | None]] = []
        for row in rows:
            rows_seen.setdefault(row[0], (bool(row[1]), bool(row[2]), bool(row[3])))
            outputs.append((row[0], None if row[4] is None else StoredVerdict(*row[4:])))
        ecco_rows = None
        if ecco and len(outputs) == len(rows_seen):  # one sample a row
            tests = _ECCO_REPEATS if repeats else _ECCO_ONE_RUN
            ecco_rows = _ecco_rows(cur.execute(f"{cte}{_ECCO_SIDES}{tests}{_ECCO_ROWS}", params).fetchnumpy())
        return ReportBasis(engine_versions=tuple(versions or ()), has_instructions=bool(instructions),
                           rows=rows_seen, outputs=outputs, ecco=ecco_rows)

    @_unit
    def get_problem(self, problem_id: str) -> Problem | None:
        return fetch_one(self._cursor().execute(
            f"SELECT {select_list(Problem)} FROM problems WHERE problem_id = ?", [problem_id]
        ), Problem)

    # -- programs and pairs ------------------------------------------------------------------------
    @_unit
    def get_program(self, program_id: str) -> Program | None:
        return fetch_one(self._cursor().execute(
            f"SELECT {select_list(Program)} FROM programs WHERE program_id = ?", [program_id]
        ), Program)

    @_unit
    def programs_for_problem(self, problem_id: str) -> list[Program]:
        return fetch_all(self._cursor().execute(
            f"SELECT {select_list(Program)} FROM programs WHERE problem_id = ? ORDER BY program_id", [problem_id]
        ), Program)

    @_unit
    def pairs(
        self, *, problem_id: str | None = None, split: str | None = None, limit: int = 500, offset: int = 0
    ) -> list[PairRow]:
        clauses: list[str] = []
        params: list[Any] = []
        if problem_id:
            clauses.append("problem_id = ?")
            params.append(problem_id)
        if split:
            clauses.append("split = ?")
            params.append(split)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        return fetch_all(self._cursor().execute(
            f"SELECT {select_list(PairRow)} FROM pairs {where} ORDER BY split, row_idx LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ), PairRow)

    @_unit
    def get_pair(self, pair_id: str) -> Pair | None:
        row = fetch_one(self._cursor().execute(
            f"SELECT {select_list(PairRow)} FROM pairs WHERE pair_id = ?", [pair_id]
        ), PairRow)
        if row is None:
            return None
        slow, fast = self.get_program(row.slow_program_id), self.get_program(row.fast_program_id)
        if slow is None or fast is None:
            raise StoreError(f"pair {pair_id}: its programs are missing from the store")
        return Pair(row.pair_id, row.split, row.row_idx, row.problem_id, slow, fast)

    @_unit
    def get_pairs(self, pair_ids: Sequence[str]) -> dict[str, Pair]:
        """Many pairs with their programs in one query (a problem's outputs point at dozens of pairs, and
        a point lookup per pair and program costs a millisecond each at full scale)."""
        if not pair_ids:
            return {}
        # One row per pair: its own columns, then the slow program's, then the fast program's.
        cur = self._cursor().execute(
            f"SELECT pa.pair_id, pa.split, pa.row_idx, pa.problem_id, {select_list(Program, 's')}, "
            f"{select_list(Program, 'f')} FROM pairs pa "
            "JOIN programs s ON s.program_id = pa.slow_program_id "
            "JOIN programs f ON f.program_id = pa.fast_program_id "
            "WHERE pa.pair_id IN (SELECT unnest(?::VARCHAR[]))",
            [list(pair_ids)],
        )
        program = columns(Program)
        if column_names(cur) != ("pair_id", "split", "row_idx", "problem_id", *program, *program):
            raise StoreError(f"get_pairs: unexpected columns {column_names(cur)}")  # pragma: no cover - a bug
        n = len(program)
        return {r[0]: Pair(r[0], r[1], r[2], r[3], Program(*r[4:4 + n]), Program(*r[4 + n:])) for r in cur.fetchall()}

    @_unit
    def pair_id_for_row(self, split: str, row_idx: int) -> tuple[str, str] | None:
        """(pair_id, problem_id) of row `row_idx` of an edit split: how ECCO output files refer to pairs."""
        row = (
            self._cursor()
            .execute("SELECT pair_id, problem_id FROM pairs WHERE split = ? AND row_idx = ?", [split, row_idx])
            .fetchone()
        )
        return (row[0], row[1]) if row else None

    @_unit
    def split_rows(self, split: str) -> dict[int, tuple[str, str]]:
        """row_idx → (pair_id, problem_id) for a whole edit split, for bulk linking of outputs."""
        rows = (
            self._cursor()
            .execute("SELECT row_idx, pair_id, problem_id FROM pairs WHERE split = ?", [split])
            .fetchall()
        )
        return {r[0]: (r[1], r[2]) for r in rows}

    # -- tests, spectra, trajectories --------------------------------------------------------------
    @_unit
    def tests_for(self, problem_id: str, visibility: str | None = None) -> list[StoredTest]:
        params: list[Any] = [problem_id]
        extra = ""
        if visibility:
            extra = " AND visibility = ?"
            params.append(visibility)
        return fetch_all(self._cursor().execute(
            f"SELECT {select_list(StoredTest)} FROM test_cases WHERE problem_id = ?{extra} "
            "ORDER BY visibility DESC, idx",
            params,
        ), StoredTest)

    @_unit
    def test_hashes(self, problem_ids: Sequence[str], visibility: str | None = None) -> dict[tuple[str, int], str]:
        """(problem_id, idx) → test_sha256 for many problems in one query (what `tests_for` gives one problem
        at a time; without `visibility` a public test shadows the private one of the same index, as there)."""
        if not problem_ids:
            return {}
        params: list[Any] = [list(problem_ids)]
        extra = ""
        if visibility:
            extra = " AND visibility = ?"
            params.append(visibility)
        rows = self._cursor().execute(
            "SELECT problem_id, idx, test_sha256 FROM test_cases "
            f"WHERE problem_id IN (SELECT unnest(?::VARCHAR[])){extra} ORDER BY problem_id, visibility DESC, idx",
            params,
        ).fetchall()
        return {(p, i): sha for p, i, sha in rows}

    @_unit
    def spectrum(self, problem_id: str) -> Spectrum | None:
        return fetch_one(self._cursor().execute(
            f"SELECT {select_list(Spectrum)} FROM spectra WHERE problem_id = ?", [problem_id]
        ), Spectrum, convert={"runtimes_s": tuple, "memories_kb": tuple})

    @_unit
    def human_programs(self, problem_ids: Sequence[str], *, limit: int) -> dict[str, list[tuple[str, str]]]:
        """Per problem, up to `limit` accepted human solutions as (code_sha256, code), in code-hash order: the
        pairs' slow and fast programs and the accepted trajectory steps (never a model output)."""
        if not problem_ids:
            return {}
        rows = self._cursor().execute(
            """WITH human AS (
                   SELECT slow_program_id AS program_id FROM pairs WHERE problem_id IN (SELECT unnest($ids))
                   UNION SELECT fast_program_id FROM pairs WHERE problem_id IN (SELECT unnest($ids))
                   UNION SELECT s.program_id FROM trajectory_steps s JOIN trajectories t USING (trajectory_id)
                   WHERE t.problem_id IN (SELECT unnest($ids)) AND s.status = 'Accepted'
               ),
               distinct_programs AS (
                   SELECT p.problem_id, p.code_sha256, any_value(p.code) AS code FROM programs p
                   WHERE p.program_id IN (SELECT program_id FROM human) GROUP BY 1, 2
               )
               SELECT problem_id, code_sha256, code FROM distinct_programs
               QUALIFY row_number() OVER (PARTITION BY problem_id ORDER BY code_sha256) <= $limit
               ORDER BY problem_id, code_sha256""",
            {"ids": list(problem_ids), "limit": limit},
        ).fetchall()
        found: dict[str, list[tuple[str, str]]] = {}
        for problem_id, sha, code in rows:
            found.setdefault(problem_id, []).append((sha, code))
        return found

    @_unit
    def trajectories_for(self, problem_id: str) -> list[Trajectory]:
        ids = (
            self._cursor()
            .execute("SELECT trajectory_id FROM trajectories WHERE problem_id = ? ORDER BY 1", [problem_id])
            .fetchall()
        )
        return [t for (tid,) in ids if (t := self.get_trajectory(tid)) is not None]

    @_unit
    def get_trajectory(self, trajectory_id: str) -> Trajectory | None:
        cur = self._cursor()
        head = fetch_one(cur.execute(
            f"SELECT {select_list(Trajectory, without=('steps',))} FROM trajectories WHERE trajectory_id = ?",
            [trajectory_id],
        ), Trajectory)
        if head is None:
            return None
        steps = fetch_all(cur.execute(
            "SELECT s.step, s.program_id, p.code, s.submission_id, s.status, s.cpu_time_ms, s.memory_kb "
            "FROM trajectory_steps s JOIN programs p USING (program_id) WHERE s.trajectory_id = ? ORDER BY s.step",
            [trajectory_id],
        ), TrajectoryStep)
        return replace(head, steps=tuple(steps))

    # -- runs and model outputs --------------------------------------------------------------------
    @_unit
    def runs(self) -> list[Run]:
        return fetch_all(self._cursor().execute(
            "SELECT r.run_id, r.task, r.model, r.method, r.split, r.source_file, count(o.output_id) AS n_outputs, "
            "coalesce(max(o.round) + 1, 0) AS rounds FROM runs r LEFT JOIN model_outputs o USING (run_id) "
            "GROUP BY ALL ORDER BY r.run_id"
        ), Run)

    @_unit
    def get_run(self, run_id: str) -> Run | None:
        return next((r for r in self.runs() if r.run_id == run_id), None)

    @_unit
    def outputs(
        self,
        *,
        run_id: str | None = None,
        problem_id: str | None = None,
        pair_id: str | None = None,
        final_round_only: bool = False,
        limit: int = 1000,
        offset: int = 0,
    ) -> list[ModelOutput]:
        clauses: list[str] = []
        params: list[Any] = []
        for col, value in (("run_id", run_id), ("problem_id", problem_id), ("pair_id", pair_id)):
            if value:
                clauses.append(f"o.{col} = ?")
                params.append(value)
        if final_round_only:
            clauses.append(
                "o.round = (SELECT max(round) FROM model_outputs x WHERE x.run_id = o.run_id "
                "AND x.row_idx = o.row_idx AND x.sample_idx = o.sample_idx)"
            )
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        return fetch_all(self._cursor().execute(
            f"SELECT {select_list(ModelOutput, 'o')} FROM model_outputs o {where} "
            "ORDER BY o.run_id, o.row_idx, o.sample_idx, o.round LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ), ModelOutput)

    @_unit
    def get_output(self, output_id: str) -> ModelOutput | None:
        return fetch_one(self._cursor().execute(
            f"SELECT {select_list(ModelOutput)} FROM model_outputs WHERE output_id = ?", [output_id]
        ), ModelOutput)

    @_unit
    def run_outputs(
        self,
        run_id: str,
        *,
        final_round_only: bool = False,
        problem_id: str | None = None,
        chain: tuple[int, int] | None = None,
        with_code: bool = True,
        with_text: bool = False,
    ) -> list[ModelOutput]:
        """Every output of one run, in row, sample, round order: for work that needs each output itself
        (judging, evaluation planning, refinement), never to count or aggregate them (ask SQL for that:
        `problem_summaries`, `run_output_ids`, the verdict cache).

        `final_round_only` keeps each (row, sample) chain's last round; `problem_id` and `chain` (row, sample)
        narrow the run. `with_code=False` leaves `code` None; the long texts (`raw_response`, `prompt`,
        `feedback`, `exec_feedback`, `reflection`) are read only `with_text`, else None."""
        skipped = (set() if with_code else {"code"}) | (set() if with_text else set(_OUTPUT_TEXTS))
        select = ", ".join(f"NULL AS {c}" if c in skipped else c for c in columns(ModelOutput))
        clauses: list[str] = ["run_id = ?"]
        params: list[Any] = [run_id]
        if problem_id is not None:
            clauses.append("problem_id = ?")
            params.append(problem_id)
        if chain is not None:
            clauses.append("row_idx = ? AND sample_idx = ?")
            params.extend(chain)
        last = _FINAL_ROUND if final_round_only else ""
        return fetch_all(self._cursor().execute(
            f"SELECT {select} FROM model_outputs WHERE {' AND '.join(clauses)} {last}"
            "ORDER BY row_idx, sample_idx, round",
            params,
        ), ModelOutput)

    @_unit
    def run_output_ids(self, run_id: str, *, final_round_only: bool = False) -> list[str]:
        """The ids of a run's outputs, in row, sample, round order (no text read)."""
        last = _FINAL_ROUND if final_round_only else ""
        return [r[0] for r in self._cursor().execute(
            f"SELECT output_id FROM model_outputs WHERE run_id = ? {last}ORDER BY row_idx, sample_idx, round",
            [run_id],
        ).fetchall()]

    @_unit
    def next_unlabeled_output(self, output_id: str, author: str) -> str | None:
        """The next output of `output_id`'s run (by row, sample, round; wrapping around) that `author` has no
        live label on, or None when every other output of the run has one: one query, whatever the run's size."""
        row = self._cursor().execute(
            """
            WITH o AS (
                SELECT output_id, row_number() OVER (ORDER BY row_idx, sample_idx, round, output_id) AS pos
                FROM model_outputs WHERE run_id = (SELECT run_id FROM model_outputs WHERE output_id = ?)
            )
            SELECT o.output_id FROM o
            WHERE o.output_id <> ? AND NOT EXISTS (
                SELECT 1 FROM annotations a WHERE a.target_kind = 'output' AND a.author = ? AND NOT a.retracted
                AND a.target_id = o.output_id)
            ORDER BY o.pos <= coalesce((SELECT pos FROM o WHERE output_id = ?), 0), o.pos
            LIMIT 1
            """,
            [output_id, output_id, author, output_id],
        ).fetchone()
        return None if row is None else str(row[0])

    # -- executions --------------------------------------------------------------------------------
    @_unit
    def executions_for(
        self, code_sha256: str, problem_id: str, *, engine: str | None = None, source: str | None = None
    ) -> list[Execution]:
        params: list[Any] = [code_sha256, problem_id]
        extra = ""
        if engine:
            extra += " AND engine = ?"
            params.append(engine)
        if source:
            extra += " AND source = ?"
            params.append(source)
        return fetch_all(self._cursor().execute(
            f"SELECT {select_list(Execution)} FROM executions WHERE code_sha256 = ? AND problem_id = ?{extra} "
            "ORDER BY visibility DESC, test_idx, repeat_idx, created_at",
            params,
        ), Execution)

    @_unit
    def cached_execution_keys(
        self, code_sha256: str, problem_id: str, *, engine: str, engine_version: str, limits_key: str, mode: str
    ) -> set[tuple[str, int, str | None, int]]:
        """(visibility, test_idx, test_sha256, repeat_idx) already measured under exactly these conditions."""
        rows = (
            self._cursor()
            .execute(
                "SELECT DISTINCT visibility, test_idx, test_sha256, repeat_idx FROM executions "
                "WHERE code_sha256 = ? AND problem_id = ? AND engine = ? AND engine_version = ? "
                "AND limits_key = ? AND mode = ?",
                [code_sha256, problem_id, engine, engine_version, limits_key, mode],
            )
            .fetchall()
        )
        return {(r[0], int(r[1]), r[2], int(r[3])) for r in rows}

    @_unit
    def paired_counts(
        self, first_sha: str, second_sha: str, problem_id: str, *, engine: str, engine_version: str,
        limits_key: str, context_prefix: str,
    ) -> dict[tuple[str, int, str | None], int]:
        """(visibility, test_idx, test_sha256) -> how many adjacent pairs of these two programs are stored under
        exactly these conditions. A pair is two executions sharing one context that starts with
        `context_prefix` (services.paired); the same program twice counts its pairs once."""
        rows = self._cursor().execute(
            "SELECT a.visibility, a.test_idx, a.test_sha256, count(DISTINCT a.context) FROM executions a "
            "JOIN executions b ON b.context = a.context AND b.execution_id <> a.execution_id "
            "WHERE starts_with(a.context, ?) AND a.code_sha256 = ? AND b.code_sha256 = ? AND a.problem_id = ? "
            "AND a.engine = ? AND a.engine_version = ? AND a.limits_key = ? GROUP BY 1, 2, 3",
            [context_prefix, first_sha, second_sha, problem_id, engine, engine_version, limits_key],
        ).fetchall()
        return {(r[0], int(r[1]), r[2]): int(r[3]) for r in rows}

    @_unit
    def latest_executions(
        self, code_shas: Sequence[str], *, engine: str | None = None, visibility: str | None = None
    ) -> list[Execution]:
        """The newest execution per (program, problem, test, repeat): a forced re-run supersedes the old one."""
        cursor = self._latest_executions(select_list(Execution), code_shas, engine, visibility)
        return [] if cursor is None else fetch_all(cursor, Execution)

    @_unit
    def latest_measured(
        self, code_shas: Sequence[str], *, engine: str | None = None, visibility: str | None = None
    ) -> list[Measured]:
        """`latest_executions` as judging reads them (`Measured`: no output excerpts or timestamps)."""
        cursor = self._latest_executions(", ".join(Measured._fields), code_shas, engine, visibility)
        return [] if cursor is None else list(map(Measured._make, cursor.fetchall()))

    def _latest_executions(
        self, columns: str, code_shas: Sequence[str], engine: str | None, visibility: str | None
    ) -> duckdb.DuckDBPyConnection | None:
        if not code_shas:
            return None
        params: list[Any] = [list(code_shas)]
        extra = ""
        if engine:
            extra += " AND engine = ?"
            params.append(engine)
        if visibility:
            extra += " AND visibility = ?"
            params.append(visibility)
        return self._cursor().execute(
            f"SELECT {columns} FROM executions "
            f"WHERE code_sha256 IN (SELECT unnest(?::VARCHAR[])){extra} "
            "QUALIFY row_number() OVER (PARTITION BY code_sha256, problem_id, visibility, test_idx, repeat_idx, "
            "engine, context ORDER BY created_at DESC, execution_id) = 1 "
            "ORDER BY code_sha256, problem_id, visibility DESC, test_idx, repeat_idx",
            params,
        )

    @_unit
    def execution_engines(self, code_shas: Sequence[str]) -> dict[str, int]:
        """Engines that measured any of these programs, with their execution counts."""
        if not code_shas:
            return {}
        rows = (
            self._cursor()
            .execute(
                "SELECT engine, count(*) FROM executions WHERE code_sha256 IN (SELECT unnest(?::VARCHAR[])) "
                "GROUP BY 1 ORDER BY 2 DESC",
                [list(code_shas)],
            )
            .fetchall()
        )
        return {r[0]: int(r[1]) for r in rows}

    def add_executions(self, executions: Sequence[Execution]) -> None:
        """Store executions, each batch in its own transaction so an interrupted run keeps what finished."""
        if not executions:
            return
        # created_at is the store's to set (the column's default: when the row lands).
        cols = [c for c in columns(Execution) if c != "created_at"]
        data = {c: [getattr(e, c) for e in executions] for c in cols}
        table = pa.table(data)
        with self.transaction() as tx:
            tx.upsert("executions", table)

    # -- line profiles (services.profiling): never executions --------------------------------------------
    @_unit
    def line_profiles(
        self, code_shas: Sequence[str], problem_id: str, *, engine: str, engine_version: str
    ) -> list[LineProfile]:
        """The cached per-line hit counts of these programs on the problem's tests under this engine version
        (every test content ever profiled: the caller matches `test_sha256`)."""
        if not code_shas:
            return []
        rows = self._cursor().execute(
            "SELECT code_sha256, problem_id, visibility, test_idx, test_sha256, engine, engine_version, tracer, "
            "status_id, status_description, hits, total FROM line_profiles "
            "WHERE code_sha256 IN (SELECT unnest(?::VARCHAR[])) AND problem_id = ? AND engine = ? "
            "AND engine_version = ? ORDER BY code_sha256, visibility DESC, test_idx",
            [list(code_shas), problem_id, engine, engine_version],
        ).fetchall()
        return [LineProfile(r[0], r[1], r[2], int(r[3]), r[4], r[5], r[6], r[7], int(r[8]), r[9],
                            None if r[10] is None else {int(k): int(v) for k, v in json.loads(r[10])},
                            None if r[11] is None else int(r[11])) for r in rows]

    def add_line_profiles(self, profiles: Sequence[LineProfile]) -> None:
        """Cache per-line hit counts (replacing those of the same program, test and engine version)."""
        if not profiles:
            return
        with self.transaction() as tx:
            for p in profiles:
                tx.execute(
                    "INSERT OR REPLACE INTO line_profiles (code_sha256, problem_id, visibility, test_idx, "
                    "test_sha256, engine, engine_version, tracer, status_id, status_description, hits, total) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [p.code_sha256, p.problem_id, p.visibility, p.test_idx, p.test_sha256, p.engine,
                     p.engine_version, p.tracer, p.status_id, p.status_description,
                     None if p.hits is None else json.dumps(sorted(p.hits.items())), p.total])

    # -- scaling (metrics.scaling): what the report's algorithmic / constant-factor split reads -------------
    @_unit
    def output_pair_shas(self, output_ids: Sequence[str]) -> dict[str, tuple[str, str, str]]:
        """output id -> (problem, its pair's input code sha256, its own code sha256), for outputs whose program
        and pair are stored (by id: no code is read)."""
        if not output_ids:
            return {}
        rows = self._cursor().execute(
            "SELECT o.output_id, o.problem_id, s.code_sha256, pr.code_sha256 FROM model_outputs o "
            "JOIN programs pr ON pr.program_id = o.program_id JOIN pairs pa ON pa.pair_id = o.pair_id "
            "JOIN programs s ON s.program_id = pa.slow_program_id "
            "WHERE o.output_id IN (SELECT unnest(?::VARCHAR[]))", [list(output_ids)]).fetchall()
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    @_unit
    def accepted_cpu_medians(
        self, code_shas: Sequence[str], *, engine: str, visibility: str | None
    ) -> dict[tuple[str, str, str], float]:
        """(code sha256, problem, "visibility:idx") -> median CPU time of the accepted runs among the newest
        executions (as `latest_executions`) of `engine`, computed in SQL."""
        if not code_shas:
            return {}
        params: list[Any] = [list(code_shas), engine]
        extra = ""
        if visibility:
            extra = " AND visibility = ?"
            params.append(visibility)
        rows = self._cursor().execute(
            "WITH latest AS (SELECT code_sha256, problem_id, visibility, test_idx, status_id, cpu_time_s "
            "FROM executions WHERE code_sha256 IN (SELECT unnest(?::VARCHAR[])) AND engine = ?" + extra + " "
            "QUALIFY row_number() OVER (PARTITION BY code_sha256, problem_id, visibility, test_idx, repeat_idx, "
            "engine, context ORDER BY created_at DESC, execution_id) = 1) "
            "SELECT code_sha256, problem_id, visibility, test_idx, median(cpu_time_s) FROM latest "
            "WHERE status_id = 3 AND cpu_time_s IS NOT NULL GROUP BY 1, 2, 3, 4", params).fetchall()
        return {(r[0], r[1], f"{r[2]}:{r[3]}"): float(r[4]) for r in rows}

    # -- training data -----------------------------------------------------------------------------
    @_unit
    def training_pairs(self, problem_id: str | None = None) -> list[TrainingPairRow]:
        """Every CodeNet pair (of one problem, if given) with both programs' code and reference runtimes
        (`ecco export-training`)."""
        return fetch_all(self._cursor().execute(migrations.query_sql("training_pairs"), {"problem": problem_id}),
                         TrainingPairRow)

    @_unit
    def training_outputs(self, task: str, problem_id: str | None = None) -> list[TrainingOutputRow]:
        """Final-round outputs of `task`'s model runs (of one problem, if given) that have a cached verdict,
        with their inputs."""
        return fetch_all(self._cursor().execute(migrations.query_sql("training_outputs"),
                                                {"task": task, "problem": problem_id}), TrainingOutputRow)

    @_unit
    def test_split_problems(self) -> set[str]:
        """Problems the release places in the test split, by the problem's own split or any pair's."""
        rows = self._cursor().execute(
            "SELECT problem_id FROM problems WHERE split = 'test' "
            "UNION SELECT problem_id FROM pairs WHERE split = 'test'").fetchall()
        return {str(r[0]) for r in rows}

    @_unit
    def training_problems(self) -> list[Problem]:
        """Every problem with its statement and fastest solution, by id (NL generation's training data)."""
        return fetch_all(self._cursor().execute(f"SELECT {select_list(Problem)} FROM problems ORDER BY problem_id"),
                         Problem)

    @_unit
    def run_accounting(self) -> dict[str, str]:
        """run id -> how its stored default report line's measurements charge a program (services.engines
        `accounting_of`), for runs whose line is stored."""
        rows = self._cursor().execute(
            "SELECT run_id, json_extract_string(line, '$.accounting') FROM report_lines WHERE mode = 'default'"
        ).fetchall()
        return {str(r[0]): str(r[1]) for r in rows if r[1]}

    @_unit
    def training_trajectories(self, problem_id: str | None = None) -> list[TrajectoryProgramRow]:
        """Accepted programs of every trajectory (of one problem, if given) with their CPU time, by trajectory
        and step."""
        return fetch_all(self._cursor().execute(migrations.query_sql("training_trajectories"),
                                                {"problem": problem_id}), TrajectoryProgramRow)

    def log_evaluation(
        self, *, run_id: str | None, engine: str, engine_version: str, executed: int, cached: int, seconds: float
    ) -> None:
        with self.transaction() as tx:
            tx.execute(
                "INSERT INTO eval_log (eval_id, run_id, engine, engine_version, executed, cached, seconds) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [uuid.uuid4().hex, run_id, engine, engine_version, executed, cached, seconds],
            )

    @_unit
    def cache_stats(self) -> dict[str, float]:
        """Executions stored, evaluation sessions, and the share of test runs served from stored results."""
        cur = self._cursor()
        sessions, executed, cached = _scalars(cur.execute(
            "SELECT count(*), coalesce(sum(executed), 0), coalesce(sum(cached), 0) FROM eval_log"
        ))
        stored = _scalars(cur.execute("SELECT count(*) FROM executions WHERE engine <> 'judge0-imported'"))[0]
        total = executed + cached
        return {"sessions": sessions, "executed": executed, "cached": cached, "stored": stored,
                "hit_rate": cached / total if total else 0.0}

    # -- annotations -------------------------------------------------------------------------------
    def add_annotation(self, annotation: Annotation) -> None:
        """One label, committed on its own: once this returns, a crash cannot lose it."""
        with self.transaction() as tx:
            tx.execute(insert_sql("annotations", columns(Annotation)), values(annotation, columns(Annotation)))

    def retract_annotation(self, annotation_id: str) -> None:
        with self.transaction() as tx:
            tx.execute("UPDATE annotations SET retracted = true WHERE annotation_id = ?", [annotation_id])

    @_unit
    def last_live_annotation(self, author: str) -> Annotation | None:
        return fetch_one(self._cursor().execute(
            f"SELECT {select_list(Annotation)} FROM annotations WHERE author = ? AND NOT retracted "
            "ORDER BY created_at DESC, annotation_id DESC LIMIT 1",
            [author],
        ), Annotation)

    @_unit
    def current_annotations(
        self, *, target_kind: str | None = None, target_ids: Sequence[str] | None = None, author: str | None = None
    ) -> list[Annotation]:
        """The live label per (target, author): the newest one not retracted."""
        clauses: list[str] = ["NOT retracted"]
        params: list[Any] = []
        if target_kind:
            clauses.append("target_kind = ?")
            params.append(target_kind)
        if target_ids is not None:
            clauses.append("target_id IN (SELECT unnest(?::VARCHAR[]))")
            params.append(list(target_ids))
        if author:
            clauses.append("author = ?")
            params.append(author)
        return fetch_all(self._cursor().execute(
            f"SELECT {select_list(Annotation)} FROM annotations WHERE {' AND '.join(clauses)} "
            "QUALIFY row_number() OVER (PARTITION BY target_kind, target_id, author "
            "ORDER BY created_at DESC, annotation_id DESC) = 1 ORDER BY target_kind, target_id, author",
            params,
        ), Annotation)

    @_unit
    def all_annotations(self) -> list[Annotation]:
        return fetch_all(self._cursor().execute(
            f"SELECT {select_list(Annotation)} FROM annotations ORDER BY created_at, annotation_id"
        ), Annotation)

    @_unit
    def annotations_table(self) -> pa.Table:
        return self._cursor().sql(
            f"SELECT {select_list(Annotation)} FROM annotations ORDER BY created_at, annotation_id"
        ).to_arrow_table()

    # -- imports log -------------------------------------------------------------------------------
    @_unit
    def imports(self) -> list[dict[str, Any]]:
        cur = self._cursor().execute(
            "SELECT import_id, kind, path, file_sha256, rows, imported_at FROM imports ORDER BY imported_at"
        )
        names = column_names(cur)
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def dumps_extra(value: dict[str, Any] | None) -> str | None:
    """JSON text for an `extra` column; None stays NULL."""
    if not value:
        return None
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
