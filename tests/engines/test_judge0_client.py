"""Judge0Engine against real loopback servers: every behaviour goes over real HTTP.

Nothing in the client is patched. Tests taking ``judge0_server`` run twice: against the Judge0 replay server
and against ``ecco serve`` (the local engine behind Judge0's API), with the same assertions; each server's
request log (answers included) is what the assertions read to see what went over the wire. Tests taking
``judge0_replay`` script a situation a correct server never produces, and say so in their ``replay_only``
marker.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ecco_tui.engines.base import Engine, Limits, Status, TestCase, TestResult
from ecco_tui.engines.judge0 import (
    RESULT_FIELDS,
    Judge0AuthError,
    Judge0ConnectionError,
    Judge0Engine,
    Judge0Error,
    Judge0LanguageError,
    Judge0Maxima,
    Judge0ResultTimeoutError,
    Judge0TimeoutError,
    Judge0UnavailableError,
    Judge0ValidationError,
    decode_b64,
    pick_python_language,
)
from tests.engines.conftest import Judge0Server, ReplayServer
from tests.engines.judge0_replay_server import Outcome, SubmissionView, free_port

DOUBLE = "n = int(input())\nprint(n * 2)\n"
SLEEPY = "import time\ntime.sleep({s})\nn = int(input())\nprint(n * 2)\n"


def make_engine(url: str, **options: Any) -> Judge0Engine:
    """An engine with tiny poll and retry intervals so tests stay fast."""
    defaults: dict[str, Any] = {
        "poll_initial_s": 0.005,
        "poll_max_s": 0.02,
        "retry_initial_s": 0.005,
        "retry_max_s": 0.02,
        "request_timeout_s": 30.0,
    }
    defaults.update(options)
    return Judge0Engine(url, **defaults)


def make_tests(n: int, expected: Any = None) -> list[TestCase]:
    """n tests of DOUBLE: input i, expected 2*i (or ``expected(i)`` when given)."""
    return [TestCase("p1", "public", i, f"{i}\n", f"{i * 2}\n" if expected is None else expected(i)) for i in range(n)]


async def collect(engine: Judge0Engine, program: str, tests: list[TestCase], **kw: Any) -> list[TestResult]:
    return [r async for r in engine.run(program, tests, **kw)]


def accepted(view: SubmissionView) -> Outcome:
    """Scripted verdict: Accepted, echoing the expected output, without running anything."""
    return Outcome(status_id=3, stdout=view.expected_output)


def polled(server: Judge0Server) -> list[dict[str, Any]]:
    """Every submission the server answered to the client's batch GETs, in order."""
    return [s for r in server.requests_to("GET", "/submissions/batch") for s in (r.response or {})["submissions"]]


# ------------------------------------------------------------------------------------------- verdicts


async def test_accepted_result_carries_stdout_time_and_memory(judge0_server: Judge0Server) -> None:
    async with make_engine(judge0_server.url) as engine:
        [result] = await collect(engine, DOUBLE, make_tests(1))
    assert result.status_id == Status.ACCEPTED
    assert result.status_description == "Accepted"
    assert result.stdout == "0\n"
    assert isinstance(result.cpu_time_s, float) and 0 <= result.cpu_time_s < 5
    assert isinstance(result.wall_time_s, float) and result.wall_time_s > 0
    if judge0_server.kind == "replay":
        assert result.memory_kb == 3700  # the replay server's fixed figure
    else:
        assert result.memory_kb is not None and 1000 < result.memory_kb < 128_000  # a real max RSS
    assert result.exit_code == 0


async def test_wrong_answer_result(judge0_server: Judge0Server) -> None:
    tests = make_tests(1, expected=lambda i: "not it\n")
    async with make_engine(judge0_server.url) as engine:
        [result] = await collect(engine, DOUBLE, tests)
    assert result.status_id == Status.WRONG_ANSWER
    assert result.stdout == "0\n"


