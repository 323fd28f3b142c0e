"""`ecco import DIR` imports the release found under DIR and skips ECCO's own model-output and evaluation-result
files beside it, saying on stderr which were skipped and the command that imports them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ecco_tui.cli.main import app
from ecco_tui.store.store import Store
from tests.factories import EDIT_ROWS, FAST_SUM, edit_output_record, write_records

OUTPUTS_NAME = "edit_m_instruct_nrowsNone_tokens1024_temp0.4_fewshotex0_samples1_2024-11-10_06:54:38.jsonl"


def ecco(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def outputs_file(path: Path) -> Path:
    return write_records(path, [edit_output_record(r, FAST_SUM) for r in EDIT_ROWS["test"]])


def test_import_of_a_folder_with_a_model_output_file_imports_the_release(tiny_release: Path, store_path: Path) -> None:
    outputs_file(tiny_release / OUTPUTS_NAME)
    code, out, err = ecco("import", str(tiny_release), "--db", str(store_path))
    assert code == 0, err
    assert "3 pairs" in out
    with Store.open(store_path, read_only=True) as store:
        assert store.counts().tables["pairs"] == 3


def test_import_names_the_skipped_model_output_file_and_the_command_that_imports_it(
        tiny_release: Path, store_path: Path) -> None:
    outputs = outputs_file(tiny_release / OUTPUTS_NAME)
    _, _, err = ecco("import", str(tiny_release), "--db", str(store_path))
    assert "skipped 1 file that is not part of the ECCO release" in err
    assert f"ecco import-outputs {outputs} --db {store_path}" in err


def test_import_names_skipped_result_files_with_import_results(tiny_release: Path, store_path: Path) -> None:
    results = tiny_release / f"generated_codes_{OUTPUTS_NAME}"
    results.write_text(json.dumps({"0": {"problem_id": "p90001", "input_accepted": True}}))
    _, _, err = ecco("import", str(tiny_release), "--db", str(store_path))
    assert f"ecco import-results {results} --db {store_path}" in err


def test_the_suggested_command_imports_the_skipped_outputs(tiny_release: Path, store_path: Path) -> None:
    outputs = outputs_file(tiny_release / OUTPUTS_NAME)
    ecco("import", str(tiny_release), "--db", str(store_path))
    code, _, err = ecco("import-outputs", str(outputs), "--db", str(store_path))
    assert code == 0, err
    with Store.open(store_path, read_only=True) as store:
        assert store.counts().tables["model_outputs"] == 2


def test_import_of_the_release_alone_says_nothing_was_skipped(tiny_release: Path, store_path: Path) -> None:
    code, _, err = ecco("import", str(tiny_release), "--db", str(store_path))
    assert code == 0
    assert "skipped" not in err


def test_a_model_output_file_named_to_import_is_refused_in_one_line(tmp_path: Path, store_path: Path) -> None:
    outputs = outputs_file(tmp_path / OUTPUTS_NAME)
    code, _, err = ecco("import", str(outputs), "--db", str(store_path))
    assert code == 1
    (line,) = err.strip().splitlines()
    assert "not part of the release: import it with ecco import-outputs" in line
