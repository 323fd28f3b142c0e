"""Import ECCO evaluation-result files: per-test Judge0 results become executions, summaries are kept aside.

A result file is one JSON object keyed by the row index of the model-output file it evaluated
(`generated_codes[_<round>]_<outputs name>`). Each entry holds per-test dicts for the input and the
output (edit) or the output alone (generate). Run-time / memory dicts only list tests that ended
Accepted or Wrong Answer; other tests appear only in the errors dict and get their status from the text.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from ecco_tui.engines.base import STATUS_DESCRIPTIONS, code_sha256
from ecco_tui.ingest.errors import IngestError
from ecco_tui.ingest.readers import read_text_utf8
from ecco_tui.store.store import Store

ENGINE = "judge0-imported"
PER_TEST_SUFFIXES = ("run_time_all", "memory_all", "pass_all", "errors_all")
_PREFIX = re.compile(r"^generated_codes(?:_(\d+))?_(.+)$")


@dataclass
class ResultsImport:
    run_id: str
    result_file: str
    round: int
    rows: int = 0
    executions: int = 0
    skipped_rows: list[int] = field(default_factory=list)  # output rows with no entry in the file
    summary_disagreements: int = 0
    warnings: list[str] = field(default_factory=list)


def outputs_name_for(result_path: Path) -> tuple[str, int | None]:
    """(outputs file name, round) that ECCO's naming gives a result file."""
    m = _PREFIX.match(result_path.name)
    if not m:
        raise IngestError(result_path, None, None, "cannot tell the outputs file from the name (expected "
                          "generated_codes[_<round>]_<outputs file>); pass --outputs")
    return m.group(2), None if m.group(1) is None else int(m.group(1))


def status_from_error(text: str | None) -> tuple[int, str | None]:
    """A test that appears only in the errors dict: Wrong Answer by its text, else a runtime error."""
    if text is None or not text.strip():
        return 12, "no error text in the result file (a time limit or a signal, not recorded by ECCO)"
    if text.startswith("Wrong Answer"):
        return 4, None
    if "Killed" in text or "Segmentation fault" in text:
        return 11, "killed (see stderr)"
    return 11, None


