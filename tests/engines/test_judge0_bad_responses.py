"""A server that is not quite Judge0 (a proxy's HTML page, a truncated body, a missing field) gives one
clear error or an Internal Error result — never a traceback, never a hang.

These are faults a correct Judge0 (or ``ecco serve``) never produces, so each runs only against its scripted
server and says so in its ``replay_only`` marker (see tests/engines/conftest.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ecco_tui.engines.base import Limits, TestCase
from ecco_tui.engines.judge0 import Judge0Engine, Judge0Error
from ecco_tui.serve.app import start_in_thread

TEST = TestCase("p1", "public", 0, "", "1")
CONFIG = {"max_submission_batch_size": 20, "max_queue_size": 100}
LANGS = [{"id": 71, "name": "Python (3.8.1)"}]


def _server(routes: list[Route]) -> Iterator[str]:
    server = start_in_thread(Starlette(routes=routes))
    try:
        yield server.url
    finally:
        server.stop()


def _basic(extra: list[Route]) -> list[Route]:
    async def config(_: Request) -> Response:
        return JSONResponse(CONFIG)

    async def langs(_: Request) -> Response:
        return JSONResponse(LANGS)

    async def about(_: Request) -> Response:
        return JSONResponse({"version": "1.13.1"})

    return [Route("/config_info", config), Route("/languages", langs), Route("/about", about), *extra]


@pytest.fixture
def html_proxy() -> Iterator[str]:
    async def page(_: Request) -> Response:
        return PlainTextResponse("<html><body>502 Bad Gateway</body></html>", status_code=200,
                                 media_type="text/html")

    yield from _server([Route("/{path:path}", page, methods=["GET", "POST"])])


@pytest.fixture
def truncated_batch() -> Iterator[str]:
    async def create(_: Request) -> Response:
        return Response(json.dumps([{"token": "a"}])[:-3], status_code=201, media_type="application/json")

    yield from _server(_basic([Route("/submissions/batch", create, methods=["POST"])]))


@pytest.fixture
def shapeless_results() -> Iterator[str]:
    async def create(_: Request) -> Response:
        return JSONResponse([{"token": "t1"}], status_code=201)

    async def get(_: Request) -> Response:
        return JSONResponse({"submissions": [{"token": "t1", "status": "done"}]})

    yield from _server(_basic([Route("/submissions/batch", create, methods=["POST"]),
                               Route("/submissions/batch", get, methods=["GET"])]))


async def _run(url: str) -> list:
    async with Judge0Engine(url, limits=Limits(), poll_initial_s=0.01, poll_max_s=0.02, max_retries=0) as eng:
        return [r async for r in eng.run("print(1)", [TEST])]


@pytest.mark.replay_only("a proxy's HTML page with status 200 instead of Judge0 JSON; no Judge0 answers that")
async def test_an_html_page_instead_of_judge0_is_a_clear_error(html_proxy: str) -> None:
    with pytest.raises(Judge0Error) as info:
        await _run(html_proxy)
    assert "\n" not in str(info.value)
    assert html_proxy.split("://")[1] in str(info.value) or "Judge0" in str(info.value)


@pytest.mark.replay_only("a batch create answered with truncated JSON; a correct server sends whole bodies")
async def test_a_truncated_json_body_is_a_clear_error(truncated_batch: str) -> None:
    with pytest.raises(Judge0Error) as info:
        await _run(truncated_batch)
    assert "\n" not in str(info.value)


@pytest.mark.replay_only("a submission whose status is a string, not {id, description}; Judge0 never sends that")
async def test_a_result_without_a_status_object_is_an_error_not_a_crash(shapeless_results: str) -> None:
    try:
        results = await _run(shapeless_results)
    except Judge0Error as exc:
        assert "\n" not in str(exc)
    else:
        assert [r.status_id for r in results] == [13]
