"""Annotation use cases: label outputs (spurious vs correct, ECCO-FIX candidates), undo, export, import, agreement.

Every label is written in its own transaction the moment it is given, so nothing shown as saved can be
lost by a crash. Undo retracts (keeps the history); the newest live label per (target, author) counts.
"""

from __future__ import annotations

import csv
import io
import json
import math
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ecco_tui.config import DEFAULT_LABELS
from ecco_tui.ingest.errors import IngestError
from ecco_tui.ingest.readers import read_records
from ecco_tui.model import Annotation
from ecco_tui.store.store import Store

TARGET_KINDS = ("output", "pair", "program")
FORMATS = ("jsonl", "parquet", "csv")
COLUMNS = ("annotation_id", "target_kind", "target_id", "label", "note", "author", "created_at", "retracted")


class UnknownTargetError(ValueError):
    """A label was given to a target the store does not hold: refused, nothing stored."""

    def __init__(self, target_kind: str, target_id: str, store_path: Path | None) -> None:
        where = f"in {store_path}" if store_path is not None else "in the store"
        form = " (output ids are run:row:sample:round)" if target_kind == "output" else ""
        super().__init__(f"no {target_kind} {target_id!r} {where}{form}: nothing labelled")
        self.target_kind = target_kind
        self.target_id = target_id


def target_exists(store: Store, target_kind: str, target_id: str) -> bool:
    """Whether the store holds the output, pair or program `target_id` names."""
    if target_kind == "output":
        return store.get_output(target_id) is not None
    if target_kind == "pair":
        return bool(store.get_pairs([target_id]))
    return store.get_program(target_id) is not None


def label(
    store: Store,
    target_kind: str,
    target_id: str,
    value: str,
    author: str,
    *,
    note: str | None = None,
    labels: Sequence[str] = DEFAULT_LABELS,
    now: datetime | None = None,
) -> Annotation:
    """Record one label now (own transaction) and return it.

    Refuses (ValueError, nothing stored) an unknown kind or label, and a target the store does not hold
    (`UnknownTargetError`): a label on a mistyped id would count nowhere and never show."""
    if target_kind not in TARGET_KINDS:
        raise ValueError(f"unknown target kind {target_kind!r} ({', '.join(TARGET_KINDS)})")
    if value not in labels:
        raise ValueError(f"unknown label {value!r} (labels: {', '.join(labels)})")
    if not target_exists(store, target_kind, target_id):
        raise UnknownTargetError(target_kind, target_id, store.path)
    annotation = Annotation(
        annotation_id=uuid.uuid4().hex,
        target_kind=target_kind,
        target_id=target_id,
        label=value,
        note=note,
        author=author,
        created_at=(now or datetime.now(UTC)).replace(tzinfo=None),
    )
    store.add_annotation(annotation)
    return annotation


def undo_last(store: Store, author: str) -> Annotation | None:
    """Retract the author's most recent live label; returns it, or None when there is nothing to undo."""
    last = store.last_live_annotation(author)
    if last is not None:
        store.retract_annotation(last.annotation_id)
    return last


def export_annotations(store: Store, path: Path, fmt: str | None = None) -> int:
    """Write every annotation row (history included) so that an import into a fresh store round-trips."""
    fmt = fmt or path.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} ({', '.join(FORMATS)})")
    table = store.annotations_table()
    if fmt == "parquet":
        pq.write_table(table, path)
    elif fmt == "jsonl":
        with path.open("w", encoding="utf-8") as f:
            for row in table.to_pylist():
                row["created_at"] = row["created_at"].isoformat()
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    else:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=COLUMNS)
        writer.writeheader()
        for row in table.to_pylist():
            row["created_at"] = row["created_at"].isoformat()
            writer.writerow(row)
        path.write_text(buf.getvalue(), encoding="utf-8")
    return table.num_rows


