"""The `ecco` command. Thin: parse flags, build Settings, call a service, print.

Errors the user can fix (bad input files, a locked store, a bad config) end in one line on stderr and
exit status 1, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from ecco_tui import __version__
from ecco_tui.config import ConfigError, Settings, load_settings

app = typer.Typer(
    name="ecco",
    help="ecco-tui: a terminal workbench for the ECCO code-efficiency benchmark.",
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode="rich",
)

console = Console()
err_console = Console(stderr=True)

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="Store file (default: $ECCO_DB, the config file's `db`, or "
                 "~/.local/share/ecco-tui/ecco.duckdb).", show_default=False),
]


def fail(message: str) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def settings_for(db: Path | None = None, **overrides: Any) -> Settings:
    try:
        return load_settings(db=db, **overrides)
    except ConfigError as exc:
        fail(str(exc))


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors a user can act on into one line and exit status 1."""
    from ecco_tui.services.imports import IngestError
    from ecco_tui.services.workspace import StoreError
    from ecco_tui.store.migrations import SchemaError

    try:
        yield
    except IngestError as exc:
        fail(exc.one_line())
    except (StoreError, SchemaError, ConfigError) as exc:
        fail(str(exc))


@contextmanager
def progress_bar() -> Iterator[Callable[[str, int, int | None], None]]:
    """A rich progress bar driven by `progress(stage, advance, total)` callbacks."""
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    tasks: dict[str, TaskID] = {}
    with Progress(*columns, console=err_console, transient=False, disable=not err_console.is_terminal) as bar:

        def update(stage: str, advance: int, total: int | None) -> None:
            key = stage.split(" ")[0]
            if key not in tasks:
                tasks[key] = bar.add_task(stage, total=total)
            elif total is not None:
                bar.update(tasks[key], total=total)
            if advance:
                bar.advance(tasks[key], advance)

        yield update


@app.callback(invoke_without_command=True)
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


@app.command("open")
def open_app(db: DbOption = None) -> None:
    """Open the workbench on a store (the bundled sample store when none is configured yet)."""
    from ecco_tui.services import workspace

    settings = settings_for(db)
    notice = None
    if not settings.db_configured and workspace.is_empty(settings):
        ensure_sample_store(settings, quiet=True)
        notice = f"No store configured yet: showing the bundled sample ({settings.sample_db_path})."
        settings = settings.with_db(settings.sample_db_path)
    launch(settings, notice)


def launch(settings: Settings, notice: str | None = None) -> None:
    with user_errors():
        from ecco_tui.tui.app import run_app

        run_app(settings, notice=notice)


def ensure_sample_store(settings: Settings, *, quiet: bool = False, rebuild: bool = False) -> Path:
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
    return path


@app.command()
def demo(
    no_open: Annotated[bool, typer.Option("--no-open", help="Build the sample store, do not open the app.")] = False,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Rebuild the sample store from scratch.")] = False,
) -> None:
    """Build the bundled sample store and open the workbench on it."""
    settings = settings_for()
    path = ensure_sample_store(settings, rebuild=rebuild)
    if no_open:
        console.print(f"Sample store: {path}")
        return
    launch(settings.with_db(path))


@app.command("import")
def import_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Release files or folders (parquet/jsonl/csv, test folders, "
                                                "test_cases.zip).", show_default=False)],
    db: DbOption = None,
    config: Annotated[str | None, typer.Option(help="Force the config: edit, generate, generate_eval, "
                                               "trajectories.")] = None,
    split: Annotated[str | None, typer.Option(help="Force the split: train, val, test.")] = None,
    visibility: Annotated[str | None, typer.Option(help="Force test visibility: public or private.")] = None,
) -> None:
    """Import the ECCO release (one transaction: on any error nothing is written)."""
    from ecco_tui.services.imports import import_release_files
    from ecco_tui.services.workspace import open_store

    if visibility not in (None, "public", "private"):
        fail(f"--visibility: must be public or private, not {visibility!r}")
    settings = settings_for(db)
    with user_errors(), open_store(settings.db_path) as store, progress_bar() as progress:
        summary = import_release_files(store, paths, config=config, split=split, visibility=visibility,
                                       progress=progress)
    console.print(
        f"Imported {summary.files} files into {settings.db_path}: {summary.problems} problems, "
        f"{summary.programs} programs, {summary.pairs} pairs, {summary.tests} tests, {summary.spectra} spectra, "
        f"{summary.trajectories} trajectories."
    )
    for warning in summary.warnings:
        err_console.print(f"[yellow]warning:[/] {warning}", highlight=False)


