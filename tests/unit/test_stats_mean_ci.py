"""The table's intervals: a seeded bootstrap of a mean over pairs (pairs resampled)."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecco_tui.metrics.stats import bootstrap_mean_ci
from ecco_tui.metrics.summary import editing_mean_intervals, editing_pair_values, summarize_editing
from ecco_tui.metrics.types import EditingRow
from tests.unit.metrics_builders import crash, ok, passing, prog

VALUES = [0.8, 1.1, 1.3, 2.0, 0.95, 1.7, 3.2, 1.05]
_values = st.lists(st.floats(0.01, 50.0, allow_nan=False, allow_infinity=False), min_size=1, max_size=25)


def test_the_point_is_the_plain_mean() -> None:
    mean, _, _ = bootstrap_mean_ci(VALUES, n_boot=50)
    assert mean == pytest.approx(sum(VALUES) / len(VALUES))


def test_same_seed_same_interval_other_seed_other_interval() -> None:
    assert bootstrap_mean_ci(VALUES, seed=4) == bootstrap_mean_ci(VALUES, seed=4)
    assert bootstrap_mean_ci(VALUES, seed=4) != bootstrap_mean_ci(VALUES, seed=5)


def test_the_global_random_state_is_left_alone() -> None:
    random.seed(123)
    expected = random.random()
    random.seed(123)
    bootstrap_mean_ci(VALUES, n_boot=100)
    assert random.random() == expected


@settings(max_examples=60, deadline=None)
@given(_values, st.randoms(use_true_random=False))
def test_order_of_the_pairs_does_not_matter(values: list[float], rnd: random.Random) -> None:
    shuffled = rnd.sample(values, len(values))
    assert bootstrap_mean_ci(shuffled, n_boot=200, seed=1) == bootstrap_mean_ci(values, n_boot=200, seed=1)


@settings(max_examples=60, deadline=None)
@given(_values)
def test_interval_holds_the_mean_and_stays_within_the_data(values: list[float]) -> None:
    mean, lo, hi = bootstrap_mean_ci(values, n_boot=200)
    assert min(values) <= lo <= mean <= hi <= max(values)


def test_a_wider_confidence_gives_a_wider_interval() -> None:
    _, lo95, hi95 = bootstrap_mean_ci(VALUES, alpha=0.05)
    _, lo50, hi50 = bootstrap_mean_ci(VALUES, alpha=0.5)
    assert lo95 <= lo50 and hi50 <= hi95


def test_one_value_or_equal_values_give_a_zero_width_interval() -> None:
    assert bootstrap_mean_ci([1.5]) == (1.5, 1.5, 1.5)
    assert bootstrap_mean_ci([2.0, 2.0, 2.0]) == (2.0, 2.0, 2.0)


def test_no_values_give_none() -> None:
    assert bootstrap_mean_ci([]) is None


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_values_are_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        bootstrap_mean_ci([1.0, bad])


def test_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="n_boot"):
        bootstrap_mean_ci(VALUES, n_boot=0)
    with pytest.raises(ValueError, match="alpha"):
        bootstrap_mean_ci(VALUES, alpha=1.0)


def test_95_percent_interval_covers_the_true_mean_in_at_least_90_percent_of_200_trials() -> None:
    """Synthetic speedups: 40 pairs drawn from a log-normal with a known mean, 200 seeded trials."""
    mu, sigma = math.log(1.3), 0.3
    true_mean = math.exp(mu + sigma**2 / 2)
    covered = 0
    for trial in range(200):
        rng = random.Random(trial)
        values = [rng.lognormvariate(mu, sigma) for _ in range(40)]
        _, lo, hi = bootstrap_mean_ci(values, n_boot=500, seed=trial)
        covered += lo <= true_mean <= hi
    assert covered >= 180


# -- the table's intervals over the very values the table averages ------------------------------------------


ROWS = [
    EditingRow(passing([2.0, 2.0]), (passing([1.0, 1.0], [50.0, 100.0]),)),  # speedup 2, memory 200/150
    EditingRow(passing([1.0, 1.0]), (passing([1.0, 0.5]),)),  # 4/3
    EditingRow(passing([1.0, 1.0]), (prog(ok(0, 0.1), crash(1)),)),  # fails: not averaged
    EditingRow(passing([3.0]), (passing([1.0]), passing([3.0]))),  # two samples: 3 and 1
]


def test_pair_values_are_the_ones_the_mean_speedup_averages() -> None:
    values = editing_pair_values(ROWS)
    summary = summarize_editing(ROWS)
    assert values.speedups == pytest.approx((2.0, 4 / 3, 3.0, 1.0))
    assert summary.mean_speedup == pytest.approx(sum(values.speedups) / len(values.speedups))
    assert summary.mean_memory_reduction == pytest.approx(
        sum(values.memory_reductions) / len(values.memory_reductions))


@pytest.mark.parametrize("mode", ["default", "ecco"])
def test_table_intervals_bracket_the_table_means(mode: str) -> None:
    summary = summarize_editing(ROWS, mode=mode)  # type: ignore[arg-type]
    intervals = editing_mean_intervals(ROWS, mode=mode)  # type: ignore[arg-type]
    assert intervals.speedup is not None and intervals.memory_reduction is not None
    assert intervals.speedup[0] <= summary.mean_speedup <= intervals.speedup[1]
    assert intervals.memory_reduction[0] <= summary.mean_memory_reduction <= intervals.memory_reduction[1]


def test_table_intervals_do_not_depend_on_row_order() -> None:
    assert editing_mean_intervals(ROWS) == editing_mean_intervals(list(reversed(ROWS)))


def test_no_passing_pair_gives_no_interval() -> None:
    rows = [EditingRow(passing([1.0]), (prog(crash(0)),))]
    assert editing_mean_intervals(rows).speedup is None


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    from ecco_tui.metrics import median_or_none

    assert median_or_none([4.0, 1.0, 3.0, 2.0]) == 2.5
    assert median_or_none([3.0, 1.0, 2.0]) == 2.0
    assert median_or_none([]) is None
