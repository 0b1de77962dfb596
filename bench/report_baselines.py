#!/usr/bin/env python
"""The annual report's figures for one reporting year, three ways.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/iro_portal_bench .venv/bin/python bench/report_baselines.py \
        [--date 2026-11-26] [--runs 5]

* the product: reporting.selectors.reporting_year_figures, the selectors every format of the report uses,
  counted live; and the same figures as the report pages get them while no record has changed
  since they were counted (reporting.stored_figures, read back from the database);
* the SQL bound: one hand-written PostgreSQL statement returning the same figures, the least a
  skilled engineer would ask of the database;
* pandas: the data exported as SSDA903-style CSVs (plus CSVs in the same style for what the 903
  does not hold) and the figures computed from them with vectorised pandas, as a notebook would.

All three give a flat {figure name: number} (figures_of): every count the selectors return, with
percentages and ratios left out because their numerators and denominators are in it. The script
seeds nothing: it uses the database as it is (after an ANALYZE), takes the last complete
reporting year before --date, exports the CSVs to a temporary folder (timed on its own, not
counted in the pandas time), checks that the three agree, and prints the median seconds of
--runs runs of each after a warm-up. Needs bench/requirements.txt (pandas).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iro_portal.settings")

import django  # noqa: E402
from django.apps import apps  # noqa: E402

if not apps.ready:
    django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Role  # noqa: E402
from children.codes import SHORT_BREAK_LEGAL_STATUSES, CategoryOfAbuse, LegalStatus, Sex  # noqa: E402
from children.models import Child  # noqa: E402
from children.selectors import (  # noqa: E402
    AGE_BANDS,
    ETHNIC_GROUPS,
    PLACEMENT_GROUPS,
    PROVIDER_GROUPS,
    REPEAT_PLAN_YEARS,
    latest_birth_date_for_age,
)
from escalations.codes import AreaOfConcern, Stage  # noqa: E402
from escalations.timescales import formal_process_limit  # noqa: E402
from oversight.models import OversightKind, Rag  # noqa: E402
from reporting import stored_figures  # noqa: E402
from reporting.periods import reporting_year  # noqa: E402
from reporting.selectors import CASELOAD_BAND, quarters, reporting_year_figures  # noqa: E402
from reviews import timescales  # noqa: E402
from reviews.models import LateReason, ParentsParticipation, ParticipationCode, Review, ReviewKind  # noqa: E402
from reviews.selectors import PARTICIPATED_CODES, PARTICIPATION_RATE_CODES  # noqa: E402

try:
    import numpy as np
    import pandas as pd
except ImportError:  # bench/requirements.txt: the test suite checks the SQL bound without them
    np = pd = None

NOT_RECORDED = "not_recorded"
"""The name of the "" (nothing recorded) choice in figure names."""

DUE_SOON_WORKING_DAYS = 20
"""Outstanding reviews "due soon" fall due within this many working days (reviews.selectors.due_in)."""

LEFT_OUT = {
    "per_fte",
    "lac_per_fte",
    "average_per_iro",
    "participation_rate",
    "band",
    "resolution_working_days",
    "total_lac_children",
}
"""Ratios of figures already compared, settings rather than figures, and the children looked
after among those allocated (recounted from raw rows by tests/test_staffing.py)."""

SECTIONS_NOT_IN_903 = {"other", "conferences", "lac_record", "consultations", "quarters", "detail"}
"""Figures the SSDA903-style export cannot rebuild: entered by hand, or from the conference and
LAC review records (quorum, first core group, views, attendance, care plan checks), the
consultation links, replies and safety alerts, and the report's detail (escalation steps' times,
rebooked reviews, In-Contact plans), which exist only in the portal (each recounted from raw rows
by its own tests: tests/test_conference_figures.py, test_lac_record_figures.py,
test_consultation_figures.py, tests/annual_report/test_annual_report_detail.py); and the quarterly
trends, the year's own selectors applied to each quarter (tests/annual_report/test_annual_report_trends.py)."""

QUALITY_OUTCOMES = {
    "report": ("met", "missed"),
    "decisions": ("met", "missed", "pending"),
    "record": ("met", "missed", "pending"),
}


def _key(key):
    return NOT_RECORDED if key == "" else str(key)


def _number(value):
    """Counts as int; FTE (Decimal in the product, float in pandas) to two places, as stored."""
    if value is None:
        return None
    exact = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return int(exact) if exact == exact.to_integral_value() else exact


def figures_of(year):
    """reporting_year_figures' result as {"section.key...": number}: every count it holds, each IRO's
    caseload and FTE, no percentages or ratios (their parts are here) and no other activity
    (entered by hand, not counted)."""
    caseloads = year["caseloads"]
    sections = {
        **{section: value for section, value in year.items() if section not in SECTIONS_NOT_IN_903},
        "caseloads": {
            **caseloads,
            "rows": {row.iro.username: {"children": row.children, "fte": row.fte} for row in caseloads["rows"]},
        },
    }
    figures = {}

    def walk(name, value):
        if isinstance(value, dict):
            for key, item in value.items():
                key = _key(key)
                if key not in LEFT_OUT and not key.startswith("percent"):
                    walk(f"{name}.{key}" if name else key, item)
        else:
            figures[name] = _number(value)

    walk("", sections)
    return figures


def _zeros():
    """Every figure name but the per-IRO ones, at zero: the SQL and pandas passes count only
    what is there, so a category with nothing in it must start at zero."""
    reasons = [_key(reason) for reason in [*LateReason.values, ""]]
    names = [
        f"caseloads.{name}"
        for name in ("iros", "total_children", "total_fte", "above_band", "agency_iros", "part_time_iros")
    ]
    names += [
        f"children.{name}"
        for name in (
            "looked_after_at_start",
            "looked_after_at_end",
            "looked_after_during",
            "started",
            "ceased",
            "only_short_breaks_at_end",
            "only_short_breaks_during",
        )
    ]
    names += [f"children.age_bands.{key}" for key, *_ in AGE_BANDS]
    names += [f"children.sex.{sex}" for sex in Sex.values]
    names += [
        f"children.ethnicity.{key}.{column}" for key, _, _ in ETHNIC_GROUPS for column in ("all", "not_uasc", "uasc")
    ]
    names += [f"children.legal_status.{code}" for code in LegalStatus.values]
    names += [
        f"children.placements.{group}.{provider}"
        for group, _, _ in PLACEMENT_GROUPS
        for provider, _, _ in PROVIDER_GROUPS
    ]
    for kind in ReviewKind.values:
        names += [f"reviews.{kind}.{name}" for name in ("held", "in_timescale", "late", "overdue", "due_soon")]
        names += [f"reviews.{kind}.late_reasons.{reason}" for reason in reasons]
    names += [
        "lac.held",
        *(f"lac.participation.{_key(code)}" for code in [*ParticipationCode.values, ""]),
        "lac.participated",
        "lac.participation_counted",
        "lac.child_chaired",
        "lac.advocate_present",
        *(f"lac.parents.{_key(choice)}" for choice in [*ParentsParticipation.values, ""]),
        *(
            f"lac.quality.{standard}.{outcome}"
            for standard, outcomes in QUALITY_OUTCOMES.items()
            for outcome in outcomes
        ),
        "lac.seen_before",
        "lac.not_seen_before",
    ]
    names += [
        "oversight.records",
        *(f"oversight.records_by_kind.{kind}" for kind in OversightKind.values),
        *(f"oversight.ratings.{rag}" for rag in Rag.values),
        "oversight.children_looked_after",
        "oversight.children_with_record_every_quarter",
    ]
    names += [
        "escalations.raised",
        "escalations.children",
        *(f"escalations.by_area.{area}" for area in AreaOfConcern.values),
        "escalations.resolved",
        *(f"escalations.resolved_by_stage.{stage}" for stage in Stage.values),
        "escalations.resolved_within_working_days",
        "escalations.resolved_formally",
        "escalations.resolved_informally",
        "escalations.withdrawn",
        "escalations.cafcass_referrals",
    ]
    names += [
        "protection.plans_started",
        "protection.plans_ended",
        *(f"protection.plans_started_by_initial_category.{code}" for code in CategoryOfAbuse.values),
        "protection.plans_at_end",
        *(f"protection.plans_at_end_by_category.{code}" for code in CategoryOfAbuse.values),
        "protection.plans_open_18_months_at_end",
        "protection.plans_open_2_years_at_end",
        "protection.repeat_plans",
        "protection.repeat_plans_within_2_years",
        "protection.plans_ended_lasting_2_years_or_more",
    ]
    return dict.fromkeys(names, 0)


