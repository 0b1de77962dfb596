"""Small-number suppression for the board version of the annual report (reporting/suppression.py):
primary thresholds, secondary suppression so no suppressed cell can be worked out, percentages,
and the settings that hold the thresholds."""

import os
import random
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from reporting.suppression import SUPPRESSED, is_small_number, percent_suppressed, suppressed_cells

ROOT = Path(__file__).resolve().parent.parent


# --- Checks that a suppressed cell cannot be worked out ------------------------------------------


def members(counts, total, parts):
    """A constraint's members that have a value; a constraint without a total publishes no sum."""
    if counts[total] is None:
        return set()
    return {total, *(part for part in parts if counts[part] is not None)}


def derivable(counts, constraints, suppressed):
    """The suppressed cells that some constraint has as its only suppressed member (so shown
    values give them by subtraction)."""
    found = set()
    for total, parts in constraints:
        hidden = members(counts, total, parts) & set(suppressed)
        if len(hidden) == 1:
            found |= hidden
    return found


def rank(rows):
    rows = [list(map(Fraction, row)) for row in rows]
    rank_ = 0
    width = len(rows[0]) if rows else 0
    for column in range(width):
        pivot = next((r for r in range(rank_, len(rows)) if rows[r][column] != 0), None)
        if pivot is None:
            continue
        rows[rank_], rows[pivot] = rows[pivot], rows[rank_]
        for r in range(rank_ + 1, len(rows)):
            factor = rows[r][column] / rows[rank_][column]
            rows[r] = [a - factor * b for a, b in zip(rows[r], rows[rank_])]
        rank_ += 1
    return rank_


def linearly_derivable(counts, constraints, suppressed):
    """The suppressed cells whose value follows from the shown values by any combination of the
    constraints: the cell is derivable when adding its unit vector to the constraints'
    coefficients (restricted to the suppressed cells) does not raise the rank."""
    columns = list(suppressed)
    rows = []
    for total, parts in constraints:
        if counts[total] is None:
            continue
        row = [0] * len(columns)
        for position, key in enumerate(columns):
            if key == total:
                row[position] += 1
            row[position] -= sum(1 for part in parts if part == key and counts[part] is not None)
        if any(row):
            rows.append(row)
    base = rank(rows)
    found = set()
    for position, key in enumerate(columns):
        unit = [0] * len(columns)
        unit[position] = 1
        if rank(rows + [unit]) == base:
            found.add(key)
    return found


def assert_safe(counts, constraints, suppressed, low=1, high=5):
    assert not derivable(counts, constraints, suppressed)
    assert not linearly_derivable(counts, constraints, suppressed)
    primary = {key for key, value in counts.items() if value is not None and low <= value <= high}
    assert primary <= suppressed
    assert all(counts[key] for key in suppressed), "zeros and None are never suppressed"


def lone_member_rule(counts, constraints, low=1, high=5):
    """The per-constraint rule as the brief states it, written independently of the module."""
    suppressed = {key for key, value in counts.items() if value is not None and low <= value <= high}
    changed = True
    while changed:
        changed = False
        for total, parts in constraints:
            if len(members(counts, total, parts) & suppressed) != 1:
                continue
            shown = [part for part in parts if counts[part] and part not in suppressed]
            if shown:
                smallest = min(counts[part] for part in shown)
                suppressed.add(next(part for part in shown if counts[part] == smallest))
                changed = True
            elif total not in suppressed and counts[total]:
                suppressed.add(total)
                changed = True
    return suppressed


def two_way(cells):
    """counts and constraints for a table {(row, column): value} with row totals ("total"
    column), column totals ("total" row) and the grand total."""
    rows = list(dict.fromkeys(row for row, _ in cells))
    columns = list(dict.fromkeys(column for _, column in cells))
    counts = dict(cells)
    for row in rows:
        counts[(row, "total")] = sum(cells[(row, column)] for column in columns)
    for column in columns:
        counts[("total", column)] = sum(cells[(row, column)] for row in rows)
    counts[("total", "total")] = sum(cells.values())
    constraints = [((row, "total"), [(row, column) for column in columns]) for row in rows + ["total"]]
    constraints += [(("total", column), [(row, column) for row in rows]) for column in columns + ["total"]]
    return counts, constraints


# --- Primary suppression ----------------------------------------------------------------------


