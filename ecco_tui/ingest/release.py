"""Import the ECCO release (Hugging Face `CodeEff/ECCO`) into the store, all or nothing.

Everything is read and checked before the store is touched; the writes then happen in one
transaction. A malformed file therefore costs nothing already stored.
"""

from __future__ import annotations

import hashlib
import os
import re
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa

from ecco_tui.engines.base import code_sha256, normalize_code, sha256_of_test
from ecco_tui.ingest.errors import IngestError
from ecco_tui.ingest.kinds import ArtifactKind, artifact_kind
from ecco_tui.ingest.readers import TABULAR_SUFFIXES, read_records
from ecco_tui.ingest.testcases import TestSource, is_test_root, read_test_source, visibility_from_path
from ecco_tui.model import Problem, Program, StoredTest
from ecco_tui.store.store import PAIRS_SCHEMA, Store, arrow_schema, dumps_extra

CONFIGS = ("edit", "generate_eval", "generate", "trajectories")
SPLITS = {"train": "train", "val": "val", "valid": "val", "validation": "val", "dev": "val", "test": "test"}

REQUIRED = {
    "edit": ("problem_id", "input", "target"),
    "generate": ("problem_id", "problem_description"),
    "generate_eval": ("problem_id", "runtimes", "memories"),
    "trajectories": ("user_id", "problem_id", "trajectories"),
}

ProgressFn = Callable[[str, int, int | None], None]
"""progress(stage, advance, total): total is given once per stage, then advances."""


