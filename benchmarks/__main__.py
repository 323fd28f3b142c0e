"""`python -m benchmarks`: run every benchmark script and print one summary table.

Each script exposes `main() -> list[dict]` with rows {metric, value, target, ok}; a script that cannot run
here (a missing tool) reports that as its row instead of stopping the others.
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback

from rich.console import Console
from rich.table import Table

SCRIPTS = ("import_bench", "results_import_bench", "engine_bench", "judge0_bench", "eval_bench", "serve_bench",
           "tui_bench", "verdict_stability_bench", "instructions_bench", "verdicts_scale_bench", "null_pairs_bench",
           "profile_bench", "training_export_bench")


def main(argv: list[str] | None = None) -> int:
    wanted = (argv if argv is not None else sys.argv[1:]) or list(SCRIPTS)
    console = Console() if sys.stdout.isatty() else Console(width=170)
    table = Table(title="ecco-tui benchmarks (2 cores)")
    for col in ("script", "metric", "value", "target", "ok"):
        table.add_column(col)
    failures = 0
    for name in wanted:
        start = time.perf_counter()
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError:
            continue
        try:
            rows = module.main()
        except Exception as exc:  # a broken benchmark must not hide the others
            traceback.print_exc()
            rows = [{"metric": "error", "value": f"{type(exc).__name__}: {exc}", "target": "", "ok": False}]
        for row in rows:
            ok = row.get("ok")
            failures += ok is False
            table.add_row(name, str(row["metric"]), str(row["value"]), str(row.get("target", "")),
                          "" if ok is None else ("yes" if ok else "NO"))
        console.print(f"[dim]{name}: {time.perf_counter() - start:.1f} s[/]")
    console.print(table)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
