"""The rows of the six outcome tables of the SSDA903 return (OC2, OC3, AD1, PlacedAdoption,
PrevPerm, Missing) for a collection year, read in bulk beside the Header and Episodes
(ssda903.exporter.build_rows). Each table's cohort is the DfE's, defined once and shared with
the rules:

- OC2: every child looked after continuously for the 12 months to 31 March
  (outcome_rules.continuously_looked_after, the cohort rules 185-198 and 543-547 use), with the
  child's health record for the year; flags 1, 0 or blank when not recorded.
- OC3: every care leaver whose 17th to 21st birthday falls in the year
  (outcomes.years.care_leaver_birthday), with the care leaver record for the year; a care
  leaver not looked after in the year is in the Header too, MOTHER blank (rules INT06, 628).
- AD1: every child whose episode ceased E11 or E12 (adopted) in the year
  (outcome_rules.adopted_in_year), with the latest adoption recorded for them.
- PlacedAdoption: the decisions open at some point in the year of children looked after in
  it (the decision that led to an adoption stays open on the record). A decision reversed after
  31 March was still in force at the year end, so it is written open (DATE_PLACED_CEASED and
  REASON_PLACED_CEASED blank), as an episode ending after 31 March is.
- PrevPerm: every child who started to be looked after in the year (RNE S:
  outcome_rules.started_care_in_year, rule 630), with what is recorded of their previous
  permanence.
- Missing: the missing and away episodes open at some point in the year. The DfE asks for
  MIS_END blank for a child still missing or away on 31 March (rule 571 allows no end date
  after the year), so an episode ending after 31 March is written as still open, as it was
  at the year end. (The DfE's published validator, given OC3, reports such an episode under
  575 and 577 when the placement is still open: its rule 165 fills blank DECs with 31 March
  in the tables the later rules share.)

A child of a cohort with nothing recorded still has a row, blank where the record would be, so
the rules name the child and where to record it; a record of a child outside the cohort is
written too, so the rules say why it cannot be sent rather than it vanishing. Seven queries
whatever the number of children (care leavers' episodes, care leaver records, health records,
adoptions, decisions, previous permanence, missing episodes); rows sorted by CHILD then date.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.db.models import Exists, OuterRef, Q

from children.models import CareEpisode
from outcomes.models import (
    Adoption,
    AdoptionDecision,
    CareLeaverRecord,
    HealthRecord,
    MissingEpisode,
    PreviousPermanence,
)
from outcomes.years import CARE_LEAVER_AGES, EpisodeFacts, care_leaver_birthday, collection_end, collection_start

from .outcome_rules import adopted_in_year, continuously_looked_after, started_care_in_year
from .rules import ReturnData

Share = Callable[[Any, Any], Any]
Day = Callable[[datetime.date | None], str]
CHUNK = 5000
HEALTH_FLAGS = (
    ("CONVICTED", "convicted"),
    ("HEALTH_CHECK", "health_check"),
    ("IMMUNISATIONS", "immunisations"),
    ("TEETH_CHECK", "teeth_check"),
    ("HEALTH_ASSESSMENT", "health_assessment"),
    ("SUBSTANCE_MISUSE", "substance_misuse"),
    ("INTERVENTION_RECEIVED", "intervention_received"),
    ("INTERVENTION_OFFERED", "intervention_offered"),
)
FLAG = {True: "1", False: "0", None: ""}


def open_during(start: datetime.date, end: datetime.date, began: str, ended: str) -> Q:
    """Records (their `began` and `ended` date fields) open at some point from `start` to `end`:
    what a return for those days lists (episodes, decisions, missing episodes)."""
    return Q(**{f"{began}__lte": end}) & (Q(**{f"{ended}__isnull": True}) | Q(**{f"{ended}__gte": start}))


def care_leaver_age_range(year: int) -> tuple[datetime.date, datetime.date]:
    """The dates of birth of young people with a 17th to 21st birthday in the year (a day either
    side, for those born on 29 February)."""
    start, end = collection_start(year), collection_end(year)
    oldest = datetime.date(start.year - CARE_LEAVER_AGES[-1], start.month, start.day) - datetime.timedelta(days=1)
    youngest = datetime.date(end.year - CARE_LEAVER_AGES[0], end.month, end.day) + datetime.timedelta(days=1)
    return oldest, youngest


def care_leavers(year: int) -> set[str]:
    """The OC3 cohort of the year: CHILD of every care leaver with a 17th to 21st birthday in it
    (outcomes.years.care_leaver_birthday), from all their episodes. One query."""
    episodes: dict[str, tuple[datetime.date, list[EpisodeFacts]]] = {}
    rows = (
        CareEpisode.objects.filter(child__date_of_birth__range=care_leaver_age_range(year))
        .values_list(
            "child__local_child_id",
            "child__date_of_birth",
            "start_date",
            "end_date",
            "reason_for_new_episode",
            "legal_status",
            "reason_episode_ceased",
        )
        .order_by()
    )
    for child, dob, *facts in rows.iterator(chunk_size=CHUNK):
        episodes.setdefault(child, (dob, []))[1].append(tuple(facts))  # type: ignore[arg-type]
    return {child for child, (dob, facts) in episodes.items() if care_leaver_birthday(dob, facts, year)}


def care_leaver_records(year: int) -> dict[str, tuple[datetime.date, str, str, str]]:
    """CHILD -> (DOB, IN_TOUCH, ACTIV, ACCOM) of the year's care leaver records. One query."""
    records = CareLeaverRecord.objects.filter(year=year).values_list(
        "child__local_child_id", "child__date_of_birth", "in_touch", "activity", "accommodation"
    )
    return {child: tuple(rest) for child, *rest in records.order_by().iterator(chunk_size=CHUNK)}  # type: ignore[misc]


