"""Provenance (#22 item 1): rounds made in the app (`f`) or by `ecco refine` go into a new run of their own, never
into an imported or source run, failed or not; manual edits are their own kind, shown as such and never
counted as model outputs, human solutions or in pass@1; `ecco report` of every run that existed before an
in-app action is byte-identical after it, in every format.

Small real stores: the tiny release, an imported instruct run and an imported ECCO exec-refine run, evaluated
once per module with `ecco eval --all` (real local engine) and copied for each test; the model is the loopback
OpenAI-compatible server of tests/refine (real HTTP, the real client).
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecco_tui.cli.main import app
from ecco_tui.config import LimitSettings, ModelSettings, Settings
from ecco_tui.engines.local import LocalEngine
from ecco_tui.ingest.outputs import import_outputs
from ecco_tui.ingest.release import import_release
from ecco_tui.model import ModelOutput
from ecco_tui.services import ecco_fix
from ecco_tui.services.annotations import label
from ecco_tui.services.catalog import Catalog
from ecco_tui.services.judging.spectra import human_spectra
from ecco_tui.services.rounds import RoundMade, refine_next_round, save_manual_round
from ecco_tui.services.verdicts import refresh_verdicts
from ecco_tui.store.store import Store
from ecco_tui.tui.screens.compare import compare_header
from tests.factories import (
    EDIT_ROWS,
    FAST_MAX,
    FAST_SUM,
    SLOW_SUM,
    edit_output_record,
    write_records,
    write_tiny_release,
)
from tests.refine.conftest import LIMITS, TestServer, _openai_session, engine, server
from tests.refine.openai_server import chat, error

# Fixtures shared with tests/refine (the loopback server and the local engine).
__all__ = ["_openai_session", "engine", "server"]

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="the local engine needs bubblewrap")
pytestmark = needs_bwrap

IMPORTED = "ecco-exec"  # an ECCO exec-refine result file, imported: the run `f` once wrote into (#22)
INSTRUCT = "base"
CRASHING_MAX = "a = list(map(int, input().split()))\nprint(a[5])\n"
EDITED_SUM = "n = int(input())\nprint(sum(range(n + 1)))\n"
WRONG_SUM = "n = int(input())\nprint(n)\n"
FORMATS = ("table", "json", "md", "csv")
CLEAN_ENV = {"COLUMNS": "200", **{v: None for v in ("ECCO_DB", "ECCO_CONFIG", "ECCO_ENGINE", "ECCO_JUDGE0_URL",
                                                    "ECCO_AUTHOR", "ECCO_MODEL_URL", "ECCO_MODEL",
                                                    "ECCO_NO_SANDBOX")}}
NEW_NAME = r"-test-model-(\d{8}T\d{6})(-\d+)?"


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=CLEAN_ENV)
    return result.exit_code, result.stdout, result.stderr


# ------------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def evaluated_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny release, runs `base` (instruct) and `ecco-exec` (an imported exec-refine file), both
    evaluated on the private tests with the local engine (`ecco eval --all`)."""
    work = tmp_path_factory.mktemp("provenance")
    path = work / "store.duckdb"
    with Store.open(path) as store:
        import_release(store, [write_tiny_release(work / "release")])
        for run_id, method, codes in ((INSTRUCT, "instruct", [SLOW_SUM, CRASHING_MAX]),
                                      (IMPORTED, "exec-refine", [FAST_SUM, FAST_MAX])):
            rows = [edit_output_record(r, c) for r, c in zip(EDIT_ROWS["test"], codes, strict=True)]
            file = write_records(work / f"edit_{run_id}_{method}_nrowsNone_samples1.jsonl", rows)
            import_outputs(store, file, run_id=run_id, model="test-model", method=method)
    home = work / "home"
    env_before = {k: os.environ.get(k) for k in ("XDG_CONFIG_HOME", "XDG_DATA_HOME")}
    os.environ["XDG_CONFIG_HOME"], os.environ["XDG_DATA_HOME"] = str(home / "config"), str(home / "data")
    try:
        code, out, err = cli("eval", "--all", "--db", str(path), "--engine", "local")
    finally:
        for k, v in env_before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    assert code == 0, out + err
    return path


