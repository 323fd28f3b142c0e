"""Commands that put data into a store or describe it: `import`, `import-outputs`, `import-results`,
`stats` and `synth` (a full-scale synthetic release for benchmarks)."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ecco_tui.cli import render
from ecco_tui.cli.annotate import print_annotation_stats
from ecco_tui.cli.app import DbOption, check_choice, console, err_console, fail, settings_for, user_errors, warn
from ecco_tui.cli.progress import ProgressBar, progress_bar, refresh_verdicts_of, stage_progress

if TYPE_CHECKING:
    from ecco_tui.ingest.release import SkippedFile

__all__ = ["hub_snapshot", "import_cmd", "import_outputs_cmd", "import_results_cmd", "print_skipped", "stats",
           "synth"]


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

    if visibility is not None:
        check_choice("--visibility", visibility, ("public", "private"))
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
        warn(warning)
    print_skipped(summary.skipped, db)


def print_skipped(skipped: Sequence[SkippedFile], db: Path | None) -> None:
    """On stderr: the files `ecco import` found under its folders and left alone, and for ECCO's own outputs
    and results the command that imports them (outputs first: results are matched to their outputs' run)."""
    if not skipped:
        return
    db_flag = f" --db {shlex.quote(str(db))}" if db is not None else ""

    def paths(kind: str) -> list[str]:
        return [shlex.quote(str(s.path)) for s in skipped if s.kind == kind]

    def files(n: int) -> str:
        return f"{n} file{'s' if n != 1 else ''}"

    def them(n: int) -> str:
        return "them" if n != 1 else "it"

    lines = [f"skipped {files(len(skipped))} that {'are' if len(skipped) != 1 else 'is'} not part of the ECCO "
             "release:"]
    if outputs := paths("outputs"):
        lines.append(f"  ECCO model outputs, {files(len(outputs))}; import {them(len(outputs))} with: "
                     f"ecco import-outputs {' '.join(outputs)}{db_flag}")
    if results := paths("results"):
        lines.append(f"  ECCO evaluation results, {files(len(results))}; import {them(len(results))} (after the "
                     f"outputs) with: ecco import-results {' '.join(results)}{db_flag}")
    if others := paths("other"):
        lines.append(f"  in no release folder (edit, generate, generate_eval, trajectories), {files(len(others))}: "
                     f"{' '.join(others)}")
    for line in lines:
        err_console.print(line, highlight=False, soft_wrap=True, markup=False)


def hub_snapshot(repo: str) -> Path:
    """A local folder holding the dataset: the folder itself when `repo` is one, else a hub download."""
    local = Path(repo).expanduser()
    if local.is_dir():
        return local
    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        fail("--hub needs huggingface_hub: pip install 'ecco-tui[hub]' (or download the dataset and pass its folder)")
    try:
        return Path(snapshot_download(repo_id=repo, repo_type="dataset"))
    except Exception as exc:  # network, auth, unknown repo: one line
        fail(f"--hub {repo}: download failed ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})")


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
                                             progress=stage_progress(progress, "rows"))
            inferred = ", ".join(f"{k}={v}" for k, v in result.inferred.items())
            console.print(
                f"{path.name}: run [bold]{result.run_id}[/] ({result.task}, {result.method}, model {result.model}): "
                f"{result.rows} rows, {result.outputs} outputs, {result.rounds} round(s)"
                + (f"; inferred {inferred}" if inferred else ""),
                highlight=False,
            )
            for warning in result.warnings:
                warn(warning)
            refresh_verdicts_of(store, [result.run_id])


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

    check_choice("--visibility", visibility, ("public", "private"))
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
                                             progress=stage_progress(progress, "rows"))
            skipped = f"; {len(result.skipped_rows)} output rows have no entry (ECCO skipped them)" if (
                result.skipped_rows) else ""
            console.print(f"{path.name}: run {result.run_id}, round {result.round}: {result.rows} rows, "
                          f"{result.executions} per-test results{skipped}", highlight=False)
            for warning in result.warnings:
                warn(warning)
            refresh_verdicts_of(store, [result.run_id])


def stats(
    db: DbOption = None,
    show_annotations: Annotated[bool, typer.Option("--annotations", help="Labels per author and agreement "
                                                   "(Cohen's kappa) between authors.")] = False,
) -> None:
    """Counts per table and per split (and annotation agreement with --annotations)."""
    from ecco_tui.services.workspace import open_store

    settings = settings_for(db, existing=True)
    with user_errors(), open_store(settings.db_path, read_only=True) as store:
        counts = store.counts()
        version = store.schema_version()
        cache = store.cache_stats()
        if show_annotations:
            print_annotation_stats(store)
            return
    console.print(render.table(f"{settings.db_path} (schema {version})", ("table", ("rows", "right")),
                               [(name, f"{n:,}") for name, n in counts.tables.items()]))
    if counts.by_split:
        cols = ("problems", "pairs", "runs", "model_outputs")
        console.print(render.table("by split", ("split", *((col, "right") for col in cols)),
                                   [(split, *(f"{values.get(c, 0):,}" for c in cols))
                                    for split, values in sorted(counts.by_split.items())]))
    if cache["sessions"]:
        console.print(
            f"execution cache: {cache['stored']:,} results stored; {cache['sessions']} evaluations asked for "
            f"{cache['executed'] + cache['cached']:,} test runs, {cache['cached']:,} served from the store "
            f"(hit rate {100 * cache['hit_rate']:.1f}%)", highlight=False)


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

    def advance(done: int, total: int, bar: ProgressBar) -> None:
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
