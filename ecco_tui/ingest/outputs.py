"""Import model-output JSONL files written by ECCO's inference and refinement scripts.

One record per row of the dataset split the file was made from (record i ↔ row i). Single-round files
carry `generated_codes` / `full_generations`; refinement files carry `generated_codes_<i>` … per round
plus the feedback given between rounds. Every sample of every round becomes one `model_outputs` row.
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

from ecco_tui.engines.base import code_sha256
from ecco_tui.ingest.errors import IngestError
from ecco_tui.ingest.naming import NameHints, parse_output_name
from ecco_tui.ingest.readers import read_records
from ecco_tui.ingest.release import SPLITS, problem_name, program_id_for
from ecco_tui.store.store import MODEL_OUTPUTS_SCHEMA, PAIRS_SCHEMA, Store

_ROUND_COL = re.compile(r"^(generated_codes|full_generations|feedback|exec_feedback|reflect)_(\d+)$")

METHODS = ("instruct", "few-shot", "self-refine", "exec-refine", "nl-exec-refine", "exec-sft", "traj-sft",
           "vanilla-sft")


@dataclass
class OutputsImport:
    run_id: str
    task: str
    model: str
    method: str
    split: str
    rows: int = 0
    outputs: int = 0
    rounds: int = 1
    samples: int = 1
    pairs_created: int = 0
    inferred: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _columns_method(columns: set[str]) -> str | None:
    """The refinement method the columns show (shared/ecco-format.md §2)."""
    has_exec = any(c.startswith("exec_feedback_") for c in columns)
    has_reflect = any(c.startswith("reflect_") for c in columns)
    has_feedback = any(re.match(r"^feedback_\d+$", c) for c in columns)
    if has_exec and has_reflect:
        return "nl-exec-refine"
    if has_exec:
        return "exec-refine"
    if has_feedback:
        return "self-refine"
    return None


def _text_list(path: Path, rowno: int, rec: dict[str, Any], col: str) -> list[str | None]:
    value = rec.get(col)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise IngestError(path, rowno, col, f"expected a list of texts, found {type(value).__name__}")
    for item in value:
        if item is not None and not isinstance(item, str):
            raise IngestError(path, rowno, col, f"expected texts in the list, found {type(item).__name__}")
    return list(value)


def default_run_id(hints: NameHints, task: str, method: str, path: Path) -> str:
    model = hints.model or "model"
    base = f"{model}-{method}" if task == "edit" else f"{model}-nl2code-{method}"
    if hints.date:
        return f"{base}-{hints.date.replace('-', '').replace(':', '').replace(' ', '-')}"
    return f"{base}-{hashlib.sha256(path.name.encode()).hexdigest()[:6]}"


def import_outputs(
    store: Store,
    path: Path,
    *,
    model: str | None = None,
    method: str | None = None,
    run_id: str | None = None,
    split: str = "test",
    progress: Callable[[int, int], None] | None = None,
) -> OutputsImport:
    """Read, check and store one ECCO output file as a run; all or nothing."""
    path = Path(path)
    if not path.exists():
        raise IngestError(path, None, None, "no such file")
    if split not in SPLITS:
        raise IngestError(path, None, "--split", f"unknown split {split!r} (train, val or test)")
    split = SPLITS[split]
    if method is not None and method not in METHODS:
        raise IngestError(path, None, "--method", f"unknown method {method!r} (one of {', '.join(METHODS)})")
    records = read_records(path)
    if not records:
        raise IngestError(path, None, None, "no records")
    columns: set[str] = set().union(*(r.keys() for r in records[:50]))
    if "problem_id" not in columns:
        raise IngestError(path, 1, "problem_id", "missing required column")
    hints = parse_output_name(path.name)
    task = "edit" if "input" in columns else ("generate" if "problem_description" in columns else None)
    if task is None:
        raise IngestError(path, 1, "input", "missing: an edit file needs input/target, a generation file "
                          "problem_description")
    rounds = sorted({int(m.group(2)) for c in columns if (m := _ROUND_COL.match(c)) and m.group(1) ==
                     "generated_codes"})
    refinement = bool(rounds)
    if not refinement and "generated_codes" not in columns:
        raise IngestError(path, 1, "generated_codes", "missing required column (or generated_codes_<round>)")
    result = OutputsImport(run_id="", task=task, model="", method="", split=split)
    col_method = _columns_method(columns)
    name_method = hints.variant or hints.method
    if method is None:
        if col_method and name_method and name_method != col_method and name_method in (
            "self-refine", "exec-refine", "nl-exec-refine"
        ):
            result.warnings.append(
                f"{path.name}: the name says {name_method} but the columns show {col_method}; stored as {col_method}"
            )
        method = col_method or name_method or "instruct"
        result.inferred["method"] = method
    if hints.task and hints.task != task:
        result.warnings.append(f"{path.name}: the name says {hints.task} but the columns show {task}; stored as {task}")
    if model is None:
        model = hints.model or "unknown-model"
        result.inferred["model"] = model
    result.model, result.method = model, method
    result.run_id = run_id or default_run_id(hints, task, method, path)
    if run_id is None:
        result.inferred["run"] = result.run_id
    split_rows = store.split_rows(split) if task == "edit" else {}

    programs: dict[str, dict[str, Any]] = {}
    pairs: list[dict[str, Any]] = []
    problems: dict[str, dict[str, Any]] = {}
    outputs: list[dict[str, Any]] = []
    round_ids = rounds if refinement else [None]
    max_samples = 1
    for i, rec in enumerate(records):
        rowno = i + 1
        problem_id = rec.get("problem_id")
        if not isinstance(problem_id, str) or not problem_id:
            raise IngestError(path, rowno, "problem_id", "missing or not text")
        pair_id = None
        if task == "edit":
            slow, fast = rec.get("input"), rec.get("target")
            if not isinstance(slow, str):
                raise IngestError(path, rowno, "input", "missing or not text")
            linked = split_rows.get(i)
            if linked is not None:
                if linked[1] != problem_id:
                    raise IngestError(path, rowno, "problem_id", f"{problem_id} does not match row {i} of the "
                                      f"{split} split ({linked[1]}); wrong --split or a different release?")
                pair_id = linked[0]
            else:
                # The output file carries the pair itself: store it so the run is usable on its own.
                pair_id = f"{split}:{i}"
                slow_id = program_id_for(problem_id, slow)
                programs[slow_id] = _program_row(slow_id, problem_id, slow)
                if isinstance(fast, str) and fast.strip():
                    fast_id = program_id_for(problem_id, fast)
                    programs[fast_id] = _program_row(fast_id, problem_id, fast)
                else:
                    fast_id = slow_id
                pairs.append({"pair_id": pair_id, "split": split, "row_idx": i, "problem_id": problem_id,
                              "slow_program_id": slow_id, "fast_program_id": fast_id, "extra": None})
        else:
            desc = rec.get("problem_description")
            if desc is not None and not isinstance(desc, str):
                raise IngestError(path, rowno, "problem_description", "not text")
            problems[problem_id] = {"problem_id": problem_id, "name": problem_name(desc), "description": desc,
                                    "split": split}
        problems.setdefault(problem_id, {"problem_id": problem_id, "name": None, "description": None,
                                         "split": split})
        prompt = rec.get("prompt") if isinstance(rec.get("prompt"), str) else None
        for rnd_pos, rnd in enumerate(round_ids):
            sfx = "" if rnd is None else f"_{rnd}"
            codes = _text_list(path, rowno, rec, f"generated_codes{sfx}")
            raws = _text_list(path, rowno, rec, f"full_generations{sfx}")
            feedback = _text_list(path, rowno, rec, f"feedback{sfx}") if rnd is not None else []
            exec_fb = _text_list(path, rowno, rec, f"exec_feedback{sfx}") if rnd is not None else []
            reflect = _text_list(path, rowno, rec, f"reflect{sfx}") if rnd is not None else []
            n = max(len(codes), len(raws))
            max_samples = max(max_samples, n)
            for s in range(n):
                code = codes[s] if s < len(codes) else None
                prog_id = None
                if code and code.strip():
                    prog_id = program_id_for(problem_id, code)
                    programs.setdefault(prog_id, _program_row(prog_id, problem_id, code))
                round_no = rnd_pos if rnd is None else rnd
                outputs.append({
                    "output_id": f"{result.run_id}:{i}:{s}:{round_no}",
                    "run_id": result.run_id, "row_idx": i, "sample_idx": s, "round": round_no,
                    "problem_id": problem_id, "pair_id": pair_id, "program_id": prog_id, "code": code,
                    "raw_response": raws[s] if s < len(raws) else None,
                    "prompt": prompt if round_no == 0 else _str(rec.get("refine_prompt")),
                    "feedback": _pick(feedback, s), "exec_feedback": _pick(exec_fb, s),
                    "reflection": _pick(reflect, s),
                })
        if progress:
            progress(1, len(records))
    result.rows = len(records)
    result.outputs = len(outputs)
    result.rounds = len(round_ids)
    result.samples = max_samples
    result.pairs_created = len(pairs)
    settings = dict(hints.settings)
    if hints.prompting:
        settings["prompting"] = hints.prompting
    if hints.date:
        settings["date"] = hints.date
    run_row = {"run_id": result.run_id, "task": task, "model": model, "method": method, "split": split,
               "source_file": str(path.resolve()), "settings": json.dumps(settings, sort_keys=True)}
    with store.transaction() as tx:
        # A re-import of the same file replaces the run's outputs exactly.
        tx.execute("DELETE FROM model_outputs WHERE run_id = ?", [result.run_id])
        tx.upsert("runs", pa.Table.from_pylist([run_row]))
        tx.upsert("problems", pa.Table.from_pylist(list(problems.values()), schema=pa.schema(
            [("problem_id", pa.string()), ("name", pa.string()), ("description", pa.string()),
             ("split", pa.string())])), keep_existing=("name", "description", "split"))
        if programs:
            tx.upsert("programs", pa.Table.from_pylist(list(programs.values())))
        if pairs:
            tx.upsert("pairs", pa.Table.from_pylist(pairs, schema=PAIRS_SCHEMA))
        tx.upsert("model_outputs", pa.Table.from_pylist(outputs, schema=_OUTPUT_SCHEMA))
        tx.upsert("imports", pa.Table.from_pylist([{
            "import_id": hashlib.sha256(f"outputs\x00{path.resolve()}".encode()).hexdigest()[:16],
            "kind": "outputs", "path": str(path.resolve()), "rows": len(records)}]))
    return result


#: The columns an output file fills: all but the round loop's own, which a re-import leaves as they are.
_OUTPUT_SCHEMA = pa.schema(
    [f for f in MODEL_OUTPUTS_SCHEMA if f.name not in ("failure", "feedback_prompt", "generation")]
)


def _program_row(program_id: str, problem_id: str, code: str) -> dict[str, Any]:
    return {"program_id": program_id, "problem_id": problem_id, "code": code, "code_sha256": code_sha256(code),
            "language": "Python"}


def _pick(values: list[str | None], s: int) -> str | None:
    if not values:
        return None
    return values[s] if s < len(values) else values[-1]


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
