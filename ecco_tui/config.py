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
    sandbox = true                   # false: run programs without bubblewrap (UNSANDBOXED; like --no-sandbox)

    [limits]
    cpu_time_s = 5
    wall_time_s = 20
    memory_kb = 512000

    [model]                          # the app's refine key `f` (an OpenAI-compatible server)
    url = "http://127.0.0.1:8000/v1" # base URL (vLLM, Ollama, llama.cpp server, hosted APIs)
    name = "deepseek-coder-6.7b-instruct"
    api_key_env = "OPENAI_API_KEY"   # name of the env var holding the key (the key itself is never stored)
    endpoint = "chat"                # or "completions" (raw prompt, e.g. with a wrapper)
    wrapper = "none"                 # prompt wrapper for the completions endpoint (see refine/prompts)
    temperature = 0.4                # the paper's sampling settings
    max_tokens = 1024
    method = "exec-refine"           # or "self-refine", "nl-exec-refine"
    timeout_s = 300                  # per request
    max_tries = 4                    # 429 / 5xx / timeouts are retried

Environment: ECCO_DB, ECCO_ENGINE, ECCO_AUTHOR, ECCO_JUDGE0_URL, ECCO_JUDGE0_TOKEN, ECCO_PYTHON, ECCO_MODEL_URL,
ECCO_MODEL, ECCO_NO_SANDBOX (1 = `[local] sandbox = false`, 0 = sandbox on whatever the file says).
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


#: Refinement methods the app's refine key can use (services.refine.METHODS; repeated here because the
#: config layer imports nothing of the app).
MODEL_METHODS = ("self-refine", "exec-refine", "nl-exec-refine")
MODEL_ENDPOINTS = ("chat", "completions")


@dataclass(frozen=True)
class ModelConfig:
    """The model the app's refine key asks (`[model]`); unconfigured until both `url` and `name` are set.

    The API key is not here: only the name of the variable holding it, read when the client is built.
    """

    url: str | None = None
    name: str | None = None
    api_key_env: str | None = None
    endpoint: str = "chat"
    wrapper: str = "none"
    temperature: float = 0.4
    max_tokens: int = 1024
    method: str = "exec-refine"
    timeout_s: float = 300.0
    max_tries: int = 4

    @property
    def configured(self) -> bool:
        return bool(self.url and self.name)


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
    # The local engine refuses to run without bubblewrap unless this is False (`--no-sandbox`,
    # ECCO_NO_SANDBOX=1 or `[local] sandbox = false`): untrusted programs never run unconfined by accident.
    local_sandbox: bool = True
    labels: tuple[str, ...] = DEFAULT_LABELS
    model: ModelConfig = field(default_factory=ModelConfig)

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
    *, db: Path | None = None, engine: str | None = None, judge0_url: str | None = None, author: str | None = None,
    no_sandbox: bool = False,
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
        local_sandbox=False if no_sandbox else _sandbox(env.get("ECCO_NO_SANDBOX"), local_raw.get("sandbox", True),
                                                        path),
        labels=_labels(raw.get("labels"), path),
        model=_model(raw.get("model"), path),
    )


def _model(value: object, path: Path) -> ModelConfig:
    """`[model]` plus ECCO_MODEL_URL / ECCO_MODEL; wrong types or unknown values are config errors."""
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: [model]: expected a table of settings")
    env = os.environ
    known = set(ModelConfig.__dataclass_fields__)
    unknown = sorted(set(value) - known - {"model"})
    if unknown:
        raise ConfigError(f"{path}: [model]: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")

    def text(key: str, default: str | None) -> str | None:
        found = value.get(key, default)
        if found is not None and not isinstance(found, str):
            raise ConfigError(f"{path}: [model] {key}: expected a string")
        return found.strip() if isinstance(found, str) and found.strip() else default

    def number(key: str, default: float, kind: type, low: float, high: float) -> Any:
        found = value.get(key, default)
        if isinstance(found, bool) or not isinstance(found, int | float) or (kind is int and found != int(found)):
            raise ConfigError(f"{path}: [model] {key}: expected a{'n integer' if kind is int else ' number'}")
        if not low <= found <= high:
            raise ConfigError(f"{path}: [model] {key}: {found} is outside {low:g}..{high:g}")
        return kind(found)

    endpoint = text("endpoint", "chat") or "chat"
    if endpoint not in MODEL_ENDPOINTS:
        raise ConfigError(f"{path}: [model] endpoint: {endpoint!r} (chat or completions)")
    method = text("method", "exec-refine") or "exec-refine"
    if method not in MODEL_METHODS:
        raise ConfigError(f"{path}: [model] method: {method!r} (one of {', '.join(MODEL_METHODS)})")
    return ModelConfig(
        url=env.get("ECCO_MODEL_URL") or text("url", None),
        name=env.get("ECCO_MODEL") or text("name", None) or text("model", None),
        api_key_env=text("api_key_env", None),
        endpoint=endpoint,
        wrapper=text("wrapper", "none") or "none",
        temperature=number("temperature", 0.4, float, 0.0, 2.0),
        max_tokens=number("max_tokens", 1024, int, 1, 1_000_000),
        method=method,
        timeout_s=number("timeout_s", 300.0, float, 0.1, 86_400.0),
        max_tries=number("max_tries", 4, int, 1, 100),
    )


_TRUE_WORDS = ("1", "true", "yes", "on")
_FALSE_WORDS = ("", "0", "false", "no", "off")


def _sandbox(env_value: str | None, file_value: object, path: Path) -> bool:
    """Whether the local engine must sandbox: ECCO_NO_SANDBOX beats `[local] sandbox`; anything but a clear yes
    or no is a config error, so a typo never switches the sandbox off (or silently leaves it on)."""
    if env_value is not None:
        word = env_value.strip().lower()
        if word in _TRUE_WORDS:
            return False
        if word in _FALSE_WORDS:
            return True
        raise ConfigError(f"ECCO_NO_SANDBOX: {env_value!r} (1 to run programs unsandboxed, 0 to sandbox them)")
    if not isinstance(file_value, bool):
        raise ConfigError(f"{path}: [local] sandbox: expected true or false")
    return file_value


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
