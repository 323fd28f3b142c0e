"""The `ecco` command. Thin: parse flags, build Settings, call a service, print.

Errors the user can fix (bad input files, a locked store, a bad config) end in one line on stderr and
exit status 1, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

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


NoSandboxOption = Annotated[
    bool,
    typer.Option("--no-sandbox", help="Run programs on the local engine without the bubblewrap sandbox (they can "
                 "read and write your files and use the network); everything measured so is marked UNSANDBOXED. "
                 "Also ECCO_NO_SANDBOX=1 or [local] sandbox = false in the config."),
]


def fail(message: str) -> NoReturn:
    # Escaped: messages name config tables ("[local] sandbox", "[judge0] url") that rich would take for markup.
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def warn_unsandboxed(what: str) -> None:
    """Say on stderr, before anything runs, that `what` runs without the sandbox (nobody misses it in a log)."""
    from ecco_tui.services.engines import UNSANDBOXED

    err_console.print(f"[bold red]{UNSANDBOXED}[/]: {what} without the bubblewrap sandbox (--no-sandbox): "
                      "programs can read and write your files and use the network", highlight=False, soft_wrap=True)


def refuse_unsandboxable(settings: Settings, engine: str | None = None) -> None:
    """Fail in one line, before any store is opened, when the local engine must sandbox and there is no bwrap."""
    from ecco_tui.services.engines import sandbox_refusal

    if (refusal := sandbox_refusal(settings, engine)) is not None:
        fail(refusal)


def settings_for(db: Path | None = None, *, existing: bool = False, **overrides: Any) -> Settings:
    """Settings from flags, environment and config file. `existing`: the command works on a store that must
    exist, so with none configured it uses `ecco demo`'s sample store (as `ecco open` does) and says so."""
    try:
        settings = load_settings(db=db, **overrides)
    except ConfigError as exc:
        fail(str(exc))
    if existing:
        from ecco_tui.services.workspace import existing_store

        with user_errors():
            settings, notice = existing_store(settings)
        if notice:
            err_console.print(notice, highlight=False, soft_wrap=True)
    return settings


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


class RateColumn(ProgressColumn):
    """Throughput of the task (items per second), e.g. tests/s during `ecco eval`."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.1f}/s", style="progress.data.speed")


@contextmanager
def progress_bar() -> Iterator[Callable[[str, int, int | None], None]]:
    """A rich progress bar driven by `progress(stage, advance, total)` callbacks."""
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
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
def open_app(db: DbOption = None, no_sandbox: NoSandboxOption = False) -> None:
    """Open the workbench on a store (the bundled sample store when none is configured yet)."""
    from ecco_tui.services import workspace

    settings = settings_for(db, no_sandbox=no_sandbox)
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


def _evaluate_sample(store: Any, settings: Settings, run_ids: list[str]) -> None:
    """Run every sample input and output on every test (public and private) with the local engine."""
    import asyncio

    from ecco_tui.services import evaluation
    from ecco_tui.services.engines import EngineError, limits_from, make_engine

    limits = limits_from(settings)
    if not settings.local_sandbox:
        warn_unsandboxed("the sample's programs run")

    async def go() -> None:
        engine = make_engine(settings, "local")
        try:
            info = await engine.info()
            programs: list[tuple[str, str, str]] = []
            for run_id in run_ids:
                programs.extend(evaluation.run_programs(store, run_id, final_round_only=False))
            plan = evaluation.plan_evaluation(store, programs, info, limits, run_id="sample", visibility=None)
            with progress_bar() as progress:
                await evaluation.execute_plan(store, engine, plan, limits,
                                              progress=lambda n, total: progress("evaluating the sample", n, total))
        finally:
            await engine.aclose()

    try:
        asyncio.run(go())
    except EngineError as exc:
        err_console.print(f"[yellow]warning:[/] the sample was not evaluated ({exc}); run `ecco eval` later")
        return
    refresh_verdicts_of(store, run_ids)


@app.command()
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


@app.command("import")
def import_cmd(
    paths: Annotated[list[Path] | None, typer.Argument(help="Release files or folders (parquet/jsonl/csv, test "
                                                       "folders, test_cases.zip).", show_default=False)] = None,
    hub: Annotated[str | None, typer.Option("--hub", help="Download a Hugging Face dataset snapshot (e.g. "
                                            "CodeEff/ECCO; needs the [hub] extra and a network) or use a local "
                                            "snapshot folder, then import it.")] = None,
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
    paths = list(paths or [])
    if hub:
        paths.append(hub_snapshot(hub))
    if not paths:
        fail("give release files or folders, or --hub CodeEff/ECCO")
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


def hub_snapshot(repo: str) -> Path:
    """A local folder holding the dataset: the folder itself when `repo` is one, else a hub download."""
    local = Path(repo).expanduser()
    if local.is_dir():
        return local
    try:
        from huggingface_hub import snapshot_download  # type: ignore[import-not-found]
    except ImportError:
        fail("--hub needs huggingface_hub: pip install 'ecco-tui[hub]' (or download the dataset and pass its folder)")
    try:
        return Path(snapshot_download(repo_id=repo, repo_type="dataset"))
    except Exception as exc:  # network, auth, unknown repo: one line
        fail(f"--hub {repo}: download failed ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})")


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
            refresh_verdicts_of(store, [result.run_id])


@app.command("import-results")
def import_results_cmd(
    files: Annotated[list[Path], typer.Argument(help="ECCO evaluation-result JSON files.", show_default=False)],
    db: DbOption = None,
    run: Annotated[str | None, typer.Option(help="Run the results belong to (default: matched by file name, "
                                            "generated_codes[_<round>]_<outputs file>).")] = None,
    round: Annotated[int | None, typer.Option(help="Round whose codes were evaluated (default: from the name).")]
    = None,
    outputs: Annotated[Path | None, typer.Option("--outputs", help="The outputs file; imported first when its "
                                                 "run is not in the store.")] = None,
    visibility: Annotated[str, typer.Option(help="Which tests the file's ids refer to.")] = "private",
) -> None:
    """Import ECCO's evaluation results: per-test times, memory and errors as executions (judge0-imported)."""
    from ecco_tui.services.imports import import_outputs_file, import_results_file
    from ecco_tui.services.workspace import open_store

    if visibility not in ("public", "private"):
        fail(f"--visibility: must be public or private, not {visibility!r}")
    settings = settings_for(db)
    with user_errors(), open_store(settings.db_path) as store:
        if outputs is not None:
            known = {r.source_file for r in store.runs()}
            if str(outputs.resolve()) not in known:
                imported = import_outputs_file(store, outputs, run_id=run)
                console.print(f"imported {outputs.name} as run {imported.run_id}")
                run = imported.run_id
            elif run is None:
                run = next(r.run_id for r in store.runs() if r.source_file == str(outputs.resolve()))
        for path in files:
            with progress_bar() as progress:
                result = import_results_file(store, path, run_id=run, round=round, visibility=visibility,
                                             progress=lambda n, total, p=progress: p("rows", n, total))
            skipped = f"; {len(result.skipped_rows)} output rows have no entry (ECCO skipped them)" if (
                result.skipped_rows) else ""
            console.print(f"{path.name}: run {result.run_id}, round {result.round}: {result.rows} rows, "
                          f"{result.executions} per-test results{skipped}", highlight=False)
            for warning in result.warnings:
                err_console.print(f"[yellow]warning:[/] {warning}", highlight=False)
            refresh_verdicts_of(store, [result.run_id])


