"""Small-number suppression (statistical disclosure control, as in DfE and ONS publications) for
the board version of the annual IRO report, so that no child can be identified from small numbers.

Pure Python, no database: the report works out its figures, then the board rendering asks which
cells to show as SUPPRESSED. The internal version for managers does not use this module.

Primary suppression: a count from SUPPRESSION_LOWEST_COUNT to SUPPRESSION_HIGHEST_COUNT (1 to 5 by
default) is shown as "c". Zero is never primarily suppressed (it says nothing about an individual
child) and None (not applicable) is ignored.

Secondary suppression: a shown total and its shown parts would let a suppressed cell be worked
out, so more cells are suppressed; see suppressed_cells. Percentages: see percent_suppressed.
"""

from collections.abc import Hashable, Iterable, Mapping
from fractions import Fraction
from typing import Any

from django.conf import settings

SUPPRESSED = "c"

Equation = tuple[Hashable, list[Hashable]]
"""A constraint that publishes its sum: (total_key, [part_keys]), the parts with a value."""


def _thresholds(low: int | None, high: int | None) -> tuple[int, int]:
    if low is None:
        low = settings.SUPPRESSION_LOWEST_COUNT
    if high is None:
        high = settings.SUPPRESSION_HIGHEST_COUNT
    if not 0 < low <= high:
        raise ValueError(f"Suppression needs 0 < low <= high; got low={low}, high={high}.")
    return low, high


def is_small_number(value: int | None, *, low: int | None = None, high: int | None = None) -> bool:
    """True for a count that is primarily suppressed: low <= value <= high (never 0 or None)."""
    low, high = _thresholds(low, high)
    return value is not None and low <= value <= high


def suppressed_cells(
    counts: Mapping[Hashable, int | None],
    constraints: Iterable[tuple[Hashable, Iterable[Hashable]]],
    *,
    low: int | None = None,
    high: int | None = None,
) -> frozenset:
    """The keys of the cells to show as SUPPRESSED ("c") in the board version of a table.

    counts: {cell_key: int or None}, keys any hashables (the report uses tuples such as
    ("ethnicity.white.uasc", "this_year")); None is a cell that does not apply.
    constraints: iterable of (total_key, [part_keys]) meaning
    counts[total_key] == sum(counts[part] for part in parts): a table's row totals, column totals
    and grand total (a two-way table gives one constraint per row and one per column, including
    the row of column totals and the column of row totals). Every key must be in counts.

    The algorithm:

    1. Primary: every cell with low <= value <= high (1 to 5 by default; the settings
       SUPPRESSION_LOWEST_COUNT and SUPPRESSION_HIGHEST_COUNT). Zeros never are, None cells are
       ignored (a part that is None is left out of its constraint; a constraint whose total is
       None publishes no sum, so it cannot disclose anything and is skipped).
    2. Secondary, repeated until nothing changes: for each constraint, its members are its total
       and its parts with a value. If exactly ONE member is suppressed, it could be worked out by
       subtraction, so one more member is suppressed: the unsuppressed part with the smallest
       non-zero value (ties: the first in the given order); if there is none (every other part
       is 0 or already suppressed), the total, unless it is 0 (then every part is 0 and nothing
       was suppressed in the first place). Zeros are never suppressed: a suppressed cell beside
       shown zeros is protected by suppressing the total instead. Two or more suppressed members
       protect each other within that constraint; the crossing constraints of a two-way table
       are dealt with by repeating the pass.
    3. Step 2 alone can leave a cell derivable by combining several constraints even though each
       constraint has two suppressed members (in a two-way table: two separate rectangles of
       suppressed cells joined by a single suppressed cell; adding up one rectangle's rows and
       subtracting its columns gives that cell). So the shown values are then checked exactly:
       the constraints are a linear system in the suppressed cells, and a cell is derivable when
       that system fixes its value (Gaussian elimination over fractions). For the first derivable
       cell, one more cell is suppressed: the first of the unsuppressed non-zero members of its
       constraints (parts by smallest value, then totals; failing that, any other unsuppressed
       non-zero cell of the constraints) whose suppression alone leaves that cell underivable,
       or else the first of them (or, if it has none, the smallest unsuppressed non-zero cell); then
       back to step 2.

    Every pass only adds keys and zero/None cells are never added, so it stops. The result is
    the keys of all suppressed cells (primary and secondary), as a frozenset.
    """
    low, high = _thresholds(low, high)
    counts = dict(counts)
    for key, value in counts.items():
        if value is not None and value < 0:
            raise ValueError(f"Counts cannot be negative; {key!r} is {value}.")
    equations = _equations(counts, constraints)
    suppressed = {key for key, value in counts.items() if value is not None and low <= value <= high}
    order = {key: position for position, key in enumerate(counts)}

    while True:
        _protect_lone_cells(counts, equations, suppressed)
        derivable = _derivable(equations, suppressed, order)
        if not derivable:
            break
        if not _protect_derivable(counts, equations, suppressed, order, derivable):
            break  # only zeros are left to suppress, and zeros are never suppressed
    return frozenset(suppressed)


