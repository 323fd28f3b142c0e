"""Commands that check the engines themselves rather than a store's programs: `engines` (what this machine
can run on), `selftest` (does an engine answer hostile programs as Judge0 does) and `calibrate` (how the
engines' times and memory compare)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from ecco_tui.cli import render
from ecco_tui.cli.app import (
    DbOption,
    EngineOption,
    Judge0UrlOption,
    NoSandboxOption,
    fail,
    refuse_unsandboxable,
    settings_for,
    user_errors,
    warn,
    warn_unsandboxed,
)
from ecco_tui.cli.progress import ProgressBar, progress_bar

if TYPE_CHECKING:
    from ecco_tui.engines.base import EngineInfo
    from ecco_tui.services.calibrate import EngineCalibration
    from ecco_tui.services.selftest import CaseOutcome
    from ecco_tui.services.selftest.accounting import AccountingOutcome

__all__ = ["calibrate", "engines_cmd", "selftest"]


def engines_cmd(
    judge0_url: Judge0UrlOption = None,
    no_sandbox: NoSandboxOption = False,
    output_format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Show the engines this machine can run programs on: version, sandbox and how a test's cost is charged."""
    import asyncio

    from ecco_tui.services.engines import EngineError, accounting_of, is_sandboxed, open_engine

    render.check_format(output_format, ("table", "json"))
    settings = settings_for(None, judge0_url=judge0_url, no_sandbox=no_sandbox)
    names = ["local"] + (["judge0"] if judge0_url or settings.judge0.url else [])

    async def describe(name: str) -> dict[str, Any]:
        row: dict[str, Any] = {"engine": name}
        try:
            async with open_engine(settings, name, judge0_url=judge0_url) as eng:
                info = await eng.info()
        except EngineError as exc:  # cannot be built (no Judge0 URL, no bwrap) or does not answer
            return {**row, "error": str(exc)}
        return {**row, "version": info.version, "language": info.language, "sandboxed": is_sandboxed(info),
                "accounting": accounting_of(info), "details": dict(info.details)}

    async def describe_all() -> list[dict[str, Any]]:
        return list(await asyncio.gather(*(describe(name) for name in names)))

    rows = asyncio.run(describe_all())

    def draw() -> None:
        cells = []
        for row in rows:
            if "error" in row:
                cells.append((row["engine"], f"[red]{escape(row['error'])}[/]", render.DASH, render.DASH))
                continue
            sandbox = "[green]yes[/]" if row["sandboxed"] else "[bold red]UNSANDBOXED[/]"
            cells.append((row["engine"], escape(row["version"]), sandbox, row["accounting"]))
        render.screen(200).print(render.table("engines", ("engine", "version", "sandbox", "cost charged"), cells))

    render.emit(output_format, draw, {"json": lambda: render.json_text(rows)})
    if any("error" in row for row in rows):
        raise typer.Exit(1)


def selftest(
    engine: EngineOption = None,
    judge0_url: Judge0UrlOption = None,
    no_sandbox: NoSandboxOption = False,
) -> None:
    """Run the untrusted-program suite on an engine and check it answers as Judge0 does (exit 1 if not)."""
    import asyncio

    from ecco_tui.services.engines import UNSANDBOXED, EngineError, accounting_of, is_sandboxed, open_engine
    from ecco_tui.services.selftest import run_selftest
    from ecco_tui.services.selftest.accounting import CPU_TOLERANCE, run_accounting_checks

    settings = settings_for(None, engine=engine, judge0_url=judge0_url, no_sandbox=no_sandbox)

    async def go() -> tuple[EngineInfo, list[CaseOutcome], list[AccountingOutcome]]:
        try:
            async with open_engine(settings, engine, judge0_url=judge0_url) as eng:
                info = await eng.info()
                with progress_bar() as progress:
                    progress("cases", 0, None)
                    outcomes = await run_selftest(eng, progress=lambda _o: progress("cases", 1, None))
                    accounting = await run_accounting_checks(eng, progress=lambda _o: progress("cases", 1, None))
                return info, outcomes, accounting
        except EngineError as exc:
            fail(str(exc))

    info, outcomes, accounting = asyncio.run(go())
    unsandboxed = "" if is_sandboxed(info) else f" · [bold red]{UNSANDBOXED}[/]"
    out = render.screen(160)
    out.print(render.table(
        f"selftest · {info.name} {info.version} · {info.language}{unsandboxed}",
        ("case", "status", "cpu s", "memory KB", "verdict"),
        [(o.case.name,
          f"{o.result.status_id} {o.result.status_description}" if o.result else render.DASH,
          render.cell(None if o.result is None else o.result.cpu_time_s, ".3f"),
          render.cell(None if o.result is None else o.result.memory_kb, ","),
          "[green]ok[/]" if o.ok else f"[red]{'; '.join(o.problems)}[/]") for o in outcomes]))
    out.print(render.table(
        f"whole-tree accounting · {accounting_of(info)} · the same work, hidden in other "
        f"processes, must cost within ±{CPU_TOLERANCE:.0%} of the honest run",
        ("case", "how", "cpu s", "× honest", "memory KB", "verdict"),
        [(a.name, a.description, render.cell(a.cpu_s, ".3f"), render.cell(a.cpu_ratio, ".2f"),
          render.cell(a.memory_kb, ","),
          (f"[red]{escape('; '.join(a.problems))}[/]" if not a.ok else
           f"[yellow]{escape('; '.join(a.warnings))}[/]" if a.warnings else "[green]ok[/]")) for a in accounting]))
    failed = sum(not o.ok for o in outcomes) + sum(not a.ok for a in accounting)
    out.print(f"{len(outcomes) + len(accounting) - failed} passed, {failed} failed")
    if failed:
        raise typer.Exit(1)


