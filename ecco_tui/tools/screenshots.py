"""Write SVG screenshots of each main screen, from the bundled sample store, into `screenshots/`.

    python -m ecco_tui.tools.screenshots [--out screenshots] [--size 120x40] [--no-eval]

The sample store is built fresh in a temporary folder (never the user's data) and, unless `--no-eval`,
its runs are executed with `ecco eval` (the local engine) so the screens show real outcomes and per-test
times; those numbers vary a little from machine to machine. If the engine cannot run here, the shots are
taken without executions ("not run"). The app is driven by the same keys a person would press, and each
screen is saved once every load has finished. Like harlequin's scripts/export_screenshots.py, this keeps
the README's pictures reproducible from the code.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from textual.pilot import Pilot
from textual.screen import Screen

from ecco_tui.services.catalog import Catalog
from ecco_tui.services.imports import build_sample_store
from ecco_tui.services.workbench import Workbench
from ecco_tui.services.workspace import open_store
from ecco_tui.tui.app import Delays, EccoApp
from ecco_tui.tui.screens.browser import BrowserScreen
from ecco_tui.tui.screens.scatter import ScatterScreen


def with_trajectories(catalog: Catalog) -> str | None:
    """The first problem that has user trajectories (the trajectory screen is empty elsewhere)."""
    for problem in catalog.problem_page(limit=500).rows:
        if catalog.trajectories(problem.problem_id):
            return problem.problem_id
    return None


def scatter_of_largest_edit_run(catalog: Catalog) -> Screen[None] | None:
    """The scatter of the editing run with most outputs (the sample's instruct run)."""
    runs = [r for r in catalog.runs() if r.task == "edit"]
    return ScatterScreen(max(runs, key=lambda r: (r.n_outputs, r.run_id)).run_id) if runs else None


@dataclass(frozen=True)
class Shot:
    name: str
    keys: tuple[str, ...]
    description: str
    #: Picks the problem to put the cursor on first (None: the first problem).
    problem: Callable[[Catalog], str | None] | None = None
    #: A screen to open over the browser before the keys (for screens no browser key opens).
    screen: Callable[[Catalog], Screen[None] | None] | None = None


#: Each shot starts from a fresh app on the browser; keys are pressed one at a time, waiting in between.
SHOTS: tuple[Shot, ...] = (
    Shot("browser", (), "Problem browser: filters, problems, the selected problem's pairs and outputs"),
    Shot("compare-output", ("enter", "tab", "enter"), "A model output against its slow input, per-test rows"),
    Shot("compare-unified", ("enter", "tab", "enter", "m"), "The same output as a unified diff"),
    Shot("compare-pair", ("enter", "enter"), "A human pair: the same user's slow and fast programs"),
    Shot("compare-statement", ("enter", "enter", "p"), "The problem statement panel opened"),
    Shot("test-detail", ("enter", "tab", "enter", "tab", "x", "enter"),
         "The first failing test: input, expected, each side's stdout and stderr"),
    Shot("spectrum", ("enter", "tab", "end", "enter", "s"),
         "Human runtime and memory spectrum, a generated program marked at its percentile"),
    Shot("trajectories", ("t",), "A user's successive submissions", with_trajectories),
    Shot("help", ("question_mark",), "Every key of the browser"),
    Shot("scatter", ("down",), "A run's outputs: speedup with its interval × tests passed, one point marked",
         screen=scatter_of_largest_edit_run),
)


async def _settle(pilot: Pilot[None]) -> None:
    app = pilot.app
    quiet = 0
    for _ in range(2000):
        await pilot.pause(0.01)
        quiet = 0 if getattr(app, "busy", False) else quiet + 1
        if quiet >= 3:
            return


async def take(catalog: Catalog, shot: Shot, out: Path, size: tuple[int, int]) -> Path:
    app = EccoApp(Workbench(catalog.store, catalog=catalog), delays=Delays(typing=0.0, cursor=0.0))
    async with app.run_test(size=size) as pilot:
        await _settle(pilot)
        problem_id = shot.problem(catalog) if shot.problem else None
        if problem_id is not None and isinstance(app.screen, BrowserScreen):
            app.screen.jump_to_problem(problem_id)
            await _settle(pilot)
        screen = shot.screen(catalog) if shot.screen else None
        if screen is not None:
            await app.push_screen(screen)
            await _settle(pilot)
        for key in shot.keys:
            await pilot.press(key)
            await _settle(pilot)
        await pilot.pause(0.1)
        name = f"{shot.name}.svg"
        app.save_screenshot(name, str(out))
    return out / name


def evaluate(db: Path) -> bool:
    """Run `ecco eval` on every run of the store (all tests, all rounds); False if it could not."""
    store = open_store(db, read_only=True)
    try:
        run_ids = [r.run_id for r in store.runs()]
    finally:
        store.close()
    if not run_ids:
        return False
    command = [sys.executable, "-m", "ecco_tui", "eval", "--db", str(db), "--tests", "all", "--all-rounds"]
    for run_id in run_ids:
        command += ["--run", run_id]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        print(f"ecco eval failed, taking the shots without executions:\n{done.stderr.strip()}", file=sys.stderr)
    return done.returncode == 0


async def take_all(
    out: Path, size: tuple[int, int], shots: Sequence[Shot] = SHOTS, *, run_eval: bool = True
) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ecco-screenshots-") as tmp:
        db = Path(tmp) / "sample.duckdb"
        store = open_store(db)
        try:
            build_sample_store(store)
        finally:
            store.close()
        if run_eval:
            evaluate(db)
        store = open_store(db)
        try:
            catalog = Catalog(store)
            return [await take(catalog, shot, out, size) for shot in shots]
        finally:
            store.close()


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.partition("x")
    return int(width), int(height)


def main(argv: Sequence[str] | None = None) -> list[Path]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("screenshots"), help="folder for the SVG files")
    parser.add_argument("--size", type=_size, default=(120, 40), help="terminal size, WIDTHxHEIGHT")
    parser.add_argument("--no-eval", action="store_true", help="do not execute the sample runs first")
    args = parser.parse_args(argv)
    paths = asyncio.run(take_all(args.out, args.size, run_eval=not args.no_eval))
    for shot, path in zip(SHOTS, paths, strict=True):
        print(f"{path}  {shot.description}")
    return paths


if __name__ == "__main__":
    main()
