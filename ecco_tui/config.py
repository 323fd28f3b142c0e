"""Settings: one frozen object built once (flags > environment > config file > defaults).

The CLI builds it with `load_settings` (the only function that reads the config file and the environment)
and hands it down; the app receives it from the CLI, and nothing below reads files or the environment on its
own, so tests and the app see exactly the configuration they were given.

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

Every key and table is checked: one the file does not know (a typo such as `urll` or `[judge]`) is refused in
one line naming the key and the file, because a silently ignored key leaves its default in force unnoticed.

Environment: ECCO_DB, ECCO_ENGINE, ECCO_AUTHOR, ECCO_JUDGE0_URL, ECCO_JUDGE0_TOKEN, ECCO_PYTHON, ECCO_MODEL_URL,
ECCO_MODEL, ECCO_NO_SANDBOX (1 = `[local] sandbox = false`, 0 = sandbox on whatever the file says).
"""

from __future__ import annotations

import getpass
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, TypeVar, cast
from urllib.parse import urlsplit

__all__ = [
    "DEFAULT_LABELS",
    "MODEL_ENDPOINTS",
    "MODEL_METHODS",
    "ConfigError",
    "Judge0Settings",
    "LimitSettings",
    "ModelSettings",
    "Settings",
    "config_path",
    "data_dir",
    "load_settings",
]


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

Endpoint = Literal["chat", "completions"]


@dataclass(frozen=True, slots=True)
class ModelSettings:
    """Where and how to ask a model for completions: `[model]` in the config file, `ecco refine`'s flags, and
    what `refine.ModelClient` is built from (one type for all three, so no field is lost in a translation).

    Defaults are the paper's sampling settings (T=0.4, 1024 tokens). Unconfigured (`configured` is False)
    until both `base_url` and `model` are set. `base_url` may or may not end in `/v1`
    (`http://localhost:8000` and `http://localhost:8000/v1` both work). `endpoint="chat"` posts one user
    message to `/v1/chat/completions` (the server applies the model's chat template); `"completions"` posts
    the raw prompt to `/v1/completions`, for base models or to send ECCO's own FastChat wrapping (`wrapper`,
    see refine/prompts/ecco.toml). The API key is not here: only the name of the variable holding it, read
    when the client is built, so it never reaches `describe()` (stored with each round) or a failure text.
    """

    base_url: str = ""
    model: str = ""
    api_key_env: str | None = None
    endpoint: Endpoint = "chat"
    temperature: float = 0.4
    max_tokens: int = 1024
    wrapper: str = "none"
    timeout_s: float = 300.0
    connect_timeout_s: float = 10.0
    max_tries: int = 4
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 60.0
    max_retry_after_s: float = 300.0
    extra_body: dict[str, Any] = field(default_factory=dict)  # e.g. {"top_p": 0.95} or {"seed": 1}

    @property
    def configured(self) -> bool:
        return bool(self.base_url and self.model)

    def describe(self) -> dict[str, Any]:
        """What is stored with each generated round: enough to know how it was made, never a secret."""
        parts = urlsplit(self.base_url)
        info: dict[str, Any] = {
            "model": self.model,
            "server": f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else ""),
            "endpoint": self.endpoint,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "wrapper": self.wrapper,
        }
        if self.api_key_env:
            info["api_key_env"] = self.api_key_env
        if self.extra_body:
            info["extra_body"] = dict(self.extra_body)
        return info


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
    model: ModelSettings = field(default_factory=ModelSettings)
    # `[model] method`: how the app's refine key refines (a use of the model, not a way to reach it).
    refine_method: str = "exec-refine"

    @property
    def sample_db_path(self) -> Path:
        return data_dir() / "sample.duckdb"

    def with_db(self, path: Path | None) -> Settings:
        return self if path is None else replace(self, db_path=Path(path).expanduser(), db_configured=True)


# ------------------------------------------------------------------------------------------ the file's shape
#: Every key the file may hold, per table, in the order the docstring shows them (and errors list them).
_TOP_KEYS = ("db", "engine", "author", "labels")
_TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "judge0": ("url", "auth_token_env", "auth_header", "language_id"),
    "local": ("python", "sandbox"),
    "limits": ("cpu_time_s", "wall_time_s", "memory_kb"),
    "model": ("url", "name", "api_key_env", "endpoint", "wrapper", "temperature", "max_tokens", "method",
              "timeout_s", "max_tries"),
}
#: Accepted but not advertised: `[model] model` was read as `name` before `name` existed.
_LEGACY_KEYS: dict[str, tuple[str, ...]] = {"model": ("model",)}

