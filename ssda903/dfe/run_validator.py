"""Run the DfE's published SSDA903 validation rules (lac_validator, from the csc-validator-be-903
package) over a folder of 903 CSVs and print every issue found as JSON.

    .venv-dfe/bin/python ssda903/dfe/run_validator.py DIR --year 2026 --la E06000018 [--previous DIR]

Run only by the DfE validator's own environment (.venv-dfe, made by scripts/setup-dfe-validator):
the package pins pandas<2 and numpy<1.25, so the portal never imports it; ssda903.dfe_check runs
this script in a subprocess. The year is the one the collection ends in (2026 = 2025/26, rule set
lac2025_26); --previous is last year's return, for the rules comparing the two years.
--each-rule-on-the-files-as-sent gives every rule its own deep copy of the tables: the validator
hands each rule a shallow copy, so a rule that fills in cells (165 and 1001 set blank DECs to the
year's end) changes what later rules see; comparing rule by rule with the portal's rules needs
each judged on the files as sent.

Output, on stdout: a JSON list, one object per failing row of each rule,
    {"rule", "message", "table", "row", "CHILD", "columns", "ran"}
where table is the DfE's table name (Header, Episodes, OC2...), row the 1-based data row of that
table's file (the line after the column names is row 1), columns the fields the rule names, and
ran false (with row null) for a rule that raised an error on these files instead of running.
"""

import argparse
import contextlib
import csv
import importlib
import io
import json
import logging
import math
import sys
from pathlib import Path

OLD_SEX_CODES = {"1": "M", "2": "F"}
FIRST_YEAR_OF_SEX_LETTERS = 2025  # 2024/25


def rule_set(year: int) -> str:
    """The lac_validator module of the rules for the collection year ending in `year`."""
    return f"lac{year - 1}_{year % 100:02d}"


def uploaded(folder: Path, description: str, *, sex_as_letters: bool = False) -> list[dict]:
    """Every CSV in the folder (header.csv, episodes.csv, oc2.csv... as the portal's export names
    them; the validator tells each table by its columns, whatever the name)."""
    files = []
    for path in sorted(folder.glob("*.csv")):
        content = path.read_bytes()
        files.append(
            {
                "name": path.name,
                "description": description,
                "file_content": sex_in_letters(content) if sex_as_letters else content,
            }
        )
    return files


def sex_in_letters(content: bytes) -> bytes:
    """SEX 1/2 (the codes up to 2023/24) as M/F (from 2024/25). The validator compares last year's
    SEX with this year's as written (rule 202), so without this every child in a 2024/25 return
    checked against 2023/24 would seem to have changed sex."""
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    if not rows or "SEX" not in rows[0]:
        return content
    column = rows[0].index("SEX")
    for row in rows[1:]:
        if len(row) > column:
            row[column] = OLD_SEX_CODES.get(row[column].strip(), row[column])
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def child_of(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def validate(folder: Path, year: int, authority: str, previous: Path | None) -> list[dict]:
    from lac_validator.lac_validator import LacValidator

    registry = importlib.import_module(f"lac_validator.rules.{rule_set(year)}").registry
    files = uploaded(folder, "This year")
    if previous:
        files += uploaded(previous, "Prev year", sex_as_letters=year >= FIRST_YEAR_OF_SEX_LETTERS)
    if not files:
        raise SystemExit(f"No SSDA903 CSV files in {folder}.")
    validator = LacValidator(
        metadata={"collectionYear": str(year), "localAuthority": authority}, files=files, registry=registry
    )
    issues = []
    for table, frame in validator.ds_results.items():
        if table == "metadata" or table.endswith("_last"):
            continue
        for column in [name for name in frame.columns if str(name).startswith("ERR_")]:
            rule = registry[column[4:]]
            failing = frame.index[frame[column] == True]  # noqa: E712 (a column of True and NaN)
            for index in failing:
                issues.append(
                    {
                        "rule": rule.code,
                        "message": rule.message or "",
                        "table": table,
                        "row": int(index) + 1,
                        "CHILD": child_of(frame.at[index, "CHILD"]) if "CHILD" in frame.columns else "",
                        "columns": list(rule.affected_fields or []),
                        "ran": True,
                    }
                )
    for code in validator.fails:
        rule = registry[code]
        issues.append(
            {
                "rule": rule.code,
                "message": rule.message or "",
                "table": "",
                "row": None,
                "CHILD": "",
                "columns": list(rule.affected_fields or []),
                "ran": False,
            }
        )
    return issues


def judge_each_rule_on_the_files_as_sent() -> None:
    from lac_validator import lac_validator

    def deep_copy(data_store):
        return {name: frame if name == "metadata" else frame.copy(deep=True) for name, frame in data_store.items()}

    lac_validator.copy_datastore = deep_copy


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="Folder holding this year's CSVs.")
    parser.add_argument("--year", type=int, required=True, help="Collection year by its end: 2026 = 2025/26.")
    parser.add_argument("--la", required=True, help="The authority's ONS code, e.g. E06000018.")
    parser.add_argument("--previous", type=Path, default=None, help="Folder holding last year's CSVs.")
    parser.add_argument(
        "--each-rule-on-the-files-as-sent", action="store_true", help="Give every rule its own copy of the tables."
    )
    options = parser.parse_args(argv)
    # The validator logs every rule it runs at INFO; only its warnings (a rule that failed) matter.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger().setLevel(logging.WARNING)
    try:
        importlib.import_module(f"lac_validator.rules.{rule_set(options.year)}")
    except ModuleNotFoundError:
        print(f"The DfE validator has no rules for {options.year - 1}/{options.year % 100:02d}.", file=sys.stderr)
        return 2
    from lac_validator.types import UploadError

    if options.each_rule_on_the_files_as_sent:
        judge_each_rule_on_the_files_as_sent()

    # Some rules print their findings: stdout carries only the JSON.
    with contextlib.redirect_stdout(sys.stderr):
        try:
            issues = validate(options.folder, options.year, options.la, options.previous)
        except UploadError as error:
            print(f"The DfE validator could not read the files: {error}", file=sys.stderr)
            return 2
    json.dump(issues, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