def oc3_rows(
    leavers: set[str],
    records: dict[str, tuple[datetime.date, str, str, str]],
    dob_text: dict[str, str],
    share: Share,
    day: Day,
) -> list[dict]:
    rows = []
    for child in sorted(leavers | records.keys()):
        dob, in_touch, activity, accommodation = records.get(child, (None, "", "", ""))
        rows.append(
            {
                "CHILD": child,
                "DOB": dob_text.get(child) or day(dob),
                "IN_TOUCH": share(in_touch, in_touch),
                "ACTIV": share(activity, activity),
                "ACCOM": share(accommodation, accommodation),
            }
        )
    return rows


def oc2_rows(data: ReturnData, dob_text: dict[str, str], share: Share, day: Day) -> list[dict]:
    records = {
        record["child__local_child_id"]: record
        for record in HealthRecord.objects.filter(year=data.year)
        .values(
            "child__local_child_id", "child__date_of_birth", "sdq_score", "sdq_reason", *dict(HEALTH_FLAGS).values()
        )
        .order_by()
        .iterator(chunk_size=CHUNK)
    }
    rows = []
    for child in sorted(continuously_looked_after(data) | records.keys()):
        record = records.get(child, {})
        score = record.get("sdq_score")
        row = {
            "CHILD": child,
            "DOB": dob_text.get(child) or day(record.get("child__date_of_birth")),
            "SDQ_SCORE": "" if score is None else share(str(score), str(score)),
            "SDQ_REASON": share(record.get("sdq_reason", ""), record.get("sdq_reason", "")),
        }
        row.update((column, FLAG[record.get(field)]) for column, field in HEALTH_FLAGS)
        rows.append(row)
    return rows


def ad1_rows(data: ReturnData, dob_text: dict[str, str], share: Share, day: Day) -> list[dict]:
    """One row for each child adopted in the year, from their latest adoption record."""
    adopted = adopted_in_year(data)
    start, end = data.start, data.end
    adoptions = (
        Adoption.objects.filter(
            Exists(
                CareEpisode.objects.filter(
                    child=OuterRef("child"),
                    reason_episode_ceased__in=("E11", "E12"),
                    end_date__gte=start,
                    end_date__lte=end,
                )
            )
        )
        .values_list(
            "child__local_child_id",
            "matched_on",
            "pk",
            "decided_on",
            "by_former_foster_carers",
            "number_of_adopters",
            "adopters_sex",
            "adopters_legal_status",
        )
        .order_by()
    )
    latest: dict[str, tuple] = {}
    for record in adoptions.iterator(chunk_size=CHUNK):
        child, matched_on, pk = record[:3]
        held = latest.get(record[0])
        if held is None or (matched_on or datetime.date.min, pk) > (held[1] or datetime.date.min, held[2]):
            latest[child] = record
    rows = []
    for child in sorted(adopted):
        _, matched_on, _, decided_on, foster, adopters, sex, legal_status = latest.get(
            child, (child, None, None, None, None, None, "", "")
        )
        rows.append(
            {
                "CHILD": child,
                "DOB": dob_text.get(child, ""),
                "DATE_INT": day(decided_on),
                "DATE_MATCH": day(matched_on),
                "FOSTER_CARE": FLAG[foster],
                "NB_ADOPTR": "" if adopters is None else str(adopters),
                "SEX_ADOPTR": share(sex, sex),
                "LS_ADOPTR": share(legal_status, legal_status),
            }
        )
    return rows


