"""An OpenAI-compatible completion server on real loopback HTTP, answering from a script.

Why a server and not a patched client: the client's job is the wire (status codes, Retry-After, JSON shapes,
timeouts), so tests send real requests and get real responses. Pytest-free, like the Judge0 replay server.

Each request takes the next `Reply` from `state.script`; when the script is empty, `state.responder`
(``(path, body) -> Reply``) decides; without one the server answers 500. `state.requests` records every
request (path, headers, JSON body) in arrival order.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass(frozen=True, slots=True)
class Reply:
    """One scripted HTTP answer; `text` (raw body) wins over `body` (JSON)."""

    status: int = 200
    body: Any = None
    text: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


def chat(content: str | None, *, finish_reason: str = "stop", model: str = "test-model") -> Reply:
    """A /v1/chat/completions success as vLLM and OpenAI send it."""
    return Reply(body={
        "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                     "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30},
    })


def completion(text: str, *, finish_reason: str = "stop") -> Reply:
    """A /v1/completions success."""
    return Reply(body={
        "id": "cmpl-test", "object": "text_completion", "created": 0, "model": "test-model",
        "choices": [{"index": 0, "text": text, "finish_reason": finish_reason}],
    })


def error(status: int, message: str, *, headers: dict[str, str] | None = None) -> Reply:
    """An OpenAI-style error body."""
    return Reply(status=status, body={"error": {"message": message, "type": "server_error", "code": status}},
                 headers=headers or {})


@dataclass(frozen=True, slots=True)
class Recorded:
    path: str
    headers: dict[str, str]
    body: Any

    @property
    def prompt(self) -> str:
        if isinstance(self.body, dict):
            if "messages" in self.body:
                return str(self.body["messages"][-1]["content"])
            return str(self.body.get("prompt", ""))
        return ""


@dataclass
class ServerState:
    script: deque[Reply] = field(default_factory=deque)
    responder: Callable[[str, Any], Reply] | None = None
    requests: list[Recorded] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self._lock:
            self.script.clear()
            self.responder = None
            self.requests.clear()

    def push(self, *replies: Reply) -> None:
        with self._lock:
            self.script.extend(replies)

    def prompts(self) -> list[str]:
        with self._lock:
            return [r.prompt for r in self.requests]

    def next_reply(self, path: str, body: Any, headers: dict[str, str]) -> Reply:
        with self._lock:
            self.requests.append(Recorded(path, headers, body))
            if self.script:
                return self.script.popleft()
            responder = self.responder
        if responder is not None:
            return responder(path, body)
        return error(500, "the test server has no scripted reply")


def build_app(state: ServerState) -> Starlette:
    async def handle(request: Request) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        reply = state.next_reply(request.url.path, body, {k.lower(): v for k, v in request.headers.items()})
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        if reply.text is not None:
            return Response(reply.text, status_code=reply.status, headers=reply.headers, media_type="application/json")
        return Response(json.dumps(reply.body), status_code=reply.status, headers=reply.headers,
                        media_type="application/json")

    return Starlette(routes=[
        Route("/v1/chat/completions", handle, methods=["POST"]),
        Route("/v1/completions", handle, methods=["POST"]),
    ])


def start_server() -> tuple[str, ServerState, Callable[[], None]]:
    """Serve a fresh state on a free loopback port in a thread: ``(base_url, state, stop)``."""
    state = ServerState()
    # IPPROTO_TCP so asyncio sets TCP_NODELAY on accepted sockets (no 40 ms delayed-ACK stalls).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(build_app(state), log_level="warning", access_log=False, lifespan="off",
                            timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"openai-test-{port}",
                              daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the OpenAI-compatible test server did not start")
        time.sleep(0.005)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()

    return f"http://127.0.0.1:{port}", state, stop