def product_figures(period, on):
    return figures_of(reporting_year_figures(period, on))


def stored_product_figures(period, on):
    """What the report pages read while no record has changed since the figures were counted
    (reporting.stored_figures): the first call counts and stores them, later calls read them back."""
    return figures_of(stored_figures.year_figures(period, on).figures)


# The SQL bound: one statement. Mapping tables (ethnic and placement groups, age bands, the
# quarters) come in as arrays; working days come from reviews_calendarday, as in the product.

FIGURES_SQL = """
WITH
quarter AS (SELECT * FROM unnest(%(quarter_starts)s::date[], %(quarter_ends)s::date[]) AS q(first_day, last_day)),
age_band AS (SELECT * FROM unnest(%(age_keys)s::text[], %(born_by)s::date[], %(born_after)s::date[])
             AS b(key, born_by, born_after)),
ethnic_group AS (SELECT * FROM unnest(%(ethnic_codes)s::text[], %(ethnic_groups)s::text[]) AS g(code, key)),
placement_group AS (SELECT * FROM unnest(%(placement_codes)s::text[], %(placement_groups)s::text[]) AS g(code, key)),
provider_group AS (SELECT * FROM unnest(%(provider_codes)s::text[], %(provider_groups)s::text[]) AS g(code, key)),
today AS (SELECT working_days_before FROM reviews_calendarday WHERE day = %(on)s),

counted_episode AS (
    SELECT * FROM children_careepisode WHERE legal_status <> ALL(%(short_break_statuses)s::text[])
),
episode AS (
    SELECT e.child_id, e.start_date, e.end_date, e.legal_status <> ALL(%(short_break_statuses)s::text[]) AS counted,
           before.id IS NULL AS starts_care, e.end_date IS NOT NULL AND after.id IS NULL AS ends_care
    FROM children_careepisode e
    LEFT JOIN counted_episode before ON before.child_id = e.child_id AND before.end_date = e.start_date
    LEFT JOIN counted_episode after ON after.child_id = e.child_id AND after.start_date = e.end_date
),
in_care AS (
    SELECT child_id,
           bool_or(counted AND start_date <= %(day_before)s AND (end_date IS NULL OR end_date > %(day_before)s))
               AS at_start,
           bool_or(counted AND start_date <= %(end)s AND (end_date IS NULL OR end_date > %(end)s)) AS at_end,
           bool_or(counted AND start_date <= %(end)s AND (end_date IS NULL OR end_date >= %(start)s)) AS during,
           bool_or(start_date <= %(end)s AND (end_date IS NULL OR end_date >= %(start)s)) AS during_any,
           bool_or(NOT counted AND start_date <= %(end)s AND (end_date IS NULL OR end_date > %(end)s))
               AS short_breaks_at_end,
           bool_or(counted AND starts_care AND start_date BETWEEN %(start)s AND %(end)s) AS started,
           bool_or(counted AND ends_care AND end_date BETWEEN %(start)s AND %(end)s) AS ceased
    FROM episode GROUP BY child_id
),
at_end AS (
    SELECT DISTINCT ON (e.child_id) c.date_of_birth, c.sex, c.ethnicity, c.is_uasc,
           e.legal_status, e.placement_type, e.placement_provider
    FROM counted_episode e JOIN children_child c ON c.id = e.child_id
    WHERE e.start_date <= %(end)s AND (e.end_date IS NULL OR e.end_date > %(end)s)
    ORDER BY e.child_id, e.start_date DESC
),
quarter_missed AS (
    SELECT count(DISTINCT child_id) AS children FROM (
        SELECT e.child_id, q.first_day FROM children_careepisode e
        JOIN quarter q ON e.start_date <= q.last_day AND (e.end_date IS NULL OR e.end_date >= q.first_day)
        EXCEPT
        SELECT child_id, greatest(date_trunc('quarter', date)::date, %(start)s) FROM oversight_oversightrecord
        WHERE date BETWEEN %(start)s AND %(end)s
    ) unrecorded
),
caseload AS (
    SELECT u.username, s.fte, s.agency, count(a.id) AS children
    FROM accounts_user u
    LEFT JOIN staffing_staffingperiod s
        ON s.iro_id = u.id AND s.starts_on <= %(end)s AND (s.ends_on IS NULL OR s.ends_on >= %(end)s)
    LEFT JOIN children_allocation a
        ON a.iro_id = u.id AND a.start_date <= %(end)s AND (a.end_date IS NULL OR a.end_date > %(end)s)
    WHERE u.role = %(iro_role)s
    GROUP BY u.id, s.id
    HAVING (u.is_active AND s.id IS NOT NULL) OR count(a.id) > 0
),
held AS (
    SELECT * FROM reviews_review WHERE status = 'held' AND held_on BETWEEN %(start)s AND %(end)s
),
lac AS (
    SELECT h.participation_code, h.parents_participation, h.child_chaired, h.advocate_present,
           EXISTS (
               SELECT FROM oversight_oversightrecord o
               WHERE o.child_id = h.child_id AND o.kind = 'contact_with_child'
                 AND o.date BETWEEN h.cycle_start AND h.held_on
                 AND o.date > coalesce((SELECT max(p.held_on) FROM reviews_review p
                                        WHERE p.child_id = h.child_id AND p.kind = 'LAC' AND p.status = 'held'
                                          AND p.cycle_start = h.cycle_start AND p.held_on < h.held_on),
                                       '0001-01-01')
           ) AS seen_before,
           CASE WHEN report_day.working_days_before <= held_day.working_days_before - %(report_days)s
                THEN 'met' ELSE 'missed' END AS report,
           CASE WHEN decisions_day.working_days_before < held_day.working_days_through + %(decisions_days)s
                THEN 'met'
                WHEN h.decisions_circulated IS NULL
                 AND today.working_days_before < held_day.working_days_through + %(decisions_days)s
                THEN 'pending' ELSE 'missed' END AS decisions,
           CASE WHEN record_day.working_days_before < held_day.working_days_through + %(record_days)s
                THEN 'met'
                WHEN h.record_circulated IS NULL
                 AND today.working_days_before < held_day.working_days_through + %(record_days)s
                THEN 'pending' ELSE 'missed' END AS record
    FROM held h
    LEFT JOIN today ON true
    LEFT JOIN reviews_calendarday held_day ON held_day.day = h.held_on
    LEFT JOIN reviews_calendarday report_day ON report_day.day = h.social_worker_report_received
    LEFT JOIN reviews_calendarday decisions_day ON decisions_day.day = h.decisions_circulated
    LEFT JOIN reviews_calendarday record_day ON record_day.day = h.record_circulated
    WHERE h.kind = 'LAC'
),
held_by_kind AS (
    SELECT kind, late_reason, GROUPING(late_reason) AS every_reason, count(*) AS held,
           count(*) FILTER (WHERE held_on <= due_date) AS in_timescale,
           count(*) FILTER (WHERE held_on > due_date) AS late
    FROM held GROUP BY GROUPING SETS ((kind), (kind, late_reason))
),
escalation AS (
    SELECT e.child_id, e.resolved_at_stage,
           e.raised_on BETWEEN %(start)s AND %(end)s AS raised,
           e.status = 'resolved' AND e.resolved_on BETWEEN %(start)s AND %(end)s AS resolved,
           formal.sent_on IS NOT NULL AS formal,
           resolved_day.working_days_before < formal_day.working_days_through + %(resolution_days)s AS in_time,
           e.status = 'withdrawn' AND e.withdrawn_on BETWEEN %(start)s AND %(end)s AS withdrawn,
           cafcass.escalation_id IS NOT NULL AS cafcass
    FROM escalations_escalation e
    LEFT JOIN (SELECT escalation_id, min(sent_on) AS sent_on FROM escalations_escalationstep
               WHERE stage > %(informal_stage)s GROUP BY escalation_id) formal ON formal.escalation_id = e.id
    LEFT JOIN reviews_calendarday formal_day ON formal_day.day = formal.sent_on
    LEFT JOIN reviews_calendarday resolved_day ON resolved_day.day = e.resolved_on
    LEFT JOIN (SELECT DISTINCT escalation_id FROM escalations_escalationstep
               WHERE stage = %(cafcass_stage)s AND sent_on BETWEEN %(start)s AND %(end)s) cafcass
        ON cafcass.escalation_id = e.id
),
plan AS (
    SELECT p.child_id, p.start_date, p.end_date,
           coalesce(nullif(p.latest_category_of_abuse, ''), p.initial_category_of_abuse) AS category,
           p.initial_category_of_abuse AS initial_category,
           p.start_date BETWEEN %(start)s AND %(end)s AS started,
           p.end_date BETWEEN %(start)s AND %(end)s AS ended,
           EXISTS (SELECT FROM children_childprotectionplan q
                   WHERE q.child_id = p.child_id AND q.start_date < p.start_date) AS repeat_plan,
           EXISTS (SELECT FROM children_childprotectionplan q
                   WHERE q.child_id = p.child_id AND q.start_date < p.start_date AND q.end_date <= p.start_date
                     AND p.start_date <= q.end_date + make_interval(years => %(repeat_years)s)) AS repeat_within
    FROM children_childprotectionplan p
)

SELECT 'caseloads.rows.' || username || '.children', children FROM caseload
UNION ALL SELECT 'caseloads.rows.' || username || '.fte', fte FROM caseload
UNION ALL SELECT figure.* FROM (
    SELECT count(*) AS iros, coalesce(sum(children), 0) AS total_children, coalesce(sum(fte), 0) AS total_fte,
           count(*) FILTER (WHERE round(children / fte, 1) > %(band_top)s) AS above_band,
           count(*) FILTER (WHERE agency) AS agency_iros, count(*) FILTER (WHERE fte < 1) AS part_time_iros
    FROM caseload
) t, LATERAL (VALUES ('caseloads.iros', iros), ('caseloads.total_children', total_children),
                     ('caseloads.total_fte', total_fte), ('caseloads.above_band', above_band),
                     ('caseloads.agency_iros', agency_iros), ('caseloads.part_time_iros', part_time_iros)) figure

UNION ALL SELECT figure.* FROM (
    SELECT count(*) FILTER (WHERE at_start) AS at_start, count(*) FILTER (WHERE at_end) AS at_end,
           count(*) FILTER (WHERE during) AS during, count(*) FILTER (WHERE during_any) AS during_any,
           count(*) FILTER (WHERE started) AS started, count(*) FILTER (WHERE ceased) AS ceased,
           count(*) FILTER (WHERE short_breaks_at_end) AS short_breaks_at_end,
           count(*) FILTER (WHERE during_any AND NOT during) AS short_breaks_during,
           (SELECT children FROM quarter_missed) AS quarter_missed
    FROM in_care
) t, LATERAL (VALUES ('children.looked_after_at_start', at_start), ('children.looked_after_at_end', at_end),
                     ('children.looked_after_during', during), ('children.started', started),
                     ('children.ceased', ceased), ('children.only_short_breaks_at_end', short_breaks_at_end),
                     ('children.only_short_breaks_during', short_breaks_during),
                     ('oversight.children_looked_after', during_any),
                     ('oversight.children_with_record_every_quarter', during_any - quarter_missed)) figure
UNION ALL SELECT 'children.age_bands.' || b.key, count(*) FROM at_end c
    JOIN age_band b ON c.date_of_birth <= b.born_by AND (b.born_after IS NULL OR c.date_of_birth > b.born_after)
    GROUP BY b.key
UNION ALL SELECT 'children.sex.' || sex, count(*) FROM at_end GROUP BY sex
UNION ALL SELECT 'children.ethnicity.' || g.key || '.'
        || CASE WHEN GROUPING(c.is_uasc) = 1 THEN 'all' WHEN c.is_uasc THEN 'uasc' ELSE 'not_uasc' END, count(*)
    FROM at_end c JOIN ethnic_group g ON g.code = c.ethnicity
    GROUP BY GROUPING SETS ((g.key, c.is_uasc), (g.key))
UNION ALL SELECT 'children.legal_status.' || legal_status, count(*) FROM at_end GROUP BY legal_status
UNION ALL SELECT 'children.placements.' || placement.key || '.' || provider.key, count(*) FROM at_end c
    JOIN placement_group placement ON placement.code = c.placement_type
    JOIN provider_group provider ON provider.code = c.placement_provider
    GROUP BY placement.key, provider.key

UNION ALL SELECT 'reviews.' || kind || '.' || figure.name, figure.value FROM held_by_kind,
    LATERAL (VALUES ('held', held), ('in_timescale', in_timescale), ('late', late)) figure(name, value)
    WHERE every_reason = 1
UNION ALL SELECT 'reviews.' || kind || '.late_reasons.' || coalesce(nullif(late_reason, ''), 'not_recorded'), late
    FROM held_by_kind WHERE every_reason = 0
UNION ALL SELECT 'reviews.' || kind || '.' || figure.name, figure.value FROM (
    SELECT kind, count(*) FILTER (WHERE due_date < %(on)s) AS overdue,
           count(*) FILTER (WHERE due_date BETWEEN %(on)s AND %(due_soon_by)s) AS due_soon
    FROM reviews_review WHERE status IN ('due', 'booked') GROUP BY kind
) t, LATERAL (VALUES ('overdue', overdue), ('due_soon', due_soon)) figure(name, value)

UNION ALL SELECT figure.* FROM (
    SELECT count(*) AS held, count(*) FILTER (WHERE child_chaired) AS child_chaired,
           count(*) FILTER (WHERE advocate_present) AS advocate_present,
           count(*) FILTER (WHERE seen_before) AS seen_before,
           count(*) FILTER (WHERE participation_code = ANY(%(participated_codes)s)) AS participated,
           count(*) FILTER (WHERE participation_code = ANY(%(participation_rate_codes)s)) AS counted
    FROM lac
) t, LATERAL (VALUES ('lac.held', held), ('lac.child_chaired', child_chaired),
                     ('lac.advocate_present', advocate_present), ('lac.seen_before', seen_before),
                     ('lac.not_seen_before', held - seen_before), ('lac.participated', participated),
                     ('lac.participation_counted', counted)) figure
UNION ALL SELECT CASE
        WHEN GROUPING(participation_code) = 0
            THEN 'lac.participation.' || coalesce(nullif(participation_code, ''), 'not_recorded')
        WHEN GROUPING(parents_participation) = 0
            THEN 'lac.parents.' || coalesce(nullif(parents_participation, ''), 'not_recorded')
        WHEN GROUPING(report) = 0 THEN 'lac.quality.report.' || report
        WHEN GROUPING(decisions) = 0 THEN 'lac.quality.decisions.' || decisions
        ELSE 'lac.quality.record.' || record
    END, count(*)
    FROM lac GROUP BY GROUPING SETS ((participation_code), (parents_participation), (report), (decisions), (record))

UNION ALL SELECT 'oversight.' || CASE WHEN GROUPING(kind) = 0 THEN 'records_by_kind.' || kind
                                      WHEN GROUPING(rag) = 0 THEN 'ratings.' || rag ELSE 'records' END, count(*)
    FROM oversight_oversightrecord WHERE date BETWEEN %(start)s AND %(end)s
    GROUP BY GROUPING SETS ((kind), (rag), ())
    HAVING GROUPING(rag) = 1 OR rag <> ''

UNION ALL SELECT figure.* FROM (
    SELECT count(*) FILTER (WHERE raised) AS raised, count(DISTINCT child_id) FILTER (WHERE raised) AS children,
           count(*) FILTER (WHERE resolved) AS resolved, count(*) FILTER (WHERE resolved AND in_time) AS in_time,
           count(*) FILTER (WHERE resolved AND formal) AS resolved_formally,
           count(*) FILTER (WHERE resolved AND NOT formal) AS resolved_informally,
           count(*) FILTER (WHERE withdrawn) AS withdrawn, count(*) FILTER (WHERE cafcass) AS cafcass
    FROM escalation
) t, LATERAL (VALUES ('escalations.raised', raised), ('escalations.children', children),
                     ('escalations.resolved', resolved), ('escalations.resolved_within_working_days', in_time),
                     ('escalations.resolved_formally', resolved_formally),
                     ('escalations.resolved_informally', resolved_informally),
                     ('escalations.withdrawn', withdrawn), ('escalations.cafcass_referrals', cafcass)) figure
UNION ALL SELECT 'escalations.resolved_by_stage.' || resolved_at_stage, count(*) FROM escalation
    WHERE resolved GROUP BY resolved_at_stage
UNION ALL SELECT 'escalations.by_area.' || c.area, count(*) FROM escalations_escalationconcern c
    JOIN escalations_escalation e ON e.id = c.escalation_id
    WHERE e.raised_on BETWEEN %(start)s AND %(end)s GROUP BY c.area

UNION ALL SELECT figure.* FROM (
    SELECT count(*) FILTER (WHERE started) AS started, count(*) FILTER (WHERE ended) AS ended,
           count(*) FILTER (WHERE started AND repeat_plan) AS repeat_plans,
           count(*) FILTER (WHERE started AND repeat_within) AS repeat_within,
           count(*) FILTER (WHERE ended AND start_date + make_interval(years => %(repeat_years)s) <= end_date)
               AS lasted_two_years
    FROM plan
) t, LATERAL (VALUES ('protection.plans_started', started), ('protection.plans_ended', ended),
                     ('protection.repeat_plans', repeat_plans),
                     ('protection.repeat_plans_within_2_years', repeat_within),
                     ('protection.plans_ended_lasting_2_years_or_more', lasted_two_years)) figure
UNION ALL SELECT figure.* FROM (
    SELECT count(DISTINCT child_id) AS children,
           count(DISTINCT child_id) FILTER (WHERE start_date <= %(open_18_months_started_by)s) AS over_18_months,
           count(DISTINCT child_id) FILTER (WHERE start_date <= %(open_2_years_started_by)s) AS two_years
    FROM plan WHERE start_date <= %(end)s AND (end_date IS NULL OR end_date > %(end)s)
) t, LATERAL (VALUES ('protection.plans_at_end', children), ('protection.plans_open_18_months_at_end', over_18_months),
                     ('protection.plans_open_2_years_at_end', two_years)) figure
UNION ALL SELECT 'protection.plans_started_by_initial_category.' || initial_category, count(*) FROM plan
    WHERE started GROUP BY initial_category
UNION ALL SELECT 'protection.plans_at_end_by_category.' || category, count(DISTINCT child_id) FROM plan
    WHERE start_date <= %(end)s AND (end_date IS NULL OR end_date > %(end)s) GROUP BY category
"""


