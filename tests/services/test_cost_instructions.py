"""`--cost instructions`: counts stored beside CPU time, a cache that knows which results hold counts, and a
report that shows both speedups and flags the pairs where they point different ways."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecco_tui.cli.main import app
from ecco_tui.engines.base import EngineInfo, Limits, TestCase, TestResult, code_sha256
from ecco_tui.ingest.outputs import import_outputs
from ecco_tui.ingest.release import import_release
from ecco_tui.services import evaluation, report
from ecco_tui.store.store import Store
from tests.factories import write_records

SLOW = "n = int(input())\nt = 0\nfor i in range(n + 1):\n    t += i\nprint(t)\n"
SLOW_2 = "n = int(input())\nt = 0\nfor i in range(n + 1):\n    t = t + i\nprint(t)\n"
FAST = "n = int(input())\nprint(n * (n + 1) // 2)\n"
ODD = "n = int(input())\nprint(sum(range(n + 1)))\n"
INFO = EngineInfo("local", "local-test", "Python (test)")
LIMITS = Limits(cpu_time_s=5, wall_time_s=10, memory_kb=256_000)
N_TESTS = 2


def _release(root: Path, n: int = 20_000, tests: int = N_TESTS) -> Path:
    write_records(root / "edit" / "test.jsonl", [{"problem_id": "p90001", "input": SLOW, "target": FAST},
                                                 {"problem_id": "p90001", "input": SLOW_2, "target": FAST}])
    folder = root / "test_cases" / "p90001"
    folder.mkdir(parents=True)
    for k in range(tests):
        m = n + k
        (folder / f"input.{k}.txt").write_text(f"{m}\n")
        (folder / f"output.{k}.txt").write_text(f"{m * (m + 1) // 2}\n")
    return root


def _outputs(tmp_path: Path, codes: Sequence[str]) -> Path:
    recs = [{"problem_id": "p90001", "input": slow, "target": FAST, "prompt": "", "full_generations": [code],
             "generated_codes": ["\n" + code]} for slow, code in zip((SLOW, SLOW_2), codes, strict=False)]
    return write_records(tmp_path / "edit_m_instruct_nrowsNone_samples1.jsonl", recs)


@pytest.fixture
def cost_store(store: Store, tmp_path: Path) -> Store:
    import_release(store, [_release(tmp_path / "release")])
    import_outputs(store, _outputs(tmp_path, [FAST, ODD]), run_id="m")
    return store


def _tests(store: Store) -> list[TestCase]:
    return [evaluation.to_engine_test(t) for t in store.tests_for("p90001", "private")]


def _store_results(store: Store, code: str, *, mode: str, repeats: Sequence[int] = (0,), cpu: float = 0.1,
                   instructions: int | None = None) -> None:
    executions = []
    for test in _tests(store):
        for r in repeats:
            result = TestResult(test, 3, "Accepted", cpu, cpu, 9000, repeat_index=r,
                                instructions=instructions if r == 0 else None)
            executions.append(evaluation.to_execution(result, code_sha256(code), INFO, LIMITS, mode, force=False,
                                                      source="test"))
    store.add_executions(executions)


def _plan(store: Store, mode: str, repeat: int = 1) -> evaluation.EvalPlan:
    return evaluation.plan_evaluation(store, [("output", "p90001", FAST)], INFO, LIMITS, repeat=repeat, mode=mode)


# -- the cache plan ------------------------------------------------------------------------------------------


def test_a_cpu_only_result_does_not_satisfy_an_instruction_request(cost_store: Store) -> None:
    _store_results(cost_store, FAST, mode="time", repeats=(0, 1, 2))
    assert (_plan(cost_store, "time", 3).to_run, _plan(cost_store, "time", 3).cached) == (0, 3 * N_TESTS)
    plan = _plan(cost_store, "instructions", 3)
    # Only repeat 0 lacks a count: repeats 1 and 2 are plain runs whatever the mode.
    assert (plan.to_run, plan.cached) == (N_TESTS, 2 * N_TESTS)
    assert {r for job in plan.jobs for r in job.repeats} == {(0,)}


def test_a_counted_result_satisfies_both_requests(cost_store: Store) -> None:
    _store_results(cost_store, FAST, mode="instructions", instructions=1000)
    assert _plan(cost_store, "instructions").to_run == 0
    assert _plan(cost_store, "time").to_run == 0


def test_a_newer_cpu_only_rerun_supersedes_the_count(cost_store: Store) -> None:
    """After `--force` without counts the report sees no count, so an instruction request must run again."""
    _store_results(cost_store, FAST, mode="instructions", instructions=1000)
    _store_results(cost_store, FAST, mode="time")
    assert _plan(cost_store, "instructions").to_run == N_TESTS


def test_results_of_other_limits_or_engine_versions_do_not_count(cost_store: Store) -> None:
    _store_results(cost_store, FAST, mode="instructions", instructions=1000)
    other = EngineInfo("local", "local-other", "Python (test)")
    assert evaluation.plan_evaluation(cost_store, [("output", "p90001", FAST)], other, LIMITS,
                                      mode="instructions").to_run == N_TESTS
    assert evaluation.plan_evaluation(cost_store, [("output", "p90001", FAST)], INFO, Limits(cpu_time_s=1),
                                      mode="instructions").to_run == N_TESTS


def test_an_unknown_mode_is_refused(cost_store: Store) -> None:
    with pytest.raises(ValueError, match="mode"):
        _plan(cost_store, "cycles")


# -- executing: counted runs on the counting engine, further repeats on the plain one -------------------------


class FakeEngine:
    """Answers every test Accepted in 0.1 s; counts instructions on its repeat 0 when `counting`."""

    def __init__(self, counting: bool) -> None:
        self.counting = counting
        self.calls: list[tuple[int, int]] = []  # (tests, repeat)

    async def info(self) -> EngineInfo:
        return INFO

    async def run(self, program: str, tests: Sequence[TestCase], limits: Limits | None = None, *,
                  repeat: int = 1) -> AsyncIterator[TestResult]:
        self.calls.append((len(tests), repeat))
        for r in range(repeat):
            for test in tests:
                yield TestResult(test, 3, "Accepted", 0.1, 0.1, 9000, stdout=test.expected_output or "",
                                 repeat_index=r, instructions=1234 if self.counting and r == 0 else None)

    async def aclose(self) -> None:
        pass


async def test_only_missing_repeats_run_and_counts_go_to_repeat_zero(cost_store: Store) -> None:
    _store_results(cost_store, FAST, mode="time", repeats=(0, 1))
    counting, plain = FakeEngine(True), FakeEngine(False)
    plan = _plan(cost_store, "instructions", 4)  # repeat 0 needs a count; 2 and 3 are missing
    stats = await evaluation.execute_plan(cost_store, counting, plan, LIMITS, mode="instructions",
                                          plain_engine=plain)
    assert counting.calls == [(N_TESTS, 1)]  # only repeat 0, counted
    assert plain.calls == [(N_TESTS, 2)]  # repeats 2 and 3, mapped from the plain engine's 0 and 1
    assert (stats.executed, stats.instructions_counted) == (3 * N_TESTS, N_TESTS)
    latest = cost_store.latest_executions([code_sha256(FAST)])
    assert sorted((e.repeat_idx, e.mode, e.instructions) for e in latest if e.test_idx == 0) == [
        (0, "instructions", 1234), (1, "time", None), (2, "time", None), (3, "time", None)]
    assert _plan(cost_store, "instructions", 4).to_run == 0


async def test_without_a_plain_engine_the_counting_engine_runs_everything(cost_store: Store) -> None:
    counting = FakeEngine(True)
    plan = _plan(cost_store, "instructions", 2)
    await evaluation.execute_plan(cost_store, counting, plan, LIMITS, mode="instructions")
    assert counting.calls == [(N_TESTS, 2)]
    assert _plan(cost_store, "instructions", 2).to_run == 0


# -- the report: both speedups, and where they disagree ------------------------------------------------------


@pytest.fixture
def counted_store(cost_store: Store) -> Store:
    """Row 0: FAST is 2× faster by CPU and 5× by instructions. Row 1: ODD is 2× faster by CPU time, yet
    executes 20% more instructions than its input: the two measures contradict each other."""
    _store_results(cost_store, SLOW, mode="instructions", cpu=0.2, instructions=100_000_000)
    _store_results(cost_store, FAST, mode="instructions", cpu=0.1, instructions=20_000_000)
    _store_results(cost_store, SLOW_2, mode="instructions", cpu=0.2, instructions=100_000_000)
    _store_results(cost_store, ODD, mode="instructions", cpu=0.1, instructions=120_000_000)
    return cost_store


def _verdicts(store: Store) -> dict[int, report.OutputVerdict]:
    run = store.get_run("m")
    assert run is not None
    return {v.row_idx: v for v in report.editing_verdicts(report.RunMeasurements(store, run, engine=None,
                                                                                 visibility="private"))}


def test_each_verdict_carries_both_speedups(counted_store: Store) -> None:
    verdicts = _verdicts(counted_store)
    assert verdicts[0].instruction_speedup == pytest.approx(5.0)
    assert (verdicts[0].cpu_direction, verdicts[0].instruction_direction, verdicts[0].cost_disagree) == (
        "faster", "faster", False)
    assert verdicts[1].instruction_speedup == pytest.approx(100 / 120)
    assert (verdicts[1].cpu_direction, verdicts[1].instruction_direction, verdicts[1].cost_disagree) == (
        "faster", "slower", True)


def test_without_counts_there_is_no_instruction_speedup(cost_store: Store) -> None:
    for code in (SLOW, FAST, SLOW_2, ODD):
        _store_results(cost_store, code, mode="time")
    assert all(v.instruction_speedup is None and not v.cost_disagree for v in _verdicts(cost_store).values())
    (line,) = report.build_report(cost_store, ["m"])
    assert (line.mean_instruction_speedup, line.n_cost_compared) == (None, 0)
    assert report.columns([line], "edit") == report.EDIT_COLUMNS


def test_a_test_without_a_count_leaves_the_instruction_speedup_undefined(cost_store: Store) -> None:
    """Both speedups are taken over the same tests, or the instruction one is not given."""
    _store_results(cost_store, SLOW, mode="instructions", instructions=100)
    test = _tests(cost_store)[0]
    result = TestResult(test, 3, "Accepted", 0.1, 0.1, 9000, instructions=50)
    cost_store.add_executions([evaluation.to_execution(result, code_sha256(FAST), INFO, LIMITS, "instructions",
                                                       force=False, source="test")])
    test1 = _tests(cost_store)[1]
    cost_store.add_executions([evaluation.to_execution(TestResult(test1, 3, "Accepted", 0.1, 0.1, 9000),
                                                       code_sha256(FAST), INFO, LIMITS, "time", force=False,
                                                       source="test")])
    assert _verdicts(cost_store)[0].instruction_speedup is None


def test_report_line_counts_disagreements_and_averages_instruction_speedups(counted_store: Store) -> None:
    (line,) = report.build_report(counted_store, ["m"])
    assert line.mean_instruction_speedup == pytest.approx((5.0 + 100 / 120) / 2)
    assert line.instruction_speedup_ci is not None
    assert line.instruction_speedup_ci[0] <= line.mean_instruction_speedup <= line.instruction_speedup_ci[1]
    assert (line.n_instruction_pairs, line.n_cost_compared, line.n_cost_disagreements) == (2, 2, 1)
    assert line.speedup_ci is not None and line.speedup_ci[0] <= line.mean_speedup <= line.speedup_ci[1]


def test_every_format_shows_both_speedups_and_the_disagreements(counted_store: Store) -> None:
    lines = report.build_report(counted_store, ["m"])
    (data,) = json.loads(report.render_json(lines))
    assert data["mean_instruction_speedup"] == pytest.approx((5.0 + 100 / 120) / 2)
    assert len(data["speedup_ci"]) == 2 and len(data["instruction_speedup_ci"]) == 2
    assert data["n_cost_disagreements"] == 1
    (row,) = csv.DictReader(io.StringIO(report.render_csv(lines)))
    assert json.loads(row["speedup_ci"]) == pytest.approx(list(lines[0].speedup_ci or ()))
    assert row["n_cost_disagreements"] == "1"
    md = report.render_markdown(lines)
    assert "instr. speedup" in md and "cost disagree" in md and "| 1/2 |" in md
    cols, (cells,) = report.columns(lines, "edit"), report.table_rows(lines, "edit")
    assert len(cols) == len(cells)
    assert cells[cols.index("instr. speedup")].startswith("2.917× [")


def test_explain_shows_both_speedups_and_the_contradiction(counted_store: Store) -> None:
    ex = report.explain_row(counted_store, "m", 1)
    assert [t.output_instructions for t in ex.tests] == [120_000_000] * N_TESTS
    assert (ex.input_instructions_sum, ex.output_instructions_sum) == (2e8, 2.4e8)
    assert ex.instruction_speedup == pytest.approx(100 / 120)
    assert (ex.cpu_direction, ex.instruction_direction, ex.cost_disagree) == ("faster", "slower", True)


def test_cli_explain_prints_both(counted_store: Store, store_path: Path) -> None:
    counted_store.close()
    result = CliRunner().invoke(app, ["report", "--db", str(store_path), "--run", "m", "--explain", "1"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "instruction speedup = 200,000,000 / 240,000,000 instructions = 0.8333" in text
    assert "CPU time says faster, instruction count says slower" in text and "DISAGREE" in text


# -- the flag ------------------------------------------------------------------------------------------------


def _cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def cli_store(cost_store: Store, store_path: Path) -> Path:
    cost_store.close()
    return store_path


@pytest.mark.parametrize("command", [["eval", "--run", "m"], ["run", "prog.py", "--problem", "p90001"]])
def test_judge0_cannot_count_instructions(cli_store: Path, tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "prog.py").write_text(FAST)
    args = [a if a != "prog.py" else str(tmp_path / "prog.py") for a in command]
    code, _, err = _cli(*args, "--db", str(cli_store), "--engine", "judge0", "--judge0-url", "http://127.0.0.1:9",
                        "--cost", "instructions")
    assert code == 1
    assert err.strip().count("\n") == 0
    assert "--cost instructions: instruction counts need the local engine" in err


def test_missing_valgrind_is_one_line(cli_store: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    code, _, err = _cli("eval", "--run", "m", "--db", str(cli_store), "--engine", "local", "--cost", "instructions")
    assert code == 1
    assert "valgrind is not installed" in err and err.strip().count("\n") == 0


def test_an_unknown_cost_is_refused(cli_store: Path) -> None:
    code, _, err = _cli("eval", "--run", "m", "--db", str(cli_store), "--cost", "cycles")
    assert code == 1 and "--cost: must be time or instructions" in err


# -- for real: valgrind on the local engine -------------------------------------------------------------------


def _executed(err: str) -> tuple[int, int]:
    line = next(x for x in err.splitlines() if x.startswith("m: "))
    executed = int(line.split(" test runs executed")[0].rsplit(" ", 1)[1])
    cached = int(line.split(" cached")[0].rsplit(" ", 1)[1])
    return executed, cached


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_eval_then_cost_instructions_runs_only_what_lacks_counts(store: Store, tmp_path: Path,
                                                                 store_path: Path) -> None:
    """eval --unpaired; eval --cost instructions re-runs exactly repeat 0 (now counted); a second one is fully
    cached, and so is a plain unpaired eval (a counted result satisfies a plain request)."""
    import_release(store, [_release(tmp_path / "release", n=2_000, tests=1)])
    import_outputs(store, _outputs(tmp_path, [FAST]), run_id="m")
    store.close()
    db = ["--db", str(store_path), "--engine", "local", "--format", "json"]
    code, _, err = _cli("eval", "--run", "m", *db, "--unpaired")
    assert code == 0, err
    assert _executed(err) == (2, 0)
    code, out, err = _cli("eval", "--run", "m", *db, "--cost", "instructions")
    assert code == 0, err
    assert _executed(err) == (2, 0)
    assert "2 instruction counts" in err
    (line,) = json.loads(out)
    assert line["mean_instruction_speedup"] > 1.01  # start-up dominates; still the loop adds instructions
    # Compared, yes; whether CPU time agrees depends on this machine's load (start-up dominates both
    # programs' CPU time), so the direction rule itself is tested on fixed numbers in test_stats_cost.py.
    assert line["n_cost_compared"] == 1
    code, _, err = _cli("eval", "--run", "m", *db, "--cost", "instructions")
    assert _executed(err) == (0, 2)
    code, _, err = _cli("eval", "--run", "m", *db, "--unpaired")
    assert _executed(err) == (0, 2)
    with Store.open(store_path, read_only=True) as s:
        latest = s.latest_executions([code_sha256(SLOW), code_sha256(FAST)])
        assert [(e.mode, e.instructions is not None) for e in latest] == [("instructions", True)] * 2
