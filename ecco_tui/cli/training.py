"""`ecco export-training`: ECCO's fine-tuning formats and preference pairs from what the store verified."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ecco_tui.cli import render
from ecco_tui.cli.app import DbOption, console, fail, settings_for, user_errors

if TYPE_CHECKING:
    from ecco_tui.services.training import ExportResult

__all__ = ["export_training_cmd"]


def export_training_cmd(
    output_format: Annotated[str | None, typer.Option("--format", help="vanilla, exec, trajectory or preference "
                                                      "(--dry-run without it: every format).")] = None,
    task: Annotated[str, typer.Option(help="edit (slow -> fast) or generate (NL -> program).")] = "edit",
    out: Annotated[Path | None, typer.Option("--out", help="Directory to write (parquet per split, "
                                             "jsonl/examples.jsonl, README.md).")] = None,
    split: Annotated[list[str] | None, typer.Option("--split", help="train and/or val (default both); the test "
                                                    "split is refused.")] = None,
    verdict: Annotated[list[str] | None, typer.Option("--verdict", help="Outcomes a model output's target may "
                                                      "have (default correct-optimization; generate: passes).")]
    = None,
    label: Annotated[list[str] | None, typer.Option("--label", help="Keep only targets carrying this label.")]
    = None,
    min_speedup: Annotated[float | None, typer.Option("--min-speedup", help="Keep only targets at least this "
                                                      "much faster than their input.")] = None,
    include_fixes: Annotated[bool, typer.Option("--include-fixes", help="ECCO-FIX fixes as targets.")] = False,
    problem: Annotated[str | None, typer.Option("--problem", help="Only this problem's examples.")] = None,
    no_codenet: Annotated[bool, typer.Option("--no-codenet", help="Leave out CodeNet's own pairs "
                                             "(and fastest solutions).")] = False,
    prompts: Annotated[Path | None, typer.Option("--prompts", help="Prompt file (default: ECCO's).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the counts per format and filter; write "
                                          "nothing.")] = False,
    db: DbOption = None,
) -> None:
    """Export fine-tuning data: ECCO's vanilla, execution- and trajectory-conditioned formats, and preference
    pairs (verified correct optimization vs spurious or no-gain output), as Hugging Face parquet + JSONL."""
    from ecco_tui.refine.templates import PromptBook, TemplateError
    from ecco_tui.services import training
    from ecco_tui.services.workspace import open_store

    if output_format is None and not dry_run:
        fail("--format: one of vanilla, exec, trajectory, preference")
    if out is None and not dry_run:
        fail("--out: the directory to write the dataset to")
    try:
        book = PromptBook.load(prompts)
    except TemplateError as exc:
        fail(str(exc))
    formats = [output_format] if output_format else [f for f in training.FORMATS
                                                    if task == "edit" or f in ("vanilla", "preference")]
    settings = settings_for(db, existing=True)
    with user_errors(), open_store(settings.db_path, read_only=True) as store:
        results = []
        for name in formats:
            options = training.ExportOptions(
                format=name, task=task, splits=tuple(split or training.TRAINING_SPLITS),
                verdicts=tuple(verdict or ()), labels=tuple(label or ()), min_speedup=min_speedup,
                include_fixes=include_fixes, codenet=not no_codenet, problem_id=problem)
            try:
                if dry_run:
                    results.append(training.collect(store, options, book))
                else:
                    assert out is not None
                    results.append(training.export_training(store, options, out, book))
            except training.ExportError as exc:
                fail(str(exc))
    for result in results:
        _print(result, dry_run)


def _print(result: ExportResult, dry_run: bool) -> None:
    options = result.options
    stages = result.counts.stages
    sources = sorted({s for by in stages.values() for s in by})
    console.print(render.table(
        f"{options.format} ({options.task})" + (": dry run, nothing written" if dry_run else ""),
        [("filter", "left"), *((s, "right") for s in sources)],
        [[stage, *(str(by.get(s, 0)) for s in sources)] for stage, by in stages.items()]))
    for why, n in sorted(result.skipped.items()):
        console.print(f"left out {n}: {why}", highlight=False)
    per_split = ", ".join(f"{split} {n}" for split, n in sorted(result.by_split().items())) or "none"
    console.print(f"{len(result.examples)} examples ({per_split})", highlight=False)
    if result.written is not None:
        console.print(f"wrote {result.written.directory} (load: datasets.load_dataset(\"parquet\", "
                      f"data_dir=\"{result.written.directory}\"))", highlight=False)
