"""Rows become records by column name (store/rows.py): the order of a SELECT never decides which field gets
which value, and a query that does not fit its record fails with a message naming the columns."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import duckdb
import pytest

from ecco_tui.store.rows import columns, fetch_all, fetch_one, insert_sql, select_list, values


@dataclass(frozen=True, slots=True)
class Point:
    name: str
    x: int
    y: int = 0
    note: str | None = None


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute("CREATE TABLE points (name VARCHAR, x INTEGER, y INTEGER, note VARCHAR)")
    con.execute(insert_sql("points", columns(Point)), values(Point("a", 1, 2, "first"), columns(Point)))
    yield con
    con.close()


def test_a_record_built_from_its_select_list_has_every_field(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"SELECT {select_list(Point)} FROM points")
    assert fetch_all(con, Point) == [Point("a", 1, 2, "first")]


def test_a_field_left_out_before_others_is_refused_naming_it(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("SELECT name, y FROM points")
    with pytest.raises(ValueError, match=r"fields \['x', 'note'\] are left out"):
        fetch_all(con, Point)


def test_columns_in_another_order_are_matched_by_name(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("SELECT y, note, x, name FROM points")
    assert fetch_all(con, Point) == [Point("a", 1, 2, "first")]
    con.execute("SELECT note, name, y, x FROM points")
    assert fetch_one(con, Point) == Point("a", 1, 2, "first")


def test_trailing_fields_with_defaults_may_be_left_out(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("SELECT x, name FROM points")
    assert fetch_all(con, Point) == [Point("a", 1)]


def test_a_column_that_is_no_field_is_refused_naming_it(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("SELECT name, x, 3 AS z FROM points")
    with pytest.raises(ValueError, match=r"columns \['z'\] are not fields"):
        fetch_all(con, Point)


def test_a_required_field_left_out_is_refused_naming_it(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("SELECT name FROM points")
    with pytest.raises(ValueError, match=r"fields \['x'\] have no default"):
        fetch_all(con, Point)


def test_converters_apply_to_their_column_only(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("SELECT note, x, name, y FROM points")
    assert fetch_all(con, Point, {"note": str.upper}) == [Point("a", 1, 2, "FIRST")]


def test_no_row_gives_none(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"SELECT {select_list(Point)} FROM points WHERE false")
    assert fetch_one(con, Point) is None


def test_select_list_takes_an_alias_and_leaves_out_columns() -> None:
    assert select_list(Point, "p", without=("note",)) == "p.name, p.x, p.y"
