"""The app carries the user's Settings, so labels get the configured author and re-runs the configured engine."""

from __future__ import annotations

from pathlib import Path

from ecco_tui.config import load_settings
from ecco_tui.tui.app import open_app


def test_open_app_passes_author_and_engine_to_the_app(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ECCO_AUTHOR", "alice")
    settings = load_settings(db=tmp_path / "s.duckdb")
    app, close = open_app(settings)
    try:
        assert app.settings is not None
        assert (app.settings.author, app.settings.engine) == ("alice", "local")
    finally:
        close()
