"""`ecco import-results`: ECCO's evaluation JSON becomes per-test executions; reports reproduce its numbers.

The fixtures in tests/fixtures/ecco_artifacts are rows cut, unchanged, from a public re-run of ECCO
(DeepSeekCoder-6.7B): an EXEC-SFT editing file (12 rows, row 3's result removed as ECCO skips rows) and an
NL-generation file (8 rows). Every expected number below is computed in the test from the JSON itself.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from ecco_tui.ingest.errors import IngestError
from ecco_tui.ingest.outputs import import_outputs
from ecco_tui.ingest.results import import_results, status_from_error
from ecco_tui.services.report import build_report
from ecco_tui.store.store import Store
from tests.factories import EDIT_ROWS, FAST_SUM, edit_output_record, write_records

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ecco_artifacts"
EDIT = "EXEC-SFT-edit_deepseek_instruct_nrowsNone_tokens1024_temp0.4_fewshotex0_samples1_2024-11-12_16_04_34.jsonl"
NL = "nl2code_deepseek_instruct_nrowsNone_tokens1024_temp0.4_fewshotex0_samples1_2024-11-10_06_54_38.jsonl"


def _load(name: str) -> dict:
    return json.loads((FIXTURES / f"generated_codes_{name}").read_text())


@pytest.fixture
def edit_store(store: Store) -> Store:
    import_outputs(store, FIXTURES / EDIT)
    import_results(store, FIXTURES / f"generated_codes_{EDIT}")
    return store


def _tests_of(entry: dict, prefix: str) -> set[str]:
    return set(entry[f"{prefix}run_time_all"]) | set(entry[f"{prefix}errors_all"]) | {
        str(t) for t in entry[f"{prefix}pass_all"]}


def test_result_file_is_matched_to_its_outputs_by_name(edit_store: Store) -> None:
    (line,) = build_report(edit_store, engine="judge0-imported")
    assert line.run_id == "deepseek-exec-sft-20241112-160434"


def test_every_test_of_every_entry_becomes_an_execution(edit_store: Store) -> None:
    data = _load(EDIT)
    expected = sum(len(_tests_of(e, "input_")) + len(_tests_of(e, "output_")) for e in data.values())
    assert edit_store.counts().tables["executions"] == expected


def test_rows_without_an_entry_are_reported_as_skipped(store: Store) -> None:
    import_outputs(store, FIXTURES / EDIT)
    result = import_results(store, FIXTURES / f"generated_codes_{EDIT}")
    assert result.skipped_rows == [3]


def test_reimporting_a_result_file_changes_nothing(edit_store: Store) -> None:
    before = edit_store.counts()
    import_results(edit_store, FIXTURES / f"generated_codes_{EDIT}")
    assert edit_store.counts() == before


def test_report_reproduces_ecco_pass_at_1_and_speedup(edit_store: Store) -> None:
    data = _load(EDIT)
    passing, speedups = 0, []
    for entry in data.values():
        out_tests, in_tests = _tests_of(entry, "output_"), _tests_of(entry, "input_")
        out_pass = {str(t) for t in entry["output_pass_all"]}
        in_pass = {str(t) for t in entry["input_pass_all"]}
        if out_tests and out_pass == out_tests:
            passing += 1
            if in_pass == in_tests:
                ids = sorted(out_pass)
                speedups.append(sum(entry["input_run_time_all"][t] for t in ids)
                                / sum(entry["output_run_time_all"][t] for t in ids))
    (compat,) = build_report(edit_store, mode="ecco")
    assert compat.n == len(data)
    assert compat.pass_at_1 == pytest.approx(100 * passing / len(data))
    assert compat.mean_speedup == pytest.approx(sum(speedups) / len(speedups))
    (default,) = build_report(edit_store)
    assert default.n == 12  # every row of the outputs file; the skipped one counts as not run
    assert default.pass_at_1 == pytest.approx(100 * passing / 12)


def test_inputs_failing_their_own_tests_are_counted(edit_store: Store) -> None:
    data = _load(EDIT)
    failing = sum(1 for e in data.values()
                  if {str(t) for t in e["input_pass_all"]} != _tests_of(e, "input_"))
    (line,) = build_report(edit_store, mode="ecco")
    assert line.n_inputs_failing == failing


def test_identical_input_and_output_keep_their_own_measurements(edit_store: Store) -> None:
    """Row 11 (ECCO row 258) outputs the input unchanged; ECCO timed them separately and so do we."""
    data = _load(EDIT)["11"]
    ids = sorted(str(t) for t in data["output_pass_all"])
    expected = sum(data["input_run_time_all"][t] for t in ids) / sum(data["output_run_time_all"][t] for t in ids)
    assert not math.isclose(expected, 1.0)
    ctx = edit_store.latest_executions(
        [e.code_sha256 for e in edit_store.executions_for(
            edit_store.get_pair("test:11").slow.code_sha256, "p03386")], engine="judge0-imported")  # type: ignore[union-attr]
    assert {e.context.rsplit("#", 1)[1] for e in ctx if e.context} == {"input", "output"}


def test_wrong_answer_only_in_errors_is_a_wrong_answer() -> None:
    assert status_from_error("Wrong Answer:\n\nExpected output:\n3\n")[0] == 4
    assert status_from_error("Traceback (most recent call last):\n ...")[0] == 11
    assert status_from_error(None)[0] == 12


def test_generation_results_reproduce_ecco_pass_at_1(store: Store) -> None:
    import_outputs(store, FIXTURES / NL)
    import_results(store, FIXTURES / f"generated_codes_{NL}")
    data = _load(NL)
    passing = sum(1 for e in data.values() if _tests_of(e, "") and {str(t) for t in e["pass_all"]} == _tests_of(e, ""))
    (line,) = build_report(store, mode="ecco")
    assert (line.n, line.pass_at_1) == (len(data), pytest.approx(100 * passing / len(data)))
    assert line.note  # no spectra in this store: percentiles are left undefined, and it says so


# -- hand-written result files in ECCO's shape -----------------------------------------------------

EDIT_NAME = "edit_tiny_instruct_nrowsNone_tokens1024_temp0.4_fewshotex0_samples1_2026-01-01_00_00_00.jsonl"


def _entry(problem_id: str, **over: object) -> dict:
    entry = {
        "problem_id": problem_id, "input_accepted": True, "output_accepted": [True],
        "input_run_time": 0.3, "best_run_time": 0.2, "input_memory": 100.0, "best_memory": 90.0,
        "speedup": 1.5, "mem_reduction": 1.1, "input_pass_rate": 0.15, "output_pass_rate": 1.0,
        "input_run_time_all": {"0": 0.1, "1": 0.2}, "output_run_time_all": {"0": 0.05, "1": 0.1},
        "input_memory_all": {"0": 50.0, "1": 50.0}, "output_memory_all": {"0": 45.0, "1": 45.0},
        "input_pass_all": [0, 1], "output_pass_all": [0, 1],
        "input_errors_all": {"2": None}, "output_errors_all": {"2": "Wrong Answer:\nx\nExpected output:\ny\n"},
    }
    entry.update(over)
    return entry


@pytest.fixture
def tiny_run(store: Store, tmp_path: Path) -> tuple[Store, Path]:
    rows = [edit_output_record(r, FAST_SUM) for r in EDIT_ROWS["test"]]
    write_records(tmp_path / EDIT_NAME, rows)
    import_outputs(store, tmp_path / EDIT_NAME)
    return store, tmp_path


def _write_result(tmp_path: Path, data: object) -> Path:
    path = tmp_path / f"generated_codes_{EDIT_NAME}"
    path.write_text(json.dumps(data))
    return path


def test_summary_fields_that_disagree_are_counted_not_trusted(tiny_run: tuple[Store, Path]) -> None:
    store, tmp = tiny_run
    result = import_results(store, _write_result(tmp, {"0": _entry("p90001"), "1": _entry("p90002")}))
    assert result.summary_disagreements == 4  # stored pass rates 0.15 and 1.0 vs 2/3 for every program
    assert "disagree" in result.warnings[0]


def test_null_error_text_gets_a_runtime_status_with_a_reason(tiny_run: tuple[Store, Path]) -> None:
    store, tmp = tiny_run
    import_results(store, _write_result(tmp, {"0": _entry("p90001")}))
    pair = store.get_pair("test:0")
    assert pair is not None
    by_test = {e.test_idx: e for e in store.executions_for(pair.slow.code_sha256, "p90001")}
    assert by_test[2].status_id == 12 and by_test[2].message
    assert by_test[0].status_id == 3 and by_test[0].cpu_time_s == 0.1


def test_problem_id_mismatch_is_named_and_nothing_is_written(tiny_run: tuple[Store, Path]) -> None:
    store, tmp = tiny_run
    before = store.counts()
    with pytest.raises(IngestError, match=r"generated_codes_edit_tiny.*:1: problem_id: 'p90001' does not match"):
        import_results(store, _write_result(tmp, {"0": _entry("p90001"), "1": _entry("p90001")}))
    assert store.counts() == before


def test_a_list_instead_of_the_object_is_refused(tiny_run: tuple[Store, Path]) -> None:
    store, tmp = tiny_run
    with pytest.raises(IngestError, match="expected one JSON object keyed by row index"):
        import_results(store, _write_result(tmp, [_entry("p90001")]))


def test_a_non_numeric_time_is_named(tiny_run: tuple[Store, Path]) -> None:
    store, tmp = tiny_run
    bad = _entry("p90001", output_run_time_all={"0": "fast"})
    with pytest.raises(IngestError, match=r":0: output_run_time_all: test 0: expected a number"):
        import_results(store, _write_result(tmp, {"0": bad}))


def test_result_file_whose_outputs_are_not_imported_says_what_to_do(store: Store, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="is not imported: run `ecco import-outputs`"):
        import_results(store, _write_result(tmp_path, {"0": _entry("p90001")}))


def test_explain_shows_how_one_row_was_computed(edit_store: Store) -> None:
    from ecco_tui.services.report import explain_row

    data = _load(EDIT)["11"]
    ex = explain_row(edit_store, "deepseek-exec-sft-20241112-160434", 11, mode="ecco")
    ids = sorted(str(t) for t in data["output_pass_all"])
    assert ex.input_time_sum == pytest.approx(sum(data["input_run_time_all"][t] for t in ids))
    assert ex.output_time_sum == pytest.approx(sum(data["output_run_time_all"][t] for t in ids))
    assert ex.speedup == pytest.approx(ex.input_time_sum / ex.output_time_sum)
    assert sum(t.counted for t in ex.tests) == len(ids)
    assert "ECCO's rule" in ex.rule


def test_explain_from_the_command_line_names_the_rule(edit_store: Store, store_path: Path) -> None:
    from typer.testing import CliRunner

    from ecco_tui.cli.main import app

    edit_store.close()
    result = CliRunner().invoke(app, ["report", "--db", str(store_path), "--run",
                                      "deepseek-exec-sft-20241112-160434", "--explain", "11", "--ecco-compat"])
    assert result.exit_code == 0, result.output
    assert "rule: ECCO's rule" in result.stdout.replace("\n", " ")
    assert "speedup = " in result.stdout


# -- a small result set computed by hand, in both modes ---------------------------------------------

HUMANS_S = [0.5, 0.3, 0.2, 0.1, 0.05]  # five accepted human solutions of each problem
HUMANS_KB = [9000.0, 7000.0, 5000.0, 4000.0, 3000.0]


def _spectra_for(store: Store, problems: set[str], tmp_path: Path) -> None:
    from ecco_tui.ingest.release import import_release

    rows = [{"problem_id": p, "runtimes": HUMANS_S, "memories": HUMANS_KB} for p in sorted(problems)]
    import_release(store, [write_records(tmp_path / "generate_eval" / "test.jsonl", rows)])


def test_generation_percentiles_by_hand_in_both_modes(store: Store, tmp_path: Path) -> None:
    import_outputs(store, FIXTURES / NL)
    import_results(store, FIXTURES / f"generated_codes_{NL}")
    data = _load(NL)
    _spectra_for(store, {e["problem_id"] for e in data.values()}, tmp_path)
    default_rt, default_mem, ecco_rt, ecco_mem = [], [], [], []
    for e in data.values():
        tests = _tests_of(e, "")
        if not tests or {str(t) for t in e["pass_all"]} != tests:
            continue
        rt = sum(e["run_time_all"].values()) / len(e["run_time_all"])
        mem = sum(e["memory_all"].values()) / len(e["memory_all"])
        # default: share of humans strictly slower / using strictly more memory, in percent
        default_rt.append(100 * sum(h > rt for h in HUMANS_S) / len(HUMANS_S))
        default_mem.append(100 * sum(h > mem for h in HUMANS_KB) / len(HUMANS_KB))

        # ECCO: humans slowest first, index of the first one below the program / count, and 0 (or none) → 1
        def ecco(value: float, humans: list[float]) -> float:
            ordered = sorted(humans, reverse=True)
            index = next((i for i, h in enumerate(ordered) if h < value), None)
            return 100 * (index / len(ordered) if index else 1)

        ecco_rt.append(ecco(rt, HUMANS_S))
        ecco_mem.append(ecco(mem, HUMANS_KB))
    assert default_rt, "the fixture has passing programs"
    (default,) = build_report(store)
    (compat,) = build_report(store, mode="ecco")
    assert default.mean_runtime_percentile == pytest.approx(sum(default_rt) / len(default_rt))
    assert default.mean_memory_percentile == pytest.approx(sum(default_mem) / len(default_mem))
    assert compat.mean_runtime_percentile == pytest.approx(sum(ecco_rt) / len(ecco_rt))
    assert compat.mean_memory_percentile == pytest.approx(sum(ecco_mem) / len(ecco_mem))


def test_memory_reduction_by_hand_in_both_modes(edit_store: Store) -> None:
    data = _load(EDIT)
    default_values, ecco_values = [], []
    for e in data.values():
        out_tests, in_tests = _tests_of(e, "output_"), _tests_of(e, "input_")
        out_pass = {str(t) for t in e["output_pass_all"]}
        if not out_tests or out_pass != out_tests:
            continue
        common = sorted(set(e["input_memory_all"]) & set(e["output_memory_all"]))
        default_values.append(sum(e["input_memory_all"][t] for t in common)
                              / sum(e["output_memory_all"][t] for t in common))
        if {str(t) for t in e["input_pass_all"]} == in_tests:
            ids = sorted(out_pass)
            ecco_values.append(sum(e["input_memory_all"][t] for t in ids) / sum(e["output_memory_all"][t] for t in ids))
    (default,) = build_report(edit_store)
    (compat,) = build_report(edit_store, mode="ecco")
    assert default.mean_memory_reduction == pytest.approx(sum(default_values) / len(default_values))
    assert compat.mean_memory_reduction == pytest.approx(sum(ecco_values) / len(ecco_values))


def test_import_results_command_leaves_the_browser_verdicts_fresh(store: Store, store_path: Path) -> None:
    from typer.testing import CliRunner

    from ecco_tui.cli.main import app
    from ecco_tui.services.verdicts import stale_runs

    import_outputs(store, FIXTURES / EDIT)
    store.close()
    result = CliRunner().invoke(app, ["import-results", "--db", str(store_path),
                                      str(FIXTURES / f"generated_codes_{EDIT}")])
    assert result.exit_code == 0, result.output
    with Store.open(store_path) as reopened:
        assert stale_runs(reopened) == []
        outcomes = {v.outcome for v in reopened.verdicts(run_id="deepseek-exec-sft-20241112-160434")}
        assert outcomes and outcomes <= {"correct-optimization", "spurious-optimization", "correct-no-gain",
                                         "within-noise", "broken"}
