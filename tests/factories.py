"""Small real inputs for tests: a tiny ECCO release in the real file layout, written into a temp folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

SLOW_SUM = "n = int(input())\nt = 0\nfor i in range(n + 1):\n    t += i\nprint(t)\n"
FAST_SUM = "n = int(input())\nprint(n * (n + 1) // 2)\n"
SLOW_MAX = "a = list(map(int, input().split()))\nm = a[0]\nfor x in a:\n    if x > m:\n        m = x\nprint(m)\n"
FAST_MAX = "print(max(map(int, input().split())))\n"

EDIT_ROWS: dict[str, list[dict[str, Any]]] = {
    "test": [
        {"problem_id": "p90001", "input": SLOW_SUM, "target": FAST_SUM, "user_id": "u1"},
        {"problem_id": "p90002", "input": SLOW_MAX, "target": FAST_MAX, "user_id": "u2"},
    ],
    "train": [
        {"problem_id": "p90003", "input": "print(sum([1, 2]))\n", "target": "print(3)\n"},
    ],
}
GENERATE_ROWS = {
    "test": [
        {"problem_id": "p90001", "problem_description": "Problem Name: Triangle Sum\nProblem Description: sum 0..n",
         "fastest_code": FAST_SUM},
        {"problem_id": "p90002", "problem_description": "Problem Name: Maximum\nProblem Description: max of list",
         "fastest_code": FAST_MAX},
    ],
}
SPECTRA = {"test": [{"problem_id": "p90001", "runtimes": [0.01, 0.02, 0.5], "memories": [3000.0, 9000.0, 12000.0]}]}
TESTS = {
    ("private", "p90001"): [("3\n", "6\n"), ("10\n", "55\n"), ("0\n", "0\n")],
    ("public", "p90001"): [("4\n", "10\n")],
    ("private", "p90002"): [("1 5 2\n", "5\n"), ("-1 -2\n", "-1\n")],
    ("public", "p90002"): [("7\n", "7\n")],
}
TRAJECTORY = {
    "user_id": "u1", "problem_id": "p90001", "original_language": "Python (3.4.3)",
    "trajectories": ["print(0)\n", SLOW_SUM, FAST_SUM],
    "submission_id": ["s1", "s2", "s3"], "status": ["Wrong Answer", "Accepted", "Accepted"],
    "cpu_time": [10, 120, 18], "memory": [3000, 3100, 2900], "code_size": [9, 60, 40],
    "accuracy": ["0/3", "3/3", "3/3"],
}


def write_records(path: Path, records: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        pq.write_table(pa.Table.from_pylist(records), path)
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    return path


def write_tiny_release(root: Path, fmt: str = "jsonl") -> Path:
    """edit/{test,train}, generate/test, generate_eval/test, trajectories/test, private + public tests."""
    ext = "parquet" if fmt == "parquet" else "jsonl"
    for split, rows in EDIT_ROWS.items():
        name = f"{split}-00000-of-00001.{ext}" if fmt == "parquet" else f"{split}.{ext}"
        write_records(root / "edit" / name, rows)
    for split, rows in GENERATE_ROWS.items():
        write_records(root / "generate" / f"{split}.{ext}", rows)
    for split, rows in SPECTRA.items():
        write_records(root / "generate_eval" / f"{split}.{ext}", rows)
    write_records(root / "trajectories" / "test.jsonl", [TRAJECTORY])
    for (visibility, problem_id), tests in TESTS.items():
        folder = root / ("public_test_cases" if visibility == "public" else "test_cases") / problem_id
        folder.mkdir(parents=True, exist_ok=True)
        for k, (stdin, expected) in enumerate(tests):
            (folder / f"input.{k}.txt").write_text(stdin)
            (folder / f"output.{k}.txt").write_text(expected)
    return root


def edit_output_record(row: dict[str, Any], code: str, *, rounds: int | None = None) -> dict[str, Any]:
    """One record as ECCO's edit inference script writes it."""
    rec = {"input": row["input"], "target": row["target"], "problem_id": row["problem_id"], "prompt": "optimize"}
    if rounds is None:
        rec["full_generations"] = [f"Here you go:\n```python\n{code}```\n"]
        rec["generated_codes"] = ["\n" + code]
    else:
        rec["refine_prompt"] = "refine"
        for i in range(rounds):
            rec[f"generated_codes_{i}"] = ["\n" + code]
            rec[f"full_generations_{i}"] = [f"```python\n{code}```"]
            if i < rounds - 1:
                rec[f"exec_feedback_{i}"] = ["Your solution was functionally CORRECT across ALL test cases!"]
    return rec


def build_store_with_run(db: Path, folder: Path, *, run_id: str = "r", samples: int = 1) -> Path:
    """The store file `db` holding the tiny release (written into `folder`) and an edit run `run_id` of `samples`
    samples per row of the test split, each the row's fast program: outputs `<run>:<row>:<sample>:0` for rows 0
    and 1. Nothing measured. Returns `db`."""
    from ecco_tui.ingest.outputs import import_outputs
    from ecco_tui.ingest.release import import_release
    from ecco_tui.store.store import Store

    records = []
    for row in EDIT_ROWS["test"]:
        record = edit_output_record(row, row["target"])
        record["full_generations"] = record["full_generations"] * samples
        record["generated_codes"] = record["generated_codes"] * samples
        records.append(record)
    outputs = write_records(folder / f"edit_m_instruct_nrowsNone_samples{samples}.jsonl", records)
    with Store.open(db) as store:
        import_release(store, [write_tiny_release(folder / "release")])
        import_outputs(store, outputs, run_id=run_id)
    return db
