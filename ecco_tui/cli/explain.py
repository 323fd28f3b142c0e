"""`ecco explain OUTPUT_ID`: where an output and its input spend their line events on one test, side by side
as the diff aligns them, and how each one's cost grows with input size (`services.explain`, issue #23).

Both programs run once more in the sandbox with per-line hit counts (cached in the store; never stored as
timings, so no verdict or report changes)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ecco_tui.cli import render
from ecco_tui.cli.app import (
    DbOption,
    EngineOption,
    Judge0UrlOption,
    NoSandboxOption,
    console,
    fail,
    refuse_unsandboxable,
    settings_for,
    user_errors,
    warn_unsandboxed,
)

if TYPE_CHECKING:
    from ecco_tui.metrics.scaling import PowerFit
    from ecco_tui.services.explain import Explanation

__all__ = ["explain_cmd", "explanation_json"]

EXPLAIN_FORMATS = ("table", "json")


def _fit_json(fit: PowerFit | None) -> dict[str, Any] | None:
    return None if fit is None else {"exponent": fit.exponent, "r2": fit.r2, "tests": fit.n}


def explanation_json(ex: Explanation) -> dict[str, Any]:
    """What the table shows, for scripts: both programs' counts by line (as in the stored texts), the aligned
    rows, and the scaling fit with its points."""
    def program(p: Any) -> dict[str, Any]:
        return {"code_sha256": p.code_sha256, "status": p.status, "tracer": p.tracer, "total": p.total,
                "hottest_line": p.hottest, "hits": None if p.hits is None else {str(k): v for k, v in
                                                                                 sorted(p.hits.items())}}

    s = ex.scaling
    return {
        "output_id": ex.output_id, "run_id": ex.run_id, "problem_id": ex.problem_id, "test": ex.test_id,
        "test_choice": ex.test_choice, "engine": ex.engine, "engine_version": ex.engine_version,
        "input": program(ex.input), "output": program(ex.output),
        "lines": [{"input_line": a, "output_line": b,
                   "input_hits": None if a is None or ex.input.hits is None else ex.input.hits.get(a, 0),
                   "output_hits": None if b is None or ex.output.hits is None else ex.output.hits.get(b, 0)}
                  for a, b in ex.alignment],
        "scaling": {"kind": s.kind, "summary": s.summary, "cost": s.cost, "size": s.size, "ratio": s.ratio,
                    "input_fit": _fit_json(s.input_fit), "output_fit": _fit_json(s.output_fit),
                    "points": [{"test": p.test_id, "size": p.size, "input_cost": p.input_cost,
                                "output_cost": p.output_cost} for p in s.points]},
        "profiled_tests": ex.profiled_tests,
    }


def _fit_text(fit: PowerFit | None) -> str:
    return "–" if fit is None else f"~ n^{fit.exponent:.2f} (R² {fit.r2:.2f}, {fit.n} tests)"


def _draw(ex: Explanation) -> None:
    from rich.markup import escape

    in_lines, out_lines = ex.input.code.splitlines(), ex.output.code.splitlines()
    in_hot, out_hot = ex.input.hottest, ex.output.hottest

    def side(line: int | None, lines: list[str], hits: Any, hot: int | None) -> tuple[str, str, str]:
        if line is None:
            return "", "", ""
        count = render.DASH if hits is None else f"{hits.get(line, 0):,}"
        text = escape(lines[line - 1]) if line <= len(lines) else ""
        if line == hot:
            count, text = f"[bold red]{count}[/]", f"[bold]{text}[/]"
        return str(line), count, text

    rows = [(*side(a, in_lines, ex.input.hits, in_hot), *side(b, out_lines, ex.output.hits, out_hot))
            for a, b in ex.alignment]
    out = render.screen(200)
    out.print(render.table(
        f"{ex.output_id} · {ex.problem_id} · test {ex.test_id} ({ex.test_choice}) · {ex.engine} {ex.engine_version}",
        [("in", "right"), ("hits", "right"), "input", ("out", "right"), ("hits", "right"), "output"], rows,
        caption=f"line events: input {render.cell(ex.input.total, ',')} ({ex.input.status}), output "
                f"{render.cell(ex.output.total, ',')} ({ex.output.status}); hottest line in bold"))
    s = ex.scaling
    size = f" by {s.size}" if s.size else ""
    console.print(f"scaling ({s.cost}{size}): input {_fit_text(s.input_fit)}, output {_fit_text(s.output_fit)}",
                  highlight=False)
    console.print(f"verdict: {s.summary}", highlight=False)


def explain_cmd(
    output_id: Annotated[str, typer.Argument(help="A model output id, e.g. run:0:0:0.", show_default=False)],
    test: Annotated[str | None, typer.Option("--test", help="The test to profile, e.g. private:3 (default: the "
                                             "pair's most expensive one by stored CPU time).")] = None,
    all_tests: Annotated[bool, typer.Option("--all-tests", help="Profile both programs on every scored test and "
                                            "fit the scaling on line events (default: stored CPU times).")] = False,
    db: DbOption = None,
    engine: EngineOption = None,
    judge0_url: Judge0UrlOption = None,
    no_sandbox: NoSandboxOption = False,
    output_format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Per-line hit counts of an output and its input on one test, aligned by the diff, and how their cost
    grows with input size: algorithmic or constant factor (profiling runs are never stored as timings)."""
    import asyncio

    from ecco_tui.services.engines import EngineError, runs_unsandboxed
    from ecco_tui.services.explain import explain_output
    from ecco_tui.services.workspace import open_store

    render.check_format(output_format, EXPLAIN_FORMATS)
    settings = settings_for(db, engine=engine, judge0_url=judge0_url, no_sandbox=no_sandbox, existing=True)
    refuse_unsandboxable(settings)
    if runs_unsandboxed(settings):
        warn_unsandboxed("the programs are profiled")
    with user_errors(), open_store(settings.db_path) as store:
        try:
            ex = asyncio.run(explain_output(store, settings, output_id, test, all_tests=all_tests))
        except EngineError as exc:
            fail(str(exc))
    render.emit(output_format, lambda: _draw(ex), {"json": lambda: render.json_text(explanation_json(ex))})
