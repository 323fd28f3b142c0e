"""Shared fixtures: keep the user's config and data out of every test; build small real stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ecco_tui.store.store import Store
from tests.factories import build_store_with_run, write_tiny_release


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real ~/.config or ~/.local/share."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    for var in ("ECCO_DB", "ECCO_CONFIG", "ECCO_ENGINE", "ECCO_JUDGE0_URL", "ECCO_JUDGE0_TOKEN", "ECCO_AUTHOR",
                "ECCO_PYTHON", "ECCO_MODEL_URL", "ECCO_MODEL", "ECCO_NO_SANDBOX", "ECCO_STORE_WAIT"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def tiny_release(tmp_path: Path) -> Path:
    return write_tiny_release(tmp_path / "release")


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store.duckdb"


@pytest.fixture
def store_with_run(store_path: Path, tmp_path: Path) -> Path:
    """`store_path` holding the tiny release and edit run `r`, whose outputs are r:0:0:0 and r:1:0:0."""
    return build_store_with_run(store_path, tmp_path / "store-files")


@pytest.fixture
def store(store_path: Path) -> Iterator[Store]:
    s = Store.open(store_path)
    yield s
    s.close()


@pytest.fixture
def no_bwrap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PATH that holds no bwrap (nor anything else; the engine runs its interpreter by full path), as after
    a plain `pip install` on a machine without bubblewrap."""
    empty = tmp_path / "no-bwrap"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
