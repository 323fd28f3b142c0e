"""The store holds its file only during units of work, so other processes can use it in between.

Every wait here ends on an event (a process says it holds the file, a callback says "busy", a thread ends),
never on how long something takes.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from ecco_tui.model import Annotation
from ecco_tui.store.store import Store, StoreError, busy_timeout

HOLD = """
import sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
print("held", flush=True)
sys.stdin.readline()
con.close()
"""


def annotation(n: int) -> Annotation:
    import datetime as dt

    return Annotation(f"a{n}", "output", f"r:{n}:0:0", "broken", None, "alice",
                      dt.datetime(2024, 1, 1, 12, 0, n), False)


@pytest.fixture
def held_by_another_process(store_path: Path) -> Iterator[Callable[[str], Callable[[], None]]]:
    """`hold("rw" | "ro")` makes another process open the store and returns how to make it let go."""
    Store.open(store_path).close()
    holders: list[subprocess.Popen[str]] = []

    def hold(mode: str) -> Callable[[], None]:
        proc = subprocess.Popen([sys.executable, "-c", HOLD, str(store_path), mode], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        holders.append(proc)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"

        def release() -> None:
            proc.communicate("\n", timeout=30)

        return release

    yield hold
    for proc in holders:
        if proc.poll() is None:
            proc.communicate("\n", timeout=30)


def test_an_idle_store_holds_no_file(store_path: Path) -> None:
    store = Store.open(store_path, linger_s=0)
    store.counts()
    assert not store.holds_file
    con = duckdb.connect(str(store_path))  # anyone else may open it read-write now
    con.close()


def test_queries_of_one_unit_share_one_opening(store_path: Path) -> None:
    store = Store.open(store_path, linger_s=0)
    before = store.opens
    with store.session():
        store.counts()
        store.runs()
        store.add_annotation(annotation(1))
        assert store.holds_file
    assert store.opens == before + 1
    assert not store.holds_file


def test_each_query_outside_a_unit_is_a_unit_of_its_own(store_path: Path) -> None:
    store = Store.open(store_path, linger_s=0)
    before = store.opens
    store.counts()
    store.runs()
    assert store.opens == before + 2


def test_a_burst_of_queries_shares_one_opening_while_it_lingers(store_path: Path) -> None:
    store = Store.open(store_path, linger_s=3600)  # never times out during the test: close() releases it
    before = store.opens
    for _ in range(20):
        store.counts()
    assert store.opens == before
    store.close()
    assert not store.holds_file


def test_close_releases_the_file_and_a_file_store_reopens_on_use(store_path: Path) -> None:
    store = Store.open(store_path, linger_s=3600)
    store.close()
    assert not store.holds_file
    assert store.counts().tables["problems"] == 0


def test_a_query_without_a_unit_is_refused(store_path: Path) -> None:
    store = Store.open(store_path, linger_s=0)
    with pytest.raises(StoreError, match="outside a unit of work"):
        store._cursor()


def test_a_writer_waits_for_a_busy_file_and_writes_once_it_is_released(
        store_path: Path, held_by_another_process: Callable[[str], Callable[[], None]]) -> None:
    store = Store.open(store_path, linger_s=0)
    release = held_by_another_process("rw")
    told: list[str] = []
    busy = threading.Event()
    store.on_busy = lambda text: (told.append(text), busy.set())
    errors: list[BaseException] = []

    def write() -> None:
        try:
            store.add_annotation(annotation(1))
        except BaseException as exc:  # reported below
            errors.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    assert busy.wait(30), "the writer never found the file busy"
    assert writer.is_alive()  # still waiting, not failed
    release()
    writer.join(60)
    assert not errors
    assert [a.annotation_id for a in store.all_annotations()] == ["a1"]
    assert len(told) == 1 and told[0].startswith("store busy, retrying") and str(store_path) in told[0]


def test_a_reader_waits_for_a_writer_too(
        store_path: Path, held_by_another_process: Callable[[str], Callable[[], None]]) -> None:
    store = Store.open(store_path, read_only=True, linger_s=0)
    release = held_by_another_process("rw")
    busy = threading.Event()
    store.on_busy = lambda _text: busy.set()
    counted: list[int] = []
    reader = threading.Thread(target=lambda: counted.append(store.counts().tables["problems"]))
    reader.start()
    assert busy.wait(30)
    release()
    reader.join(60)
    assert counted == [0]


def test_two_readers_share_the_file(
        store_path: Path, held_by_another_process: Callable[[str], Callable[[], None]]) -> None:
    held_by_another_process("ro")
    store = Store.open(store_path, read_only=True, linger_s=0,
                       on_busy=lambda text: pytest.fail(f"a reader waited for a reader: {text}"))
    assert store.counts().tables["problems"] == 0


def test_the_wait_is_bounded_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECCO_STORE_WAIT", "2.5")
    assert busy_timeout() == 2.5
    monkeypatch.setenv("ECCO_STORE_WAIT", "soon")
    with pytest.raises(StoreError, match="ECCO_STORE_WAIT"):
        busy_timeout()


def test_the_file_signature_moves_with_a_commit_not_with_a_read(store_path: Path) -> None:
    store = Store.open(store_path, linger_s=0)
    before = store.file_signature()
    store.counts()
    assert store.file_signature() == before
    store.add_annotation(annotation(1))
    assert store.file_signature() != before


def test_another_process_commit_is_noticed_without_opening_the_file(store_path: Path) -> None:
    store = Store.open(store_path, linger_s=0)
    store.add_annotation(annotation(1))  # this store's own commit
    assert store.changes() == (1, 0)
    other = duckdb.connect(str(store_path))
    other.execute("UPDATE annotations SET retracted = true")
    other.close()
    opens = store.opens
    assert store.changes() == (1, 1)
    assert store.changes() == (1, 1)  # counted once
    assert store.opens == opens


def test_the_change_fingerprint_sees_a_label_and_its_retraction(store_path: Path) -> None:
    store = Store.open(store_path, linger_s=0)
    empty = store.change_fingerprint()
    store.add_annotation(annotation(1))
    labelled = store.change_fingerprint()
    store.retract_annotation("a1")
    assert len({empty, labelled, store.change_fingerprint()}) == 3
