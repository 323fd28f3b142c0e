"""Import throughput at full ECCO scale: 50k pairs, 1.4k problems, 20 private + 3 public tests each.

Writes the synthetic release once (`ecco synth`, cached under $ECCO_BENCH_DIR or /tmp/ecco-bench), then
imports it into a fresh store and prints rows/s and seconds. Target: ≤ 60 s on 2 cores.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

from ecco_tui.ingest.release import import_release
from ecco_tui.ingest.synth import write_synthetic_release
from ecco_tui.store.store import Store

BENCH_DIR = Path(os.environ.get("ECCO_BENCH_DIR", "/tmp/ecco-bench"))
PAIRS, PROBLEMS, TESTS = 50_000, 1_400, 20
TARGET_S = 60.0


def synthetic_release(pairs: int = PAIRS, problems: int = PROBLEMS, tests: int = TESTS) -> Path:
    root = BENCH_DIR / f"release-{pairs}-{problems}-{tests}"
    marker = root / ".complete"
    if not marker.exists():
        shutil.rmtree(root, ignore_errors=True)
        start = time.perf_counter()
        write_synthetic_release(root, pairs=pairs, problems=problems, tests=tests)
        marker.write_text(f"{time.perf_counter() - start:.1f}\n")
    return root


def full_store() -> Path:
    """A store with the full-scale release imported (built once, reused by other benchmarks)."""
    path = BENCH_DIR / f"store-{PAIRS}-{PROBLEMS}-{TESTS}.duckdb"
    if not path.exists():
        release = synthetic_release()
        tmp = path.with_suffix(".tmp.duckdb")
        tmp.unlink(missing_ok=True)
        with Store.open(tmp) as store:
            import_release(store, [release])
        tmp.rename(path)
    return path


def main() -> list[dict]:
    release = synthetic_release()
    db = BENCH_DIR / "import-bench.duckdb"
    db.unlink(missing_ok=True)
    start = time.perf_counter()
    with Store.open(db) as store:
        summary = import_release(store, [release])
        counts = store.counts().tables
    seconds = time.perf_counter() - start
    rows = counts["pairs"] + counts["programs"] + counts["test_cases"] + counts["problems"] + counts["spectra"]
    again_start = time.perf_counter()
    with Store.open(db) as store:
        import_release(store, [release])
        same = store.counts().tables == counts
    again = time.perf_counter() - again_start
    db.unlink(missing_ok=True)
    return [
        {"metric": "full-scale import (s)", "value": f"{seconds:.1f}", "target": f"≤ {TARGET_S:.0f}",
         "ok": seconds <= TARGET_S},
        {"metric": "rows/s", "value": f"{rows / seconds:,.0f}", "target": "", "ok": None},
        {"metric": "pairs / programs / tests", "value": f"{summary.pairs:,} / {summary.programs:,} / {summary.tests:,}",
         "target": f"{PAIRS:,} pairs", "ok": summary.pairs == PAIRS},
        {"metric": "re-import (s), counts identical", "value": f"{again:.1f}, {same}", "target": "identical",
         "ok": same},
    ]


if __name__ == "__main__":
    for row in main():
        print(f"{row['metric']:<36} {row['value']:>28}   target {row['target']}")
    sys.exit(0)
