"""Import use cases shared by the CLI and the app: release files, model outputs, the bundled sample."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from ecco_tui.ingest.errors import IngestError
from ecco_tui.ingest.outputs import OutputsImport, import_outputs
from ecco_tui.ingest.release import ImportSummary, ProgressFn, import_release
from ecco_tui.ingest.results import ResultsImport, import_results
from ecco_tui.store.store import Store

__all__ = [
    "SAMPLE_DIR",
    "ImportSummary",
    "IngestError",
    "OutputsImport",
    "ResultsImport",
    "build_sample_store",
    "import_outputs_file",
    "import_release_files",
    "import_results_file",
]

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"


def import_release_files(
    store: Store,
    paths: Sequence[Path],
    *,
    config: str | None = None,
    split: str | None = None,
    visibility: str | None = None,
    progress: ProgressFn | None = None,
) -> ImportSummary:
    return import_release(store, paths, config=config, split=split, visibility=visibility, progress=progress)


def import_outputs_file(
    store: Store,
    path: Path,
    *,
    model: str | None = None,
    method: str | None = None,
    run_id: str | None = None,
    split: str = "test",
    progress: Callable[[int, int], None] | None = None,
) -> OutputsImport:
    return import_outputs(store, path, model=model, method=method, run_id=run_id, split=split, progress=progress)


def sample_output_files() -> list[Path]:
    return sorted((SAMPLE_DIR / "outputs").glob("*.jsonl"))


def build_sample_store(store: Store) -> tuple[ImportSummary, list[OutputsImport]]:
    """Fill a store with the bundled sample release and its model outputs (idempotent)."""
    summary = import_release(store, [SAMPLE_DIR / "release"])
    runs = [import_outputs(store, path, split="test") for path in sample_output_files()]
    return summary, runs


def import_results_file(
    store: Store,
    path: Path,
    *,
    run_id: str | None = None,
    round: int | None = None,
    visibility: str = "private",
    progress: Callable[[int, int], None] | None = None,
) -> ResultsImport:
    return import_results(store, path, run_id=run_id, round=round, visibility=visibility, progress=progress)