def _mapping(groups):
    """(codes, group keys) arrays from a list of (key, label, codes)."""
    pairs = [(str(code), key) for key, _, codes in groups for code in codes]
    return [code for code, _ in pairs], [key for _, key in pairs]


def _sql_parameters(period, on):
    end = period.end
    standards = settings.REVIEW_STANDARDS
    year_quarters = quarters(period)
    ethnic_codes, ethnic_groups = _mapping(ETHNIC_GROUPS)
    placement_codes, placement_groups = _mapping(PLACEMENT_GROUPS)
    provider_codes, provider_groups = _mapping(PROVIDER_GROUPS)
    return {
        "start": period.start,
        "end": end,
        "day_before": period.start - timedelta(days=1),
        "on": on,
        "due_soon_by": timescales.add_working_days(on, DUE_SOON_WORKING_DAYS),
        "quarter_starts": [first for first, _ in year_quarters],
        "quarter_ends": [last for _, last in year_quarters],
        "age_keys": [key for key, *_ in AGE_BANDS],
        "born_by": [latest_birth_date_for_age(end, low) for _, _, low, _ in AGE_BANDS],
        "born_after": [None if high is None else latest_birth_date_for_age(end, high) for *_, high in AGE_BANDS],
        "ethnic_codes": ethnic_codes,
        "ethnic_groups": ethnic_groups,
        "placement_codes": placement_codes,
        "placement_groups": placement_groups,
        "provider_codes": provider_codes,
        "provider_groups": provider_groups,
        "iro_role": Role.IRO.value,
        "band_top": CASELOAD_BAND[1],
        "participated_codes": [str(code) for code in PARTICIPATED_CODES],
        "participation_rate_codes": [str(code) for code in PARTICIPATION_RATE_CODES],
        "report_days": standards["social_worker_report_working_days_before"],
        "decisions_days": standards["decisions_circulated_within_working_days"],
        "record_days": standards["record_circulated_within_working_days"],
        "resolution_days": formal_process_limit(),
        "informal_stage": Stage.INFORMAL.value,
        "short_break_statuses": [str(code) for code in SHORT_BREAK_LEGAL_STATUSES],
        "cafcass_stage": Stage.CAFCASS.value,
        "repeat_years": REPEAT_PLAN_YEARS,
        "open_18_months_started_by": timescales.latest_start_open_longer_than(end, 18),
        "open_2_years_started_by": timescales.latest_start_open_longer_than(end, 24, or_exactly=True),
    }