async def test_runtime_error_result_has_exit_code_and_stderr(judge0_server: Judge0Server) -> None:
    program = "import sys\nsys.stderr.write('boom')\nsys.exit(3)\n"
    async with make_engine(judge0_server.url) as engine:
        [result] = await collect(engine, program, make_tests(1))
    assert result.status_id == Status.RUNTIME_ERROR_NZEC
    assert result.exit_code == 3
    assert result.stderr == "boom"
    assert result.message == "Exited with error status 3"


async def test_time_limit_exceeded_result(judge0_server: Judge0Server) -> None:
    limits = Limits(cpu_time_s=0.3, cpu_extra_time_s=0.2, wall_time_s=2)
    async with make_engine(judge0_server.url) as engine:
        [result] = await collect(engine, "while True:\n    pass\n", make_tests(1), limits=limits)
    assert result.status_id == Status.TIME_LIMIT_EXCEEDED
    assert result.cpu_time_s is not None and result.cpu_time_s >= 0.3
    assert (result.exit_code, result.exit_signal) == (0, None)  # isolate's TO: no exit code, no exitsig


async def test_a_program_that_prints_nothing_fails_any_expected_output(judge0_server: Judge0Server) -> None:
    # Judge0 stores an empty stdout as nil, and strip(nil) equals no expected output, not even "".
    tests = [TestCase("p", "public", i, "", expected) for i, expected in enumerate(["", "\n", None])]
    async with make_engine(judge0_server.url) as engine:
        results = await collect(engine, "pass\n", tests)
    by_index = {r.test.index: r.status_id for r in results}
    assert by_index == {0: Status.WRONG_ANSWER, 1: Status.WRONG_ANSWER, 2: Status.ACCEPTED}


@pytest.mark.replay_only("scripts a Wrong Answer whose stdout matches the expected output; no correct server says that")
async def test_judge0_verdict_is_trusted_over_local_comparison(judge0_replay: ReplayServer) -> None:
    judge0_replay.state.outcome = lambda view: Outcome(status_id=4, stdout=view.expected_output)
    async with make_engine(judge0_replay.url) as engine:
        [result] = await collect(engine, DOUBLE, make_tests(1))
    assert result.status_id == Status.WRONG_ANSWER
    assert result.stdout == "0\n"


async def test_expected_output_is_sent_so_judge0_compares(judge0_server: Judge0Server) -> None:
    async with make_engine(judge0_server.url) as engine:
        await collect(engine, DOUBLE, make_tests(1))
    [post] = judge0_server.requests_to("POST", "/submissions/batch")
    [submission] = post.body["submissions"]
    assert decode_b64(submission["expected_output"]) == "0\n"
    assert decode_b64(submission["stdin"]) == "0\n"
    assert decode_b64(submission["source_code"]) == DOUBLE


# ------------------------------------------------------------------------------------------ wire format


async def test_base64_encoded_true_and_result_fields_are_sent_explicitly(judge0_server: Judge0Server) -> None:
    async with make_engine(judge0_server.url) as engine:
        results = await collect(engine, DOUBLE, make_tests(2))
    assert all(r.accepted for r in results)
    submission_requests = [r for r in judge0_server.requests if r.path.startswith("/submissions")]
    assert submission_requests
    assert all(r.query.get("base64_encoded") == "true" for r in submission_requests)
    gets = judge0_server.requests_to("GET", "/submissions/batch")
    assert gets and all(r.query["fields"] == RESULT_FIELDS for r in gets)


async def test_unfinished_submission_is_polled_until_final(judge0_server: Judge0Server) -> None:
    async with make_engine(judge0_server.url) as engine:
        [result] = await collect(engine, SLEEPY.format(s=0.3), make_tests(1))
    assert result.status_id == Status.ACCEPTED
    statuses = [s["status"]["id"] for s in polled(judge0_server)]
    assert statuses[-1] == Status.ACCEPTED
    assert len(statuses) >= 2 and set(statuses[:-1]) <= {Status.IN_QUEUE, Status.PROCESSING}


