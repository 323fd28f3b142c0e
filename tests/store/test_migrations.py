"""The schema lives in db/migrations and is applied in order, once, and never downgraded."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ecco_tui.store import migrations
from ecco_tui.store.store import Store, StoreError, StoreLockedError


def test_new_store_is_at_the_latest_schema(store_path: Path) -> None:
    with Store.open(store_path) as store:
        assert store.schema_version() == migrations.latest_version() >= 1


def test_reopening_does_not_reapply_migrations(store_path: Path) -> None:
    Store.open(store_path).close()
    Store.open(store_path).close()
    con = duckdb.connect(str(store_path))
    rows = con.execute("SELECT version, count(*) FROM schema_version GROUP BY 1").fetchall()
    con.close()
    assert all(n == 1 for _, n in rows)
    assert len(rows) == migrations.latest_version()


def test_store_written_by_newer_schema_is_refused(store_path: Path) -> None:
    Store.open(store_path).close()
    con = duckdb.connect(str(store_path))
    con.execute("INSERT INTO schema_version (version, name) VALUES (999, 'from_the_future')")
    con.close()
    with pytest.raises(migrations.SchemaError, match=r"newer ecco-tui \(schema 999"):
        Store.open(store_path)


def test_migration_files_are_numbered_without_gaps() -> None:
    found = migrations.load_migrations()
    assert [m.version for m in found] == list(range(1, len(found) + 1))


def test_a_gap_in_migration_numbers_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "0003_c.sql").write_text("SELECT 1;")
    with pytest.raises(migrations.SchemaError, match="without gaps"):
        migrations.load_migrations(tmp_path)


def test_a_file_that_is_not_duckdb_gives_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.duckdb"
    bogus.write_text("hello, I am a text file")
    with pytest.raises(StoreError, match=r"notes\.duckdb"):
        Store.open(bogus)


def test_read_only_open_of_a_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no such store file"):
        Store.open(tmp_path / "missing.duckdb", read_only=True)


def test_second_writer_gives_up_after_its_wait_naming_the_file(store_path: Path) -> None:
    """A writer waits for a store another process holds (see tests/store/test_side_by_side.py for the wait
    that ends well); after its bounded wait it stops with one line naming the file."""
    import subprocess
    import sys

    Store.open(store_path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import duckdb,sys,time; c=duckdb.connect({str(store_path)!r}); print('ready', flush=True); "
         "sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreLockedError, match="in use by another ecco process") as raised:
            Store.open(store_path, busy_timeout_s=0.3, on_busy=lambda _text: None)
        assert str(store_path) in str(raised.value)
    finally:
        holder.communicate("")


def test_read_only_open_of_an_older_store_migrates_it_first(store_path: Path) -> None:
    from ecco_tui.store import migrations as m

    con = duckdb.connect(str(store_path))
    first = m.load_migrations()[0]
    con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
                "applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)")
    con.execute(first.sql)
    con.execute("INSERT INTO schema_version (version, name) VALUES (1, ?)", [first.name])
    con.close()
    with Store.open(store_path, read_only=True) as store:
        assert store.schema_version() == m.latest_version()
