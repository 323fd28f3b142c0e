"""Rows to records by column name, and column lists from the records' fields.

Each table the store reads has one record dataclass (`ecco_tui/model.py`, `calibration.py`) whose fields are the
columns read, in order: that is the one definition of the table's columns. SELECT and INSERT lists are
generated from it (`select_list`, `insert_sql`), and rows become records by column name (`fetch_all`,
`fetch_one`): the cursor's column names are matched to the fields once per query, never per row. When they
are the fields in order (every query built from `select_list`) a row is passed to the constructor as it is,
which is as fast as positional mapping; otherwise each row is reordered by precomputed indices.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import MISSING, fields
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = [
    "column_names",
    "columns",
    "fetch_all",
    "fetch_one",
    "insert_sql",
    "select_list",
    "values",
]

T = TypeVar("T", bound="DataclassInstance")

#: Per-column conversions of a fetch: column name → function of the stored value.
Converters = Mapping[str, Callable[[Any], Any]]


@cache
def columns(record: type[DataclassInstance]) -> tuple[str, ...]:
    """The columns of a record type: its dataclass fields, in order."""
    return tuple(f.name for f in fields(record))


@cache
def select_list(record: type[DataclassInstance], alias: str = "", *, without: tuple[str, ...] = ()) -> str:
    """`a, b, c` (or `t.a, t.b, t.c` with an alias): the record's columns but `without`, for a SELECT."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + c for c in columns(record) if c not in without)


def insert_sql(table: str, cols: Sequence[str]) -> str:
    """`INSERT INTO table (a, b) VALUES (?, ?)` for these columns."""
    return f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"


def values(record: object, cols: Sequence[str], convert: Converters | None = None) -> list[Any]:
    """The record's values of `cols`, in that order (for the parameters of `insert_sql`)."""
    if not convert:
        return [getattr(record, c) for c in cols]
    return [convert[c](getattr(record, c)) if c in convert else getattr(record, c) for c in cols]


def column_names(cursor: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
    """The column names of the cursor's last query."""
    description = cursor.description
    if description is None:
        raise ValueError("the cursor has no result to map (not a SELECT?)")
    return tuple(d[0] for d in description)


@cache
def _plan(record: type[DataclassInstance], names: tuple[str, ...]) -> tuple[int, ...] | None:
    """Indices into a row with columns `names` that give the record's fields in order; None when the row is in
    that order already. Fields the query leaves out must be the last ones and have defaults."""
    cols = columns(record)
    defaults = {f.name for f in fields(record) if f.default is not MISSING or f.default_factory is not MISSING}
    if names == cols[: len(names)]:
        required = [c for c in cols[len(names):] if c not in defaults]
        if required:
            raise ValueError(f"{record.__name__} from columns {list(names)}: fields {required} have no default "
                             "and are not selected")
        return None
    problems = []
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        problems.append(f"columns {duplicates} appear twice")
    extra = [n for n in names if n not in cols]
    if extra:
        problems.append(f"columns {extra} are not fields")
    present = [c for c in cols if c in names]
    if present != list(cols[: len(present)]):
        problems.append(f"fields {[c for c in cols if c not in names]} are left out but are not the last ones")
    required = [c for c in cols[len(present):] if c not in defaults]
    if required:
        problems.append(f"fields {required} have no default and are not selected")
    if problems:
        raise ValueError(f"{record.__name__} from columns {list(names)}: {'; '.join(problems)}")
    return tuple(names.index(c) for c in present)


def _maker(record: type[T], names: tuple[str, ...], convert: Converters | None) -> Callable[[Sequence[Any]], T]:
    """The function that builds one record from one row (for single rows and converted columns)."""
    order = _plan(record, names)
    picked = names if order is None else tuple(names[i] for i in order)
    index = range(len(names)) if order is None else order
    if not convert:
        return lambda row: record(*[row[i] for i in index])
    unknown = set(convert) - set(picked)
    if unknown:
        raise ValueError(f"{record.__name__}: converters for columns not selected: {sorted(unknown)}")
    steps = [(i, convert.get(name)) for i, name in zip(index, picked, strict=True)]
    return lambda row: record(*[row[i] if f is None else f(row[i]) for i, f in steps])


def fetch_all(cursor: duckdb.DuckDBPyConnection, record: type[T], convert: Converters | None = None) -> list[T]:
    """Every row of the cursor's last query as a `record`, matched by column name (see the module doc);
    `convert` maps the stored value of some columns first (JSON text to a dict, a list to a tuple)."""
    names = column_names(cursor)
    order = _plan(record, names)
    rows = cursor.fetchall()
    if convert:
        make = _maker(record, names, convert)
        return [make(r) for r in rows]
    if order is None:
        return [record(*r) for r in rows]
    return [record(*[r[i] for i in order]) for r in rows]


def fetch_one(cursor: duckdb.DuckDBPyConnection, record: type[T], convert: Converters | None = None) -> T | None:
    """The first row of the cursor's last query as a `record`, or None when there is none."""
    names = column_names(cursor)
    row = cursor.fetchone()
    return None if row is None else _maker(record, names, convert)(row)
