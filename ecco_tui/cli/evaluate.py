"""Commands that execute programs on tests: `run` (one program, nothing stored) and `eval` (every input and
output of runs, every per-test result stored as it arrives, then the report)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ecco_tui.cli import render
from ecco_tui.cli.app import (
    DbOption,
    EngineOption,
    Judge0UrlOption,
    NoSandboxOption,
    check_choice,
    console,
    err_console,
    fail,
    refuse_unsandboxable,
    settings_for,
    user_errors,
    warn,
    warn_unsandboxed,
)
from ecco_tui.cli.progress import progress_bar, stage_progress, verdict_progress
from ecco_tui.cli.reports import REPORT_FORMATS, TESTS, print_report

if TYPE_CHECKING:
    from ecco_tui.engines.base import Engine, EngineInfo, Limits, TestResult
    from ecco_tui.services.evaluation import AutoResult, EvalPlan, EvalStats, ProgressFn
    from ecco_tui.store.store import Store

    #: One evaluated run: its name, plan and stats, and what `--repeat auto` did (None with a fixed repeat).
    EvalDone = tuple[str, EvalPlan, EvalStats, AutoResult | None]

__all__ = ["eval_cmd", "run_cmd"]


def run_cmd(
    file: Annotated[Path, typer.Argument(help="A Python program.", show_default=False)],
    problem: Annotated[str, typer.Option("--problem", help="Problem id whose tests to run, e.g. p03209.")],
    db: DbOption = None,
    engine: EngineOption = None,
    judge0_url: Judge0UrlOption = None,
    tests: Annotated[str, typer.Option(help="public, private or all.")] = "all",
    repeat: Annotated[int, typer.Option(min=1, max=20, help="Runs per test (medians shown).")] = 1,
    cost: Annotated[str, typer.Option("--cost", help="time, or instructions: also count instructions with "
                                      "valgrind (local engine; ~70× slower, once per test).")] = "time",
    no_sandbox: NoSandboxOption = False,
    output_format: Annotated[str, typer.Option("--format", help="table or json (per test: status, CPU, wall, "
                                               "memory, exit code, instructions; the engine, its version, "
                                               "sandbox and accounting).")] = "table",
) -> None:
    """Run one program on a problem's tests and print a per-test table (nothing is stored).

    Exit status 0 when every test passed, 2 when some did not, 1 on an error."""
    import asyncio

    from ecco_tui.services.engines import UNSANDBOXED, EngineError, is_sandboxed, open_engine, runs_unsandboxed
    from ecco_tui.services.evaluation import cost_problem, to_engine_test
    from ecco_tui.services.workspace import open_store

    check_choice("--tests", tests, TESTS)
    render.check_format(output_format, RUN_FORMATS)
    try:
        code = file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{file}: cannot read ({exc})")
    settings = settings_for(db, engine=engine, judge0_url=judge0_url, no_sandbox=no_sandbox, existing=True)
    if problem_text := cost_problem(cost, settings.engine):
        fail(problem_text)
    refuse_unsandboxable(settings)
    if runs_unsandboxed(settings):
        warn_unsandboxed("the program runs")
    with user_errors(), open_store(settings.db_path, read_only=True) as store:
        cases = [to_engine_test(t) for t in store.tests_for(problem, None if tests == "all" else tests)]
    if not cases:
        fail(f"--problem: no {'' if tests == 'all' else tests + ' '}tests stored for {problem!r}")
    counting = cost == "instructions"

    async def go() -> tuple[EngineInfo, list[TestResult]]:
        try:
            async with open_engine(settings, engine, judge0_url=judge0_url, count_instructions=counting) as eng:
                info = await eng.info()
                results = []
                with progress_bar() as progress:
                    progress("tests", 0, len(cases) * repeat)
                    async for result in eng.run(code, cases, None, repeat=repeat):
                        results.append(result)
                        progress("tests", 1, None)
                return info, results
        except EngineError as exc:
            fail(str(exc))

    info, results = asyncio.run(go())
    per_test = _per_test(results)
    passed = sum(t["passed"] for t in per_test)
    if output_format == "json":
        print(render.json_text(_run_json(file, problem, info, per_test, counting=counting, repeat=repeat)))
    else:
        rows = []
        for t in per_test:
            rows.append((
                f"{t['visibility']} {t['index']}", f"[{'green' if t['passed'] else 'red'}]{t['status']}[/]",
                render.cell(t["cpu_time_s"], ".3f"), render.cell(t["wall_time_s"], ".3f"),
                render.cell(t["memory_kb"], ",.0f"), "" if t["exit_code"] is None else str(t["exit_code"]),
                *((render.cell(t["instructions"], ","),) if counting else ()),
            ))
        unsandboxed = "" if is_sandboxed(info) else f" · [bold red]{UNSANDBOXED}[/]"
        columns: list[render.Column] = ["test", "status", ("cpu s", "right"), ("wall s", "right"),
                                        ("memory KB", "right"), ("exit", "right")]
        if counting:
            columns.append(("instructions", "right"))
        console.print(render.table(f"{file.name} on {problem} · {info.name} {info.version} · {info.language}"
                                   f"{unsandboxed}", columns, rows))
        console.print(f"{passed}/{len(per_test)} tests passed")
    if passed != len(per_test):
        raise typer.Exit(2)


#: `ecco run --format`: the per-test table, or JSON for scripts.
RUN_FORMATS = ("table", "json")


def _per_test(results: list[TestResult]) -> list[dict[str, Any]]:
    """`ecco run`'s results per test, public tests first: the worst status of its repeats (and its exit code),
    whether every repeat passed, the median CPU time, wall time and memory, the first instruction count."""
    from ecco_tui.metrics import median_or_none

    by_test: dict[tuple[str, int], list[TestResult]] = {}
    for r in results:
        by_test.setdefault((r.test.visibility, r.test.index), []).append(r)
    tests = []
    for (vis, idx), runs in sorted(by_test.items(), key=lambda kv: (kv[0][0] != "public", kv[0][1])):
        worst = max(runs, key=lambda r: r.status_id != 3)
        counts = [r.instructions for r in runs if r.instructions is not None]
        tests.append({
            "visibility": vis, "index": idx, "status": worst.status_description, "status_id": worst.status_id,
            "passed": all(r.status_id == 3 for r in runs), "runs": len(runs),
            "cpu_time_s": median_or_none(r.cpu_time_s for r in runs if r.cpu_time_s is not None),
            "wall_time_s": median_or_none(r.wall_time_s for r in runs if r.wall_time_s is not None),
            "memory_kb": median_or_none(r.memory_kb for r in runs if r.memory_kb is not None),
            "exit_code": worst.exit_code, "instructions": counts[0] if counts else None,
        })
    return tests


def _run_json(
    file: Path, problem: str, info: EngineInfo, per_test: list[dict[str, Any]], *, counting: bool, repeat: int
) -> dict[str, Any]:
    """`ecco run --format json`: the engine that measured (name, version, language, sandboxed, how it charges
    a test) and the per-test results (`instructions` is null unless counted with --cost instructions)."""
    from ecco_tui.services.engines import accounting_of, is_sandboxed

    return {
        "program": str(file), "problem": problem, "engine": info.name, "engine_version": info.version,
        "language": info.language, "sandboxed": is_sandboxed(info), "accounting": accounting_of(info),
        "cost": "instructions" if counting else "time", "repeat": repeat,
        "passed": sum(t["passed"] for t in per_test), "total": len(per_test), "tests": per_test,
    }


def eval_cmd(
    run: Annotated[list[str] | None, typer.Option("--run", help="Run name, or a unique prefix of it (repeatable); "
                                                 "see `ecco report`.", show_default=False)] = None,
    every: Annotated[bool, typer.Option("--all", help="Evaluate every run (of --split, when given).")] = False,
    db: DbOption = None,
    split: Annotated[str | None, typer.Option(help="Check that the runs are of this split (with --all: the runs "
                                             "of this split).")] = None,
    engine: EngineOption = None,
    judge0_url: Judge0UrlOption = None,
    tests: Annotated[str, typer.Option(help="public, private or all.")] = "private",
    repeat: Annotated[str, typer.Option(help="Runs (pairs, when paired) per test (1-20), or auto: repeat each "
                                        "input and output until its speedup interval is within ±5% or 15 per "
                                        "test. Every sample is stored.")] = "1",
    cost: Annotated[str, typer.Option("--cost", help="time, or instructions: also count instructions with "
                                      "valgrind (local engine; ~70× slower, once per test), stored beside CPU "
                                      "time; the report then shows both speedups.")] = "time",
    force: Annotated[bool, typer.Option("--force", help="Re-run results already stored.")] = False,
    all_rounds: Annotated[bool, typer.Option("--all-rounds", help="Evaluate every refinement round, "
                                             "not only the last.")] = False,
    output_format: Annotated[str, typer.Option("--format", help="table, csv, json or md.")] = "table",
    no_sandbox: NoSandboxOption = False,
    paired: Annotated[bool | None, typer.Option(
        "--paired/--unpaired", help="Paired (the default for editing runs with --cost time): "
        "run each output and its input back to back on every test (alternating order), --repeat pairs per test, "
        "so drift and load hit both alike and the speedup's interval comes from the pairs. --unpaired: run each "
        "program on its own (inputs already measured are not run again). Generation runs and --cost instructions "
        "are unpaired.", show_default=False)] = None,
) -> None:
    """Execute all inputs and outputs of runs, storing every per-test result as it arrives (resumable)."""
    import asyncio
    from contextlib import AsyncExitStack

    from ecco_tui.services import evaluation, verdicts
    from ecco_tui.services.engines import EngineError, limits_from, open_engine, runs_unsandboxed
    from ecco_tui.services.runs import resolve_runs
    from ecco_tui.services.workspace import open_store

    check_choice("--tests", tests, TESTS)
    render.check_format(output_format, REPORT_FORMATS)
    try:
        repeats = evaluation.parse_repeat(repeat)  # None: auto
    except ValueError as exc:
        fail(str(exc))
    settings = settings_for(db, engine=engine, judge0_url=judge0_url, no_sandbox=no_sandbox, existing=True)
    if problem := evaluation.cost_problem(cost, settings.engine):
        fail(problem)
    if paired and cost != evaluation.TIME:
        fail("--paired takes --cost time (instruction counts are exact: there is no noise to pair away)")
    if paired is None:
        paired = cost == evaluation.TIME
    refuse_unsandboxable(settings)
    if runs_unsandboxed(settings):
        warn_unsandboxed("the runs' programs run")
    visibility = None if tests == "all" else tests
    limits = limits_from(settings)
    with user_errors(), open_store(settings.db_path) as store:
        chosen = resolve_runs(store, run or [], every=every, split=split)
        run_ids = [r.run_id for r in chosen]
        editing = {r.run_id for r in chosen if r.task == "edit"}  # the runs evaluated paired, when paired
        counting = cost == evaluation.INSTRUCTIONS

        async def go() -> list[EvalDone]:
            done: list[EvalDone] = []
            try:
                async with AsyncExitStack() as engines:
                    eng = await engines.enter_async_context(
                        open_engine(settings, engine, judge0_url=judge0_url, count_instructions=counting))
                    # Repeats beyond the first need no count: they run on a plain engine, after the counted runs.
                    plain = await engines.enter_async_context(
                        open_engine(settings, engine, judge0_url=judge0_url)) if counting else None
                    info = await eng.info()
                    for run_id in run_ids:
                        with progress_bar() as progress:
                            report_progress = stage_progress(progress, run_id)
                            if paired and run_id in editing:
                                done.append(await _evaluate_paired(store, eng, info, run_id, limits, visibility,
                                                                   repeats, not all_rounds, force,
                                                                   report_progress))
                                continue
                            if repeats is None:
                                auto = await evaluation.evaluate_auto(
                                    store, eng, run_id, limits, visibility=visibility, mode=cost, force=force,
                                    final_round_only=not all_rounds, plain_engine=plain, progress=report_progress)
                                done.append((run_id, auto.plan, auto.stats, auto))
                                continue
                            programs = evaluation.run_programs(store, run_id, final_round_only=not all_rounds)
                            plan = evaluation.plan_evaluation(store, programs, info, limits, run_id=run_id,
                                                              visibility=visibility, repeat=repeats, mode=cost,
                                                              force=force)
                            stats = await evaluation.execute_plan(store, eng, plan, limits, mode=cost, force=force,
                                                                  plain_engine=plain, progress=report_progress)
                        done.append((run_id, plan, stats, None))
            except EngineError as exc:
                fail(str(exc))
            return done

        try:
            results = asyncio.run(go())
        except KeyboardInterrupt:
            err_console.print("interrupted: results so far are stored; run the same command to resume")
            raise typer.Exit(130) from None
        for run_id, plan, stats, auto in results:
            err_console.print(
                f"{run_id}: {plan.programs} programs, {stats.executed} test runs executed, {stats.cached} cached, "
                f"{stats.tests_per_second:.1f} tests/s" + (f", {stats.failed_jobs} programs failed to run"
                                                           if stats.failed_jobs else "")
                + (f", {stats.instructions_counted} instruction counts" if counting and stats.executed else ""),
                highlight=False,
            )
            if auto is not None:
                err_console.print(
                    f"  repeat auto: {auto.pairs} pairs in {auto.rounds} rounds: {auto.narrow} within "
                    f"±{evaluation.AUTO_RELATIVE:.0%}, {auto.capped} still wider at {evaluation.AUTO_MAX_SAMPLES} "
                    f"samples, {auto.no_interval} with nothing to compare", highlight=False)
            for line in stats.errors[:5]:
                err_console.print(f"[red]  {line}[/]", highlight=False)
            if plan.missing_tests:
                warn(f"no {tests} tests stored for {len(plan.missing_tests)} problems (e.g. {plan.missing_tests[0]})",
                     highlight=True)
        # One judging per output: the report's verdicts also fill the browser's verdict cache.
        with verdict_progress() as advance:
            lines = verdicts.report_and_refresh(store, run_ids, engine=engine or settings.engine,
                                                visibility=visibility, progress=advance)
    print_report(lines, output_format)


async def _evaluate_paired(
    store: Store, engine: Engine, info: EngineInfo, run_id: str, limits: Limits, visibility: str | None,
    repeat: int | None, final_round_only: bool, force: bool, progress: ProgressFn,
) -> EvalDone:
    """`ecco eval` (paired) of one editing run: every (input, output) pair back to back on each test; outputs
    identical to their input (not paired: they can only differ by noise) run as the unpaired evaluation would.
    With `force`, `repeat` new pairs per test are added to the stored ones; `repeat` None: `--repeat auto`
    (`paired.evaluate_paired_auto`)."""
    from ecco_tui.model import code_sha256
    from ecco_tui.services import evaluation, paired

    auto = None
    if repeat is None:  # --repeat auto: pairs until each interval is narrow or capped
        auto = await paired.evaluate_paired_auto(store, engine, run_id, limits, visibility=visibility,
                                                 final_round_only=final_round_only, progress=progress)
        stats, missing_tests, n_jobs = auto.stats, auto.plan.missing_tests, auto.pairs
    else:
        plan = paired.plan_pairs(store, run_id, info, limits, visibility=visibility, repeat=repeat,
                                 final_round_only=final_round_only, force=force)
        stats = await paired.execute_pairs(store, engine, plan, limits, progress=progress)
        missing_tests, n_jobs = plan.missing_tests, len(plan.jobs)
    identical = [("output", pid, code)
                 for pid, slow, code in evaluation.run_pairs(store, run_id, final_round_only=final_round_only)
                 if slow is not None and code_sha256(slow) == code_sha256(code)]
    if identical:
        rest = evaluation.plan_evaluation(store, identical, info, limits, run_id=run_id, visibility=visibility,
                                          repeat=repeat or evaluation.AUTO_START, force=force)
        more = await evaluation.execute_plan(store, engine, rest, limits, force=force, progress=progress)
        stats.executed += more.executed
        stats.cached += more.cached
        stats.errors += more.errors
    counted = evaluation.EvalPlan(run_id=run_id, programs=2 * n_jobs + len(identical), missing_tests=missing_tests)
    return run_id, counted, stats, auto
