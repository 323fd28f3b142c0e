"""Opening stores: the one place that decides which file a command or the app works on.

A store is held only while a unit of work runs (see `Store`), so the app and any number of commands can work
on one file side by side; one that finds the file busy waits, says so on stderr, and retries.
"""

from __future__ import annotations

from pathlib import Path

from ecco_tui.config import Settings
from ecco_tui.store.store import Store, StoreError, StoreLockedError

__all__ = ["NoSuchStoreError", "Store", "StoreError", "StoreLockedError", "existing_store", "open_for_app",
           "open_store", "require_store"]


class NoSuchStoreError(StoreError):
    """A command that works on an existing store was pointed at a file that does not exist (nothing is created:
    a mistyped path must not become a new, empty store)."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path}: no such store")
        self.path = path


def require_store(path: Path) -> Path:
    """`path` when the store file exists; `NoSuchStoreError` otherwise."""
    if not path.expanduser().exists():
        raise NoSuchStoreError(path)
    return path


def open_store(path: Path | None, *, read_only: bool = False) -> Store:
    return Store.open(path, read_only=read_only)


def open_for_app(path: Path) -> tuple[Store, str | None]:
    """The app's store, read-write, and a notice for the app to show (none: kept for callers that show one).

    The app used to fall back to read-only while another process had the file open; it no longer holds the
    file between units of work, so it opens read-write and waits (with "store busy" on stderr) like any
    command while another process holds the file.
    """
    return Store.open(path), None


def existing_store(settings: Settings, *, create: bool = False) -> tuple[Settings, str | None]:
    """The settings a command that works on an existing store should use, and a notice naming the file when
    it is not the one the user configured.

    With no store configured (no --db, $ECCO_DB or config `db`) and nothing imported into the default store
    yet, `ecco open` shows the sample store that `ecco demo` builds; `ecco stats`, `report`, `label` and
    `eval` then use that store too (saying so), instead of answering "no such store" right after `ecco demo`.
    A store that does not exist is refused (`NoSuchStoreError`) unless `create`.
    """
    sample = settings.sample_db_path
    if settings.db_configured or not sample.exists() or not is_empty(settings):
        if not create:
            require_store(settings.db_path)
        return settings, None
    notice = (f"no store configured: using the sample store {sample} (ecco demo's; pass --db or set ECCO_DB for "
              "another)")
    return settings.with_db(sample), notice


def is_empty(settings: Settings) -> bool:
    """True when the configured store does not exist yet or holds no problems."""
    if not settings.db_path.exists():
        return True
    try:
        with Store.open(settings.db_path, read_only=True) as store:
            return store.counts().tables.get("problems", 0) == 0
    except StoreError:
        return False
