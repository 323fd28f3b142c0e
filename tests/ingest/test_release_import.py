"""`ecco import`: the release in, all or nothing; the same files twice give the same store."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ecco_tui.ingest.errors import IngestError
from ecco_tui.ingest.release import config_of, import_release, split_of
from ecco_tui.store.store import Store
from tests.factories import write_records, write_tiny_release


def test_tiny_release_lands_in_every_table(store: Store, tiny_release: Path) -> None:
    summary = import_release(store, [tiny_release])
    counts = store.counts().tables
    assert (summary.pairs, counts["pairs"]) == (3, 3)
    assert counts["problems"] == 3
    assert counts["test_cases"] == 7
    assert counts["spectra"] == 1
    assert counts["trajectories"] == 1
    assert counts["trajectory_steps"] == 3


def test_importing_the_same_release_twice_gives_identical_counts(store: Store, tiny_release: Path) -> None:
    import_release(store, [tiny_release])
    first = store.counts()
    import_release(store, [tiny_release])
    assert store.counts() == first


def test_parquet_and_jsonl_releases_give_the_same_store(tmp_path: Path) -> None:
    a = Store.open(tmp_path / "a.duckdb")
    b = Store.open(tmp_path / "b.duckdb")
    import_release(a, [write_tiny_release(tmp_path / "j", "jsonl")])
    import_release(b, [write_tiny_release(tmp_path / "p", "parquet")])
    assert a.counts().tables == b.counts().tables
    assert a.get_pair("test:0") == b.get_pair("test:0")


def test_pairs_keep_release_row_order_and_split(store: Store, tiny_release: Path) -> None:
    import_release(store, [tiny_release])
    pair = store.get_pair("test:1")
    assert pair is not None
    assert (pair.split, pair.row_idx, pair.problem_id) == ("test", 1, "p90002")
    assert "max(map(int" in pair.fast.code


def test_problem_statement_survives_a_later_edit_import(store: Store, tiny_release: Path) -> None:
    import_release(store, [tiny_release / "generate"])
    import_release(store, [tiny_release / "edit"])
    problem = store.get_problem("p90001")
    assert problem is not None
    assert problem.name == "Triangle Sum"
    assert problem.split == "test"


def test_tests_get_visibility_from_their_folder(store: Store, tiny_release: Path) -> None:
    import_release(store, [tiny_release])
    tests = store.tests_for("p90001")
    assert [(t.visibility, t.idx) for t in tests] == [("public", 0), ("private", 0), ("private", 1), ("private", 2)]
    assert tests[1].input == "3\n" and tests[1].expected_output == "6\n"


def test_explicit_visibility_overrides_the_folder_name(store: Store, tiny_release: Path) -> None:
    import_release(store, [tiny_release / "test_cases"], visibility="public")
    assert {t.visibility for t in store.tests_for("p90001")} == {"public"}


def test_test_cases_zip_is_read_like_the_folder(store: Store, tiny_release: Path, tmp_path: Path) -> None:
    import zipfile

    archive = tmp_path / "test_cases.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in sorted((tiny_release / "test_cases").rglob("*.txt")):
            zf.write(f, f"test_cases/{f.parent.name}/{f.name}")
    import_release(store, [archive])
    assert len(store.tests_for("p90001", "private")) == 3


def test_trajectory_steps_keep_submission_order(store: Store, tiny_release: Path) -> None:
    import_release(store, [tiny_release])
    (traj,) = store.trajectories_for("p90001")
    assert [s.status for s in traj.steps] == ["Wrong Answer", "Accepted", "Accepted"]
    assert traj.steps[1].cpu_time_ms == 120


def test_trajectory_csv_with_python_list_literals(store: Store, tmp_path: Path) -> None:
    csv_file = tmp_path / "trajectories" / "train.csv"
    csv_file.parent.mkdir()
    csv_file.write_text(
        'user_id,problem_id,trajectories,cpu_time,memory,status,original_language\n'
        'u9,p90009,"[\'print(1)\', \'print(2)\', \'print(1+1)\']","[10, 20, 5]","[1, 2, 3]",'
        '"[\'WA\', \'AC\', \'AC\']",Python\n'
    )
    import_release(store, [csv_file])
    (traj,) = store.trajectories_for("p90009")
    assert [s.code for s in traj.steps] == ["print(1)", "print(2)", "print(1+1)"]


def test_config_and_split_come_from_hub_paths() -> None:
    assert config_of(Path("edit/test-00000-of-00001-abc.parquet")) == "edit"
    assert split_of(Path("edit/test-00000-of-00001-abc.parquet")) == "test"
    assert config_of(Path("generate_eval/train/0000.parquet")) == "generate_eval"
    assert split_of(Path("generate_eval/train/0000.parquet")) == "train"
    assert split_of(Path("exports/edit_validation.jsonl")) == "val"


# -- error paths: one line naming the place, and the store unchanged ------------------------------


def _assert_rejected(store: Store, paths: list[Path], pattern: str) -> None:
    before = store.counts()
    with pytest.raises(IngestError, match=pattern) as info:
        import_release(store, paths)
    assert "\n" not in str(info.value)
    assert store.counts() == before


@pytest.fixture
def loaded(store: Store, tiny_release: Path) -> Store:
    import_release(store, [tiny_release])
    return store


def test_truncated_jsonl_names_file_and_line(loaded: Store, tiny_release: Path) -> None:
    bad = tiny_release / "edit" / "test.jsonl"
    text = bad.read_text()
    bad.write_text(text[: len(text) - 40])
    _assert_rejected(loaded, [tiny_release], r"edit/test\.jsonl:2: truncated JSON record")


def test_truncated_parquet_names_the_file(loaded: Store, tmp_path: Path) -> None:
    path = write_records(tmp_path / "r" / "edit" / "test-00000-of-00001.parquet",
                         [{"problem_id": "p1", "input": "a", "target": "b"}] * 50)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    _assert_rejected(loaded, [path], r"test-00000-of-00001\.parquet: not a readable parquet file")


def test_missing_column_names_it(loaded: Store, tmp_path: Path) -> None:
    path = write_records(tmp_path / "r" / "edit" / "test.jsonl", [{"problem_id": "p90001", "input": "x"}])
    _assert_rejected(loaded, [path], r"test\.jsonl:1: target: missing required column")


def test_missing_column_in_parquet_names_it(loaded: Store, tmp_path: Path) -> None:
    path = tmp_path / "r" / "generate" / "test.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(pa.table({"problem_id": ["p1"], "fastest_code": ["x"]}), path)
    _assert_rejected(loaded, [path], r"test\.parquet:1: problem_description: missing required column")


def test_non_utf8_jsonl_names_file_and_line(loaded: Store, tmp_path: Path) -> None:
    path = tmp_path / "r" / "edit" / "test.jsonl"
    path.parent.mkdir(parents=True)
    good = json.dumps({"problem_id": "p1", "input": "a", "target": "b"}).encode()
    path.write_bytes(good + b"\n" + good.replace(b'"a"', b'"\xff"') + b"\n")
    _assert_rejected(loaded, [path], r"test\.jsonl:2: not valid UTF-8")


def test_non_utf8_test_file_names_the_file(loaded: Store, tiny_release: Path) -> None:
    (tiny_release / "test_cases" / "p90002" / "output.1.txt").write_bytes(b"caf\xe9\n")
    _assert_rejected(loaded, [tiny_release], r"p90002/output\.1\.txt:1: not valid UTF-8")


def test_input_without_output_file_is_named(loaded: Store, tiny_release: Path) -> None:
    (tiny_release / "test_cases" / "p90002" / "output.1.txt").unlink()
    _assert_rejected(loaded, [tiny_release], r"p90002/input\.1\.txt: no matching output\.1\.txt")


def test_wrong_type_in_a_row_is_named(loaded: Store, tmp_path: Path) -> None:
    path = write_records(tmp_path / "r" / "edit" / "test.jsonl",
                         [{"problem_id": "p1", "input": "a", "target": "b"},
                          {"problem_id": "p1", "input": 42, "target": "b"}])
    _assert_rejected(loaded, [path], r"test\.jsonl:2: input: expected text, found int")


def test_spectrum_in_milliseconds_is_refused(loaded: Store, tmp_path: Path) -> None:
    path = write_records(tmp_path / "r" / "generate_eval" / "test.jsonl",
                         [{"problem_id": "p1", "runtimes": [12.0, 40.0, 95.0], "memories": [9000.0]}])
    _assert_rejected(loaded, [path], r"test\.jsonl:1: runtimes: values look like milliseconds")


def test_trajectory_list_length_mismatch_is_named(loaded: Store, tmp_path: Path) -> None:
    path = write_records(tmp_path / "r" / "trajectories" / "test.jsonl",
                         [{"user_id": "u", "problem_id": "p1", "trajectories": ["a", "b"], "cpu_time": [1]}])
    _assert_rejected(loaded, [path], r"test\.jsonl:1: cpu_time: expected a list of 2 values")


def test_missing_path_is_named(loaded: Store, tmp_path: Path) -> None:
    _assert_rejected(loaded, [tmp_path / "nowhere"], r"nowhere: no such file or folder")


def test_a_bad_file_among_good_ones_writes_nothing(store: Store, tiny_release: Path) -> None:
    (tiny_release / "generate_eval" / "test.jsonl").write_text('{"problem_id": "p1", "runtimes": [0.1]}\n')
    _assert_rejected(store, [tiny_release], r"memories: missing required column")
    assert store.counts().tables["pairs"] == 0


def test_public_in_a_parent_folder_name_does_not_make_tests_public(store: Store, tmp_path: Path) -> None:
    release = write_tiny_release(tmp_path / "public_datasets" / "ecco")
    import_release(store, [release])
    assert {t.visibility for t in store.tests_for("p90002")} == {"public", "private"}
    assert len(store.tests_for("p90002", "private")) == 2
