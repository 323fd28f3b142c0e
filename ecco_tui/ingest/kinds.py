"""Which of ECCO's own artifacts a file is, when it is not part of the release.

A download folder often holds ECCO's model-output files (JSONL written by its inference and refinement scripts)
and evaluation-result files (one JSON object, `generated_codes[_<round>]_<outputs name>`) beside the release.
They carry `problem_id`, `input` and `target` too, so taking one for a release file would store its rows as
pairs; `ecco import` skips them and names the commands that import them (`import-outputs`, `import-results`).

The columns are the truth (shared/ecco-format.md §2): the first record's keys are read (a parquet schema, a
CSV header, the first JSON line, or the first 1 MiB when that line is longer); the name decides only when
they say nothing, and only for names ECCO's scripts write.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.parquet as pq

from ecco_tui.ingest.naming import parse_output_name

__all__ = ["OUTPUTS", "RESULTS", "ArtifactKind", "artifact_kind"]

ArtifactKind = Literal["outputs", "results"]
OUTPUTS: ArtifactKind = "outputs"
RESULTS: ArtifactKind = "results"

#: How much of a JSON file is read to find its first record's keys.
_HEAD_BYTES = 1 << 20
#: Columns only model-output files have (single round, or per round `_<i>`).
_OUTPUT_COLUMN = re.compile(r"^(generated_codes|full_generations)(_\d+)?$")
#: A results file's name: generated_codes[_<round>]_<outputs name> (ingest/results.py).
_RESULT_NAME = re.compile(r"^generated_codes(?:_\d+)?_.+")
#: A results file's text: one object keyed by row numbers, each entry an object.
_RESULT_HEAD = re.compile(r'^\s*\{\s*"\d+"\s*:\s*\{')
#: Keys of a JSON record in a head that stops before the record ends.
_JSON_KEY = re.compile(r'"((?:generated_codes|full_generations)(?:_\d+)?)"\s*:')


def artifact_kind(path: Path) -> ArtifactKind | None:
    """"outputs" or "results" when `path` is one of ECCO's own artifact files, None when it may be a release
    file (what it holds is then checked by the release import itself)."""
    if _RESULT_NAME.match(path.name):
        return RESULTS
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return _kind_of_columns(_parquet_columns(path))
    if suffix == ".csv":
        return _kind_of_columns(_csv_columns(path))
    if suffix in (".jsonl", ".json"):
        head = _head(path)
        if _RESULT_HEAD.match(head):
            return RESULTS
        kind = _kind_of_columns(_json_columns(head))
        if kind is not None:
            return kind
    hints = parse_output_name(path.name)
    if "nrows" in hints.settings or len(hints.settings) >= 2:  # nrows…, samples…, temp…: ECCO's inference names
        return OUTPUTS
    return None


def _kind_of_columns(columns: set[str]) -> ArtifactKind | None:
    return OUTPUTS if any(_OUTPUT_COLUMN.match(c) for c in columns) else None


def _head(path: Path) -> str:
    try:
        with path.open("rb") as f:
            return f.read(_HEAD_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _json_columns(head: str) -> set[str]:
    """The first JSON line's keys; when that line is longer than the head, the output columns it shows."""
    first = head.lstrip().split("\n", 1)[0]
    try:
        record = json.loads(first)
    except json.JSONDecodeError:
        return set(_JSON_KEY.findall(first))
    return set(record) if isinstance(record, dict) else set()


def _parquet_columns(path: Path) -> set[str]:
    try:
        return set(pq.read_schema(path).names)
    except (pa.ArrowException, OSError):
        return set()  # the release import reports an unreadable file


def _csv_columns(path: Path) -> set[str]:
    header = _head(path).split("\n", 1)[0]
    return {c.strip().strip('"') for c in header.split(",")}