def _per_test(path: Path, key: str, entry: dict[str, Any], prefix: str) -> dict[str, dict[str, Any]]:
    """test id → {status, time, memory, error} for one program of one entry."""
    names = {s: f"{prefix}{s}" for s in PER_TEST_SUFFIXES}
    times = entry.get(names["run_time_all"]) or {}
    mems = entry.get(names["memory_all"]) or {}
    passed = entry.get(names["pass_all"]) or []
    errors = entry.get(names["errors_all"]) or {}
    for label, value, kind in ((names["run_time_all"], times, dict), (names["memory_all"], mems, dict),
                               (names["pass_all"], passed, list), (names["errors_all"], errors, dict)):
        if not isinstance(value, kind):
            raise IngestError(path, key, label, f"expected a {kind.__name__}, found {type(value).__name__}")
    passed_ids = {str(p) for p in passed}
    tests: dict[str, dict[str, Any]] = {}
    for tid in {*map(str, times), *map(str, errors), *passed_ids}:
        if not tid.isdecimal():  # the digits `\d+` matches, without a regex per test
            raise IngestError(path, key, names["run_time_all"], f"test id {tid!r} is not a number")
        t, mem = times.get(tid), mems.get(tid)
        for label, value in ((names["run_time_all"], t), (names["memory_all"], mem)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise IngestError(path, key, label, f"test {tid}: expected a number, found {value!r}")
        err = errors.get(tid)
        if err is not None and not isinstance(err, str):
            raise IngestError(path, key, names["errors_all"], f"test {tid}: expected text or null")
        if tid in passed_ids:
            status, message = 3, None
        elif tid in times:
            status, message = 4, None
        else:
            status, message = status_from_error(err)
        tests[tid] = {"status": status, "time": t, "memory": mem, "error": err, "message": message}
    return tests


def _summary(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if not k.endswith(PER_TEST_SUFFIXES)}


def _disagrees(entry: dict[str, Any], prefix: str, tests: dict[str, dict[str, Any]]) -> bool:
    """Does the stored pass rate disagree with the per-test data (e.g. divided by a wrong --num_tests)?"""
    rate_key = f"{prefix}pass_rate" if prefix else "pass_rate"
    stored = entry.get(rate_key)
    if not isinstance(stored, int | float) or not tests:
        return False
    computed = sum(1 for t in tests.values() if t["status"] == 3) / len(tests)
    return abs(float(stored) - computed) > 1e-6


def import_results(
    store: Store,
    path: Path,
    *,
    run_id: str | None = None,
    round: int | None = None,
    visibility: str = "private",
    progress: Callable[[int, int], None] | None = None,
) -> ResultsImport:
    """Store the per-test results of one ECCO result file against the run made from its outputs file.

    Everything is checked before anything is written; the old results of the file are replaced in one
    transaction, so a bad file leaves the store as it was."""
    path = Path(path)
    if not path.exists():
        raise IngestError(path, None, None, "no such file")
    text = read_text_utf8(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise IngestError(path, exc.lineno, None, f"invalid JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise IngestError(path, None, None, "expected one JSON object keyed by row index (ECCO's result file)")
    with store.session():  # one connection for the lookups and the write
        return _import(store, path, data, run_id, round, visibility, progress)


def _import(
    store: Store,
    path: Path,
    data: dict[str, Any],
    run_id: str | None,
    round: int | None,
    visibility: str,
    progress: Callable[[int, int], None] | None,
) -> ResultsImport:
    runs = store.runs()
    if run_id is None:
        outputs_name, name_round = outputs_name_for(path)
        found = next((r for r in runs if r.source_file and Path(r.source_file).name == outputs_name), None)
        if found is None:
            raise IngestError(path, None, None, f"its outputs file {outputs_name} is not imported: run "
                              "`ecco import-outputs` on it first, or pass --run")
        run_id = found.run_id
        round = name_round if round is None else round
    run = next((r for r in runs if r.run_id == run_id), None)
    if run is None:
        raise IngestError(path, None, "--run", f"no run named {run_id!r}")
    outputs = {(o.row_idx, o.round, o.sample_idx): o for o in store.run_outputs(run_id)}
    rounds = sorted({r for (_, r, _) in outputs})
    the_round = (round if round is not None else (rounds[-1] if len(rounds) > 1 else 0))
    if rounds and the_round not in rounds:
        raise IngestError(path, None, "round", f"run {run_id} has rounds {rounds}, not {the_round}")
    result = ResultsImport(run_id=run_id, result_file=path.name, round=the_round)
    version = f"ecco-result:{path.name}"
    source = str(path.resolve())
    is_edit = run.task == "edit"
    # Every lookup in one query each (not one per row and program): the inputs' pairs and the tests' hashes.
    evaluated = [o for (_, r, s), o in outputs.items() if r == the_round and s == 0]
    pairs = store.get_pairs(sorted({o.pair_id for o in evaluated if o.pair_id})) if is_edit else {}
    test_hashes = store.test_hashes(sorted({o.problem_id for o in evaluated}), visibility)
    # The executions' varying columns, one list each (the constant ones are filled in at the end).
    exec_ids: list[str] = []
    shas: list[str] = []
    problems: list[str] = []
    test_idxs: list[int] = []
    test_shas: list[str | None] = []
    statuses: list[int] = []
    descriptions: list[str] = []
    cpu_times: list[float | None] = []
    memories: list[float | None] = []
    stderrs: list[str | None] = []
    messages: list[str | None] = []
    contexts: list[str] = []
    summaries: list[dict[str, Any]] = []
    for n, (key, entry) in enumerate(sorted(data.items(), key=lambda kv: int(kv[0]) if kv[0].isdigit() else -1)):
        if not key.isdigit():
            raise IngestError(path, key, None, "keys must be output row indices (\"0\", \"1\", ...)")
        if not isinstance(entry, dict):
            raise IngestError(path, key, None, f"expected an object, found {type(entry).__name__}")
        row = int(key)
        output = outputs.get((row, the_round, 0))
        if output is None:
            raise IngestError(path, key, None, f"run {run_id} has no output row {row} (round {the_round})")
        problem_id = entry.get("problem_id")
        if problem_id != output.problem_id:
            raise IngestError(path, key, "problem_id", f"{problem_id!r} does not match output row {row} "
                              f"({output.problem_id}) of run {run_id}")
        sides: list[tuple[str, str, str | None]] = []
        if is_edit:
            pair = pairs.get(output.pair_id) if output.pair_id else None
            sides.append(("input", "input_", pair.slow.code if pair else None))
            sides.append(("output", "output_", output.code))
        else:
            sides.append(("output", "", output.code))
        for role, prefix, code in sides:
            tests = _per_test(path, key, entry, prefix)
            if _disagrees(entry, prefix, tests):
                result.summary_disagreements += 1
            if not code or not code.strip():
                continue
            sha = code_sha256(code)
            context = f"{run_id}#{row}#{role}"
            id_prefix = f"{path.name}|{row}|{role}|"
            for tid, t in tests.items():
                idx = int(tid)
                status, err = t["status"], t["error"]
                exec_ids.append(hashlib.sha256(f"{id_prefix}{tid}".encode()).hexdigest()[:32])
                shas.append(sha)
                problems.append(problem_id)
                test_idxs.append(idx)
                test_shas.append(test_hashes.get((problem_id, idx)))
                statuses.append(status)
                descriptions.append(STATUS_DESCRIPTIONS[status])
                cpu_times.append(None if t["time"] is None else float(t["time"]))
                memories.append(None if t["memory"] is None else float(t["memory"]))
                stderrs.append(err[:4096] if err else None)
                messages.append(t["message"])
                contexts.append(context)
        summaries.append({"result_file": path.name, "run_id": run_id, "round": the_round, "row_idx": row,
                          "problem_id": problem_id, "summary": json.dumps(_summary(entry), sort_keys=True)})
        if progress:
            progress(1, len(data))
        result.rows = n + 1
    result.skipped_rows = sorted({o.row_idx for o in evaluated} - {int(k) for k in data})
    result.executions = len(exec_ids)
    if result.summary_disagreements:
        result.warnings.append(f"{path.name}: stored pass rates disagree with the per-test data in "
                               f"{result.summary_disagreements} program(s); metrics use the per-test data")
    count = len(exec_ids)

    def same(value: Any) -> list[Any]:
        return [value] * count

    executions = pa.Table.from_arrays([
        exec_ids, shas, problems, same(visibility), test_idxs, test_shas, same(ENGINE), same(version),
        same("ecco:runs=3,wall=20,mem=512000"), same("time"), same(0), statuses, descriptions, cpu_times,
        same(None), memories, same(None), stderrs, messages, same(source), contexts,
    ], schema=_EXEC_SCHEMA)
    with store.transaction() as tx:
        tx.execute("DELETE FROM executions WHERE engine = ? AND engine_version = ?", [ENGINE, version])
        tx.execute("DELETE FROM imported_results WHERE result_file = ?", [path.name])
        if count:
            tx.insert("executions", executions)  # their old versions were deleted just above
        if summaries:
            tx.upsert("imported_results", pa.Table.from_pylist(summaries))
        tx.upsert("imports", pa.Table.from_pylist([{
            "import_id": hashlib.sha256(f"results\x00{source}".encode()).hexdigest()[:16],
            "kind": "results", "path": source, "rows": result.rows}]))
    return result


_EXEC_SCHEMA = pa.schema([
    ("execution_id", pa.string()), ("code_sha256", pa.string()), ("problem_id", pa.string()),
    ("visibility", pa.string()), ("test_idx", pa.int32()), ("test_sha256", pa.string()), ("engine", pa.string()),
    ("engine_version", pa.string()), ("limits_key", pa.string()), ("mode", pa.string()), ("repeat_idx", pa.int32()),
    ("status_id", pa.int32()), ("status_description", pa.string()), ("cpu_time_s", pa.float64()),
    ("wall_time_s", pa.float64()), ("memory_kb", pa.float64()), ("stdout_excerpt", pa.string()),
    ("stderr_excerpt", pa.string()), ("message", pa.string()), ("source", pa.string()), ("context", pa.string()),
])
