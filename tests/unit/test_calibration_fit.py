"""Specification of the engine-calibration fit (`metrics.calibration`): factor, spread, interval, line, skips."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecco_tui.metrics import fit_factor, geometric_sd, measured_ratio, theil_sen
from ecco_tui.metrics.calibration import SKIP_BELOW_FLOOR, SKIP_FAILED, SKIP_NOT_POSITIVE

positive = st.floats(min_value=1e-3, max_value=1e3, allow_nan=False, allow_infinity=False)
factors = st.floats(min_value=0.05, max_value=20.0, allow_nan=False, allow_infinity=False)
programs = st.dictionaries(st.text(min_size=1, max_size=6), st.tuples(positive, positive), min_size=1, max_size=12)


def test_exact_proportional_engines_give_that_factor_with_no_spread():
    pairs = {f"p{i}": (a, 2.5 * a) for i, a in enumerate([0.01, 0.05, 0.2, 1.0, 2.0])}
    fit = fit_factor(pairs, n_boot=200)
    assert fit.n == 5
    assert fit.factor == pytest.approx(2.5)
    assert fit.geo_mean == pytest.approx(2.5)
    assert fit.gsd == pytest.approx(1.0)
    assert fit.lo == pytest.approx(2.5) and fit.hi == pytest.approx(2.5)
    assert fit.ratio_q1 == pytest.approx(2.5) and fit.ratio_q3 == pytest.approx(2.5)
    assert fit.slope == pytest.approx(2.5)
    assert fit.offset == pytest.approx(0.0, abs=1e-12)
    assert fit.skipped == {}


def test_factor_is_the_median_ratio_in_log_space():
    pairs = {"a": (1.0, 1.0), "b": (1.0, 2.0), "c": (1.0, 8.0), "d": (1.0, 4.0)}
    # ratios 1, 2, 4, 8: median of logs is halfway between log 2 and log 4.
    assert fit_factor(pairs, n_boot=10).factor == pytest.approx(math.sqrt(8))


def test_one_outlying_program_does_not_move_the_factor():
    pairs = {f"p{i}": (0.1 * (i + 1), 0.2 * (i + 1)) for i in range(9)}
    clean = fit_factor(pairs, n_boot=100)
    pairs["odd"] = (1.0, 50.0)  # a cache cliff on one engine
    dirty = fit_factor(pairs, n_boot=100)
    assert clean.factor == pytest.approx(2.0)
    assert dirty.factor == pytest.approx(2.0)
    assert dirty.slope == pytest.approx(2.0)  # Theil–Sen is robust too
    assert dirty.geo_mean > clean.geo_mean  # the mean is not: that is why it is not the factor
    assert dirty.gsd > 1.0


def test_failed_non_positive_and_below_floor_programs_are_skipped_with_a_reason():
    pairs = {
        "ok1": (0.5, 1.0),
        "ok2": (1.0, 2.0),
        "crashed": (None, 1.0),
        "wrong": (0.5, None),
        "zero": (0.0, 0.1),
        "tiny": (0.005, 0.01),
    }
    fit = fit_factor(pairs, floor=0.02, n_boot=50)
    assert fit.n == 2
    assert fit.factor == pytest.approx(2.0)
    assert set(fit.ratios) == {"ok1", "ok2"}
    assert fit.skipped == {"crashed": SKIP_FAILED, "wrong": SKIP_FAILED, "zero": SKIP_NOT_POSITIVE,
                           "tiny": SKIP_BELOW_FLOOR}


def test_floor_applies_to_either_engine():
    fit = fit_factor({"a": (0.5, 0.01), "b": (0.01, 0.5), "c": (1.0, 1.0)}, floor=0.02, n_boot=10)
    assert set(fit.skipped) == {"a", "b"}
    assert fit.factor == 1.0


def test_nothing_usable_gives_an_empty_fit():
    fit = fit_factor({"a": (None, None), "b": (0.001, 0.001)}, floor=0.02)
    assert fit.n == 0
    assert fit.factor is fit.lo is fit.hi is fit.gsd is fit.slope is None
    assert set(fit.skipped) == {"a", "b"}


def test_one_program_gives_a_factor_but_no_spread_or_interval():
    fit = fit_factor({"a": (1.0, 3.0)})
    assert fit.factor == pytest.approx(3.0)
    assert fit.gsd is None and fit.lo is None and fit.hi is None
    assert fit.slope is None  # a line needs two distinct points


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        fit_factor({"a": (1.0, 1.0)}, n_boot=0)
    with pytest.raises(ValueError):
        fit_factor({"a": (1.0, 1.0)}, alpha=1.5)


def test_fixed_offset_shows_in_the_line_not_only_in_the_ratios():
    # Engine B = 8 MB of interpreter that A does not count + the same growth.
    pairs = {f"p{i}": (mb, 8.0 + mb) for i, mb in enumerate([2.0, 10.0, 50.0, 100.0, 200.0])}
    fit = fit_factor(pairs, n_boot=50)
    assert fit.offset == pytest.approx(8.0)
    assert fit.slope == pytest.approx(1.0)
    assert fit.gsd > 1.2  # the ratios drift with size: a single factor is a poor summary here


def test_same_seed_same_interval_and_the_global_generator_is_untouched():
    rand = random.Random(4)
    pairs = {f"p{i}": (1.0, math.exp(rand.gauss(0.3, 0.1))) for i in range(15)}
    random.seed(9)
    before = random.random()
    random.seed(9)
    first = fit_factor(pairs, seed=3, n_boot=300)
    assert random.random() == before
    assert fit_factor(pairs, seed=3, n_boot=300) == first


def test_interval_covers_the_true_factor_in_at_least_90_percent_of_200_trials():
    true_factor = 1.8
    covered = 0
    for trial in range(200):
        rand = random.Random(trial)
        pairs = {}
        for i in range(20):
            a = math.exp(rand.uniform(math.log(0.01), math.log(2.0)))
            pairs[f"p{i}"] = (a, true_factor * a * math.exp(rand.gauss(0.0, 0.08)))
        fit = fit_factor(pairs, n_boot=400, seed=trial)
        covered += fit.lo <= true_factor <= fit.hi
    assert covered >= 180


@given(programs)
@settings(max_examples=60, deadline=None)
def test_factor_lies_within_the_ratios_and_inside_its_interval(pairs):
    fit = fit_factor(pairs, n_boot=50)
    ratios = sorted(b / a for a, b in pairs.values())
    assert fit.n == len(pairs)
    assert ratios[0] * (1 - 1e-9) <= fit.factor <= ratios[-1] * (1 + 1e-9)
    if fit.n >= 2:
        assert fit.lo <= fit.factor <= fit.hi
        assert fit.gsd >= 1.0
        assert fit.ratio_q1 <= fit.ratio_q3


@given(programs)
@settings(max_examples=60, deadline=None)
def test_swapping_the_engines_inverts_the_factor(pairs):
    forward = fit_factor(pairs, n_boot=20)
    backward = fit_factor({k: (b, a) for k, (a, b) in pairs.items()}, n_boot=20)
    assert forward.factor * backward.factor == pytest.approx(1.0)
    if forward.gsd is not None:
        assert backward.gsd == pytest.approx(forward.gsd)


@given(programs, st.randoms(use_true_random=False))
@settings(max_examples=60, deadline=None)
def test_order_of_programs_does_not_matter(pairs, rnd):
    items = list(pairs.items())
    rnd.shuffle(items)
    assert fit_factor(dict(items), n_boot=50) == fit_factor(pairs, n_boot=50)


@given(programs, factors)
@settings(max_examples=60, deadline=None)
def test_scaling_both_engines_alike_changes_nothing_but_scaling_one_scales_the_factor(pairs, k):
    base = fit_factor(pairs, n_boot=30)
    both = fit_factor({p: (a * k, b * k) for p, (a, b) in pairs.items()}, n_boot=30)
    one = fit_factor({p: (a, b * k) for p, (a, b) in pairs.items()}, n_boot=30)
    assert both.factor == pytest.approx(base.factor)
    assert one.factor == pytest.approx(base.factor * k)
    if base.lo is not None:
        assert one.lo == pytest.approx(base.lo * k) and one.hi == pytest.approx(base.hi * k)


@given(st.lists(st.tuples(positive, positive), min_size=2, max_size=10), factors,
       st.floats(min_value=-5, max_value=5, allow_nan=False))
@settings(max_examples=60, deadline=None)
def test_theil_sen_recovers_an_exact_line(points, slope, offset):
    # x values at least 0.01 apart: a slope between two x one ulp apart is rounding noise, not the line's.
    xs = sorted({round(x, 2) for x, _ in points})
    if len(xs) < 2:
        return
    line = theil_sen([(x, offset + slope * x) for x in xs])
    assert line is not None
    assert line[1] == pytest.approx(slope, rel=1e-6, abs=1e-9)
    assert line[0] == pytest.approx(offset, rel=1e-6, abs=1e-6)


def test_theil_sen_needs_two_distinct_x():
    assert theil_sen([(1.0, 2.0), (1.0, 3.0)]) is None
    assert theil_sen([]) is None


def test_geometric_sd_and_measured_ratio():
    assert geometric_sd([2.0]) is None
    assert geometric_sd([1.0, 1.0, 1.0]) == 1.0
    assert geometric_sd([0.5, 2.0]) == pytest.approx(math.exp(math.log(2) * math.sqrt(2)))
    assert measured_ratio(2.0, 3.0) == 1.5
    assert measured_ratio(None, 3.0) is None
    assert measured_ratio(0.0, 3.0) is None
    assert measured_ratio(1.0, float("nan")) is None