def refresh_verdicts_of(store: Any, run_ids: list[str]) -> None:
    """Recompute the browser's cached verdicts of runs this command just wrote (see services.verdicts), so
    the app opens with filters that are already right. Forced: a re-import can replace rows without
    changing the counts the staleness stamp compares."""
    from ecco_tui.services.verdicts import refresh_verdicts

    seen: dict[str, int] = {}
    with progress_bar() as progress:

        def advance(run_id: str, done: int, total: int) -> None:
            progress(f"verdicts:{run_id}", done - seen.get(run_id, 0), total)
            seen[run_id] = done

        refresh_verdicts(store, run_ids, force=True, progress=advance)


@app.command("label")
def label_cmd(
    target: Annotated[str, typer.Argument(help="Output id (run:row:sample:round), pair id or program id.",
                                          show_default=False)],
    value: Annotated[str, typer.Argument(help="Label, e.g. spurious-optimization.", show_default=False)],
    db: DbOption = None,
    kind: Annotated[str, typer.Option(help="output, pair or program.")] = "output",
    note: Annotated[str | None, typer.Option(help="Free-text note.")] = None,
    author: Annotated[str | None, typer.Option(help="Author (default: config `author`, else your user name).")]
    = None,
) -> None:
    """Label one target (written at once, in its own transaction)."""
    from ecco_tui.services import annotations
    from ecco_tui.services.workspace import open_store

    settings = settings_for(db, author=author, existing=True)
    with user_errors(), open_store(settings.db_path) as store:
        try:
            saved = annotations.label(store, kind, target, value, settings.author, note=note, labels=settings.labels)
        except ValueError as exc:
            fail(str(exc))
    console.print(f"labelled {kind} {target} as {saved.label} ({saved.author})", highlight=False)


@app.command("export-annotations")
def export_annotations_cmd(
    out: Annotated[Path, typer.Option("--out", help="File to write.")] = Path("annotations.jsonl"),
    output_format: Annotated[str | None, typer.Option("--format", help="jsonl, parquet or csv (default: from "
                                                      "the file name).")] = None,
    db: DbOption = None,
) -> None:
    """Export every annotation (history included) as JSONL, parquet or CSV."""
    from ecco_tui.services import annotations
    from ecco_tui.services.workspace import open_store

    settings = settings_for(db, existing=True)
    with user_errors(), open_store(settings.db_path, read_only=settings.db_path.exists()) as store:
        try:
            n = annotations.export_annotations(store, out, output_format)
        except ValueError as exc:
            fail(f"--format: {exc}")
    console.print(f"wrote {n} annotations to {out}")


@app.command("import-annotations")
def import_annotations_cmd(
    file: Annotated[Path, typer.Argument(help="An exported annotations file.", show_default=False)],
    db: DbOption = None,
) -> None:
    """Merge annotations from a file (idempotent; the newest live label per target and author wins)."""
    from ecco_tui.services import annotations
    from ecco_tui.services.workspace import open_store

    settings = settings_for(db)
    with user_errors(), open_store(settings.db_path) as store:
        n = annotations.import_annotations(store, file)
    console.print(f"merged {n} annotation rows from {file}")


@app.command()
def stats(
    db: DbOption = None,
    show_annotations: Annotated[bool, typer.Option("--annotations", help="Labels per author and agreement "
                                                   "(Cohen's kappa) between authors.")] = False,
) -> None:
    """Counts per table and per split (and annotation agreement with --annotations)."""
    from ecco_tui.services.workspace import open_store

    settings = settings_for(db, existing=True)
    if not settings.db_path.exists():
        fail(f"{settings.db_path}: no such store (import something first, or pass --db)")
    with user_errors(), open_store(settings.db_path, read_only=True) as store:
        counts = store.counts()
        version = store.schema_version()
        cache = store.cache_stats()
        if show_annotations:
            print_annotation_stats(store)
            return
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
    if cache["sessions"]:
        console.print(
            f"execution cache: {cache['stored']:,} results stored; {cache['sessions']} evaluations asked for "
            f"{cache['executed'] + cache['cached']:,} test runs, {cache['cached']:,} served from the store "
            f"(hit rate {100 * cache['hit_rate']:.1f}%)", highlight=False)