@pytest.mark.parametrize("value, shown", [(0, True), (1, False), (5, False), (6, True), (None, True)])
def test_primary_thresholds(value, shown):
    assert is_small_number(value, low=1, high=5) is not shown
    counts = {"cell": value}
    assert ("cell" in suppressed_cells(counts, [], low=1, high=5)) is not shown


def test_defaults_come_from_settings(settings):
    assert settings.SUPPRESSION_LOWEST_COUNT == 1 and settings.SUPPRESSION_HIGHEST_COUNT == 5
    assert suppressed_cells({"a": 5, "b": 6, "c": 0}, []) == {"a"}
    settings.SUPPRESSION_HIGHEST_COUNT = 10
    assert suppressed_cells({"a": 5, "b": 6, "c": 0, "d": 11}, []) == {"a", "b"}


def test_bad_thresholds_are_refused():
    with pytest.raises(ValueError, match="0 < low <= high"):
        suppressed_cells({"a": 1}, [], low=6, high=5)
    with pytest.raises(ValueError, match="0 < low <= high"):
        suppressed_cells({"a": 1}, [], low=0, high=5)


def test_the_marker_is_c():
    assert SUPPRESSED == "c"


# --- Secondary suppression: one-way tables ----------------------------------------------------


def test_one_way_table_suppresses_the_smallest_non_zero_other_part():
    counts = {"total": 3 + 12 + 0 + 9 + 9, "a": 3, "b": 12, "c": 0, "d": 9, "e": 9}
    constraints = [("total", ["a", "b", "c", "d", "e"])]
    suppressed = suppressed_cells(counts, constraints)
    assert suppressed == {"a", "d"}  # 9 is the smallest non-zero; of the two 9s, the first
    assert_safe(counts, constraints, suppressed)
    assert derivable(counts, constraints, {"a"}) == {"a"}  # the check does catch a lone cell


def test_a_small_cell_beside_zeros_takes_the_total_with_it():
    counts = {"total": 3, "a": 0, "b": 3, "c": 0}
    constraints = [("total", ["a", "b", "c"])]
    suppressed = suppressed_cells(counts, constraints)
    assert suppressed == {"b", "total"}
    assert_safe(counts, constraints, suppressed)


def test_a_large_cell_beside_zeros_and_a_small_one_takes_the_large_one():
    counts = {"total": 42, "a": 0, "b": 2, "c": 40}
    constraints = [("total", ["a", "b", "c"])]
    assert suppressed_cells(counts, constraints) == {"b", "c"}


def test_all_zero_table_suppresses_nothing():
    counts = {"total": 0, "a": 0, "b": 0}
    assert suppressed_cells(counts, [("total", ["a", "b"])]) == frozenset()


def test_a_small_total_and_its_parts():
    constraints = [("total", ["a", "b"])]
    # 4 and 4: both primary, each protects the other.
    assert suppressed_cells({"total": 4, "a": 0, "b": 4}, constraints) == {"total", "b"}
    # A total of 7 is shown; its two small parts protect each other.
    assert suppressed_cells({"total": 7, "a": 3, "b": 4}, constraints) == {"a", "b"}


def test_a_lone_small_total_takes_the_smallest_part_with_it():
    # With low=3 the parts 1 and 2 are shown but the total 4 is not: adding the parts up would
    # give it, so the smallest non-zero part (the first 1) goes too.
    counts = {"total": 4, "a": 1, "b": 1, "c": 2}
    constraints = [("total", ["a", "b", "c"])]
    suppressed = suppressed_cells(counts, constraints, low=3, high=5)
    assert suppressed == {"total", "a"}
    assert_safe(counts, constraints, suppressed, low=3, high=5)


def test_two_small_parts_protect_each_other_without_more_suppression():
    counts = {"total": 27, "a": 2, "b": 4, "c": 21}
    constraints = [("total", ["a", "b", "c"])]
    assert suppressed_cells(counts, constraints) == {"a", "b"}


def test_none_cells_are_ignored():
    counts = {"total": 23, "a": 3, "b": None, "c": 20}
    constraints = [("total", ["a", "b", "c"])]
    suppressed = suppressed_cells(counts, constraints)
    assert suppressed == {"a", "c"}
    assert_safe(counts, constraints, suppressed)
    # A sum that is not published (None total) discloses nothing.
    counts = {"total": None, "a": 3, "b": 20}
    assert suppressed_cells(counts, [("total", ["a", "b"])]) == {"a"}


