"""`ecco calibrate`: the shipped calibration set on several engines, and the factors that translate between them.

Judge0 reports the CPU time of everything in its box and the cgroup's memory charge; the local sandbox reports
the program's own CPU time and max RSS; ECCO's published numbers come from Judge0 on their machines. To set
numbers from one engine beside another's, the same programs (``calibration/set.toml``: about 20, written for
this project, from a few ms to about 2 s of CPU and from the interpreter's 8 MB to about 200 MB) run on every
engine; each program's output is checked, so a wrong run is a failure, never a number. Per program the medians
over the repeats give a ratio to the first (reference) engine; over programs, ``metrics.calibration`` fits a
time and a memory factor with their spread. Sessions are stored (``store.calibration``) and read back here for
``ecco report --calibration``.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import statistics
import tomllib
import uuid
from collections.abc import Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from ecco_tui.engines.base import Engine, Limits, TestCase, TestResult, code_sha256
from ecco_tui.metrics.calibration import SKIP_BELOW_FLOOR, FactorFit, fit_factor, measured_ratio
from ecco_tui.store import calibration as stored
from ecco_tui.store.store import Store

SET_DIR = Path(__file__).with_name("calibration")

#: Limits for calibration runs: room for the slow end of the set on a slower engine, within Judge0's maxima.
CALIBRATION_LIMITS = Limits(cpu_time_s=10.0, cpu_extra_time_s=1.0, wall_time_s=20.0, memory_kb=512_000)

#: Timer resolution per engine: Judge0 (isolate) reports milliseconds; the local engine reads rusage (µs).
TIMER_RESOLUTION_S = {"judge0": 0.001, "local": 0.000_001}
DEFAULT_RESOLUTION_S = 0.001
#: As in `ecco report`: a time under 20× the timer's resolution is mostly rounding, so it stays out of the fit.
BELOW_RESOLUTION_MULTIPLE = 20


class CalibrationError(Exception):
    """The calibration set cannot be read, or a selection matches no program."""


# ----------------------------------------------------------------------------------------- the shipped set


@dataclass(frozen=True, slots=True)
class CalibrationProgram:
    name: str
    file: str
    code: str
    stdin: str
    expected_stdout: str
    stresses: str
    cpu_ms: float  # rough CPU time on the reference machine (CPython 3.11, 2 vCPU VM), for reading the table
    memory_mb: float  # rough max RSS there

    @property
    def sha256(self) -> str:
        """Identity of what runs: the program text, its stdin and its expected output."""
        return hashlib.sha256(
            f"{code_sha256(self.code)}\0{TestCase(self.name, 'public', 0, self.stdin, self.expected_stdout).sha256}"
            .encode()
        ).hexdigest()

    def test(self) -> TestCase:
        return TestCase(f"calibration:{self.name}", "public", 0, self.stdin, self.expected_stdout)


@dataclass(frozen=True, slots=True)
class CalibrationSet:
    programs: tuple[CalibrationProgram, ...]

    @property
    def version(self) -> str:
        """A short hash of every program of the set (a changed program gives another version)."""
        h = hashlib.sha256()
        for p in sorted(self.programs, key=lambda p: p.name):
            h.update(f"{p.name}\0{p.sha256}\n".encode())
        return h.hexdigest()[:12]

    def names(self) -> list[str]:
        return [p.name for p in self.programs]

    def select(self, patterns: str | None) -> CalibrationSet:
        """The programs matching any of the comma-separated glob patterns (``None`` or ``*``: all).

        A pattern that matches nothing is an error: a typo must not silently calibrate on fewer programs.
        """
        if patterns is None or patterns.strip() in ("", "*"):
            return self
        wanted = [p.strip() for p in patterns.split(",") if p.strip()]
        for pattern in wanted:
            if not any(fnmatch.fnmatchcase(name, pattern) for name in self.names()):
                raise CalibrationError(
                    f"--programs: {pattern!r} matches no calibration program (there are: {', '.join(self.names())})"
                )
        return CalibrationSet(tuple(p for p in self.programs
                                    if any(fnmatch.fnmatchcase(p.name, pattern) for pattern in wanted)))


def generated_stdin(spec: dict[str, Any]) -> str:
    """Input described in set.toml as ``{ pairs = N, seed = S }``: N, then N lines of two integers below 10**6
    from a fixed linear congruential generator (the same bytes on every machine and Python version)."""
    try:
        count, x = int(spec["pairs"]), int(spec["seed"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CalibrationError(f"stdin must be a string or {{ pairs = N, seed = S }}, not {spec!r}") from exc
    lines = [str(count)]
    for _ in range(count):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        a = x % 1_000_000
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        lines.append(f"{a} {x % 1_000_000}")
    return "\n".join(lines) + "\n"


def load_calibration_set(directory: Path | None = None) -> CalibrationSet:
    """Read ``set.toml`` and the programs it names: the shipped set (package data, read once) by default."""
    return _shipped_set() if directory is None else _read_set(directory)


@cache
def _shipped_set() -> CalibrationSet:
    return _read_set(SET_DIR)


def _read_set(directory: Path) -> CalibrationSet:
    path = directory / "set.toml"
    try:
        doc = tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CalibrationError(f"{path}: cannot read the calibration set ({exc})") from exc
    programs = []
    seen: set[str] = set()
    for i, entry in enumerate(doc.get("program", [])):
        where = f"{path}: program #{i + 1}"
        try:
            name, file, stdout = str(entry["name"]), str(entry["file"]), str(entry["stdout"])
        except KeyError as exc:
            raise CalibrationError(f"{where}: missing {exc.args[0]!r}") from exc
        if name in seen:
            raise CalibrationError(f"{where}: duplicate name {name!r}")
        seen.add(name)
        raw_stdin = entry.get("stdin", "")
        stdin = raw_stdin if isinstance(raw_stdin, str) else generated_stdin(raw_stdin)
        try:
            code = (directory / file).read_text("utf-8")
        except OSError as exc:
            raise CalibrationError(f"{where} ({name}): cannot read {file} ({exc})") from exc
        programs.append(CalibrationProgram(
            name=name, file=file, code=code, stdin=stdin, expected_stdout=stdout,
            stresses=str(entry.get("stresses", "")), cpu_ms=float(entry.get("cpu_ms", 0)),
            memory_mb=float(entry.get("memory_mb", 0)),
        ))
    if not programs:
        raise CalibrationError(f"{path}: no [[program]] entries")
    return CalibrationSet(tuple(programs))


# -------------------------------------------------------------------------------------------- measuring


@dataclass(frozen=True, slots=True)
class CalibrationRow:
    """One program on one engine: medians over the accepted runs."""

    program: str
    engine: str
    engine_version: str
    runs: int
    failures: int
    failure: str | None  # the first failed run's status (and message), e.g. "Wrong Answer"
    cpu_median_s: float | None
    cpu_cv: float | None  # coefficient of variation over the accepted repeats
    wall_median_s: float | None
    memory_median_kb: float | None
    program_sha256: str = ""

    @property
    def ok(self) -> bool:
        """Every run accepted: only such programs enter a fit (a sometimes-failing program is suspect)."""
        return self.runs > 0 and self.failures == 0


@dataclass(frozen=True, slots=True)
class EngineCalibration:
    engine: str
    engine_version: str
    rows: tuple[CalibrationRow, ...]

    @property
    def resolution_s(self) -> float:
        return TIMER_RESOLUTION_S.get(self.engine, DEFAULT_RESOLUTION_S)

    def row(self, program: str) -> CalibrationRow | None:
        return next((r for r in self.rows if r.program == program), None)


def summarize_runs(program: CalibrationProgram, engine: str, engine_version: str, results: Sequence[TestResult]
                   ) -> CalibrationRow:
    ok = [r for r in results if r.accepted]
    bad = [r for r in results if not r.accepted]
    cpu = [r.cpu_time_s for r in ok if r.cpu_time_s is not None]
    wall = [r.wall_time_s for r in ok if r.wall_time_s is not None]
    mem = [float(r.memory_kb) for r in ok if r.memory_kb is not None]
    mean = statistics.mean(cpu) if cpu else 0.0
    cv = statistics.pstdev(cpu) / mean if len(cpu) > 1 and mean > 0 else None
    failure = None
    if bad:
        first = min(bad, key=lambda r: r.repeat_index)
        failure = first.status_description + (f": {first.message}" if first.message else "")
    return CalibrationRow(
        program=program.name, engine=engine, engine_version=engine_version, runs=len(results),
        failures=len(bad), failure=failure,
        cpu_median_s=statistics.median(cpu) if cpu else None, cpu_cv=cv,
        wall_median_s=statistics.median(wall) if wall else None,
        memory_median_kb=statistics.median(mem) if mem else None,
        program_sha256=program.sha256,
    )


async def calibrate(
    engine: Engine,
    programs: CalibrationSet | None = None,
    *,
    repeat: int = 5,
    limits: Limits | None = None,
    progress: Callable[[str], None] | None = None,
) -> EngineCalibration:
    """Run every program ``repeat`` times on ``engine``, one program after another (the engine spreads the
    repeats over its slots); ``progress(program)`` after each."""
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    programs = programs or load_calibration_set()
    info = await engine.info()
    limits = limits or CALIBRATION_LIMITS
    rows = []
    for program in programs.programs:
        results = []
        async with aclosing(engine.run(program.code, [program.test()], limits, repeat=repeat)) as stream:
            async for result in stream:
                results.append(result)
        rows.append(summarize_runs(program, info.name, info.version, results))
        if progress is not None:
            progress(program.name)
    return EngineCalibration(info.name, info.version, tuple(rows))


# ------------------------------------------------------------------------------------------------ pairs


@dataclass(frozen=True, slots=True)
class ProgramRatio:
    program: str
    time_ratio: float | None
    memory_ratio: float | None
    note: str  # "" when both ratios entered the fits, else why not


@dataclass(frozen=True, slots=True)
class PairFit:
    """Engine ``engine`` (B) relative to ``reference`` (A): B ≈ factor × A."""

    reference_order: int
    reference: str
    reference_version: str
    engine_order: int
    engine: str
    engine_version: str
    time: FactorFit
    memory: FactorFit
    time_floor_s: float
    ratios: tuple[ProgramRatio, ...] = ()


def _time_floor(a: EngineCalibration, b: EngineCalibration) -> float:
    return BELOW_RESOLUTION_MULTIPLE * max(a.resolution_s, b.resolution_s)


def _ratios(a: EngineCalibration, b: EngineCalibration, time: FactorFit, memory: FactorFit, floor: float
            ) -> tuple[ProgramRatio, ...]:
    out = []
    for ra in a.rows:
        rb = b.row(ra.program)
        if rb is None:
            continue
        notes = []
        if not ra.ok:
            notes.append(f"{a.engine}: {ra.failure or 'no runs'}")
        if not rb.ok:
            notes.append(f"{b.engine}: {rb.failure or 'no runs'}")
        if not notes:
            if ra.program in time.skipped:
                reason = time.skipped[ra.program]
                notes.append(f"time under {floor * 1000:g} ms (20× the timer): not in the time fit"
                             if reason == SKIP_BELOW_FLOOR else f"time {reason}: not in the time fit")
            if ra.program in memory.skipped:
                notes.append(f"memory {memory.skipped[ra.program]}: not in the memory fit")
        out.append(ProgramRatio(
            ra.program,
            measured_ratio(ra.cpu_median_s, rb.cpu_median_s) if ra.ok and rb.ok else None,
            measured_ratio(ra.memory_median_kb, rb.memory_median_kb) if ra.ok and rb.ok else None,
            "; ".join(notes),
        ))
    return tuple(out)


def compare(a: EngineCalibration, b: EngineCalibration, *, a_order: int = 0, b_order: int = 1, seed: int = 0
            ) -> PairFit:
    """Fit B's time and memory factors relative to A over the programs both ran successfully."""
    floor = _time_floor(a, b)
    time_pairs: dict[str, tuple[float | None, float | None]] = {}
    mem_pairs: dict[str, tuple[float | None, float | None]] = {}
    for ra in a.rows:
        rb = b.row(ra.program)
        if rb is None:
            continue
        both = ra.ok and rb.ok
        time_pairs[ra.program] = (ra.cpu_median_s, rb.cpu_median_s) if both else (None, None)
        mem_pairs[ra.program] = (ra.memory_median_kb, rb.memory_median_kb) if both else (None, None)
    time = fit_factor(time_pairs, floor=floor, seed=seed)
    memory = fit_factor(mem_pairs, seed=seed)
    return PairFit(a_order, a.engine, a.engine_version, b_order, b.engine, b.engine_version, time, memory, floor,
                   _ratios(a, b, time, memory, floor))


