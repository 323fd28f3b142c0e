"""Commands that open the Textual workbench: `ecco` alone, `ecco open` and `ecco demo` (which first builds
the bundled sample store, so a new user sees real data at once)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ecco_tui import __version__
from ecco_tui.cli.app import (
    DbOption,
    NoSandboxOption,
    console,
    refuse_missing_store,
    settings_for,
    user_errors,
    warn,
    warn_unsandboxed,
)
from ecco_tui.cli.progress import progress_bar, refresh_verdicts_of, stage_progress
from ecco_tui.config import Settings

if TYPE_CHECKING:
    from ecco_tui.store.store import Store

__all__ = ["demo", "ensure_sample_store", "launch", "main", "open_app"]


def main(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    """Open the workbench when no command is given."""
    if version:
        console.print(f"ecco-tui {__version__}")
        raise typer.Exit(0)
    if ctx.invoked_subcommand is None:
        open_app(None)


def open_app(
    db: DbOption = None,
    no_sandbox: NoSandboxOption = False,
    create: Annotated[bool, typer.Option("--create", help="Create the store (empty) when the file does not exist; "
                                         "without it a missing store is refused.")] = False,
) -> None:
    """Open the workbench on a store (the bundled sample store when none is configured yet)."""
    from ecco_tui.services import workspace

    settings = settings_for(db, no_sandbox=no_sandbox)
    notice = None
    if not create and not settings.db_configured and workspace.is_empty(settings):
        ensure_sample_store(settings, quiet=True)
        notice = f"No store configured yet: showing the bundled sample ({settings.sample_db_path})."
        settings = settings.with_db(settings.sample_db_path)
    elif not create:
        try:
            workspace.require_store(settings.db_path)
        except workspace.NoSuchStoreError as exc:
            refuse_missing_store(exc, create_flag=True)
    launch(settings, notice)


def demo(
    no_open: Annotated[bool, typer.Option("--no-open", help="Build the sample store, do not open the app.")] = False,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Rebuild the sample store from scratch.")] = False,
    no_eval: Annotated[bool, typer.Option("--no-eval", help="Do not run the sample's programs when building.")]
    = False,
    no_sandbox: NoSandboxOption = False,
) -> None:
    """Build the bundled sample store (evaluated on the local engine) and open the workbench on it."""
    settings = settings_for(no_sandbox=no_sandbox)
    path = ensure_sample_store(settings, rebuild=rebuild, evaluate=not no_eval)
    if no_open:
        console.print(f"Sample store: {path}")
        if not settings.db_configured:
            console.print("ecco open, stats, report, label and eval use it until you import into your own store "
                          f"({settings.db_path}) or pass --db", highlight=False)
        return
    launch(settings.with_db(path))


def launch(settings: Settings, notice: str | None = None) -> None:
    """Run the app; a store it cannot open ends in one line like any command's error."""
    with user_errors():
        from ecco_tui.tui.app import run_app

        run_app(settings, notice=notice)


def ensure_sample_store(
    settings: Settings, *, quiet: bool = False, rebuild: bool = False, evaluate: bool = True
) -> Path:
    """Build the sample store once; by default also evaluate its runs on the local engine, so the app opens
    on real per-test results (about half a minute on 2 cores, with a progress bar)."""
    from ecco_tui.services.imports import build_sample_store
    from ecco_tui.services.workspace import open_store

    path = settings.sample_db_path
    if rebuild and path.exists():
        path.unlink()
    with user_errors(), open_store(path) as store:
        if rebuild or store.counts().tables["problems"] == 0:
            summary, runs = build_sample_store(store)
            if not quiet:
                console.print(f"Built the sample store at {path}: {summary.problems} problems, "
                              f"{summary.pairs} pairs, {sum(r.outputs for r in runs)} model outputs.")
            if evaluate:
                _evaluate_sample(store, settings, [r.run_id for r in runs])
    return path


def _evaluate_sample(store: Store, settings: Settings, run_ids: list[str]) -> None:
    """Run every sample input and output on every test (public and private) with the local engine.

    An engine that cannot start only warns: the sample is still worth opening, and `ecco eval` can finish it.
    """
    import asyncio

    from ecco_tui.services import evaluation
    from ecco_tui.services.engines import EngineError, limits_from, open_engine

    limits = limits_from(settings)
    if not settings.local_sandbox:
        warn_unsandboxed("the sample's programs run")

    async def go() -> None:
        async with open_engine(settings, "local") as engine:
            info = await engine.info()
            programs: list[tuple[str, str, str]] = []
            for run_id in run_ids:
                programs.extend(evaluation.run_programs(store, run_id, final_round_only=False))
            plan = evaluation.plan_evaluation(store, programs, info, limits, run_id="sample", visibility=None)
            with progress_bar() as progress:
                await evaluation.execute_plan(store, engine, plan, limits,
                                              progress=stage_progress(progress, "evaluating the sample"))

    try:
        asyncio.run(go())
    except EngineError as exc:
        warn(f"the sample was not evaluated ({exc}); run `ecco eval` later", highlight=True)
        return
    refresh_verdicts_of(store, run_ids)
