"""The OpenAI-compatible client over real loopback HTTP: every failure is a one-line value, never an exception."""

from __future__ import annotations

import socket
import time

import pytest

from ecco_tui.refine.client import ModelClient, ModelConfigError, ModelSettings
from tests.refine.conftest import TestServer, fast_settings
from tests.refine.openai_server import Reply, chat, completion, error


async def test_a_good_chat_completion(server: TestServer, client: ModelClient) -> None:
    server.state.push(chat("```python\nprint(1)\n```"))
    got = await client.complete("optimize this")
    assert got.ok and got.text == "```python\nprint(1)\n```"
    assert (got.attempts, got.finish_reason, got.usage) == (1, "stop", {"prompt_tokens": 10, "completion_tokens": 20,
                                                                      "total_tokens": 30})
    (req,) = server.state.requests
    assert req.path == "/v1/chat/completions"
    assert req.body == {"model": "test-model", "messages": [{"role": "user", "content": "optimize this"}],
                        "temperature": 0.4, "max_tokens": 1024, "n": 1}


async def test_completions_endpoint_and_a_base_url_ending_in_v1(server: TestServer) -> None:
    server.state.push(completion("```\nx = 1\n```"))
    async with ModelClient(fast_settings(server.url + "/v1/", endpoint="completions")) as c:
        got = await c.complete("raw prompt")
    assert got.text == "```\nx = 1\n```"
    (req,) = server.state.requests
    assert req.path == "/v1/completions" and req.body["prompt"] == "raw prompt" and "messages" not in req.body


async def test_the_api_key_comes_from_the_named_variable(server: TestServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECCO_TEST_KEY", "sk-secret")
    server.state.push(chat("ok"))
    settings = fast_settings(server.url, api_key_env="ECCO_TEST_KEY")
    async with ModelClient(settings) as c:
        assert (await c.complete("p")).ok
    assert server.state.requests[0].headers["authorization"] == "Bearer sk-secret"
    assert "sk-secret" not in repr(settings) and "sk-secret" not in str(settings.describe())
    assert settings.describe()["api_key_env"] == "ECCO_TEST_KEY"


def test_settings_mistakes_fail_before_any_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ECCO_MISSING_KEY", raising=False)
    with pytest.raises(ModelConfigError, match=r"\$ECCO_MISSING_KEY is not set"):
        ModelClient(ModelSettings("http://127.0.0.1:9", "m", api_key_env="ECCO_MISSING_KEY"))
    with pytest.raises(ModelConfigError, match="expected http"):
        ModelClient(ModelSettings("localhost:8000", "m"))


async def test_http_500_is_retried_then_reported(server: TestServer, client: ModelClient) -> None:
    server.state.push(error(500, "CUDA out of memory"), error(500, "CUDA out of memory"))
    got = await client.complete("p")
    assert got.failure == "HTTP 500: CUDA out of memory (after 2 tries)"
    assert got.text is None and got.attempts == 2


async def test_a_transient_503_recovers(server: TestServer, client: ModelClient) -> None:
    server.state.push(error(503, "loading model"), chat("fine"))
    got = await client.complete("p")
    assert (got.text, got.attempts) == ("fine", 2)


async def test_429_honours_retry_after(server: TestServer, client: ModelClient) -> None:
    server.state.push(error(429, "rate limited", headers={"Retry-After": "1"}), chat("after the wait"))
    start = time.monotonic()
    got = await client.complete("p")
    assert got.text == "after the wait"
    assert time.monotonic() - start >= 0.95  # the backoff alone would be 0.01 s


async def test_429_asking_for_too_long_fails_at_once(server: TestServer) -> None:
    server.state.push(error(429, "quota exceeded", headers={"Retry-After": "3600"}))
    async with ModelClient(fast_settings(server.url, max_retry_after_s=10)) as c:
        got = await c.complete("p")
    assert got.failure == ("HTTP 429: quota exceeded; the server asks to retry after 3600 s, more than the 10 s "
                           "allowed")
    assert got.attempts == 1


async def test_other_4xx_are_not_retried(server: TestServer, client: ModelClient) -> None:
    server.state.push(Reply(status=400, body={"object": "error", "message": "maximum context length is 4096"}))
    got = await client.complete("p")
    assert (got.failure, got.attempts) == ("HTTP 400: maximum context length is 4096", 1)


async def test_timeout(server: TestServer) -> None:
    server.state.push(Reply(body={}, delay_s=1.0))
    async with ModelClient(fast_settings(server.url, timeout_s=0.2, max_tries=1)) as c:
        got = await c.complete("p")
    assert got.failure is not None
    assert got.failure.startswith("timeout: no response from http://127.0.0.1:")
    assert got.failure.endswith("within 0.2 s (waiting for the answer)")


async def test_connection_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with ModelClient(fast_settings(f"http://127.0.0.1:{port}")) as c:
        got = await c.complete("p")
    assert got.failure is not None and got.failure.startswith("connection error: ")
    assert got.failure.endswith("(after 2 tries)")


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(text="<html>502 Bad Gateway</html>"), "malformed JSON in the response (HTTP 200): "
                                                     "'<html>502 Bad Gateway</html>'"),
        (Reply(body={"id": "x", "choices": []}), "no choices in the response"),
        (Reply(body={"error": {"message": "model not loaded"}}), "no choices in the response: model not loaded"),
        (chat(""), "empty content in the response (finish_reason=stop)"),
        (chat(None, finish_reason="length"), "empty content in the response (finish_reason=length)"),
        (Reply(body=["not", "an", "object"]), "malformed response (HTTP 200): expected a JSON object, got list"),
    ],
)
async def test_malformed_answers(server: TestServer, client: ModelClient, reply: Reply, reason: str) -> None:
    server.state.push(reply)
    got = await client.complete("p")
    assert (got.failure, got.attempts) == (reason, 1)