@dataclass(frozen=True, slots=True)
class CalibrationSession:
    session_id: str
    created_at: datetime
    set_version: str
    programs: str
    repeat: int
    engines: tuple[EngineCalibration, ...]
    pairs: tuple[PairFit, ...] = field(default_factory=tuple)

    @property
    def labels(self) -> list[str]:
        """Column labels for the engines: their names, numbered when a name repeats."""
        names = [e.engine for e in self.engines]
        return [n if names.count(n) == 1 else f"{n}#{i + 1}" for i, n in enumerate(names)]


def build_session(engines: Sequence[EngineCalibration], *, set_version: str, programs: str | None, repeat: int,
                  session_id: str | None = None, created_at: datetime | None = None) -> CalibrationSession:
    """A session with every engine compared to the first one."""
    pairs = tuple(compare(engines[0], other, b_order=i) for i, other in enumerate(engines) if i > 0)
    return CalibrationSession(
        session_id=session_id or uuid.uuid4().hex,
        created_at=created_at or datetime.now(UTC).replace(tzinfo=None),
        set_version=set_version, programs=programs or "*", repeat=repeat,
        engines=tuple(engines), pairs=pairs,
    )


# ------------------------------------------------------------------------------------------- the store


def _fit_record(pair: PairFit, quantity: str, fit: FactorFit, floor: float) -> stored.CalibrationFactorRecord:
    return stored.CalibrationFactorRecord(
        reference_order=pair.reference_order, reference_engine=pair.reference,
        reference_version=pair.reference_version, engine_order=pair.engine_order, engine=pair.engine,
        engine_version=pair.engine_version, quantity=quantity, n_programs=fit.n, factor=fit.factor,
        factor_lo=fit.lo, factor_hi=fit.hi, geo_mean=fit.geo_mean, gsd=fit.gsd, ratio_q1=fit.ratio_q1,
        ratio_q3=fit.ratio_q3, line_offset=fit.offset, line_slope=fit.slope, floor=floor, skipped=dict(fit.skipped),
    )


