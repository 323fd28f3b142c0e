"""The verdict cache behind the browser's outcome filters and pass@1 / speedup / memory orders.

Built on the TUI workbench store (tests/tui/workbench.py): alpha's row 0 is a correct optimization and row 1
a spurious one; beta's rows are no-gain and broken (two rounds each); gamma was never executed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from ecco_tui.model import Annotation
from ecco_tui.services.catalog import Catalog
from ecco_tui.services.verdicts import refresh_verdicts, stale_runs
from ecco_tui.store.store import Store, StoreError
from tests.tui.workbench import build_workbench_store

ME = "ann"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    path = build_workbench_store(tmp_path / "store.duckdb", tmp_path)
    with Store.open(path) as opened:
        yield opened


def problems(store: Store, **kwargs: object) -> list[str]:
    return [p.problem_id for p in store.problem_summaries(author=ME, **kwargs)]  # type: ignore[arg-type]


def label(store: Store, output_id: str, value: str, at: int = 0) -> None:
    store.add_annotation(Annotation(f"a-{output_id}-{value}-{at}", "output", output_id, value, None, ME,
                                    datetime(2026, 1, 1, 0, 0, at)))


def test_every_run_is_stale_until_refreshed(store: Store) -> None:
    assert stale_runs(store) == ["alpha-instruct", "beta-self-refine", "gamma-instruct"]
    assert refresh_verdicts(store) == ["alpha-instruct", "beta-self-refine", "gamma-instruct"]
    assert stale_runs(store) == []
    assert refresh_verdicts(store) == []


def test_cached_verdicts_are_what_the_browser_shows(store: Store) -> None:
    refresh_verdicts(store)
    cached = {v.output_id: v for v in store.verdicts()}
    live = {**Catalog(store).output_outcomes("p90001"), **Catalog(store).output_outcomes("p90002")}
    assert set(cached) == set(live)
    for output_id, summary in live.items():
        v = cached[output_id]
        assert (v.outcome, v.speedup, v.speedup_lo, v.speedup_hi, v.n_passed, v.n_run, v.memory_reduction) == (
            summary.outcome, summary.speedup, summary.speedup_lo, summary.speedup_hi, summary.n_passed,
            summary.n_run, summary.memory_reduction)


def test_never_executed_outputs_have_no_verdict(store: Store) -> None:
    refresh_verdicts(store)
    assert store.verdicts(run_id="gamma-instruct") == []


def test_new_executions_make_only_the_runs_that_use_them_stale(store: Store) -> None:
    refresh_verdicts(store)
    from ecco_tui.engines.base import code_sha256
    from tests.tui.workbench import FAST_SUM

    measured = store.latest_executions([code_sha256(FAST_SUM)])[0]  # alpha's row-0 output
    store.add_executions([dataclasses.replace(measured, execution_id="another-repeat", repeat_idx=1)])
    assert stale_runs(store) == ["alpha-instruct"]


@pytest.mark.parametrize(("outcome", "expected"), [
    ("correct", ["p90001"]),
    ("spurious", ["p90002"]),
    ("no-gain", ["p90001"]),
    ("broken", ["p90002"]),
    ("passes", []),
])
def test_outcome_filter_keeps_problems_with_such_an_output(store: Store, outcome: str, expected: list[str]) -> None:
    refresh_verdicts(store)
    assert problems(store, outcome=outcome) == expected
    assert store.count_problems(outcome=outcome, author=ME) == len(expected)


def test_outcome_filter_is_scoped_to_the_run_filter(store: Store) -> None:
    refresh_verdicts(store)
    assert problems(store, outcome="correct", run_id="alpha-instruct") == ["p90001"]
    assert problems(store, outcome="correct", run_id="beta-self-refine") == []


def test_matching_outputs_are_the_ones_that_made_the_problem_match(store: Store) -> None:
    refresh_verdicts(store)
    assert store.matching_output_ids("p90002", "broken") == {"beta-self-refine:1:0:0", "beta-self-refine:1:0:1"}
    detail = Catalog(store).problem_detail("p90002", outcome="spurious", author=ME)
    assert detail is not None
    assert [o.output_id for o in detail.output_rows] == ["alpha-instruct:1:0:0"]


def test_unlabeled_filter_drops_problems_whose_outputs_you_all_labelled(store: Store) -> None:
    for output in store.outputs(problem_id="p90001", limit=100):
        label(store, output.output_id, "needs-review")
    assert problems(store, outcome="unlabeled") == ["p90002"]


def test_unlabeled_reads_only_your_labels(store: Store) -> None:
    for output in store.outputs(problem_id="p90001", limit=100):
        label(store, output.output_id, "needs-review")
    assert [p.problem_id for p in store.problem_summaries(outcome="unlabeled", author="someone-else")] == [
        "p90001", "p90002"]


def test_label_filter_follows_the_live_label_after_an_undo(store: Store) -> None:
    label(store, "alpha-instruct:0:0:0", "broken", at=1)
    assert problems(store, outcome="label:broken") == ["p90001"]
    store.retract_annotation("a-alpha-instruct:0:0:0-broken-1")
    assert problems(store, outcome="label:broken") == []


def test_disagreement_is_a_label_claiming_another_outcome(store: Store) -> None:
    refresh_verdicts(store)
    label(store, "alpha-instruct:0:0:0", "correct-optimization")  # agrees
    label(store, "alpha-instruct:1:0:0", "correct-optimization")  # spurious in fact
    label(store, "beta-self-refine:0:0:1", "needs-review")  # claims no outcome
    assert problems(store, outcome="disagrees") == ["p90002"]
    assert store.matching_output_ids("p90002", "disagrees", author=ME) == {"alpha-instruct:1:0:0"}


def test_no_gain_label_agrees_with_within_noise(store: Store) -> None:
    refresh_verdicts(store)
    label(store, "beta-self-refine:0:0:1", "no-gain")
    assert problems(store, outcome="disagrees") == []


def test_label_filters_need_an_author(store: Store) -> None:
    with pytest.raises(StoreError, match="author"):
        store.problem_summaries(outcome="unlabeled")


def test_unknown_outcome_filter_is_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="unknown outcome filter 'great'"):
        store.problem_summaries(outcome="great", author=ME)


def test_problem_rows_carry_pass_at_1_and_mean_speedup_of_passing_outputs(store: Store) -> None:
    refresh_verdicts(store)
    rows = {p.problem_id: p for p in store.problem_summaries()}
    # p90001: alpha correct (6.0×) and beta's two no-gain rounds (0.8×) all pass
    assert rows["p90001"].pass_at_1 == 1.0
    assert rows["p90001"].mean_speedup == pytest.approx((6.0 + 0.8 + 0.8) / 3)
    # p90002: spurious and broken: nothing passes, so no speedup to average
    assert rows["p90002"].pass_at_1 == 0.0
    assert rows["p90002"].mean_speedup is None
    assert rows["p90003"].n_judged == 0 and rows["p90003"].pass_at_1 is None


def test_pass_at_1_is_scoped_to_the_run_filter(store: Store) -> None:
    refresh_verdicts(store)
    rows = {p.problem_id: p for p in store.problem_summaries(run_id="alpha-instruct")}
    assert rows["p90001"].mean_speedup == pytest.approx(6.0)
    assert rows["p90001"].n_judged == 1


@pytest.mark.parametrize("sort", ["pass1", "speedup", "memory"])
def test_verdict_orders_put_unjudged_problems_last(store: Store, sort: str) -> None:
    refresh_verdicts(store)
    assert problems(store, sort=sort)[-1] == "p90003"


def test_pass1_order_puts_the_best_problem_first(store: Store) -> None:
    refresh_verdicts(store)
    assert problems(store, sort="pass1") == ["p90001", "p90002", "p90003"]


def test_read_only_catalog_does_not_refresh(tmp_path: Path) -> None:
    path = build_workbench_store(tmp_path / "ro.duckdb", tmp_path)
    with Store.open(path, read_only=True) as ro:
        assert Catalog(ro).refresh_verdicts() is None


def test_cached_verdicts_carry_the_memory_interval(store: Store) -> None:
    refresh_verdicts(store)
    v = next(v for v in store.verdicts() if v.output_id == "alpha-instruct:0:0:0")
    assert v.memory_reduction is not None and v.memory_lo is not None and v.memory_hi is not None
    assert v.memory_lo <= v.memory_reduction <= v.memory_hi


def test_catalog_skips_the_stamp_check_while_nothing_was_added(store: Store) -> None:
    catalog = Catalog(store)
    assert catalog.refresh_verdicts() == ["alpha-instruct", "beta-self-refine", "gamma-instruct"]
    assert catalog.refresh_verdicts() == []
    from ecco_tui.engines.base import code_sha256
    from tests.tui.workbench import FAST_SUM

    measured = store.latest_executions([code_sha256(FAST_SUM)])[0]
    store.add_executions([dataclasses.replace(measured, execution_id="another-repeat", repeat_idx=1)])
    assert catalog.refresh_verdicts() == ["alpha-instruct"]
