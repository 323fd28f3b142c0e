"""``ecco serve --db``: runs land in the store as executions, a repeated program+test is answered from it.

The first test uses the real local engine and reads the store afterwards; the others count a FakeEngine's
calls, which is the strictest proof that something was (not) executed again.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from ecco_tui.engines.base import Limits, Status, TestCase, TestResult, code_sha256
from ecco_tui.services.serve_recording import SERVE_PROBLEM, UNJUDGED_PROBLEM, ServeRecorder
from ecco_tui.store.store import Store
from tests.serve.harness import FakeEngine, make_result, serve_running

SOURCE = "print(int(input()) * 2)\n"
BODY = {"source_code": SOURCE, "language_id": 71, "stdin": "21", "expected_output": "42"}
FIELDS = "token,status,time,wall_time,memory,stdout,exit_code"


def post(url: str, body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    answer = httpx.post(f"{url}/submissions", params={"wait": "true", "fields": FIELDS}, json={**body, **changes},
                        timeout=60)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_a_served_run_lands_in_the_store_and_a_repeat_is_answered_from_it(tmp_path: Path) -> None:
    db = tmp_path / "serve.duckdb"
    with ServeRecorder.open(db) as recorder, serve_running(recorder=recorder) as server:
        info = server.state.info
        first = post(server.url, BODY)
        again = post(server.url, BODY)
        other = post(server.url, BODY, source_code="n = int(input())\nprint(n + n)\n")
    assert first["status"]["id"] == again["status"]["id"] == other["status"]["id"] == Status.ACCEPTED
    # The repeat is the stored run, to the millisecond and the kilobyte.
    assert (again["time"], again["wall_time"], again["memory"]) == (first["time"], first["wall_time"], first["memory"])

    with Store.open(db, read_only=True) as store:
        [row] = store.executions_for(code_sha256(SOURCE), SERVE_PROBLEM)
        [other_row] = store.executions_for(code_sha256("n = int(input())\nprint(n + n)\n"), SERVE_PROBLEM)
        stats = store.cache_stats()
    assert row.context == f"serve#{first['token']}"  # executed once, by the first submission
    assert other_row.context == f"serve#{other['token']}"  # a different source misses
    assert (row.status_id, row.status_description, row.exit_code) == (Status.ACCEPTED, "Accepted", 0)
    assert row.cpu_time_s == pytest.approx(float(first["time"]), abs=0.0006)
    assert row.wall_time_s == pytest.approx(float(first["wall_time"]), abs=0.0006)
    assert row.memory_kb == first["memory"]
    assert (row.stdout_excerpt, row.repeat_idx, row.test_idx, row.visibility) == ("42\n", 0, 0, "public")
    assert (row.engine, row.engine_version, row.source) == (info.name, info.version, "ecco serve")
    assert row.limits_key == Limits(memory_kb=128_000, wall_time_s=10).key()  # Judge0's defaults
    assert (stats["sessions"], stats["executed"], stats["cached"]) == (1, 2, 1)


def counting_server(db: Path, engine: FakeEngine, *, force: bool = False) -> Any:
    recorder = ServeRecorder.open(db, force=force)
    return recorder, serve_running(lambda: engine, recorder=recorder)


def test_only_what_the_store_lacks_is_executed(tmp_path: Path) -> None:
    engine = FakeEngine()
    recorder, running = counting_server(tmp_path / "s.duckdb", engine)
    with recorder, running as server:
        def calls_after(**changes: Any) -> int:
            assert post(server.url, BODY, **changes)["status"]["id"] == Status.ACCEPTED
            return len(engine.calls)

        honest = next(lang.id for lang in server.state.languages.values() if lang.alias_of is None)
        assert calls_after() == 1
        assert calls_after() == 1  # the same program and test: from the store
        assert calls_after(source_code=SOURCE.replace("\n", "   \r\n")) == 1  # same program, normalized
        assert calls_after(language_id=honest) == 1  # 71 is an alias of the same interpreter
        assert calls_after(number_of_runs=3) == 3  # run 0 stored: runs 1 and 2 execute
        assert calls_after(number_of_runs=2) == 3
        assert calls_after(source_code="print(42)") == 4  # another program
        assert calls_after(stdin="20", expected_output="40") == 5  # another test
        assert calls_after(expected_output=None) == 6  # no expected output is another test than "42"
        assert calls_after(cpu_time_limit=2) == 7  # other limits
        assert calls_after(cpu_time_limit=2) == 7
    assert (recorder.stats.executed, recorder.stats.cached) == (7, 7)
    with Store.open(tmp_path / "s.duckdb", read_only=True) as store:
        rows = store.executions_for(code_sha256(SOURCE), SERVE_PROBLEM)
        unjudged = store.executions_for(code_sha256(SOURCE), UNJUDGED_PROBLEM)
    assert sorted((r.limits_key == Limits(memory_kb=128_000, wall_time_s=10).key(), r.repeat_idx) for r in rows) == [
        (False, 0), (True, 0), (True, 0), (True, 1), (True, 2)]
    assert len(unjudged) == 1


def test_another_engine_version_never_matches(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    for version, expected_calls in (("fake-1", 1), ("fake-2", 1), ("fake-1", 0)):
        engine = FakeEngine(version=version)
        recorder, running = counting_server(db, engine)
        with recorder, running as server:
            post(server.url, BODY)
        assert len(engine.calls) == expected_calls, version


def test_a_stored_wrong_answer_ends_the_runs_as_in_judge0(tmp_path: Path) -> None:
    engine = FakeEngine(script=lambda program, test, limits, i: make_result(test, Status.WRONG_ANSWER, stdout="41"))
    recorder, running = counting_server(tmp_path / "s.duckdb", engine)
    with recorder, running as server:
        first = post(server.url, BODY, number_of_runs=3)
        again = post(server.url, BODY, number_of_runs=3)
    assert first["status"]["id"] == again["status"]["id"] == Status.WRONG_ANSWER
    assert len(engine.calls) == 1  # Judge0 stops at the first run that is not Accepted, stored or not


@pytest.mark.parametrize(("why", "result"), [
    ("output longer than the stored excerpt", {"stdout": "x" * 5000}),
    ("internal error", {"status": Status.INTERNAL_ERROR, "message": "sandbox failure"}),
])
def test_runs_the_store_cannot_stand_in_for_are_executed_again(tmp_path: Path, why: str,
                                                                result: dict[str, Any]) -> None:
    def script(program: str, test: TestCase, limits: Limits, index: int) -> TestResult:
        return make_result(test, **result)

    engine = FakeEngine(script=script)
    recorder, running = counting_server(tmp_path / "s.duckdb", engine)
    with recorder, running as server:
        first = post(server.url, BODY, expected_output=None)
        post(server.url, BODY, expected_output=None)
    assert len(engine.calls) == 2, why
    if "stdout" in result:
        assert first["stdout"] == result["stdout"]  # the client always gets the whole output


def test_force_records_every_run_but_never_answers_from_the_store(tmp_path: Path) -> None:
    engine = FakeEngine()
    recorder, running = counting_server(tmp_path / "s.duckdb", engine, force=True)
    with recorder, running as server:
        tokens = [post(server.url, BODY)["token"] for _ in range(2)]
    assert len(engine.calls) == 2
    with Store.open(tmp_path / "s.duckdb", read_only=True) as store:
        rows = store.executions_for(code_sha256(SOURCE), SERVE_PROBLEM)
    assert sorted(r.context for r in rows) == sorted(f"serve#{t}" for t in tokens)  # both kept
    assert len({r.execution_id for r in rows}) == 2


def test_batches_and_polling_go_through_the_store_too(tmp_path: Path) -> None:
    engine = FakeEngine()
    recorder, running = counting_server(tmp_path / "s.duckdb", engine)
    with recorder, running as server:
        post(server.url, BODY)
        created = httpx.post(f"{server.url}/submissions/batch", json={"submissions": [BODY, BODY]}).json()
        tokens = ",".join(item["token"] for item in created)
        for _ in range(200):
            got = httpx.get(f"{server.url}/submissions/batch", params={"tokens": tokens}).json()["submissions"]
            if all(s["status"]["id"] not in (1, 2) for s in got):
                break
    assert [s["status"]["id"] for s in got] == [Status.ACCEPTED] * 2
    assert len(engine.calls) == 1


# --------------------------------------------------------------------------------------------- the command


def test_ecco_serve_passes_db_and_force_to_the_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ecco_tui.cli.main import app
    from ecco_tui.serve import app as serve_app

    seen: dict[str, Any] = {}
    monkeypatch.setattr(serve_app, "serve", lambda **kw: seen.update(kw))
    result = CliRunner().invoke(app, ["serve", "--db", str(tmp_path / "s.duckdb"), "--force", "--port", "2400"])
    assert result.exit_code == 0, result.output
    assert (seen["db"], seen["force"], seen["port"]) == (tmp_path / "s.duckdb", True, 2400)
    result = CliRunner().invoke(app, ["serve", "--force"])
    assert result.exit_code == 1 and "--force" in result.stderr


def test_ecco_serve_with_a_store_in_use_fails_after_its_wait_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    from ecco_tui.cli.main import app

    def never(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the server must not start on a store it cannot write")

    monkeypatch.setattr(uvicorn, "run", never)
    monkeypatch.setenv("ECCO_STORE_WAIT", "0.3")  # how long a command waits for a busy store before giving up
    db = tmp_path / "s.duckdb"
    Store.open(db).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys, time; c = duckdb.connect({str(db)!r}); print('held', flush=True); "
         "sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = CliRunner().invoke(app, ["serve", "--db", str(db), "--port", "0"])
    finally:
        holder.communicate(timeout=30)
    assert result.exit_code == 1
    assert "in use by another ecco process" in result.stderr
    assert "Traceback" not in result.output
