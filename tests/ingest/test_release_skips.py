"""`import_release` over a folder takes only the release: ECCO's own model-output and evaluation-result files
beside it (they carry problem_id, input and target too) are skipped and reported, never stored as pairs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecco_tui.ingest.errors import IngestError
from ecco_tui.ingest.kinds import artifact_kind
from ecco_tui.ingest.release import SkippedFile, import_release
from ecco_tui.store.store import Store
from tests.factories import EDIT_ROWS, FAST_SUM, edit_output_record, write_records

OUTPUTS_NAME = "edit_m_instruct_nrowsNone_tokens1024_temp0.4_fewshotex0_samples1_2024-11-10_06:54:38.jsonl"


def outputs_file(path: Path, *, rounds: int | None = None) -> Path:
    return write_records(path, [edit_output_record(r, FAST_SUM, rounds=rounds) for r in EDIT_ROWS["test"]])


def results_file(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"0": {"problem_id": "p90001", "input_accepted": True}}))
    return path


def test_a_model_output_file_beside_the_release_is_skipped_and_reported(store: Store, tiny_release: Path) -> None:
    outputs = outputs_file(tiny_release / OUTPUTS_NAME)
    summary = import_release(store, [tiny_release])
    assert summary.skipped == [SkippedFile(outputs, "outputs")]
    assert store.counts().tables["pairs"] == 3


def test_an_evaluation_result_file_beside_the_release_is_skipped_and_reported(
        store: Store, tiny_release: Path) -> None:
    results = results_file(tiny_release / f"generated_codes_{OUTPUTS_NAME}")
    summary = import_release(store, [tiny_release])
    assert summary.skipped == [SkippedFile(results, "results")]


def test_model_outputs_inside_a_split_folder_are_not_taken_for_release_pairs(store: Store, tiny_release: Path) -> None:
    # config and split are both in the path; the columns say what the file is
    outputs = outputs_file(tiny_release / "edit" / "test" / "mine.jsonl")
    summary = import_release(store, [tiny_release])
    assert summary.skipped == [SkippedFile(outputs, "outputs")]
    assert store.counts().tables["pairs"] == 3


def test_a_tabular_file_in_no_release_folder_is_reported_as_skipped(store: Store, tiny_release: Path) -> None:
    notes = write_records(tiny_release / "notes.jsonl", [{"what": "my notes"}])
    summary = import_release(store, [tiny_release])
    assert summary.skipped == [SkippedFile(notes, "other")]


def test_a_model_output_file_named_alone_is_refused_with_the_command_that_imports_it(
        store: Store, tmp_path: Path) -> None:
    outputs = outputs_file(tmp_path / OUTPUTS_NAME)
    with pytest.raises(IngestError, match="ECCO model outputs, not part of the release: import it with "
                                          "ecco import-outputs"):
        import_release(store, [outputs])
    assert store.counts().tables["pairs"] == 0


def test_a_folder_of_model_outputs_only_is_refused_naming_import_outputs(store: Store, tmp_path: Path) -> None:
    outputs_file(tmp_path / "outs" / OUTPUTS_NAME)
    with pytest.raises(IngestError, match=r"no ECCO release files found.*ecco import-outputs"):
        import_release(store, [tmp_path / "outs"])


@pytest.mark.parametrize("name", [
    OUTPUTS_NAME,
    "exec-refine_m_nrowsNone_tokens1024_temp0.4_samples1_numrefine1_2024-11-10_06:57:15.jsonl",
    "EXEC-SFT-edit_deepseek_instruct_nrowsNone_tokens1024_temp0.4_fewshotex0_samples1_2024-11-12_16:04:34.jsonl",
    "m_instruct_nrowsNone_fewshotex0_samples1_2024-11-10_06_54_38.jsonl",  # an older script: no edit_ prefix
])
def test_ecco_output_file_names_are_recognised_whatever_the_columns(tmp_path: Path, name: str) -> None:
    path = write_records(tmp_path / name, [{"problem_id": "p90001"}])
    assert artifact_kind(path) == "outputs"


def test_refinement_round_columns_mark_a_file_as_model_outputs(tmp_path: Path) -> None:
    assert artifact_kind(outputs_file(tmp_path / "refined.jsonl", rounds=2)) == "outputs"


def test_model_outputs_are_recognised_in_parquet_too(tmp_path: Path) -> None:
    assert artifact_kind(outputs_file(tmp_path / "edit" / "test-00000-of-00001.parquet")) == "outputs"


def test_release_files_are_no_artifact(tiny_release: Path) -> None:
    found = [p for p in sorted(tiny_release.rglob("*")) if p.suffix in (".jsonl", ".parquet", ".csv")]
    assert found and [artifact_kind(p) for p in found] == [None] * len(found)
