"""ECCO's evaluation flow against ``ecco serve``, written from the wire format alone (plain httpx, base64,
JSON; no project client code): synchronous ``wait=true``, ``wait=false`` with polling, and batches.

What ECCO sends per test: language_id 71, stdin, expected_output, number_of_runs, wall_time_limit 20,
memory_limit 512000; it reads status, time, memory, stdout and stderr.
"""

from __future__ import annotations

import base64
import time
from typing import Any

import httpx
import pytest

from tests.serve.harness import ServeServer

SUM_PROGRAM = "a, b = map(int, input().split())\nprint(a + b)\n"
#: (stdin, expected_output) of a small ECCO-like problem.
TESTS = [("1 2\n", "3\n"), ("10 20\n", "30\n"), ("-5 5\n", "0\n")]
WIRE_FIELDS = {"status", "time", "memory", "stdout", "stderr"}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def unb64(text: str | None) -> str | None:
    return None if text is None else base64.b64decode("".join(text.split())).decode()


def ecco_body(program: str, stdin: str, expected: str, runs: int = 3) -> dict[str, Any]:
    return {"source_code": b64(program), "language_id": 71, "stdin": b64(stdin), "expected_output": b64(expected),
            "number_of_runs": runs, "wall_time_limit": 20, "memory_limit": 512000}


def assert_measured(result: dict[str, Any]) -> None:
    """time is a decimal string, memory an integer KB: what ECCO's float(res['time']) needs."""
    assert isinstance(result["time"], str) and 0 < float(result["time"]) < 5
    assert isinstance(result["memory"], int) and result["memory"] > 0


def poll(client: httpx.Client, token: str, deadline_s: float = 30) -> tuple[dict[str, Any], list[int]]:
    seen: list[int] = []
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        result = client.get(f"/submissions/{token}", params={"base64_encoded": "true"}).json()
        seen.append(result["status"]["id"])
        if seen[-1] not in (1, 2):
            return result, seen
        time.sleep(0.02)
    pytest.fail(f"submission {token} did not finish within {deadline_s} s (statuses {seen})")


def test_synchronous_flow_accepts_every_test_with_measurements(serve_server: ServeServer) -> None:
    with httpx.Client(base_url=serve_server.url, timeout=60) as client:
        for stdin, expected in TESTS:
            response = client.post("/submissions", params={"base64_encoded": "true", "wait": "true"},
                                   json=ecco_body(SUM_PROGRAM, stdin, expected))
            assert response.status_code == 201
            result = response.json()
            assert set(result) >= WIRE_FIELDS
            assert result["status"] == {"id": 3, "description": "Accepted"}
            assert unb64(result["stdout"]) == expected
            assert result["stderr"] is None
            assert_measured(result)


def test_synchronous_flow_reports_wrong_answer_with_stdout(serve_server: ServeServer) -> None:
    with httpx.Client(base_url=serve_server.url, timeout=60) as client:
        result = client.post("/submissions", params={"base64_encoded": "true", "wait": "true"},
                             json=ecco_body(SUM_PROGRAM, "1 2\n", "4\n")).json()
    assert result["status"]["id"] == 4
    assert unb64(result["stdout"]) == "3\n"
    assert_measured(result)  # ECCO records time and memory for accepted and wrong answers alike


def test_synchronous_flow_reports_runtime_error_with_stderr(serve_server: ServeServer) -> None:
    with httpx.Client(base_url=serve_server.url, timeout=60) as client:
        result = client.post("/submissions", params={"base64_encoded": "true", "wait": "true"},
                             json=ecco_body("print(1 // 0)\n", "", "1\n")).json()
    assert result["status"] == {"id": 11, "description": "Runtime Error (NZEC)"}
    assert "ZeroDivisionError" in (unb64(result["stderr"]) or "")
    assert unb64(result["message"]) == "Exited with error status 1"


def test_asynchronous_flow_polls_until_final(serve_server: ServeServer) -> None:
    program = "import time\ntime.sleep(0.3)\n" + SUM_PROGRAM
    with httpx.Client(base_url=serve_server.url, timeout=60) as client:
        tokens = []
        for stdin, expected in TESTS:
            response = client.post("/submissions", params={"base64_encoded": "true", "wait": "false"},
                                   json=ecco_body(program, stdin, expected, runs=1))
            assert response.status_code == 201
            assert set(response.json()) == {"token"}
            tokens.append(response.json()["token"])
        finals = [poll(client, token) for token in tokens]
    for (result, seen), (_, expected) in zip(finals, TESTS, strict=True):
        assert result["status"]["id"] == 3
        assert unb64(result["stdout"]) == expected
        assert_measured(result)
        assert set(seen) <= {1, 2, 3}
    assert any(1 in seen or 2 in seen for _, seen in finals)  # the 0.3 s sleep is observable while running


def test_batch_flow_creates_and_fetches_in_batches(serve_server: ServeServer) -> None:
    with httpx.Client(base_url=serve_server.url, timeout=60) as client:
        created = client.post("/submissions/batch", params={"base64_encoded": "true"},
                              json={"submissions": [ecco_body(SUM_PROGRAM, i, e) for i, e in TESTS]})
        assert created.status_code == 201
        tokens = [item["token"] for item in created.json()]
        deadline = time.monotonic() + 30
        while True:
            got = client.get("/submissions/batch", params={
                "tokens": ",".join(tokens), "base64_encoded": "true",
                "fields": "token,status,time,memory,stdout,stderr,wall_time,exit_code"}).json()["submissions"]
            if all(s["status"]["id"] not in (1, 2) for s in got) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    assert [s["token"] for s in got] == tokens
    assert [s["status"]["id"] for s in got] == [3, 3, 3]
    assert [unb64(s["stdout"]) for s in got] == [e for _, e in TESTS]
    for s in got:
        assert_measured(s)
        assert isinstance(s["wall_time"], str) and s["exit_code"] == 0


def test_eccos_own_script_request_form_encoded_with_trailing_slash(serve_server: ServeServer) -> None:
    # ECCO's judge_eval_single_test does requests.post(url + '/submissions/?wait=true', request_body):
    # a form-encoded body (every value a string), no base64, a trailing slash.
    body = {"source_code": SUM_PROGRAM, "language_id": 71, "stdin": "2 3\n", "number_of_runs": 1,
            "expected_output": "5\n", "wall_time_limit": 20, "memory_limit": 512000}
    with httpx.Client(base_url=serve_server.url, timeout=60) as client:
        response = client.post("/submissions/?wait=true", data={k: str(v) for k, v in body.items()})
    assert response.status_code == 201
    res = response.json()
    assert res["status"]["id"] in [3, 4] and res["status"]["id"] == 3
    assert float(res["time"]) > 0 and float(res["memory"]) > 0
    assert res["stdout"] == "5\n"
