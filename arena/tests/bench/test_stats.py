import math

import pytest

from arena.bench.stats import Summary, median_ci_ranks, summarise


def test_median_and_range():
    s = summarise([3, 1, 2])
    assert (s.n, s.median, s.min, s.max) == (3, 2, 1, 3)
    assert s.spread == 3


def test_small_samples_have_no_exact_interval_and_fall_back_to_the_range():
    s = summarise([5, 1, 4, 2, 3])
    assert not s.exact_ci
    assert (s.ci_low, s.ci_high) == (1, 5)


@pytest.mark.parametrize(("n", "ranks"), [(5, None), (6, (0, 5)), (10, (1, 8)), (20, (5, 14))])
def test_median_interval_ranks_match_the_binomial_table(n, ranks):
    assert median_ci_ranks(n) == ranks


def test_interval_of_ten_values():
    s = summarise(list(range(10, 0, -1)))
    assert s.exact_ci
    assert (s.ci_low, s.ci_high) == (2, 9)
    assert s.median == 5.5


def test_spread_of_a_zero_minimum_is_infinite_and_json_says_null():
    s = summarise([0, 5])
    assert math.isinf(s.spread)
    assert s.to_json()["spread"] is None
    assert Summary.from_json(s.to_json()) == s


def test_empty_sample_is_refused():
    with pytest.raises(ValueError, match="empty"):
        summarise([])
