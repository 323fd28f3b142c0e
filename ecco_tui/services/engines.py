"""Which engine a command or the app uses, built from Settings."""

from __future__ import annotations

import os

from ecco_tui.config import Settings
from ecco_tui.engines.base import Engine, EngineError, Limits

__all__ = ["EngineError", "limits_from", "make_engine"]


def limits_from(settings: Settings) -> Limits:
    return Limits(
        cpu_time_s=settings.limits.cpu_time_s,
        wall_time_s=settings.limits.wall_time_s,
        memory_kb=settings.limits.memory_kb,
    )


def default_interpreter() -> str | None:
    """The OS's own Python 3 when there is one: like Judge0's, it has no third-party start-up hooks (a
    development interpreter may import packages from .pth files on every start, adding tens of ms)."""
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3"):
        if os.path.exists(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def make_engine(
    settings: Settings, name: str | None = None, *, judge0_url: str | None = None, count_instructions: bool = False
) -> Engine:
    """A fresh engine; the caller closes it (`await engine.aclose()`)."""
    chosen = name or settings.engine
    if chosen == "local":
        from ecco_tui.engines.local import LocalEngine

        python = settings.local_python or default_interpreter()
        return LocalEngine(python, limits=limits_from(settings), count_instructions=count_instructions)
    if chosen == "judge0":
        from ecco_tui.engines.judge0 import Judge0Engine

        url = judge0_url or settings.judge0.url
        if not url:
            raise EngineError("no Judge0 URL: pass --judge0-url, set ECCO_JUDGE0_URL, or [judge0] url in the config")
        return Judge0Engine(
            url,
            auth_token=settings.judge0.auth_token,
            auth_header=settings.judge0.auth_header,
            language_id=settings.judge0.language_id,
            limits=limits_from(settings),
        )
    raise EngineError(f"unknown engine {chosen!r} (local or judge0)")
