"""Verdicts: a claim's expectation checked against measured values.

A measurement is ``{subject: Summary}`` (a subject is a server, an implementation, a
variant...). Three verdict kinds, chosen by the claim's ``[verdict]`` table:

- ``range``: each subject's median lies in ``expected[subject]`` (``"*"`` applies to
  every subject). All in: holds; none: does not hold; some: partly. The factor says
  how far outside a bound a median is.
- ``order``: ``order = [a, b, c]`` with ``direction`` ascending (a < b < c) or
  descending, or explicit ``pairs = [[a, b], ...]`` meaning a before b. A pair is
  *clear* when the medians are in the claimed order and the intervals (``ci_low`` ..
  ``ci_high``, the full range for few repeats) do not overlap, *reversed* when the
  medians are the other way round and do not overlap, *within noise* otherwise.
  All clear: holds; none clear (reversed or within noise): does not hold, since a
  ranking the data cannot tell apart is not borne out; some clear: partly.
- ``ratio``: median of ``numerator`` / median of ``denominator``; holds at or above
  ``at_least``, partly at or above ``partly_at_least`` (when given), else does not hold.

A subject the verdict needs and the measurement lacks gives "not measured": never a
verdict on part of the evidence.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from arena.bench.stats import Summary

HOLDS = "holds"
FAILS = "does not hold"
PARTLY = "partly"
NOT_MEASURED = "not measured"


@dataclass(frozen=True)
class Verdict:
    status: str
    summary: str  # one line, with the factor
    details: list[str] = field(default_factory=list)


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def _missing(measured: dict[str, Summary], needed: list[str]) -> Verdict | None:
    absent = [subject for subject in needed if subject not in measured]
    if absent:
        return Verdict(NOT_MEASURED, "no data for " + ", ".join(absent))
    return None


def _tally(good: int, total: int) -> str:
    if total and good == total:
        return HOLDS
    if good == 0:
        return FAILS
    return PARTLY


def check_range(measured: dict[str, Summary], expected: dict[str, list[float]]) -> Verdict:
    bounds = dict(expected)
    default = bounds.pop("*", None)
    subjects = list(bounds) or list(measured)
    if default is not None:
        subjects = list(dict.fromkeys([*bounds, *measured]))
    if not subjects:
        return Verdict(NOT_MEASURED, "nothing measured")
    missing = _missing(measured, subjects)
    if missing:
        return missing
    inside = 0
    details = []
    for subject in subjects:
        low, high = bounds.get(subject, default) or (None, None)
        assert low is not None
        assert high is not None
        median = measured[subject].median
        if low <= median <= high:
            inside += 1
            details.append(f"{subject}: {_fmt(median)} in {_fmt(low)}-{_fmt(high)}")
        elif median > high:
            factor = median / high if high else float("inf")
            details.append(
                f"{subject}: {_fmt(median)}, x{_fmt(factor)} the upper bound {_fmt(high)}"
            )
        else:
            factor = low / median if median > 0 else float("inf")
            details.append(
                f"{subject}: {_fmt(median)}, x{_fmt(factor)} below the lower bound {_fmt(low)}"
            )
    status = _tally(inside, len(subjects))
    return Verdict(status, f"{inside} of {len(subjects)} in the claimed range", details)


def order_pairs(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """(first, second) pairs meaning "first comes before second" in ``direction``."""
    if "pairs" in spec:
        return [(str(a), str(b)) for a, b in spec["pairs"]]
    order = [str(s) for s in spec["order"]]
    return list(itertools.pairwise(order))


def check_order(measured: dict[str, Summary], spec: dict[str, Any]) -> Verdict:
    pairs = order_pairs(spec)
    descending = spec.get("direction", "ascending") == "descending"
    needed = list(dict.fromkeys(s for pair in pairs for s in pair))
    missing = _missing(measured, needed)
    if missing:
        return missing
    clear = reversed_ = 0
    details = []
    word = ">" if descending else "<"
    for first, second in pairs:
        a, b = measured[first], measured[second]
        # Orient so that "right" always means a.median < b.median.
        lo, hi = (b, a) if descending else (a, b)
        ratio = hi.median / lo.median if lo.median > 0 else float("inf")
        separated = lo.ci_high < hi.ci_low or hi.ci_high < lo.ci_low
        if lo.median < hi.median and separated:
            clear += 1
            state = "clear"
        elif lo.median > hi.median and separated:
            reversed_ += 1
            state = "reversed"
        else:
            state = "within noise"
        details.append(
            f"{first} {word} {second}: {state} "
            f"({_fmt(a.median)} vs {_fmt(b.median)}, ratio {_fmt(ratio)})"
        )
    noise = len(pairs) - clear - reversed_
    status = _tally(clear, len(pairs))
    summary = f"{clear} of {len(pairs)} pairs clearly in the claimed order"
    if reversed_:
        summary += f", {reversed_} clearly reversed"
    if noise:
        summary += f", {noise} within noise"
    return Verdict(status, summary, details)


def check_ratio(measured: dict[str, Summary], spec: dict[str, Any]) -> Verdict:
    numerator, denominator = str(spec["numerator"]), str(spec["denominator"])
    missing = _missing(measured, [numerator, denominator])
    if missing:
        return missing
    bottom = measured[denominator].median
    if bottom <= 0:
        return Verdict(NOT_MEASURED, f"{denominator} measured as {bottom}")
    ratio = measured[numerator].median / bottom
    at_least = float(spec["at_least"])
    partly = spec.get("partly_at_least")
    if ratio >= at_least:
        status = HOLDS
    elif partly is not None and ratio >= float(partly):
        status = PARTLY
    else:
        status = FAILS
    summary = f"{numerator} / {denominator} = x{_fmt(ratio)} (claimed ≥ x{_fmt(at_least)})"
    return Verdict(status, summary)


def decide(measured: dict[str, Summary] | None, spec: dict[str, Any]) -> Verdict:
    """The verdict of one claim; ``measured`` None means the measurement is unavailable."""
    if measured is None:
        return Verdict(NOT_MEASURED, "no data for this measurement")
    kind = spec.get("kind")
    if kind == "range":
        return check_range(measured, spec["expected"])
    if kind == "order":
        return check_order(measured, spec)
    if kind == "ratio":
        return check_ratio(measured, spec)
    raise ValueError(f"unknown verdict kind {kind!r}")