_T = TypeVar("_T")


def _kind_name(kind: type) -> str:
    return {str: "a string", bool: "true or false", int: "an integer", float: "a number", list: "a list"}[kind]


class _Table:
    """One table of the config file, checked against the keys it may hold when it is read.

    Why a class and not `dict.get`: every read names the file, the table and the key in its error, and the
    unknown-key check happens once, up front, for the whole table (nested tables included), so a typo can
    never fall through to a default.
    """

    def __init__(self, raw: object, path: Path, name: str | None, known: tuple[str, ...],
                 tables: tuple[str, ...] = (), hidden: tuple[str, ...] = ()) -> None:
        self.path, self.name = path, name
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: [{name}]: expected a table of settings, not {type(raw).__name__}")
        self.raw: dict[str, Any] = raw
        allowed = set(known) | set(tables) | set(hidden)
        unknown_tables = [k for k in raw if k not in allowed and isinstance(raw[k], dict)]
        unknown_keys = [k for k in raw if k not in allowed and not isinstance(raw[k], dict)]
        if unknown_tables:
            prefix = f"{name}." if name else ""
            names = ", ".join(f"[{prefix}{k}]" for k in unknown_tables)
            listing = ", ".join(f"[{t}]" for t in tables) if tables else f"none in [{name}]"
            plural = "s" if len(unknown_tables) > 1 else ""
            raise ConfigError(f"{path}: {names}: unknown table{plural} (known: {listing})")
        if unknown_keys:
            plural = "s" if len(unknown_keys) > 1 else ""
            listing = ", ".join((*known, *(f"[{t}]" for t in tables)))
            raise ConfigError(f"{path}: {self._label(', '.join(unknown_keys))}: unknown key{plural} (known: {listing})")

    def _label(self, key: str) -> str:
        return f"[{self.name}] {key}" if self.name else key

    def _fail(self, key: str, what: str) -> ConfigError:
        return ConfigError(f"{self.path}: {self._label(key)}: {what}")

    def get(self, key: str, kind: type[_T]) -> _T | None:
        """The value of `key` if the file sets it (None if not); a value of another type is a ConfigError.

        Integers are accepted where a number is asked (TOML writes `5` for 5.0); booleans never count as numbers.
        """
        if key not in self.raw:
            return None
        value = self.raw[key]
        ok = isinstance(value, kind) and not (isinstance(value, bool) and kind is not bool)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return cast(_T, float(value))
        if not ok:
            raise self._fail(key, f"expected {_kind_name(kind)}")
        return cast(_T, value)

    def text(self, key: str) -> str | None:
        """A string setting; blank counts as not set (as an empty environment variable does)."""
        value = self.get(key, str)
        return value.strip() if value is not None and value.strip() else None

    def number(self, key: str, default: float, low: float = float("-inf"), high: float = float("inf")) -> float:
        value = self.get(key, float)
        if value is None:
            return default
        if not low <= value <= high:
            raise self._fail(key, f"{value:g} is outside {low:g}..{high:g}")
        return value

    def integer(self, key: str, default: int, low: int | None = None, high: int | None = None) -> int:
        if key not in self.raw:
            return default
        value = self.raw[key]
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # `max_tokens = 1024.0` means 1024
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(key, "expected an integer")
        if (low is not None and value < low) or (high is not None and value > high):
            raise self._fail(key, f"{value} is outside {low}..{high}")
        return value

    def table(self, key: str) -> _Table:
        return _Table(self.raw.get(key, {}), self.path, key, _TABLE_KEYS[key], hidden=_LEGACY_KEYS.get(key, ()))


def _read_file(path: Path) -> _Table:
    """The config file's top level, its keys checked; an empty table if there is no file."""
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    return _Table(raw, path, None, _TOP_KEYS, tables=tuple(_TABLE_KEYS))


