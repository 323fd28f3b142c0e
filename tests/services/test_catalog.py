"""Catalog read-side: outcomes and metrics from stored executions, compare views, fuzzy search."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ecco_tui.model import Execution
from ecco_tui.services.catalog import Catalog, fuzzy_pattern
from ecco_tui.services.report import RunMeasurements, editing_verdicts
from ecco_tui.store.store import Store
from tests.tui.workbench import build_workbench_store


@pytest.fixture(scope="module")
def workbench(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("catalog")
    return build_workbench_store(work / "store.duckdb", work)


@pytest.fixture
def catalog(workbench: Path) -> Iterator[Catalog]:
    store = Store.open(workbench, read_only=True)
    yield Catalog(store)
    store.close()


def test_outcomes_of_a_problems_outputs(catalog: Catalog) -> None:
    assert {k: v.outcome for k, v in catalog.output_outcomes("p90002").items()} == {
        "alpha-instruct:1:0:0": "spurious-optimization",
        "beta-self-refine:1:0:0": "broken",
        "beta-self-refine:1:0:1": "broken",
    }


def test_outputs_without_executions_have_no_outcome_entry(catalog: Catalog) -> None:
    assert "gamma-instruct:0:0:0" not in catalog.output_outcomes("p90001")


def test_spurious_output_is_fast_and_wrong(catalog: Catalog) -> None:
    summary = catalog.output_outcomes("p90002")["alpha-instruct:1:0:0"]
    assert summary.speedup == pytest.approx(8.0)  # the raw ratio: what makes it look attractive
    assert (summary.n_passed, summary.n_run) == (0, 2)  # private tests; it passes the public one


def test_pair_view_metrics_and_percentile(catalog: Catalog) -> None:
    view = catalog.pair_view("test:0")
    assert view is not None
    m = view.metrics
    assert m.speedup_lo is not None and m.speedup_hi is not None
    assert 5.0 < m.speedup_lo < 6.0 < m.speedup_hi < 7.0  # single runs: the 3% measurement-noise floor
    assert m.outcome == "correct-optimization"
    assert m.speedup == pytest.approx(6.0)
    assert m.right is not None and m.right.all_passed and m.right.n_run == 3
    # Ranked among p90001's human solutions measured on the same engine (local): the slow one is slower, the
    # fast one (itself) is not. ECCO's published Judge0 spectrum (one of three slower) is never mixed in.
    assert m.runtime_percentile == pytest.approx(50.0)
    assert view.spectrum is not None and view.spectrum.source == "2 human solutions on local"


def test_the_compare_view_says_how_its_verdict_was_reached(catalog: Catalog) -> None:
    view = catalog.pair_view("test:0")
    assert view is not None
    assert view.metrics.basis == "unpaired 3 tests × 1 run · 95% bootstrap, 3% floor"
    assert [row.label for row in view.tests] == ["public:0", "private:0", "private:1", "private:2"]


def test_output_view_without_executions_is_not_run(catalog: Catalog) -> None:
    view = catalog.output_view("gamma-instruct:0:0:0")
    assert view is not None
    assert view.metrics.outcome == "not-run" and not view.metrics.ran
    assert all(not row.right.ran for row in view.tests)
    assert view.run is not None and view.run.model == "gamma"


def test_trajectory_step_compares_with_the_previous_submission(catalog: Catalog) -> None:
    view = catalog.trajectory_step_view("u1:p90001", 2)
    assert view is not None
    assert (view.left_label, view.right_label) == ("step 1", "step 2 (Accepted)")
    assert catalog.trajectory_step_view("u1:p90001", 9) is None


def test_unknown_ids_give_none(catalog: Catalog) -> None:
    assert catalog.pair_view("nope") is None
    assert catalog.output_view("nope") is None
    assert catalog.problem_detail("nope") is None


def test_fuzzy_search_pattern_keeps_characters_in_order() -> None:
    assert fuzzy_pattern("p32") == "p%3%2"
    assert fuzzy_pattern(" lis ") == "l%i%s"
    assert fuzzy_pattern("  ") is None


def test_fuzzy_problem_page_matches_name_subsequence(catalog: Catalog) -> None:
    page = catalog.problem_page(search="tsum", fuzzy=True)
    assert [p.problem_id for p in page.rows] == ["p90001"]  # "Triangle Sum"


def test_browser_outcomes_are_the_reports_verdicts(catalog: Catalog) -> None:
    """The app and `ecco report` judge every output the same way (the catalog runs the report's code)."""
    store = catalog.store
    for run in store.runs():
        data = RunMeasurements(store, run, engine=None, visibility="private")
        expected = {v.output_id: v.outcome for v in editing_verdicts(data) if v.outcome != "not-run"}
        shown: dict[str, str] = {}
        for problem_id in ("p90001", "p90002"):
            shown.update({k: v.outcome for k, v in catalog.output_outcomes(problem_id).items()
                          if k.startswith(run.run_id + ":")})
        assert {k: shown.get(k) for k in expected} == expected  # the report scores final rounds only


def test_metrics_score_private_tests_and_count_public_ones_apart(catalog: Catalog) -> None:
    view = catalog.pair_view("test:0")
    assert view is not None and view.metrics.right is not None
    assert view.metrics.n_tests == 3
    assert (view.metrics.right.n_passed, view.metrics.right.n_run) == (3, 3)
    assert (view.metrics.right.public_passed, view.metrics.right.public_run) == (1, 1)
    assert len(view.tests) == 4  # the table lists the public test too


def test_a_second_engine_is_named_and_the_busier_one_is_used(workbench: Path, tmp_path: Path) -> None:
    path = tmp_path / "two-engines.duckdb"
    shutil.copy(workbench, path)
    with Store.open(path) as store:
        fast = store.get_pair("test:0")
        assert fast is not None
        store.add_executions([Execution(
            execution_id="judge0-once", code_sha256=fast.fast.code_sha256, problem_id="p90001",
            visibility="private", test_idx=0, engine="judge0", engine_version="1.13.1", status_id=3,
            status_description="Accepted", cpu_time_s=0.5, wall_time_s=0.5, memory_kb=1.0,
        )])
        view = Catalog(store).pair_view("test:0")
    assert view is not None
    assert view.metrics.engine == "local (also judge0)"
    assert view.metrics.speedup == pytest.approx(6.0)  # judged on local's executions only


def test_generation_output_is_judged_on_correctness_and_percentile(tmp_path: Path) -> None:
    from ecco_tui.services.imports import build_sample_store

    with Store.open(tmp_path / "sample.duckdb") as store:
        build_sample_store(store)
        catalog = Catalog(store)
        run = next(r for r in store.runs() if r.task == "generate")
        output = store.outputs(run_id=run.run_id, limit=1)[0]
        view = catalog.output_view(output.output_id)
    assert view is not None
    assert view.left_label in ("fastest human", "(no reference)")
    assert view.metrics.outcome == "not-run"  # the sample store ships without executions


def test_per_test_rows_list_public_then_private_tests_in_numeric_order() -> None:
    from ecco_tui.model import StoredTest
    from ecco_tui.services.catalog import _with_measured_tests

    stored = [StoredTest("p1", "private", 2, "", "", ""), StoredTest("p1", "public", 1, "", "", "")]
    measured: dict[tuple[str, int], list[Execution]] = {("private", 10): [], ("private", 3): [], ("public", 11): []}
    tests = _with_measured_tests(stored, "p1", measured)
    assert [f"{t.visibility}:{t.idx}" for t in tests] == ["public:1", "public:11", "private:2", "private:3",
                                                          "private:10"]
