"""A small real problem for `ecco explain` (issue #23): max pair sum over n four-digit numbers, tests of growing n,
a quadratic input that recomputes each value, and two outputs: a linear one (a better algorithm) and the same
double loop over a precomputed list (each step cheaper)."""

from __future__ import annotations

from pathlib import Path

from ecco_tui.config import LimitSettings, Settings
from ecco_tui.ingest.outputs import import_outputs
from ecco_tui.ingest.release import import_release
from ecco_tui.store.store import Store
from tests.factories import write_records

PROBLEM = "p91001"
RUN = "kinds"
#: The input: for every pair, both values parsed again (line 5, the inner loop, carries the most hits).
QUADRATIC = (
    "n = int(input())\n"
    "s = input().split()\n"
    "best = 0\n"
    "for i in range(n):\n"
    "    for j in range(i + 1, n):\n"
    "        v = int(s[i]) + int(s[j])\n"
    "        if v > best:\n"
    "            best = v\n"
    "print(best)\n"
)
INNER_LOOP_LINE = 5
#: A better algorithm: one pass keeping the two largest values.
LINEAR = (
    "n = int(input())\n"
    "a = list(map(int, input().split()))\n"
    "first = second = 0\n"
    "for x in a:\n"
    "    if x > first:\n"
    "        first, second = x, first\n"
    "    elif x > second:\n"
    "        second = x\n"
    "print(first + second)\n"
)
#: The same double loop over a precomputed list: each step cheaper, the growth the same.
PRECOMPUTED = (
    "n = int(input())\n"
    "a = list(map(int, input().split()))\n"
    "best = 0\n"
    "for i in range(n):\n"
    "    ai = a[i]\n"
    "    for j in range(i + 1, n):\n"
    "        if ai + a[j] > best:\n"
    "            best = ai + a[j]\n"
    "print(best)\n"
)
SIZES = (20, 40, 80, 160, 320)
#: Output ids of the run: sample 0 is LINEAR, sample 1 PRECOMPUTED.
LINEAR_OUTPUT = f"{RUN}:0:0:0"
PRECOMPUTED_OUTPUT = f"{RUN}:0:1:0"


def _values(n: int) -> list[int]:
    return [1000 + (i * 7919 + n * 31) % 9000 for i in range(n)]


def write_release(root: Path) -> Path:
    write_records(root / "edit" / "test.jsonl",
                  [{"problem_id": PROBLEM, "input": QUADRATIC, "target": LINEAR, "user_id": "u1"}])
    folder = root / "test_cases" / PROBLEM
    folder.mkdir(parents=True, exist_ok=True)
    for k, n in enumerate(SIZES):
        values = _values(n)
        top = sorted(values)[-2:]
        (folder / f"input.{k}.txt").write_text(f"{n}\n{' '.join(map(str, values))}\n")
        (folder / f"output.{k}.txt").write_text(f"{sum(top)}\n")
    return root


def build_explain_store(db: Path, folder: Path) -> Path:
    """`db` holding the problem, its pair (input QUADRATIC) and run `kinds` with the two outputs. Nothing run."""
    record = {"input": QUADRATIC, "target": LINEAR, "problem_id": PROBLEM, "prompt": "optimize",
              "full_generations": [f"```python\n{c}```" for c in (LINEAR, PRECOMPUTED)],
              "generated_codes": ["\n" + c for c in (LINEAR, PRECOMPUTED)]}
    outputs = write_records(folder / "edit_m_instruct_nrowsNone_samples2.jsonl", [record])
    with Store.open(db) as store:
        import_release(store, [write_release(folder / "release")])
        import_outputs(store, outputs, run_id=RUN)
    return db


def explain_settings(db: Path) -> Settings:
    return Settings(db_path=db, db_configured=True, limits=LimitSettings(cpu_time_s=2.0, wall_time_s=5.0))
