import pytest

from arena.bench.stats import summarise
from arena.claims.verdicts import FAILS, HOLDS, NOT_MEASURED, PARTLY, decide


def one(value):
    return summarise([value])


def spread(*values):
    return summarise(list(values))


# --- range -----------------------------------------------------------------------


def test_range_all_inside_holds():
    verdict = decide(
        {"a": one(0.7), "b": one(0.3)},
        {"kind": "range", "expected": {"a": [0.5, 1], "b": [0.2, 0.4]}},
    )
    assert verdict.status == HOLDS
    assert verdict.summary == "2 of 2 in the claimed range"


def test_range_some_inside_is_partly_with_the_factor():
    verdict = decide(
        {"a": one(0.7), "b": one(0.6)},
        {"kind": "range", "expected": {"a": [0.5, 1], "b": [0.2, 0.4]}},
    )
    assert verdict.status == PARTLY
    assert "b: 0.6, x1.50 the upper bound 0.4" in verdict.details


def test_range_none_inside_does_not_hold_and_reports_below():
    verdict = decide({"drf": one(0.5)}, {"kind": "range", "expected": {"drf": [2, 3]}})
    assert verdict.status == FAILS
    assert verdict.details == ["drf: 0.5, x4.00 below the lower bound 2.00"]


def test_range_star_applies_to_every_measured_subject():
    spec = {"kind": "range", "expected": {"*": [0, 10]}}
    assert decide({"x": one(2.0), "y": one(3.0)}, spec).status == HOLDS
    assert decide({"x": one(2.0), "y": one(12.0)}, spec).status == PARTLY


def test_range_with_a_missing_subject_is_not_measured():
    verdict = decide({"a": one(0.7)}, {"kind": "range", "expected": {"a": [0, 1], "b": [0, 1]}})
    assert verdict.status == NOT_MEASURED
    assert "b" in verdict.summary


# --- order -------------------------------------------------------------------------


ASCENDING = {"kind": "order", "order": ["flask", "fastapi", "drf"], "direction": "ascending"}


def test_order_clearly_separated_holds():
    measured = {"flask": spread(1, 1.1, 1.2), "fastapi": spread(2, 2.1), "drf": spread(3, 3.2)}
    verdict = decide(measured, ASCENDING)
    assert verdict.status == HOLDS
    assert verdict.summary == "2 of 2 pairs clearly in the claimed order"


def test_order_reversed_does_not_hold():
    measured = {"flask": one(3), "fastapi": one(2), "drf": one(1)}
    verdict = decide(measured, ASCENDING)
    assert verdict.status == FAILS
    assert "2 clearly reversed" in verdict.summary


def test_order_within_noise_is_not_a_ranking():
    # Right medians, overlapping ranges: the data cannot tell them apart.
    measured = {"flask": spread(1.0, 2.0), "fastapi": spread(1.5, 2.5), "drf": spread(2.0, 3.0)}
    verdict = decide(measured, ASCENDING)
    assert verdict.status == FAILS
    assert "2 within noise" in verdict.summary


def test_order_mixed_is_partly():
    measured = {"flask": one(1), "fastapi": one(2), "drf": one(1.5)}
    verdict = decide(measured, ASCENDING)
    assert verdict.status == PARTLY


def test_order_descending_pairs():
    spec = {"kind": "order", "direction": "descending", "pairs": [["fast", "a"], ["fast", "b"]]}
    measured = {"fast": spread(900, 950), "a": spread(500, 520), "b": spread(1000, 1100)}
    verdict = decide(measured, spec)
    assert verdict.status == PARTLY
    assert verdict.details[0].startswith("fast > a: clear")
    assert verdict.details[1].startswith("fast > b: reversed")


def test_order_missing_subject_is_not_measured():
    assert decide({"flask": one(1)}, ASCENDING).status == NOT_MEASURED


# --- ratio -------------------------------------------------------------------------


RATIO = {"kind": "ratio", "numerator": "slow", "denominator": "fast", "at_least": 2.0}


@pytest.mark.parametrize(
    ("slow", "partly", "status"),
    [(5.0, None, HOLDS), (1.5, None, FAILS), (1.5, 1.25, PARTLY), (1.1, 1.25, FAILS)],
)
def test_ratio_thresholds(slow, partly, status):
    spec = {**RATIO, **({"partly_at_least": partly} if partly else {})}
    verdict = decide({"slow": one(slow), "fast": one(1.0)}, spec)
    assert verdict.status == status
    assert f"x{slow:.2f}" in verdict.summary


def test_ratio_zero_denominator_is_not_measured():
    assert decide({"slow": one(5), "fast": one(0)}, RATIO).status == NOT_MEASURED


def test_ratio_missing_side_is_not_measured():
    assert decide({"slow": one(5)}, RATIO).status == NOT_MEASURED


# --- no data ------------------------------------------------------------------------


def test_no_measurement_is_not_measured_never_a_verdict():
    for spec in (RATIO, ASCENDING, {"kind": "range", "expected": {"*": [0, 1]}}):
        assert decide(None, spec).status == NOT_MEASURED


def test_range_star_with_nothing_measured_is_not_measured():
    assert decide({}, {"kind": "range", "expected": {"*": [0, 1]}}).status == NOT_MEASURED


def test_unknown_kind_is_an_error():
    with pytest.raises(ValueError, match="unknown verdict kind"):
        decide({"a": one(1)}, {"kind": "vibes"})
