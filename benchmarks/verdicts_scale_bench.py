"""Verdicts and `ecco report` at full scale: 50,000 judged outputs with ~20 private tests each.

Builds, once, in a temporary directory: the full-scale synthetic release (`ecco synth`: 50k pairs over 1.4k
problems, 20 private tests each), imported into a fresh store, plus one edit run per split with an output per
pair and the executions of every input and output (`ingest.synth.add_synthetic_runs`: one engine, one repeat,
per-test times drawn around ECCO's ~11 ms median; ~2M executions). The build is timed apart. Then times:

* `services.verdicts.refresh_verdicts(store, force=True)`: every output of every run judged and stored (what
  the browser's filters and orders read); issue 20's target: ≤ 30 s on 2 cores;
* `services.report.build_report` of every run, as `ecco report` runs after a refresh (the refresh stored each
  run's default line; the report reads it); issue 20's target: `ecco report` on a 50k-output store ≤ 2 s; and
  with `--ecco-compat` (`mode="ecco"`, computed from the cached verdicts and SQL when asked), for information;
* the same lines computed from the cached verdicts and SQL (`report.cached_line`: what the refresh pays to store
  them, and what a report reads when no line is stored), for information.

Every figure is printed with its target and its ratio to that limit (≤ 1 is within it), with the machine's load
average, since other jobs on the 2 cores move wall times.

Run: `python -m benchmarks.verdicts_scale_bench` (or `python -m benchmarks verdicts_scale_bench`);
`--profile` prints the top of a cProfile of each timed step; `--pairs N` builds a smaller store for a quick look.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ecco_tui.ingest.release import import_release
from ecco_tui.ingest.synth import add_synthetic_runs, write_synthetic_release
from ecco_tui.services.report import build_report, cached_line
from ecco_tui.services.verdicts import refresh_verdicts
from ecco_tui.store.store import Store

PAIRS, PROBLEMS, TESTS = 50_000, 1_400, 20

# -- targets (s, 2 cores; issue 20) ---------------------------------------------------------------------
REFRESH_LIMIT_S = 30.0  # refresh verdicts of 50,000 outputs
REPORT_LIMIT_S = 2.0  # `ecco report` on a 50k-output store (each mode)


def _timed(step: Callable[[], Any], profile: bool) -> tuple[Any, float, float, str]:
    """(result, wall s, CPU s, profile text or "") of one call."""
    profiler = cProfile.Profile() if profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    result = step()
    if profiler is not None:
        profiler.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    text = ""
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        text = out.getvalue()
    return result, wall, cpu, text


def _limit_row(metric: str, seconds: float, limit: float, cpu: float) -> dict:
    return {"metric": metric, "value": f"{seconds:.2f}, CPU {cpu:.2f} ({seconds / limit:.2f} of the limit)",
            "target": f"≤ {limit:g}", "ok": seconds <= limit}


def _num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} / {five:.1f}"


def build(root: Path, pairs: int = PAIRS) -> tuple[Path, dict[str, float], int, int]:
    """The store under `root`: (path, seconds per build step, outputs, executions)."""
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    release = root / "release"
    write_synthetic_release(release, pairs=pairs, problems=max(3, PROBLEMS * pairs // PAIRS), tests=TESTS)
    seconds["synth"] = time.perf_counter() - start
    path = root / "bench.duckdb"
    with Store.open(path) as store:
        start = time.perf_counter()
        import_release(store, [release])
        seconds["import"] = time.perf_counter() - start
        runs = add_synthetic_runs(store)
        seconds["runs"] = runs.seconds
    return path, seconds, runs.outputs, runs.executions


def main(profile: bool = False, pairs: int = PAIRS) -> list[dict]:
    """The rows; `pairs` scales the store down (a quick look: the targets are for the full 50,000)."""
    load_before = _load()
    with tempfile.TemporaryDirectory(prefix="ecco-verdicts-bench-") as tmp:
        path, build_s, n_outputs, n_executions = build(Path(tmp), pairs)
        profiles = []
        with Store.open(path) as store, store.session():
            refreshed, refresh_s, refresh_cpu, text = _timed(lambda: refresh_verdicts(store, force=True), profile)
            profiles.append(("refresh_verdicts", text))
            n_verdicts = sum(len(store.verdicts(run_id=r)) for r in refreshed)
            default, default_s, default_cpu, text = _timed(lambda: build_report(store), profile)
            profiles.append(("build_report", text))
            compat, compat_s, compat_cpu, text = _timed(lambda: build_report(store, mode="ecco"), profile)
            profiles.append(("build_report ecco", text))
            runs = store.runs()
            _, cold_s, cold_cpu, _ = _timed(lambda: [cached_line(store, r) for r in runs], False)
            _, cold_compat_s, cold_compat_cpu, _ = _timed(lambda: [cached_line(store, r, mode="ecco") for r in runs],
                                                          False)
    for name, text in profiles:
        if text:
            print(f"--- {name}\n{text}", file=sys.stderr)
    big = max(default, key=lambda line: line.n)
    big_compat = next(line for line in compat if line.run_id == big.run_id)
    return [
        {"metric": f"build: synth / import / {len(default)} runs with outputs and executions (s)",
         "value": f"{build_s['synth']:.1f} / {build_s['import']:.1f} / {build_s['runs']:.1f}",
         "target": "", "ok": None},
        {"metric": "outputs / executions / verdicts stored (non-empty outputs that ran)",
         "value": f"{n_outputs:,} / {n_executions:,} / {n_verdicts:,}", "target": f"{PAIRS:,} outputs",
         "ok": n_outputs == PAIRS if pairs == PAIRS else None},
        _limit_row(f"refresh verdicts of {n_outputs:,} outputs, {len(refreshed)} runs (s)", refresh_s,
                   REFRESH_LIMIT_S, refresh_cpu),
        _limit_row(f"ecco report, every run, default mode ({n_outputs:,} outputs) (s)", default_s, REPORT_LIMIT_S,
                   default_cpu),
        {"metric": "ecco report --ecco-compat, every run (s; its lines are not stored: computed when asked)",
         "value": f"{compat_s:.2f}, CPU {compat_cpu:.2f}", "target": "report", "ok": None},
        {"metric": "  the lines computed from the cached verdicts (no stored line): default / compat (s)",
         "value": f"{cold_s:.2f} / {cold_compat_s:.2f}, CPU {cold_cpu:.2f} / {cold_compat_cpu:.2f}",
         "target": "", "ok": None},
        {"metric": f"{big.run_id}: pass@1 default / compat; speedup; outcomes",
         "value": f"{_num(big.pass_at_1)} / {_num(big_compat.pass_at_1)}; {_num(big.mean_speedup, 3)}; "
                  + ", ".join(f"{k} {v}" for k, v in big.outcomes.items() if v),
         "target": "", "ok": None},
        {"metric": "load average (1 / 5 min) before / after", "value": f"{load_before} / {_load()}",
         "target": "2 cores", "ok": None},
    ]


if __name__ == "__main__":
    args = sys.argv[1:]
    for row in main(profile="--profile" in args,
                    pairs=int(args[args.index("--pairs") + 1]) if "--pairs" in args else PAIRS):
        print(f"{row['metric']:<78} {row['value']:>40}   target {row['target']}")
