"""Reads of a child's health (OC2) and care leaver (OC3) records for the child's page: the
latest years, each answer read as a person would say it, and which years may still be recorded.
Two queries whatever the child holds."""

import datetime
from dataclasses import dataclass

from children.models import CareEpisode, Child

from .health_services import CARE_LEAVER_AGES, looked_after_continuously
from .models import CareLeaverRecord, HealthRecord
from .years import birthday_in_year, last_completed_year, year_label

YEARS_SHOWN = 3
"""The child's page shows the latest three years of health records."""

ANSWERS = {True: "Yes", False: "No", None: "Not recorded"}


@dataclass(frozen=True)
class Shown:
    """A record with its year's label and its answers as (question, answer) rows."""

    record: HealthRecord | CareLeaverRecord
    label: str
    rows: list[tuple[str, str]]


def _sdq(record: HealthRecord) -> str:
    if record.sdq_score is not None:
        return f"Score {record.sdq_score}"
    if record.sdq_reason:
        return f"No score: {record.get_sdq_reason_display()}"
    return "Not recorded"


UP_TO_DATE = {True: "Up to date", False: "Not up to date", None: "Not recorded"}


def health_rows(record: HealthRecord) -> list[tuple[str, str]]:
    """A year's OC2: what is up to date first, then the SDQ, substance misuse and convictions."""
    rows = [
        ("Annual health assessment", UP_TO_DATE[record.health_assessment]),
        ("Immunisations", UP_TO_DATE[record.immunisations]),
        ("Teeth checked by a dentist in the year", ANSWERS[record.teeth_check]),
    ]
    if record.health_check is not None:
        rows.append(("Health surveillance checks (under 5)", UP_TO_DATE[record.health_check]))
    rows.append(("Strengths and Difficulties Questionnaire", _sdq(record)))
    rows.append(("Substance misuse problem identified", ANSWERS[record.substance_misuse]))
    if record.substance_misuse:
        rows.append(("Intervention received", ANSWERS[record.intervention_received]))
        if record.intervention_offered is not None:
            rows.append(("Intervention offered and refused", ANSWERS[record.intervention_offered]))
    if record.convicted is not None:
        rows.append(("Convicted, or given a final warning or reprimand", ANSWERS[record.convicted]))
    return rows


def care_leaver_rows(record: CareLeaverRecord) -> list[tuple[str, str]]:
    suitable = record.accommodation_suitable
    rows = [("In touch", record.get_in_touch_display())]
    if record.activity:
        rows.append(("Main activity", record.get_activity_display()))
    if record.accommodation:
        accommodation = record.get_accommodation_display().partition(":")[0]
        rows.append(("Accommodation", accommodation))
        rows.append(("Accommodation suitable", "Not known" if suitable is None else ANSWERS[suitable]))
    return rows


def health_and_leaving_care(child: Child, episodes: list[CareEpisode], today: datetime.date) -> dict:
    """What the child's page shows in its Health and Leaving care sections, given the child's
    episodes of care (which the page has read already): health is offered for the year just
    ended when the child was looked after for all of it."""
    health = list(HealthRecord.objects.filter(child=child).order_by("-year")[:YEARS_SHOWN])
    leaving = list(CareLeaverRecord.objects.filter(child=child).order_by("-year"))
    latest = last_completed_year(today)
    recorded = {record.year for record in leaving}
    care_leaver_years = [
        (year, year_label(year))
        for year in (latest + 1, latest)
        if year not in recorded and any(birthday_in_year(child.date_of_birth, age, year) for age in CARE_LEAVER_AGES)
    ]
    return {
        "health_records": [Shown(record, year_label(record.year), health_rows(record)) for record in health],
        "health_year": latest,
        "health_year_label": year_label(latest),
        "health_year_due": looked_after_continuously(episodes, latest) and not (health and health[0].year >= latest),
        "care_leaver_records": [Shown(record, year_label(record.year), care_leaver_rows(record)) for record in leaving],
        "care_leaver_years": care_leaver_years,
    }