# ----------------------------------------------------------------------------------------------- building
def load_settings(
    *, db: Path | None = None, engine: str | None = None, judge0_url: str | None = None, author: str | None = None,
    no_sandbox: bool = False,
) -> Settings:
    """The Settings of this process: the config file, then the environment, then these flags (each beats the one
    before). The one way the CLI (and through it the app) obtains settings; nothing else reads the file."""
    path = config_path()
    file = _read_file(path)
    env = os.environ
    # Every table is read (and its keys checked) up front, even one this command will not use: a typo anywhere
    # in the file is reported by every command, not only by the one that happens to read that table.
    judge0_file, local_file, limits_file = file.table("judge0"), file.table("local"), file.table("limits")
    model, method = _model(file.table("model"))

    db_value = db or env.get("ECCO_DB") or file.text("db")
    token_env = judge0_file.text("auth_token_env") or "ECCO_JUDGE0_TOKEN"
    language_id = judge0_file.integer("language_id", 0) if "language_id" in judge0_file.raw else None
    judge0 = Judge0Settings(
        url=judge0_url or env.get("ECCO_JUDGE0_URL") or judge0_file.text("url"),
        auth_token=env.get(token_env) or env.get("ECCO_JUDGE0_TOKEN"),
        auth_header=judge0_file.text("auth_header") or "X-Auth-Token",
        language_id=language_id,
    )
    limits = LimitSettings(
        cpu_time_s=limits_file.number("cpu_time_s", LimitSettings.cpu_time_s),
        wall_time_s=limits_file.number("wall_time_s", LimitSettings.wall_time_s),
        memory_kb=limits_file.integer("memory_kb", LimitSettings.memory_kb),
    )
    chosen_engine = engine or env.get("ECCO_ENGINE") or file.text("engine") or "local"
    if chosen_engine not in ("local", "judge0"):
        raise ConfigError(f"engine: unknown engine {chosen_engine!r} (local or judge0)")
    file_sandbox = local_file.get("sandbox", bool)
    return Settings(
        db_path=Path(db_value).expanduser() if db_value else data_dir() / "ecco.duckdb",
        db_configured=bool(db_value),
        engine=chosen_engine,
        author=author or env.get("ECCO_AUTHOR") or file.text("author") or _user(),
        judge0=judge0,
        limits=limits,
        local_python=env.get("ECCO_PYTHON") or local_file.text("python"),
        local_sandbox=False if no_sandbox else _sandbox(env.get("ECCO_NO_SANDBOX"),
                                                        True if file_sandbox is None else file_sandbox),
        labels=_labels(file.raw.get("labels"), path),
        model=model,
        refine_method=method,
    )


def _model(table: _Table) -> tuple[ModelSettings, str]:
    """`[model]` plus ECCO_MODEL_URL / ECCO_MODEL: the client settings and the app's refine method."""
    env = os.environ
    endpoint = table.text("endpoint") or "chat"
    if endpoint not in MODEL_ENDPOINTS:
        raise ConfigError(f"{table.path}: [model] endpoint: {endpoint!r} (chat or completions)")
    method = table.text("method") or "exec-refine"
    if method not in MODEL_METHODS:
        raise ConfigError(f"{table.path}: [model] method: {method!r} (one of {', '.join(MODEL_METHODS)})")
    model = ModelSettings(
        base_url=env.get("ECCO_MODEL_URL") or table.text("url") or "",
        model=env.get("ECCO_MODEL") or table.text("name") or table.text("model") or "",
        api_key_env=table.text("api_key_env"),
        endpoint=cast(Endpoint, endpoint),
        wrapper=table.text("wrapper") or "none",
        temperature=table.number("temperature", 0.4, 0.0, 2.0),
        max_tokens=table.integer("max_tokens", 1024, 1, 1_000_000),
        timeout_s=table.number("timeout_s", 300.0, 0.1, 86_400.0),
        max_tries=table.integer("max_tries", 4, 1, 100),
    )
    return model, method


_TRUE_WORDS = ("1", "true", "yes", "on")
_FALSE_WORDS = ("", "0", "false", "no", "off")


def _sandbox(env_value: str | None, file_value: bool) -> bool:
    """Whether the local engine must sandbox: ECCO_NO_SANDBOX beats `[local] sandbox`; anything but a clear yes
    or no is a config error, so a typo never switches the sandbox off (or silently leaves it on)."""
    if env_value is not None:
        word = env_value.strip().lower()
        if word in _TRUE_WORDS:
            return False
        if word in _FALSE_WORDS:
            return True
        raise ConfigError(f"ECCO_NO_SANDBOX: {env_value!r} (1 to run programs unsandboxed, 0 to sandbox them)")
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