@pytest.fixture
def store_file(evaluated_file: Path, tmp_path: Path) -> Path:
    target = tmp_path / "store.duckdb"
    shutil.copy(evaluated_file, target)
    return target


def settings_for(path: Path, url: str) -> Settings:
    """The app's settings: the local engine, author alice, the loopback model, `f` = exec-refine."""
    return Settings(db_path=path, db_configured=True, engine="local", author="alice",
                    limits=LimitSettings(cpu_time_s=LIMITS.cpu_time_s, wall_time_s=LIMITS.wall_time_s,
                                         memory_kb=LIMITS.memory_kb),
                    model=ModelSettings(base_url=url, model="test-model", timeout_s=5.0, max_tries=1),
                    refine_method="exec-refine")


def reports(path: Path, run_ids: list[str]) -> dict[str, tuple[int, str, str]]:
    """`ecco report --run R1 --run R2 … --format F` of the runs in each format: exit code, stdout, stderr (one
    command a format: the same runs give the same bytes exactly when each run's line is the same)."""
    runs = [arg for run_id in run_ids for arg in ("--run", run_id)]
    return {fmt: cli("report", *runs, "--format", fmt, "--db", str(path)) for fmt in FORMATS}


def run_ids(path: Path) -> list[str]:
    with Store.open(path, read_only=True) as store:
        return [r.run_id for r in store.runs()]


def rows_of(path: Path, run_id: str) -> list[ModelOutput]:
    with Store.open(path, read_only=True) as store:
        return store.run_outputs(run_id, with_text=True)


def after_app_action(path: Path) -> None:
    """What the app does after an action: refresh the stale cached verdicts (and the stored report lines)."""
    with Store.open(path) as store:
        refresh_verdicts(store)


async def press_f(path: Path, url: str, engine: LocalEngine, output_id: str) -> RoundMade:
    """The app's `f` on `output_id` (services.rounds.refine_next_round with the app's settings), then the
    app's verdict refresh."""
    with Store.open(path) as store:
        made = await refine_next_round(store, settings_for(path, url), output_id, engine=engine)
    after_app_action(path)
    return made


def problem_counts(store: Store, problem_id: str) -> tuple[int, float | None, int]:
    """The browser's outputs, pass@1 and humans of a problem."""
    (summary,) = store.problem_summaries(search=problem_id)
    return summary.n_outputs, summary.pass_at_1, summary.n_programs


# ----------------------------------------------------------------------------------------------- `f`
async def test_a_failed_f_on_an_imported_run_records_the_failure_in_a_new_run(
        store_file: Path, server: TestServer, engine: LocalEngine) -> None:
    before_rows = rows_of(store_file, IMPORTED)
    server.state.push(error(500, "the GPU caught fire"))
    made = await press_f(store_file, server.url, engine, f"{IMPORTED}:0:0:0")
    assert re.fullmatch(IMPORTED + "-exec-refine" + NEW_NAME, made.run_id), made.run_id
    assert made.failure == "HTTP 500: the GPU caught fire"
    with Store.open(store_file, read_only=True) as store:
        failed = store.get_output(made.output_id)
        run = store.get_run(made.run_id)
    assert failed is not None and failed.code is None and failed.failure == "HTTP 500: the GPU caught fire"
    assert run is not None and (run.method, run.model, run.source_file) == ("exec-refine", "test-model", None)
    assert rows_of(store_file, IMPORTED) == before_rows  # not one row added or changed (feedback included)


async def test_a_failed_f_on_an_imported_run_leaves_every_report_byte_identical(
        store_file: Path, server: TestServer, engine: LocalEngine) -> None:
    existing = run_ids(store_file)
    before = reports(store_file, existing)
    server.state.push(error(500, "the GPU caught fire"))
    made = await press_f(store_file, server.url, engine, f"{IMPORTED}:0:0:0")
    assert made.failure is not None
    assert reports(store_file, existing) == before