def print_annotation_stats(store: Any) -> None:
    from ecco_tui.services import annotations

    current = store.current_annotations()
    per_author = Table(title="current labels per author")
    per_author.add_column("author")
    per_author.add_column("label")
    per_author.add_column("targets", justify="right")
    counts: dict[tuple[str, str], int] = {}
    for a in current:
        counts[(a.author, a.label)] = counts.get((a.author, a.label), 0) + 1
    for (author, value), n in sorted(counts.items()):
        per_author.add_row(author, value, str(n))
    console.print(per_author)
    pairs = annotations.agreement(store)
    table = Table(title="agreement between authors")
    for col in ("author A", "author B", "shared targets", "observed", "Cohen's kappa"):
        table.add_column(col)
    for p in pairs:
        table.add_row(p.author_a, p.author_b, str(p.items), f"{p.observed:.3f}",
                      "–" if p.kappa is None else f"{p.kappa:.3f}")
    console.print(table if pairs else "no targets labelled by two authors yet")


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
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace a synthetic release already there.")]
    = False,
) -> None:
    """Write a full-scale synthetic release in the real file format (for benchmarks)."""
    from ecco_tui.ingest.synth import write_synthetic_release

    if pairs < 1 or problems < 3 or tests < 1 or public_tests < 0:
        fail("--pairs ≥ 1, --problems ≥ 3, --tests ≥ 1 and --public-tests ≥ 0 are needed")
    seen = [0]

    def advance(done: int, total: int, bar: Callable[[str, int, int | None], None]) -> None:
        bar("writing", done - seen[0], total)
        seen[0] = done

    try:
        with progress_bar() as progress:
            summary = write_synthetic_release(
                out, pairs=pairs, problems=problems, tests=tests, public_tests=public_tests, seed=seed,
                overwrite=overwrite, progress=lambda done, total: advance(done, total, progress),
            )
    except (ValueError, FileExistsError, OSError) as exc:
        if "not empty" in str(exc):
            fail(f"{out} is not empty: pass --overwrite to replace a synthetic release there")
        fail(f"{out}: {exc}")
    console.print(f"Wrote a synthetic release to {out}: {sum(summary.pairs.values()):,} pairs, "
                  f"{sum(summary.problems.values()):,} problems, {summary.private_tests} private and "
                  f"{summary.public_tests} public tests per problem, in {summary.seconds:.1f} s")


EngineOption = Annotated[str | None, typer.Option("--engine", help="local or judge0 (default: config, else local).")]
Judge0UrlOption = Annotated[str | None, typer.Option("--judge0-url", help="Judge0 base URL, e.g. http://127.0.0.1:2358.")]


def probe_engine_or_fail(settings: Settings, engine: str | None) -> None:
    """Start the engine once and close it: a sandbox that cannot start is refused here, in one line."""
    import asyncio

    from ecco_tui.services.engines import EngineError, make_engine

    async def go() -> None:
        eng = make_engine(settings, engine)
        try:
            await eng.info()
        finally:
            await eng.aclose()

    try:
        asyncio.run(go())
    except EngineError as exc:
        fail(str(exc))


def _engine_or_fail(settings: Settings, engine: str | None, judge0_url: str | None) -> Any:
    from ecco_tui.services.engines import EngineError, make_engine

    try:
        return make_engine(settings, engine, judge0_url=judge0_url)
    except EngineError as exc:
        fail(str(exc))


@app.command("run")
def run_cmd(
    file: Annotated[Path, typer.Argument(help="A Python program.", show_default=False)],
    problem: Annotated[str, typer.Option("--problem", help="Problem id whose tests to run, e.g. p03209.")],
    db: DbOption = None,
    engine: EngineOption = None,
    judge0_url: Judge0UrlOption = None,
    tests: Annotated[str, typer.Option(help="public, private or all.")] = "all",
    repeat: Annotated[int, typer.Option(min=1, max=20, help="Runs per test (medians shown).")] = 1,
    cost: Annotated[str, typer.Option("--cost", help="time, or instructions: also count instructions with "
                                      "valgrind (local engine; ~70× slower, once per test).")] = "time",
    no_sandbox: NoSandboxOption = False,
) -> None:
    """Run one program on a problem's tests and print a per-test table (nothing is stored)."""
    import asyncio

    from ecco_tui.metrics import median_or_none
    from ecco_tui.services.engines import EngineError, make_engine, runs_unsandboxed
    from ecco_tui.services.evaluation import cost_problem, to_engine_test
    from ecco_tui.services.workspace import open_store

    if tests not in ("public", "private", "all"):
        fail(f"--tests: must be public, private or all, not {tests!r}")
    try:
        code = file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{file}: cannot read ({exc})")
    settings = settings_for(db, engine=engine, judge0_url=judge0_url, no_sandbox=no_sandbox)
    if problem_text := cost_problem(cost, settings.engine):
        fail(problem_text)
    refuse_unsandboxable(settings)
    if runs_unsandboxed(settings):
        warn_unsandboxed("the program runs")
    with user_errors(), open_store(settings.db_path, read_only=settings.db_path.exists()) as store:
        cases = [to_engine_test(t) for t in store.tests_for(problem, None if tests == "all" else tests)]
    if not cases:
        fail(f"--problem: no {'' if tests == 'all' else tests + ' '}tests stored for {problem!r}")
    try:
        eng = make_engine(settings, engine, judge0_url=judge0_url, count_instructions=cost == "instructions")
    except EngineError as exc:
        fail(str(exc))

    async def go() -> tuple[Any, list[Any]]:
        from ecco_tui.engines.base import EngineError

        try:
            info = await eng.info()
            results = []
            with progress_bar() as progress:
                progress("tests", 0, len(cases) * repeat)
                async for result in eng.run(code, cases, None, repeat=repeat):
                    results.append(result)
                    progress("tests", 1, None)
            return info, results
        except EngineError as exc:
            fail(str(exc))
        finally:
            await eng.aclose()

    info, results = asyncio.run(go())
    from ecco_tui.services.engines import UNSANDBOXED, is_sandboxed

    unsandboxed = "" if is_sandboxed(info) else f" · [bold red]{UNSANDBOXED}[/]"
    table = Table(title=f"{file.name} on {problem} · {info.name} {info.version} · {info.language}{unsandboxed}")
    counting = cost == "instructions"
    for col, justify in (("test", "left"), ("status", "left"), ("cpu s", "right"), ("wall s", "right"),
                         ("memory KB", "right"), ("exit", "right"),
                         *((("instructions", "right"),) if counting else ())):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    by_test: dict[tuple[str, int], list[Any]] = {}
    for r in results:
        by_test.setdefault((r.test.visibility, r.test.index), []).append(r)
    passed = 0
    for (vis, idx), runs in sorted(by_test.items(), key=lambda kv: (kv[0][0] != "public", kv[0][1])):
        worst = max(runs, key=lambda r: r.status_id != 3)
        cpu = median_or_none(r.cpu_time_s for r in runs if r.cpu_time_s is not None)
        wall = median_or_none(r.wall_time_s for r in runs if r.wall_time_s is not None)
        mem = median_or_none(r.memory_kb for r in runs if r.memory_kb is not None)
        ok = all(r.status_id == 3 for r in runs)
        passed += ok
        colour = "green" if ok else "red"
        counts = [r.instructions for r in runs if r.instructions is not None]
        table.add_row(f"{vis} {idx}", f"[{colour}]{worst.status_description}[/]",
                      "–" if cpu is None else f"{cpu:.3f}", "–" if wall is None else f"{wall:.3f}",
                      "–" if mem is None else f"{mem:,.0f}",
                      "" if worst.exit_code is None else str(worst.exit_code),
                      *((f"{counts[0]:,}" if counts else "–",) if counting else ()))
    console.print(table)
    console.print(f"{passed}/{len(by_test)} tests passed")
    if passed != len(by_test):
        raise typer.Exit(2)