@pytest.mark.replay_only("scripts the exact In Queue/Processing answers; a real server's depend on timing")
async def test_status_progression_in_queue_processing_is_polled_until_final(
    judge0_replay: ReplayServer,
) -> None:
    judge0_replay.state.progression = [1, 1, 2, 2]
    judge0_replay.state.outcome = accepted
    async with make_engine(judge0_replay.url) as engine:
        [result] = await collect(engine, DOUBLE, make_tests(1))
    assert result.status_id == Status.ACCEPTED
    assert len(judge0_replay.state.requests_to("GET", "/submissions/batch")) == 5


async def test_string_times_are_parsed_to_floats(judge0_server: Judge0Server) -> None:
    async with make_engine(judge0_server.url) as engine:
        [result] = await collect(engine, DOUBLE, make_tests(1))
    final = polled(judge0_server)[-1]
    assert isinstance(final["time"], str) and isinstance(final["wall_time"], str)  # decimal strings on the wire
    assert isinstance(final["memory"], int)
    assert result.cpu_time_s == pytest.approx(float(final["time"]))
    assert result.wall_time_s == pytest.approx(float(final["wall_time"]))
    assert result.memory_kb == final["memory"]


@pytest.mark.replay_only("scripts an Internal Error with null time and memory (a broken box); not producible on demand")
async def test_null_times_and_memory_stay_none(judge0_replay: ReplayServer) -> None:
    judge0_replay.state.outcome = lambda view: Outcome(
        status_id=13, time=None, wall_time=None, memory=None, exit_code=None, message="box error"
    )
    async with make_engine(judge0_replay.url) as engine:
        [result] = await collect(engine, DOUBLE, make_tests(1))
    assert (result.cpu_time_s, result.wall_time_s, result.memory_kb) == (None, None, None)
    assert result.status_id == Status.INTERNAL_ERROR
    assert result.message == "box error"


async def test_base64_with_newlines_every_60_chars_is_decoded(judge0_server: Judge0Server) -> None:
    long_output = "".join(f"línea {i}: {'x' * i}\n" for i in range(40))
    program = "import sys\nfor i in range(40):\n    print(f'línea {i}: ' + 'x' * i)\nsys.stderr.write('é' * 100)\n"
    async with make_engine(judge0_server.url) as engine:
        [result] = await collect(engine, program, [TestCase("p", "public", 0, "", long_output)])
    wire = polled(judge0_server)[-1]["stdout"]
    assert "\n" in wire.rstrip("\n")  # the server really wraps
    assert result.accepted
    assert result.stdout == long_output
    assert result.stderr == "é" * 100


def test_decode_b64_tolerates_missing_padding_and_newlines() -> None:
    assert decode_b64("aGVsbG8") == "hello"  # "aGVsbG8=" without padding
    assert decode_b64("aGVs\nbG8=\n") == "hello"
    assert decode_b64(None) is None


# ------------------------------------------------------------------------------------------- batching


async def test_batches_are_chunked_by_max_submission_batch_size(judge0_server: Judge0Server) -> None:
    with judge0_server.reconfigured(max_submission_batch_size=5) as server:
        async with make_engine(server.url) as engine:
            results = await collect(engine, DOUBLE, make_tests(12))
        posts = server.requests_to("POST", "/submissions/batch")
        gets = server.requests_to("GET", "/submissions/batch")
    assert [len(p.body["submissions"]) for p in posts] == [5, 5, 2]
    assert gets and all(len(g.query["tokens"].split(",")) <= 5 for g in gets)
    assert sorted(r.test.index for r in results) == list(range(12))
    assert all(r.accepted for r in results)


@pytest.mark.replay_only("simulates an older server whose /config_info lacks max_submission_batch_size")
async def test_batch_size_defaults_to_20_when_config_info_lacks_it(judge0_replay: ReplayServer) -> None:
    del judge0_replay.state.config["max_submission_batch_size"]
    judge0_replay.state.outcome = accepted
    async with make_engine(judge0_replay.url) as engine:
        await collect(engine, DOUBLE, make_tests(25))
    posts = judge0_replay.state.requests_to("POST", "/submissions/batch")
    assert [len(p.body["submissions"]) for p in posts] == [20, 5]


