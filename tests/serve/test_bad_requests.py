"""Malformed and hostile requests get a 4xx with a clear message, and the server keeps serving after each.

Field-level problems are 422 ``{field: [messages]}`` (Judge0's validation shape); request-level ones are
``{"error": message}`` with 400 (unparseable, wrong shape), 413 (too large) or 415 (multipart).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest

from tests.serve.harness import ServeServer, serve_running

MAX_SOURCE = 1000
MAX_BODY = 20_000
GOOD = {"source_code": "print(int(input()) + 1)", "language_id": 71, "stdin": "1", "expected_output": "2"}


@pytest.fixture(scope="module")
def strict_server() -> Iterator[ServeServer]:
    with serve_running(max_source_bytes=MAX_SOURCE, max_body_bytes=MAX_BODY) as server:
        yield server


@pytest.fixture
def client(strict_server: ServeServer) -> Iterator[httpx.Client]:
    """A client whose every test ends by proving the server still runs programs."""
    with httpx.Client(base_url=strict_server.url, timeout=30) as c:
        yield c
        after = c.post("/submissions", params={"wait": "true"}, json=GOOD)
        assert after.status_code == 201 and after.json()["status"]["id"] == 3, after.text


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_malformed_json_is_400_naming_the_problem(client: httpx.Client) -> None:
    response = client.post("/submissions", content=b'{"source_code": "print(1)", "language_id": 71',
                           headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("malformed JSON body:")


def test_deeply_nested_json_is_400(client: httpx.Client) -> None:
    response = client.post("/submissions", content=b"[" * 5000 + b"]" * 5000,
                           headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json() == {"error": "malformed JSON body: nested too deeply"}


def test_json_that_is_not_an_object_is_400(client: httpx.Client) -> None:
    response = client.post("/submissions", json=["print(1)", 71])
    assert response.status_code == 400
    assert response.json() == {"error": "the request body must be a JSON object of submission fields, not list"}


def test_wrong_types_are_422_per_field(client: httpx.Client) -> None:
    response = client.post("/submissions", json={
        "source_code": ["print(1)"], "language_id": "python", "memory_limit": "lots", "stdin": 5,
        "enable_network": {"on": True}})
    assert response.status_code == 422
    assert response.json() == {
        "source_code": ["must be a string (got list)"],
        "language_id": ["language with id python doesn't exist"],
        "memory_limit": ["is not a number"],
        "stdin": ["must be a string (got int)"],
        "enable_network": ["must be true or false (got dict)"],
    }


def test_numeric_strings_are_accepted_like_rails(client: httpx.Client) -> None:
    body = {**GOOD, "language_id": "71", "cpu_time_limit": "2.5", "memory_limit": " 256000 "}
    response = client.post("/submissions", params={"wait": "true", "fields": "status,memory"}, json=body)
    assert response.status_code == 201
    assert response.json()["status"]["id"] == 3


def test_unknown_fields_are_422_naming_them(client: httpx.Client) -> None:
    response = client.post("/submissions", json={**GOOD, "memory_limt": 256000})
    assert response.status_code == 422
    assert response.json() == {"memory_limt": ["is not a Judge0 submission field (ecco serve refuses unknown fields)"]}


def test_unknown_fields_are_ignored_when_configured_like_judge0() -> None:
    with serve_running(unknown_fields="ignore") as server:
        response = httpx.post(f"{server.url}/submissions", params={"wait": "true"},
                              json={**GOOD, "memory_limt": 256000}, timeout=30)
    assert response.status_code == 201 and response.json()["status"]["id"] == 3


def test_oversized_source_is_422_with_the_limit(client: httpx.Client) -> None:
    source = "x = 1\n" * (MAX_SOURCE // 6 + 1)
    response = client.post("/submissions", json={**GOOD, "source_code": source})
    assert response.status_code == 422
    assert response.json() == {"source_code": [f"is too long (maximum is {MAX_SOURCE} bytes)"]}


def test_oversized_body_is_413_before_it_is_read(client: httpx.Client) -> None:
    response = client.post("/submissions", json={**GOOD, "stdin": "1" * MAX_BODY})
    assert response.status_code == 413
    assert "more than the 20000 bytes allowed" in response.json()["error"]


def test_oversized_chunked_body_is_413(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"stdin": "'
        for _ in range(30):
            yield b"1" * 1000
        yield b'"}'

    response = client.post("/submissions", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "more than the 20000 bytes allowed" in response.json()["error"]


def test_invalid_base64_is_422_on_that_field(client: httpx.Client) -> None:
    body = {**GOOD, "source_code": b64("print(2)"), "stdin": "not base64!", "expected_output": b64("2")}
    response = client.post("/submissions", params={"base64_encoded": "true"}, json=body)
    assert response.status_code == 422
    assert response.json() == {"stdin": ["is not valid base64 (base64_encoded=true was given)"]}


def test_base64_of_non_utf8_bytes_is_422(client: httpx.Client) -> None:
    body = {**GOOD, "source_code": base64.b64encode(b"\xff\xfeprint(1)").decode()}
    response = client.post("/submissions", params={"base64_encoded": "true"}, json=body)
    assert response.status_code == 422
    assert response.json()["source_code"] == ["is base64 of bytes that are not UTF-8 text (byte 0)"]


def test_base64_with_newlines_and_without_padding_is_accepted(client: httpx.Client) -> None:
    source = "print(int(input()) + 1)  # " + "x" * 80
    wrapped = "\n".join(b64(source)[i : i + 60] for i in range(0, len(b64(source)), 60)).rstrip("=")
    body = {**GOOD, "source_code": wrapped, "stdin": b64("1"), "expected_output": b64("2")}
    response = client.post("/submissions", params={"base64_encoded": "true", "wait": "true"}, json=body)
    assert response.status_code == 201 and response.json()["status"]["id"] == 3


def test_multipart_body_is_415(client: httpx.Client) -> None:
    response = client.post("/submissions", files={"source_code": ("a.py", b"print(1)")})
    assert response.status_code == 415
    assert "multipart" in response.json()["error"]


def test_invalid_fields_parameter_is_400(client: httpx.Client) -> None:
    response = client.post("/submissions", params={"fields": "status,nonsense,also_bad"}, json=GOOD)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid fields: [nonsense, also_bad]"}


def test_batch_without_submissions_is_400(client: httpx.Client) -> None:
    response = client.post("/submissions/batch", json={"submissions": []})
    assert response.status_code == 400
    assert response.json() == {"error": "there should be at least one submission in a batch"}


def test_batch_over_the_maximum_is_400(client: httpx.Client) -> None:
    response = client.post("/submissions/batch", json={"submissions": [GOOD] * 21})
    assert response.status_code == 400
    assert response.json() == {"error": "number of submissions in a batch should be less than or equal to 20"}


def test_batch_with_a_non_list_is_400(client: httpx.Client) -> None:
    response = client.post("/submissions/batch", json={"submissions": GOOD})
    assert response.status_code == 400
    assert response.json() == {"error": "submissions must be a JSON array, not dict"}


def test_batch_item_errors_are_per_item_and_valid_items_still_run(client: httpx.Client) -> None:
    response = client.post("/submissions/batch", json={"submissions": [GOOD, {"language_id": 71}, "print(1)"]})
    assert response.status_code == 201
    first, second, third = response.json()
    assert set(first) == {"token"}
    assert second == {"source_code": ["can't be blank"]}
    assert third == {"submission": ["must be a JSON object, not str"]}


def test_batch_where_every_item_is_invalid_is_422(client: httpx.Client) -> None:
    response = client.post("/submissions/batch", json={"submissions": [{"language_id": 1}]})
    assert response.status_code == 422
    assert response.json() == [{"source_code": ["can't be blank"], "language_id": ["language with id 1 doesn't exist"]}]


def test_empty_body_is_422_for_the_required_fields(client: httpx.Client) -> None:
    response = client.post("/submissions")
    assert response.status_code == 422
    assert response.json() == {"source_code": ["can't be blank"],
                               "language_id": ["can't be blank", "language with id  doesn't exist"]}


def test_options_the_engine_cannot_honour_are_refused_with_judge0s_messages(client: httpx.Client) -> None:
    response = client.post("/submissions", json={
        **GOOD, "enable_network": True, "command_line_arguments": "-v", "callback_url": "http://x",
        "enable_per_process_and_thread_time_limit": "true", "redirect_stderr_to_stdout": True})
    assert response.status_code == 422
    assert response.json() == {
        "enable_per_process_and_thread_time_limit": ["this option cannot be enabled"],
        "command_line_arguments": ["setting command line arguments is not allowed"],
        "callback_url": ["setting callback is not allowed"],
        "enable_network": ["enabling network is not allowed"],
        "redirect_stderr_to_stdout": ["is not supported by ecco serve (stdout and stderr are captured apart)"],
    }
