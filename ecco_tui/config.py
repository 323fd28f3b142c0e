"""Settings: one frozen object built once (flags > environment > config file > defaults).

The CLI builds it and hands it down; nothing below reads files or the environment on its own, so tests
and the app see exactly the configuration they were given.

Config file: `$ECCO_CONFIG` or `$XDG_CONFIG_HOME/ecco-tui/config.toml` (default `~/.config/ecco-tui/config.toml`):

    db = "~/ecco/ecco.duckdb"
    engine = "local"                # or "judge0"
    author = "alice"
    labels = ["correct-optimization", "spurious-optimization", "no-gain", "broken",
              "ecco-fix-candidate", "needs-review"]   # the label set (keys 1-9 in the app, in this order)

    [judge0]
    url = "http://127.0.0.1:2358"
    auth_token_env = "JUDGE0_TOKEN"  # name of the env var holding the token
    auth_header = "X-Auth-Token"
    language_id = 71                 # optional override

    [local]
    python = "/usr/bin/python3.11"   # interpreter for the local engine (default: the one running ecco)

    [limits]
    cpu_time_s = 5
    wall_time_s = 20
    memory_kb = 512000

Environment: ECCO_DB, ECCO_ENGINE, ECCO_AUTHOR, ECCO_JUDGE0_URL, ECCO_JUDGE0_TOKEN, ECCO_PYTHON.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    """The config file or an environment variable holds something unusable."""


def _xdg(var: str, default: str) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser() if value else Path(default).expanduser()


def data_dir() -> Path:
    return _xdg("XDG_DATA_HOME", "~/.local/share") / "ecco-tui"


def config_path() -> Path:
    explicit = os.environ.get("ECCO_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    return _xdg("XDG_CONFIG_HOME", "~/.config") / "ecco-tui" / "config.toml"


@dataclass(frozen=True)
class Judge0Settings:
    url: str | None = None
    auth_token: str | None = None
    auth_header: str = "X-Auth-Token"
    language_id: int | None = None


@dataclass(frozen=True)
class LimitSettings:
    cpu_time_s: float = 5.0
    wall_time_s: float = 20.0
    memory_kb: int = 512_000


DEFAULT_LABELS = (
    "correct-optimization",
    "spurious-optimization",
    "no-gain",
    "broken",
    "ecco-fix-candidate",
    "needs-review",
)


@dataclass(frozen=True)
class Settings:
    db_path: Path
    db_configured: bool  # False when we fell back to the default location
    engine: str = "local"
    author: str = "anonymous"
    judge0: Judge0Settings = field(default_factory=Judge0Settings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    local_python: str | None = None
    labels: tuple[str, ...] = DEFAULT_LABELS

    @property
    def sample_db_path(self) -> Path:
        return data_dir() / "sample.duckdb"

    def with_db(self, path: Path | None) -> Settings:
        return self if path is None else replace(self, db_path=Path(path).expanduser(), db_configured=True)


def _read_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None


def load_settings(
    *, db: Path | None = None, engine: str | None = None, judge0_url: str | None = None, author: str | None = None
) -> Settings:
    path = config_path()
    raw = _read_file(path)
    env = os.environ
    db_value = db or env.get("ECCO_DB") or raw.get("db")
    judge0_raw = raw.get("judge0", {}) if isinstance(raw.get("judge0", {}), dict) else {}
    token_env = judge0_raw.get("auth_token_env", "ECCO_JUDGE0_TOKEN")
    limits_raw = raw.get("limits", {}) if isinstance(raw.get("limits", {}), dict) else {}
    try:
        limits = LimitSettings(**{k: v for k, v in limits_raw.items() if k in LimitSettings.__dataclass_fields__})
        judge0 = Judge0Settings(
            url=judge0_url or env.get("ECCO_JUDGE0_URL") or judge0_raw.get("url"),
            auth_token=env.get(token_env) or env.get("ECCO_JUDGE0_TOKEN"),
            auth_header=str(judge0_raw.get("auth_header", "X-Auth-Token")),
            language_id=int(judge0_raw["language_id"]) if "language_id" in judge0_raw else None,
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    local_raw = raw.get("local", {}) if isinstance(raw.get("local", {}), dict) else {}
    chosen_engine = engine or env.get("ECCO_ENGINE") or raw.get("engine") or "local"
    if chosen_engine not in ("local", "judge0"):
        raise ConfigError(f"engine: unknown engine {chosen_engine!r} (local or judge0)")
    return Settings(
        db_path=Path(db_value).expanduser() if db_value else data_dir() / "ecco.duckdb",
        db_configured=bool(db_value),
        engine=chosen_engine,
        author=author or env.get("ECCO_AUTHOR") or raw.get("author") or _user(),
        judge0=judge0,
        limits=limits,
        local_python=env.get("ECCO_PYTHON") or local_raw.get("python"),
        labels=_labels(raw.get("labels"), path),
    )


def _labels(value: object, path: Path) -> tuple[str, ...]:
    """The configured label set: 1-9 distinct, non-empty names (keys 1-9 in the app)."""
    if value is None:
        return DEFAULT_LABELS
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{path}: labels: expected a list of label names")
    if len(value) > 9 or len(set(value)) != len(value):
        raise ConfigError(f"{path}: labels: at most 9 distinct names (keys 1-9)")
    return tuple(v.strip() for v in value)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "anonymous"