def percent_suppressed(
    numerator: int | None,
    denominator: int | None,
    *,
    numerator_key: Hashable | None = None,
    denominator_key: Hashable | None = None,
    suppressed: frozenset = frozenset(),
    low: int | None = None,
    high: int | None = None,
) -> bool:
    """True when a percentage must be shown as SUPPRESSED: its numerator or its denominator is a
    small number (low <= value <= high), or is a cell that was suppressed (pass the result of
    suppressed_cells and the cells' keys), since the percentage and the other figure would give
    it away."""
    low, high = _thresholds(low, high)
    for value, key in ((numerator, numerator_key), (denominator, denominator_key)):
        if value is not None and low <= value <= high:
            return True
        if key is not None and key in suppressed:
            return True
    return False


def _equations(
    counts: dict[Hashable, int | None], constraints: Iterable[tuple[Hashable, Iterable[Hashable]]]
) -> list[Equation]:
    """(total_key, [part_keys]) for the constraints that publish a sum, None parts left out."""
    equations = []
    for total, parts in constraints:
        parts = list(parts)
        missing = [key for key in (total, *parts) if key not in counts]
        if missing:
            raise ValueError(f"Constraint on {total!r} names cells that are not in counts: {missing!r}")
        if counts[total] is None:
            continue
        equations.append((total, [part for part in parts if counts[part] is not None]))
    return equations


def _protect_lone_cells(counts: dict[Hashable, Any], equations: list[Equation], suppressed: set[Hashable]) -> None:
    """Step 2: until stable, give every constraint with exactly one suppressed member a second."""
    changed = True
    while changed:
        changed = False
        for total, parts in equations:
            members = {total, *parts}
            if sum(1 for key in members if key in suppressed) != 1:
                continue
            candidates = [part for part in parts if part not in suppressed and counts[part] > 0]
            if candidates:
                extra = min(candidates, key=lambda part: counts[part])  # min keeps the first of ties
            elif total not in suppressed and counts[total] > 0:
                extra = total
            else:
                continue
            suppressed.add(extra)
            changed = True


def _derivable(equations: list[Equation], suppressed: set[Hashable], order: dict[Hashable, int]) -> list[Hashable]:
    """The suppressed keys whose value the constraints determine, in the order of counts.

    Each constraint is total - sum(parts) == 0; with the shown cells moved to the right-hand side
    it is a linear equation in the suppressed cells. A cell's value is determined exactly when
    the unit vector for it lies in the row space of the coefficients, which in reduced row
    echelon form means one of the rows is that unit vector."""
    columns = sorted(suppressed, key=order.__getitem__)
    index = {key: position for position, key in enumerate(columns)}
    rows = []
    for total, parts in equations:
        row = [Fraction(0)] * len(columns)
        if total in index:
            row[index[total]] += 1
        for part in parts:
            if part in index:
                row[index[part]] -= 1
        if any(row):
            rows.append(row)
    pivot_row = 0
    for column in range(len(columns)):
        found = next((r for r in range(pivot_row, len(rows)) if rows[r][column] != 0), None)
        if found is None:
            continue
        rows[pivot_row], rows[found] = rows[found], rows[pivot_row]
        pivot = rows[pivot_row][column]
        rows[pivot_row] = [value / pivot for value in rows[pivot_row]]
        for r in range(len(rows)):
            if r != pivot_row and rows[r][column] != 0:
                factor = rows[r][column]
                rows[r] = [value - factor * pivot_value for value, pivot_value in zip(rows[r], rows[pivot_row])]
        pivot_row += 1
    determined = []
    for row in rows[:pivot_row]:
        nonzero = [column for column, value in enumerate(row) if value != 0]
        if len(nonzero) == 1:
            determined.append(columns[nonzero[0]])
    return sorted(determined, key=order.__getitem__)


def _protect_derivable(
    counts: dict[Hashable, Any],
    equations: list[Equation],
    suppressed: set[Hashable],
    order: dict[Hashable, int],
    derivable: list[Hashable],
) -> bool:
    """Step 3: suppress one more cell for the first derivable cell that has a candidate."""
    every_candidate = sorted(
        {key for total, parts in equations for key in (total, *parts) if key not in suppressed and counts[key] > 0},
        key=lambda key: (counts[key], order[key]),
    )
    for cell in derivable:
        own = [(total, parts) for total, parts in equations if cell == total or cell in parts]
        own_parts = sorted(
            {part for _, parts in own for part in parts if part not in suppressed and counts[part] > 0},
            key=lambda key: (counts[key], order[key]),
        )
        own_totals = sorted(
            {total for total, _ in own if total not in suppressed and counts[total] > 0},
            key=lambda key: (counts[key], order[key]),
        )
        own_candidates = own_parts + [total for total in own_totals if total not in own_parts]
        others = [key for key in every_candidate if key not in own_candidates]
        for candidate in own_candidates + others:
            if cell not in _derivable(equations, suppressed | {candidate}, order):
                suppressed.add(candidate)
                return True
        if own_candidates:
            suppressed.add(own_candidates[0])
            return True
    if every_candidate:  # over-suppress rather than disclose: it stops once every non-zero cell is "c"
        suppressed.add(every_candidate[0])
        return True
    return False
