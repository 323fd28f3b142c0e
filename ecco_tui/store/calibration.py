"""Engine calibration sessions in the store (tables of migration 0006): written and read as plain records.

A session is one `ecco calibrate` invocation: a row per program and engine (medians over the repeats) and the
fitted time and memory factors of each engine relative to the reference engine. Writes go through
`Store.transaction()` (a session lands whole or not at all); reads use the store's per-call cursor, as every
`Store` method does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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
    runs: tuple[CalibrationRunRecord, ...] = ()
    factors: tuple[CalibrationFactorRecord, ...] = ()


_RUN_COLS = (
    "engine_order, engine, engine_version, program, program_sha256, runs, failures, failure, cpu_median_s, "
    "cpu_cv, wall_median_s, memory_median_kb"
)
_FACTOR_COLS = (
    "reference_order, reference_engine, reference_version, engine_order, engine, engine_version, quantity, "
    "n_programs, factor, factor_lo, factor_hi, geo_mean, gsd, ratio_q1, ratio_q3, line_offset, line_slope, floor, "
    "skipped"
)


def _placeholders(cols: str) -> str:
    return ", ".join("?" for _ in cols.split(","))


def save_session(store: Store, session: CalibrationSessionRecord) -> None:
    """Store a whole session in one transaction; saving the same session id again replaces it."""
    with store.transaction() as tx:
        for table in ("calibration_factors", "calibration_runs", "calibration_sessions"):
            tx.execute(f"DELETE FROM {table} WHERE session_id = ?", [session.session_id])
        tx.execute(
            "INSERT INTO calibration_sessions (session_id, set_version, programs, repeat, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [session.session_id, session.set_version, session.programs, session.repeat, session.created_at],
        )
        for r in session.runs:
            tx.execute(
                f"INSERT INTO calibration_runs (session_id, {_RUN_COLS}, created_at) "
                f"VALUES (?, {_placeholders(_RUN_COLS)}, ?)",
                [session.session_id, r.engine_order, r.engine, r.engine_version, r.program, r.program_sha256,
                 r.runs, r.failures, r.failure, r.cpu_median_s, r.cpu_cv, r.wall_median_s, r.memory_median_kb,
                 session.created_at],
            )
        for f in session.factors:
            tx.execute(
                f"INSERT INTO calibration_factors (session_id, {_FACTOR_COLS}, created_at) "
                f"VALUES (?, {_placeholders(_FACTOR_COLS)}, ?)",
                [session.session_id, f.reference_order, f.reference_engine, f.reference_version, f.engine_order,
                 f.engine, f.engine_version, f.quantity, f.n_programs, f.factor, f.factor_lo, f.factor_hi,
                 f.geo_mean, f.gsd, f.ratio_q1, f.ratio_q3, f.line_offset, f.line_slope, f.floor,
                 json.dumps(f.skipped, sort_keys=True), session.created_at],
            )


def _rows(store: Store, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    # The store's own per-call cursor (private to the store package), so concurrent readers never share one;
    # one unit of work per query (the store keeps the file open across a burst of them).
    with store.session():
        return store._cursor().execute(sql, list(params)).fetchall()


def load_session(store: Store, session_id: str) -> CalibrationSessionRecord | None:
    head = _rows(store, "SELECT session_id, created_at, set_version, programs, repeat FROM calibration_sessions "
                 "WHERE session_id = ?", [session_id])
    if not head:
        return None
    runs = tuple(
        CalibrationRunRecord(*row)
        for row in _rows(store, f"SELECT {_RUN_COLS} FROM calibration_runs WHERE session_id = ? "
                         "ORDER BY engine_order, program", [session_id])
    )
    factors = []
    for row in _rows(store, f"SELECT {_FACTOR_COLS} FROM calibration_factors WHERE session_id = ? "
                     "ORDER BY reference_order, engine_order, quantity DESC", [session_id]):
        *values, skipped = row
        factors.append(CalibrationFactorRecord(*values, skipped=json.loads(skipped) if skipped else {}))
    return CalibrationSessionRecord(*head[0], runs=runs, factors=tuple(factors))


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