def save_session(store: Store, session: CalibrationSession) -> None:
    runs = tuple(
        stored.CalibrationRunRecord(
            engine_order=order, engine=r.engine, engine_version=r.engine_version, program=r.program,
            program_sha256=r.program_sha256, runs=r.runs, failures=r.failures, failure=r.failure,
            cpu_median_s=r.cpu_median_s, cpu_cv=r.cpu_cv, wall_median_s=r.wall_median_s,
            memory_median_kb=r.memory_median_kb,
        )
        for order, eng in enumerate(session.engines) for r in eng.rows
    )
    factors = tuple(
        record
        for pair in session.pairs
        for record in (_fit_record(pair, "time", pair.time, pair.time_floor_s),
                       _fit_record(pair, "memory", pair.memory, 0.0))
    )
    stored.save_session(store, stored.CalibrationSessionRecord(
        session_id=session.session_id, created_at=session.created_at, set_version=session.set_version,
        programs=session.programs, repeat=session.repeat, runs=runs, factors=factors,
    ))


def _fit_from_record(f: stored.CalibrationFactorRecord, a: EngineCalibration, b: EngineCalibration,
                     quantity: str) -> FactorFit:
    ratios = {}
    for ra in a.rows:
        rb = b.row(ra.program)
        if rb is None or ra.program in f.skipped:
            continue
        value = (measured_ratio(ra.cpu_median_s, rb.cpu_median_s) if quantity == "time"
                 else measured_ratio(ra.memory_median_kb, rb.memory_median_kb))
        if value is not None:
            ratios[ra.program] = value
    return FactorFit(n=f.n_programs, factor=f.factor, lo=f.factor_lo, hi=f.factor_hi, geo_mean=f.geo_mean,
                     gsd=f.gsd, ratio_q1=f.ratio_q1, ratio_q3=f.ratio_q3, offset=f.line_offset, slope=f.line_slope,
                     ratios=ratios, skipped=dict(f.skipped))


