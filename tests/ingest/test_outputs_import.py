"""`ecco import-outputs`: ECCO's inference files become runs of model outputs, one row per sample and round."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecco_tui.ingest.errors import IngestError
from ecco_tui.ingest.outputs import import_outputs
from ecco_tui.ingest.release import import_release
from ecco_tui.store.store import Store
from tests.factories import EDIT_ROWS, FAST_SUM, edit_output_record, write_records

EDIT_NAME = "edit_tinycoder_instruct_nrowsNone_tokens1024_temp0.4_fewshotex0_samples1_2026-01-02_03:04:05.jsonl"
REFINE_NAME = "exec-refine_tinycoder_nrowsNone_tokens1024_temp0.4_samples1_numrefine2_2026-01-02_03_04_05.jsonl"


@pytest.fixture
def released(store: Store, tiny_release: Path) -> Store:
    import_release(store, [tiny_release])
    return store


def _edit_file(tmp_path: Path, name: str = EDIT_NAME, **kw: object) -> Path:
    rows = [edit_output_record(r, FAST_SUM, **kw) for r in EDIT_ROWS["test"]]  # type: ignore[arg-type]
    return write_records(tmp_path / name, rows)


def test_edit_outputs_link_to_the_pairs_of_their_split(released: Store, tmp_path: Path) -> None:
    result = import_outputs(released, _edit_file(tmp_path))
    outputs = released.outputs(run_id=result.run_id)
    assert [o.pair_id for o in outputs] == ["test:0", "test:1"]
    assert outputs[0].code is not None and outputs[0].code.startswith("\n")


def test_model_method_and_run_are_inferred_from_the_name(released: Store, tmp_path: Path) -> None:
    result = import_outputs(released, _edit_file(tmp_path))
    assert (result.model, result.method, result.task) == ("tinycoder", "instruct", "edit")
    assert result.run_id == "tinycoder-instruct-20260102-030405"
    assert set(result.inferred) == {"model", "method", "run"}


def test_flags_override_the_name(released: Store, tmp_path: Path) -> None:
    result = import_outputs(released, _edit_file(tmp_path), model="m2", method="few-shot", run_id="mine")
    assert (result.model, result.method, result.run_id) == ("m2", "few-shot", "mine")
    assert result.inferred == {}


def test_refinement_rounds_are_stored_as_rounds_with_feedback(released: Store, tmp_path: Path) -> None:
    result = import_outputs(released, _edit_file(tmp_path, REFINE_NAME, rounds=3))
    assert (result.method, result.rounds) == ("exec-refine", 3)
    row0 = [o for o in released.outputs(run_id=result.run_id) if o.row_idx == 0]
    assert [o.round for o in row0] == [0, 1, 2]
    assert row0[0].exec_feedback is not None and "CORRECT" in row0[0].exec_feedback
    assert row0[2].exec_feedback is None


def test_name_that_contradicts_columns_warns_and_columns_win(released: Store, tmp_path: Path) -> None:
    name = REFINE_NAME.replace("exec-refine", "nl-exec-refine")
    result = import_outputs(released, _edit_file(tmp_path, name, rounds=2))
    assert result.method == "exec-refine"
    assert len(result.warnings) == 1 and "columns show exec-refine" in result.warnings[0]


def test_reimporting_a_file_replaces_its_run_exactly(released: Store, tmp_path: Path) -> None:
    path = _edit_file(tmp_path)
    import_outputs(released, path)
    before = released.counts()
    import_outputs(released, path)
    assert released.counts() == before


def test_outputs_without_the_release_bring_their_own_pairs(store: Store, tmp_path: Path) -> None:
    result = import_outputs(store, _edit_file(tmp_path))
    assert result.pairs_created == 2
    pair = store.get_pair("test:0")
    assert pair is not None and "for i in range" in pair.slow.code


def test_problem_id_that_does_not_match_the_split_row_is_named(released: Store, tmp_path: Path) -> None:
    rows = [edit_output_record(r, FAST_SUM) for r in EDIT_ROWS["test"]]
    rows[1]["problem_id"] = "p99999"
    path = write_records(tmp_path / EDIT_NAME, rows)
    before = released.counts()
    with pytest.raises(IngestError, match=r":2: problem_id: p99999 does not match row 1 of the test split"):
        import_outputs(released, path)
    assert released.counts() == before


def test_generation_outputs_carry_the_statement(store: Store, tmp_path: Path) -> None:
    rec = {"problem_id": "p90005", "problem_description": "Problem Name: Echo\nProblem Description: echo",
           "prompt": "p", "full_generations": ["```python\nprint(input())\n```"],
           "generated_codes": ["\nprint(input())\n"]}
    path = write_records(tmp_path / "nl2code_tinycoder_instruct_nrowsNone_samples1.jsonl", [rec])
    result = import_outputs(store, path)
    assert result.task == "generate"
    problem = store.get_problem("p90005")
    assert problem is not None and problem.name == "Echo"


def test_several_samples_are_kept_as_samples(store: Store, tmp_path: Path) -> None:
    rec = edit_output_record(EDIT_ROWS["test"][0], FAST_SUM)
    rec["generated_codes"] = ["\nprint(1)\n", "\nprint(2)\n", ""]
    rec["full_generations"] = ["a", "b", "c"]
    result = import_outputs(store, write_records(tmp_path / EDIT_NAME, [rec]))
    outputs = store.outputs(run_id=result.run_id)
    assert [o.sample_idx for o in outputs] == [0, 1, 2]
    assert outputs[2].program_id is None


def test_file_without_generated_codes_is_refused(store: Store, tmp_path: Path) -> None:
    path = write_records(tmp_path / EDIT_NAME, [{"problem_id": "p1", "input": "x", "target": "y"}])
    with pytest.raises(IngestError, match=r":1: generated_codes: missing required column"):
        import_outputs(store, path)


def test_wrong_type_of_generated_codes_is_named(store: Store, tmp_path: Path) -> None:
    rec = edit_output_record(EDIT_ROWS["test"][0], FAST_SUM)
    rec["generated_codes"] = {"0": "x"}
    path = tmp_path / EDIT_NAME
    path.write_text(json.dumps(rec) + "\n")
    with pytest.raises(IngestError, match=r":1: generated_codes: expected a list of texts, found dict"):
        import_outputs(store, path)


def test_unknown_method_flag_is_refused(store: Store, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"--method: unknown method 'magic'"):
        import_outputs(store, _edit_file(tmp_path), method="magic")
