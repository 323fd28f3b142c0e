"""`ecco synth`: a synthetic release in the real parquet layout, deterministic, with programs that pass."""

from __future__ import annotations

import ast
import contextlib
import hashlib
import io
import re
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ecco_tui.engines.base import outputs_match
from ecco_tui.ingest.synth import SynthSummary, main, write_synthetic_release

PAIRS, PROBLEMS, TESTS, PUBLIC = 50, 7, 3, 2
SPLITS = ("train", "val", "test")


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SynthSummary, list[tuple[int, int]]]:
    dest = tmp_path_factory.mktemp("synth") / "release"
    calls: list[tuple[int, int]] = []
    summary = write_synthetic_release(
        dest, pairs=PAIRS, problems=PROBLEMS, tests=TESTS, public_tests=PUBLIC, seed=7,
        progress=lambda done, total: calls.append((done, total)),
    )
    return dest, summary, calls


def _table(path: Path) -> pa.Table:
    return pq.read_table(path)


def _digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _run(code: str, stdin: str) -> str:
    """Run a program in-process (the templates only use input() and sys.stdin.readline())."""
    out = io.StringIO()
    saved = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode()))
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, "<synthetic>", "exec"), {"__name__": "__main__"})
    finally:
        sys.stdin = saved
    return out.getvalue()


def test_layout_is_the_real_parquet_layout(release: tuple[Path, SynthSummary, list[tuple[int, int]]]) -> None:
    dest, _, _ = release
    parquet = sorted(str(p.relative_to(dest)) for p in dest.rglob("*.parquet"))
    assert parquet == sorted(
        [f"edit/{s}-00000-of-00001.parquet" for s in SPLITS]
        + [f"generate/{s}-00000-of-00001.parquet" for s in SPLITS]
        + [f"generate_eval/{s}-00000-of-00001.parquet" for s in ("train", "test")]
    )
    assert {p.name for p in dest.iterdir()} == {"edit", "generate", "generate_eval", "test_cases", "public_test_cases"}


def test_columns_and_types(release: tuple[Path, SynthSummary, list[tuple[int, int]]]) -> None:
    dest, _, _ = release
    for split in SPLITS:
        edit = _table(dest / "edit" / f"{split}-00000-of-00001.parquet").schema
        assert [(f.name, f.type) for f in edit] == [("problem_id", pa.string()), ("input", pa.string()),
                                                    ("target", pa.string())]
        gen = _table(dest / "generate" / f"{split}-00000-of-00001.parquet").schema
        assert [(f.name, f.type) for f in gen] == [("problem_id", pa.string()), ("problem_description", pa.string()),
                                                   ("fastest_code", pa.string())]
    for split in ("train", "test"):
        ev = _table(dest / "generate_eval" / f"{split}-00000-of-00001.parquet").schema
        assert [(f.name, f.type) for f in ev] == [("problem_id", pa.string()), ("runtimes", pa.list_(pa.float64())),
                                                  ("memories", pa.list_(pa.float64()))]


def test_row_counts_per_split_match_the_summary(release: tuple[Path, SynthSummary, list[tuple[int, int]]]) -> None:
    dest, summary, _ = release
    pairs = {s: _table(dest / "edit" / f"{s}-00000-of-00001.parquet").num_rows for s in SPLITS}
    problems = {s: _table(dest / "generate" / f"{s}-00000-of-00001.parquet").num_rows for s in SPLITS}
    assert pairs == summary.pairs and sum(pairs.values()) == PAIRS
    assert problems == summary.problems and sum(problems.values()) == PROBLEMS
    assert all(n >= 1 for n in problems.values())
    # The paper's proportions: train dominates both counts.
    assert pairs["train"] > pairs["val"] + pairs["test"] and problems["train"] > problems["val"] + problems["test"]
    for split in ("train", "test"):
        ev = _table(dest / "generate_eval" / f"{split}-00000-of-00001.parquet").to_pylist()
        assert [r["problem_id"] for r in ev] == _table(dest / "generate" / f"{split}-00000-of-00001.parquet")[
            "problem_id"].to_pylist()
        for r in ev:
            assert 15 <= len(r["runtimes"]) == len(r["memories"])
            assert all(0 < t < 30 for t in r["runtimes"]) and all(1000 < m < 100_000 for m in r["memories"])


def test_problem_ids_splits_and_test_files(release: tuple[Path, SynthSummary, list[tuple[int, int]]]) -> None:
    dest, summary, _ = release
    by_split = {s: _table(dest / "generate" / f"{s}-00000-of-00001.parquet")["problem_id"].to_pylist() for s in SPLITS}
    all_ids = [p for ids in by_split.values() for p in ids]
    assert len(set(all_ids)) == PROBLEMS and all(re.fullmatch(r"p\d{5}", p) for p in all_ids)
    for split in SPLITS:
        edit_ids = set(_table(dest / "edit" / f"{split}-00000-of-00001.parquet")["problem_id"].to_pylist())
        assert edit_ids <= set(by_split[split])
    for root, count in (("test_cases", TESTS), ("public_test_cases", PUBLIC)):
        assert sorted(p.name for p in (dest / root).iterdir()) == sorted(all_ids)
        for pid in all_ids:
            names = sorted(p.name for p in (dest / root / pid).iterdir())
            assert names == sorted([f"input.{k}.txt" for k in range(count)] + [f"output.{k}.txt" for k in range(count)])
    assert summary.files == PROBLEMS * 2 * (TESTS + PUBLIC) + 3 * 2 + 2