def session_from_record(record: stored.CalibrationSessionRecord) -> CalibrationSession:
    """A stored session as the CLI prints it; the factors are the stored ones, never refitted."""
    orders = sorted({r.engine_order for r in record.runs})
    try:
        position = {name: i for i, name in enumerate(load_calibration_set().names())}
    except CalibrationError:
        position = {}
    engines: dict[int, EngineCalibration] = {}
    for order in orders:
        # In the set's order (fastest first), as `ecco calibrate` printed them; unknown programs last.
        rows = sorted((r for r in record.runs if r.engine_order == order),
                      key=lambda r: (position.get(r.program, len(position)), r.program))
        engines[order] = EngineCalibration(rows[0].engine, rows[0].engine_version, tuple(
            CalibrationRow(program=r.program, engine=r.engine, engine_version=r.engine_version, runs=r.runs,
                           failures=r.failures, failure=r.failure, cpu_median_s=r.cpu_median_s, cpu_cv=r.cpu_cv,
                           wall_median_s=r.wall_median_s, memory_median_kb=r.memory_median_kb,
                           program_sha256=r.program_sha256)
            for r in rows
        ))
    pairs = []
    by_pair: dict[tuple[int, int], dict[str, stored.CalibrationFactorRecord]] = {}
    for f in record.factors:
        by_pair.setdefault((f.reference_order, f.engine_order), {})[f.quantity] = f
    for (a_order, b_order), fits in sorted(by_pair.items()):
        a, b = engines.get(a_order), engines.get(b_order)
        if a is None or b is None or "time" not in fits or "memory" not in fits:
            continue
        time = _fit_from_record(fits["time"], a, b, "time")
        memory = _fit_from_record(fits["memory"], a, b, "memory")
        pairs.append(PairFit(a_order, a.engine, a.engine_version, b_order, b.engine, b.engine_version, time, memory,
                             fits["time"].floor, _ratios(a, b, time, memory, fits["time"].floor)))
    return CalibrationSession(
        session_id=record.session_id, created_at=record.created_at, set_version=record.set_version,
        programs=record.programs, repeat=record.repeat, engines=tuple(engines[o] for o in orders), pairs=tuple(pairs),
    )


