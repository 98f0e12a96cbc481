"""The order of measurements: interleaved (A B C A B C ...), never all of A then all of B.

Slow drifts on a shared machine (thermal, a neighbour's job, the database's
caches) then hit every contestant alike instead of whoever ran last. Each round
also starts one contestant later, so nobody is always first after a pause.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def interleaved(contestants: Sequence[T], rounds: int) -> list[tuple[int, T]]:
    """(round, contestant) pairs: every contestant once per round, the start rotating."""
    order: list[tuple[int, T]] = []
    count = len(contestants)
    for round_index in range(rounds):
        shift = round_index % count if count else 0
        rotated = [*contestants[shift:], *contestants[:shift]]
        order.extend((round_index, contestant) for contestant in rotated)
    return order
