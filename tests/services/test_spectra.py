"""Percentiles rank a generated program among human solutions measured like it (same engine): never among
ECCO's published Judge0 spectra, unless its results are ECCO's own (imported) or the report is --ecco-compat."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecco_tui.ingest.outputs import import_outputs
from ecco_tui.ingest.release import import_release
from ecco_tui.model import Execution, code_sha256
from ecco_tui.services import evaluation
from ecco_tui.services.judging import run_outcomes
from ecco_tui.services.judging.spectra import IMPORTED_ENGINE, PUBLISHED, human_spectra
from ecco_tui.services.report import build_report
from ecco_tui.store.store import Store
from tests.factories import FAST_SUM, GENERATE_ROWS, SLOW_SUM, write_records

GENERATED = "n = int(input())\nprint(n * (n + 1) // 2)  # generated\n"


@pytest.fixture
def generation_run(store: Store, tiny_release: Path, tmp_path: Path) -> Store:
    """Run g: one generated program for p90001, whose release spectrum is [0.01, 0.02, 0.5] s (published) and
    whose human solutions in the store are the pair's and the trajectory's SLOW_SUM and FAST_SUM."""
    import_release(store, [tiny_release])
    record = {"problem_id": "p90001", "problem_description": GENERATE_ROWS["test"][0]["problem_description"],
              "prompt": "p", "full_generations": [f"```python\n{GENERATED}```"], "generated_codes": ["\n" + GENERATED]}
    import_outputs(store, write_records(tmp_path / "nl2code_m_instruct_nrowsNone_samples1.jsonl", [record]),
                   run_id="g")
    return store


def _measure(store: Store, code: str, cpu: float, *, engine: str = "local", memory: float = 9000.0) -> None:
    """Every private test of p90001 Accepted in `cpu` seconds on `engine`."""
    sha = code_sha256(code)
    store.add_executions([
        Execution(f"{engine}-{sha[:8]}-{t.idx}", sha, "p90001", "private", t.idx, engine, f"{engine} 1", 3,
                  "Accepted", cpu, cpu, memory)
        for t in store.tests_for("p90001", "private")])


def _percentile(store: Store) -> float | None:
    run = store.get_run("g")
    assert run is not None
    (summary,) = run_outcomes(store, run).values()
    return summary.runtime_percentile


def test_a_local_run_with_no_human_measured_locally_has_no_percentile(generation_run: Store) -> None:
    _measure(generation_run, GENERATED, 0.010)
    assert _percentile(generation_run) is None  # not 66.7: the published Judge0 spectrum is never used
    (line,) = build_report(generation_run, run_ids=["g"])
    assert line.mean_runtime_percentile is None
    assert "no human solution measured on local" in line.note


def test_a_local_run_is_ranked_among_humans_measured_on_the_same_engine(generation_run: Store) -> None:
    _measure(generation_run, GENERATED, 0.010)
    _measure(generation_run, SLOW_SUM, 0.050)
    _measure(generation_run, FAST_SUM, 0.005)
    _measure(generation_run, SLOW_SUM, 0.001, engine="judge0")  # another engine's runs never mix in
    assert _percentile(generation_run) == pytest.approx(50.0)  # SLOW_SUM is slower, FAST_SUM is not
    spectrum = human_spectra(generation_run, ["p90001"], "local")["p90001"]
    assert spectrum is not None and spectrum.source == "2 human solutions on local"
    (line,) = build_report(generation_run, run_ids=["g"])
    assert line.mean_runtime_percentile == pytest.approx(50.0)
    assert "percentiles among 2 human solutions on local" in line.note


def test_imported_ecco_results_are_ranked_in_the_published_spectrum(generation_run: Store) -> None:
    _measure(generation_run, GENERATED, 0.010, engine=IMPORTED_ENGINE)
    assert _percentile(generation_run) == pytest.approx(200 / 3)  # 0.02 and 0.5 of [0.01, 0.02, 0.5]
    spectrum = human_spectra(generation_run, ["p90001"], IMPORTED_ENGINE)["p90001"]
    assert spectrum is not None and spectrum.source == PUBLISHED


def test_ecco_compat_reports_use_the_published_spectrum(generation_run: Store) -> None:
    _measure(generation_run, GENERATED, 0.010)
    (line,) = build_report(generation_run, run_ids=["g"], mode="ecco")
    assert line.mean_runtime_percentile is not None


def test_evaluating_a_generation_run_also_runs_a_sample_of_its_humans(generation_run: Store) -> None:
    programs = evaluation.run_programs(generation_run, "g")
    assert [code_sha256(code) for role, _, code in programs if role == "output"] == [code_sha256(GENERATED)]
    humans = {code_sha256(code) for role, _, code in programs if role == "human"}
    assert humans == {code_sha256(SLOW_SUM), code_sha256(FAST_SUM)}


def test_measuring_a_human_solution_makes_the_generation_runs_cached_verdicts_stale(generation_run: Store) -> None:
    from ecco_tui.services.verdicts import refresh_verdicts, stale_runs

    _measure(generation_run, GENERATED, 0.010)
    refresh_verdicts(generation_run, ["g"])
    assert stale_runs(generation_run, ["g"]) == []
    _measure(generation_run, SLOW_SUM, 0.050)  # its percentile has humans to rank among now
    assert stale_runs(generation_run, ["g"]) == ["g"]
    refresh_verdicts(generation_run, ["g"])
    (verdict,) = generation_run.verdicts(run_id="g")
    assert verdict.runtime_percentile == pytest.approx(100.0)
