"""Which engine a command or the app uses, built from Settings; and whether it sandboxes.

The sandbox is never silently off: the local engine is built with bubblewrap required, so a machine without a
working `bwrap` refuses to run programs (one line saying how to install it, or how to opt out) instead of
running untrusted model code with the user's files and network. Only settings that say so (`--no-sandbox`,
ECCO_NO_SANDBOX=1, `[local] sandbox = false`) build it in rlimit mode, and everything measured that way is
labelled UNSANDBOXED (`is_sandboxed`, the one test for it, on an engine's info or a stored engine version).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from ecco_tui.config import Settings
from ecco_tui.engines.base import Engine, EngineError, EngineInfo, Limits
from ecco_tui.engines.local import BWRAP_MISSING

__all__ = [
    "BWRAP_MISSING",
    "UNSANDBOXED",
    "EngineError",
    "accounting_of",
    "is_sandboxed",
    "limits_from",
    "make_engine",
    "open_engine",
    "runs_unsandboxed",
    "sandbox_refusal",
]

#: The label shown wherever programs ran (or will run) without the bubblewrap sandbox.
UNSANDBOXED = "UNSANDBOXED"

#: Marks of an unsandboxed local engine: its version (`local-X+rlimit/...`, also carried into a Judge0 client's
#: version when it talks to `ecco serve --no-sandbox`) and its details' "sandbox" entry.
_RLIMIT_VERSION_MARK = "+rlimit"
_RLIMIT_MODE = "rlimit"


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


def is_sandboxed(engine: EngineInfo | str) -> bool:
    """False when `engine` (an engine's info, or a stored `engine_version`) ran programs without bubblewrap.

    Judge0 and imported results count as sandboxed (their sandbox is not ours to judge) unless their version
    carries the local engine's rlimit mark.
    """
    if isinstance(engine, str):
        return _RLIMIT_VERSION_MARK not in engine
    return _RLIMIT_VERSION_MARK not in engine.version and engine.details.get("sandbox") != _RLIMIT_MODE


def accounting_of(engine: EngineInfo | str) -> str:
    """How the numbers of `engine` (its info, or a stored `engine_version`) charge a program, in a few words.

    The local engine's version names its mode (cgroups.py); Judge0 runs isolate with ``--cg`` by default (per
    process limits off), which charges the whole control group. Local results from before whole-tree
    accounting charged the main process only: they never match newer ones in the cache (other version).
    """
    version = engine if isinstance(engine, str) else engine.version
    if version.startswith("local-"):
        if "+cgroup-v1" in version:
            return "cgroup-v1: CPU of every process, memory peak of the whole tree"
        if "+subreaper" in version:
            return "subreaper: CPU of every process, memory of the largest process"
        return "main process only (measured before whole-tree accounting)"
    if version.startswith("judge0"):
        return "Judge0 isolate --cg: CPU of every process, memory peak of the control group"
    return "unknown"


def runs_unsandboxed(settings: Settings, name: str | None = None) -> bool:
    """Whether the engine `make_engine(settings, name)` builds will run programs without the sandbox: what
    the app's title bar and the commands announce before anything runs."""
    return (name or settings.engine) == "local" and not settings.local_sandbox


def sandbox_refusal(settings: Settings, name: str | None = None) -> str | None:
    """Why the engine `make_engine(settings, name)` would build must refuse to run anything (one line), or None.

    Only the missing-`bwrap` case is known without starting a sandbox; a `bwrap` that cannot start one is
    found by the engine's first call, which then raises the same kind of one-line EngineError.
    """
    if (name or settings.engine) == "local" and settings.local_sandbox and shutil.which("bwrap") is None:
        return BWRAP_MISSING
    return None


def make_engine(
    settings: Settings, name: str | None = None, *, judge0_url: str | None = None, count_instructions: bool = False
) -> Engine:
    """A fresh engine; the caller closes it (`await engine.aclose()`).

    The local engine requires bubblewrap unless `settings.local_sandbox` is False: without `bwrap` this raises
    EngineError(BWRAP_MISSING) at once, and a `bwrap` that fails its probe makes the engine's first call raise.
    """
    chosen = name or settings.engine
    if chosen == "local":
        from ecco_tui.engines.local import LocalEngine

        refusal = sandbox_refusal(settings, chosen)
        if refusal is not None:
            raise EngineError(refusal)
        python = settings.local_python or default_interpreter()
        return LocalEngine(python, use_bwrap=settings.local_sandbox, limits=limits_from(settings),
                           count_instructions=count_instructions)
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


@asynccontextmanager
async def open_engine(
    settings: Settings,
    name: str | None = None,
    *,
    judge0_url: str | None = None,
    count_instructions: bool = False,
    given: Engine | None = None,
) -> AsyncIterator[Engine]:
    """The one engine lifecycle: `async with open_engine(settings) as engine:` builds the engine (as
    `make_engine`) and closes it on the way out, also when the job is cancelled (its sandboxed processes and
    accounting groups go with it). An engine the caller already owns (`given`, e.g. a test's) is used as it
    is and left open."""
    if given is not None:
        yield given
        return
    engine = make_engine(settings, name, judge0_url=judge0_url, count_instructions=count_instructions)
    try:
        yield engine
    finally:
        await engine.aclose()
