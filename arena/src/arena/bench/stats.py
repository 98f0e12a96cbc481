"""Medians and spread for small samples (a handful of repeats, not thousands).

The 95 % interval for the median is distribution-free: it uses the order
statistics whose ranks a Binomial(n, 1/2) brackets with at least 95 %
probability. Below six values no such interval exists, so the interval is the
full range (min, max) and ``exact_ci`` is False.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Summary:
    n: int
    median: float
    min: float
    max: float
    ci_low: float
    ci_high: float
    exact_ci: bool

    @property
    def spread(self) -> float:
        """max / min: how far apart the best and the worst repeat are (1.0 = identical)."""
        if self.min <= 0:
            return math.inf if self.max > 0 else 1.0
        return self.max / self.min

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "spread": None if math.isinf(self.spread) else self.spread}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Summary:
        return cls(**{key: data[key] for key in cls.__dataclass_fields__})


def _binomial_cdf(k: int, n: int) -> float:
    return float(sum(math.comb(n, i) for i in range(k + 1))) / float(2**n)


def median_ci_ranks(n: int, confidence: float = 0.95) -> tuple[int, int] | None:
    """0-based ranks (low, high) of the order statistics bounding the median, or None."""
    alpha = 1 - confidence
    best = None
    for k in range(n // 2):
        # With X ~ Bin(n, 1/2), [x_(k), x_(n-1-k)] (0-based) covers the median with
        # probability 1 - 2 P(X <= k); widen no more than needed.
        if 2 * _binomial_cdf(k, n) <= alpha:
            best = k
        else:
            break
    if best is None:
        return None
    return best, n - 1 - best


def summarise(values: Sequence[float]) -> Summary:
    if not values:
        raise ValueError("cannot summarise an empty sample")
    ordered = sorted(float(v) for v in values)
    n = len(ordered)
    ranks = median_ci_ranks(n)
    if ranks is None:
        low, high, exact = ordered[0], ordered[-1], False
    else:
        low, high, exact = ordered[ranks[0]], ordered[ranks[1]], True
    return Summary(
        n=n,
        median=statistics.median(ordered),
        min=ordered[0],
        max=ordered[-1],
        ci_low=low,
        ci_high=high,
        exact_ci=exact,
    )
