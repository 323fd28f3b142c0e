"""`ecco export-training` at full scale: the 50k-pair synthetic store, every training format.

Builds the store `verdicts_scale_bench` builds (the full synthetic release, 50k pairs over 1.4k problems, an
edit run per split with an output per pair and ~2M executions), refreshes its verdicts (untimed: the cache an
export reads), then times `services.training.export_training` of each format to a temporary directory:
issue #24's target is ≤ 30 s for the full store on 2 cores. The exec format is timed too, though the synthetic
inputs ran on private tests only: it shows the cost of looking for their public-test results.

Run: `python -m benchmarks.training_export_bench` (`--pairs N` for a quick look at a smaller store).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks.verdicts_scale_bench import PAIRS, _load, build
from ecco_tui.services.training import ExportError, ExportOptions, collect, export_training
from ecco_tui.services.verdicts import refresh_verdicts
from ecco_tui.store.store import Store

LIMIT_S = 30.0


def main(pairs: int = PAIRS) -> list[dict]:
    load = _load()
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="ecco-export-bench-") as tmp:
        path, _, n_outputs, _ = build(Path(tmp), pairs)
        with Store.open(path) as store:
            refresh_verdicts(store, force=True)
            for fmt in ("vanilla", "preference", "exec", "trajectory"):
                start = time.perf_counter()
                cpu = time.process_time()
                try:
                    result = export_training(store, ExportOptions(fmt), Path(tmp) / fmt)
                    made = f"{len(result.examples):,} examples"
                except ExportError as exc:
                    result = collect(store, ExportOptions(fmt))
                    made = f"none ({exc})"
                wall, used = time.perf_counter() - start, time.process_time() - cpu
                rows.append({"metric": f"export-training --format {fmt}, {pairs:,} pairs, {n_outputs:,} outputs (s)",
                             "value": f"{wall:.2f}, CPU {used:.2f} ({wall / LIMIT_S:.2f} of the limit); {made}",
                             "target": f"≤ {LIMIT_S:g}", "ok": wall <= LIMIT_S if pairs == PAIRS else None})
    rows.append({"metric": "load average before (1 / 5 min)", "value": load, "target": "", "ok": None})
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=PAIRS)
    args = parser.parse_args()
    for row in main(args.pairs):
        print(f"{row['metric']}: {row['value']} (target {row['target'] or '-'})")
