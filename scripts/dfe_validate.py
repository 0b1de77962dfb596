"""Run the DfE's published SSDA903 validator over a directory of return CSVs and print, as JSON,
{"failed": {rule: [CHILD, ...]}, "crashed": [rule, ...]}.

Run it with the validator's own Python (it is not a portal dependency), for example
    /tmp/dfevenv/bin/python scripts/dfe_validate.py DIR 2025 E06000018
Every *.csv in DIR is this year's; every *.csv in DIR/last is last year's. The year is the one the
collection ends in (2025 = 2024/25).

The validator hands each rule a shallow copy of the tables, so a rule that fills in cells (165
and 1001 set blank DECs to the year's end) changes what later rules see; here each rule gets a
deep copy, so that it is judged on the files as sent.
"""

import importlib
import json
import logging
import sys
from pathlib import Path

from lac_validator import lac_validator
from lac_validator.lac_validator import LacValidator


def _deep_copy(data_store):
    return {name: frame.copy(deep=True) if name != "metadata" else frame for name, frame in data_store.items()}


lac_validator.copy_datastore = _deep_copy


def main(directory: str, year: str, authority: str) -> None:
    logging.disable(logging.CRITICAL)
    folder = Path(directory)
    files = [
        {"name": path.name, "file_content": path.read_bytes(), "description": "This year"}
        for path in sorted(folder.glob("*.csv"))
    ]
    files += [
        {"name": path.name, "file_content": path.read_bytes(), "description": "Prev year"}
        for path in sorted((folder / "last").glob("*.csv"))
    ]
    registry = importlib.import_module(f"lac_validator.rules.lac{int(year) - 1}_{year[2:]}").registry
    validator = LacValidator({"collectionYear": year, "localAuthority": authority}, files, registry)
    failed: dict[str, set] = {}
    for table, frame in validator.ds_results.items():
        if table == "metadata" or table.endswith("_last"):
            continue
        for column in frame.columns:
            if str(column).startswith("ERR_"):
                children = frame.loc[frame[column] == True, "CHILD"]  # noqa: E712
                failed.setdefault(column[4:], set()).update(str(child) for child in children)
    print(
        json.dumps(
            {
                "failed": {rule: sorted(children) for rule, children in sorted(failed.items()) if children},
                "crashed": sorted(validator.fails),
            }
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:4])
