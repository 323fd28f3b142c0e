"""Importing ECCO's published-format evaluation results for a whole test split.

Writes an outputs file (794 rows, like ECCO's edit test split) and its evaluation-result JSON in ECCO's
exact shape — 20 private tests per program, input and output, per-test times, memory, passes and error
texts — then times `ecco import-outputs` + `ecco import-results` into a fresh store, and `ecco report`
on the result. Target: ≤ 10 s for the import on 2 cores.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from pathlib import Path

from ecco_tui.ingest.outputs import import_outputs
from ecco_tui.ingest.results import import_results
from ecco_tui.services.report import build_report
from ecco_tui.store.store import Store

ROWS, TESTS = 794, 20
NAME = "edit_bench_instruct_nrowsNone_tokens1024_temp0.4_fewshotex0_samples1_2024-11-12_16_04_34.jsonl"


def _program(rng: random.Random, i: int, fast: bool) -> str:
    body = "print(n * (n + 1) // 2)" if fast else "t = 0\nfor i in range(n + 1):\n    t += i\nprint(t)"
    return f"# row {i} {rng.random()}\nn = int(input())\n{body}\n"


def _side(rng: random.Random, prefix: str, base: float, fail_some: bool) -> dict:
    times, mems, passed, errors = {}, {}, [], {}
    for k in range(TESTS):
        tid = str(k)
        if fail_some and k % 7 == 3:
            errors[tid] = "Traceback (most recent call last):\n  File \"script.py\", line 2\nValueError\n"
            continue
        times[tid] = round(base * rng.uniform(0.9, 1.1), 3)
        mems[tid] = float(rng.randint(3500, 3900))
        if fail_some and k % 5 == 1:
            errors[tid] = "Wrong Answer:\n1\nExpected output:\n2\n"
        else:
            passed.append(k)
    return {f"{prefix}run_time_all": times, f"{prefix}memory_all": mems, f"{prefix}pass_all": passed,
            f"{prefix}errors_all": errors}


def write_files(root: Path) -> tuple[Path, Path]:
    rng = random.Random(0)
    outputs, results = [], {}
    for i in range(ROWS):
        pid = f"p{i // 16:05d}"
        slow, fast = _program(rng, i, False), _program(rng, i, True)
        outputs.append({"input": slow, "target": fast, "problem_id": pid, "prompt": "p",
                        "full_generations": [f"```python\n{fast}```"], "generated_codes": ["\n" + fast]})
        entry = {"problem_id": pid, "input_accepted": True, "output_accepted": [True], "input_run_time": None,
                 "best_run_time": None, "input_memory": None, "best_memory": None, "speedup": None,
                 "mem_reduction": None, "input_pass_rate": 1.0, "output_pass_rate": 1.0}
        entry |= _side(rng, "input_", 0.05, False)
        entry |= _side(rng, "output_", 0.012, i % 3 == 0)
        results[str(i)] = entry
    out_path = root / NAME
    out_path.write_text("".join(json.dumps(r) + "\n" for r in outputs))
    res_path = root / f"generated_codes_{NAME}"
    res_path.write_text(json.dumps(results))
    return out_path, res_path


def main() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        out_path, res_path = write_files(root)
        with Store.open(root / "bench.duckdb") as store:
            start = time.perf_counter()
            import_outputs(store, out_path)
            outputs_s = time.perf_counter() - start
            summary = import_results(store, res_path)
            total = time.perf_counter() - start
            report_start = time.perf_counter()
            (line,) = build_report(store, mode="ecco")
            report_s = time.perf_counter() - report_start
    return [
        {"metric": f"import ECCO outputs + results ({ROWS} rows × {TESTS} tests × 2 programs) (s)",
         "value": f"{total:.1f} (outputs {outputs_s:.1f})", "target": "≤ 10", "ok": total <= 10},
        {"metric": "per-test results stored", "value": f"{summary.executions:,}", "target": f"{ROWS * TESTS * 2:,}",
         "ok": summary.executions == ROWS * TESTS * 2},
        {"metric": "ecco report --ecco-compat on it (s)", "value": f"{report_s:.1f} (pass@1 {line.pass_at_1:.1f})",
         "target": "", "ok": None},
    ]


if __name__ == "__main__":
    for row in main():
        print(f"{row['metric']:<78} {row['value']:>18}   target {row['target']}")
