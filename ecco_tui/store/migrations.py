"""Versioned schema migrations: `db/migrations/NNNN_name.sql`, applied in order, recorded in the file.

The SQL lives in `db/` at the top of the repository (shipped inside the wheel as `ecco_tui/_db`), so the
schema is reviewable as SQL rather than hidden in Python strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

_MIGRATION_NAME = re.compile(r"^(\d{4})_([A-Za-z0-9_]+)\.sql$")


class SchemaError(Exception):
    """The store file cannot be used with this version of ecco-tui."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


@cache
def db_dir() -> Path:
    """The `db/` folder: the repository's in a checkout, the packaged copy in an installed wheel."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "db", here / "_db"):
        if (candidate / "migrations").is_dir():
            return candidate
    raise SchemaError(f"cannot find the db/ folder next to {here}")


def load_migrations(directory: Path | None = None) -> list[Migration]:
    directory = directory or db_dir() / "migrations"
    migrations = []
    for path in sorted(directory.iterdir()):
        match = _MIGRATION_NAME.match(path.name)
        if match:
            migrations.append(Migration(int(match.group(1)), match.group(2), path.read_text("utf-8")))
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise SchemaError(f"migrations in {directory} are not numbered 1..N without gaps: {versions}")
    return migrations


def latest_version() -> int:
    return len(load_migrations())


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchone()
    if not exists or exists[0] == 0:
        return 0
    row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def migrate(con: duckdb.DuckDBPyConnection, path_label: str = "store") -> int:
    """Bring the store up to the newest schema; refuse a file written by a newer ecco-tui."""
    migrations = load_migrations()
    have = current_version(con)
    newest = len(migrations)
    if have > newest:
        raise SchemaError(
            f"{path_label}: written by a newer ecco-tui (schema {have}, this version knows up to {newest}); "
            "upgrade ecco-tui to open it"
        )
    for migration in migrations[have:]:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(
                "CREATE TABLE IF NOT EXISTS schema_version ("
                "version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
                "applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
            )
            con.execute(migration.sql)
            con.execute(
                "INSERT INTO schema_version (version, name) VALUES (?, ?)", [migration.version, migration.name]
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return newest


@cache
def query_sql(name: str) -> str:
    """A named query from `db/queries/<name>.sql`."""
    return (db_dir() / "queries" / f"{name}.sql").read_text("utf-8")