def sql_figures(period, on):
    """The same figures from one hand-written SQL statement (PostgreSQL)."""
    figures = _zeros()
    with connection.cursor() as cursor:
        cursor.execute(FIGURES_SQL, _sql_parameters(period, on))
        figures.update((name, _number(value)) for name, value in cursor.fetchall())
    return figures


# The CSV export: the 903's Header, Episodes and UASC tables as the DfE defines them; Reviews
# with the 903's columns first, then what the portal records about each LAC review (all of
# them, outstanding too, for the due dates); and one file in the same style for each other table
# the report needs. Upper-case columns, DD/MM/YYYY dates, codes as stored.


def _day(column):
    return f"to_char({column}, 'DD/MM/YYYY')"


def _select(columns, source):
    return "SELECT " + ", ".join(f'{expression} AS "{name}"' for name, expression in columns) + " " + source


EXPORTS = {
    "header": (
        _select(
            [
                ("CHILD", "local_child_id"),
                ("SEX", "sex"),
                ("DOB", _day("date_of_birth")),
                ("ETHNIC", "ethnicity"),
                ("UPN", "upn"),
                ("MOTHER", "''"),
                ("MC_DOB", "''"),
            ],
            "FROM children_child",
        ),
        ["DOB"],
    ),
    "uasc": (
        _select(
            [
                ("CHILD", "local_child_id"),
                ("SEX", "sex"),
                ("DOB", _day("date_of_birth")),
                ("DUC", _day("uasc_ceased_on")),
            ],
            "FROM children_child WHERE is_uasc",
        ),
        ["DOB", "DUC"],
    ),
    "episodes": (
        _select(
            [
                ("CHILD", "c.local_child_id"),
                ("DECOM", _day("e.start_date")),
                ("RNE", "e.reason_for_new_episode"),
                ("LS", "e.legal_status"),
                ("CIN", "e.category_of_need"),
                ("PLACE", "e.placement_type"),
                ("PLACE_PROVIDER", "e.placement_provider"),
                ("DEC", _day("e.end_date")),
                ("REC", "e.reason_episode_ceased"),
                ("REASON_PLACE_CHANGE", "e.reason_for_placement_change"),
                ("HOME_POST", "''"),
                ("PL_POST", "''"),
                ("URN", "''"),
            ],
            "FROM children_careepisode e JOIN children_child c ON c.id = e.child_id",
        ),
        ["DECOM", "DEC"],
    ),
    "reviews": (
        _select(
            [
                ("CHILD", "c.local_child_id"),
                ("DOB", _day("c.date_of_birth")),
                ("REVIEW", _day("r.held_on")),
                ("REVIEW_CODE", "r.participation_code"),
                ("REVIEW_NUMBER", "r.number"),
                ("CYCLE_START", _day("r.cycle_start")),
                ("DUE", _day("r.due_date")),
                ("STATUS", "r.status"),
                ("LATE_REASON", "r.late_reason"),
                ("CHILD_CHAIRED", "r.child_chaired::int"),
                ("ADVOCATE_PRESENT", "r.advocate_present::int"),
                ("PARENTS_PARTICIPATION", "r.parents_participation"),
                ("SW_REPORT_RECEIVED", _day("r.social_worker_report_received")),
                ("DECISIONS_CIRCULATED", _day("r.decisions_circulated")),
                ("RECORD_CIRCULATED", _day("r.record_circulated")),
            ],
            "FROM reviews_review r JOIN children_child c ON c.id = r.child_id WHERE r.kind = 'LAC'",
        ),
        ["DOB", "REVIEW", "CYCLE_START", "DUE", "SW_REPORT_RECEIVED", "DECISIONS_CIRCULATED", "RECORD_CIRCULATED"],
    ),
    "conferences": (
        _select(
            [
                ("CHILD", "c.local_child_id"),
                ("CONFERENCE", "r.kind"),
                ("CONFERENCE_DATE", _day("r.held_on")),
                ("DUE", _day("r.due_date")),
                ("STATUS", "r.status"),
                ("LATE_REASON", "r.late_reason"),
            ],
            "FROM reviews_review r JOIN children_child c ON c.id = r.child_id WHERE r.kind <> 'LAC'",
        ),
        ["CONFERENCE_DATE", "DUE"],
    ),
    "cp_plans": (
        _select(
            [
                ("CHILD", "c.local_child_id"),
                ("CPP_START_DATE", _day("p.start_date")),
                ("CPP_END_DATE", _day("p.end_date")),
                ("INITIAL_CATEGORY_OF_ABUSE", "p.initial_category_of_abuse"),
                ("LATEST_CATEGORY_OF_ABUSE", "p.latest_category_of_abuse"),
            ],
            "FROM children_childprotectionplan p JOIN children_child c ON c.id = p.child_id",
        ),
        ["CPP_START_DATE", "CPP_END_DATE"],
    ),
    "iros": (
        _select(
            [
                ("IRO", "username"),
                ("ACTIVE", "is_active::int"),
            ],
            f"FROM accounts_user WHERE role = '{Role.IRO.value}'",
        ),
        [],
    ),
    "staffing": (
        _select(
            [
                ("IRO", "u.username"),
                ("STARTS_ON", _day("s.starts_on")),
                ("ENDS_ON", _day("s.ends_on")),
                ("FTE", "s.fte"),
                ("AGENCY", "s.agency::int"),
            ],
            "FROM staffing_staffingperiod s JOIN accounts_user u ON u.id = s.iro_id",
        ),
        ["STARTS_ON", "ENDS_ON"],
    ),
    "allocations": (
        _select(
            [
                ("CHILD", "c.local_child_id"),
                ("IRO", "u.username"),
                ("START_DATE", _day("a.start_date")),
                ("END_DATE", _day("a.end_date")),
            ],
            "FROM children_allocation a JOIN children_child c ON c.id = a.child_id JOIN accounts_user u ON u.id = a.iro_id",
        ),
        ["START_DATE", "END_DATE"],
    ),
    "oversight": (
        _select(
            [
                ("CHILD", "c.local_child_id"),
                ("DATE", _day("o.date")),
                ("KIND", "o.kind"),
                ("RAG", "o.rag"),
            ],
            "FROM oversight_oversightrecord o JOIN children_child c ON c.id = o.child_id",
        ),
        ["DATE"],
    ),
    "escalations": (
        _select(
            [
                ("ESCALATION", "e.id"),
                ("CHILD", "c.local_child_id"),
                ("RAISED", _day("e.raised_on")),
                ("STATUS", "e.status"),
                ("RESOLVED", _day("e.resolved_on")),
                ("RESOLVED_AT_STAGE", "e.resolved_at_stage"),
                ("WITHDRAWN", _day("e.withdrawn_on")),
            ],
            "FROM escalations_escalation e JOIN children_child c ON c.id = e.child_id",
        ),
        ["RAISED", "RESOLVED", "WITHDRAWN"],
    ),
    "escalation_steps": (
        _select(
            [
                ("ESCALATION", "escalation_id"),
                ("STAGE", "stage"),
                ("SENT", _day("sent_on")),
                ("RESPONSE_DUE", _day("response_due")),
                ("RESPONDED", _day("responded_on")),
            ],
            "FROM escalations_escalationstep",
        ),
        ["SENT", "RESPONSE_DUE", "RESPONDED"],
    ),
    "escalation_concerns": (
        _select(
            [
                ("ESCALATION", "escalation_id"),
                ("AREA", "area"),
            ],
            "FROM escalations_escalationconcern",
        ),
        [],
    ),
    "bank_holidays": (
        _select(
            [
                ("DATE", _day("day")),
            ],
            "FROM reviews_calendarday WHERE NOT is_working_day AND extract(isodow FROM day) < 6",
        ),
        ["DATE"],
    ),
}
"""{file: (the SELECT that writes it, its date columns)}."""