@app.command("import-outputs")
def import_outputs_cmd(
    files: Annotated[list[Path], typer.Argument(help="ECCO model-output JSONL files.", show_default=False)],
    db: DbOption = None,
    model: Annotated[str | None, typer.Option(help="Model name (default: from the file name).")] = None,
    method: Annotated[str | None, typer.Option(help="Method (default: from the columns, then the name).")] = None,
    run: Annotated[str | None, typer.Option(help="Run name (default: model-method-date).")] = None,
    split: Annotated[str, typer.Option(help="Dataset split the file was made from.")] = "test",
) -> None:
    """Import model outputs written by ECCO's generation/refinement scripts, one run per file."""
    from ecco_tui.services.imports import import_outputs_file
    from ecco_tui.services.workspace import open_store

    if run and len(files) > 1:
        fail("--run names one run: give one file at a time")
    settings = settings_for(db)
    with user_errors(), open_store(settings.db_path) as store:
        for path in files:
            with progress_bar() as progress:
                result = import_outputs_file(store, path, model=model, method=method, run_id=run, split=split,
                                             progress=lambda n, total, p=progress: p("rows", n, total))
            inferred = ", ".join(f"{k}={v}" for k, v in result.inferred.items())
            console.print(
                f"{path.name}: run [bold]{result.run_id}[/] ({result.task}, {result.method}, model {result.model}): "
                f"{result.rows} rows, {result.outputs} outputs, {result.rounds} round(s)"
                + (f"; inferred {inferred}" if inferred else ""),
                highlight=False,
            )
            for warning in result.warnings:
                err_console.print(f"[yellow]warning:[/] {warning}", highlight=False)


@app.command()
def stats(db: DbOption = None) -> None:
    """Counts per table and per split."""
    from ecco_tui.services.workspace import open_store

    settings = settings_for(db)
    if not settings.db_path.exists():
        fail(f"{settings.db_path}: no such store (import something first, or pass --db)")
    with user_errors(), open_store(settings.db_path, read_only=True) as store:
        counts = store.counts()
        version = store.schema_version()
    table = Table(title=f"{settings.db_path} (schema {version})")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in counts.tables.items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    if counts.by_split:
        split_table = Table(title="by split")
        split_table.add_column("split")
        cols = ("problems", "pairs", "runs", "model_outputs")
        for col in cols:
            split_table.add_column(col, justify="right")
        for split, values in sorted(counts.by_split.items()):
            split_table.add_row(split, *(f"{values.get(c, 0):,}" for c in cols))
        console.print(split_table)


@app.command()
def synth(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the synthetic release into.")] = Path(
        "synthetic-release"
    ),
    pairs: Annotated[int, typer.Option(help="Edit pairs in all splits.")] = 50_000,
    problems: Annotated[int, typer.Option(help="Problems in all splits.")] = 1_400,
    tests: Annotated[int, typer.Option(help="Private tests per problem.")] = 20,
    public_tests: Annotated[int, typer.Option(help="Public tests per problem.")] = 3,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
) -> None:
    """Write a full-scale synthetic release in the real file format (for benchmarks)."""
    from ecco_tui.ingest.synth import write_synthetic_release

    if pairs < 1 or problems < 3 or tests < 1 or public_tests < 0:
        fail("--pairs ≥ 1, --problems ≥ 3, --tests ≥ 1 and --public-tests ≥ 0 are needed")
    with progress_bar() as progress:
        summary = write_synthetic_release(
            out, pairs=pairs, problems=problems, tests=tests, public_tests=public_tests, seed=seed,
            progress=lambda done, total: progress("writing", 1 if done else 0, total),
        )
    console.print(f"Wrote a synthetic release to {out}: {summary}")


def run() -> None:  # pragma: no cover - console entry for `python -m ecco_tui`
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
