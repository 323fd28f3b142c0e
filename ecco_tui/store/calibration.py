"""Engine calibration sessions in the store (tables of migration 0006): written and read as plain records.

A session is one `ecco calibrate` invocation: a row per program and engine (medians over the repeats) and the
fitted time and memory factors of each engine relative to the reference engine. Writes go through
`Store.transaction()` (a session lands whole or not at all); reads use the store's per-call cursor, as every
`Store` method does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import duckdb

from ecco_tui.store.rows import columns, fetch_all, fetch_one, insert_sql, select_list, values
from ecco_tui.store.store import Store

__all__ = [
    "CalibrationFactorRecord",
    "CalibrationRunRecord",
    "CalibrationSessionRecord",
    "latest_sessions",
    "load_session",
    "save_session",
    "session_ids",
]


@dataclass(frozen=True, slots=True)
class CalibrationRunRecord:
    """One calibration program on one engine of a session."""

    engine_order: int  # position in the session's --engine list; 0 is the reference
    engine: str
    engine_version: str
    program: str
    program_sha256: str
    runs: int
    failures: int
    failure: str | None
    cpu_median_s: float | None
    cpu_cv: float | None
    wall_median_s: float | None
    memory_median_kb: float | None


@dataclass(frozen=True, slots=True)
class CalibrationFactorRecord:
    """Engine ``engine_order`` relative to ``reference_order`` for ``quantity`` ('time' or 'memory')."""

    reference_order: int
    reference_engine: str
    reference_version: str
    engine_order: int
    engine: str
    engine_version: str
    quantity: str
    n_programs: int
    factor: float | None
    factor_lo: float | None
    factor_hi: float | None
    geo_mean: float | None
    gsd: float | None
    ratio_q1: float | None
    ratio_q3: float | None
    line_offset: float | None
    line_slope: float | None
    floor: float
    skipped: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CalibrationSessionRecord:
    session_id: str
    created_at: datetime
    set_version: str
    programs: str
    repeat: int
    runs: tuple[CalibrationRunRecord, ...] = ()  # not columns: the session's rows of the other two tables
    factors: tuple[CalibrationFactorRecord, ...] = ()


# Each table's columns are its record's fields (rows.columns): a session's but `runs` and `factors`; a run's and a
# factor's between `session_id` and `created_at`, both the session's.
_SESSION_COLS = tuple(c for c in columns(CalibrationSessionRecord) if c not in ("runs", "factors"))
_RUN_COLS = ("session_id", *columns(CalibrationRunRecord), "created_at")
_FACTOR_COLS = ("session_id", *columns(CalibrationFactorRecord), "created_at")
#: `skipped` is stored as JSON text.
_TO_JSON = {"skipped": lambda skipped: json.dumps(skipped, sort_keys=True)}
_FROM_JSON = {"skipped": lambda text: json.loads(text) if text else {}}


def save_session(store: Store, session: CalibrationSessionRecord) -> None:
    """Store a whole session in one transaction; saving the same session id again replaces it."""
    with store.transaction() as tx:
        for table in ("calibration_factors", "calibration_runs", "calibration_sessions"):
            tx.execute(f"DELETE FROM {table} WHERE session_id = ?", [session.session_id])
        tx.execute(insert_sql("calibration_sessions", _SESSION_COLS), values(session, _SESSION_COLS))
        # A run or factor row: the record's values between the session's id and time.
        for r in session.runs:
            tx.execute(insert_sql("calibration_runs", _RUN_COLS),
                       [session.session_id, *values(r, _RUN_COLS[1:-1]), session.created_at])
        for f in session.factors:
            tx.execute(insert_sql("calibration_factors", _FACTOR_COLS),
                       [session.session_id, *values(f, _FACTOR_COLS[1:-1], _TO_JSON), session.created_at])


def _query(store: Store, sql: str, params: Sequence[Any] = ()) -> duckdb.DuckDBPyConnection:
    # The store's own per-call cursor (private to the store package), so concurrent readers never share one.
    # Callers hold a unit of work (`store.session()`) around the query and the fetch.
    return store._cursor().execute(sql, list(params))


def _rows(store: Store, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    # One unit of work per query (the store keeps the file open across a burst of them).
    with store.session():
        return _query(store, sql, params).fetchall()


def load_session(store: Store, session_id: str) -> CalibrationSessionRecord | None:
    with store.session():
        head = fetch_one(_query(store, f"SELECT {', '.join(_SESSION_COLS)} FROM calibration_sessions "
                                "WHERE session_id = ?", [session_id]), CalibrationSessionRecord)  # runs: below
        if head is None:
            return None
        runs = fetch_all(_query(store, f"SELECT {select_list(CalibrationRunRecord)} FROM calibration_runs "
                                "WHERE session_id = ? ORDER BY engine_order, program", [session_id]),
                         CalibrationRunRecord)
        factors = fetch_all(_query(store, f"SELECT {select_list(CalibrationFactorRecord)} FROM calibration_factors "
                                   "WHERE session_id = ? ORDER BY reference_order, engine_order, quantity DESC",
                                   [session_id]),
                            CalibrationFactorRecord, convert=_FROM_JSON)
    return replace(head, runs=tuple(runs), factors=tuple(factors))


def session_ids(store: Store) -> list[str]:
    """Every stored session, newest first."""
    return [r[0] for r in _rows(store, "SELECT session_id FROM calibration_sessions "
                                "ORDER BY created_at DESC, session_id")]


def latest_sessions(store: Store) -> list[CalibrationSessionRecord]:
    """The newest session for every engine pair (reference version, engine version), newest first.

    An engine that was only ever calibrated alone (one --engine) is represented by its newest session, unless
    a session already chosen for a pair includes it.
    """
    chosen: list[str] = []
    for (sid,) in _rows(
        store,
        "WITH pairs AS (SELECT DISTINCT session_id, reference_version, engine_version FROM calibration_factors), "
        "ranked AS (SELECT p.session_id, s.created_at, row_number() OVER (PARTITION BY p.reference_version, "
        "p.engine_version ORDER BY s.created_at DESC, p.session_id) AS rank "
        "FROM pairs p JOIN calibration_sessions s USING (session_id)) "
        "SELECT session_id FROM ranked WHERE rank = 1 ORDER BY created_at DESC, session_id",
    ):
        if sid not in chosen:
            chosen.append(sid)
    sessions = [s for s in (load_session(store, sid) for sid in chosen) if s is not None]
    covered = {r.engine_version for s in sessions for r in s.runs}
    for sid, version in _rows(
        store,
        "WITH engines AS (SELECT DISTINCT session_id, engine_version FROM calibration_runs), "
        "ranked AS (SELECT e.session_id, e.engine_version, s.created_at, row_number() OVER (PARTITION BY "
        "e.engine_version ORDER BY s.created_at DESC, e.session_id) AS rank "
        "FROM engines e JOIN calibration_sessions s USING (session_id)) "
        "SELECT session_id, engine_version FROM ranked WHERE rank = 1 ORDER BY created_at DESC, session_id",
    ):
        if version in covered or sid in chosen:
            continue
        session = load_session(store, sid)
        if session is not None:
            chosen.append(sid)
            sessions.append(session)
            covered.update(r.engine_version for r in session.runs)
    sessions.sort(key=lambda s: (s.created_at, s.session_id), reverse=True)
    return sessions