def test_a_constraint_naming_an_unknown_cell_is_refused():
    with pytest.raises(ValueError, match="not in counts"):
        suppressed_cells({"total": 3, "a": 3}, [("total", ["a", "typo"])])


# --- Secondary suppression: two-way tables ----------------------------------------------------


def test_ethnicity_by_uasc_single_small_cell_is_protected_in_its_row_and_column():
    groups = ["white", "mixed", "asian", "black", "other"]
    not_uasc = {"white": 60, "mixed": 14, "asian": 9, "black": 22, "other": 11}
    uasc = {"white": 8, "mixed": 0, "asian": 2, "black": 7, "other": 0}
    counts, constraints = {}, []
    for group in groups:
        key = f"ethnicity.{group}"
        counts[(key, "not_uasc")] = not_uasc[group]
        counts[(key, "uasc")] = uasc[group]
        counts[(key, "all")] = not_uasc[group] + uasc[group]
        constraints.append(((key, "all"), [(key, "not_uasc"), (key, "uasc")]))
    for column in ("all", "not_uasc", "uasc"):
        counts[("ethnicity.total", column)] = sum(counts[(f"ethnicity.{g}", column)] for g in groups)
        constraints.append((("ethnicity.total", column), [(f"ethnicity.{g}", column) for g in groups]))
    constraints.append((("ethnicity.total", "all"), [("ethnicity.total", "not_uasc"), ("ethnicity.total", "uasc")]))

    suppressed = suppressed_cells(counts, constraints)

    assert ("ethnicity.asian", "uasc") in suppressed
    row = {key for key in suppressed if key[0] == "ethnicity.asian"}
    column = {key for key in suppressed if key[1] == "uasc"}
    assert ("ethnicity.asian", "not_uasc") in row  # the row's other part (9)
    assert ("ethnicity.black", "uasc") in column  # the column's smallest non-zero other part (7)
    assert len(row) >= 2 and len(column) >= 2
    assert_safe(counts, constraints, suppressed)
    # Nothing that did not need to go: the totals and the large groups stay shown.
    assert ("ethnicity.total", "all") not in suppressed
    assert ("ethnicity.white", "not_uasc") not in suppressed


def test_a_cell_joining_two_protected_blocks_is_protected_too():
    """Every row and column has two suppressed cells, yet (a, c) = rows a+b - columns a+b:
    the per-constraint rule alone would leave it derivable."""
    big = 30
    names = ["a", "b", "c", "d"]
    cells = {(row, column): big for row in names for column in names}
    for key in [
        ("a", "a"),
        ("a", "b"),
        ("b", "a"),
        ("b", "b"),
        ("c", "c"),
        ("c", "d"),
        ("d", "c"),
        ("d", "d"),
        ("a", "c"),
    ]:
        cells[key] = 2
    counts, constraints = two_way(cells)
    primary = {key for key, value in counts.items() if 1 <= value <= 5}
    assert not derivable(counts, constraints, primary)
    assert linearly_derivable(counts, constraints, primary) == {("a", "c")}

    suppressed = suppressed_cells(counts, constraints)
    assert_safe(counts, constraints, suppressed)
    assert len(suppressed - primary) <= 4


def test_random_two_way_tables():
    rng = random.Random(20240401)
    extra_rounds = 0
    for _ in range(200):
        rows = [f"r{n}" for n in range(rng.randint(1, 6))]
        columns = [f"c{n}" for n in range(rng.randint(1, 4))]
        counts, constraints = two_way({(row, column): rng.randint(0, 12) for row in rows for column in columns})

        suppressed = suppressed_cells(counts, constraints)

        assert_safe(counts, constraints, suppressed)
        by_rule = lone_member_rule(counts, constraints)
        if linearly_derivable(counts, constraints, by_rule):
            # The rule alone leaves a cell derivable: more is suppressed, never less.
            assert by_rule < suppressed
            extra_rounds += 1
        else:
            # Otherwise exactly the primary cells and the cells the rule adds, one per constraint
            # that had a lone suppressed member, and nothing else.
            assert suppressed == by_rule
    assert extra_rounds < 20


def test_a_table_with_nothing_small_suppresses_nothing():
    counts, constraints = two_way({(row, column): 6 + row + column for row in range(3) for column in range(3)})
    assert suppressed_cells(counts, constraints) == frozenset()


