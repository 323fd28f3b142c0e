"""The sandbox is never silently off: `make_engine` requires bubblewrap unless the settings turn it off, and
whatever ran without it (an rlimit engine version) is labelled UNSANDBOXED in the report."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from ecco_tui.config import Settings
from ecco_tui.engines.base import EngineInfo, Limits, TestCase, TestResult, code_sha256
from ecco_tui.ingest.outputs import import_outputs
from ecco_tui.ingest.release import import_release
from ecco_tui.services import evaluation, report
from ecco_tui.services.engines import (
    BWRAP_MISSING,
    EngineError,
    is_sandboxed,
    make_engine,
    runs_unsandboxed,
    sandbox_refusal,
)
from ecco_tui.store.store import Store
from tests.factories import EDIT_ROWS, FAST_SUM, edit_output_record, write_records

SANDBOXED = Settings(db_path=Path("unused.duckdb"), db_configured=False)
UNSANDBOXED = replace(SANDBOXED, local_sandbox=False)
LIMITS = Limits(cpu_time_s=2, wall_time_s=10, memory_kb=256_000)
RLIMIT_VERSION = "local-0.1.0+rlimit/python-3.11.2@/usr/bin/python3.11"
BWRAP_VERSION = "local-0.1.0+bwrap/python-3.11.2@/usr/bin/python3.11"


@pytest.fixture
def broken_bwrap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PATH whose bwrap exists but cannot start a sandbox (as with user namespaces disabled)."""
    folder = tmp_path / "broken-bwrap"
    folder.mkdir()
    fake = folder / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(folder))


# -- make_engine ----------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("no_bwrap")
def test_without_bwrap_the_local_engine_is_refused_with_the_install_hint() -> None:
    with pytest.raises(EngineError) as caught:
        make_engine(SANDBOXED, "local")
    assert str(caught.value) == BWRAP_MISSING
    assert "apt-get install bubblewrap" in BWRAP_MISSING and "--no-sandbox" in BWRAP_MISSING


@pytest.mark.usefixtures("no_bwrap")
def test_the_refusal_is_known_before_any_engine_is_built() -> None:
    assert sandbox_refusal(SANDBOXED) == BWRAP_MISSING
    assert sandbox_refusal(UNSANDBOXED) is None


@pytest.mark.usefixtures("no_bwrap")
def test_judge0_needs_no_bwrap() -> None:
    assert sandbox_refusal(SANDBOXED, "judge0") is None
    make_engine(replace(SANDBOXED, engine="judge0"), judge0_url="http://127.0.0.1:9")


@pytest.mark.usefixtures("no_bwrap")
async def test_with_the_sandbox_off_the_engine_runs_in_rlimit_mode_and_says_so() -> None:
    engine = make_engine(UNSANDBOXED, "local")
    try:
        info = await engine.info()
    finally:
        await engine.aclose()
    assert info.details["sandbox"] == "rlimit" and "+rlimit" in info.version
    assert not is_sandboxed(info)


@pytest.mark.usefixtures("broken_bwrap")
async def test_a_bwrap_that_cannot_start_a_sandbox_is_refused_in_one_line() -> None:
    engine = make_engine(SANDBOXED, "local")
    try:
        with pytest.raises(EngineError) as caught:
            await engine.info()
    finally:
        await engine.aclose()
    text = str(caught.value)
    assert "bwrap probe failed" in text and "--no-sandbox" in text
    assert "\n" not in text


@pytest.mark.usefixtures("broken_bwrap")
async def test_a_broken_bwrap_is_refused_when_run_meets_it_first() -> None:
    engine = make_engine(SANDBOXED, "local")
    test = TestCase(problem_id="p", visibility="public", index=0, input="", expected_output="ok")
    try:
        with pytest.raises(EngineError, match="--no-sandbox"):
            async for _ in engine.run("print('ok')\n", [test]):
                pass
    finally:
        await engine.aclose()


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")
async def test_by_default_the_local_engine_runs_in_bubblewrap() -> None:
    engine = make_engine(SANDBOXED, "local")
    try:
        info = await engine.info()
    finally:
        await engine.aclose()
    assert info.details["sandbox"] == "bwrap" and is_sandboxed(info)


def test_only_the_local_engine_with_the_sandbox_off_runs_unsandboxed() -> None:
    assert runs_unsandboxed(UNSANDBOXED)
    assert not runs_unsandboxed(SANDBOXED)
    assert not runs_unsandboxed(UNSANDBOXED, "judge0")


# -- is_sandboxed -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("engine", "sandboxed"), [
    (BWRAP_VERSION, True),
    (RLIMIT_VERSION, False),
    ("local-0.1.0+rlimit+cgroup-v1/python-3.11.2@/usr/bin/python3.11", False),
    ("judge0-1.13.1+local-0.1.0+rlimit/python-3.11.2@host/71:Python (3.8.1)", False),  # via ecco serve --no-sandbox
    ("judge0-1.13.1@host/71:Python (3.8.1)", True),
    (EngineInfo("local", BWRAP_VERSION, "Python (3.11.2)", details={"sandbox": "bwrap"}), True),
    (EngineInfo("local", "local-x", "Python (3.11.2)", details={"sandbox": "rlimit"}), False),
])
def test_is_sandboxed_reads_the_version_and_the_details(engine: EngineInfo | str, sandboxed: bool) -> None:
    assert is_sandboxed(engine) is sandboxed


# -- the report -----------------------------------------------------------------------------------------------


def _store_run(store: Store, tmp_path: Path, version: str) -> None:
    """Run r1 (one output of p90001) with every private test of its input and output measured by `version`."""
    from tests.factories import write_tiny_release

    import_release(store, [write_tiny_release(tmp_path / "release")])
    import_outputs(store, write_records(tmp_path / "edit_m_instruct_nrowsNone_samples1.jsonl",
                                        [edit_output_record(EDIT_ROWS["test"][0], FAST_SUM)]), run_id="r1")
    info = EngineInfo("local", version, "Python (3.11.2)")
    executions = []
    for code in (EDIT_ROWS["test"][0]["input"], FAST_SUM):
        for stored in store.tests_for("p90001", "private"):
            result = TestResult(evaluation.to_engine_test(stored), 3, "Accepted", 0.1, 0.1, 9000)
            executions.append(evaluation.to_execution(result, code_sha256(code), info, LIMITS, "time", force=False,
                                                      source="test"))
    store.add_executions(executions)


def test_a_run_measured_unsandboxed_is_reported_unsandboxed(store: Store, tmp_path: Path) -> None:
    _store_run(store, tmp_path, RLIMIT_VERSION)
    (line,) = report.build_report(store, ["r1"])
    assert line.sandboxed is False
    header = report.unsandboxed_header([line])
    assert header is not None and header.startswith("UNSANDBOXED: r1 ")


def test_a_sandboxed_run_has_no_unsandboxed_header(store: Store, tmp_path: Path) -> None:
    _store_run(store, tmp_path, BWRAP_VERSION)
    lines = report.build_report(store, ["r1"])
    assert [line.sandboxed for line in lines] == [True]
    assert report.unsandboxed_header(lines) is None
    assert "UNSANDBOXED" not in report.render_markdown(lines)


def test_markdown_and_json_say_unsandboxed(store: Store, tmp_path: Path) -> None:
    _store_run(store, tmp_path, RLIMIT_VERSION)
    lines = report.build_report(store, ["r1"])
    assert report.render_markdown(lines).startswith("**UNSANDBOXED**: r1 ")
    assert [line["sandboxed"] for line in json.loads(report.render_json(lines))] == [False]
