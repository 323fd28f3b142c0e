"""The root `ecco` typer app and what every command shares: the consoles, the common options, settings
loading, and the one-line error path.

Errors the user can fix (bad input files, a locked store, a bad config, a bad flag value) end in one line on
stderr and exit status 1, never a traceback: every command fails through `fail`, so the format is the same
everywhere and scripts can rely on it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from ecco_tui.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from ecco_tui.services.workspace import NoSuchStoreError

__all__ = [
    "DbOption",
    "EngineOption",
    "Judge0UrlOption",
    "NoSandboxOption",
    "app",
    "check_choice",
    "console",
    "err_console",
    "fail",
    "refuse_missing_store",
    "refuse_unsandboxable",
    "settings_for",
    "user_errors",
    "warn",
    "warn_unsandboxed",
]

app = typer.Typer(
    name="ecco",
    help="ecco-tui: a terminal workbench for the ECCO code-efficiency benchmark.",
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode="rich",
)

#: Results go to stdout (what scripts capture); progress, warnings and errors to stderr.
console = Console()
err_console = Console(stderr=True)

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="Store file (default: $ECCO_DB, the config file's `db`, or "
                 "~/.local/share/ecco-tui/ecco.duckdb).", show_default=False),
]

NoSandboxOption = Annotated[
    bool,
    typer.Option("--no-sandbox", help="Run programs on the local engine without the bubblewrap sandbox (they can "
                 "read and write your files and use the network); everything measured so is marked UNSANDBOXED. "
                 "Also ECCO_NO_SANDBOX=1 or [local] sandbox = false in the config."),
]

EngineOption = Annotated[str | None, typer.Option("--engine", help="local or judge0 (default: config, else local).")]
Judge0UrlOption = Annotated[str | None, typer.Option("--judge0-url", help="Judge0 base URL, e.g. http://127.0.0.1:2358.")]


def fail(message: str) -> NoReturn:
    """End the command with `error: <message>` on stderr and exit status 1 (what scripts test for)."""
    # Escaped: messages name config tables ("[local] sandbox", "[judge0] url") that rich would take for markup.
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def warn(message: str, *, highlight: bool = False) -> None:
    """`warning: <message>` on stderr: something the user should know that does not stop the command.

    Not escaped (some callers' messages carry markup); `highlight` stays off except where it always was on.
    """
    err_console.print(f"[yellow]warning:[/] {message}", highlight=highlight)


def check_choice(flag: str, value: str, choices: Sequence[str]) -> None:
    """Fail in one line unless `value` is one of `choices`; the message lists them ("a, b or c"), the same
    wording for every flag that takes a fixed set of words."""
    if value not in choices:
        listed = f"{', '.join(choices[:-1])} or {choices[-1]}" if len(choices) > 1 else choices[0]
        fail(f"{flag}: must be {listed}, not {value!r}")


def warn_unsandboxed(what: str) -> None:
    """Say on stderr, before anything runs, that `what` runs without the sandbox (nobody misses it in a log)."""
    from ecco_tui.services.engines import UNSANDBOXED

    err_console.print(f"[bold red]{UNSANDBOXED}[/]: {what} without the bubblewrap sandbox (--no-sandbox): "
                      "programs can read and write your files and use the network", highlight=False, soft_wrap=True)


def refuse_unsandboxable(settings: Settings, engine: str | None = None) -> None:
    """Fail in one line, before any store is opened, when the local engine must sandbox and there is no bwrap."""
    from ecco_tui.services.engines import sandbox_refusal

    if (refusal := sandbox_refusal(settings, engine)) is not None:
        fail(refusal)


def settings_for(db: Path | None = None, *, existing: bool = False, **overrides: Any) -> Settings:
    """Settings from flags, environment and config file. `existing`: the command works on a store that must
    exist, so with none configured it uses `ecco demo`'s sample store (as `ecco open` does) and says so, and a
    store file that does not exist is refused in one line naming it (never created empty)."""
    try:
        settings = load_settings(db=db, **overrides)
    except ConfigError as exc:
        fail(str(exc))
    if existing:
        from ecco_tui.services.workspace import NoSuchStoreError, existing_store

        with user_errors():
            try:
                settings, notice = existing_store(settings)
            except NoSuchStoreError as exc:
                refuse_missing_store(exc)
        if notice:
            err_console.print(notice, highlight=False, soft_wrap=True)
    return settings


def refuse_missing_store(exc: NoSuchStoreError, *, create_flag: bool = False) -> NoReturn:
    """Fail in one line naming the store file that does not exist, and how to make one (`create_flag`: the
    command takes --create)."""
    fail(f"{exc} (ecco import creates one{'; --create opens it empty' if create_flag else ''})")


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors a user can act on into one line and exit status 1."""
    from ecco_tui.services.imports import IngestError
    from ecco_tui.services.workspace import StoreError
    from ecco_tui.store.migrations import SchemaError

    try:
        yield
    except IngestError as exc:
        fail(exc.one_line())
    except (StoreError, SchemaError, ConfigError) as exc:
        fail(str(exc))
