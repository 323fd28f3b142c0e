"""The round loop on a small real store: real local engine, real loopback model server, real DuckDB."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from ecco_tui.engines.base import code_sha256
from ecco_tui.engines.local import LocalEngine
from ecco_tui.ingest.outputs import import_outputs
from ecco_tui.refine.client import ModelClient
from ecco_tui.refine.extract import NO_CODE_BLOCK
from ecco_tui.refine.templates import PromptBook
from ecco_tui.services.refine import (
    RefineBusyError,
    RefineError,
    refine_output,
    refine_run,
    round_failures,
)
from ecco_tui.store.store import Store
from tests.factories import EDIT_ROWS, FAST_MAX, FAST_SUM, edit_output_record, write_records
from tests.refine.conftest import TestServer, fast_settings
from tests.refine.openai_server import Recorded, Reply, chat, error

SUM_V2 = "n = int(input())\nprint((n * (n + 1)) >> 1)\n"
MAX_V2 = "import sys\nprint(max(map(int, sys.stdin.read().split())))\n"
CRITIQUE = "The loop is slow: use the closed form n*(n+1)/2."
REFLECTION = "It reads past the end of the list; compute the maximum directly."
BOOK = PromptBook.load()


def model(path: str, body: Any) -> Reply:
    """A well-behaved model: critiques, reflects, and refines toward known-good programs."""
    prompt = Recorded(path, {}, body).prompt
    if prompt.startswith("Give feedback"):
        return chat(CRITIQUE)
    if prompt.startswith("Based on the execution results"):
        return chat(REFLECTION)
    code = prompt.split("## Sub-optimal soliution:\n", 1)[1].split("\n\n## Feedback to improve the code:", 1)[0]
    if "n + 1" in code:
        better = SUM_V2 if "// 2" in code else FAST_SUM
    else:
        better = MAX_V2 if "print(max(" in code else FAST_MAX
    return chat(f"Here is a faster version:\n```python\n{better}```\nIt avoids the loop.")


@pytest.fixture
def good_model(server: TestServer) -> TestServer:
    server.state.responder = model
    return server


def row(store: Store, output_id: str) -> dict[str, Any]:
    """Every column of one output, new ones included (Store.outputs() does not return them yet)."""
    with store.session():
        cur = store._cursor()
        cur.execute("SELECT * FROM model_outputs WHERE output_id = ?", [output_id])
        names = [d[0] for d in cur.description]
        values = cur.fetchone()
    assert values is not None, output_id
    return dict(zip(names, values, strict=True))


async def test_two_rounds_of_exec_refine_store_every_round(run_store: Store, engine: LocalEngine,
                                                           client: ModelClient, good_model: TestServer) -> None:
    progress: list[tuple[str, int, int | None]] = []
    summary = await refine_run(run_store, engine, client, "base", "exec-refine", 2, new_run_id="base-exec-refine",
                               progress=lambda *a: progress.append(a))
    assert summary.run_id == "base-exec-refine"
    assert (summary.succeeded, summary.failed, summary.stopped, summary.errors) == (4, [], 0, [])
    assert progress[0] == ("refine base-exec-refine", 0, 4) and sum(p[1] for p in progress) == 4

    run = run_store.get_run("base-exec-refine")
    assert run is not None
    assert (run.task, run.method, run.split, run.model, run.rounds) == ("edit", "exec-refine", "test", "test-model", 3)

    # Round 0 is a copy of the instruct run's; the feedback about it now sits on it.
    r0 = row(run_store, "base-exec-refine:0:0:0")
    assert r0["code"] == "\n" + "n = int(input())\nt = 0\nfor i in range(n + 1):\n    t += i\nprint(t)\n"
    assert r0["exec_feedback"].startswith(
        "Your solution was functionally CORRECT across ALL test cases!\n\n"
        "Here are the run time and memory that your code utilized for each test case\n"
        "-- Stats for test case 0 --\nCorrect: PASSED\nRun time: ")
    crashed = row(run_store, "base-exec-refine:1:0:0")["exec_feedback"]
    assert crashed.startswith("Your solution was FULLY INCORRECT and passed 0 test cases.")
    assert "-- Error log for failed test case 0 --\nTraceback (most recent call last):" in crashed
    assert "IndexError: list index out of range\n" in crashed

    # Round 1: the refine prompt as sent, the raw answer, the code, its program row and its executions.
    r1 = row(run_store, "base-exec-refine:0:0:1")
    assert r1["prompt"] == BOOK.refine_prompt(r0["code"], r0["exec_feedback"])
    assert r1["raw_response"].startswith("Here is a faster version:\n```python\n")
    assert r1["code"] == "\n" + FAST_SUM
    assert r1["failure"] is None and r1["created_at"] is not None
    program = run_store.get_program(r1["program_id"])
    assert program is not None and program.code == r1["code"]
    generation = json.loads(r1["generation"])
    assert generation["model"] == "test-model" and generation["temperature"] == 0.4
    assert generation["prompts"] == BOOK.ident and generation["refine_call"]["attempts"] == 1
    assert r1["exec_feedback"].startswith("Your solution was functionally CORRECT")  # made for round 2

    r2 = row(run_store, "base-exec-refine:0:0:2")
    assert r2["prompt"] == BOOK.refine_prompt(r1["code"], r1["exec_feedback"])
    assert r2["code"] == "\n" + SUM_V2 and r2["exec_feedback"] is None  # the last round has no feedback
    assert row(run_store, "base-exec-refine:1:0:2")["code"] == "\n" + MAX_V2

    for code, problem in ((r1["code"], "p90001"), (r2["code"], "p90001"), ("\n" + MAX_V2, "p90002")):
        execs = run_store.executions_for(code_sha256(code), problem)
        assert [(e.visibility, e.status_description, e.source) for e in execs] == [
            ("public", "Accepted", "ecco refine")]

    assert len(good_model.state.requests) == 4  # one refine call per round and chain
    assert [o.round for o in run_store.outputs(run_id="base")] == [0, 0]  # the instruct run is untouched
    assert all(o.exec_feedback is None for o in run_store.outputs(run_id="base"))


async def test_a_rerun_resumes_and_skips_stored_rounds(run_store: Store, engine: LocalEngine, client: ModelClient,
                                                       good_model: TestServer) -> None:
    # Refining into the run the first refinement made (--new-run) resumes it (#22: never into `base` itself).
    first = await refine_run(run_store, engine, client, "base", "exec-refine", 1, new_run_id="base-exec-refine")
    assert first.succeeded == 2 and len(good_model.state.requests) == 2
    more = await refine_run(run_store, engine, client, "base", "exec-refine", 2, new_run_id="base-exec-refine")
    assert (more.succeeded, more.skipped) == (2, 2)
    assert len(good_model.state.requests) == 4
    again = await refine_run(run_store, engine, client, "base", "exec-refine", 2, new_run_id="base-exec-refine")
    assert (again.written, again.skipped) == ([], 4)
    assert len(good_model.state.requests) == 4
    # Naming that run again with more rounds extends it.
    extended = await refine_run(run_store, engine, client, "base", "exec-refine", 3, new_run_id="base-exec-refine",
                                max_rows=1)
    assert [r.output_id for r in extended.written] == ["base-exec-refine:0:0:3"]


FAILURES = [
    pytest.param([chat("I would use the closed form; no code needed.")], NO_CODE_BLOCK, id="no-code-block"),
    pytest.param([chat("")], "empty content in the response (finish_reason=stop)", id="empty-content"),
    pytest.param([error(500, "boom"), error(500, "boom")], "HTTP 500: boom (after 2 tries)", id="http-500"),
    pytest.param([Reply(text="{not json")], "malformed JSON in the response (HTTP 200): '{not json'",
                 id="malformed-json"),
    pytest.param([Reply(body={}, delay_s=0.8)] * 2, "timeout:", id="timeout"),
]


@pytest.mark.parametrize(("replies", "reason"), FAILURES)
async def test_a_failed_round_is_stored_and_the_loop_goes_on(run_store: Store, engine: LocalEngine,
                                                             good_model: TestServer, replies: list[Reply],
                                                             reason: str) -> None:
    good_model.state.push(*replies)  # row 0's refine call gets these; row 1 gets the good model
    async with ModelClient(fast_settings(good_model.url, timeout_s=0.3)) as client:
        summary = await refine_run(run_store, engine, client, "base", "exec-refine", 2, concurrency=1,
                                   new_run_id="base-exec-refine")
        failures = round_failures(run_store, "base-exec-refine")
        assert list(failures) == ["base-exec-refine:0:0:1"]
        assert failures["base-exec-refine:0:0:1"].startswith(reason)
        if reason == "timeout:":
            assert failures["base-exec-refine:0:0:1"].endswith("within 0.3 s (waiting for the answer) (after 2 tries)")
        assert [f.output_id for f in summary.failed] == ["base-exec-refine:0:0:1"]
        assert summary.stopped == 1  # row 0 cannot reach round 2 without a round-1 code
        failed = row(run_store, "base-exec-refine:0:0:1")
        assert failed["code"] is None and failed["program_id"] is None
        assert failed["prompt"].startswith("Refine the given incorrect or sub-optimal code solution")
        if reason == NO_CODE_BLOCK:
            assert failed["raw_response"] == "I would use the closed form; no code needed."
        # The next row went on to both rounds.
        assert row(run_store, "base-exec-refine:1:0:2")["code"] == "\n" + MAX_V2

        # Running the same command again retries the failed round and finishes the chain.
        retry = await refine_run(run_store, engine, client, "base", "exec-refine", 2, concurrency=1,
                                 new_run_id="base-exec-refine")
    assert [r.output_id for r in retry.written] == ["base-exec-refine:0:0:1", "base-exec-refine:0:0:2"]
    assert round_failures(run_store, "base-exec-refine") == {}
    assert row(run_store, "base-exec-refine:0:0:2")["code"] == "\n" + SUM_V2


async def test_a_rate_limited_round_waits_and_succeeds(run_store: Store, engine: LocalEngine, client: ModelClient,
                                                       good_model: TestServer) -> None:
    good_model.state.push(error(429, "slow down", headers={"Retry-After": "1"}))
    ids = await refine_output(run_store, engine, client, "base:0:0:0", "exec-refine", 1, new_run_id="base-exec-refine")
    assert ids == ["base-exec-refine:0:0:1"]
    r1 = row(run_store, ids[0])
    assert r1["failure"] is None and r1["code"] == "\n" + FAST_SUM
    assert json.loads(r1["generation"])["refine_call"]["attempts"] == 2


async def test_self_refine_stores_the_critique_and_its_prompt(run_store: Store, engine: LocalEngine,
                                                              client: ModelClient, good_model: TestServer) -> None:
    summary = await refine_run(run_store, engine, client, "base", "self-refine", 1, new_run_id="selfie")
    assert summary.succeeded == 2
    r0, r1 = row(run_store, "selfie:0:0:0"), row(run_store, "selfie:0:0:1")
    assert r0["feedback"] == CRITIQUE and r0["feedback_prompt"] == BOOK.feedback_prompt(r0["code"])
    assert r0["exec_feedback"] is None and r0["reflection"] is None
    assert r1["prompt"] == BOOK.refine_prompt(r0["code"], CRITIQUE) and r1["code"] == "\n" + FAST_SUM
    # Candidates still get their public-test executions, for the workbench to show.
    assert run_store.executions_for(code_sha256(r1["code"]), "p90001")


async def test_nl_exec_refine_reflects_on_the_execution_feedback(run_store: Store, engine: LocalEngine,
                                                                 client: ModelClient, good_model: TestServer) -> None:
    ids = await refine_output(run_store, engine, client, "base:1:0:0", "nl-exec-refine", 1,
                              new_run_id="base-nl-exec-refine")
    assert ids == ["base-nl-exec-refine:1:0:1"]
    r0, r1 = row(run_store, "base-nl-exec-refine:1:0:0"), row(run_store, ids[0])
    assert r0["exec_feedback"].startswith("Your solution was FULLY INCORRECT")
    assert r0["reflection"] == REFLECTION
    assert r0["feedback_prompt"] == BOOK.reflect_prompt(r0["code"], r0["exec_feedback"])
    assert r1["prompt"] == BOOK.refine_prompt(r0["code"], REFLECTION)
    assert r1["code"] == "\n" + FAST_MAX
    prompts = good_model.state.prompts()
    assert prompts == [r0["feedback_prompt"], r1["prompt"]]


async def test_a_failed_critique_fails_the_round(run_store: Store, engine: LocalEngine, client: ModelClient,
                                                 good_model: TestServer) -> None:
    good_model.state.push(error(503, "overloaded"), error(503, "overloaded"))
    summary = await refine_run(run_store, engine, client, "base", "self-refine", 1, concurrency=1,
                               new_run_id="base-self-refine")
    assert round_failures(run_store, "base-self-refine") == {
        "base-self-refine:0:0:1": "feedback: HTTP 503: overloaded (after 2 tries)"}
    assert summary.succeeded == 1  # row 1 went on


async def test_raw_completions_send_ecco_wrapped_prompts(run_store: Store, engine: LocalEngine,
                                                         server: TestServer) -> None:
    server.state.responder = lambda path, body: Reply(body={"choices": [{"text": "```python\nprint(1)\n```"}]})
    settings = fast_settings(server.url, endpoint="completions", wrapper="deepseek-coder")
    async with ModelClient(settings) as c:
        (new_id,) = await refine_output(run_store, engine, c, "base:0:0:0", "exec-refine", 1, new_run_id="raw")
    r1 = row(run_store, new_id)
    assert r1["prompt"].startswith("You are an AI programming assistant, utilizing the DeepSeek Coder model")
    assert r1["prompt"].endswith("## Refined code that includes optimizations specified in feedback:\n### Response:\n")
    assert server.state.requests[0].body["prompt"] == r1["prompt"]


async def test_concurrent_refine_of_the_same_output_is_refused(run_store: Store, engine: LocalEngine,
                                                               client: ModelClient, good_model: TestServer) -> None:
    slow_answer = chat(f"```python\n{FAST_SUM}```")
    good_model.state.push(Reply(body=slow_answer.body, delay_s=0.5))  # keeps the first refine busy a while
    run = "base-exec-refine"  # one named run: a refine without a name would start a run of its own (#22)
    first = asyncio.create_task(refine_output(run_store, engine, client, "base:0:0:0", "exec-refine", 1,
                                              new_run_id=run))
    for _ in range(200):
        if good_model.state.requests:
            break
        await asyncio.sleep(0.01)
    assert good_model.state.requests, "the first refine never reached the model"
    with pytest.raises(RefineBusyError, match="base-exec-refine:0:0 is already being refined"):
        await refine_output(run_store, engine, client, "base:0:0:0", "exec-refine", 1, new_run_id=run)
    with pytest.raises(RefineBusyError):
        await refine_run(run_store, engine, client, "base", "exec-refine", 1, new_run_id=run)
    # Another chain of the same run is free to go meanwhile.
    assert await refine_output(run_store, engine, client, "base:1:0:0", "exec-refine", 1, new_run_id=run) == [
        "base-exec-refine:1:0:1"]
    assert await first == ["base-exec-refine:0:0:1"]
    # Once it is done, the same request finds the round stored and does nothing.
    assert await refine_output(run_store, engine, client, "base:0:0:0", "exec-refine", 1, new_run_id=run) == []


async def test_requests_that_cannot_start(run_store: Store, engine: LocalEngine, client: ModelClient) -> None:
    with pytest.raises(RefineError, match="no run named 'nope'"):
        await refine_run(run_store, engine, client, "nope", "exec-refine", 1)
    with pytest.raises(RefineError, match="unknown refinement method 'reflexion'"):
        await refine_run(run_store, engine, client, "base", "reflexion", 1)
    with pytest.raises(RefineError, match="made from the test split, not val"):
        await refine_run(run_store, engine, client, "base", "exec-refine", 1, split="val")
    with pytest.raises(RefineError, match="is the run being refined"):
        await refine_run(run_store, engine, client, "base", "exec-refine", 1, new_run_id="base")
    with pytest.raises(RefineError, match="no output 'base:9:0:0'"):
        await refine_output(run_store, engine, client, "base:9:0:0", "exec-refine", 1)


async def test_a_killed_refine_resumes_where_it_stopped(run_store: Store, engine: LocalEngine, client: ModelClient,
                                                        good_model: TestServer) -> None:
    hang = Reply(body=chat(f"```python\n{FAST_MAX}```").body, delay_s=3.0)
    good_model.state.push(chat(f"```python\n{FAST_SUM}```"), hang)  # row 0 answers, row 1 hangs
    task = asyncio.create_task(refine_run(run_store, engine, client, "base", "exec-refine", 1, concurrency=1,
                                          new_run_id="base-exec-refine"))
    for _ in range(300):
        if len(good_model.state.requests) == 2:
            break
        await asyncio.sleep(0.01)
    task.cancel()  # what Ctrl-C does to `ecco refine`
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [o.output_id for o in run_store.outputs(run_id="base-exec-refine") if o.round == 1] == [
        "base-exec-refine:0:0:1"]
    resumed = await refine_run(run_store, engine, client, "base", "exec-refine", 1, new_run_id="base-exec-refine")
    assert ([r.output_id for r in resumed.written], resumed.skipped) == (["base-exec-refine:1:0:1"], 1)
    assert len(good_model.state.requests) == 3


async def test_a_new_run_name_never_mixes_runs(run_store: Store, engine: LocalEngine, client: ModelClient,
                                               good_model: TestServer, tmp_path: Path) -> None:
    rows = [edit_output_record(r, c) for r, c in zip(EDIT_ROWS["test"], [FAST_SUM, FAST_MAX], strict=True)]
    import_outputs(run_store, write_records(tmp_path / "other.jsonl", rows), run_id="other", method="instruct")
    with pytest.raises(RefineError, match=r"run other was imported from .*: imported runs never change"):
        await refine_run(run_store, engine, client, "base", "exec-refine", 1, new_run_id="other")
    await refine_run(run_store, engine, client, "base", "exec-refine", 1, new_run_id="mine")
    with pytest.raises(RefineError, match="run mine exists but was not refined from other"):
        await refine_run(run_store, engine, client, "other", "exec-refine", 1, new_run_id="mine")