async def test_a_successful_f_on_an_imported_run_goes_to_a_new_run_and_leaves_every_report(
        store_file: Path, server: TestServer, engine: LocalEngine) -> None:
    existing = run_ids(store_file)
    before, before_rows = reports(store_file, existing), rows_of(store_file, IMPORTED)
    server.state.push(chat(f"```python\n{FAST_SUM}```"))
    made = await press_f(store_file, server.url, engine, f"{IMPORTED}:0:0:0")
    assert made.failure is None and made.round == 1
    assert re.fullmatch(IMPORTED + "-exec-refine" + NEW_NAME, made.run_id)
    # the new run holds a copy of round 0 (naming the imported row) and the new round
    new_rows = rows_of(store_file, made.run_id)
    assert [(o.output_id, o.round) for o in new_rows] == [(f"{made.run_id}:0:0:0", 0), (made.output_id, 1)]
    assert rows_of(store_file, IMPORTED) == before_rows
    assert reports(store_file, existing) == before


async def test_f_on_a_round_the_app_made_makes_another_new_run(
        store_file: Path, server: TestServer, engine: LocalEngine) -> None:
    server.state.push(chat(f"```python\n{FAST_SUM}```"), chat(f"```python\n{EDITED_SUM}```"))
    first = await press_f(store_file, server.url, engine, f"{INSTRUCT}:0:0:0")
    first_rows, before = rows_of(store_file, first.run_id), reports(store_file, run_ids(store_file))
    second = await press_f(store_file, server.url, engine, first.output_id)
    assert second.run_id != first.run_id and second.run_id.startswith(f"{first.run_id}-exec-refine-test-model-")
    assert second.round == 2
    assert rows_of(store_file, first.run_id) == first_rows
    assert reports(store_file, [r for r in run_ids(store_file) if r != second.run_id]) == before
    with Store.open(store_file, read_only=True) as store:  # a copy of a copy names the original row
        generations = store.output_generations([f"{second.run_id}:0:0:0"])
    assert generations[f"{second.run_id}:0:0:0"] == {"copied_from": f"{INSTRUCT}:0:0:0"}


# ------------------------------------------------------------------------------------- every action
async def test_report_of_every_existing_run_is_byte_identical_after_refine_edit_label_and_ecco_fix(
        store_file: Path, server: TestServer, engine: LocalEngine) -> None:
    """Each in-app action that writes, one after the other; after each, every run that existed before it
    reports the same bytes in every format. Not re-run (`r`) nor measuring a round: they add samples to the
    programs they run by design (#19 item 4), so the runs holding those programs may change."""

    async def refine_ok() -> None:
        server.state.push(chat(f"```python\n{FAST_SUM}```"))
        await press_f(store_file, server.url, engine, f"{INSTRUCT}:0:0:0")

    async def refine_failed() -> None:
        server.state.push(chat("I cannot improve this."))
        await press_f(store_file, server.url, engine, f"{IMPORTED}:1:0:0")

    def with_store(action: str) -> None:
        with Store.open(store_file) as store:
            if action == "edit":
                save_manual_round(store, f"{INSTRUCT}:0:0:0", EDITED_SUM, "alice")
            elif action == "edit-of-edit":
                edit = next(r.run_id for r in store.runs() if r.method == "manual-edit")
                save_manual_round(store, f"{edit}:0:0:1", EDITED_SUM + "# tidy\n", "bob")
            elif action == "label":
                label(store, "output", f"{IMPORTED}:0:0:0", "correct-optimization", "alice")
            elif action == "ecco-fix":
                ecco_fix.confirm_candidate(store, f"{INSTRUCT}:1:0:0", "alice")
                ecco_fix.save_fix(store, f"{INSTRUCT}:1:0:0", "print(max(map(int, input().split())) + 0)\n", "alice")
        after_app_action(store_file)

    async def ecco_fix_run() -> None:
        with Store.open(store_file) as store:
            run = await ecco_fix.run_fix(store, engine, "p90002", "print(max(map(int, input().split())) + 0)\n",
                                         LIMITS)
        assert run.all_passed
        after_app_action(store_file)

    steps = [("refine", refine_ok), ("failed refine", refine_failed)]
    for name, step in [*steps, ("edit", None), ("edit-of-edit", None), ("label", None), ("ecco-fix run", ecco_fix_run),
                       ("ecco-fix", None)]:
        existing = run_ids(store_file)
        before = reports(store_file, existing)
        if step is None:
            with_store(name)
        else:
            await step()
        after = reports(store_file, existing)
        assert after == before, f"{name} changed the report of a run that existed before it"
    assert len(run_ids(store_file)) == 2 + 4  # two refinements and two edits, each a run of its own