@dataclass(frozen=True, slots=True)
class ReleaseFile:
    path: Path
    config: str
    split: str


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file found under a folder being imported that is not part of the release: one of ECCO's own artifacts
    (`kind` "outputs" or "results", imported by other commands), or "other" (no release config in its path)."""

    path: Path
    kind: ArtifactKind | Literal["other"]


@dataclass
class Discovery:
    files: list[ReleaseFile] = field(default_factory=list)
    test_sources: list[TestSource] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)


@dataclass
class ImportSummary:
    files: int = 0
    problems: int = 0
    programs: int = 0
    pairs: int = 0
    tests: int = 0
    spectra: int = 0
    trajectories: int = 0
    warnings: list[str] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)  # files under the folders that are not the release


def config_of(path: Path) -> str | None:
    """The release config a file belongs to, from its folder or name (`edit/test-…parquet`)."""
    parts = [p.lower() for p in path.parts]
    for part in reversed(parts):
        for config in CONFIGS:
            if part == config or part.startswith(config + "-") or part.startswith(config + "_"):
                return config
            if config == "trajectories" and "trajector" in part:
                return config
    return None


def split_of(path: Path) -> str | None:
    """The split from the file name (`test-00000-of-00001…`) or its folder (`edit/test/0000.parquet`)."""
    for part in reversed([p.lower() for p in path.parts]):
        for token in re.split(r"[-_.]", part):
            if token in SPLITS:
                return SPLITS[token]
    return None


def discover(
    paths: Sequence[Path], *, config: str | None = None, split: str | None = None, visibility: str | None = None
) -> Discovery:
    """Find the release files and test folders under the given paths."""
    found = Discovery()
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise IngestError(path, None, None, "no such file or folder")
        if path.is_file():
            _add_file(found, path, config, split, visibility, explicit=True)
            continue
        if is_test_root(path) or re.fullmatch(r"p\d{5}", path.name):
            # Only the folder's own name (and its parent's, for a single problem folder) decides: the
            # rest of an absolute path is the user's business ("/home/public/…" says nothing).
            named = Path(path.resolve().parent.name, path.name) if re.fullmatch(r"p\d{5}", path.name) else Path(
                path.resolve().name)
            found.test_sources.append(TestSource(path, visibility_from_path(named, visibility)))
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            here = Path(dirpath)
            if is_test_root(here):
                relative = here.resolve().relative_to(path.resolve().parent)
                found.test_sources.append(TestSource(here, visibility_from_path(relative, visibility)))
                dirnames[:] = []
                continue
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                _add_file(found, here / name, config, split, visibility, explicit=False)
    if not found.files and not found.test_sources:
        artifacts = sum(s.kind != "other" for s in found.skipped)
        raise IngestError(paths[0], None, None, "no ECCO release files found (parquet/jsonl/csv or test folders)"
                          + (f"; {artifacts} files are ECCO model outputs or evaluation results: import them with "
                             "ecco import-outputs / ecco import-results" if artifacts else ""))
    return found


def _add_file(
    found: Discovery, path: Path, config: str | None, split: str | None, visibility: str | None, explicit: bool
) -> None:
    if path.suffix.lower() == ".zip":
        found.test_sources.append(TestSource(path, visibility or "auto"))
        return
    if path.suffix.lower() not in TABULAR_SUFFIXES:
        if explicit:
            raise IngestError(path, None, None, "not a parquet, jsonl, csv or zip file")
        return
    # ECCO's own outputs and results are not the release (a named file is taken as given with --config).
    if not (explicit and config) and (kind := artifact_kind(path)) is not None:
        if explicit:
            command = "ecco import-outputs" if kind == "outputs" else "ecco import-results"
            what = "model outputs" if kind == "outputs" else "evaluation results"
            raise IngestError(path, None, None, f"ECCO {what}, not part of the release: import it with {command}")
        found.skipped.append(SkippedFile(path, kind))
        return
    cfg = config or config_of(path)
    spl = split or split_of(path)
    if cfg is None:
        if explicit:
            raise IngestError(path, None, None, "cannot tell the config (edit/generate/generate_eval/trajectories) "
                              "from the path; pass --config")
        found.skipped.append(SkippedFile(path, "other"))
        return
    if spl is None:
        raise IngestError(path, None, None, "cannot tell the split (train/val/test) from the path; pass --split")
    found.files.append(ReleaseFile(path, cfg, spl))


# -- parsing ---------------------------------------------------------------------------------------


def program_id_for(problem_id: str, code: str) -> str:
    """One program per (problem, normalized code): the same code in many pairs is stored once."""
    return hashlib.sha256(f"{problem_id}\x00{normalize_code(code)}".encode()).hexdigest()[:32]


def problem_name(description: str | None) -> str | None:
    if not description:
        return None
    m = re.search(r"Problem Name:\s*(.+)", description)
    return m.group(1).strip() if m else None


class _Tables:
    """Column buffers for every store table an import writes."""

    def __init__(self) -> None:
        self.problems: dict[str, dict[str, Any]] = {}
        self.programs: dict[str, dict[str, Any]] = {}
        self.pairs: list[dict[str, Any]] = []
        self.tests: dict[str, list[Any]] = {k: [] for k in
                                            ("problem_id", "visibility", "idx", "input", "expected_output",
                                             "test_sha256")}
        self.spectra: list[dict[str, Any]] = []
        self.trajectories: list[dict[str, Any]] = []
        self.steps: list[dict[str, Any]] = []

    def problem(self, problem_id: str, **values: Any) -> None:
        row = self.problems.setdefault(problem_id, {"problem_id": problem_id, "name": None,
                                                    "description": None, "split": None,
                                                    "fastest_code": None, "extra": None})
        for key, value in values.items():
            if value is not None:
                row[key] = value

    def program(self, problem_id: str, code: str, **values: Any) -> str:
        pid = program_id_for(problem_id, code)
        row = self.programs.get(pid)
        if row is None:
            row = {"program_id": pid, "problem_id": problem_id, "code": code, "code_sha256": code_sha256(code),
                   "language": "Python", "user_id": None, "submission_id": None, "ref_runtime_s": None,
                   "ref_memory_kb": None}
            self.programs[pid] = row
        for key, value in values.items():
            if value is not None:
                row[key] = value
        return pid


def _require(path: Path, rowno: int, rec: dict[str, Any], config: str) -> None:
    for col in REQUIRED[config]:
        if col not in rec:
            raise IngestError(path, rowno, col, "missing required column")
        if rec[col] is None:
            raise IngestError(path, rowno, col, "is null")


def _string(path: Path, rowno: int, rec: dict[str, Any], col: str, *, allow_empty: bool = False) -> str:
    value = rec.get(col)
    if not isinstance(value, str):
        raise IngestError(path, rowno, col, f"expected text, found {type(value).__name__}")
    if not allow_empty and not value.strip():
        raise IngestError(path, rowno, col, "is empty")
    return value


def _number_list(path: Path, rowno: int, rec: dict[str, Any], col: str) -> list[float]:
    value = rec.get(col)
    if not isinstance(value, list | tuple):
        raise IngestError(path, rowno, col, f"expected a list of numbers, found {type(value).__name__}")
    out = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise IngestError(path, rowno, col, f"expected numbers, found {item!r}")
        out.append(float(item))
    return out


def _check_columns(path: Path, records: list[dict[str, Any]], config: str) -> None:
    """A column missing from the whole file is reported once, naming the file, before any row is read."""
    if not records:
        return
    present = set(records[0])
    for col in REQUIRED[config]:
        if col not in present:
            raise IngestError(path, 1, col, f"missing required column (file has: {', '.join(sorted(present))})")


def _parse_edit(tables: _Tables, f: ReleaseFile, records: list[dict[str, Any]], row_base: int) -> None:
    known = set(REQUIRED["edit"])
    for i, rec in enumerate(records):
        rowno = i + 1
        _require(f.path, rowno, rec, "edit")
        problem_id = _string(f.path, rowno, rec, "problem_id")
        slow = _string(f.path, rowno, rec, "input")
        fast = _string(f.path, rowno, rec, "target")
        extra = {k: v for k, v in rec.items() if k not in known}
        user = extra.get("user_id")
        tables.problem(problem_id, split=f.split)
        slow_id = tables.program(problem_id, slow, user_id=None if user is None else str(user))
        fast_id = tables.program(problem_id, fast, user_id=None if user is None else str(user))
        row_idx = row_base + i
        tables.pairs.append({"pair_id": f"{f.split}:{row_idx}", "split": f.split, "row_idx": row_idx,
                             "problem_id": problem_id, "slow_program_id": slow_id, "fast_program_id": fast_id,
                             "extra": dumps_extra(extra)})


def _parse_generate(tables: _Tables, f: ReleaseFile, records: list[dict[str, Any]]) -> None:
    known = {"problem_id", "problem_description", "fastest_code"}
    for i, rec in enumerate(records):
        rowno = i + 1
        _require(f.path, rowno, rec, "generate")
        problem_id = _string(f.path, rowno, rec, "problem_id")
        description = _string(f.path, rowno, rec, "problem_description")
        fastest = rec.get("fastest_code")
        if fastest is not None and not isinstance(fastest, str):
            raise IngestError(f.path, rowno, "fastest_code", f"expected text, found {type(fastest).__name__}")
        extra = {k: v for k, v in rec.items() if k not in known}
        tables.problem(problem_id, name=problem_name(description), description=description, split=f.split,
                       fastest_code=fastest or None, extra=dumps_extra(extra))
        if fastest and fastest.strip():
            tables.program(problem_id, fastest)


def _parse_generate_eval(tables: _Tables, f: ReleaseFile, records: list[dict[str, Any]]) -> None:
    for i, rec in enumerate(records):
        rowno = i + 1
        _require(f.path, rowno, rec, "generate_eval")
        problem_id = _string(f.path, rowno, rec, "problem_id")
        runtimes = _number_list(f.path, rowno, rec, "runtimes")
        memories = _number_list(f.path, rowno, rec, "memories")
        _check_units(f.path, rowno, runtimes, memories)
        tables.problem(problem_id, split=f.split)
        tables.spectra.append({"problem_id": problem_id, "split": f.split, "runtimes_s": runtimes,
                               "memories_kb": memories})


def _check_units(path: Path, rowno: int, runtimes: list[float], memories: list[float]) -> None:
    """ECCO compares spectra directly with Judge0's `time` (s) and `memory` (KB): refuse other units."""
    if runtimes and statistics.median(runtimes) > 30:
        raise IngestError(path, rowno, "runtimes", "values look like milliseconds (median "
                          f"{statistics.median(runtimes):g}); ECCO's spectra are seconds, as Judge0's time")
    if memories and statistics.median(memories) < 256:
        raise IngestError(path, rowno, "memories", "values look like MB (median "
                          f"{statistics.median(memories):g}); ECCO's spectra are KB, as Judge0's memory")