@app.command("engines")
def engines_cmd(
    judge0_url: Judge0UrlOption = None,
    no_sandbox: NoSandboxOption = False,
    output_format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Show the engines this machine can run programs on: version, sandbox and how a test's cost is charged."""
    import asyncio
    import json

    from ecco_tui.services.engines import EngineError, accounting_of, is_sandboxed, make_engine

    if output_format not in ("table", "json"):
        fail(f"--format: must be table or json, not {output_format!r}")
    settings = settings_for(None, judge0_url=judge0_url, no_sandbox=no_sandbox)
    names = ["local"] + (["judge0"] if judge0_url or settings.judge0.url else [])

    async def describe(name: str) -> dict[str, Any]:
        row: dict[str, Any] = {"engine": name}
        try:
            eng = make_engine(settings, name, judge0_url=judge0_url)
        except EngineError as exc:
            return {**row, "error": str(exc)}
        try:
            info = await eng.info()
        except EngineError as exc:
            return {**row, "error": str(exc)}
        finally:
            await eng.aclose()
        return {**row, "version": info.version, "language": info.language, "sandboxed": is_sandboxed(info),
                "accounting": accounting_of(info), "details": dict(info.details)}

    async def describe_all() -> list[dict[str, Any]]:
        return list(await asyncio.gather(*(describe(name) for name in names)))

    rows = asyncio.run(describe_all())
    if output_format == "json":
        print(json.dumps(rows, indent=2, sort_keys=True))
    else:
        table = Table(title="engines")
        for col in ("engine", "version", "sandbox", "cost charged"):
            table.add_column(col)
        for row in rows:
            if "error" in row:
                table.add_row(row["engine"], f"[red]{escape(row['error'])}[/]", "–", "–")
                continue
            sandbox = "[green]yes[/]" if row["sandboxed"] else "[bold red]UNSANDBOXED[/]"
            table.add_row(row["engine"], escape(row["version"]), sandbox, row["accounting"])
        (console if console.is_terminal else Console(width=200)).print(table)
    if any("error" in row for row in rows):
        raise typer.Exit(1)


@app.command()
def selftest(
    engine: EngineOption = None,
    judge0_url: Judge0UrlOption = None,
    no_sandbox: NoSandboxOption = False,
) -> None:
    """Run the untrusted-program suite on an engine and check it answers as Judge0 does (exit 1 if not)."""
    import asyncio

    from ecco_tui.services.selftest import run_selftest
    from ecco_tui.services.selftest.accounting import CPU_TOLERANCE, run_accounting_checks

    settings = settings_for(None, engine=engine, judge0_url=judge0_url, no_sandbox=no_sandbox)
    eng = _engine_or_fail(settings, engine, judge0_url)

    async def go() -> tuple[Any, list[Any], list[Any]]:
        from ecco_tui.engines.base import EngineError

        try:
            info = await eng.info()
            with progress_bar() as progress:
                progress("cases", 0, None)
                outcomes = await run_selftest(eng, progress=lambda _o: progress("cases", 1, None))
                accounting = await run_accounting_checks(eng, progress=lambda _o: progress("cases", 1, None))
            return info, outcomes, accounting
        except EngineError as exc:
            fail(str(exc))
        finally:
            await eng.aclose()

    info, outcomes, accounting = asyncio.run(go())
    from ecco_tui.services.engines import UNSANDBOXED, accounting_of, is_sandboxed

    unsandboxed = "" if is_sandboxed(info) else f" · [bold red]{UNSANDBOXED}[/]"
    table = Table(title=f"selftest · {info.name} {info.version} · {info.language}{unsandboxed}")
    for col in ("case", "status", "cpu s", "memory KB", "verdict"):
        table.add_column(col)
    for o in outcomes:
        r = o.result
        table.add_row(
            o.case.name,
            f"{r.status_id} {r.status_description}" if r else "–",
            "–" if r is None or r.cpu_time_s is None else f"{r.cpu_time_s:.3f}",
            "–" if r is None or r.memory_kb is None else f"{r.memory_kb:,}",
            "[green]ok[/]" if o.ok else f"[red]{'; '.join(o.problems)}[/]",
        )
    out = console if console.is_terminal else Console(width=160)
    out.print(table)
    tree = Table(title=f"whole-tree accounting · {accounting_of(info)} · the same work, hidden in other "
                       f"processes, must cost within ±{CPU_TOLERANCE:.0%} of the honest run")
    for col in ("case", "how", "cpu s", "× honest", "memory KB", "verdict"):
        tree.add_column(col)
    for a in accounting:
        tree.add_row(a.name, a.description, "–" if a.cpu_s is None else f"{a.cpu_s:.3f}",
                     "–" if a.cpu_ratio is None else f"{a.cpu_ratio:.2f}",
                     "–" if a.memory_kb is None else f"{a.memory_kb:,}",
                     (f"[red]{escape('; '.join(a.problems))}[/]" if not a.ok else
                      f"[yellow]{escape('; '.join(a.warnings))}[/]" if a.warnings else "[green]ok[/]"))
    out.print(tree)
    failed = [o for o in (*outcomes, *accounting) if not o.ok]
    out.print(f"{len(outcomes) + len(accounting) - len(failed)} passed, {len(failed)} failed")
    if failed:
        raise typer.Exit(1)


@app.command()
def calibrate(
    engine: Annotated[list[str] | None, typer.Option("--engine", help="Engines to compare (repeatable): local, "
                                                     "judge0. The first is the reference of the ratios.")] = None,
    judge0_url: Judge0UrlOption = None,
    repeat: Annotated[int, typer.Option(min=1, max=20, help="Runs per program and engine (medians shown).")] = 5,
    programs: Annotated[str | None, typer.Option("--programs", help="Only these programs: comma-separated glob "
                                                 "patterns over their names, e.g. 'startup,sort-*'.")] = None,
    db: DbOption = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Print only; do not store the session.")] = False,
    no_sandbox: NoSandboxOption = False,
) -> None:
    """Run the shipped calibration set on each engine; print per-program ratios and fitted time/memory factors."""
    import asyncio

    from ecco_tui.services import calibrate as cal
    from ecco_tui.services.workspace import open_store

    engines = engine or ["local"]
    for name in engines:
        if name not in ("local", "judge0"):
            fail(f"--engine: unknown engine {name!r} (local or judge0)")
    try:
        full_set = cal.load_calibration_set()
        chosen = full_set.select(programs)
    except cal.CalibrationError as exc:
        fail(str(exc))
    settings = settings_for(db, judge0_url=judge0_url, no_sandbox=no_sandbox)
    for name in engines:
        refuse_unsandboxable(settings, name)
    if "local" in engines and not settings.local_sandbox:
        warn_unsandboxed("the calibration set runs")

    async def go(update: Callable[[str, int, int | None], None]) -> list[Any]:
        from ecco_tui.engines.base import EngineError

        results = []
        for name in engines:
            eng = _engine_or_fail(settings, name, judge0_url)
            total = len(chosen.programs)
            update(f"{name} calibration", 0, total)
            try:
                results.append(await cal.calibrate(eng, chosen, repeat=repeat,
                                                   progress=lambda _p, n=name: update(f"{n} calibration", 1, None)))
            except EngineError as exc:
                fail(f"{name}: {exc}")
            finally:
                await eng.aclose()
        return results

    with progress_bar() as update:
        results = asyncio.run(go(update))
    session = cal.build_session(results, set_version=full_set.version, programs=programs, repeat=repeat)
    out = console if console.is_terminal else Console(width=200)
    print_table_specs(out, cal.session_tables(session))
    if not session.pairs:
        out.print("one engine: no factors (add e.g. --engine judge0 --judge0-url URL to compare)", highlight=False)
    failed = sorted({r.program for e in session.engines for r in e.rows if not r.ok})
    if failed:
        err_console.print(f"[yellow]warning:[/] failed on some engine (left out of the fits): {', '.join(failed)}",
                          highlight=False)
    if not no_store:
        with user_errors(), open_store(settings.db_path) as store:
            cal.save_session(store, session)
        out.print(f"stored as calibration {session.session_id[:12]} in {settings.db_path} "
                  "(ecco report --calibration)", highlight=False)


@app.command()
def refine(
    run: Annotated[str, typer.Option("--run", help="Run whose outputs to refine.")],
    method: Annotated[str, typer.Option(help="self-refine, exec-refine or nl-exec-refine.")],
    model_url: Annotated[str, typer.Option("--model-url", help="OpenAI-compatible base URL (vLLM, Ollama, "
                                           "llama.cpp server, hosted APIs).")],
    model: Annotated[str, typer.Option("--model", help="Model name the endpoint serves.")],
    rounds: Annotated[int, typer.Option(min=1, max=20, help="Final refinement round to reach.")] = 1,
    db: DbOption = None,
    new_run: Annotated[str | None, typer.Option("--new-run", help="Name of the run the rounds go to "
                                                "(default: <run>-<method>).")] = None,
    split: Annotated[str | None, typer.Option(help="Only check that the run is of this split.")] = None,
    api_key_env: Annotated[str | None, typer.Option(help="Env var holding the API key (never stored).")] = None,
    endpoint: Annotated[str, typer.Option(help="chat (/v1/chat/completions) or completions.")] = "chat",
    wrapper: Annotated[str, typer.Option(help="Prompt wrapper for the completions endpoint: none, "
                                         "deepseek-coder, codellama.")] = "none",
    temperature: Annotated[float, typer.Option(help="Sampling temperature (paper: 0.4).")] = 0.4,
    max_tokens: Annotated[int, typer.Option(help="Max new tokens (paper: 1024).")] = 1024,
    timeout: Annotated[float, typer.Option(help="Seconds per model request.")] = 300.0,
    tries: Annotated[int, typer.Option(help="Attempts per request (429/5xx/timeouts are retried).")] = 4,
    rows: Annotated[int | None, typer.Option("--rows", help="Only the first N rows.")] = None,
    concurrency: Annotated[int, typer.Option(help="Rows refined at once.")] = 4,
    engine: EngineOption = None,
    judge0_url: Judge0UrlOption = None,
    extraction: Annotated[str, typer.Option(help="markdown (ECCO's DeepSeek rule) or plain.")] = "markdown",
    no_sandbox: NoSandboxOption = False,
) -> None:
    """Refine a run's outputs with a model and execution feedback, round by round (resumable)."""
    import asyncio

    from ecco_tui.refine.client import ModelClient, ModelConfigError, ModelSettings
    from ecco_tui.services.engines import limits_from, runs_unsandboxed
    from ecco_tui.services.refine import RefineError, refine_run
    from ecco_tui.services.workspace import open_store

    settings = settings_for(db, engine=engine, judge0_url=judge0_url, no_sandbox=no_sandbox)
    refuse_unsandboxable(settings)
    if runs_unsandboxed(settings):
        warn_unsandboxed("the refined candidates run")
    try:
        model_settings = ModelSettings(base_url=model_url, model=model, api_key_env=api_key_env,
                                       endpoint=endpoint, temperature=temperature, max_tokens=max_tokens,  # type: ignore[arg-type]
                                       wrapper=wrapper, timeout_s=timeout, max_tries=tries)
    except (ModelConfigError, ValueError) as exc:
        fail(str(exc))
    with user_errors(), open_store(settings.db_path) as store:
        known = store.get_run(run)
        if known is None:
            fail(f"--run: no run named {run!r} (runs: {', '.join(r.run_id for r in store.runs()) or 'none'})")
        if split and known.split != split:
            fail(f"--run {run}: made from the {known.split} split, not {split}")
        eng = _engine_or_fail(settings, engine, judge0_url)

        async def go() -> Any:
            from ecco_tui.engines.base import EngineError

            try:
                async with ModelClient(model_settings) as client:
                    with progress_bar() as progress:
                        return await refine_run(store, eng, client, run, method, rounds, new_run_id=new_run,
                                                progress=progress, limits=limits_from(settings),
                                                concurrency=concurrency, max_rows=rows, extraction=extraction)
            except (RefineError, ModelConfigError, EngineError) as exc:
                fail(str(exc))
            finally:
                await eng.aclose()

        try:
            summary = asyncio.run(go())
        except KeyboardInterrupt:
            err_console.print("interrupted: finished rounds are stored; run the same command to resume")
            raise typer.Exit(130) from None
        refresh_verdicts_of(store, [summary.run_id])
    console.print(f"run {summary.run_id}: {len(summary.written)} rounds written ({summary.succeeded} with code, "
                  f"{len(summary.failed)} failed, {summary.skipped} already done) in {summary.seconds:.1f} s",
                  highlight=False)
    for failed in summary.failed[:10]:
        err_console.print(f"[yellow]  {failed.output_id}: {failed.failure}[/]", highlight=False)
    for line in summary.errors[:10]:
        err_console.print(f"[yellow]  {line}[/]", highlight=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (Judge0's default is 2358).")] = 2358,
    workers: Annotated[int | None, typer.Option(help="Submissions run at once (default: cores).")] = None,
    auth_token: Annotated[str | None, typer.Option("--auth-token", help="Require this X-Auth-Token "
                                                   "(default: $ECCO_SERVE_TOKEN, else none).")] = None,
    max_queue: Annotated[int, typer.Option("--max-queue", help="Unfinished submissions before 503 "
                                           "'queue is full'.")] = 100,
    db: Annotated[Path | None, typer.Option("--db", help="Record every run in this store and answer a repeated "
                                            "program+test from it (opened per lookup and write: other ecco "
                                            "commands can use it meanwhile). "
                                            "Without it nothing is stored.", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="With --db: run every submission even when the store "
                                        "has its result (still recorded; the newest wins).")] = False,
    insecure_no_auth: Annotated[bool, typer.Option("--insecure-no-auth", help="Allow a --host beyond loopback "
                                                   "without an auth token (anyone who can reach it can run "
                                                   "code here); never allowed unsandboxed.")] = False,
    no_sandbox: NoSandboxOption = False,
) -> None:
    """Serve Judge0 CE 1.13.1's REST API over the local sandbox, for ECCO's scripts and any Judge0 client."""
    import os

    from ecco_tui.serve.app import serve as run_server

    if force and db is None:
        fail("--force: only means something with --db (nothing is looked up without a store)")
    settings = settings_for(None, no_sandbox=no_sandbox)
    token = auth_token or os.environ.get("ECCO_SERVE_TOKEN") or None
    from ecco_tui.serve.policy import BindRefused, check_bind

    try:  # refuse an unsafe bind before anything starts; serve() checks again for programmatic callers
        check_bind(host, token, insecure_no_auth, sandboxed=settings.local_sandbox)
    except BindRefused as exc:
        fail(str(exc))
    from ecco_tui.services.engines import default_interpreter

    if settings.local_sandbox:
        probe_engine_or_fail(settings, "local")  # the server's own engine would fail in its startup, unreadably
    else:
        warn_unsandboxed("submissions run")

    with user_errors():
        run_server(host=host, port=port, workers=workers, auth_token=token, max_queue=max_queue,
                   python=settings.local_python or default_interpreter(),
                   db=None if db is None else db.expanduser(), force=force, insecure_no_auth=insecure_no_auth,
                   use_bwrap=settings.local_sandbox)


@app.command("eval")
def eval_cmd(
    run: Annotated[list[str], typer.Option("--run", help="Run name (repeatable); see `ecco report`.")],
    db: DbOption = None,
    split: Annotated[str | None, typer.Option(help="Only check that the run is of this split.")] = None,
    engine: EngineOption = None,
    judge0_url: Judge0UrlOption = None,
    tests: Annotated[str, typer.Option(help="public, private or all.")] = "private",
    repeat: Annotated[str, typer.Option(help="Runs per test (1-20), or auto: repeat each pair's input and output "
                                        "until its speedup interval is within ±5% or 15 samples per test. Every "
                                        "sample is stored.")] = "1",
    cost: Annotated[str, typer.Option("--cost", help="time, or instructions: also count instructions with "
                                      "valgrind (local engine; ~70× slower, once per test), stored beside CPU "
                                      "time; the report then shows both speedups.")] = "time",
    force: Annotated[bool, typer.Option("--force", help="Re-run results already stored.")] = False,
    all_rounds: Annotated[bool, typer.Option("--all-rounds", help="Evaluate every refinement round, "
                                             "not only the last.")] = False,
    output_format: Annotated[str, typer.Option("--format", help="table, csv, json or md.")] = "table",
    no_sandbox: NoSandboxOption = False,
) -> None:
    """Execute all inputs and outputs of runs, storing every per-test result as it arrives (resumable)."""
    import asyncio

    from ecco_tui.services import evaluation, report
    from ecco_tui.services.engines import EngineError, limits_from, make_engine, runs_unsandboxed
    from ecco_tui.services.workspace import open_store

    if tests not in ("public", "private", "all"):
        fail(f"--tests: must be public, private or all, not {tests!r}")
    if output_format not in ("table", "csv", "json", "md"):
        fail(f"--format: must be table, csv, json or md, not {output_format!r}")
    try:
        repeats = evaluation.parse_repeat(repeat)  # None: auto
    except ValueError as exc:
        fail(str(exc))
    settings = settings_for(db, engine=engine, judge0_url=judge0_url, no_sandbox=no_sandbox, existing=True)
    if problem := evaluation.cost_problem(cost, settings.engine):
        fail(problem)
    refuse_unsandboxable(settings)
    if runs_unsandboxed(settings):
        warn_unsandboxed("the runs' programs run")
    visibility = None if tests == "all" else tests
    limits = limits_from(settings)
    with user_errors(), open_store(settings.db_path) as store:
        for run_id in run:
            known = store.get_run(run_id)
            if known is None:
                fail(f"--run: no run named {run_id!r} (runs: {', '.join(r.run_id for r in store.runs()) or 'none'})")
            if split and known.split != split:
                fail(f"--run {run_id}: made from the {known.split} split, not {split}")
        counting = cost == evaluation.INSTRUCTIONS
        try:
            eng = make_engine(settings, engine, judge0_url=judge0_url, count_instructions=counting)
            # Repeats beyond the first need no count: they run on a plain engine, after the counted runs.
            plain = make_engine(settings, engine, judge0_url=judge0_url) if counting else None
        except EngineError as exc:
            fail(str(exc))

        async def go() -> list[tuple[str, evaluation.EvalPlan, evaluation.EvalStats, Any]]:
            done = []
            try:
                info = await eng.info()
                for run_id in run:
                    with progress_bar() as progress:

                        def report_progress(n: int, total: int, p: Any = progress, r: str = run_id) -> None:
                            p(r, n, total)

                        if repeats is None:
                            auto = await evaluation.evaluate_auto(
                                store, eng, run_id, limits, visibility=visibility, mode=cost, force=force,
                                final_round_only=not all_rounds, plain_engine=plain, progress=report_progress)
                            done.append((run_id, auto.plan, auto.stats, auto))
                            continue
                        programs = evaluation.run_programs(store, run_id, final_round_only=not all_rounds)
                        plan = evaluation.plan_evaluation(store, programs, info, limits, run_id=run_id,
                                                          visibility=visibility, repeat=repeats, mode=cost,
                                                          force=force)
                        stats = await evaluation.execute_plan(store, eng, plan, limits, mode=cost, force=force,
                                                              plain_engine=plain, progress=report_progress)
                    done.append((run_id, plan, stats, None))
            except EngineError as exc:
                fail(str(exc))
            finally:
                await eng.aclose()
                if plain is not None:
                    await plain.aclose()
            return done

        try:
            results = asyncio.run(go())
        except KeyboardInterrupt:
            err_console.print("interrupted: results so far are stored; run the same command to resume")
            raise typer.Exit(130) from None
        for run_id, plan, stats, auto in results:
            err_console.print(
                f"{run_id}: {plan.programs} programs, {stats.executed} test runs executed, {stats.cached} cached, "
                f"{stats.tests_per_second:.1f} tests/s" + (f", {stats.failed_jobs} programs failed to run"
                                                           if stats.failed_jobs else "")
                + (f", {stats.instructions_counted} instruction counts" if counting and stats.executed else ""),
                highlight=False,
            )
            if auto is not None:
                err_console.print(
                    f"  repeat auto: {auto.pairs} pairs in {auto.rounds} rounds: {auto.narrow} within "
                    f"±{evaluation.AUTO_RELATIVE:.0%}, {auto.capped} still wider at {evaluation.AUTO_MAX_SAMPLES} "
                    f"samples, {auto.no_interval} with nothing to compare", highlight=False)
            for line in stats.errors[:5]:
                err_console.print(f"[red]  {line}[/]", highlight=False)
            if plan.missing_tests:
                err_console.print(f"[yellow]warning:[/] no {tests} tests stored for "
                                  f"{len(plan.missing_tests)} problems (e.g. {plan.missing_tests[0]})")
        lines = report.build_report(store, run, engine=eng_name(engine, settings), visibility=visibility)
        refresh_verdicts_of(store, list(run))
    print_report(lines, output_format)


def print_table_specs(out: Console, specs: Iterable[Any]) -> None:
    """Rich tables from the calibration service's plain table specs (title, columns, align, rows)."""
    for spec in specs:
        table = Table(title=spec.title)
        for i, col in enumerate(spec.columns):
            table.add_column(col, justify="left" if spec.align[i] == "l" else "right")
        for row in spec.rows:
            table.add_row(*row)
        out.print(table)


def eng_name(engine: str | None, settings: Settings) -> str:
    return engine or settings.engine


def print_report(lines: list[Any], output_format: str) -> None:
    from ecco_tui.services import report

    if output_format == "json":
        print(report.render_json(lines))
    elif output_format == "csv":
        print(report.render_csv(lines), end="")
    elif output_format == "md":
        print(report.render_markdown(lines))
    else:
        out = console if console.is_terminal else Console(width=160)
        if (header := report.unsandboxed_header(lines)) is not None:
            word, rest = header.split(":", 1)
            out.print(f"[bold red]{word}[/]:{rest}", highlight=False, soft_wrap=True)
        if (charged := report.accounting_header(lines)) is not None:
            out.print(f"[dim]{escape(charged)}[/]", highlight=False, soft_wrap=True)
        mode = "ECCO-compat rules" if lines and lines[0].mode == "ecco" else "default definitions"
        for task, title in (("edit", "History-based editing"), ("generate", "NL-instructed generation")):
            cols = report.columns(lines, task)
            rows = report.table_rows(lines, task)
            if not rows:
                continue
            caption = None
            if task == "edit":
                caption = "ratios: mean over pairs [95% bootstrap interval, pairs resampled]"
                if report.INSTRUCTION_COLUMNS[0] in cols:
                    caption += ("; instr. speedup: by valgrind instruction counts; cost disagree: outputs whose CPU "
                                "time and instruction count point different ways / outputs with both")
            table = Table(title=f"{title} ({mode})", caption=caption)
            for i, col in enumerate(cols):
                table.add_column(col, justify="left" if i < 2 else "right")
            for row in rows:
                table.add_row(*row)
            out.print(table)
        edit_lines = [line for line in lines if line.task == "edit"]
        if edit_lines:
            outcome_table = Table(title="Outcomes of editing outputs" + (
                " (faster = 95% interval above the threshold)" if edit_lines[0].mode == "default" else ""))
            names = ("correct-optimization", "spurious-optimization", "correct-no-gain", "within-noise", "broken",
                     "not-run")
            for col in ("model", "method", *names, "below resolution"):
                table_col = col.replace("-optimization", "").replace("correct-no-gain", "no gain")
                outcome_table.add_column(table_col, justify="left" if col in ("model", "method") else "right")
            for line in edit_lines:
                outcome_table.add_row(line.model, line.method, *(str(line.outcomes.get(n, 0)) for n in names),
                                      str(line.n_below_resolution))
            out.print(outcome_table)
        for line in lines:
            if line.note:
                err_console.print(f"[yellow]note:[/] {line.run_id}: {line.note}", highlight=False)
        if not lines:
            out.print("no runs in this store")


def print_explanation(ex: Any) -> None:
    out = console if console.is_terminal else Console(width=160)
    table = Table(title=f"{ex.run_id} row {ex.row_idx} · {ex.problem_id} · output {ex.output_id} · "
                        f"engine {ex.engine} · {ex.mode} mode")
    counts = any(t.input_instructions is not None or t.output_instructions is not None for t in ex.tests)
    numeric = ("input s", "input KB", "output s", "output KB", "input instr", "output instr")
    for col in ("test", "input status", "input s", "input KB", "output status", "output s", "output KB",
                *(("input instr", "output instr") if counts else ()), "counted"):
        table.add_column(col, justify="right" if col in numeric else "left")

    def num(v: float | None, fmt: str) -> str:
        return "–" if v is None else format(v, fmt)

    for t in ex.tests:
        table.add_row(t.test_id, t.input_status or "–", num(t.input_time_s, ".3f"), num(t.input_memory_kb, ",.0f"),
                      t.output_status or "–", num(t.output_time_s, ".3f"), num(t.output_memory_kb, ",.0f"),
                      *((num(t.input_instructions, ",.0f"), num(t.output_instructions, ",.0f")) if counts else ()),
                      "yes" if t.counted else "")
    out.print(table)
    out.print(f"rule: {ex.rule}", highlight=False)
    out.print(f"input passed all: {ex.input_passed_all} · output passed all: {ex.output_passed_all}")
    if ex.input_time_sum is not None and ex.output_time_sum:
        out.print(f"speedup = {ex.input_time_sum:.3f} s / {ex.output_time_sum:.3f} s = "
                  f"{ex.input_time_sum / ex.output_time_sum:.4f}", highlight=False)
    out.print(f"speedup: {num(ex.speedup, '.4f')} · memory reduction: {num(ex.memory_reduction, '.4f')} · "
              f"outcome: {ex.outcome}" + (f" (95% interval {ex.interval[0]:.3f}–{ex.interval[1]:.3f})"
                                          if ex.interval else ""), highlight=False)
    if ex.instruction_speedup is not None:
        out.print(f"instruction speedup = {ex.input_instructions_sum:,.0f} / {ex.output_instructions_sum:,.0f} "
                  f"instructions = {ex.instruction_speedup:.4f} (same tests as the CPU-time ratio)", highlight=False)
        verdict = "DISAGREE" if ex.cost_disagree else "no contradiction"
        out.print(f"CPU time says {ex.cpu_direction or 'nothing (no interval)'}, instruction count says "
                  f"{ex.instruction_direction} (±1% is the same): {verdict}", highlight=False)
    elif counts:
        out.print("instruction speedup: – (some test entering the CPU-time ratio has no count on one side)",
                  highlight=False)


@app.command("report")
def report_cmd(
    db: DbOption = None,
    run: Annotated[list[str] | None, typer.Option("--run", help="Only these runs (repeatable).")] = None,
    engine: Annotated[str | None, typer.Option("--engine", help="Use results of this engine "
                                               "(local, judge0, judge0-imported).")] = None,
    tests: Annotated[str, typer.Option(help="public, private or all.")] = "private",
    ecco_compat: Annotated[bool, typer.Option("--ecco-compat", help="Reproduce ECCO's reference scripts' rules.")]
    = False,
    faster_threshold: Annotated[float, typer.Option(help="An output is faster when its speedup interval's lower "
                                                    "bound exceeds this.")] = 1.0,
    explain: Annotated[int | None, typer.Option("--explain", help="Show how one row's numbers were derived "
                                                "(needs one --run).")] = None,
    output_format: Annotated[str, typer.Option("--format", help="table, csv, json or md.")] = "table",
    calibration: Annotated[bool, typer.Option("--calibration", help="Show the latest stored engine calibration "
                                              "(`ecco calibrate`) per engine pair instead (table, json or md).")]
    = False,
) -> None:
    """Print the paper-style tables from stored executions (executes nothing)."""
    from ecco_tui.services import report
    from ecco_tui.services.workspace import open_store

    if calibration:
        from ecco_tui.services import calibrate as cal

        if output_format not in ("table", "json", "md"):
            fail(f"--calibration --format: must be table, json or md, not {output_format!r}")
        settings = settings_for(db, existing=True)
        if not settings.db_path.exists():
            fail(f"{settings.db_path}: no such store")
        with user_errors(), open_store(settings.db_path, read_only=True) as store:
            sessions = cal.latest_sessions(store)
        if output_format != "table":
            print(cal.render_json(sessions) if output_format == "json" else cal.render_markdown(sessions))
            return
        out = console if console.is_terminal else Console(width=200)
        print_table_specs(out, [spec for session in sessions for spec in cal.session_tables(session)])
        if not sessions:
            out.print("no calibration stored: run `ecco calibrate`", highlight=False)
        return

    if tests not in ("public", "private", "all"):
        fail(f"--tests: must be public, private or all, not {tests!r}")
    if explain is not None:
        if not run or len(run) != 1:
            fail("--explain: name the run with exactly one --run")
        settings = settings_for(db, existing=True)
        with user_errors(), open_store(settings.db_path, read_only=True) as store:
            print_explanation(report.explain_row(store, run[0], explain, engine=engine,
                                                 visibility=None if tests == "all" else tests,
                                                 mode="ecco" if ecco_compat else "default"))
        return
    if output_format not in ("table", "csv", "json", "md"):
        fail(f"--format: must be table, csv, json or md, not {output_format!r}")
    settings = settings_for(db, existing=True)
    if not settings.db_path.exists():
        fail(f"{settings.db_path}: no such store")
    with user_errors(), open_store(settings.db_path, read_only=True) as store:
        lines = report.build_report(store, run or None, engine=engine, visibility=None if tests == "all" else tests,
                                    mode="ecco" if ecco_compat else "default", faster_threshold=faster_threshold)
    print_report(lines, output_format)


def run() -> None:  # pragma: no cover - console entry for `python -m ecco_tui`
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
