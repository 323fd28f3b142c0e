"""Do two metrics rank the same runs alike? Ranks, and Kendall's tau-b between two rankings.

Kendall's tau-b (Kendall, "The treatment of ties in ranking problems", Biometrika 1945), over the n items both
metrics score, with P concordant and Q discordant pairs, X the pairs tied in x only and Y those tied in y only
(pairs tied in both count in neither):

    tau_b = (P - Q) / sqrt((P + Q + X) * (P + Q + Y))

It is 1 when the rankings agree, -1 when reversed; undefined (None) with fewer than two items
or when either ranking is all ties.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def ranks(values: Sequence[float | None], *, higher_is_better: bool = True) -> list[float | None]:
    """Fractional ranks, 1 = best, ties sharing their mean rank; None values get no rank."""
    scored = sorted((v if higher_is_better else -v, i) for i, v in enumerate(values) if v is not None)
    result: list[float | None] = [None] * len(values)
    position = 0
    while position < len(scored):
        end = position
        while end + 1 < len(scored) and scored[end + 1][0] == scored[position][0]:
            end += 1
        # best first: the highest key gets rank 1
        shared = (len(scored) - end + len(scored) - position) / 2
        for _, index in scored[position:end + 1]:
            result[index] = shared
        position = end + 1
    return result


def kendall_tau_b(x: Sequence[float | None], y: Sequence[float | None]) -> float | None:
    """Kendall's tau-b over the positions where both `x` and `y` have a value."""
    if len(x) != len(y):
        raise ValueError("two rankings of the same items")
    pairs = [(a, b) for a, b in zip(x, y, strict=True) if a is not None and b is not None]
    concordant = discordant = tied_x_only = tied_y_only = 0
    for i in range(len(pairs)):
        for j in range(i + 1, len(pairs)):
            dx = pairs[i][0] - pairs[j][0]
            dy = pairs[i][1] - pairs[j][1]
            if dx == 0 and dy == 0:
                continue
            if dx == 0:
                tied_x_only += 1
            elif dy == 0:
                tied_y_only += 1
            elif (dx > 0) == (dy > 0):
                concordant += 1
            else:
                discordant += 1
    denominator = math.sqrt((concordant + discordant + tied_x_only) * (concordant + discordant + tied_y_only))
    if denominator == 0:
        return None
    return (concordant - discordant) / denominator


__all__ = ["kendall_tau_b", "ranks"]