_STEP_LISTS = ("submission_id", "status", "cpu_time", "memory", "code_size", "accuracy")


def _parse_trajectories(tables: _Tables, f: ReleaseFile, records: list[dict[str, Any]]) -> None:
    for i, rec in enumerate(records):
        rowno = i + 1 if f.path.suffix != ".csv" else i + 2
        _require(f.path, rowno, rec, "trajectories")
        user = str(rec["user_id"])
        problem_id = _string(f.path, rowno, rec, "problem_id")
        codes = rec["trajectories"]
        if not isinstance(codes, list | tuple) or not all(isinstance(c, str) for c in codes):
            raise IngestError(f.path, rowno, "trajectories", "expected a list of program texts")
        lists = {}
        for col in _STEP_LISTS:
            value = rec.get(col)
            if value is None:
                lists[col] = [None] * len(codes)
            elif not isinstance(value, list | tuple) or len(value) != len(codes):
                raise IngestError(f.path, rowno, col, f"expected a list of {len(codes)} values (one per program)")
            else:
                lists[col] = list(value)
        tid = f"{user}:{problem_id}"
        tables.problem(problem_id, split=f.split)
        tables.trajectories.append({"trajectory_id": tid, "user_id": user, "problem_id": problem_id,
                                    "original_language": rec.get("original_language"), "split": f.split})
        for step, code in enumerate(codes):
            cpu_ms = _opt_float(f.path, rowno, "cpu_time", lists["cpu_time"][step])
            mem = _opt_float(f.path, rowno, "memory", lists["memory"][step])
            sub = lists["submission_id"][step]
            prog = tables.program(problem_id, code, user_id=user, submission_id=None if sub is None else str(sub),
                                  ref_runtime_s=None if cpu_ms is None else cpu_ms / 1000.0, ref_memory_kb=mem)
            size = lists["code_size"][step]
            tables.steps.append({"trajectory_id": tid, "step": step, "program_id": prog,
                                 "submission_id": None if sub is None else str(sub),
                                 "status": None if lists["status"][step] is None else str(lists["status"][step]),
                                 "cpu_time_ms": cpu_ms, "memory_kb": mem,
                                 "code_size": None if size in (None, "") else int(float(size)),
                                 "accuracy": None if lists["accuracy"][step] is None
                                 else str(lists["accuracy"][step])})