def _parse_row(path: Path, rowno: int, rec: dict[str, Any]) -> dict[str, Any]:
    for col in ("target_kind", "target_id", "label", "author", "created_at"):
        if rec.get(col) in (None, ""):
            raise IngestError(path, rowno, col, "missing")
    if rec["target_kind"] not in TARGET_KINDS:
        raise IngestError(path, rowno, "target_kind", f"unknown kind {rec['target_kind']!r}")
    created = rec["created_at"]
    if isinstance(created, str):
        try:
            created = datetime.fromisoformat(created)
        except ValueError:
            raise IngestError(path, rowno, "created_at", f"not an ISO timestamp: {created!r}") from None
    elif not isinstance(created, datetime):
        raise IngestError(path, rowno, "created_at", "not a timestamp")
    retracted = rec.get("retracted", False)
    if isinstance(retracted, str):
        retracted = retracted.strip().lower() in ("true", "1", "yes")
    annotation_id = rec.get("annotation_id") or uuid.uuid5(
        uuid.NAMESPACE_URL, f"{rec['target_kind']}|{rec['target_id']}|{rec['author']}|{created.isoformat()}"
    ).hex
    note = rec.get("note")
    return {"annotation_id": str(annotation_id), "target_kind": str(rec["target_kind"]),
            "target_id": str(rec["target_id"]), "label": str(rec["label"]),
            "note": None if note in (None, "") else str(note), "author": str(rec["author"]),
            "created_at": created.replace(tzinfo=None), "retracted": bool(retracted)}


def import_annotations(store: Store, path: Path) -> int:
    """Merge an exported file: rows are upserted by id, so a second import changes nothing; for each
    (target, author) the newest live label wins, wherever it came from. All or nothing."""
    rows = [_parse_row(path, i + 1, rec) for i, rec in enumerate(read_records(path))]
    if not rows:
        return 0
    schema = pa.schema([("annotation_id", pa.string()), ("target_kind", pa.string()), ("target_id", pa.string()),
                        ("label", pa.string()), ("note", pa.string()), ("author", pa.string()),
                        ("created_at", pa.timestamp("us")), ("retracted", pa.bool_())])
    with store.transaction() as tx:
        tx.upsert("annotations", pa.Table.from_pylist(rows, schema=schema))
    return len(rows)


@dataclass(frozen=True, slots=True)
class Agreement:
    author_a: str
    author_b: str
    items: int  # targets both labelled
    observed: float  # share of those with the same label
    kappa: float | None  # Cohen's kappa; None when chance agreement is 1 (both used one label only)


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float | None:
    """Cohen's kappa for two raters' labels of the same items: (p_o - p_e) / (1 - p_e)."""
    if len(a) != len(b) or not a:
        raise ValueError("need two equally long, non-empty label lists")
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    if math.isclose(expected, 1.0):
        return None
    return (observed - expected) / (1 - expected)


def agreement(store: Store) -> list[Agreement]:
    """Pairwise agreement between authors over the targets both labelled (current labels only)."""
    current = store.current_annotations()
    by_author: dict[str, dict[tuple[str, str], str]] = {}
    for ann in current:
        by_author.setdefault(ann.author, {})[(ann.target_kind, ann.target_id)] = ann.label
    out = []
    for x, y in combinations(sorted(by_author), 2):
        shared = sorted(set(by_author[x]) & set(by_author[y]))
        if not shared:
            continue
        la = [by_author[x][t] for t in shared]
        lb = [by_author[y][t] for t in shared]
        observed = sum(p == q for p, q in zip(la, lb, strict=True)) / len(shared)
        out.append(Agreement(x, y, len(shared), observed, cohen_kappa(la, lb)))
    return out


def next_unlabeled_output(store: Store, output_id: str, author: str) -> str | None:
    """The next output of the same run (by row, sample, round; wrapping around) that `author` has not
    labelled yet, or None when every other output of the run has a label (one SQL query: the run's outputs
    are not loaded)."""
    return store.next_unlabeled_output(output_id, author)
