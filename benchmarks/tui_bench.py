"""TUI responsiveness on the full-scale store (1.4k problems, 50k pairs, 23 tests each).

Reuses the store `benchmarks.import_bench.full_store()` builds (`ecco synth` + import, cached under
$ECCO_BENCH_DIR or /tmp/ecco-bench) and drives the real app headless with Textual's Pilot:

* first screen: from constructing the app (store already open) to the first frame that shows problem rows;
* navigation keys (down/up in the problem table): key-to-frame latency, i.e. from sending the key to the
  next frame the app composes (timestamps from a hook on the app's display call), plus the main thread's
  CPU time per key. `pilot.press` itself idles ~60 ms per key (see /work/shared/measurement.md), so its
  wall time is reported as a ratio to a no-op key's instead of against the target;
* the problem detail after the cursor stops (debounce + worker + render), a page load-more, a search,
  and opening the compare view, for context;
* the outcome filter (problems with a spurious optimization) and the pass@1 order, over a judged run with
  one output per pair (50k outputs and their cached verdicts, added to the store once with a seeded mix of
  outcomes: what `ecco eval` leaves behind; see ecco_tui/services/verdicts.py);
* what sharing the file costs: the app opens the store per unit of work (see ecco_tui/store/store.py), so the
  median open+close of the 50k-pair file, and how many times the app opened it during the whole run above.

Run: `python -m benchmarks.tui_bench` (or `python -m benchmarks tui_bench`).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from ecco_tui.services.catalog import Catalog
from ecco_tui.services.workbench import Workbench
from ecco_tui.services.workspace import open_for_app
from ecco_tui.store.store import Store
from ecco_tui.tui.app import EccoApp
from ecco_tui.tui.screens.browser import PAGE_SIZE
from ecco_tui.tui.widgets.record_table import RecordTable

SIZE = (120, 40)
FIRST_SCREEN_TARGET_S = 1.0
KEY_P95_TARGET_MS = 50.0
N_KEYS = 60


class FrameClock:
    """Records when the app composes a frame (wraps App._display, which headless runs still call)."""

    def __init__(self, app: EccoApp) -> None:
        self.frames: list[float] = []
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            if renderable is not None:
                self.frames.append(time.perf_counter())
            original(screen, renderable)

        app._display = display  # type: ignore[method-assign]

    def first_after(self, t: float) -> float | None:
        return next((f for f in self.frames if f >= t), None)


async def wait_until(pilot: Pilot[None], condition: Callable[[], bool], timeout: float = 30.0) -> float:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.002)
    return time.perf_counter()


async def settle(pilot: Pilot[None]) -> None:
    app: EccoApp = pilot.app  # type: ignore[assignment]
    quiet = 0
    while quiet < 3:
        await pilot.pause(0.01)
        quiet = 0 if app.busy else quiet + 1


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


JUDGED_RUN = "bench-judged-50k"
OUTCOME_MIX = (("correct-optimization", 0.35), ("spurious-optimization", 0.10), ("correct-no-gain", 0.20),
               ("within-noise", 0.10), ("broken", 0.25))


def ensure_judged_run(store: Any) -> int:
    """A run with one output per pair and a cached verdict for each (seeded), unless already there."""
    import random

    import pyarrow as pa

    from ecco_tui.model import StoredVerdict

    if store.get_run(JUDGED_RUN) is not None:
        return len(store.verdicts(run_id=JUDGED_RUN))
    with store.session():
        pairs = store._cursor().execute("SELECT pair_id, problem_id, row_idx FROM pairs ORDER BY pair_id").fetchall()
    ids = [f"{JUDGED_RUN}:{i}:0:0" for i in range(len(pairs))]
    with store.transaction() as tx:
        tx.upsert("runs", pa.table({"run_id": [JUDGED_RUN], "task": ["edit"], "model": ["bench"],
                                    "method": ["instruct"], "split": ["test"]}))
        tx.upsert("model_outputs", pa.table({
            "output_id": ids, "run_id": [JUDGED_RUN] * len(ids), "row_idx": list(range(len(ids))),
            "sample_idx": [0] * len(ids), "round": [0] * len(ids), "problem_id": [p[1] for p in pairs],
            "pair_id": [p[0] for p in pairs],
        }))
    rng = random.Random(13)
    outcomes = [o for o, _ in OUTCOME_MIX]
    weights = [w for _, w in OUTCOME_MIX]
    verdicts = []
    for output_id, (_, problem_id, _) in zip(ids, pairs, strict=True):
        outcome = rng.choices(outcomes, weights)[0]
        passed = outcome not in ("spurious-optimization", "broken")
        speedup = rng.lognormvariate(0.3, 0.6)
        verdicts.append(StoredVerdict(
            output_id=output_id, run_id=JUDGED_RUN, problem_id=problem_id, task="edit", outcome=outcome,
            passed=passed, n_passed=20 if passed else rng.randrange(20), n_run=20, speedup=speedup,
            speedup_lo=speedup * 0.95, speedup_hi=speedup * 1.05, memory_reduction=rng.lognormvariate(0, 0.2)))
    store.replace_verdicts(JUDGED_RUN, verdicts, store.verdict_stamp(JUDGED_RUN))
    return len(verdicts)


def open_close_ms(path: Path, n: int = 20) -> float:
    """Median time to open the store file read-write and close it again (what one unit of work adds)."""
    store = Store(path, read_only=False, linger_s=0)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        with store.session():
            pass
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


async def measure(catalog: Catalog) -> dict[str, float]:
    results: dict[str, float] = {}
    opens = catalog.store.opens
    start = time.perf_counter()
    app = EccoApp(Workbench(catalog.store, catalog=catalog))
    clock = FrameClock(app)
    async with app.run_test(size=SIZE) as pilot:

        def problems() -> RecordTable:
            return app.screen.query_one("#problems", RecordTable)

        shown = await wait_until(pilot, lambda: app.screen.id == "browser" and problems().row_count > 0)
        await wait_until(pilot, lambda: clock.first_after(shown) is not None)
        results["first_screen_s"] = (clock.first_after(shown) or shown) - start
        results["rows_loaded"] = problems().row_count
        await settle(pilot)

        # a no-op key: what pilot.press costs by itself
        noop: list[float] = []
        for _ in range(10):
            t = time.perf_counter()
            await pilot.press("f12")
            noop.append(time.perf_counter() - t)
        results["noop_press_ms"] = statistics.median(noop) * 1000

        latencies: list[float] = []
        cpu: list[float] = []
        walls: list[float] = []
        for i in range(N_KEYS):
            key = "down" if (i // 10) % 2 == 0 else "up"
            before = problems().cursor_row
            c0 = time.thread_time()
            t0 = time.perf_counter()
            await pilot.press(key)
            walls.append(time.perf_counter() - t0)
            cpu.append(time.thread_time() - c0)
            assert problems().cursor_row != before, "the cursor did not move"
            frame = clock.first_after(t0)
            if frame is not None:
                latencies.append(frame - t0)
        await settle(pilot)
        results["key_p50_ms"] = pct(latencies, 0.5) * 1000
        results["key_p95_ms"] = pct(latencies, 0.95) * 1000
        results["key_cpu_p95_ms"] = pct(cpu, 0.95) * 1000
        results["press_wall_p50_ms"] = statistics.median(walls) * 1000

        # detail after the cursor stops on a new problem
        card = app.screen.query_one("#problem-card")
        target = problems().keys[problems().cursor_row + 1]
        t0 = time.perf_counter()
        await pilot.press("down")
        done = await wait_until(pilot, lambda: card.border_title == target)
        results["detail_ms"] = (done - t0) * 1000
        await settle(pilot)

        # load more: jump near the end of the first page
        table = problems().table
        assert table is not None
        table.move_cursor(row=PAGE_SIZE - 2)
        t0 = time.perf_counter()
        done = await wait_until(pilot, lambda: problems().row_count > PAGE_SIZE)
        results["load_more_ms"] = (done - t0) * 1000
        await settle(pilot)

        # search: the last key of a query to the filtered rows (debounce included)
        await pilot.press("slash", *"p0123")
        t0 = time.perf_counter()
        done = await wait_until(pilot, lambda: 0 < problems().row_count < PAGE_SIZE or not app.busy)
        results["search_ms"] = (done - t0) * 1000
        await settle(pilot)
        await pilot.press("escape")
        problems().focus()
        await settle(pilot)

        # outcome filter: problems with a spurious optimization (the verdict cache), then back to all
        from textual.widgets import Select

        app.screen.query_one("#search").value = ""  # type: ignore[attr-defined]
        await settle(pilot)
        outcome = app.screen.query_one("#outcome", Select)
        browser: Any = app.screen
        t0 = time.perf_counter()
        outcome.value = "spurious"
        done = await wait_until(pilot, lambda: browser.query_state.outcome == "spurious"
                                and browser.shown_query == browser.query_state)
        await wait_until(pilot, lambda: clock.first_after(done) is not None)
        results["outcome_filter_ms"] = ((clock.first_after(done) or done) - t0) * 1000
        results["outcome_filter_rows"] = float(app.screen.total_problems)  # type: ignore[attr-defined]
        outcome.value = "__all_outcomes__"
        await settle(pilot)

        # sort by pass@1 (an ORDER BY over every problem's verdict aggregate)
        problems().focus()
        for key in ("o", "o", "o"):  # id → pairs → outputs → programs
            await pilot.press(key)
        await settle(pilot)
        # The key's action is called directly: pilot.press would also wait out the detail debounce that
        # follows (the cursor lands on another problem), which is not part of showing the sorted rows.
        t0 = time.perf_counter()
        browser.action_cycle_sort()
        done = await wait_until(pilot, lambda: browser.query_state.sort == "pass1"
                                and browser.shown_query == browser.query_state)
        await wait_until(pilot, lambda: clock.first_after(done) is not None)
        results["sort_pass1_ms"] = ((clock.first_after(done) or done) - t0) * 1000
        await settle(pilot)
        await pilot.press("o", "o", "o")  # back to id
        await settle(pilot)

        # open the compare view of the selected problem's first pair
        await pilot.press("enter")
        await settle(pilot)
        t0 = time.perf_counter()
        await pilot.press("enter")
        done = await wait_until(pilot, lambda: getattr(app.screen, "view", None) is not None, timeout=30)
        results["compare_open_ms"] = (done - t0) * 1000
    results["store_opens"] = catalog.store.opens - opens
    return results


def rows_from(results: dict[str, float]) -> list[dict[str, Any]]:
    floor = results["noop_press_ms"]
    return [
        {"metric": "first screen after launch (s)", "value": f"{results['first_screen_s']:.2f}",
         "target": f"≤ {FIRST_SCREEN_TARGET_S:.0f}", "ok": results["first_screen_s"] <= FIRST_SCREEN_TARGET_S},
        {"metric": "problem rows on first screen", "value": f"{results['rows_loaded']:.0f}",
         "target": f"one page ({PAGE_SIZE})", "ok": results["rows_loaded"] == PAGE_SIZE},
        {"metric": "nav key → frame p50 (ms)", "value": f"{results['key_p50_ms']:.1f}", "target": "", "ok": None},
        {"metric": "nav key → frame p95 (ms)", "value": f"{results['key_p95_ms']:.1f}",
         "target": f"≤ {KEY_P95_TARGET_MS:.0f}", "ok": results["key_p95_ms"] <= KEY_P95_TARGET_MS},
        {"metric": "nav key main-thread CPU p95 (ms)", "value": f"{results['key_cpu_p95_ms']:.1f}",
         "target": f"≤ {KEY_P95_TARGET_MS:.0f}", "ok": results["key_cpu_p95_ms"] <= KEY_P95_TARGET_MS},
        {"metric": "pilot.press wall p50 / no-op floor", "value":
            f"{results['press_wall_p50_ms']:.0f} / {floor:.0f} ms = {results['press_wall_p50_ms'] / floor:.2f}×",
         "target": "", "ok": None},
        {"metric": "detail shown after cursor stops (ms)", "value": f"{results['detail_ms']:.0f}",
         "target": "", "ok": None},
        {"metric": "next page loaded (ms)", "value": f"{results['load_more_ms']:.0f}", "target": "", "ok": None},
        {"metric": "search results after last key (ms)", "value": f"{results['search_ms']:.0f}", "target": "",
         "ok": None},
        {"metric": "compare view open (ms)", "value": f"{results['compare_open_ms']:.0f}", "target": "",
         "ok": None},
        {"metric": "outcome filter 'spurious' → frame (ms)", "value":
            f"{results['outcome_filter_ms']:.0f} ({results['outcome_filter_rows']:.0f} problems)", "target": "",
         "ok": None},
        {"metric": "sort by pass@1 → frame (ms)", "value": f"{results['sort_pass1_ms']:.0f}", "target": "",
         "ok": None},
        {"metric": "store open+close, median (ms)", "value": f"{results['open_close_ms']:.1f}", "target": "",
         "ok": None},
        {"metric": "store opens during this run", "value": f"{results['store_opens']:.0f}", "target": "",
         "ok": None},
    ]


def main(store_path: Path | None = None) -> list[dict[str, Any]]:
    if store_path is None:
        from benchmarks.import_bench import full_store

        store_path = full_store()
    with Store.open(store_path) as writable:
        ensure_judged_run(writable)
    store, _notice = open_for_app(store_path)  # as the app opens it (migrates an older store)
    try:
        results = asyncio.run(measure(Catalog(store)))
    finally:
        store.close()
    results["open_close_ms"] = open_close_ms(store_path)
    return rows_from(results)


if __name__ == "__main__":
    for row in main(Path(sys.argv[1]) if len(sys.argv) > 1 else None):
        ok = "" if row["ok"] is None else ("ok" if row["ok"] else "MISSED")
        print(f"{row['metric']:<38} {row['value']:>28}   {row['target']:<16} {ok}")