def placed_adoption_rows(data: ReturnData, dob_text: dict[str, str], share: Share, day: Day) -> list[dict]:
    decisions = (
        AdoptionDecision.objects.filter(open_during(data.start, data.end, "decided_on", "ceased_on"))
        .values_list("child__local_child_id", "child__date_of_birth", "decided_on", "ceased_on", "reason_ceased")
        .order_by()
    )
    rows = []
    for child, dob, decided_on, ceased_on, reason in decisions.iterator(chunk_size=CHUNK):
        if child not in data.episodes_by_child:
            continue  # a decision that led to an adoption stays open once the child has left care
        if ceased_on is not None and ceased_on > data.end:
            ceased_on, reason = None, ""  # still in force on 31 March
        child = share(child, child)
        rows.append(
            (
                child,
                decided_on,
                {
                    "CHILD": child,
                    "DOB": dob_text.get(child) or day(dob),
                    "DATE_PLACED": day(decided_on),
                    "DATE_PLACED_CEASED": day(ceased_on),
                    "REASON_PLACED_CEASED": share(reason, reason),
                },
            )
        )
    rows.sort(key=lambda item: (item[0], item[1]))
    return [row for *_, row in rows]


def prev_perm_rows(data: ReturnData, dob_text: dict[str, str], share: Share) -> list[dict]:
    """One row for each child who started to be looked after in the year."""
    started = started_care_in_year(data)
    permanence = PreviousPermanence.objects.filter(
        Exists(
            CareEpisode.objects.filter(
                child=OuterRef("child"),
                reason_for_new_episode="S",
                start_date__gte=data.start,
                start_date__lte=data.end,
            )
        )
    ).values_list("child__local_child_id", "order", "arranged_by", "order_date")
    recorded = {child: rest for child, *rest in permanence.order_by().iterator(chunk_size=CHUNK)}
    rows = []
    for child in sorted(started):
        order, arranged_by, order_date = recorded.get(child, ("", "", ""))
        rows.append(
            {
                "CHILD": child,
                "DOB": dob_text.get(child, ""),
                "PREV_PERM": share(order, order),
                "LA_PERM": share(arranged_by, arranged_by),
                "DATE_PERM": order_date,
            }
        )
    return rows


def missing_rows(data: ReturnData, dob_text: dict[str, str], share: Share, day: Day) -> list[dict]:
    episodes = (
        MissingEpisode.objects.filter(open_during(data.start, data.end, "start_date", "end_date"))
        .values_list("child__local_child_id", "child__date_of_birth", "kind", "start_date", "end_date")
        .order_by()
    )
    rows = []
    for child, dob, kind, started, ended in episodes.iterator(chunk_size=CHUNK):
        if ended is not None and ended > data.end:
            ended = None  # still missing or away on 31 March
        child = share(child, child)
        rows.append(
            (
                child,
                started,
                {
                    "CHILD": child,
                    "DOB": dob_text.get(child) or day(dob),
                    "MISSING": share(kind, kind),
                    "MIS_START": day(started),
                    "MIS_END": day(ended),
                },
            )
        )
    rows.sort(key=lambda item: (item[0], item[1]))
    return [row for *_, row in rows]


def add_outcome_rows(data: ReturnData, dob_text: dict[str, str], share: Share, day: Day) -> None:
    """Fill in OC2, AD1, PlacedAdoption, PrevPerm and Missing on a return whose Header and
    Episodes are built (OC3 comes first: its care leavers join the Header). Five queries."""
    data.oc2 = oc2_rows(data, dob_text, share, day)
    data.ad1 = ad1_rows(data, dob_text, share, day)
    data.placed_adoption = placed_adoption_rows(data, dob_text, share, day)
    data.prev_perm = prev_perm_rows(data, dob_text, share)
    data.missing = missing_rows(data, dob_text, share, day)