def export_csvs(directory):
    """Write one CSV per table into `directory` with PostgreSQL COPY; returns the paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    with connection.cursor() as cursor:
        for table, (query, _) in EXPORTS.items():
            path = directory / f"{table}.csv"
            with open(path, "w", encoding="utf-8", newline="") as file:
                cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER true)", file)
            paths.append(path)
    return paths


# The pandas pass: what an analyst's notebook does with those CSVs.


def read_csvs(directory):
    """Every exported table as a DataFrame: blanks as missing, dates parsed from DD/MM/YYYY."""
    return {
        table: pd.read_csv(
            Path(directory) / f"{table}.csv",
            keep_default_na=False,
            na_values=[""],
            parse_dates=dates,
            date_format="%d/%m/%Y",
        )
        for table, (_, dates) in EXPORTS.items()
    }


def _counted(prefix, counts, suffix=""):
    """{prefix.key suffix: count} from a value_counts or groupby size Series (a tuple key's parts
    joined with dots)."""
    return {
        f"{prefix}." + ".".join(_key(part) for part in (key if isinstance(key, tuple) else (key,))) + suffix: count
        for key, count in counts.items()
    }


def _working_day(days, offset, holidays):
    """add_working_days over an array of dates: numpy's business days (Monday to Friday) less
    bank holidays, rolled so that a weekend or holiday start counts as the timescales do."""
    days = days.to_numpy().astype("datetime64[D]")
    return np.busday_offset(days, offset, roll="backward" if offset >= 0 else "forward", holidays=holidays)


def _as_days(series):
    return series.to_numpy().astype("datetime64[D]")


def _pandas_caseloads(tables, end):
    allocations = tables["allocations"]
    current = allocations[
        (allocations.START_DATE <= end) & (allocations.END_DATE.isna() | (allocations.END_DATE > end))
    ]
    staffing = tables["staffing"]
    staffed = staffing[(staffing.STARTS_ON <= end) & (staffing.ENDS_ON.isna() | (staffing.ENDS_ON >= end))]
    staffed = staffed.set_index("IRO")
    iros = tables["iros"].set_index("IRO")
    iros["FTE"] = staffed.FTE.reindex(iros.index)
    iros["AGENCY"] = staffed.AGENCY.reindex(iros.index)
    iros["CHILDREN"] = current.groupby("IRO").size().reindex(iros.index, fill_value=0)
    iros = iros[((iros.ACTIVE == 1) & iros.FTE.notna()) | (iros.CHILDREN > 0)]
    return {
        "caseloads.iros": len(iros),
        "caseloads.total_children": iros.CHILDREN.sum(),
        "caseloads.total_fte": iros.FTE.sum(),
        "caseloads.above_band": ((iros.CHILDREN / iros.FTE).round(1) > CASELOAD_BAND[1]).sum(),
        "caseloads.agency_iros": (iros.AGENCY == 1).sum(),
        "caseloads.part_time_iros": (iros.FTE < 1).sum(),
        **_counted("caseloads.rows", iros.CHILDREN, ".children"),
        **_counted("caseloads.rows", iros.FTE, ".fte"),
    }


def _pandas_children(tables, start, end):
    every_episode = tables["episodes"]
    short_breaks = every_episode[every_episode.LS.isin([str(code) for code in SHORT_BREAK_LEGAL_STATUSES])]
    episodes = every_episode.drop(short_breaks.index)  # as the DfE counts: short breaks left out first
    decom, dec = episodes.DECOM, episodes.DEC
    starts = pd.MultiIndex.from_arrays([episodes.CHILD, decom])
    ends = pd.MultiIndex.from_arrays([episodes.CHILD, dec])
    starts_care = ~starts.isin(ends)
    ends_care = dec.notna() & ~ends.isin(starts)

    def open_on(day):
        return (decom <= day) & (dec.isna() | (dec > day))

    def children(mask):
        return episodes.loc[mask, "CHILD"].nunique()

    during = (decom <= end) & (dec.isna() | (dec >= start))
    figures = {
        "children.looked_after_at_start": children(open_on(start - pd.Timedelta(days=1))),
        "children.looked_after_at_end": children(open_on(end)),
        "children.looked_after_during": children(during),
        "children.started": children(starts_care & decom.between(start, end)),
        "children.ceased": children(ends_care & dec.between(start, end)),
        "children.only_short_breaks_at_end": short_breaks.loc[
            (short_breaks.DECOM <= end) & (short_breaks.DEC.isna() | (short_breaks.DEC > end)), "CHILD"
        ].nunique(),
        "children.only_short_breaks_during": len(
            set(
                short_breaks.loc[
                    (short_breaks.DECOM <= end) & (short_breaks.DEC.isna() | (short_breaks.DEC >= start)), "CHILD"
                ]
            )
            - set(episodes.loc[during, "CHILD"])
        ),
    }
    at_end = (
        episodes[open_on(end)]
        .sort_values("DECOM")
        .drop_duplicates("CHILD", keep="last")
        .merge(tables["header"], on="CHILD")
    )
    at_end["UASC"] = np.where(at_end.CHILD.isin(tables["uasc"].CHILD), "uasc", "not_uasc")
    born = at_end.DOB
    band = np.select(
        [
            (born <= pd.Timestamp(latest_birth_date_for_age(end, low)))
            & (True if high is None else born > pd.Timestamp(latest_birth_date_for_age(end, high)))
            for _, _, low, high in AGE_BANDS
        ],
        [key for key, *_ in AGE_BANDS],
        default="",
    )
    ethnic_group = at_end.ETHNIC.map({code: key for key, _, codes in ETHNIC_GROUPS for code in codes})
    placement = at_end.PLACE.map({code: key for key, _, codes in PLACEMENT_GROUPS for code in codes})
    provider = at_end.PLACE_PROVIDER.fillna("").map(
        {str(code): key for key, _, codes in PROVIDER_GROUPS for code in codes}
    )
    figures.update(_counted("children.age_bands", pd.Series(band)[band != ""].value_counts()))
    figures.update(_counted("children.sex", at_end.SEX.value_counts()))
    figures.update(_counted("children.ethnicity", at_end.groupby([ethnic_group, at_end.UASC]).size()))
    figures.update(_counted("children.ethnicity", ethnic_group.value_counts(), ".all"))
    figures.update(_counted("children.legal_status", at_end.LS.value_counts()))
    figures.update(_counted("children.placements", at_end.groupby([placement, provider]).size()))
    return figures


def _pandas_reviews(tables, start, end, on, holidays):
    lac_reviews = tables["reviews"]
    reviews = pd.concat(
        [
            lac_reviews[["REVIEW", "DUE", "STATUS", "LATE_REASON"]]
            .rename(columns={"REVIEW": "HELD"})
            .assign(KIND="LAC"),
            tables["conferences"].rename(columns={"CONFERENCE_DATE": "HELD", "CONFERENCE": "KIND"}),
        ]
    )
    held = reviews[(reviews.STATUS == "held") & reviews.HELD.between(start, end)]
    held = held.assign(
        IN_TIMESCALE=held.HELD <= held.DUE, LATE=held.HELD > held.DUE, LATE_REASON=held.LATE_REASON.fillna("")
    )
    by_kind = held.groupby("KIND").agg(
        held=("HELD", "size"), in_timescale=("IN_TIMESCALE", "sum"), late=("LATE", "sum")
    )
    outstanding = reviews[reviews.STATUS.isin(["due", "booked"])]
    due_soon_by = pd.Timestamp(timescales.add_working_days(on.date(), DUE_SOON_WORKING_DAYS))
    outstanding = outstanding.assign(overdue=outstanding.DUE < on, due_soon=outstanding.DUE.between(on, due_soon_by))
    figures = _counted("reviews", by_kind.stack())
    figures.update(_counted("reviews", outstanding.groupby("KIND")[["overdue", "due_soon"]].sum().stack()))
    late_reasons = held[held.LATE].groupby(["KIND", "LATE_REASON"]).size()
    figures.update(
        {f"reviews.{kind}.late_reasons.{_key(reason)}": count for (kind, reason), count in late_reasons.items()}
    )

    all_held = lac_reviews[lac_reviews.STATUS == "held"]
    lac = all_held[all_held.REVIEW.between(start, end)]
    code, parents = lac.REVIEW_CODE.fillna(""), lac.PARENTS_PARTICIPATION.fillna("")
    figures.update(
        {
            "lac.held": len(lac),
            "lac.participated": code.isin([str(c) for c in PARTICIPATED_CODES]).sum(),
            "lac.participation_counted": code.isin([str(c) for c in PARTICIPATION_RATE_CODES]).sum(),
            "lac.child_chaired": lac.CHILD_CHAIRED.sum(),
            "lac.advocate_present": lac.ADVOCATE_PRESENT.sum(),
        }
    )
    figures.update(_counted("lac.participation", code.value_counts()))
    figures.update(_counted("lac.parents", parents.value_counts()))

    standards = settings.REVIEW_STANDARDS
    report = _as_days(lac.SW_REPORT_RECEIVED) <= _working_day(
        lac.REVIEW, -standards["social_worker_report_working_days_before"], holidays
    )
    figures["lac.quality.report.met"] = report.sum()
    figures["lac.quality.report.missed"] = len(lac) - report.sum()
    today = np.datetime64(on.date(), "D")
    for standard, column, setting in (
        ("decisions", "DECISIONS_CIRCULATED", "decisions_circulated_within_working_days"),
        ("record", "RECORD_CIRCULATED", "record_circulated_within_working_days"),
    ):
        deadline = _working_day(lac.REVIEW, standards[setting], holidays)
        met = (_as_days(lac[column]) <= deadline).sum()
        pending = (lac[column].isna().to_numpy() & (today <= deadline)).sum()
        figures.update(
            {
                f"lac.quality.{standard}.met": met,
                f"lac.quality.{standard}.pending": pending,
                f"lac.quality.{standard}.missed": len(lac) - met - pending,
            }
        )

    # Seen before the review: a contact with the child in the cycle, after the previous review
    # (strictly earlier day) and on or before this one; the latest contact by then tells.
    previous = all_held[["CHILD", "CYCLE_START", "REVIEW"]].drop_duplicates().sort_values("REVIEW")
    previous["PREVIOUS"] = previous.groupby(["CHILD", "CYCLE_START"]).REVIEW.shift()
    oversight = tables["oversight"]
    contacts = (
        oversight.loc[oversight.KIND == "contact_with_child", ["CHILD", "DATE"]]
        .rename(columns={"DATE": "LAST_CONTACT"})
        .sort_values("LAST_CONTACT")
    )
    reviewed = lac[["CHILD", "CYCLE_START", "REVIEW"]].merge(previous, on=["CHILD", "CYCLE_START", "REVIEW"])
    seen = pd.merge_asof(
        reviewed.sort_values("REVIEW"), contacts, left_on="REVIEW", right_on="LAST_CONTACT", by="CHILD"
    )
    seen_before = (
        (seen.LAST_CONTACT >= seen.CYCLE_START) & (seen.PREVIOUS.isna() | (seen.LAST_CONTACT > seen.PREVIOUS))
    ).sum()
    figures.update({"lac.seen_before": seen_before, "lac.not_seen_before": len(lac) - seen_before})
    return figures


def _pandas_oversight(tables, period, start, end):
    oversight = tables["oversight"]
    records = oversight[oversight.DATE.between(start, end)]
    figures = {"oversight.records": len(records)}
    figures.update(_counted("oversight.records_by_kind", records.KIND.value_counts()))
    figures.update(_counted("oversight.ratings", records.RAG.value_counts()))

    year_quarters = pd.DataFrame(quarters(period), columns=["FIRST_DAY", "LAST_DAY"]).apply(pd.to_datetime)
    episodes = tables["episodes"]
    during = episodes[(episodes.DECOM <= end) & (episodes.DEC.isna() | (episodes.DEC >= start))]
    spans = during[["CHILD", "DECOM", "DEC"]].merge(year_quarters, how="cross")
    looked_after = spans.loc[
        (spans.DECOM <= spans.LAST_DAY) & (spans.DEC.isna() | (spans.DEC >= spans.FIRST_DAY)), ["CHILD", "FIRST_DAY"]
    ].drop_duplicates()
    quarter = year_quarters.FIRST_DAY.searchsorted(records.DATE, side="right") - 1
    recorded = records[["CHILD"]].assign(FIRST_DAY=year_quarters.FIRST_DAY.to_numpy()[quarter]).drop_duplicates()
    unrecorded = looked_after.merge(recorded, how="left", indicator=True).query("_merge == 'left_only'")
    figures["oversight.children_looked_after"] = during.CHILD.nunique()
    figures["oversight.children_with_record_every_quarter"] = during.CHILD.nunique() - unrecorded.CHILD.nunique()
    return figures


def _pandas_escalations(tables, start, end, holidays):
    escalations = tables["escalations"]
    raised = escalations.RAISED.between(start, end)
    resolved = (escalations.STATUS == "resolved") & escalations.RESOLVED.between(start, end)
    steps = tables["escalation_steps"]
    formal_started = escalations.ESCALATION.map(steps[steps.STAGE > Stage.INFORMAL].groupby("ESCALATION").SENT.min())
    formal = formal_started.notna()
    in_time = formal & (
        _as_days(escalations.RESOLVED)
        <= _working_day(formal_started.fillna(escalations.RAISED), formal_process_limit(), holidays)
    )
    cafcass = steps[(steps.STAGE == Stage.CAFCASS) & steps.SENT.between(start, end)]
    concerns = tables["escalation_concerns"]
    figures = {
        "escalations.raised": raised.sum(),
        "escalations.children": escalations.loc[raised, "CHILD"].nunique(),
        "escalations.resolved": resolved.sum(),
        "escalations.resolved_within_working_days": (resolved & in_time).sum(),
        "escalations.resolved_formally": (resolved & formal).sum(),
        "escalations.resolved_informally": (resolved & ~formal).sum(),
        "escalations.withdrawn": (
            (escalations.STATUS == "withdrawn") & escalations.WITHDRAWN.between(start, end)
        ).sum(),
        "escalations.cafcass_referrals": cafcass.ESCALATION.nunique(),
    }
    figures.update(
        _counted(
            "escalations.resolved_by_stage", escalations.loc[resolved, "RESOLVED_AT_STAGE"].astype(int).value_counts()
        )
    )
    raised_concerns = concerns[concerns.ESCALATION.isin(escalations.loc[raised, "ESCALATION"])]
    figures.update(_counted("escalations.by_area", raised_concerns.AREA.value_counts()))
    return figures


def _pandas_protection(tables, start, end):
    plans = tables["cp_plans"].rename(columns={"CPP_START_DATE": "START", "CPP_END_DATE": "END"})
    plans["PLAN"] = range(len(plans))
    started = plans.START.between(start, end)
    ended = plans.END.between(start, end)
    two_years = pd.DateOffset(years=REPEAT_PLAN_YEARS)
    earlier = plans[started].merge(plans[plans.END.notna()], on="CHILD", suffixes=("", "_EARLIER"))
    within_two_years = earlier[
        (earlier.START_EARLIER < earlier.START)
        & (earlier.END_EARLIER <= earlier.START)
        & (earlier.START <= earlier.END_EARLIER + two_years)
    ]
    at_end = plans[(plans.START <= end) & (plans.END.isna() | (plans.END > end))]
    category = at_end.LATEST_CATEGORY_OF_ABUSE.fillna(at_end.INITIAL_CATEGORY_OF_ABUSE)
    open_18_months = pd.Timestamp(timescales.latest_start_open_longer_than(end.date(), 18))
    open_2_years = pd.Timestamp(timescales.latest_start_open_longer_than(end.date(), 24, or_exactly=True))
    figures = {
        "protection.plans_started": started.sum(),
        "protection.plans_ended": ended.sum(),
        "protection.repeat_plans": (started & (plans.START > plans.groupby("CHILD").START.transform("min"))).sum(),
        "protection.repeat_plans_within_2_years": within_two_years.PLAN.nunique(),
        "protection.plans_ended_lasting_2_years_or_more": (ended & (plans.START + two_years <= plans.END)).sum(),
        "protection.plans_at_end": at_end.CHILD.nunique(),
        "protection.plans_open_18_months_at_end": at_end.loc[at_end.START <= open_18_months, "CHILD"].nunique(),
        "protection.plans_open_2_years_at_end": at_end.loc[at_end.START <= open_2_years, "CHILD"].nunique(),
    }
    figures.update(
        _counted(
            "protection.plans_started_by_initial_category", plans[started].INITIAL_CATEGORY_OF_ABUSE.value_counts()
        )
    )
    by_category = at_end.assign(CATEGORY=category).drop_duplicates(["CHILD", "CATEGORY"]).CATEGORY.value_counts()
    figures.update(_counted("protection.plans_at_end_by_category", by_category))
    return figures


def pandas_figures(directory, period, on):
    """The same figures from the exported CSVs with pandas, reading them included."""
    tables = read_csvs(directory)
    start, end, today = pd.Timestamp(period.start), pd.Timestamp(period.end), pd.Timestamp(on)
    holidays = _as_days(tables["bank_holidays"].DATE)
    figures = _zeros()
    for part in (
        _pandas_caseloads(tables, end),
        _pandas_children(tables, start, end),
        _pandas_reviews(tables, start, end, today, holidays),
        _pandas_oversight(tables, period, start, end),
        _pandas_escalations(tables, start, end, holidays),
        _pandas_protection(tables, start, end),
    ):
        figures.update((name, _number(value)) for name, value in part.items())
    return figures


def compare(expected, found):
    """[(figure, expected value, found value)] wherever the two differ, a figure missing from
    one side showing as None."""
    return [
        (name, expected.get(name), found.get(name))
        for name in [*expected, *(name for name in found if name not in expected)]
        if expected.get(name) != found.get(name) or (name in expected) != (name in found)
    ]


def median_seconds(function, runs):
    """The median of `runs` timed calls after one untimed warm-up."""
    function()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def statements(function):
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured.captured_queries)


def measure(period, on, runs=5):
    """Export, check and time the three ways for one period: what bench/run.py tabulates."""
    with tempfile.TemporaryDirectory(prefix="iro-903-") as directory:
        started = time.perf_counter()
        export_csvs(directory)
        export_seconds = time.perf_counter() - started
        product = product_figures(period, on)
        differences = {
            "stored": compare(product, stored_product_figures(period, on)),
            "sql": compare(product, sql_figures(period, on)),
            "pandas": compare(product, pandas_figures(directory, period, on)),
        }
        seconds = {
            "product": median_seconds(lambda: product_figures(period, on), runs),
            "stored": median_seconds(lambda: stored_product_figures(period, on), runs),
            "sql": median_seconds(lambda: sql_figures(period, on), runs),
            "pandas": median_seconds(lambda: pandas_figures(directory, period, on), runs),
            "export": export_seconds,
        }
        csv_bytes = sum(path.stat().st_size for path in Path(directory).iterdir())
    return {
        "figures": len(product),
        "queries": {
            "product": statements(lambda: product_figures(period, on)),
            "stored": statements(lambda: stored_product_figures(period, on)),
            "sql": statements(lambda: sql_figures(period, on)),
        },
        "differences": differences,
        "seconds": seconds,
        "csv_megabytes": csv_bytes / 1e6,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--date",
        type=date.fromisoformat,
        default=None,
        help="Reference date (default today); the year is the last complete one before it.",
    )
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if pd is None:
        sys.exit("pandas is missing: .venv/bin/pip install -r bench/requirements.txt")

    on = args.date or timezone.localdate()
    period = reporting_year(timescales.reporting_year_start(on).year - 1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as after any bulk load: planner statistics for the data as it is, for all three
    print(f"{Child.objects.count()} children, {Review.objects.count()} reviews; figures for {period.label} as of {on}")
    result = measure(period, on, args.runs)
    for method, differences in result["differences"].items():
        if differences:
            print(f"{method} differs from the product in {len(differences)} of {result['figures']} figures:")
            for name, product, found in differences:
                print(f"  {name}: product {product}, {method} {found}")
        else:
            print(f"{method} agrees with the product on all {result['figures']} figures")
    seconds = result["seconds"]
    print(f"queries: product {result['queries']['product']}, SQL bound {result['queries']['sql']}")
    print(
        f"median of {args.runs} runs: product {seconds['product']:.3f} s (stored figures read back "
        f"{seconds['stored'] * 1000:.1f} ms), SQL bound {seconds['sql']:.3f} s, "
        f"pandas {seconds['pandas']:.3f} s (CSV export {seconds['export']:.3f} s, "
        f"{result['csv_megabytes']:.1f} MB, not counted)"
    )
    print(
        f"product / SQL bound = {seconds['product'] / seconds['sql']:.2f}x (target at most 1.5x); "
        f"pandas / product = {seconds['pandas'] / seconds['product']:.1f}x counted live, "
        f"{seconds['pandas'] / seconds['stored']:.0f}x with the figures stored (target at least 10x)"
    )
    if any(result["differences"].values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