def test_keys_may_be_any_hashable_and_the_input_is_not_changed():
    counts = {("x", 1): 2, ("x", 2): 40, ("x", "total"): 42}
    before = dict(counts)
    suppressed = suppressed_cells(counts, [(("x", "total"), [("x", 1), ("x", 2)])])
    assert suppressed == {("x", 1), ("x", 2)}
    assert isinstance(suppressed, frozenset)
    assert counts == before


# --- Percentages ------------------------------------------------------------------------------


def test_percentages():
    assert percent_suppressed(3, 40) is True
    assert percent_suppressed(12, 4) is True
    assert percent_suppressed(6, 40) is False
    assert percent_suppressed(0, 40) is False
    counts = {"total": 47, "a": 2, "b": 6, "c": 39}
    suppressed = suppressed_cells(counts, [("total", ["a", "b", "c"])])
    assert "b" in suppressed
    assert percent_suppressed(6, 47, numerator_key="b", denominator_key="total", suppressed=suppressed) is True
    assert percent_suppressed(39, 47, numerator_key="c", denominator_key="total", suppressed=suppressed) is False
    assert (
        percent_suppressed(39, 47, numerator_key="c", denominator_key="total", suppressed=frozenset({"total"})) is True
    )


def test_percentage_thresholds_follow_settings(settings):
    assert percent_suppressed(6, 40) is False
    settings.SUPPRESSION_HIGHEST_COUNT = 10
    assert percent_suppressed(6, 40) is True
    assert percent_suppressed(11, 40) is False
    assert percent_suppressed(6, 40, high=5) is False


# --- Settings ---------------------------------------------------------------------------------


def settings_in_subprocess(tmp_path, env, expression):
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SUPPRESSION_") and key not in {"DEBUG", "SECRET_KEY_FILE"}
    }
    clean.update(
        {
            "SECRET_KEY": "x" * 50,
            "IRO_PORTAL_VAR_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "iro_portal.settings",
            **env,
        }
    )
    code = f"import django; from django.conf import settings; print({expression})"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)


def test_thresholds_are_read_from_the_environment(tmp_path):
    result = settings_in_subprocess(
        tmp_path, {}, "settings.SUPPRESSION_LOWEST_COUNT, settings.SUPPRESSION_HIGHEST_COUNT"
    )
    assert result.stdout.strip() == "1 5", result.stderr
    result = settings_in_subprocess(
        tmp_path,
        {"SUPPRESSION_LOWEST_COUNT": "2", "SUPPRESSION_HIGHEST_COUNT": "9"},
        "settings.SUPPRESSION_LOWEST_COUNT, settings.SUPPRESSION_HIGHEST_COUNT",
    )
    assert result.stdout.strip() == "2 9", result.stderr


@pytest.mark.parametrize("low, high", [("6", "5"), ("0", "5"), ("-1", "5")])
def test_thresholds_out_of_order_are_refused_at_startup(tmp_path, low, high):
    result = settings_in_subprocess(
        tmp_path,
        {"SUPPRESSION_LOWEST_COUNT": low, "SUPPRESSION_HIGHEST_COUNT": high},
        "settings.SUPPRESSION_LOWEST_COUNT",
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "0 < SUPPRESSION_LOWEST_COUNT <= SUPPRESSION_HIGHEST_COUNT" in result.stderr
    assert f"SUPPRESSION_LOWEST_COUNT={int(low)}" in result.stderr


def test_thresholds_that_are_not_numbers_are_refused_at_startup(tmp_path):
    result = settings_in_subprocess(
        tmp_path, {"SUPPRESSION_HIGHEST_COUNT": "five"}, "settings.SUPPRESSION_HIGHEST_COUNT"
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SUPPRESSION_HIGHEST_COUNT must be a whole number, not 'five'" in result.stderr


def test_the_escalation_formal_process_limit_is_a_setting(tmp_path):
    result = settings_in_subprocess(tmp_path, {}, "settings.ESCALATION_FORMAL_PROCESS_WORKING_DAYS")
    assert result.stdout.strip() == "20", result.stderr
    result = settings_in_subprocess(
        tmp_path, {"ESCALATION_FORMAL_PROCESS_WORKING_DAYS": "15"}, "settings.ESCALATION_FORMAL_PROCESS_WORKING_DAYS"
    )
    assert result.stdout.strip() == "15", result.stderr