@pytest.mark.replay_only("drops one chosen token at creation; ecco serve forgets only by eviction (tests/serve)")
async def test_unknown_token_in_batch_get_becomes_internal_error_result(judge0_replay: ReplayServer) -> None:
    judge0_replay.state.forget = {1}
    judge0_replay.state.outcome = accepted
    async with make_engine(judge0_replay.url) as engine:
        results = await collect(engine, DOUBLE, make_tests(3))
    by_index = {r.test.index: r for r in results}
    assert by_index[1].status_id == Status.INTERNAL_ERROR
    assert "does not know submission" in (by_index[1].message or "")
    assert by_index[0].accepted and by_index[2].accepted


async def test_results_are_yielded_in_completion_order(judge0_server: Judge0Server) -> None:
    program = "import time\nn = int(input())\ntime.sleep(0.6 if n == 0 else 0)\nprint(n * 2)\n"
    async with make_engine(judge0_server.url) as engine:
        results = await collect(engine, program, make_tests(2))
    assert [r.test.index for r in results] == [1, 0]


# ----------------------------------------------------------------------------------------------- errors


@pytest.mark.replay_only("needs a /config_info without max_memory_limit, so only the server can refuse 600000 KB")
async def test_422_raises_validation_error_with_field_messages(judge0_replay: ReplayServer) -> None:
    # The server keeps its 512000 KB bound but does not advertise it, and the client is told larger maxima,
    # so only the server can refuse.
    del judge0_replay.state.config["max_memory_limit"]
    engine = make_engine(judge0_replay.url, maxima=Judge0Maxima(max_memory_limit=10**9))
    async with engine:
        with pytest.raises(Judge0ValidationError) as caught:
            await collect(engine, DOUBLE, make_tests(1), limits=Limits(memory_kb=600_000))
    assert "memory_limit: must be less than or equal to 512000" in str(caught.value)
    assert caught.value.errors == {"memory_limit": ["must be less than or equal to 512000"]}


async def test_server_422_on_memory_below_minimum_raises_validation_error(judge0_server: Judge0Server) -> None:
    # The client is told a looser minimum than Judge0's, so only the server can refuse.
    engine = make_engine(judge0_server.url, maxima=Judge0Maxima(min_memory_limit=0))
    async with engine:
        with pytest.raises(Judge0ValidationError) as caught:
            await collect(engine, DOUBLE, make_tests(1), limits=Limits(memory_kb=1000))
    assert caught.value.errors == {"memory_limit": ["must be greater than or equal to 2048"]}
    assert "memory_limit: must be greater than or equal to 2048" in str(caught.value)


async def test_server_422_on_wall_time_below_one_second(judge0_server: Judge0Server) -> None:
    engine = make_engine(judge0_server.url, maxima=Judge0Maxima(min_wall_time_limit=0))
    async with engine:
        with pytest.raises(Judge0ValidationError) as caught:
            await collect(engine, DOUBLE, make_tests(1), limits=Limits(wall_time_s=0.5))
    assert caught.value.errors == {"wall_time_limit": ["must be greater than or equal to 1"]}


async def test_wrong_auth_token_raises_auth_error_naming_the_header(judge0_server: Judge0Server) -> None:
    with judge0_server.reconfigured(auth_token="secret") as server:
        async with make_engine(server.url, auth_token="wrong") as engine:
            with pytest.raises(Judge0AuthError, match=r"401.*X-Auth-Token"):
                await engine.info()


async def test_missing_auth_token_says_one_is_required(judge0_server: Judge0Server) -> None:
    with judge0_server.reconfigured(auth_token="secret") as server:
        async with make_engine(server.url) as engine:
            with pytest.raises(Judge0AuthError, match="requires an auth token"):
                await engine.info()


async def test_auth_token_is_sent_in_configured_header(judge0_server: Judge0Server) -> None:
    with judge0_server.reconfigured(auth_token="secret", auth_header="X-Judge0-Token") as server:
        async with make_engine(server.url, auth_token="secret", auth_header="X-Judge0-Token") as engine:
            [result] = await collect(engine, DOUBLE, make_tests(1))
        requests = server.requests
    assert result.accepted
    assert requests and all(r.headers.get("x-judge0-token") == "secret" for r in requests)