def test_programs_are_valid_distinct_and_pass_their_tests(
    release: tuple[Path, SynthSummary, list[tuple[int, int]]],
) -> None:
    dest, _, _ = release
    programs: list[tuple[str, str]] = []
    for split in SPLITS:
        for row in _table(dest / "edit" / f"{split}-00000-of-00001.parquet").to_pylist():
            programs += [(row["problem_id"], row["input"]), (row["problem_id"], row["target"])]
        for row in _table(dest / "generate" / f"{split}-00000-of-00001.parquet").to_pylist():
            programs.append((row["problem_id"], row["fastest_code"]))
            assert row["problem_description"].startswith("Problem Name: ")
            assert "\nProblem Description: " in row["problem_description"]
    assert len({code for _, code in programs}) == len(programs)
    for pid, code in programs:
        ast.parse(code)
        assert 80 <= len(code) <= 2500
        for root in ("test_cases", "public_test_cases"):
            for inp in (dest / root / pid).glob("input.*.txt"):
                expected = inp.with_name(inp.name.replace("input", "output")).read_text()
                assert outputs_match(_run(code, inp.read_text()), expected), (pid, inp.name, code)


def test_statement_samples_are_the_public_tests(release: tuple[Path, SynthSummary, list[tuple[int, int]]]) -> None:
    dest, _, _ = release
    row = _table(dest / "generate" / "train-00000-of-00001.parquet").to_pylist()[0]
    sample = (dest / "public_test_cases" / row["problem_id"] / "input.0.txt").read_text().rstrip()
    assert f"Sample Input 1\n{sample}\n" in row["problem_description"]


def test_progress_is_cumulative_and_ends_at_total(release: tuple[Path, SynthSummary, list[tuple[int, int]]]) -> None:
    _, _, calls = release
    assert calls and calls[-1] == (PAIRS + PROBLEMS, PAIRS + PROBLEMS)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_same_seed_same_bytes_other_seed_other_programs(tmp_path: Path) -> None:
    kwargs = {"pairs": 30, "problems": 5, "tests": 2, "public_tests": 1}
    write_synthetic_release(tmp_path / "a", seed=3, **kwargs)
    write_synthetic_release(tmp_path / "b", seed=3, **kwargs)
    write_synthetic_release(tmp_path / "c", seed=4, **kwargs)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    edit = "edit/train-00000-of-00001.parquet"
    assert _table(tmp_path / "a" / edit)["input"].to_pylist() != _table(tmp_path / "c" / edit)["input"].to_pylist()


def test_refuses_a_non_empty_folder_unless_overwrite(tmp_path: Path) -> None:
    dest = tmp_path / "r"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        write_synthetic_release(dest, pairs=5, problems=3, tests=1, public_tests=1)
    summary = write_synthetic_release(dest, pairs=5, problems=3, tests=1, public_tests=1, overwrite=True)
    again = write_synthetic_release(dest, pairs=6, problems=3, tests=1, public_tests=1, overwrite=True)
    assert (dest / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in dest.iterdir()) == sorted(
        ["notes.txt", "edit", "generate", "generate_eval", "test_cases", "public_test_cases"]
    )
    assert sum(summary.pairs.values()) == 5 and sum(again.pairs.values()) == 6
    assert len(list((dest / "test_cases").iterdir())) == 3


def test_rejects_impossible_counts(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_synthetic_release(tmp_path / "x", pairs=5, problems=2)


def test_main_writes_and_reports_one_line(tmp_path: Path) -> None:
    lines: list[str] = []
    summary = main(tmp_path / "m", pairs=10, problems=3, tests=1, public_tests=1, echo=lines.append)
    assert len(lines) == 1 and "10 pairs over 3 problems" in lines[0]
    assert summary.dest == tmp_path / "m"


def test_synthetic_runs_have_an_output_per_pair_and_judgeable_executions(
    release: tuple[Path, SynthSummary, list[tuple[int, int]]], tmp_path: Path
) -> None:
    from ecco_tui.ingest.release import import_release
    from ecco_tui.ingest.synth import OUTPUT_KINDS, add_synthetic_runs
    from ecco_tui.services.report import build_report
    from ecco_tui.services.verdicts import refresh_verdicts
    from ecco_tui.store.store import Store

    dest, summary, _ = release
    with Store.open(tmp_path / "s.duckdb") as store:
        import_release(store, [dest])
        runs = add_synthetic_runs(store, repeats=2, seed=3)
        assert runs.runs == {f"synth-model-instruct-{s}": n for s, n in summary.pairs.items() if n}
        assert runs.outputs == PAIRS
        outputs = [o for r in runs.runs for o in store.run_outputs(r)]
        assert len({o.output_id for o in outputs}) == PAIRS
        assert {o.round for o in outputs} == {0} and all(o.pair_id for o in outputs)
        assert store.counts().tables["executions"] == runs.executions
        assert refresh_verdicts(store, force=True) == sorted(runs.runs)
        lines = build_report(store)
        assert sum(line.n for line in lines) == PAIRS and all(line.engine == "local" for line in lines)
        seen = {k for line in lines for k, v in line.outcomes.items() if v}
        assert {"correct-optimization", "spurious-optimization", "broken", "within-noise", "not-run"} <= seen
        again = add_synthetic_runs(store, repeats=2, seed=3)  # derived ids: the same rows again
        assert again.executions == runs.executions
        assert store.counts().tables["executions"] == runs.executions
    assert abs(sum(w for _, w in OUTPUT_KINDS) - 1) < 1e-9
