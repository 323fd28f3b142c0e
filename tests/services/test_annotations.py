"""Annotations: written at once, undoable, exported and imported exactly, with agreement between authors; only
targets the store holds can be labelled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from ecco_tui.ingest.errors import IngestError
from ecco_tui.services import annotations as ann
from ecco_tui.store.store import Store
from tests.factories import build_store_with_run

#: Outputs of run `r` in the `store` below (two rows, two samples each).
O1, O2, O3, O4 = "r:0:0:0", "r:0:1:0", "r:1:0:0", "r:1:1:0"


@pytest.fixture
def store(store_path: Path, tmp_path: Path) -> Iterator[Store]:
    """The tiny release and an edit run `r` with outputs O1…O4 (labels need targets that exist)."""
    s = Store.open(build_store_with_run(store_path, tmp_path / "files", samples=2))
    yield s
    s.close()


def test_a_label_is_stored_immediately_and_is_the_current_one(store: Store) -> None:
    ann.label(store, "output", O1, "spurious-optimization", "alice")
    (current,) = store.current_annotations(target_ids=[O1])
    assert (current.label, current.author) == ("spurious-optimization", "alice")


def test_the_newest_label_of_an_author_wins(store: Store) -> None:
    ann.label(store, "output", O1, "broken", "alice", now=datetime(2026, 1, 1))
    ann.label(store, "output", O1, "needs-review", "alice", now=datetime(2026, 1, 2))
    (current,) = store.current_annotations()
    assert current.label == "needs-review"


def test_undo_retracts_the_last_label_and_restores_the_previous(store: Store) -> None:
    ann.label(store, "output", O1, "broken", "alice", now=datetime(2026, 1, 1))
    ann.label(store, "output", O1, "no-gain", "alice", now=datetime(2026, 1, 2))
    undone = ann.undo_last(store, "alice")
    assert undone is not None and undone.label == "no-gain"
    assert [a.label for a in store.current_annotations()] == ["broken"]
    assert len(store.all_annotations()) == 2  # history kept


def test_undo_with_nothing_to_undo_is_none(store: Store) -> None:
    assert ann.undo_last(store, "nobody") is None


def test_unknown_label_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="unknown label 'great'"):
        ann.label(store, "output", O1, "great", "alice")


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "csv"])
def test_export_then_import_into_a_fresh_store_round_trips_exactly(store: Store, tmp_path: Path, fmt: str) -> None:
    ann.label(store, "output", O1, "broken", "alice", note="off by one, see test 3", now=datetime(2026, 1, 1))
    ann.label(store, "pair", "test:1", "ecco-fix-candidate", "bob", now=datetime(2026, 1, 2, 3, 4, 5, 123456))
    ann.undo_last(store, "alice")
    path = tmp_path / f"labels.{fmt}"
    assert ann.export_annotations(store, path) == 2
    with Store.open(tmp_path / "fresh.duckdb") as fresh:
        ann.import_annotations(fresh, path)
        assert fresh.all_annotations() == store.all_annotations()


def test_importing_the_same_file_twice_changes_nothing(store: Store, tmp_path: Path) -> None:
    ann.label(store, "output", O1, "broken", "alice")
    path = tmp_path / "labels.jsonl"
    ann.export_annotations(store, path)
    ann.import_annotations(store, path)
    ann.import_annotations(store, path)
    assert len(store.all_annotations()) == 1


def test_a_bad_row_names_file_row_and_field_and_imports_nothing(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text('{"target_kind": "output", "target_id": "o1", "label": "broken", "author": "a", '
                    '"created_at": "2026-01-01T00:00:00"}\n'
                    '{"target_kind": "output", "target_id": "o2", "label": "broken", "author": "a", '
                    '"created_at": "yesterday"}\n')
    with pytest.raises(IngestError, match=r"labels\.jsonl:2: created_at: not an ISO timestamp"):
        ann.import_annotations(store, path)
    assert store.all_annotations() == []


def test_cohen_kappa_of_a_textbook_example() -> None:
    # 50 items: both yes 20, a yes b no 5, a no b yes 10, both no 15 → p_o = .7, p_e = .5 → kappa = .4
    a = ["y"] * 25 + ["n"] * 25
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert ann.cohen_kappa(a, b) == pytest.approx(0.4)


def test_agreement_uses_targets_both_authors_labelled(store: Store) -> None:
    for target, x, y in ((O1, "broken", "broken"), (O2, "no-gain", "broken"), (O3, "broken", "broken")):
        ann.label(store, "output", target, x, "alice")
        ann.label(store, "output", target, y, "bob")
    ann.label(store, "output", O4, "broken", "alice")
    (pair,) = ann.agreement(store)
    assert (pair.author_a, pair.author_b, pair.items) == ("alice", "bob", 3)
    assert pair.observed == pytest.approx(2 / 3)


def test_labels_shown_as_saved_survive_sigkill(store_path: Path, tmp_path: Path) -> None:
    build_store_with_run(store_path, tmp_path / "files", samples=2)
    script = textwrap.dedent(f"""
        import sys, time
        from ecco_tui.services import annotations as ann
        from ecco_tui.store.store import Store
        store = Store.open({str(store_path)!r})
        for i in range(1000):
            ann.label(store, "output", {O1!r}, "broken", "crash-test", note=f"label {{i}}")
            print(i, flush=True)
            time.sleep(0.01)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    saved = -1
    for line in proc.stdout:
        saved = int(line)
        if saved >= 25:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with Store.open(store_path) as store:
        labelled = {a.note for a in store.all_annotations() if a.author == "crash-test"}
    assert {f"label {i}" for i in range(saved + 1)} <= labelled


# -- only targets the store holds --------------------------------------------------------------------------------


def test_a_label_on_an_output_the_store_does_not_hold_is_refused_and_nothing_is_stored(store: Store) -> None:
    with pytest.raises(ann.UnknownTargetError, match=r"no output 'bogus-target' in .*store\.duckdb"):
        ann.label(store, "output", "bogus-target", "broken", "alice")
    assert store.all_annotations() == []


def test_a_label_on_a_pair_the_store_does_not_hold_is_refused(store: Store) -> None:
    with pytest.raises(ann.UnknownTargetError, match="no pair 'test:9'"):
        ann.label(store, "pair", "test:9", "broken", "alice")
    assert store.all_annotations() == []


def test_a_label_on_a_program_the_store_does_not_hold_is_refused(store: Store) -> None:
    with pytest.raises(ann.UnknownTargetError, match="no program 'nope'"):
        ann.label(store, "program", "nope", "broken", "alice")
    assert store.all_annotations() == []


def test_pairs_and_programs_the_store_holds_can_be_labelled(store: Store) -> None:
    pair = store.get_pair("test:0")
    assert pair is not None
    ann.label(store, "pair", pair.pair_id, "no-gain", "alice")
    ann.label(store, "program", pair.slow.program_id, "needs-review", "alice")
    assert {(a.target_kind, a.target_id) for a in store.current_annotations()} == {
        ("pair", "test:0"), ("program", pair.slow.program_id)}


def test_an_unknown_target_is_a_value_error_so_callers_that_refuse_bad_labels_refuse_it_too(store: Store) -> None:
    with pytest.raises(ValueError, match="nothing labelled"):
        ann.label(store, "output", "r:7:0:0", "broken", "alice")