@pytest.mark.replay_only("an authorizing gateway; CE checks X-Auth-User only on admin routes the client never uses")
async def test_wrong_auth_user_raises_authorization_error(judge0_replay: ReplayServer) -> None:
    judge0_replay.state.auth_user = "admin"
    async with make_engine(judge0_replay.url, auth_user="nobody") as engine:
        with pytest.raises(Judge0AuthError, match=r"403.*X-Auth-User"):
            await engine.info()


@pytest.mark.replay_only("injects 503 queue-full answers; the client's in-flight cap keeps it below a real queue bound")
async def test_503_queue_full_then_success_is_retried(judge0_replay: ReplayServer) -> None:
    judge0_replay.state.queue_full_first = 2
    judge0_replay.state.outcome = accepted
    async with make_engine(judge0_replay.url) as engine:
        [result] = await collect(engine, DOUBLE, make_tests(1))
    assert result.accepted
    assert len(judge0_replay.state.requests_to("POST", "/submissions/batch")) == 3


@pytest.mark.replay_only("injects 503 queue-full answers forever")
async def test_503_forever_raises_clear_queue_full_error(judge0_replay: ReplayServer) -> None:
    judge0_replay.state.queue_full_first = 1000
    async with make_engine(judge0_replay.url, max_retries=2) as engine:
        with pytest.raises(Judge0UnavailableError, match="queue is full") as caught:
            await collect(engine, DOUBLE, make_tests(1))
    assert "after 2 retries" in str(caught.value)
    assert len(judge0_replay.state.requests_to("POST", "/submissions/batch")) == 3


@pytest.mark.replay_only("maintenance mode is a Judge0 operator switch; ecco serve has none")
async def test_maintenance_mode_raises_unavailable_error(judge0_replay: ReplayServer) -> None:
    judge0_replay.state.maintenance = True
    async with make_engine(judge0_replay.url, max_retries=1) as engine:
        with pytest.raises(Judge0UnavailableError, match="maintenance"):
            await collect(engine, DOUBLE, make_tests(1))


@pytest.mark.replay_only("injects a gateway's 429; Judge0 CE itself never rate-limits")
async def test_429_retry_after_is_honoured(judge0_replay: ReplayServer) -> None:
    judge0_replay.state.rate_limit_first = 1
    judge0_replay.state.retry_after = "1"
    async with make_engine(judge0_replay.url) as engine:
        info = await engine.info()
    assert info.name == "judge0"
    first, second = judge0_replay.state.requests[:2]
    assert first.path == second.path == "/config_info"
    assert second.at - first.at >= 0.9  # the backoff alone would have been 5 ms


@pytest.mark.replay_only("injects a gateway's 429; Judge0 CE itself never rate-limits")
async def test_429_with_retry_after_beyond_cap_fails_at_once(judge0_replay: ReplayServer) -> None:
    judge0_replay.state.rate_limit_first = 1
    judge0_replay.state.retry_after = "3600"
    async with make_engine(judge0_replay.url, max_retry_after_s=60) as engine:
        with pytest.raises(Judge0UnavailableError, match="retry after 3600 s"):
            await engine.info()
    assert len(judge0_replay.state.requests) == 1


async def test_connection_refused_raises_cannot_reach_error() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    async with make_engine(url) as engine:
        with pytest.raises(Judge0ConnectionError, match=f"cannot reach Judge0 at {url}"):
            await engine.info()


@pytest.mark.replay_only("injects a response delay on every endpoint")
async def test_slow_server_raises_timeout_error_with_clear_message(judge0_replay: ReplayServer) -> None:
    judge0_replay.state.delay_s = 0.5
    async with make_engine(judge0_replay.url, request_timeout_s=0.1) as engine:
        with pytest.raises(Judge0TimeoutError, match=r"cannot reach Judge0 at .*within 0\.1 s"):
            await engine.info()


