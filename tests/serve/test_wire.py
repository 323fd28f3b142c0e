"""Judge0's wire details as ``ecco serve`` answers them: info endpoints, tokens, fields, base64, averaging,
admission (503), ``wait=true`` bounds, auth, eviction and output caps.

Behaviours that depend on exact engine results use a scripted FakeEngine (deterministic numbers, a gate to
hold runs); the rest use the shared server with the real local engine.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import httpx
import pytest

from ecco_tui.engines.base import STATUS_DESCRIPTIONS, EngineError, Limits, Status, TestCase, TestResult
from ecco_tui.serve.models import AVAILABLE_FIELDS
from tests.serve.harness import FakeEngine, ServeServer, make_result, serve_running

GOOD = {"source_code": "print(int(input()) + 1)", "language_id": 71, "stdin": "1", "expected_output": "2"}

#: Every /config_info field of the contract, by type (the official SDK refuses a server lacking one).
CONFIG_FIELDS: dict[str, type | tuple[type, ...]] = {
    **dict.fromkeys([
        "allow_enable_network", "allow_enable_per_process_and_thread_memory_limit",
        "allow_enable_per_process_and_thread_time_limit", "enable_additional_files", "enable_batched_submissions",
        "enable_callbacks", "enable_command_line_arguments", "enable_compiler_options", "enable_network",
        "enable_per_process_and_thread_memory_limit", "enable_per_process_and_thread_time_limit",
        "enable_submission_delete", "enable_wait_result", "maintenance_mode", "redirect_stderr_to_stdout",
        "use_docs_as_homepage"], bool),
    **dict.fromkeys([
        "callbacks_timeout", "cpu_extra_time", "cpu_time_limit", "max_cpu_extra_time", "max_cpu_time_limit",
        "max_wall_time_limit", "submission_cache_duration", "wall_time_limit"], float),
    **dict.fromkeys([
        "callbacks_max_tries", "max_extract_size", "max_file_size", "max_max_file_size",
        "max_max_processes_and_or_threads", "max_memory_limit", "max_number_of_runs", "max_processes_and_or_threads",
        "max_queue_size", "max_stack_limit", "max_submission_batch_size", "memory_limit", "number_of_runs",
        "stack_limit"], int),
    "allowed_languages_for_compile_options": list,
}


def fake_server(engine: FakeEngine, **settings: Any) -> Any:
    return serve_running(lambda: engine, **settings)


def script_of(results: list[dict[str, Any]]) -> Any:
    """A FakeEngine script returning the i-th scripted result on the i-th call."""

    def script(program: str, test: TestCase, limits: Limits, index: int) -> TestResult:
        return make_result(test, **results[index])

    return script


def sync_post(url: str, body: dict[str, Any], **params: str) -> dict[str, Any]:
    """POST /submissions?wait=true and return the JSON answer."""
    return httpx.post(f"{url}/submissions", params={"wait": "true", **params}, json=body, timeout=30).json()


def wait_final(url: str, token: str, deadline_s: float = 10) -> dict[str, Any]:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        result = httpx.get(f"{url}/submissions/{token}", params={"fields": "*"}).json()
        if result["status"]["id"] not in (1, 2):
            return result
        time.sleep(0.02)
    pytest.fail(f"{token} did not finish")


# ------------------------------------------------------------------------------------- info endpoints


def test_config_info_has_every_judge0_field_with_its_type(serve_server: ServeServer) -> None:
    config = httpx.get(f"{serve_server.url}/config_info").json()
    assert set(config) == set(CONFIG_FIELDS)
    wrong = {k: v for k, v in config.items() if not isinstance(v, CONFIG_FIELDS[k]) or
             (CONFIG_FIELDS[k] is int and isinstance(v, bool))}
    assert not wrong
    limits = (config["max_queue_size"], config["max_submission_batch_size"], config["max_memory_limit"])
    assert limits == (100, 20, 512000)


def test_languages_list_the_real_interpreter_and_71_as_its_alias(serve_server: ServeServer) -> None:
    languages = httpx.get(f"{serve_server.url}/languages").json()
    names = {lang["id"]: lang["name"] for lang in languages}
    assert names[71] == "Python (3.8.1)"
    honest = [i for i, name in names.items() if name == serve_server.state.info.language]
    assert len(honest) == 1 and honest[0] != 71
    alias = httpx.get(f"{serve_server.url}/languages/71").json()
    real = httpx.get(f"{serve_server.url}/languages/{honest[0]}").json()
    assert alias["run_cmd"] == real["run_cmd"] and alias["source_file"] == "script.py"


def test_the_71_alias_runs_the_real_interpreter(serve_server: ServeServer) -> None:
    body = {**GOOD, "source_code": "import platform\nprint(platform.python_version())", "expected_output": None}
    result = sync_post(serve_server.url, body)
    assert result["status"]["id"] == Status.ACCEPTED
    assert f"Python ({result['stdout'].strip()})" == serve_server.state.info.language  # an alias, not a 3.8


def test_unknown_language_detail_is_404(serve_server: ServeServer) -> None:
    response = httpx.get(f"{serve_server.url}/languages/70")
    assert response.status_code == 404
    assert response.json() == {"error": "Couldn't find Language with 'id'=70"}


def test_statuses_are_judge0s_fourteen(serve_server: ServeServer) -> None:
    statuses = httpx.get(f"{serve_server.url}/statuses").json()
    assert statuses == [{"id": i, "description": d} for i, d in sorted(STATUS_DESCRIPTIONS.items())]


def test_about_reports_judge0_version_and_what_really_runs(serve_server: ServeServer) -> None:
    about = httpx.get(f"{serve_server.url}/about").json()
    assert about["version"] == "1.13.1"
    assert about["engine"].startswith("local-") and about["language"] == serve_server.state.info.language


def test_workers_report_queue_size_and_worker_counts(serve_server: ServeServer) -> None:
    [workers] = httpx.get(f"{serve_server.url}/workers").json()
    assert workers["queue"] == "1.13.1"
    assert workers["available"] == 2 and workers["size"] == 0


# ------------------------------------------------------------------------------------ tokens and fields


def test_unknown_token_is_404(serve_server: ServeServer) -> None:
    response = httpx.get(f"{serve_server.url}/submissions/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.json() == {"error": "Couldn't find Submission"}


def test_unknown_token_in_a_batch_get_is_null_in_place(serve_server: ServeServer) -> None:
    token = sync_post(serve_server.url, GOOD)["token"]
    got = httpx.get(f"{serve_server.url}/submissions/batch", params={"tokens": f"nope,{token},gone"}).json()
    assert got["submissions"][0] is None and got["submissions"][2] is None
    assert got["submissions"][1]["token"] == token


def test_default_fields_are_judge0s(serve_server: ServeServer) -> None:
    result = httpx.post(f"{serve_server.url}/submissions", params={"wait": "true"}, json=GOOD, timeout=30).json()
    assert list(result) == ["token", "time", "memory", "stdout", "stderr", "compile_output", "message", "status"]


def test_star_fields_return_every_attribute_with_judge0_types(serve_server: ServeServer) -> None:
    result = httpx.post(f"{serve_server.url}/submissions", params={"wait": "true", "fields": "*"}, json=GOOD,
                        timeout=30).json()
    assert list(result) == list(AVAILABLE_FIELDS)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", result["created_at"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", result["finished_at"])
    assert (result["cpu_time_limit"], result["wall_time_limit"], result["memory_limit"]) == ("5.0", "10.0", 128000)
    assert isinstance(result["wall_time"], str) and result["exit_code"] == 0 and result["exit_signal"] is None
    assert result["language"] == {"id": 71, "name": "Python (3.8.1)"}


def test_base64_responses_wrap_every_60_characters_like_ruby(serve_server: ServeServer) -> None:
    body = {**GOOD, "source_code": "print('x' * 200)", "expected_output": None}
    token = sync_post(serve_server.url, body)["token"]
    raw = httpx.get(f"{serve_server.url}/submissions/{token}", params={"base64_encoded": "true"}).json()["stdout"]
    lines = raw.split("\n")
    assert raw.endswith("\n") and lines[-1] == ""
    assert all(len(line) == 60 for line in lines[:-2]) and 0 < len(lines[-2]) <= 60


def test_trailing_slash_is_ignored_on_gets(serve_server: ServeServer) -> None:
    token = httpx.post(f"{serve_server.url}/submissions/", json=GOOD).json()["token"]
    assert httpx.get(f"{serve_server.url}/submissions/{token}/").status_code == 200


def test_output_comparison_ignores_trailing_whitespace_only(serve_server: ServeServer) -> None:
    def status(source: str, expected: str) -> int:
        body = {**GOOD, "source_code": source, "expected_output": expected}
        return httpx.post(f"{serve_server.url}/submissions", params={"wait": "true"}, json=body,
                          timeout=30).json()["status"]["id"]

    assert status("print('a  ')\nprint()\nprint('b')\n\n", "a\n\nb") == Status.ACCEPTED
    assert status("print(' a')", "a") == Status.WRONG_ANSWER
    assert status("print('A')", "a") == Status.WRONG_ANSWER


# -------------------------------------------------------------------------------------- engine mapping


def test_limits_reach_the_engine_in_its_units() -> None:
    engine = FakeEngine()
    body = {**GOOD, "cpu_time_limit": 2.5, "cpu_extra_time": 0.5, "wall_time_limit": 7, "memory_limit": 256000,
            "stack_limit": 32000, "max_processes_and_or_threads": 10, "max_file_size": 2048}
    with fake_server(engine) as server:
        httpx.post(f"{server.url}/submissions", params={"wait": "true"}, json=body)
        httpx.post(f"{server.url}/submissions", params={"wait": "true"}, json=GOOD)
    assert [limits for _, _, limits in engine.calls] == [
        Limits(cpu_time_s=2.5, cpu_extra_time_s=0.5, wall_time_s=7, memory_kb=256000, stack_kb=32000,
               max_processes=10, max_file_size_kb=2048, output_cap_bytes=2048 * 1024),
        Limits(cpu_time_s=5.0, cpu_extra_time_s=1.0, wall_time_s=10.0, memory_kb=128000, stack_kb=64000,
               max_processes=60, max_file_size_kb=1024, output_cap_bytes=1024 * 1024),
    ]


def test_number_of_runs_averages_time_and_memory_like_judge0() -> None:
    engine = FakeEngine(script_of([
        {"cpu": 0.0101, "memory": 1000, "wall": 0.5, "stdout": "2\n"},
        {"cpu": 0.020, "memory": 2000, "wall": 0.6, "stdout": "2\n"},
        {"cpu": 0.031, "memory": 4001, "wall": 0.0704, "stdout": "2\n"},
    ]))
    with fake_server(engine) as server:
        result = httpx.post(f"{server.url}/submissions", params={"wait": "true", "fields": "*"},
                            json={**GOOD, "number_of_runs": 3}).json()
    assert result["status"]["id"] == 3
    assert result["time"] == repr(0.061 / 3)  # (0.010 + 0.020 + 0.031) / 3 of ms-rounded runs, as a float
    assert result["memory"] == 2333  # 7001 / 3, truncated into an integer column
    assert result["wall_time"] == "0.07"  # the last run's
    assert len(engine.calls) == 3


def test_number_of_runs_stops_at_the_first_run_that_is_not_accepted() -> None:
    engine = FakeEngine(script_of([
        {"cpu": 0.010, "memory": 1000, "stdout": "2\n"},
        {"status": Status.WRONG_ANSWER, "cpu": 0.030, "memory": 3000, "stdout": "3\n"},
        {"cpu": 0.010, "memory": 1000, "stdout": "2\n"},
    ]))
    with fake_server(engine) as server:
        result = httpx.post(f"{server.url}/submissions", params={"wait": "true"},
                            json={**GOOD, "number_of_runs": 3}).json()
    assert result["status"]["id"] == 4 and result["stdout"] == "3\n"
    assert (result["time"], result["memory"]) == ("0.02", 2000)
    assert len(engine.calls) == 2


def test_only_signal_statuses_carry_an_exit_signal_and_tle_exit_code_is_zero_as_in_judge0() -> None:
    # isolate writes exitsig only for SG (the process died by a signal on its own); bash turns a Python
    # process's signal into exit code 128+n (NZEC), and a kill at the time limit (TO) writes none.
    engine = FakeEngine(script_of([
        {"status": Status.RUNTIME_ERROR_NZEC, "exit_code": 139, "exit_signal": 11,
         "message": "Exited with error status 139"},
        {"status": Status.TIME_LIMIT_EXCEEDED, "exit_code": None, "exit_signal": 9, "cpu": 5.089,
         "message": "Time limit exceeded"},
        {"status": Status.RUNTIME_ERROR_SIGSEGV, "exit_code": None, "exit_signal": 11,
         "message": "Supervisor killed by signal 11"},
    ]))
    fields = {"fields": "status,exit_code,exit_signal,message,time", "wait": "true"}
    with fake_server(engine) as server:
        nzec, tle, segv = (httpx.post(f"{server.url}/submissions", params=fields, json=GOOD).json() for _ in range(3))
    assert (nzec["status"]["id"], nzec["exit_code"], nzec["exit_signal"]) == (11, 139, None)
    assert (tle["status"]["id"], tle["exit_code"], tle["exit_signal"], tle["time"]) == (5, 0, None, "5.089")
    assert (segv["status"]["id"], segv["exit_code"], segv["exit_signal"]) == (7, 0, 11)


def test_a_run_that_prints_nothing_fails_any_expected_output_as_in_judge0(serve_server: ServeServer) -> None:
    # isolate_job.rb stores an empty stdout as nil, and strip(nil) equals no string, not even "".
    def status(source: str, expected: str | None) -> int:
        body = {**GOOD, "source_code": source, "stdin": "", "expected_output": expected}
        return sync_post(serve_server.url, body)["status"]["id"]

    assert status("pass", "") == Status.WRONG_ANSWER
    assert status("pass", "\n") == Status.WRONG_ANSWER
    assert status("pass", None) == Status.ACCEPTED
    assert status("print()", "") == Status.ACCEPTED  # "\n" is not empty: strip("\n") == strip("") == ""


def test_an_engine_failure_is_an_internal_error_and_the_server_carries_on() -> None:
    calls = []

    def script(program: str, test: TestCase, limits: Limits, index: int) -> TestResult:
        calls.append(index)
        if index == 0:
            raise EngineError("sandbox missing")
        return make_result(test, stdout="2\n")

    with fake_server(FakeEngine(script)) as server:
        first = httpx.post(f"{server.url}/submissions", params={"wait": "true"}, json=GOOD).json()
        second = httpx.post(f"{server.url}/submissions", params={"wait": "true"}, json=GOOD).json()
    assert first["status"] == {"id": 13, "description": "Internal Error"}
    assert first["message"] == "engine error: sandbox missing"
    assert second["status"]["id"] == 3


# ----------------------------------------------------------------------------- admission and waiting


def test_queue_full_is_503_and_frees_up_as_submissions_finish() -> None:
    gate = threading.Event()
    with fake_server(FakeEngine(gate=gate), max_queue=3, workers=1) as server:
        tokens = [httpx.post(f"{server.url}/submissions", json=GOOD).json()["token"] for _ in range(3)]
        refused = httpx.post(f"{server.url}/submissions", json=GOOD)
        refused_sync = httpx.post(f"{server.url}/submissions", params={"wait": "true"}, json=GOOD)
        refused_batch = httpx.post(f"{server.url}/submissions/batch", json={"submissions": [GOOD]})
        queued = httpx.get(f"{server.url}/workers").json()[0]
        gate.set()
        finals = [wait_final(server.url, t)["status"]["id"] for t in tokens]
        after = httpx.post(f"{server.url}/submissions", json=GOOD)
    for response in (refused, refused_sync, refused_batch):
        assert response.status_code == 503 and response.json() == {"error": "queue is full"}
    assert (queued["size"], queued["working"]) == (2, 1)
    assert finals == [3, 3, 3]
    assert after.status_code == 201


def test_wait_true_is_bounded_and_then_answers_the_current_status() -> None:
    gate = threading.Event()
    with fake_server(FakeEngine(gate=gate), wait_timeout_s=0.3) as server:
        started = time.monotonic()
        response = httpx.post(f"{server.url}/submissions", params={"wait": "true", "fields": "token,status"},
                              json=GOOD)
        waited = time.monotonic() - started
        gate.set()
        final = wait_final(server.url, response.json()["token"])
    assert response.status_code == 201
    assert response.json()["status"]["id"] == 2
    assert 0.25 < waited < 2
    assert final["status"]["id"] == 3


# ---------------------------------------------------------------------------------------------- auth


def test_auth_is_401_with_an_empty_body_on_every_endpoint() -> None:
    with fake_server(FakeEngine(), auth_token="secret") as server:
        responses = [httpx.get(f"{server.url}{path}") for path in ("/about", "/config_info", "/languages")]
        responses.append(httpx.post(f"{server.url}/submissions", json=GOOD, headers={"X-Auth-Token": "wrong"}))
    assert [(r.status_code, r.content) for r in responses] == [(401, b"")] * 4


def test_auth_token_in_the_header_is_200_and_several_tokens_are_allowed() -> None:
    with fake_server(FakeEngine(), auth_token="one two") as server:
        first = httpx.get(f"{server.url}/about", headers={"X-Auth-Token": "one"})
        second = httpx.get(f"{server.url}/about", headers={"X-Auth-Token": "two"})
        authenticate = httpx.post(f"{server.url}/authenticate", headers={"X-Auth-Token": "one"})
    assert (first.status_code, second.status_code, authenticate.status_code) == (200, 200, 200)


def test_auth_token_only_in_the_query_string_is_401_like_a_missing_one() -> None:
    engine = FakeEngine()
    with fake_server(engine, auth_token="secret") as server:
        about = httpx.get(f"{server.url}/about", params={"X-Auth-Token": "secret"})
        submit = httpx.post(f"{server.url}/submissions", params={"wait": "true", "X-Auth-Token": "secret"},
                            json=GOOD)
    assert [(r.status_code, r.content) for r in (about, submit)] == [(401, b"")] * 2
    assert engine.calls == []


# ---------------------------------------------------------------------------------- bounded memory


def test_finished_submissions_beyond_the_count_bound_are_evicted_oldest_first() -> None:
    with fake_server(FakeEngine(), max_finished=3) as server:
        tokens = [httpx.post(f"{server.url}/submissions", params={"wait": "true"}, json=GOOD).json()["token"]
                  for _ in range(5)]
        codes = [httpx.get(f"{server.url}/submissions/{t}").status_code for t in tokens]
    assert codes == [404, 404, 200, 200, 200]


def test_finished_submissions_expire_after_the_ttl() -> None:
    with fake_server(FakeEngine(), finished_ttl_s=0.2) as server:
        token = httpx.post(f"{server.url}/submissions", params={"wait": "true"}, json=GOOD).json()["token"]
        fresh = httpx.get(f"{server.url}/submissions/{token}").status_code
        time.sleep(0.3)
        expired = httpx.get(f"{server.url}/submissions/{token}").status_code
        state = server.state
    assert (fresh, expired) == (200, 404)
    assert len(state.store) == 0 and state.store.evicted == 1


def test_finished_submissions_beyond_the_byte_budget_are_evicted() -> None:
    engine = FakeEngine(lambda p, t, lim, i: make_result(t, stdout="y" * 4000))
    with fake_server(engine, max_store_bytes=12_000) as server:
        tokens = [httpx.post(f"{server.url}/submissions", params={"wait": "true"}, json=GOOD).json()["token"]
                  for _ in range(5)]
        codes = [httpx.get(f"{server.url}/submissions/{t}").status_code for t in tokens]
        kept = server.state.store.finished_bytes
    assert codes[:2] == [404, 404] and codes[-1] == 200
    assert kept <= 12_000


def test_stored_output_is_capped_but_the_verdict_is_the_engines() -> None:
    engine = FakeEngine(lambda p, t, lim, i: make_result(t, Status.WRONG_ANSWER, stdout="é" * 3000,
                                                         stderr="e" * 5000))
    with fake_server(engine, max_output_bytes=1001) as server:
        result = httpx.post(f"{server.url}/submissions", params={"wait": "true"}, json=GOOD).json()
    assert result["status"]["id"] == 4
    assert result["stdout"] == "é" * 500  # cut on a character boundary
    assert result["stderr"] == "e" * 1001
