"""Small numbers stay private: one rule for every count shown outside the people who handle the cases.

A table cell counting between 1 and MIN_CELL - 1 people or reports could point at someone at a small
enterprise or in a small region, so it is hidden together with every figure computed from it (a rate
and its interval give the count back). A cell of 0 names nobody and is shown. Worker Speaks statistics,
accident and occupational-disease statistics for employers and on public pages all use this function.
"""

from __future__ import annotations

from collections.abc import Iterable

MIN_CELL = 5  # the smallest count shown outside the union's own work (the Worker Speaks threshold)


def is_small(count: float | None, min_cell: int = MIN_CELL) -> bool:
    """A count that must not be shown: at least one, fewer than `min_cell`. Missing is not small (nor zero)."""
    return count is not None and 0 < count < min_cell


def suppress_small_cells(rows: Iterable[dict], *, count: str, derived: Iterable[str] = (),
                         min_cell: int = MIN_CELL, complementary: bool = False) -> list[dict]:
    """Copies of `rows` in which each row whose `count` is small has that count and every `derived` figure
    set to None and `suppressed` True; the other rows are copied unchanged with `suppressed` False.

    `complementary`: when the table's total is known elsewhere (the same cases by another dimension), a single
    hidden cell could be recovered by subtraction, so the smallest other non-zero cell is hidden with it."""
    hidden = (count, *derived)
    rows = [dict(row) for row in rows]
    small = [is_small(row.get(count), min_cell) for row in rows]
    if complementary and sum(small) == 1:
        others = [(row[count], i) for i, row in enumerate(rows) if not small[i] and row.get(count)]
        if others:
            small[min(others)[1]] = True
    for row, hide in zip(rows, small, strict=True):
        if hide:
            row.update(dict.fromkeys(hidden))
        row["suppressed"] = hide
    return rows
