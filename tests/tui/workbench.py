"""A small store with everything the TUI shows: the tiny release, three runs whose outputs cover every
outcome, and hand-made executions (no engine produces them yet) with stdout/stderr excerpts.

Outcomes by construction (problem p90001 has tests public:0 + private:0-2, p90002 public:0 + private:0-1):

| run              | row 0 (p90001, slow sum)         | row 1 (p90002, slow max)          |
|------------------|----------------------------------|-----------------------------------|
| alpha (instruct) | formula: correct-optimization    | first item: spurious-optimization |
| beta (self-refine, 2 rounds) | loop kept: correct-no-gain | wrong and slow: broken        |
| gamma (instruct) | never executed: not-run          | never executed: not-run           |
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ecco_tui.ingest.release import import_release
from ecco_tui.model import Execution
from ecco_tui.services.imports import import_outputs_file
from ecco_tui.store.store import Store
from tests.factories import (
    EDIT_ROWS,
    FAST_MAX,
    FAST_SUM,
    SLOW_MAX,
    SLOW_SUM,
    edit_output_record,
    write_records,
    write_tiny_release,
)

SPURIOUS_MAX = "print(input().split()[0])\n"
NO_GAIN_SUM = "n = int(input())\nt = 0\nfor i in range(n + 1):\n    t = t + i\nprint(t)\n"
BROKEN_MAX = "a = list(map(int, input().split()))\nm = 0\nfor x in a:\n    m = min(m, x)\nprint(m)\n"
GAMMA_SUM = "import sys\nn = int(sys.stdin.readline())\nprint(sum(range(n + 1)))\n"
GAMMA_MAX = "import sys\nprint(max(map(int, sys.stdin.read().split())))\n"

RUNS = {
    "alpha-instruct": ("alpha", "instruct", None, [FAST_SUM, SPURIOUS_MAX]),
    "beta-self-refine": ("beta", "self-refine", 2, [NO_GAIN_SUM, BROKEN_MAX]),
    "gamma-instruct": ("gamma", "instruct", None, [GAMMA_SUM, GAMMA_MAX]),
}

# (program code, problem) -> (cpu seconds per test, memory KB, failing tests)
TESTS = {"p90001": [("public", 0), ("private", 0), ("private", 1), ("private", 2)],
         "p90002": [("public", 0), ("private", 0), ("private", 1)]}
PLAN: list[tuple[str, str, float, float, set[tuple[str, int]]]] = [
    (SLOW_SUM, "p90001", 0.120, 9200.0, set()),
    (FAST_SUM, "p90001", 0.020, 9000.0, set()),
    (NO_GAIN_SUM, "p90001", 0.150, 9300.0, set()),
    (SLOW_MAX, "p90002", 0.080, 8000.0, set()),
    (FAST_MAX, "p90002", 0.030, 7800.0, set()),
    (SPURIOUS_MAX, "p90002", 0.010, 7000.0, {("private", 0), ("private", 1)}),
    (BROKEN_MAX, "p90002", 0.090, 8100.0, {("public", 0), ("private", 0), ("private", 1)}),
]


def _executions(store: Store, code: str, problem_id: str, cpu: float, mem: float,
                failing: set[tuple[str, int]]) -> list[Execution]:
    from ecco_tui.engines.base import code_sha256

    sha = code_sha256(code)
    tests = {(t.visibility, t.idx): t for t in store.tests_for(problem_id)}
    out = []
    for k, (vis, idx) in enumerate(TESTS[problem_id]):
        test = tests[(vis, idx)]
        fails = (vis, idx) in failing
        stdout = ("0\n" if fails else test.expected_output)
        out.append(Execution(
            execution_id=hashlib.sha256(f"{sha}{vis}{idx}".encode()).hexdigest()[:16],
            code_sha256=sha, problem_id=problem_id, visibility=vis, test_idx=idx, engine="local",
            engine_version="test-1", status_id=4 if fails else 3,
            status_description="Wrong Answer" if fails else "Accepted",
            cpu_time_s=cpu * (1 + k / 10), wall_time_s=cpu * 1.5, memory_kb=mem + 10 * k,
            test_sha256=test.test_sha256, stdout_excerpt=stdout,
            stderr_excerpt="warning: demo stderr line\n" if fails else "",
            exit_code=0,
        ))
    return out


def build_workbench_store(path: Path, work: Path) -> Path:
    """Create the store at `path` (using `work` for the release and output files) and close it."""
    release = write_tiny_release(work / "release")
    with Store.open(path) as store:
        import_release(store, [release])
        for run_id, (model, method, rounds, codes) in RUNS.items():
            records = [edit_output_record(row, code, rounds=rounds) for row, code in zip(EDIT_ROWS["test"], codes,
                                                                                        strict=True)]
            out = write_records(work / f"{run_id}.jsonl", records)
            import_outputs_file(store, out, model=model, method=method, run_id=run_id, split="test")
        batch: list[Execution] = []
        for code, problem_id, cpu, mem, failing in PLAN:
            batch.extend(_executions(store, code, problem_id, cpu, mem, failing))
        store.add_executions(batch)
    return path


#: A run whose name does not fit any column (issue 22: names were cut to "sample-coder-ex..."): FAST_SUM on row 0
#: (a correct optimization, measured: the workbench's executions are keyed by code) and SPURIOUS_MAX on row 1.
LONG_RUN = "sample-coder-7b-instruct-exec-refine-2026-05-12T10-42"
LONG_RUN_MODEL = "sample-coder-7b-instruct"


def build_long_run_store(path: Path, work: Path) -> Path:
    """The workbench store at `path` plus the run LONG_RUN (same programs as alpha-instruct)."""
    build_workbench_store(path, work)
    with Store.open(path) as store:
        records = [edit_output_record(row, code) for row, code in zip(EDIT_ROWS["test"], [FAST_SUM, SPURIOUS_MAX],
                                                                       strict=True)]
        out = write_records(work / "long-run.jsonl", records)
        import_outputs_file(store, out, model=LONG_RUN_MODEL, method="exec-refine", run_id=LONG_RUN, split="test")
    return path