def calibrate(
    engine: Annotated[list[str] | None, typer.Option("--engine", help="Engines to compare (repeatable): local, "
                                                     "judge0. The first is the reference of the ratios.")] = None,
    judge0_url: Judge0UrlOption = None,
    repeat: Annotated[int, typer.Option(min=1, max=20, help="Runs per program and engine (medians shown).")] = 5,
    programs: Annotated[str | None, typer.Option("--programs", help="Only these programs: comma-separated glob "
                                                 "patterns over their names, e.g. 'startup,sort-*'.")] = None,
    db: DbOption = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Print only; do not store the session.")] = False,
    no_sandbox: NoSandboxOption = False,
) -> None:
    """Run the shipped calibration set on each engine; print per-program ratios and fitted time/memory factors."""
    import asyncio

    from ecco_tui.services import calibrate as cal
    from ecco_tui.services.engines import EngineError, open_engine
    from ecco_tui.services.workspace import open_store

    engines = engine or ["local"]
    for name in engines:
        if name not in ("local", "judge0"):
            fail(f"--engine: unknown engine {name!r} (local or judge0)")
    try:
        full_set = cal.load_calibration_set()
        chosen = full_set.select(programs)
    except cal.CalibrationError as exc:
        fail(str(exc))
    settings = settings_for(db, judge0_url=judge0_url, no_sandbox=no_sandbox)
    for name in engines:
        refuse_unsandboxable(settings, name)
    if "local" in engines and not settings.local_sandbox:
        warn_unsandboxed("the calibration set runs")

    async def go(update: ProgressBar) -> list[EngineCalibration]:
        results = []
        for name in engines:
            stage = f"{name} calibration"

            def program_done(_program: str, stage: str = stage) -> None:
                update(stage, 1, None)

            # An engine that cannot be built fails as itself; one that fails while calibrating is named.
            try:
                async with open_engine(settings, name, judge0_url=judge0_url) as eng:
                    update(stage, 0, len(chosen.programs))
                    try:
                        results.append(await cal.calibrate(eng, chosen, repeat=repeat, progress=program_done))
                    except EngineError as exc:
                        fail(f"{name}: {exc}")
            except EngineError as exc:
                fail(str(exc))
        return results

    with progress_bar() as update:
        results = asyncio.run(go(update))
    session = cal.build_session(results, set_version=full_set.version, programs=programs, repeat=repeat)
    out = render.screen(200)
    render.print_table_specs(out, cal.session_tables(session))
    if not session.pairs:
        out.print("one engine: no factors (add e.g. --engine judge0 --judge0-url URL to compare)", highlight=False)
    failed = sorted({r.program for e in session.engines for r in e.rows if not r.ok})
    if failed:
        warn(f"failed on some engine (left out of the fits): {', '.join(failed)}")
    if not no_store:
        with user_errors(), open_store(settings.db_path) as store:
            cal.save_session(store, session)
        out.print(f"stored as calibration {session.session_id[:12]} in {settings.db_path} "
                  "(ecco report --calibration)", highlight=False)