async def test_submission_that_never_finishes_raises_result_timeout(judge0_server: Judge0Server) -> None:
    async with make_engine(judge0_server.url, result_timeout_s=0.1) as engine:
        with pytest.raises(Judge0ResultTimeoutError, match="workers"):
            await collect(engine, SLEEPY.format(s=0.6), make_tests(1))


async def test_limits_beyond_maxima_are_refused_before_any_request(judge0_server: Judge0Server) -> None:
    async with make_engine(judge0_server.url) as engine:
        with pytest.raises(Judge0ValidationError) as caught:
            engine.run(DOUBLE, make_tests(1), Limits(cpu_time_s=16, memory_kb=600_000, wall_time_s=0.5))
    assert set(caught.value.errors) == {"cpu_time_limit", "memory_limit", "wall_time_limit"}
    assert "cpu_time_limit: must be less than or equal to 15" in str(caught.value)
    assert judge0_server.requests == []


async def test_limits_beyond_advertised_maxima_are_refused_before_sending(judge0_server: Judge0Server) -> None:
    # The client is told larger maxima; /config_info's max_memory_limit is what stops it.
    async with make_engine(judge0_server.url, maxima=Judge0Maxima(max_memory_limit=10**9)) as engine:
        with pytest.raises(Judge0ValidationError, match="memory_limit"):
            await collect(engine, DOUBLE, make_tests(1), limits=Limits(memory_kb=600_000))
    assert judge0_server.requests_to("GET", "/config_info")
    assert judge0_server.requests_to("POST", "/submissions/batch") == []


async def test_number_of_runs_beyond_maximum_is_refused_before_any_request(judge0_server: Judge0Server) -> None:
    async with make_engine(judge0_server.url, number_of_runs=21) as engine:
        with pytest.raises(Judge0ValidationError, match="number_of_runs"):
            engine.run(DOUBLE, make_tests(1))
    assert judge0_server.requests == []


async def test_limits_map_to_judge0_request_fields(judge0_server: Judge0Server) -> None:
    limits = Limits(
        cpu_time_s=2.5,
        cpu_extra_time_s=0.5,
        wall_time_s=7,
        memory_kb=256_000,
        stack_kb=32_000,
        max_processes=10,
        max_file_size_kb=2048,
    )
    async with make_engine(judge0_server.url) as engine:
        [result] = await collect(engine, DOUBLE, make_tests(1), limits=limits)
    assert result.accepted
    [post] = judge0_server.requests_to("POST", "/submissions/batch")
    sent = post.body["submissions"][0]
    assert {k: sent[k] for k in sent if k.endswith(("limit", "time", "threads", "size"))} == {
        "cpu_time_limit": 2.5,
        "cpu_extra_time": 0.5,
        "wall_time_limit": 7,
        "memory_limit": 256_000,
        "stack_limit": 32_000,
        "max_processes_and_or_threads": 10,
        "max_file_size": 2048,
    }


# ----------------------------------------------------------------------------------- language and info


async def test_language_is_resolved_by_name_preferring_newest_python3(judge0_server: Judge0Server) -> None:
    if judge0_server.replay is not None:
        judge0_server.replay.languages += [
            {"id": 92, "name": "Python (3.11.2)"},
            {"id": 100, "name": "Python (3.12.5)"},
            {"id": 25, "name": "Python for ML (3.13.0)"},
        ]
        expected = (100, "Python (3.12.5)")
    else:
        expected = judge0_server.default_language  # the real interpreter, not the 71 "Python (3.8.1)" alias
        assert expected[0] != 71
    async with make_engine(judge0_server.url) as engine:
        info = await engine.info()
        [result] = await collect(engine, DOUBLE, make_tests(1))
    assert result.accepted
    assert info.language == expected[1]
    assert info.details["language_id"] == str(expected[0])
    [post] = judge0_server.requests_to("POST", "/submissions/batch")
    assert post.body["submissions"][0]["language_id"] == expected[0]


