"""Read tabular input files (parquet, JSONL, CSV) into plain records, with errors that name the place.

Rows are numbered from 1 in messages (a JSONL row is its line number; a parquet or CSV row its record
number), which is what a user opening the file in an editor or `duckdb` expects.
"""

from __future__ import annotations

import ast
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ecco_tui.ingest.errors import IngestError

TABULAR_SUFFIXES = (".parquet", ".jsonl", ".json", ".csv")


def read_text_utf8(path: Path) -> str:
    """Whole file as UTF-8; a bad byte is reported with its line number, not as a traceback."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise IngestError(path, line, None, f"not valid UTF-8 (byte 0x{data[exc.start]:02x})") from None


def read_records(path: Path) -> list[dict[str, Any]]:
    """All records of a parquet, JSONL (or JSON array) or CSV file."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return _read_parquet(path)
    if suffix in (".jsonl", ".json"):
        return list(_read_jsonl(path))
    if suffix == ".csv":
        return _read_csv(path)
    raise IngestError(path, None, None, f"unsupported file type {suffix!r} (expected parquet, jsonl or csv)")


def read_columns(path: Path) -> list[str]:
    """Column names without reading the whole file (parquet schema, or the first record)."""
    if path.suffix.lower() == ".parquet":
        try:
            return list(pq.read_schema(path).names)
        except (pa.ArrowInvalid, OSError) as exc:
            raise IngestError(path, None, None, f"not a readable parquet file ({_first_line(exc)})") from None
    records = read_records(path)
    return list(records[0]) if records else []


def _read_parquet(path: Path) -> list[dict[str, Any]]:
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
        raise IngestError(path, None, None, f"not a readable parquet file ({_first_line(exc)})") from None
    records: list[dict[str, Any]] = table.to_pylist()
    return records


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    text = read_text_utf8(path)
    stripped = text.lstrip()
    if stripped.startswith("["):
        # A JSON array of records (what `datasets.to_json(lines=False)` writes).
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            raise IngestError(path, exc.lineno, None, f"invalid JSON ({exc.msg})") from None
        for i, rec in enumerate(records, start=1):
            if not isinstance(rec, dict):
                raise IngestError(path, i, None, f"expected a JSON object, found {type(rec).__name__}")
            yield rec
        return
    for lineno, line in enumerate(io.StringIO(text), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            truncated = not line.endswith("\n") or exc.pos >= len(line.rstrip())
            problem = f"truncated JSON record ({exc.msg})" if truncated else f"invalid JSON ({exc.msg})"
            raise IngestError(path, lineno, None, problem) from None
        if not isinstance(rec, dict):
            raise IngestError(path, lineno, None, f"expected a JSON object, found {type(rec).__name__}")
        yield rec


def _read_csv(path: Path) -> list[dict[str, Any]]:
    """CSV as ECCO's trajectory table is often shared: list columns written as Python literals."""
    text = read_text_utf8(path)
    reader = csv.DictReader(io.StringIO(text))
    records = []
    for rowno, row in enumerate(reader, start=2):
        rec: dict[str, Any] = {}
        for key, value in row.items():
            if key is None:
                raise IngestError(path, rowno, None, "more values than header columns")
            if isinstance(value, str) and value.startswith(("[", "(")) and value.endswith(("]", ")")):
                try:
                    rec[key] = list(ast.literal_eval(value))
                except (ValueError, SyntaxError):
                    raise IngestError(path, rowno, key, "not a valid list literal") from None
            else:
                rec[key] = value
        records.append(rec)
    return records


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
