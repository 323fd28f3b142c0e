"""Opening stores: the one place that decides which file a command or the app works on."""

from __future__ import annotations

from pathlib import Path

from ecco_tui.config import Settings
from ecco_tui.store.store import Store, StoreError, StoreLockedError

__all__ = ["Store", "StoreError", "StoreLockedError", "open_for_app", "open_store"]


def open_store(path: Path | None, *, read_only: bool = False) -> Store:
    return Store.open(path, read_only=read_only)


def open_for_app(path: Path) -> tuple[Store, str | None]:
    """Open read-write; if another ecco process holds the writer lock, fall back to read-only.

    DuckDB allows one writing process per file. The app therefore opens read-only when the file is in use
    and says so, instead of failing or risking the other writer's data.
    """
    try:
        return Store.open(path), None
    except StoreLockedError:
        return Store.open(path, read_only=True), "store is in use by another ecco process: opened read-only"


def is_empty(settings: Settings) -> bool:
    """True when the configured store does not exist yet or holds no problems."""
    if not settings.db_path.exists():
        return True
    try:
        with Store.open(settings.db_path, read_only=True) as store:
            return store.counts().tables.get("problems", 0) == 0
    except StoreError:
        return False
