"""The project's own Judge0 client (Judge0Engine) against ``ecco serve``: the scenarios of
tests/engines/test_judge0_client.py that do not depend on replay-only knobs, now with real executions.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qs

import pytest

from ecco_tui.engines.base import Engine, Limits, Status, TestCase, TestResult
from ecco_tui.engines.judge0 import (
    RESULT_FIELDS,
    Judge0AuthError,
    Judge0Engine,
    Judge0LanguageError,
    Judge0Maxima,
    Judge0ValidationError,
)
from tests.serve.conftest import ServeServer, serve_running

DOUBLE = "n = int(input())\nprint(n * 2)\n"


def make_engine(url: str, **options: Any) -> Judge0Engine:
    """Tiny poll intervals so the tests spend their time running programs, not sleeping."""
    defaults: dict[str, Any] = {"poll_initial_s": 0.01, "poll_max_s": 0.05, "retry_initial_s": 0.01,
                                "retry_max_s": 0.05, "request_timeout_s": 30.0}
    defaults.update(options)
    return Judge0Engine(url, **defaults)


def make_tests(n: int, expected: Any = None) -> list[TestCase]:
    return [TestCase("p1", "public", i, f"{i}\n", f"{i * 2}\n" if expected is None else expected(i)) for i in range(n)]


async def collect(engine: Judge0Engine, program: str, tests: list[TestCase], **kw: Any) -> list[TestResult]:
    return [r async for r in engine.run(program, tests, **kw)]


# ------------------------------------------------------------------------------------------- verdicts


async def test_accepted_result_carries_stdout_time_and_memory(serve_server: ServeServer) -> None:
    async with make_engine(serve_server.url) as engine:
        [result] = await collect(engine, DOUBLE, make_tests(1))
    assert result.status_id == Status.ACCEPTED
    assert result.status_description == "Accepted"
    assert result.stdout == "0\n"
    assert result.cpu_time_s is not None and 0 < result.cpu_time_s < 5
    assert result.wall_time_s is not None and result.wall_time_s > 0
    assert result.memory_kb is not None and result.memory_kb > 1000
    assert result.exit_code == 0


async def test_wrong_answer_result(serve_server: ServeServer) -> None:
    async with make_engine(serve_server.url) as engine:
        [result] = await collect(engine, DOUBLE, make_tests(1, expected=lambda i: "not it\n"))
    assert result.status_id == Status.WRONG_ANSWER
    assert result.stdout == "0\n"


async def test_runtime_error_result_has_exit_code_stderr_and_message(serve_server: ServeServer) -> None:
    program = "import sys\nsys.stderr.write('boom')\nsys.exit(3)\n"
    async with make_engine(serve_server.url) as engine:
        [result] = await collect(engine, program, make_tests(1))
    assert result.status_id == Status.RUNTIME_ERROR_NZEC
    assert result.exit_code == 3
    assert result.stderr == "boom"
    assert result.message == "Exited with error status 3"


async def test_time_limit_exceeded_result(serve_server: ServeServer) -> None:
    async with make_engine(serve_server.url) as engine:
        [result] = await collect(engine, "while True:\n    pass\n", make_tests(1),
                                 limits=Limits(cpu_time_s=0.3, cpu_extra_time_s=0.2, wall_time_s=2))
    assert result.status_id == Status.TIME_LIMIT_EXCEEDED
    assert result.cpu_time_s is not None and result.cpu_time_s >= 0.3


async def test_client_sends_base64_and_result_fields_and_server_accepts_them(serve_server: ServeServer) -> None:
    async with make_engine(serve_server.url) as engine:
        results = await collect(engine, DOUBLE, make_tests(3))
    assert all(r.accepted for r in results)
    posts = serve_server.log.to("POST", "/submissions/batch")
    assert posts and all("base64_encoded=true" in p.query for p in posts)
    gets = serve_server.log.to("GET", "/submissions/batch")
    assert gets and all("fields=" in g.query for g in gets)
    assert RESULT_FIELDS.split(",")[0] == "token"


async def test_long_unicode_output_survives_base64_wrapping(serve_server: ServeServer) -> None:
    program = "for i in range(40):\n    print(f'línea {i}: ' + 'x' * i)\nimport sys\nsys.stderr.write('é' * 100)\n"
    expected = "".join(f"línea {i}: {'x' * i}\n" for i in range(40))
    async with make_engine(serve_server.url) as engine:
        [result] = await collect(engine, program, [TestCase("p", "public", 0, "", expected)])
    assert result.accepted
    assert result.stdout == expected
    assert result.stderr == "é" * 100


# ------------------------------------------------------------------------------------------- batching


async def test_batches_are_chunked_by_the_servers_max_submission_batch_size() -> None:
    with serve_running(max_submission_batch_size=5) as server:
        async with make_engine(server.url) as engine:
            results = await collect(engine, DOUBLE, make_tests(12))
        posts = server.log.to("POST", "/submissions/batch")
        gets = server.log.to("GET", "/submissions/batch")
    assert [len(p.body["submissions"]) for p in posts] == [5, 5, 2]
    assert gets and all(len(parse_qs(g.query)["tokens"][0].split(",")) <= 5 for g in gets)
    assert sorted(r.test.index for r in results) == list(range(12))
    assert all(r.accepted for r in results)


async def test_repeat_gives_k_results_per_test(serve_server: ServeServer) -> None:
    async with make_engine(serve_server.url) as engine:
        results = await collect(engine, DOUBLE, make_tests(2), repeat=3)
    assert sorted((r.test.index, r.repeat_index) for r in results) == [(i, k) for i in range(2) for k in range(3)]
    assert all(r.accepted for r in results)


async def test_number_of_runs_gives_one_averaged_result_per_test(serve_server: ServeServer) -> None:
    async with make_engine(serve_server.url, number_of_runs=3) as engine:
        results = await collect(engine, DOUBLE, make_tests(2))
    assert len(results) == 2 and all(r.accepted for r in results)
    [post] = serve_server.log.to("POST", "/submissions/batch")
    assert [s["number_of_runs"] for s in post.body["submissions"]] == [3, 3]


async def test_one_engine_serves_concurrent_runs(serve_server: ServeServer) -> None:
    async with make_engine(serve_server.url, batch_size=3, max_in_flight=4) as engine:
        runs = await asyncio.gather(*(collect(engine, DOUBLE, make_tests(4)) for _ in range(3)))
    assert [sorted(r.test.index for r in run) for run in runs] == [list(range(4))] * 3
    assert all(r.accepted for run in runs for r in run)


# ----------------------------------------------------------------------------------------------- auth


async def test_wrong_auth_token_is_refused_with_401() -> None:
    with serve_running(auth_token="secret") as server:
        async with make_engine(server.url, auth_token="wrong") as engine:
            with pytest.raises(Judge0AuthError, match=r"401.*X-Auth-Token"):
                await engine.info()


async def test_missing_auth_token_says_one_is_required() -> None:
    with serve_running(auth_token="secret") as server:
        async with make_engine(server.url) as engine:
            with pytest.raises(Judge0AuthError, match="requires an auth token"):
                await engine.info()


async def test_right_token_in_a_custom_header_runs_programs() -> None:
    with serve_running(auth_token="secret", auth_header="X-Judge0-Token") as server:
        async with make_engine(server.url, auth_token="secret", auth_header="X-Judge0-Token") as engine:
            [result] = await collect(engine, DOUBLE, make_tests(1))
    assert result.accepted


# ----------------------------------------------------------------------------------------- validation


async def test_server_422_on_memory_below_minimum_raises_validation_error(serve_server: ServeServer) -> None:
    # The client is told a looser minimum, so only the server can refuse.
    engine = make_engine(serve_server.url, maxima=Judge0Maxima(min_memory_limit=0))
    async with engine:
        with pytest.raises(Judge0ValidationError) as caught:
            await collect(engine, DOUBLE, make_tests(1), limits=Limits(memory_kb=1000))
    assert caught.value.errors == {"memory_limit": ["must be greater than or equal to 2048"]}
    assert "memory_limit: must be greater than or equal to 2048" in str(caught.value)


async def test_server_422_on_wall_time_below_one_second(serve_server: ServeServer) -> None:
    engine = make_engine(serve_server.url, maxima=Judge0Maxima(min_wall_time_limit=0))
    async with engine:
        with pytest.raises(Judge0ValidationError) as caught:
            await collect(engine, DOUBLE, make_tests(1), limits=Limits(wall_time_s=0.5))
    assert caught.value.errors == {"wall_time_limit": ["must be greater than or equal to 1"]}


async def test_limits_beyond_advertised_maxima_are_refused_before_sending(serve_server: ServeServer) -> None:
    engine = make_engine(serve_server.url, maxima=Judge0Maxima(max_memory_limit=10**9))
    async with engine:
        with pytest.raises(Judge0ValidationError, match="memory_limit"):
            await collect(engine, DOUBLE, make_tests(1), limits=Limits(memory_kb=600_000))
    assert serve_server.log.to("POST", "/submissions/batch") == []  # /config_info told the client the maximum


# ------------------------------------------------------------------------------------ language and info


async def test_language_is_resolved_to_the_honest_interpreter_entry(serve_server: ServeServer) -> None:
    async with make_engine(serve_server.url) as engine:
        info = await engine.info()
        await collect(engine, DOUBLE, make_tests(1))
    honest = serve_server.state.info.language  # e.g. "Python (3.11.7)"
    assert info.language == honest
    assert info.details["language_id"] != "71"
    [post] = serve_server.log.to("POST", "/submissions/batch")
    assert str(post.body["submissions"][0]["language_id"]) == info.details["language_id"]


async def test_language_id_71_override_runs_on_the_same_interpreter(serve_server: ServeServer) -> None:
    program = "import platform\nprint(platform.python_version())\n"
    async with make_engine(serve_server.url, language_id=71) as engine:
        info = await engine.info()
        [result] = await collect(engine, program, [TestCase("p", "public", 0, "", None)])
    assert info.language == "Python (3.8.1)"
    assert result.accepted
    assert f"Python ({result.stdout.strip()})" == serve_server.state.info.language  # an alias, not a 3.8


async def test_unknown_language_id_override_is_a_language_error(serve_server: ServeServer) -> None:
    async with make_engine(serve_server.url, language_id=70) as engine:
        with pytest.raises(Judge0LanguageError, match="no language id 70"):
            await engine.info()


async def test_info_reports_judge0_version_and_satisfies_the_protocol(serve_server: ServeServer) -> None:
    async with make_engine(serve_server.url) as engine:
        info = await engine.info()
        assert isinstance(engine, Engine)
    assert info.name == "judge0"
    # The sandbox behind `ecco serve` is part of the identity: never mixed with a real Judge0's results.
    assert info.version.startswith("judge0-1.13.1+local-")
    assert info.version.endswith(f"/{info.details['language_id']}:{info.language}")
    assert info.details["url"] == serve_server.url
