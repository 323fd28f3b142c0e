"""The store's query methods return plain dataclasses, filtered and paged in SQL."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from ecco_tui.ingest.release import import_release
from ecco_tui.model import Execution
from ecco_tui.store.store import Store, StoreError


@pytest.fixture
def loaded(store: Store, tiny_release: Path) -> Store:
    import_release(store, [tiny_release])
    return store


def test_problem_summaries_count_programs_pairs_and_tests(loaded: Store) -> None:
    (row,) = loaded.problem_summaries(search="p90001")
    assert (row.problem_id, row.name, row.split) == ("p90001", "Triangle Sum", "test")
    assert (row.n_pairs, row.n_public_tests, row.n_private_tests) == (1, 1, 3)
    assert row.n_programs == 3  # slow, fast (= fastest_code) and the trajectory's wrong first try


def test_problem_summaries_filter_by_split(loaded: Store) -> None:
    assert [p.problem_id for p in loaded.problem_summaries(split="train")] == ["p90003"]
    assert loaded.count_problems(split="test") == 2


def test_problem_search_matches_names_case_insensitively(loaded: Store) -> None:
    assert [p.problem_id for p in loaded.problem_summaries(search="maxim")] == ["p90002"]


def test_problem_summaries_page_with_limit_and_offset(loaded: Store) -> None:
    first = loaded.problem_summaries(limit=2, offset=0)
    second = loaded.problem_summaries(limit=2, offset=2)
    assert [p.problem_id for p in first + second] == ["p90001", "p90002", "p90003"]


def test_problem_summaries_sort_by_programs(loaded: Store) -> None:
    assert loaded.problem_summaries(sort="programs")[0].problem_id == "p90001"


def test_unknown_problem_is_none(loaded: Store) -> None:
    assert loaded.get_problem("p00000") is None
    assert loaded.get_pair("test:99") is None


def test_pairs_by_split_are_in_row_order(loaded: Store) -> None:
    assert [p.pair_id for p in loaded.pairs(split="test")] == ["test:0", "test:1"]
    assert loaded.pair_id_for_row("test", 1) == ("test:1", "p90002")


def test_spectrum_round_trips(loaded: Store) -> None:
    spectrum = loaded.spectrum("p90001")
    assert spectrum is not None and spectrum.runtimes_s == (0.01, 0.02, 0.5)


def _execution(sha: str, idx: int, status: int = 3, repeat: int = 0) -> Execution:
    return Execution(
        execution_id=f"{sha}-{idx}-{repeat}", code_sha256=sha, problem_id="p90001", visibility="private",
        test_idx=idx, engine="local", engine_version="v1", status_id=status,
        status_description="Accepted" if status == 3 else "Wrong Answer", cpu_time_s=0.01 * (idx + 1),
        wall_time_s=0.02, memory_kb=9000.0, repeat_idx=repeat,
    )


def test_executions_are_stored_and_read_back_per_test(loaded: Store) -> None:
    loaded.add_executions([_execution("abc", 1), _execution("abc", 0), _execution("abc", 0, repeat=1)])
    got = loaded.executions_for("abc", "p90001")
    assert [(e.test_idx, e.repeat_idx) for e in got] == [(0, 0), (0, 1), (1, 0)]
    assert got[2].cpu_time_s == pytest.approx(0.02)


def test_executions_of_other_engines_are_filtered(loaded: Store) -> None:
    loaded.add_executions([_execution("abc", 0)])
    assert loaded.executions_for("abc", "p90001", engine="judge0") == []


def test_failed_transaction_writes_nothing(loaded: Store) -> None:
    before = loaded.counts()
    with pytest.raises(RuntimeError), loaded.transaction() as tx:
        tx.upsert("runs", pa.Table.from_pylist([{"run_id": "r", "task": "edit", "model": "m", "method": "x",
                                                 "split": "test"}]))
        raise RuntimeError("boom")
    assert loaded.counts() == before


def test_read_only_store_refuses_writes(store_path: Path, tiny_release: Path) -> None:
    with Store.open(store_path) as s:
        import_release(s, [tiny_release])
    with Store.open(store_path, read_only=True) as ro:
        assert ro.counts().tables["pairs"] == 3
        with pytest.raises(StoreError, match="read-only"), ro.transaction():
            pass


# -- a run's outputs, for the work that needs each of them (issue 20: no whole-run loads to count) -----------


def _add_run(store: Store, run_id: str, rows: list[tuple[int, int, int]]) -> None:
    """A run with an output per (row, sample, round), each with code and a prompt."""
    ids = [f"{run_id}:{r}:{s}:{k}" for r, s, k in rows]
    with store.transaction() as tx:
        tx.upsert("runs", pa.table({"run_id": [run_id], "task": ["edit"], "model": ["m"], "method": ["instruct"],
                                    "split": ["test"]}))
        tx.upsert("model_outputs", pa.table({
            "output_id": ids, "run_id": [run_id] * len(ids), "row_idx": [r for r, _, _ in rows],
            "sample_idx": [s for _, s, _ in rows], "round": [k for _, _, k in rows],
            "problem_id": [f"p{r:05d}" for r, _, _ in rows], "pair_id": [None] * len(ids),
            "code": [f"print({i})" for i in range(len(ids))], "prompt": ["a long prompt"] * len(ids),
            "raw_response": ["a long response"] * len(ids),
        }))


def test_run_outputs_lists_a_runs_outputs_in_row_sample_round_order(store: Store) -> None:
    _add_run(store, "r", [(1, 0, 1), (0, 0, 0), (1, 0, 0), (0, 1, 0)])
    _add_run(store, "other", [(0, 0, 0)])
    assert [o.output_id for o in store.run_outputs("r")] == ["r:0:0:0", "r:0:1:0", "r:1:0:0", "r:1:0:1"]
    assert [o.output_id for o in store.run_outputs("r", final_round_only=True)] == ["r:0:0:0", "r:0:1:0", "r:1:0:1"]
    assert store.run_output_ids("r") == [o.output_id for o in store.run_outputs("r")]
    assert store.run_output_ids("r", final_round_only=True) == ["r:0:0:0", "r:0:1:0", "r:1:0:1"]
    # The same rows as the paged query, whose limit the whole-run callers used to raise.
    assert store.run_outputs("r", with_text=True) == store.outputs(run_id="r")


def test_run_outputs_narrow_to_a_problem_or_a_chain(store: Store) -> None:
    _add_run(store, "r", [(0, 0, 0), (0, 0, 1), (0, 1, 0), (1, 0, 0)])
    assert [o.output_id for o in store.run_outputs("r", chain=(0, 0))] == ["r:0:0:0", "r:0:0:1"]
    assert [o.output_id for o in store.run_outputs("r", problem_id="p00001")] == ["r:1:0:0"]
    assert [o.output_id for o in store.run_outputs("r", chain=(0, 0), final_round_only=True)] == ["r:0:0:1"]
    assert store.run_outputs("nope") == [] and store.run_output_ids("nope") == []


def test_run_outputs_read_code_and_long_texts_only_when_asked(store: Store) -> None:
    _add_run(store, "r", [(0, 0, 0)])
    (plain,) = store.run_outputs("r")
    assert plain.code == "print(0)" and plain.prompt is None and plain.raw_response is None
    (bare,) = store.run_outputs("r", with_code=False)
    assert bare.code is None and bare.output_id == "r:0:0:0"
    (full,) = store.run_outputs("r", with_text=True)
    assert (full.prompt, full.raw_response) == ("a long prompt", "a long response")


def test_next_unlabeled_output_wraps_around_and_skips_live_labels(store: Store) -> None:
    from datetime import datetime

    from ecco_tui.model import Annotation

    _add_run(store, "r", [(0, 0, 0), (1, 0, 0), (2, 0, 0), (3, 0, 0)])
    _add_run(store, "other", [(0, 0, 0)])

    def label(target: str, author: str = "ann", n: int = 0, retracted: bool = False) -> None:
        store.add_annotation(Annotation(f"a{target}{author}{n}", "output", target, "correct", None, author,
                                        datetime(2026, 1, 1, 0, 0, n), retracted))

    assert store.next_unlabeled_output("r:1:0:0", "ann") == "r:2:0:0"
    label("r:2:0:0")
    label("r:3:0:0", author="bob")  # another author's label does not count
    assert store.next_unlabeled_output("r:1:0:0", "ann") == "r:3:0:0"
    label("r:3:0:0")
    assert store.next_unlabeled_output("r:1:0:0", "ann") == "r:0:0:0"  # wraps around, never leaves the run
    label("r:0:0:0", retracted=True)  # an undone label is no label
    assert store.next_unlabeled_output("r:1:0:0", "ann") == "r:0:0:0"
    label("r:0:0:0", n=1)
    assert store.next_unlabeled_output("r:1:0:0", "ann") is None  # only the shown output is left
    assert store.next_unlabeled_output("r:9:9:9", "ann") is None
