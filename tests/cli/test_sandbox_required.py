"""Without bubblewrap the commands that run programs refuse in one line (how to install it, or --no-sandbox);
with --no-sandbox (or the config key) they run, and say UNSANDBOXED wherever they show results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ecco_tui.cli.main import app
from ecco_tui.ingest.outputs import import_outputs
from ecco_tui.ingest.release import import_release
from ecco_tui.store.store import Store
from tests.factories import EDIT_ROWS, FAST_SUM, edit_output_record, write_records, write_tiny_release

INSTALL_HINT = "apt-get install bubblewrap"


def ecco(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def one_line(text: str) -> bool:
    return text.strip() != "" and text.strip().count("\n") == 0


@pytest.fixture
def run_store(tmp_path: Path, store_path: Path) -> Path:
    """The tiny release and run r1 (one fast output of p90001), nothing measured yet."""
    with Store.open(store_path) as store:
        import_release(store, [write_tiny_release(tmp_path / "release")])
        records = [edit_output_record(EDIT_ROWS["test"][0], FAST_SUM)]
        import_outputs(store, write_records(tmp_path / "edit_m_instruct_nrowsNone_samples1.jsonl", records),
                       run_id="r1")
    return store_path


@pytest.fixture
def program(tmp_path: Path) -> Path:
    path = tmp_path / "prog.py"
    path.write_text(FAST_SUM)
    return path


def executions(store_path: Path) -> int:
    with Store.open(store_path, read_only=True) as store:
        return store.counts().tables["executions"]


# -- refused without bwrap -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("no_bwrap")
def test_run_without_bwrap_refuses_in_one_line_with_the_install_hint(run_store: Path, program: Path) -> None:
    code, out, err = ecco("run", str(program), "--problem", "p90001", "--db", str(run_store))
    assert code == 1
    assert one_line(err)
    assert INSTALL_HINT in err and "--no-sandbox" in err and "[local] sandbox = false" in err
    assert out == ""


@pytest.mark.usefixtures("no_bwrap")
def test_eval_without_bwrap_refuses_and_stores_nothing(run_store: Path) -> None:
    code, _, err = ecco("eval", "--run", "r1", "--db", str(run_store))
    assert code == 1
    assert one_line(err) and INSTALL_HINT in err and "--no-sandbox" in err
    assert executions(run_store) == 0


@pytest.mark.usefixtures("no_bwrap")
@pytest.mark.parametrize("command", [
    ["selftest", "--engine", "local"],
    ["calibrate", "--engine", "local", "--no-store"],
    ["refine", "--run", "r1", "--method", "exec-refine", "--model-url", "http://127.0.0.1:9", "--model", "m"],
], ids=["selftest", "calibrate", "refine"])
def test_every_command_that_runs_programs_refuses_without_bwrap(run_store: Path, command: list[str]) -> None:
    code, _, err = ecco(*command, *(["--db", str(run_store)] if command[0] == "refine" else []))
    assert code == 1
    assert one_line(err) and INSTALL_HINT in err


@pytest.mark.usefixtures("no_bwrap")
def test_serve_without_bwrap_refuses_before_the_server_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    from ecco_tui.serve import app as serve_app

    def never(**_kwargs: Any) -> None:
        raise AssertionError("the server must not start without its sandbox")

    monkeypatch.setattr(serve_app, "serve", never)
    code, _, err = ecco("serve", "--port", "0")
    assert code == 1
    assert one_line(err) and INSTALL_HINT in err


# -- --no-sandbox and the config key ---------------------------------------------------------------------------


@pytest.mark.usefixtures("no_bwrap")
def test_run_with_no_sandbox_runs_and_says_unsandboxed(run_store: Path, program: Path) -> None:
    code, out, err = ecco("run", str(program), "--problem", "p90001", "--db", str(run_store), "--no-sandbox")
    assert code == 0, err
    assert "UNSANDBOXED" in out  # the table's title
    assert "UNSANDBOXED" in err  # said before anything ran
    assert "4/4 tests passed" in out


@pytest.mark.usefixtures("no_bwrap")
def test_config_key_sandbox_false_runs_unsandboxed(run_store: Path, program: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[local]\nsandbox = false\n")
    monkeypatch.setenv("ECCO_CONFIG", str(config))
    code, out, err = ecco("run", str(program), "--problem", "p90001", "--db", str(run_store))
    assert code == 0, err
    assert "UNSANDBOXED" in out


@pytest.mark.usefixtures("no_bwrap")
def test_env_ecco_no_sandbox_runs_unsandboxed(run_store: Path, program: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECCO_NO_SANDBOX", "1")
    code, out, err = ecco("run", str(program), "--problem", "p90001", "--db", str(run_store))
    assert code == 0, err
    assert "UNSANDBOXED" in out


def test_serve_with_no_sandbox_builds_its_engine_without_bwrap(monkeypatch: pytest.MonkeyPatch) -> None:
    from ecco_tui.serve import app as serve_app

    seen: dict[str, Any] = {}
    monkeypatch.setattr(serve_app, "serve", lambda **kw: seen.update(kw))
    code, _, err = ecco("serve", "--port", "0", "--no-sandbox")
    assert code == 0, err
    assert seen["use_bwrap"] is False
    assert "UNSANDBOXED" in err


# -- the report of a run measured unsandboxed -----------------------------------------------------------------


@pytest.mark.usefixtures("no_bwrap")
def test_report_header_says_unsandboxed_for_a_run_measured_unsandboxed(run_store: Path) -> None:
    code, _, err = ecco("eval", "--run", "r1", "--db", str(run_store), "--no-sandbox", "--format", "json")
    assert code == 0, err
    assert executions(run_store) > 0
    code, out, _ = ecco("report", "--db", str(run_store))
    assert code == 0
    assert out.lstrip().startswith("UNSANDBOXED: r1 ")


@pytest.mark.usefixtures("no_bwrap")
def test_eval_json_marks_an_unsandboxed_run(run_store: Path) -> None:
    code, out, err = ecco("eval", "--run", "r1", "--db", str(run_store), "--no-sandbox", "--format", "json")
    assert code == 0, err
    assert [line["sandboxed"] for line in json.loads(out)] == [False]
