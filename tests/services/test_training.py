"""`ecco export-training` (issue #24): ECCO's fine-tuning formats and preference pairs from verified data.

The store: a release whose train split has three pairs, a problem statement and a hand-made trajectory, whose
test split has one pair (p91009); two model runs on the train split whose outputs carry cached verdicts (a
correct optimization, a spurious one, a no-gain one, another correct one); the input of p91001 measured on its
public test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ecco_tui.ingest.outputs import import_outputs
from ecco_tui.ingest.release import import_release
from ecco_tui.model import Execution, StoredVerdict, code_sha256
from ecco_tui.services.annotations import label
from ecco_tui.services.training import ExportError, ExportOptions, collect, export_training
from ecco_tui.services.training.sources import context_indices
from ecco_tui.store.store import Store
from tests.factories import FAST_MAX, FAST_SUM, SLOW_MAX, SLOW_SUM, edit_output_record, write_records

SPURIOUS_MAX = "print(max(input().split()))\n"  # compares text: wrong on negative and multi-digit numbers
NO_GAIN_SUM = "n = int(input())\nprint(sum(range(n + 1)))\n"
TRAIN = [
    {"problem_id": "p91001", "input": SLOW_SUM, "target": FAST_SUM},
    {"problem_id": "p91002", "input": SLOW_MAX, "target": FAST_MAX},
    {"problem_id": "p91003", "input": "print(sum([1, 2]))\n", "target": "print(3)\n"},
]
#: One user's accepted programs for p91001 by step, with CodeNet CPU times (ms); step 5 is a wrong answer.
TRAJECTORY_CODES = [f"# step {k}\n{SLOW_SUM}" for k in range(6)]
TRAJECTORY_TIMES = [400, 100, 300, 50, 200, 10]


def _release(root: Path) -> Path:
    write_records(root / "edit" / "train.jsonl", TRAIN)
    write_records(root / "edit" / "test.jsonl", [{"problem_id": "p91009", "input": SLOW_SUM, "target": FAST_SUM}])
    write_records(root / "generate" / "train.jsonl", [
        {"problem_id": "p91001", "problem_description": "Problem Name: Sum\nProblem Description: sum 0..n",
         "fastest_code": FAST_SUM}])
    write_records(root / "trajectories" / "train.jsonl", [{
        "user_id": "u9", "problem_id": "p91001", "original_language": "Python (3.8.2)",
        "trajectories": TRAJECTORY_CODES, "submission_id": [f"s{k}" for k in range(6)],
        "status": ["Accepted"] * 5 + ["Wrong Answer"], "cpu_time": TRAJECTORY_TIMES,
        "memory": [3000] * 6, "code_size": [60] * 6, "accuracy": ["3/3"] * 5 + ["0/3"]}])
    for problem_id, (stdin, expected) in (("p91001", ("4\n", "10\n")), ("p91002", ("1 5\n", "5\n"))):
        for kind in ("public_test_cases", "test_cases"):
            folder = root / kind / problem_id
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "input.0.txt").write_text(stdin)
            (folder / "output.0.txt").write_text(expected)
    return root


def _verdict(output_id: str, run: str, problem: str, outcome: str, speedup: float, passed: bool) -> StoredVerdict:
    return StoredVerdict(output_id, run, problem, "edit", outcome, passed, 1 if passed else 0, 1, speedup,
                         speedup * 0.9, speedup * 1.1, engine="local")


def build_training_store(s: Store, tmp: Path) -> None:
    """Fill `s` as the module docstring says (files written under `tmp`)."""
    import_release(s, [_release(tmp / "release")])
    for run, codes in (("m", [FAST_SUM, SPURIOUS_MAX]), ("m2", [NO_GAIN_SUM, FAST_MAX])):
        records = [edit_output_record(row, code) for row, code in zip(TRAIN[:2], codes, strict=True)]
        import_outputs(s, write_records(tmp / f"edit_{run}_instruct_nrowsNone.jsonl", records), run_id=run,
                       split="train")
    s.add_executions([Execution("pub", code_sha256(SLOW_SUM), "p91001", "public", 0, "local", "local-1", 3,
                                "Accepted", 0.012, 0.012, 3100.0)])
    # The verdicts are written as the cache holds them, stamped after every execution (so nothing is stale).
    s.replace_verdicts("m", [_verdict("m:0:0:0", "m", "p91001", "correct-optimization", 2.0, True),
                             _verdict("m:1:0:0", "m", "p91002", "spurious-optimization", 3.0, False)],
                       s.verdict_stamp("m"))
    s.replace_verdicts("m2", [_verdict("m2:0:0:0", "m2", "p91001", "within-noise", 1.0, True),
                              _verdict("m2:1:0:0", "m2", "p91002", "correct-optimization", 1.5, True)],
                       s.verdict_stamp("m2"))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    tmp = tmp_path_factory.mktemp("training")
    with Store.open(tmp / "store.duckdb") as s:
        build_training_store(s, tmp)
        yield s


@pytest.fixture(autouse=True)
def _offline_datasets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def _load(directory: Path):  # type: ignore[no-untyped-def]
    import datasets

    return datasets.load_dataset("parquet", data_dir=str(directory))


@pytest.mark.parametrize("fmt", ["vanilla", "exec", "trajectory", "preference"])
def test_each_format_round_trips_through_datasets(store: Store, tmp_path: Path, fmt: str) -> None:
    result = export_training(store, ExportOptions(format=fmt), tmp_path / fmt)
    loaded = _load(tmp_path / fmt)
    assert sum(len(split) for split in loaded.values()) == len(result.examples) > 0
    columns = set(loaded["train"].column_names)
    wanted = {"prompt", "chosen", "rejected", "reason"} if fmt == "preference" else {"prompt", "completion",
                                                                                      "messages"}
    assert wanted | {"problem_id", "source", "engine", "accounting", "speedup", "speedup_lo"} <= columns
    assert (tmp_path / fmt / "README.md").read_text().count(f"# ECCO fine-tuning data: {fmt}") == 1


def test_chat_messages_hold_the_prompt_and_the_completion(store: Store, tmp_path: Path) -> None:
    export_training(store, ExportOptions(format="vanilla"), tmp_path / "v")
    row = _load(tmp_path / "v")["train"][0]
    assert row["messages"] == [{"role": "user", "content": row["prompt"]},
                               {"role": "assistant", "content": row["completion"]}]


def test_the_test_split_is_refused_naming_its_problem(store: Store) -> None:
    with pytest.raises(ExportError, match="problem p91009 is in the test split"):
        collect(store, ExportOptions(format="vanilla", splits=("train", "test")))


def test_no_example_comes_from_a_test_problem(store: Store) -> None:
    for fmt in ("vanilla", "exec", "trajectory", "preference"):
        assert all(e.problem_id != "p91009" and e.split == "train" for e in collect(store, ExportOptions(fmt)).examples)


def test_a_spurious_output_is_never_a_target(store: Store) -> None:
    sources = {e.source_id for e in collect(store, ExportOptions("vanilla")).examples}
    assert "m:0:0:0" in sources and "m2:1:0:0" in sources
    assert "m:1:0:0" not in sources and "m2:0:0:0" not in sources  # spurious; within noise (not asked for)


def test_a_failing_outcome_cannot_be_asked_for_as_target(store: Store) -> None:
    with pytest.raises(ExportError, match="a target must pass every test"):
        collect(store, ExportOptions("vanilla", verdicts=("spurious-optimization",)))


def test_vanilla_pairs_the_input_with_its_target_in_eccos_layout(store: Store) -> None:
    example = next(e for e in collect(store, ExportOptions("vanilla")).examples if e.source_id == "m:0:0:0")
    assert example.prompt.startswith("Optimize the python program below")
    assert f"## Program:\n{SLOW_SUM}\n\n## Optimized (Runtime and Space) version of Program above:" in example.prompt
    assert example.completion == f"\n```python\n{FAST_SUM}```"
    assert (example.engine, example.speedup, example.speedup_lo) == ("local", 2.0, 1.8)


def test_codenet_pairs_are_included_with_their_provenance(store: Store) -> None:
    codenet = [e for e in collect(store, ExportOptions("vanilla")).examples if e.source == "codenet-pair"]
    assert sorted(e.problem_id for e in codenet) == ["p91001", "p91002", "p91003"]


def test_min_speedup_keeps_only_targets_measured_that_much_faster(store: Store) -> None:
    kept = collect(store, ExportOptions("vanilla", min_speedup=1.8)).examples
    assert [e.source_id for e in kept] == ["m:0:0:0"]  # 2.0x; 1.5x dropped; CodeNet pairs have no runtimes here


def test_label_keeps_only_labelled_targets(store: Store) -> None:
    label(store, "output", "m2:1:0:0", "needs-review", "alice")
    kept = collect(store, ExportOptions("vanilla", labels=("needs-review",))).examples
    assert [e.source_id for e in kept] == ["m2:1:0:0"]


def test_exec_format_conditions_on_the_inputs_public_test_results(store: Store) -> None:
    examples = collect(store, ExportOptions("exec")).examples
    result = next(e for e in examples if e.source_id == "m:0:0:0")
    assert "## Execution Results:\nYour solution was functionally CORRECT across ALL test cases!" in result.prompt
    assert "Run time: 0.012 s\nMemory: 3100.0 KB" in result.prompt
    assert all(e.problem_id == "p91001" for e in examples)  # p91002's input never ran: left out, and counted


def test_exec_format_counts_inputs_that_never_ran(store: Store) -> None:
    result = collect(store, ExportOptions("exec"))
    assert sum(result.skipped.values()) == len([e for e in collect(store, ExportOptions("vanilla")).examples
                                                if e.problem_id != "p91001"])


def test_trajectory_context_is_the_slowest_33rd_and_66th_percentile_programs(store: Store) -> None:
    """Accepted steps by CPU time, slowest first: 400 (0), 300 (2), 200 (4), 100 (1), 50 (3). The fastest,
    step 3, is the target; of the other four the 0th, 33rd and 66th percentile ones are steps 0, 2 and 4."""
    (example,) = collect(store, ExportOptions("trajectory")).examples
    assert example.completion == f"\n```python\n{TRAJECTORY_CODES[3]}```"
    shown = [example.prompt.index(TRAJECTORY_CODES[k]) for k in (0, 2, 4)]
    assert shown == sorted(shown)  # slowest first
    assert TRAJECTORY_CODES[1] not in example.prompt and TRAJECTORY_CODES[5] not in example.prompt
    assert "## Program (slowest):" in example.prompt and "## Program (66th percentile):" in example.prompt
    assert example.speedup == 8.0  # 400 ms / 50 ms


def test_context_positions_are_the_percentiles_without_repeats() -> None:
    assert context_indices(2) == [0, 1]
    assert context_indices(3) == [0, 1, 2]
    assert context_indices(9) == [0, 3, 6]


def test_preference_pairs_a_verified_optimization_with_a_spurious_or_no_gain_output(store: Store) -> None:
    pairs = {(e.source_id, e.rejected_source_id): e for e in collect(store, ExportOptions("preference")).examples}
    assert set(pairs) == {("m:0:0:0", "m2:0:0:0"), ("m2:1:0:0", "m:1:0:0")}
    assert pairs[("m:0:0:0", "m2:0:0:0")].reason == "no gain: speedup 1.00× [0.90–1.10]"
    spurious = pairs[("m2:1:0:0", "m:1:0:0")]
    assert spurious.reason == "spurious optimization: faster (3.00× [2.70–3.30]) but fails 1 of 1 private tests"
    assert spurious.chosen == f"\n```python\n{FAST_MAX}```" and spurious.rejected == f"\n```python\n{SPURIOUS_MAX}```"


def test_generation_exports_statements_with_their_fastest_solution(store: Store) -> None:
    (example,) = collect(store, ExportOptions("vanilla", task="generate")).examples
    assert example.source == "codenet-fastest" and "## Details:\nProblem Name: Sum" in example.prompt


def test_generation_has_no_exec_or_trajectory_format(store: Store) -> None:
    with pytest.raises(ExportError, match="only --task edit has one"):
        collect(store, ExportOptions("trajectory", task="generate"))


def test_an_empty_export_is_refused_and_writes_nothing(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="no vanilla examples match"):
        export_training(store, ExportOptions("vanilla", labels=("no-such-label",)), tmp_path / "empty")
    assert not (tmp_path / "empty").exists()


def test_the_badge_names_the_formats_an_output_is_exported_in(store: Store) -> None:
    from ecco_tui.services.training import export_badge

    chosen = export_badge(store, "m:0:0:0")
    assert chosen is not None and chosen.uses == ("vanilla", "exec", "preference (chosen)")
    assert chosen.text() == "training data: vanilla · exec · preference (chosen)"
    rejected = export_badge(store, "m:1:0:0")
    assert rejected is not None and rejected.uses == ("preference (rejected)",)


def test_the_badge_says_why_an_output_is_not_exported(store: Store) -> None:
    from ecco_tui.services.training import export_badge

    assert export_badge(store, "nope") is None
    no_gain = export_badge(store, "m2:0:0:0")
    assert no_gain is not None and no_gain.uses == ("preference (rejected)",)


def test_a_fix_is_a_target_only_with_include_fixes(store: Store, tmp_path: Path) -> None:
    from ecco_tui.services.ecco_fix import save_fix

    save_fix(store, "m:1:0:0", FAST_MAX, "alice")
    try:
        without = {e.source for e in collect(store, ExportOptions("vanilla")).examples}
        fixed = [e for e in collect(store, ExportOptions("vanilla", include_fixes=True)).examples
                 if e.source == "ecco-fix"]
        assert "ecco-fix" not in without
        assert [(e.source_id, e.completion) for e in fixed] == [("m:1:0:0", f"\n```python\n{FAST_MAX}```")]
    finally:
        for a in store.current_annotations(target_ids=["m:1:0:0"]):
            store.retract_annotation(a.annotation_id)