# ------------------------------------------------------------------------------------- manual edits
def test_a_manual_edit_changes_no_problem_count(store_file: Path) -> None:
    with Store.open(store_file) as store:
        before = problem_counts(store, "p90001")
        humans = store.human_programs(["p90001"], limit=100)
        made = save_manual_round(store, f"{INSTRUCT}:0:0:0", WRONG_SUM, "alice")
    # measured and judged like any run (`ecco eval` refreshes its verdicts; a wrong edit, so it would lower the
    # problem's pass@1 if it counted): still not counted
    code, out, err = cli("eval", "--run", made.run_id, "--db", str(store_file), "--engine", "local")
    assert code == 0, out + err
    with Store.open(store_file, read_only=True) as store:
        assert {v.output_id for v in store.verdicts(run_id=made.run_id)} >= {made.output_id}
        assert problem_counts(store, "p90001") == before
        assert store.human_programs(["p90001"], limit=100) == humans


async def test_a_model_round_counts_once_as_an_output_its_copies_not_at_all(
        store_file: Path, server: TestServer, engine: LocalEngine) -> None:
    with Store.open(store_file, read_only=True) as store:
        outputs, _, humans = problem_counts(store, "p90001")
    server.state.push(chat(f"```python\n{EDITED_SUM}```"))
    await press_f(store_file, server.url, engine, f"{INSTRUCT}:0:0:0")  # a copy of round 0 and round 1
    with Store.open(store_file, read_only=True) as store:
        assert problem_counts(store, "p90001")[0::2] == (outputs + 1, humans)  # a model's program is no human's


def test_a_manual_edit_is_never_a_human_solution_in_the_spectra(store_file: Path) -> None:
    with Store.open(store_file) as store:
        before = human_spectra(store, ["p90001"], "local")
        save_manual_round(store, f"{INSTRUCT}:0:0:0", EDITED_SUM, "alice")
        assert human_spectra(store, ["p90001"], "local") == before


def test_a_manual_edit_goes_to_a_manual_edit_run_of_its_own_credited_to_its_author(store_file: Path) -> None:
    with Store.open(store_file) as store:
        made = save_manual_round(store, f"{IMPORTED}:0:0:0", EDITED_SUM, "alice")
        again = save_manual_round(store, f"{IMPORTED}:0:0:0", EDITED_SUM, "alice")
        run = store.get_run(made.run_id)
        generation = store.output_generations([made.output_id])[made.output_id]
    assert re.fullmatch(IMPORTED + r"-manual-edit-alice-\d{8}T\d{6}(-\d+)?", made.run_id)
    assert again.run_id != made.run_id  # each edit a run of its own: the first one's report never changes
    assert run is not None and run.method == "manual-edit"
    assert (generation["method"], generation["author"], generation["from_output"]) == (
        "manual-edit", "alice", f"{IMPORTED}:0:0:0")


def test_the_compare_view_says_an_output_is_a_manual_edit_by_its_author(store_file: Path) -> None:
    with Store.open(store_file) as store:
        made = save_manual_round(store, f"{INSTRUCT}:0:0:0", EDITED_SUM, "alice")
        catalog = Catalog(store)
        view = catalog.output_view(made.output_id)
        copy = catalog.output_view(f"{made.run_id}:0:0:0")
        model = catalog.output_view(f"{INSTRUCT}:0:0:0")
    assert view is not None and copy is not None and model is not None
    assert (view.made_by, view.right_label) == ("manual edit by alice", "manual edit by alice")
    assert "manual edit by alice" in compare_header(view).plain
    assert copy.made_by is None and model.made_by is None  # the model's rounds stay the model's
    assert model.right_label == "generated (test-model)"


