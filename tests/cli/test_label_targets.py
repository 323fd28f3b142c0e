"""`ecco label` refuses a target the store does not hold: a label on a mistyped id would count nowhere and never
show, so the command says so in one line and stores nothing."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from ecco_tui.cli.main import app
from ecco_tui.store.store import Store


def ecco(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def labels(store_path: Path) -> list[tuple[str, str, str]]:
    with Store.open(store_path, read_only=True) as store:
        return [(a.target_kind, a.target_id, a.label) for a in store.all_annotations()]


def test_a_label_on_an_output_the_store_does_not_hold_exits_1_with_one_line_naming_it(store_with_run: Path) -> None:
    code, out, err = ecco("label", "bogus-target", "broken", "--db", str(store_with_run))
    assert code == 1
    assert out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith("error: no output 'bogus-target'")


def test_a_refused_label_stores_nothing(store_with_run: Path) -> None:
    ecco("label", "bogus-target", "broken", "--db", str(store_with_run))
    assert labels(store_with_run) == []


def test_a_pair_the_store_does_not_hold_is_refused_too(store_with_run: Path) -> None:
    code, _, err = ecco("label", "test:9", "no-gain", "--kind", "pair", "--db", str(store_with_run))
    assert code == 1
    assert "no pair 'test:9'" in err
    assert labels(store_with_run) == []


def test_a_label_on_an_output_the_store_holds_is_stored(store_with_run: Path) -> None:
    code, out, _ = ecco("label", "r:1:0:0", "broken", "--author", "alice", "--db", str(store_with_run))
    assert code == 0
    assert "labelled output r:1:0:0 as broken (alice)" in out
    assert labels(store_with_run) == [("output", "r:1:0:0", "broken")]
