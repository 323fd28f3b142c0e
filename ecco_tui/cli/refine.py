"""`ecco refine`: ask a model to improve a run's outputs round by round, with execution feedback from an
engine. The rounds go to a new run named after the source run, method, model and time (never into the run
refined, nor into an imported one); every finished round is stored, so an interrupted refinement resumes
where it stopped with `--new-run <the run it made>`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, cast

import typer

from ecco_tui.cli.app import (
    DbOption,
    EngineOption,
    Judge0UrlOption,
    NoSandboxOption,
    console,
    err_console,
    fail,
    refuse_unsandboxable,
    settings_for,
    user_errors,
    warn_unsandboxed,
)
from ecco_tui.cli.progress import progress_bar, refresh_verdicts_of

if TYPE_CHECKING:
    from ecco_tui.config import Endpoint
    from ecco_tui.refine.extract import ExtractionStyle
    from ecco_tui.services.refine import RefineSummary

__all__ = ["refine"]


def refine(
    run: Annotated[str, typer.Option("--run", help="Run whose outputs to refine.")],
    method: Annotated[str, typer.Option(help="self-refine, exec-refine or nl-exec-refine.")],
    model_url: Annotated[str, typer.Option("--model-url", help="OpenAI-compatible base URL (vLLM, Ollama, "
                                           "llama.cpp server, hosted APIs).")],
    model: Annotated[str, typer.Option("--model", help="Model name the endpoint serves.")],
    rounds: Annotated[int, typer.Option(min=1, max=20, help="Final refinement round to reach.")] = 1,
    db: DbOption = None,
    new_run: Annotated[str | None, typer.Option("--new-run", help="Name of the run the rounds go to (default: a "
                                                "new run <run>-<method>-<model>-<UTC time>); name the run an "
                                                "earlier refine of --run made to resume or extend it.")] = None,
    split: Annotated[str | None, typer.Option(help="Only check that the run is of this split.")] = None,
    api_key_env: Annotated[str | None, typer.Option(help="Env var holding the API key (never stored).")] = None,
    endpoint: Annotated[str, typer.Option(help="chat (/v1/chat/completions) or completions.")] = "chat",
    wrapper: Annotated[str, typer.Option(help="Prompt wrapper for the completions endpoint: none, "
                                         "deepseek-coder, codellama.")] = "none",
    temperature: Annotated[float, typer.Option(help="Sampling temperature (paper: 0.4).")] = 0.4,
    max_tokens: Annotated[int, typer.Option(help="Max new tokens (paper: 1024).")] = 1024,
    timeout: Annotated[float, typer.Option(help="Seconds per model request.")] = 300.0,
    tries: Annotated[int, typer.Option(help="Attempts per request (429/5xx/timeouts are retried).")] = 4,
    rows: Annotated[int | None, typer.Option("--rows", help="Only the first N rows.")] = None,
    concurrency: Annotated[int, typer.Option(help="Rows refined at once.")] = 4,
    engine: EngineOption = None,
    judge0_url: Judge0UrlOption = None,
    extraction: Annotated[str, typer.Option(help="markdown (ECCO's DeepSeek rule) or plain.")] = "markdown",
    no_sandbox: NoSandboxOption = False,
) -> None:
    """Refine a run's outputs with a model and execution feedback, round by round, into a new run (resumable)."""
    import asyncio

    from ecco_tui.refine.client import ModelClient, ModelConfigError, ModelSettings
    from ecco_tui.services.engines import EngineError, limits_from, open_engine, runs_unsandboxed
    from ecco_tui.services.refine import RefineError, new_run_name, refine_run
    from ecco_tui.services.verdicts import stale_runs
    from ecco_tui.services.workspace import open_store

    settings = settings_for(db, engine=engine, judge0_url=judge0_url, no_sandbox=no_sandbox, existing=True)
    refuse_unsandboxable(settings)
    if runs_unsandboxed(settings):
        warn_unsandboxed("the refined candidates run")
    try:
        # The casts only narrow the flags' str for the type checker: ModelSettings and refine_run check the words
        # themselves and answer a wrong one in one line.
        model_settings = ModelSettings(base_url=model_url, model=model, api_key_env=api_key_env,
                                       endpoint=cast("Endpoint", endpoint), temperature=temperature,
                                       max_tokens=max_tokens, wrapper=wrapper, timeout_s=timeout, max_tries=tries)
    except (ModelConfigError, ValueError) as exc:
        fail(str(exc))
    with user_errors(), open_store(settings.db_path) as store:
        known = store.get_run(run)
        if known is None:
            fail(f"--run: no run named {run!r} (runs: {', '.join(r.run_id for r in store.runs()) or 'none'})")
        if split and known.split != split:
            fail(f"--run {run}: made from the {known.split} split, not {split}")

        target = new_run if new_run is not None else new_run_name(store, run, method, model)
        stale_before = set(stale_runs(store))

        async def go() -> RefineSummary:
            try:
                async with (open_engine(settings, engine, judge0_url=judge0_url) as eng,
                            ModelClient(model_settings) as client):
                    with progress_bar() as progress:
                        return await refine_run(store, eng, client, run, method, rounds, new_run_id=target,
                                                progress=progress, limits=limits_from(settings),
                                                concurrency=concurrency, max_rows=rows,
                                                extraction=cast("ExtractionStyle", extraction))
            except (RefineError, ModelConfigError, EngineError) as exc:
                fail(str(exc))

        try:
            summary = asyncio.run(go())
        except KeyboardInterrupt:
            err_console.print(f"interrupted: finished rounds are stored in run {target}; run the same command "
                              f"with --new-run {target} to resume", highlight=False)
            raise typer.Exit(130) from None
        # The new run's verdicts, and those of the runs this command made stale by running their programs on the
        # public tests for feedback (their figures do not change): as the app refreshes after a round.
        made_stale = [r for r in stale_runs(store) if r not in stale_before and r != summary.run_id]
        refresh_verdicts_of(store, [summary.run_id, *made_stale])
    console.print(f"run {summary.run_id}: {len(summary.written)} rounds written ({summary.succeeded} with code, "
                  f"{len(summary.failed)} failed, {summary.skipped} already done) in {summary.seconds:.1f} s",
                  highlight=False)
    for failed in summary.failed[:10]:
        err_console.print(f"[yellow]  {failed.output_id}: {failed.failure}[/]", highlight=False)
    for line in summary.errors[:10]:
        err_console.print(f"[yellow]  {line}[/]", highlight=False)