def _opt_float(path: Path, rowno: int, col: str, value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise IngestError(path, rowno, col, f"expected a number, found {value!r}") from None


def parse_release(discovery: Discovery, progress: ProgressFn | None = None) -> tuple[_Tables, ImportSummary]:
    """Read and check every file; nothing is written yet."""
    tables = _Tables()
    summary = ImportSummary(files=len(discovery.files))
    # Rows of one split may be spread over several shards: number them in file-name order.
    row_base: dict[str, int] = {}
    if progress:
        progress("files", 0, len(discovery.files))
    for f in sorted(discovery.files, key=lambda x: (CONFIGS.index(x.config), x.split, str(x.path))):
        records = read_records(f.path)
        _check_columns(f.path, records, f.config)
        if f.config == "edit":
            _parse_edit(tables, f, records, row_base.get(f.split, 0))
            row_base[f.split] = row_base.get(f.split, 0) + len(records)
        elif f.config == "generate":
            _parse_generate(tables, f, records)
        elif f.config == "generate_eval":
            _parse_generate_eval(tables, f, records)
        else:
            _parse_trajectories(tables, f, records)
        if progress:
            progress("files", 1, None)
    for source in discovery.test_sources:
        n_dirs = _count_problem_dirs(source.path)
        if progress:
            progress(f"tests ({source.visibility if source.visibility != 'auto' else 'zip'})", 0, n_dirs)
        for test in read_test_source(source, (lambda n: progress("tests", n, None)) if progress else None):
            cols = tables.tests
            cols["problem_id"].append(test.problem_id)
            cols["visibility"].append(test.visibility)
            cols["idx"].append(test.idx)
            cols["input"].append(test.input)
            cols["expected_output"].append(test.expected_output)
            cols["test_sha256"].append(sha256_of_test(test.input, test.expected_output))
            tables.problem(test.problem_id)
    summary.problems = len(tables.problems)
    summary.programs = len(tables.programs)
    summary.pairs = len(tables.pairs)
    summary.tests = len(tables.tests["problem_id"])
    summary.spectra = len(tables.spectra)
    summary.trajectories = len(tables.trajectories)
    return tables, summary


def _count_problem_dirs(path: Path) -> int | None:
    if path.is_dir():
        try:
            return sum(1 for e in os.scandir(path) if e.is_dir())
        except OSError:
            return None
    return None


def _rows_table(rows: Iterable[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=schema)


# Tables whose columns are a store record's (and the release's other columns as JSON in `extra`); the other
# tables hold columns no record carries (a spectrum's split, a trajectory's language, a step's size).
_PROBLEM_SCHEMA = arrow_schema(Problem, text=("extra",))
_PROGRAM_SCHEMA = arrow_schema(Program)
_PAIR_SCHEMA = PAIRS_SCHEMA
_TEST_SCHEMA = arrow_schema(StoredTest)
_SPECTRUM_SCHEMA = pa.schema([("problem_id", pa.string()), ("split", pa.string()),
                              ("runtimes_s", pa.list_(pa.float64())), ("memories_kb", pa.list_(pa.float64()))])
_TRAJ_SCHEMA = pa.schema([("trajectory_id", pa.string()), ("user_id", pa.string()), ("problem_id", pa.string()),
                          ("original_language", pa.string()), ("split", pa.string())])
_STEP_SCHEMA = pa.schema([("trajectory_id", pa.string()), ("step", pa.int32()), ("program_id", pa.string()),
                          ("submission_id", pa.string()), ("status", pa.string()), ("cpu_time_ms", pa.float64()),
                          ("memory_kb", pa.float64()), ("code_size", pa.int64()), ("accuracy", pa.string())])


def write_release(store: Store, tables: _Tables, discovery: Discovery, summary: ImportSummary) -> None:
    """One transaction for the whole import."""
    keep = ("name", "description", "split", "fastest_code", "extra")
    with store.transaction() as tx:
        tx.upsert("problems", _rows_table(tables.problems.values(), _PROBLEM_SCHEMA), keep_existing=keep)
        tx.upsert("programs", _rows_table(tables.programs.values(), _PROGRAM_SCHEMA),
                  keep_existing=("user_id", "submission_id", "ref_runtime_s", "ref_memory_kb"))
        tx.upsert("pairs", _rows_table(tables.pairs, _PAIR_SCHEMA))
        tx.upsert("test_cases", pa.table(tables.tests, schema=_TEST_SCHEMA))
        tx.upsert("spectra", _rows_table(tables.spectra, _SPECTRUM_SCHEMA))
        tx.upsert("trajectories", _rows_table(tables.trajectories, _TRAJ_SCHEMA))
        tx.upsert("trajectory_steps", _rows_table(tables.steps, _STEP_SCHEMA))
        log = [
            {"import_id": hashlib.sha256(f"release\x00{p.resolve()}".encode()).hexdigest()[:16], "kind": "release",
             "path": str(p.resolve()), "rows": None}
            for p in [f.path for f in discovery.files] + [s.path for s in discovery.test_sources]
        ]
        tx.upsert("imports", pa.Table.from_pylist(log, schema=pa.schema(
            [("import_id", pa.string()), ("kind", pa.string()), ("path", pa.string()), ("rows", pa.int64())])))


def import_release(
    store: Store,
    paths: Sequence[Path],
    *,
    config: str | None = None,
    split: str | None = None,
    visibility: str | None = None,
    progress: ProgressFn | None = None,
) -> ImportSummary:
    """Read, check, then write the release files found under `paths`."""
    if config is not None and config not in CONFIGS:
        raise IngestError(paths[0], None, "--config", f"unknown config {config!r} (one of {', '.join(CONFIGS)})")
    if split is not None:
        if split not in SPLITS:
            raise IngestError(paths[0], None, "--split", f"unknown split {split!r} (train, val or test)")
        split = SPLITS[split]
    discovery = discover(paths, config=config, split=split, visibility=visibility)
    tables, summary = parse_release(discovery, progress)
    write_release(store, tables, discovery, summary)
    summary.skipped = list(discovery.skipped)
    return summary


__all__ = ["ImportSummary", "SkippedFile", "discover", "import_release"]
