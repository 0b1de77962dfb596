"""Cross-check the portal's outcome-table rules (ssda903/outcome_rules.py) against the DfE's
published validator: generate random and edge-case returns, write them as CSVs, run the DfE
validator over them (ssda903/dfe/run_validator.py in the validator's own environment, each rule
judged on the files as sent) and compare, rule by rule, the children each flags.

    .venv/bin/python bench/outcome_rules_crosscheck.py [RETURNS] [SEED]

Prints the agreement and every disagreement. Needs the DfE validator (scripts/setup-dfe-validator;
settings.DFE_VALIDATOR_PYTHON).
"""

import csv
import datetime
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iro_portal.settings")
django.setup()

from django.conf import settings  # noqa: E402

from ssda903 import rules  # noqa: E402
from ssda903.files import COLUMN_ORDER  # noqa: E402

AUTHORITY = "E06000018"
COLUMNS = COLUMN_ORDER
OUTCOME_CODES = sorted(
    {code for code, check in rules.RULES + rules.QUERY_RULES if check.__module__ == "ssda903.outcome_rules"}
)


def fmt(day):
    return day.strftime("%d/%m/%Y")


class Generator:
    def __init__(self, seed, year):
        self.r = random.Random(seed)
        self.year = year
        self.start = datetime.date(year - 1, 4, 1)
        self.end = datetime.date(year, 3, 31)

    def pick(self, *options, blank=0.1, bad=()):
        roll = self.r.random()
        if roll < blank:
            return ""
        if bad and roll < blank + 0.05:
            return self.r.choice(bad)
        return self.r.choice(options)

    def day(self, low, high):
        return low + datetime.timedelta(days=self.r.randint(0, max(0, (high - low).days)))

    def date(self, low, high, blank=0.1):
        roll = self.r.random()
        if roll < blank:
            return ""
        if roll < blank + 0.03:
            return self.r.choice(["31/02/2024", "2024-05-01"])
        return fmt(self.day(low, high))

    def child_return(self, child, last_year=False):
        r = self.r
        end = self.end - datetime.timedelta(days=365) if last_year else self.end
        dob = self.day(end - datetime.timedelta(days=365 * 22), end - datetime.timedelta(days=30))
        sex = r.choice(["M", "F"]) if self.year >= 2025 and not last_year else r.choice(["1", "2"])
        rows = {table: [] for table in COLUMNS}
        rows["header"].append(
            {
                "CHILD": child,
                "SEX": sex,
                "DOB": fmt(dob),
                "ETHNIC": "WBRI",
                "UPN": "UN1",
                "MOTHER": self.pick("0", "1", blank=0.6, bad=("2",)),
                "MC_DOB": "",
            }
        )
        decom = self.day(max(dob, end - datetime.timedelta(days=365 * 4)), end)
        for number in range(r.choice([0, 1, 1, 2, 3])):
            dec = self.day(decom, end + datetime.timedelta(days=20)) if r.random() < 0.6 else None
            last = dec is None or number == 2
            rec = "" if dec is None else ("X1" if not last else r.choice(["E11", "E12", "E2", "E3", "E4A", "E8"]))
            rows["episodes"].append(
                {
                    "CHILD": child,
                    "DECOM": fmt(decom),
                    "RNE": "S" if number == 0 else r.choice(["P", "L", "S"]),
                    "LS": r.choice(["C2", "E1", "V2", "V3", "D1", "C1"]),
                    "CIN": "N1",
                    "PLACE": r.choice(["U1", "A3", "A4", "A5", "A6", "K2", "A1", "A2"]),
                    "PLACE_PROVIDER": "PR1",
                    "DEC": fmt(dec) if dec else "",
                    "REC": rec,
                    "REASON_PLACE_CHANGE": "",
                    "HOME_POST": "",
                    "PL_POST": "",
                    "URN": "",
                }
            )
            if last:
                break
            decom = dec
        old = end - datetime.timedelta(days=365 * 3)
        late = end + datetime.timedelta(days=40)
        if r.random() < 0.4:
            flag = ("0", "1")
            rows["oc2"].append(
                {
                    "CHILD": child,
                    "DOB": fmt(dob) if r.random() < 0.95 else fmt(dob + datetime.timedelta(days=1)),
                    "SDQ_SCORE": self.pick(*[str(n) for n in range(0, 41, 7)], blank=0.5, bad=("41", "x")),
                    "SDQ_REASON": self.pick("SDQ1", "SDQ2", "SDQ4", blank=0.6, bad=("SDQ9",)),
                    **{column: self.pick(*flag, blank=0.25, bad=("2",)) for column in COLUMNS["oc2"][4:]},
                }
            )
        if r.random() < 0.35:
            rows["oc3"].append(
                {
                    "CHILD": child,
                    "DOB": fmt(dob),
                    "IN_TOUCH": self.pick("YES", "NO", "DIED", "RHOM", "REFU", blank=0.15, bad=("MAYBE",)),
                    "ACTIV": self.pick("F1", "P2", "G4", "0", blank=0.15, bad=("Q1",)),
                    "ACCOM": self.pick("B1", "Z1", "T1", "0", "S2", blank=0.15, bad=("S1", "X1")),
                }
            )
        if r.random() < 0.25:
            decided = self.day(old, end)
            rows["ad1"].append(
                {
                    "CHILD": child,
                    "DOB": fmt(dob),
                    "DATE_INT": self.pick(fmt(decided), blank=0.15, bad=("2024-01-01",)),
                    "DATE_MATCH": self.date(decided, end, blank=0.15),
                    "FOSTER_CARE": self.pick("0", "1", blank=0.15, bad=("2",)),
                    "NB_ADOPTR": self.pick("1", "2", blank=0.15, bad=("3",)),
                    "SEX_ADOPTR": self.pick("M1", "F1", "MM", "FF", "MF", blank=0.15, bad=("XX",)),
                    "LS_ADOPTR": self.pick("L0", "L11", "L12", "L2", "L3", "L4", blank=0.15, bad=("L9",)),
                }
            )
        for _ in range(r.choice([0, 0, 0, 1, 1, 2])):
            placed = self.date(old, late, blank=0.1)
            ceased = r.random() < 0.4
            rows["placed_adoption"].append(
                {
                    "CHILD": child,
                    "DOB": fmt(dob),
                    "DATE_PLACED": placed,
                    "DATE_PLACED_CEASED": self.date(old, late, blank=0.1) if ceased else "",
                    "REASON_PLACED_CEASED": self.pick("RD1", "RD4", blank=0.1, bad=("RD9",)) if ceased else "",
                }
            )
        if r.random() < 0.3:
            rows["prev_perm"].append(
                {
                    "CHILD": child,
                    "DOB": fmt(dob),
                    "PREV_PERM": self.pick("P1", "P2", "Z1", blank=0.15, bad=("P9",)),
                    "LA_PERM": self.pick("800", "WAL", blank=0.5, bad=("123",)),
                    "DATE_PERM": self.pick(
                        fmt(self.day(dob, end)), "ZZ/05/2019", "ZZ/ZZ/2018", blank=0.5, bad=("1/2",)
                    ),
                }
            )
        for _ in range(r.choice([0, 0, 1, 1, 2, 3])):
            start = self.day(end - datetime.timedelta(days=500), late)
            rows["missing"].append(
                {
                    "CHILD": child,
                    "DOB": fmt(dob),
                    "MISSING": self.pick("M", "A", blank=0.08, bad=("X",)),
                    "MIS_START": self.pick(fmt(start), blank=0.05, bad=("2024-01-01",)),
                    "MIS_END": self.date(start - datetime.timedelta(days=3), start + datetime.timedelta(days=30), 0.3),
                }
            )
        if r.random() < 0.1:
            rows["uasc"].append({"CHILD": child, "SEX": sex, "DOB": fmt(dob), "DUC": ""})
        return rows

    def a_return(self, children=25):
        tables = {table: [] for table in COLUMNS}
        previous = {table: [] for table in COLUMNS}
        for number in range(children):
            child = f"C{number}"
            for table, rows in self.child_return(child).items():
                tables[table] += rows
            for table, rows in self.child_return(child, last_year=True).items():
                previous[table] += rows
        # A few rows for children with no Header row.
        for table in ("oc2", "oc3", "ad1", "missing", "prev_perm", "placed_adoption"):
            if self.r.random() < 0.3 and tables[table]:
                tables[table].append({**self.r.choice(tables[table]), "CHILD": "GHOST"})
        return tables, (previous if self.r.random() < 0.5 else None)