def latest_sessions(store: Store) -> list[CalibrationSession]:
    """The newest stored calibration for every engine pair (and for engines only calibrated alone)."""
    return [session_from_record(r) for r in stored.latest_sessions(store)]


# --------------------------------------------------------------------------------------------- rendering


@dataclass(frozen=True, slots=True)
class TableSpec:
    """A table as plain strings, for the CLI to draw (rich) or print (markdown)."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    align: tuple[str, ...] = ()  # per column: "l" for text, "r" for numbers


def _num(value: float | None, fmt: str, scale: float = 1.0) -> str:
    return "–" if value is None else format(value * scale, fmt)


def _factor_cell(fit: FactorFit) -> str:
    return _num(fit.factor, ".3f")


def _line_cell(fit: FactorFit, quantity: str) -> str:
    if fit.offset is None or fit.slope is None:
        return "–"
    offset = fit.offset * 1000 if quantity == "time" else fit.offset / 1024
    unit = "ms" if quantity == "time" else "MB"
    return f"{offset:+.1f} {unit} + {fit.slope:.3f}×"


def session_tables(session: CalibrationSession) -> list[TableSpec]:
    """The per-program table (medians, spread, ratios to the reference) and the fitted factors."""
    labels = session.labels
    ref = labels[0]
    columns = ["program"]
    for label in labels:
        columns += [f"{label} cpu ms", f"{label} cv", f"{label} MB"]
    for pair in session.pairs:
        columns += [f"{labels[pair.engine_order]}/{ref} time", f"{labels[pair.engine_order]}/{ref} mem"]
    columns.append("note")
    rows = []
    for program in [r.program for r in session.engines[0].rows]:
        cells = [program]
        notes: list[str] = []
        for label, eng in zip(labels, session.engines, strict=True):
            r = eng.row(program)
            if r is None:
                cells += ["", "", ""]
                continue
            cells += [_num(r.cpu_median_s, ".1f", 1000), _num(r.cpu_cv, ".1%"),
                      _num(r.memory_median_kb, ".1f", 1 / 1024)]
            if not r.ok:
                notes.append(f"{label}: {r.failures}/{r.runs} failed ({r.failure or 'no runs'})")
        for pair in session.pairs:
            pr = next((x for x in pair.ratios if x.program == program), None)
            cells += [_num(pr.time_ratio if pr else None, ".3f"), _num(pr.memory_ratio if pr else None, ".3f")]
            if pr and pr.note and not notes:
                notes.append(pr.note if len(session.pairs) == 1 else f"{labels[pair.engine_order]}: {pr.note}")
        cells.append("; ".join(notes))
        rows.append(tuple(cells))
    engines = TableSpec(
        f"calibration {session.created_at:%Y-%m-%d %H:%M} UTC · set {session.set_version} · programs "
        f"{session.programs} · {session.repeat} runs each",
        ("engine", "version", "timer resolution", "programs passed"),
        tuple((label, e.engine_version, f"{e.resolution_s * 1000:g} ms", f"{sum(r.ok for r in e.rows)}/{len(e.rows)}")
              for label, e in zip(labels, session.engines, strict=True)),
        ("l", "l", "r", "r"),
    )
    title = "per program: medians over the runs (cv = spread of CPU time)" + (
        f", ratios to {ref} (the first engine)" if session.pairs else "")
    align = ("l", *("r" for _ in columns[1:-1]), "l")
    tables = [engines, TableSpec(title, tuple(columns), tuple(rows), align)]
    if session.pairs:
        fit_rows = []
        for pair in session.pairs:
            name = f"{labels[pair.engine_order]} / {ref}"
            for quantity, fit in (("time", pair.time), ("memory", pair.memory)):
                interval = "–" if fit.lo is None or fit.hi is None else f"{fit.lo:.3f}–{fit.hi:.3f}"
                iqr = "–" if fit.ratio_q1 is None else f"{fit.ratio_q1:.3f}–{fit.ratio_q3:.3f}"
                skipped = len(fit.skipped)
                fit_rows.append((name, quantity, _factor_cell(fit), interval, _num(fit.gsd, ".3f"), iqr,
                                 _line_cell(fit, quantity), f"{fit.n}" + (f" ({skipped} left out)" if skipped else "")))
        tables.append(TableSpec(
            "fitted factors: B ≈ factor × A (median ratio in log space; spread = geometric SD and IQR of the ratios)",
            ("B / A", "quantity", "factor", "95% interval", "GSD", "ratio IQR", "line B ≈ a + b·A", "programs"),
            tuple(fit_rows), ("l", "l", "r", "r", "r", "r", "r", "r"),
        ))
    return tables


def render_markdown(sessions: Sequence[CalibrationSession]) -> str:
    parts = []
    for session in sessions:
        for table in session_tables(session):
            parts.append(f"### {table.title}\n")
            parts.append("| " + " | ".join(table.columns) + " |")
            parts.append("|" + "---|" * len(table.columns))
            parts.extend("| " + " | ".join(row) + " |" for row in table.rows)
            parts.append("")
    return "\n".join(parts)


def _fit_json(fit: FactorFit) -> dict[str, Any]:
    return {"n_programs": fit.n, "factor": fit.factor, "interval_95": [fit.lo, fit.hi], "geo_mean": fit.geo_mean,
            "gsd": fit.gsd, "ratio_iqr": [fit.ratio_q1, fit.ratio_q3], "line_offset": fit.offset,
            "line_slope": fit.slope, "skipped": dict(sorted(fit.skipped.items()))}


def session_json(session: CalibrationSession) -> dict[str, Any]:
    return {
        "session_id": session.session_id,
        "created_at": session.created_at.isoformat(),
        "set_version": session.set_version,
        "programs": session.programs,
        "repeat": session.repeat,
        "engines": [
            {"engine": e.engine, "engine_version": e.engine_version, "timer_resolution_s": e.resolution_s,
             "programs": [{"program": r.program, "runs": r.runs, "failures": r.failures, "failure": r.failure,
                           "cpu_median_s": r.cpu_median_s, "cpu_cv": r.cpu_cv, "wall_median_s": r.wall_median_s,
                           "memory_median_kb": r.memory_median_kb} for r in e.rows]}
            for e in session.engines
        ],
        "pairs": [
            {"reference": p.reference, "reference_version": p.reference_version, "engine": p.engine,
             "engine_version": p.engine_version, "time_floor_s": p.time_floor_s,
             "time": _fit_json(p.time), "memory": _fit_json(p.memory),
             "programs": [{"program": r.program, "time_ratio": r.time_ratio, "memory_ratio": r.memory_ratio,
                           "note": r.note} for r in p.ratios]}
            for p in session.pairs
        ],
    }


def render_json(sessions: Sequence[CalibrationSession]) -> str:
    return json.dumps([session_json(s) for s in sessions], indent=2)
