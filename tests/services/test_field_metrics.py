"""Every efficiency metric of the field from one store (services.field_metrics), on the hand-measured store of
`field_fixtures` (its table lists every program's figures; each expected value is worked from it here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecco_tui.services.field_metrics import (
    CPU_TIME,
    INSTRUCTIONS,
    FieldTable,
    Level,
    field_tables,
    parse_metrics,
    render_csv,
    render_json,
)
from ecco_tui.store.store import Store
from tests.services.field_fixtures import A_SUM, FAST_SUM, SLOW_MAX, SLOW_SUM, build_field_store, measure


@pytest.fixture
def editing(store: Store, tmp_path: Path) -> FieldTable:
    (table,) = field_tables(build_field_store(store, tmp_path))
    return table


def _value(table: FieldTable, run: str, metric: str) -> float | None:
    return next(r for r in table.runs if r.run_id == run).cell(metric).value


def test_eff_at_1_with_the_pairs_fast_program_as_reference(editing: FieldTable) -> None:
    """A: p90001 T = 2 x 0.010, (0.020 - 0.015) / 0.010 = 0.5; p90002 T = 0.040, (0.040 - 0.010) / 0.020 = 1.5.
    B: wrong on p90001 (0); (0.040 - 0.025) / 0.020 = 0.75."""
    assert _value(editing, "A", "eff@1") == pytest.approx(1.0)
    assert _value(editing, "B", "eff@1") == pytest.approx(0.375)


def test_one_sample_per_row_gives_eff_at_1_equal_to_the_mean_efficiency(editing: FieldTable) -> None:
    cell = editing.runs[0].cell("eff@1")
    assert cell.value == pytest.approx(sum(c.value for c in cell.top) / len(cell.top))


def test_dps_clusters_the_human_solutions_by_cpu_time_and_says_so(editing: FieldTable) -> None:
    """Humans 0.040 / 0.010 s and 0.030 / 0.020 s: two clusters each (scores 50, 100). A: 0.015 s matches the
    slow cluster (50), 0.010 s the fast one (100); B: wrong (0), 0.025 s the slow one (50)."""
    assert (_value(editing, "A", "dps"), _value(editing, "A", "dps_norm")) == (75.0, 75.0)
    assert (_value(editing, "B", "dps"), _value(editing, "B", "dps_norm")) == (25.0, 25.0)
    assert all(r.cost == CPU_TIME for r in editing.runs)
    assert "cost: cpu time" in editing.runs[0].cell("dps").note
    assert any("EvalPerf / COFFE cost: cpu time" in note for note in editing.notes)


def test_dps_uses_instruction_counts_where_every_program_has_them(store: Store, tmp_path: Path) -> None:
    (table,) = field_tables(build_field_store(store, tmp_path, instructions=True), metrics="dps")
    assert all(r.cost == INSTRUCTIONS for r in table.runs)
    assert _value(table, "A", "dps") == 75.0
    assert "cost: instructions" in table.runs[0].cell("dps").note


def test_beyond_places_each_output_in_the_human_runtime_range(editing: FieldTable) -> None:
    """A: (0.040 - 0.015) / 0.030 and faster than every human (1): 11/12. B: 0 and (0.030 - 0.025) / 0.010."""
    assert _value(editing, "A", "beyond@1") == pytest.approx(11 / 12)
    assert _value(editing, "B", "beyond@1") == pytest.approx(0.25)


def test_pie_speedup_is_against_the_source_and_pct_opt_counts_rows_ten_percent_faster(editing: FieldTable) -> None:
    """A: 0.120 / 0.045 and 0.060 / 0.020 -> (8/3 + 3) / 2; B: wrong keeps the source (1), 0.060 / 0.050 = 1.2."""
    assert _value(editing, "A", "speedup@1") == pytest.approx((8 / 3 + 3) / 2)
    assert _value(editing, "B", "speedup@1") == pytest.approx(1.1)
    assert (_value(editing, "A", "pct_opt"), _value(editing, "B", "pct_opt")) == (100.0, 50.0)


def test_efficient_at_1_needs_correct_and_cheaper_than_every_human(editing: FieldTable) -> None:
    """A: 0.015 s is not under FAST_SUM's 0.010 s, 0.010 s is under FAST_MAX's 0.020 s; B: neither."""
    assert (_value(editing, "A", "efficient@1"), _value(editing, "B", "efficient@1")) == (0.5, 0.0)


def test_net_and_nmu_against_the_pairs_fast_program(editing: FieldTable) -> None:
    """A: (0.045 + 0.020) / (0.030 + 0.040) and (1.5 + 0.5) / 2; peak memory 3000 / 6000 KB. B: its one correct
    output, 0.050 / 0.040."""
    assert _value(editing, "A", "net") == pytest.approx(0.065 / 0.070)
    assert _value(editing, "A", "net_mean") == pytest.approx(1.0)
    assert _value(editing, "A", "nmu") == pytest.approx(0.5)
    assert _value(editing, "B", "net") == pytest.approx(1.25)
    assert "1 correct outputs" in editing.runs[1].cell("net").note


def test_values_over_several_rows_carry_a_seeded_interval(editing: FieldTable, store: Store) -> None:
    cell = editing.runs[0].cell("eff@1")
    assert cell.interval is not None and cell.interval[0] <= cell.value <= cell.interval[1]  # type: ignore[operator]
    (again,) = field_tables(store)
    assert again.runs[0].cell("eff@1").interval == cell.interval


def test_a_generation_run_has_no_pie_speedup_and_says_why(store: Store, tmp_path: Path) -> None:
    tables = field_tables(build_field_store(store, tmp_path, generation=True), run_ids=["G"])
    (table,) = tables
    assert table.task == "generate"
    cell = table.runs[0].cell("speedup@1")
    assert cell.value is None and cell.note == "n/a: needs a source program (editing runs)"
    # the reference is the fastest human (FAST_SUM, 0.010 s): T = 0.020, the output's 0.020 s scores 0
    assert _value(table, "G", "eff@1") == 0.0
    assert _value(table, "G", "net") == pytest.approx(2.0)


def test_metrics_without_measured_references_say_what_they_need(store: Store, tmp_path: Path) -> None:
    (table,) = field_tables(build_field_store(store, tmp_path, humans=False), run_ids=["A"])
    cells = {c.metric: c for c in table.runs[0].cells}
    assert all(c.value is None and c.note.startswith("n/a: needs") for c in cells.values())
    assert cells["eff@1"].note == "n/a: needs the pairs' fast programs measured on local"
    assert cells["beyond@1"].note == "n/a: needs human solutions measured on local"


def test_human_solutions_of_another_engine_never_count(store: Store, tmp_path: Path) -> None:
    build_field_store(store, tmp_path, humans=False)
    for code, problem, cpu in ((SLOW_SUM, "p90001", 0.04), (FAST_SUM, "p90001", 0.01), (SLOW_MAX, "p90002", 0.03)):
        measure(store, code, problem, cpu, engine="judge0")
    (table,) = field_tables(store, run_ids=["A"], metrics="beyond@1")
    assert table.runs[0].cell("beyond@1").value is None


def test_results_from_several_engines_make_the_run_na_naming_them(store: Store, tmp_path: Path) -> None:
    build_field_store(store, tmp_path)
    measure(store, A_SUM, "p90001", 0.015, engine="judge0")
    (table,) = field_tables(store, run_ids=["A"], metrics="eff@1")
    cell = table.runs[0].cell("eff@1")
    assert cell.value is None and "several engines" in cell.note


def test_runs_are_ranked_best_first_whichever_way_a_metric_points(editing: FieldTable) -> None:
    a, b = editing.runs
    assert (a.cell("eff@1").rank, b.cell("eff@1").rank) == (1.0, 2.0)
    assert (a.cell("net").rank, b.cell("net").rank) == (1.0, 2.0)  # lower is better
    assert a.cell("nmu").rank == b.cell("nmu").rank == 1.5  # tied


def test_the_agreement_matrix_holds_kendalls_tau_between_rankings(editing: FieldTable) -> None:
    assert editing.tau("eff@1", "net") == 1.0
    assert editing.tau("eff@1", "nmu") is None  # every run tied under NMU


def test_contributions_name_the_outputs_with_the_largest_terms(editing: FieldTable) -> None:
    (first, second) = editing.contributions("A", "eff@1")
    assert (first.output_id, first.problem_id, first.value) == ("A:1:0:0", "p90002", pytest.approx(1.5))
    assert second.value == pytest.approx(0.5)


def test_metric_lists_take_families_and_any_k() -> None:
    assert [m.key for m in parse_metrics("eff@3,pie")] == ["eff@3", "speedup@1", "pct_opt"]
    assert len(parse_metrics("all")) == 11
    with pytest.raises(ValueError, match="unknown metric 'speed'"):
        parse_metrics("speed")


def test_k_beyond_the_samples_per_row_is_na(store: Store, tmp_path: Path) -> None:
    (table,) = field_tables(build_field_store(store, tmp_path), metrics="eff@2")
    assert table.runs[0].cells[0].note == "n/a: needs at least 2 samples per row"


def test_json_lists_every_metric_of_every_run_and_csv_one_line_each(editing: FieldTable) -> None:
    import json

    (item,) = json.loads(render_json([editing], agreement=True))
    assert {r["run_id"]: sorted(r["metrics"]) for r in item["runs"]} == {
        "A": sorted(m.key for m in editing.metrics), "B": sorted(m.key for m in editing.metrics)}
    assert item["agreement"]["eff@1"]["net"] == 1.0
    assert len(render_csv([editing]).splitlines()) == 1 + 2 * len(editing.metrics)


def test_configured_levels_weigh_enamel_and_the_notes_say_so(store: Store, tmp_path: Path) -> None:
    """Every test of a program takes the same time here, so each level's efficiency is the one-level one: the
    weighted mean is unchanged (A: 1.0), and the notes name the levels instead of "one level"."""
    levels = [Level(frozenset({0}), 1.0), Level(frozenset({1, 2}), 3.0)]
    (table,) = field_tables(build_field_store(store, tmp_path), metrics="eff@1", levels=levels)
    assert _value(table, "A", "eff@1") == pytest.approx(1.0)
    assert "ENAMEL eff@k: 2 levels (weights 1, 3)" in table.notes[0]


def test_the_workbench_serves_the_tables_to_the_app(store: Store, tmp_path: Path) -> None:
    from ecco_tui.services.workbench import Workbench

    build_field_store(store, tmp_path)
    (table,) = Workbench(store).field_tables(metrics="eff@1")
    assert [r.run_id for r in table.runs] == ["A", "B"]