def write(folder: Path, tables: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in tables.items():
        if not rows:
            continue
        with open(folder / f"{table}.csv", "w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=COLUMNS[table])
            writer.writeheader()
            writer.writerows(rows)


def portal(year, tables, previous):
    data = rules.ReturnData(year, **tables, previous=rules.ReturnData(year - 1, **previous) if previous else None)
    errors, queries = rules.check_return(data)
    found: dict[str, set] = {}
    for problem in errors + queries:
        if problem.rule in OUTCOME_CODES:
            found.setdefault(problem.rule, set()).add(problem.child)
    return found


def dfe(folder: Path, year: int) -> tuple[dict[str, set], list[str]]:
    command = [settings.DFE_VALIDATOR_PYTHON, str(ROOT / "ssda903" / "dfe" / "run_validator.py"), str(folder)]
    command += ["--year", str(year), "--la", AUTHORITY, "--each-rule-on-the-files-as-sent"]
    if (folder / "last").is_dir():
        command += ["--previous", str(folder / "last")]
    output = subprocess.run(command, capture_output=True, text=True, check=True)
    failed: dict[str, set] = {}
    crashed = []
    for issue in json.loads(output.stdout):
        if not issue["ran"]:
            crashed.append(issue["rule"])
        elif issue["CHILD"]:
            failed.setdefault(issue["rule"], set()).add(issue["CHILD"])
    return failed, crashed


def crosscheck(returns: int, seed: int) -> dict:
    agree = compared = 0
    disagreements = []
    crashed = set()
    with tempfile.TemporaryDirectory() as temp:
        for number in range(returns):
            year = 2025 + number % 2
            generator = Generator(seed * 1000 + number, year)
            tables, previous = generator.a_return()
            folder = Path(temp) / str(number)
            write(folder, tables)
            if previous:
                write(folder / "last", previous)
            ours = portal(year, tables, previous)
            theirs, failed = dfe(folder, year)
            crashed |= set(failed) & set(OUTCOME_CODES)
            for code in OUTCOME_CODES:
                if code in failed:
                    continue
                compared += 1
                mine, reference = ours.get(code, set()), theirs.get(code, set())
                if mine == reference:
                    agree += 1
                else:
                    disagreements.append((number, year, code, sorted(mine - reference), sorted(reference - mine)))
    return {"compared": compared, "agree": agree, "disagreements": disagreements, "crashed": sorted(crashed)}


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    result = crosscheck(count, int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    for number, year, code, only_ours, only_theirs in result["disagreements"]:
        print(f"return {number} ({year}) rule {code}: only portal {only_ours}; only DfE {only_theirs}")
    print(f"DfE validator crashed on rules: {result['crashed']}")
    print(
        f"{result['agree']} of {result['compared']} (return, rule) pairs agree "
        f"({100 * result['agree'] / max(1, result['compared']):.1f}%)"
    )
