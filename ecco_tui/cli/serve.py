"""`ecco serve`: Judge0's REST API over the local sandbox, refused in one line before anything starts when
the bind or the sandbox is unsafe."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ecco_tui.cli.app import NoSandboxOption, fail, settings_for, user_errors, warn_unsandboxed
from ecco_tui.config import Settings

__all__ = ["probe_engine_or_fail", "serve"]


def probe_engine_or_fail(settings: Settings, engine: str | None) -> None:
    """Start the engine once and close it: a sandbox that cannot start is refused here, in one line."""
    import asyncio

    from ecco_tui.services.engines import EngineError, open_engine

    async def go() -> None:
        async with open_engine(settings, engine) as eng:
            await eng.info()

    try:
        asyncio.run(go())
    except EngineError as exc:
        fail(str(exc))


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (Judge0's default is 2358).")] = 2358,
    workers: Annotated[int | None, typer.Option(help="Submissions run at once (default: cores).")] = None,
    auth_token: Annotated[str | None, typer.Option("--auth-token", help="Require this X-Auth-Token "
                                                   "(default: $ECCO_SERVE_TOKEN, else none).")] = None,
    max_queue: Annotated[int, typer.Option("--max-queue", help="Unfinished submissions before 503 "
                                           "'queue is full'.")] = 100,
    db: Annotated[Path | None, typer.Option("--db", help="Record every run in this store and answer a repeated "
                                            "program+test from it (opened per lookup and write: other ecco "
                                            "commands can use it meanwhile). "
                                            "Without it nothing is stored.", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="With --db: run every submission even when the store "
                                        "has its result (still recorded; the newest wins).")] = False,
    insecure_no_auth: Annotated[bool, typer.Option("--insecure-no-auth", help="Allow a --host beyond loopback "
                                                   "without an auth token (anyone who can reach it can run "
                                                   "code here); never allowed unsandboxed.")] = False,
    no_sandbox: NoSandboxOption = False,
) -> None:
    """Serve Judge0 CE 1.13.1's REST API over the local sandbox, for ECCO's scripts and any Judge0 client."""
    import os

    from ecco_tui.serve.app import serve as run_server

    if force and db is None:
        fail("--force: only means something with --db (nothing is looked up without a store)")
    settings = settings_for(None, no_sandbox=no_sandbox)
    token = auth_token or os.environ.get("ECCO_SERVE_TOKEN") or None
    from ecco_tui.serve.policy import BindRefused, check_bind

    try:  # refuse an unsafe bind before anything starts; serve() checks again for programmatic callers
        check_bind(host, token, insecure_no_auth, sandboxed=settings.local_sandbox)
    except BindRefused as exc:
        fail(str(exc))
    from ecco_tui.services.engines import default_interpreter

    if settings.local_sandbox:
        probe_engine_or_fail(settings, "local")  # the server's own engine would fail in its startup, unreadably
    else:
        warn_unsandboxed("submissions run")

    with user_errors():
        run_server(host=host, port=port, workers=workers, auth_token=token, max_queue=max_queue,
                   python=settings.local_python or default_interpreter(),
                   db=None if db is None else db.expanduser(), force=force, insecure_no_auth=insecure_no_auth,
                   use_bwrap=settings.local_sandbox)