def test_pick_python_language_ignores_python2_and_variants() -> None:
    languages = [
        {"id": 70, "name": "Python (2.7.17)"},
        {"id": 71, "name": "Python (3.8.1)"},
        {"id": 10, "name": "Python (3.10)"},
        {"id": 25, "name": "Python for ML (3.13.0)"},
    ]
    assert pick_python_language(languages) == (10, "Python (3.10)")


async def test_language_id_override_is_used(judge0_server: Judge0Server) -> None:
    lang_id, lang_name = judge0_server.other_python
    assert (lang_id, lang_name) != judge0_server.default_language
    async with make_engine(judge0_server.url, language_id=lang_id) as engine:
        info = await engine.info()
        await collect(engine, DOUBLE, make_tests(1))
    assert (info.language, info.details["language_id"]) == (lang_name, str(lang_id))
    [post] = judge0_server.requests_to("POST", "/submissions/batch")
    assert post.body["submissions"][0]["language_id"] == lang_id
    assert judge0_server.requests_to("GET", "/languages") == []


async def test_unknown_language_id_override_is_a_language_error(judge0_server: Judge0Server) -> None:
    async with make_engine(judge0_server.url, language_id=9999) as engine:
        with pytest.raises(Judge0LanguageError, match="no language id 9999"):
            await engine.info()


async def test_info_reports_judge0_version_url_and_language(judge0_server: Judge0Server) -> None:
    async with make_engine(judge0_server.url) as engine:
        info = await engine.info()
    assert info.name == "judge0"
    host = judge0_server.url.split("://", 1)[1].rstrip("/")
    lang_id, lang_name = judge0_server.default_language
    # `ecco serve` names the sandbox behind it in /about: its results are never mixed with a real Judge0's.
    served_by = "" if judge0_server.about_engine is None else f"+{judge0_server.about_engine}"
    assert info.version == f"judge0-1.13.1{served_by}@{host}/{lang_id}:{lang_name}"
    assert info.language == lang_name
    assert info.details == {"url": judge0_server.url, "language_id": str(lang_id)}


async def test_engine_satisfies_the_engine_protocol(judge0_server: Judge0Server) -> None:
    async with make_engine(judge0_server.url) as engine:
        assert isinstance(engine, Engine)


# ------------------------------------------------------------------------------------ repeat and runs


async def test_repeat_gives_k_results_per_test(judge0_server: Judge0Server) -> None:
    async with make_engine(judge0_server.url) as engine:
        results = await collect(engine, DOUBLE, make_tests(2), repeat=3)
    assert sorted((r.test.index, r.repeat_index) for r in results) == [(i, k) for i in range(2) for k in range(3)]
    assert all(r.accepted for r in results)
    assert judge0_server.created() == 6


async def test_number_of_runs_is_forwarded_to_judge0(judge0_server: Judge0Server) -> None:
    async with make_engine(judge0_server.url, number_of_runs=3) as engine:
        results = await collect(engine, DOUBLE, make_tests(2))
        info = await engine.info()
    assert len(results) == 2  # Judge0 averages the runs itself: one result per test
    assert all(r.accepted for r in results)
    [post] = judge0_server.requests_to("POST", "/submissions/batch")
    assert [s["number_of_runs"] for s in post.body["submissions"]] == [3, 3]
    assert info.details["number_of_runs"] == "3"


# ------------------------------------------------------------------------------------------ concurrency


async def test_one_engine_serves_concurrent_runs(judge0_server: Judge0Server) -> None:
    async with make_engine(judge0_server.url, batch_size=3, max_in_flight=4) as engine:
        runs = await asyncio.gather(*(collect(engine, DOUBLE, make_tests(7)) for _ in range(4)))
    assert [sorted(r.test.index for r in run) for run in runs] == [list(range(7))] * 4
    assert all(r.accepted for run in runs for r in run)
    assert len(judge0_server.requests_to("GET", "/config_info")) == 1
    assert engine._in_flight == 0


async def test_closed_engine_refuses_requests(judge0_server: Judge0Server) -> None:
    engine = make_engine(judge0_server.url)
    await engine.aclose()
    with pytest.raises(Judge0Error, match="closed"):
        await engine.info()
    assert judge0_server.requests == []
