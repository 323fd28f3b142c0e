"""A command that works on an existing store refuses a store file that does not exist, in one line naming it,
and creates nothing (a mistyped --db must not become a new, empty store); `ecco open --create` opens a new one
on purpose; the commands whose job is to fill a store create it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import ecco_tui.tui.app as tui_app
from ecco_tui.cli.main import app
from ecco_tui.config import Settings
from ecco_tui.store.store import Store
from tests.factories import EDIT_ROWS, FAST_SUM, edit_output_record, write_records


def ecco(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def missing(tmp_path: Path) -> Path:
    """A store path in a folder that does not exist either."""
    return tmp_path / "missing" / "x.duckdb"


@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch) -> list[Settings]:
    """The settings the app was launched with; it opens (creating) the store as the app does, then quits."""
    seen: list[Settings] = []

    def run_app(settings: Settings, notice: str | None = None) -> None:
        seen.append(settings)
        _app, close = tui_app.open_app(settings, notice)
        close()

    monkeypatch.setattr(tui_app, "run_app", run_app)
    return seen


READ_COMMANDS = {
    "stats": ["stats"],
    "report": ["report"],
    "report --explain": ["report", "--run", "r", "--explain", "0"],
    "report --calibration": ["report", "--calibration"],
    "eval": ["eval", "--run", "r"],
    "label": ["label", "r:0:0:0", "broken"],
    "export-annotations": ["export-annotations", "--out", "{tmp}/labels.jsonl"],
    "run": ["run", "{tmp}/prog.py", "--problem", "p90001"],
    "refine": ["refine", "--run", "r", "--method", "exec-refine", "--model-url", "http://127.0.0.1:9", "--model", "m"],
}


@pytest.mark.parametrize("command", READ_COMMANDS.values(), ids=READ_COMMANDS.keys())
def test_a_read_command_refuses_a_missing_store_in_one_line_naming_it(
        command: list[str], missing: Path, tmp_path: Path) -> None:
    (tmp_path / "prog.py").write_text(FAST_SUM)
    code, out, err = ecco(*(arg.format(tmp=tmp_path) for arg in command), "--db", str(missing))
    assert code == 1
    assert out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith(f"error: {missing}: no such store")


@pytest.mark.parametrize("command", READ_COMMANDS.values(), ids=READ_COMMANDS.keys())
def test_a_read_command_creates_no_store_and_no_folder(command: list[str], missing: Path, tmp_path: Path) -> None:
    (tmp_path / "prog.py").write_text(FAST_SUM)
    ecco(*(arg.format(tmp=tmp_path) for arg in command), "--db", str(missing))
    assert not missing.parent.exists()


def test_a_missing_store_named_by_ecco_db_is_refused_too(missing: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECCO_DB", str(missing))
    code, _, err = ecco("stats")
    assert code == 1
    assert f"{missing}: no such store" in err
    assert not missing.parent.exists()


def test_open_refuses_a_missing_store_in_one_line_that_offers_create(missing: Path, launched: list[Settings]) -> None:
    code, _, err = ecco("open", "--db", str(missing))
    assert code == 1
    (line,) = err.strip().splitlines()
    assert line.startswith(f"error: {missing}: no such store") and "--create" in line
    assert launched == []
    assert not missing.parent.exists()


def test_open_create_opens_a_new_empty_store_at_the_path(missing: Path, launched: list[Settings]) -> None:
    code, _, err = ecco("open", "--db", str(missing), "--create")
    assert code == 0, err
    assert [s.db_path for s in launched] == [missing]
    with Store.open(missing, read_only=True) as store:
        assert store.counts().tables["problems"] == 0


def test_open_on_an_existing_store_opens_it(store_with_run: Path, launched: list[Settings]) -> None:
    code, _, err = ecco("open", "--db", str(store_with_run))
    assert code == 0, err
    assert [s.db_path for s in launched] == [store_with_run]


def test_import_creates_the_store_it_is_pointed_at_with_its_folders(tiny_release: Path, missing: Path) -> None:
    code, _, err = ecco("import", str(tiny_release), "--db", str(missing))
    assert code == 0, err
    with Store.open(missing, read_only=True) as store:
        assert store.counts().tables["pairs"] == 3


def test_import_outputs_creates_the_store_it_is_pointed_at(tmp_path: Path, missing: Path) -> None:
    outputs = write_records(tmp_path / "edit_m_instruct_nrowsNone_samples1.jsonl",
                            [edit_output_record(EDIT_ROWS["test"][0], FAST_SUM)])
    code, _, err = ecco("import-outputs", str(outputs), "--db", str(missing), "--run", "r")
    assert code == 0, err
    with Store.open(missing, read_only=True) as store:
        assert [r.run_id for r in store.runs()] == ["r"]


def test_import_annotations_creates_the_store_it_is_pointed_at(tmp_path: Path, missing: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    labels.write_text('{"target_kind": "output", "target_id": "r:0:0:0", "label": "broken", "author": "a", '
                      '"created_at": "2026-01-01T00:00:00"}\n')
    code, _, err = ecco("import-annotations", str(labels), "--db", str(missing))
    assert code == 0, err
    with Store.open(missing, read_only=True) as store:
        assert len(store.all_annotations()) == 1
