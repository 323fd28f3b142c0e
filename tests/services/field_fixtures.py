"""A small real store for the field metrics (services.field_metrics): two editing runs and a generation run over
the tiny release, every execution written by hand, so each figure can be worked out from the definitions.

Per private test (p90001 has 3, p90002 has 2), every program takes the same CPU time:

| problem | program | role | s per test | KB | passes |
|---|---|---|---|---|---|
| p90001 | SLOW_SUM | source, human | 0.040 | 9000 | yes |
| p90001 | FAST_SUM | reference, human | 0.010 | 6000 | yes |
| p90001 | A_SUM | run A's output | 0.015 | 3000 | yes |
| p90001 | B_SUM | run B's output | 0.005 | 3000 | no (Wrong Answer on test 0) |
| p90002 | SLOW_MAX | source, human | 0.030 | 9000 | yes |
| p90002 | FAST_MAX | reference, human | 0.020 | 6000 | yes |
| p90002 | A_MAX | run A's output | 0.010 | 3000 | yes |
| p90002 | B_MAX | run B's output | 0.025 | 3000 | yes |
"""

from __future__ import annotations

from pathlib import Path

from ecco_tui.ingest.outputs import import_outputs
from ecco_tui.ingest.release import import_release
from ecco_tui.model import Execution, code_sha256
from ecco_tui.store.store import Store
from tests.factories import (
    EDIT_ROWS,
    FAST_MAX,
    FAST_SUM,
    GENERATE_ROWS,
    SLOW_MAX,
    SLOW_SUM,
    edit_output_record,
    write_records,
    write_tiny_release,
)

A_SUM = FAST_SUM.replace("print", "print ")
B_SUM = "print(0)\n"
A_MAX = FAST_MAX + "# a\n"
B_MAX = SLOW_MAX + "# b\n"
GENERATED = FAST_SUM + "# generated\n"
TESTS = {"p90001": 3, "p90002": 2}


def measure(store: Store, code: str, problem: str, cpu: float, memory: float = 3000.0, *, failing: int | None = None,
            instructions: int | None = None, engine: str = "local") -> None:
    """Every private test of `problem` run once in `cpu` s and `memory` KB, Accepted (Wrong Answer on `failing`)."""
    sha = code_sha256(code)
    store.add_executions([
        Execution(f"{engine}-{sha[:10]}-{problem}-{t}", sha, problem, "private", t, engine, f"{engine}-1",
                  4 if t == failing else 3, "Wrong Answer" if t == failing else "Accepted", cpu, cpu, memory,
                  instructions=instructions)
        for t in range(TESTS[problem])])


def build_field_store(store: Store, folder: Path, *, humans: bool = True, instructions: bool = False,
                      generation: bool = False) -> Store:
    """The tiny release, editing runs A and B (and generation run G with `generation`), measured as in the table
    above; `humans=False` leaves the human solutions unmeasured (sources and references included);
    `instructions` gives every execution an instruction count of 1e6 x its CPU time in ms."""
    import_release(store, [write_tiny_release(folder / "release")])
    sum_row, max_row = EDIT_ROWS["test"][:2]
    for run_id, codes in (("A", (A_SUM, A_MAX)), ("B", (B_SUM, B_MAX))):
        records = [edit_output_record(sum_row, codes[0]), edit_output_record(max_row, codes[1])]
        import_outputs(store, write_records(folder / f"edit_model{run_id}_instruct_nrowsNone_samples1.jsonl",
                                            records), run_id=run_id)

    def run(code: str, problem: str, cpu: float, memory: float = 3000.0, failing: int | None = None) -> None:
        measure(store, code, problem, cpu, memory, failing=failing,
                instructions=round(cpu * 1e9) if instructions else None)

    run(A_SUM, "p90001", 0.015)
    run(B_SUM, "p90001", 0.005, failing=0)
    run(A_MAX, "p90002", 0.010)
    run(B_MAX, "p90002", 0.025)
    if humans:
        run(SLOW_SUM, "p90001", 0.040, 9000.0)
        run(FAST_SUM, "p90001", 0.010, 6000.0)
        run(SLOW_MAX, "p90002", 0.030, 9000.0)
        run(FAST_MAX, "p90002", 0.020, 6000.0)
    if generation:
        record = {"problem_id": "p90001", "problem_description": GENERATE_ROWS["test"][0]["problem_description"],
                  "prompt": "p", "full_generations": [f"```python\n{GENERATED}```"],
                  "generated_codes": ["\n" + GENERATED]}
        import_outputs(store, write_records(folder / "nl2code_modelG_instruct_nrowsNone_samples1.jsonl", [record]),
                       run_id="G")
        run(GENERATED, "p90001", 0.020)
    return store