def test_a_manual_edit_runs_report_line_says_manual_edit(store_file: Path) -> None:
    with Store.open(store_file) as store:
        made = save_manual_round(store, f"{INSTRUCT}:0:0:0", EDITED_SUM, "alice")
    code, out, _ = cli("report", "--run", made.run_id, "--format", "csv", "--db", str(store_file))
    assert code == 0
    header, line = out.splitlines()[:2]
    columns = dict(zip(header.split(","), line.split(","), strict=False))
    assert (columns["run_id"], columns["method"]) == (made.run_id, "manual-edit")


# ----------------------------------------------------------------------------------------- ecco refine
def refine_cli(path: Path, url: str, *extra: str) -> tuple[int, str, str]:
    return cli("refine", "--run", IMPORTED, "--method", "exec-refine", "--rounds", "1", "--model-url", url,
               "--model", "test-model", "--tries", "1", "--timeout", "5", "--db", str(path), *extra)


def test_ecco_refine_without_new_run_makes_a_run_named_after_source_method_model_and_time(
        store_file: Path, server: TestServer) -> None:
    server.state.push(chat(f"```python\n{FAST_SUM}```"), error(500, "boom"))
    existing = run_ids(store_file)
    before, before_rows = reports(store_file, existing), rows_of(store_file, IMPORTED)
    start = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    code, out, err = refine_cli(store_file, server.url)
    assert code == 0, out + err
    made = re.search(rf"^run ({IMPORTED}-exec-refine{NEW_NAME}): 2 rounds written \(1 with code, 1 failed", out)
    assert made is not None, out
    assert start <= datetime.strptime(made.group(2), "%Y%m%dT%H%M%S") <= datetime.now(UTC).replace(tzinfo=None)
    # the failed round is in the new run, with its error
    failed = [o for o in rows_of(store_file, made.group(1)) if o.round == 1 and o.code is None]
    assert [o.failure for o in failed] == ["HTTP 500: boom"]
    assert rows_of(store_file, IMPORTED) == before_rows
    assert reports(store_file, existing) == before


def test_ecco_refine_refuses_new_run_equal_to_the_source_run(store_file: Path, server: TestServer) -> None:
    before_rows, before_runs = rows_of(store_file, IMPORTED), run_ids(store_file)
    code, _, err = refine_cli(store_file, server.url, "--new-run", IMPORTED)
    assert code == 1
    assert err.strip().count("\n") == 0 and f"--new-run {IMPORTED} is the run being refined" in err
    assert server.state.requests == []
    assert (rows_of(store_file, IMPORTED), run_ids(store_file)) == (before_rows, before_runs)


def test_ecco_refine_refuses_to_write_into_an_imported_run_by_name(store_file: Path, server: TestServer) -> None:
    code, _, err = cli("refine", "--run", INSTRUCT, "--method", "exec-refine", "--model-url", server.url,
                       "--model", "test-model", "--new-run", IMPORTED, "--db", str(store_file))
    assert code == 1 and "imported runs never change" in err
    assert server.state.requests == []


def test_ecco_refine_resumes_into_the_run_it_made_when_named(store_file: Path, server: TestServer) -> None:
    server.state.push(error(500, "boom"), chat(f"```python\n{FAST_MAX}```"), chat(f"```python\n{FAST_SUM}```"))
    code, out, _ = refine_cli(store_file, server.url)
    made = re.search(rf"^run ({IMPORTED}-exec-refine{NEW_NAME}):", out)
    assert code == 0 and made is not None
    code, out, _ = refine_cli(store_file, server.url, "--new-run", made.group(1))
    assert code == 0 and f"run {made.group(1)}: 1 rounds written (1 with code, 0 failed, 1 already done)" in out


def test_every_new_run_name_is_a_valid_run_id(store_file: Path) -> None:
    from ecco_tui.services.refine import new_run_name

    with Store.open(store_file) as store:
        name = new_run_name(store, IMPORTED, "exec-refine", "deepseek-ai/deepseek-coder:6.7b instruct",
                            datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert name == f"{IMPORTED}-exec-refine-deepseek-ai-deepseek-coder-6.7b-instruct-20260102T030405"
    assert ":" not in name
