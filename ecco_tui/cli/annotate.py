"""Commands for human labels: `label`, `export-annotations`, `import-annotations`, and the per-author counts
and agreement that `ecco stats --annotations` shows."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ecco_tui.cli import render
from ecco_tui.cli.app import DbOption, console, fail, settings_for, user_errors

if TYPE_CHECKING:
    from ecco_tui.store.store import Store

__all__ = ["export_annotations_cmd", "import_annotations_cmd", "label_cmd", "print_annotation_stats"]


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
    """Label one target (written at once, in its own transaction). A target the store does not hold is refused."""
    from ecco_tui.services import annotations
    from ecco_tui.services.workspace import open_store

    settings = settings_for(db, author=author, existing=True)
    with user_errors(), open_store(settings.db_path) as store:
        try:
            saved = annotations.label(store, kind, target, value, settings.author, note=note, labels=settings.labels)
        except ValueError as exc:  # an unknown kind or label, or a target not in the store (UnknownTargetError)
            fail(str(exc))
    console.print(f"labelled {kind} {target} as {saved.label} ({saved.author})", highlight=False)


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
    with user_errors(), open_store(settings.db_path, read_only=True) as store:
        try:
            n = annotations.export_annotations(store, out, output_format)
        except ValueError as exc:
            fail(f"--format: {exc}")
    console.print(f"wrote {n} annotations to {out}")


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


def print_annotation_stats(store: Store) -> None:
    """Current labels per author, and Cohen's kappa for every pair of authors who labelled the same targets."""
    from ecco_tui.services import annotations

    counts: dict[tuple[str, str], int] = {}
    for a in store.current_annotations():
        counts[(a.author, a.label)] = counts.get((a.author, a.label), 0) + 1
    console.print(render.table("current labels per author", ("author", "label", ("targets", "right")),
                               [(author, value, str(n)) for (author, value), n in sorted(counts.items())]))
    pairs = annotations.agreement(store)
    agreement = render.table(
        "agreement between authors", ("author A", "author B", "shared targets", "observed", "Cohen's kappa"),
        [(p.author_a, p.author_b, str(p.items), f"{p.observed:.3f}", render.cell(p.kappa, ".3f")) for p in pairs])
    console.print(agreement if pairs else "no targets labelled by two authors yet")
