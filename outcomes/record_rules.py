"""The DfE's SSDA903 rules that one outcome record can break (OC2, OC3, Missing, PlacedAdoption,
AD1, PrevPerm), each written once as a predicate over plain values. The services call them before
a record is saved and ssda903.outcome_rules calls them on each row of a return, so what the pages
refuse and what the return refuses cannot drift apart. Each predicate's docstring starts with its
DfE rule number.

Values are as the return codes them: a flag is "1", "0" or "" (not recorded; `flag` turns a
yes/no answer into one), a code or number is its text, "" is blank, and a date is a date. Ages
are from `outcomes.years.birthday`; they are only compared with 1 April and 31 March, where a 29
February birthday falls in the same collection year whichever day other years keep it on."""

import datetime
import re
from collections.abc import Iterable

from .years import birthday, birthday_in_year, collection_end, collection_start

ADOPTED = frozenset({"E11", "E12"})
"""REC for an episode that ended in adoption."""

PLACED_FOR_ADOPTION = frozenset({"A3", "A4", "A5", "A6"})
"""PLACE for a placement for adoption."""


def flag(answer: bool | None) -> str:
    """A yes/no answer as the return codes it: "1", "0", or "" when not recorded."""
    return "" if answer is None else "1" if answer else "0"


def _given(*values: str) -> bool:
    return any(values)


# OC2: health and offending of children looked after for the 12 months to 31 March -------------


def sdq_score_out_of_range(score: str) -> bool:
    """180: an SDQ score is a whole number from 0 to 40."""
    if not score:
        return False
    try:
        number = float(score)
    except ValueError:
        return True
    return not (number.is_integer() and 0 <= number <= 40)


def sdq_score_and_reason(score: str, reason: str) -> bool:
    """197a: a score, or the reason there is none, not both."""
    return bool(score and reason)


def sdq_too_young(date_of_birth: datetime.date, year: int, score: str, reason: str) -> bool:
    """188: no SDQ for a child under 4 at 31 March."""
    return _given(score, reason) and birthday(date_of_birth, 4) > collection_end(year)


def sdq_too_old(date_of_birth: datetime.date, year: int, score: str, reason: str) -> bool:
    """189: no SDQ for a young person aged 17 or over on 1 April."""
    return _given(score, reason) and birthday(date_of_birth, 17) < collection_start(year)


def sdq_age_reason_for_4_to_16(date_of_birth: datetime.date, year: int, score: str, reason: str) -> bool:
    """157: age (SDQ1) is no reason for a missing score for a child 4 to 16 all year."""
    return (
        reason == "SDQ1"
        and not score
        and birthday(date_of_birth, 4) <= collection_start(year)
        and birthday(date_of_birth, 16) >= collection_end(year)
    )


def health_check_at_5_or_over(date_of_birth: datetime.date, year: int, health_check: str) -> bool:
    """546: health surveillance checks are for children under 5 at 31 March."""
    return bool(health_check) and birthday(date_of_birth, 5) <= collection_end(year)


def core_health_missing(immunisations: str, teeth_check: str, health_assessment: str, substance_misuse: str) -> bool:
    """191 (and, with another item, 182, 544 and 547): any of the four items the DfE needs of
    every OC2 not recorded."""
    return not all((immunisations, teeth_check, health_assessment, substance_misuse))


def health_items_half_done(core_missing: bool, convicted: str, health_check: str, received: str, offered: str) -> bool:
    """182: a conviction, health check or intervention recorded without the four core items."""
    return core_missing and _given(convicted, health_check, received, offered)


def convicted_without_health(core_missing: bool, convicted: str) -> bool:
    """544: a conviction recorded without the four core items."""
    return core_missing and convicted == "1"


def health_check_without_health(core_missing: bool, health_check: str) -> bool:
    """547: health surveillance recorded without the four core items."""
    return core_missing and health_check == "1"


def intervention_without_misuse(substance_misuse: str, received: str, offered: str) -> bool:
    """193: intervention answers only for a child with a substance misuse problem."""
    return substance_misuse in {"", "0"} and _given(received, offered)


def intervention_received_missing(substance_misuse: str, received: str) -> bool:
    """192: with a substance misuse problem, whether an intervention was received."""
    return substance_misuse == "1" and not received


def intervention_offered_when_received(received: str, offered: str) -> bool:
    """158: an intervention received, so whether one was offered is blank."""
    return received == "1" and bool(offered)


def intervention_offered_missing(substance_misuse: str, received: str, offered: str) -> bool:
    """159: no intervention received, so whether one was offered (and refused)."""
    return substance_misuse == "1" and received == "0" and not offered


# OC3: care leavers ------------------------------------------------------------------------------

NOT_APPLICABLE = "0"
"""ACTIV and ACCOM's code for not known or not applicable."""

LEFT_CARE_FOR_GOOD = frozenset({"DIED", "RHOM"})
"""IN_TOUCH answers after which activity and accommodation are not applicable (344)."""

FOYERS = frozenset({"T1", "T2"})
WITH_FORMER_FOSTER_CARERS = frozenset({"Z1", "Z2"})


def care_leaver_half_done(in_touch: str, activity: str, accommodation: str) -> bool:
    """153: in touch, activity and accommodation all recorded or all blank."""
    values = (in_touch, activity, accommodation)
    return any(values) and not all(values)


def applicable_after_leaving_for_good(in_touch: str, activity_or_accommodation: str) -> bool:
    """344: after DIED or RHOM, activity and accommodation are 0 (each checked on its own)."""
    return in_touch in LEFT_CARE_FOR_GOOD and activity_or_accommodation != NOT_APPLICABLE


def not_applicable_while_in_touch(in_touch: str, activity_or_accommodation: str) -> bool:
    """345: in touch, so activity and accommodation are known (each checked on its own)."""
    return in_touch == "YES" and activity_or_accommodation == NOT_APPLICABLE


def with_former_foster_carers_at_17(accommodation: str, date_of_birth: datetime.date, year: int) -> bool:
    """3001: not with former foster carers in the year of the 17th birthday (still looked after)."""
    return accommodation in WITH_FORMER_FOSTER_CARERS and birthday_in_year(date_of_birth, 17, year)


def in_foyer_under_18(accommodation: str, date_of_birth: datetime.date, year: int) -> bool:
    """347 (from 2023/24): not in a foyer when under 18 on 1 April."""
    return year >= 2024 and accommodation in FOYERS and birthday(date_of_birth, 18) > collection_start(year)


def died_in_care(reasons_ceased: Iterable[str]) -> bool:
    """1000: a child who died in care (REC E2) has no care leaver information."""
    return "E2" in reasons_ceased


def care_transferred(latest_reason_ceased: str) -> bool:
    """1011: a child whose latest episode ended with care taken over by another authority (REC
    E3) has no care leaver information here."""
    return latest_reason_ceased == "E3"


# Missing and away from placement without authorisation -----------------------------------------

Span = tuple[datetime.date | None, datetime.date | None]
"""An episode of care as (DECOM, DEC), DEC None while open."""


def missing_before_birth(start: datetime.date, date_of_birth: datetime.date) -> bool:
    """586: a missing or away episode starts after the child was born."""
    return start <= date_of_birth


def missing_ends_before_start(start: datetime.date, end: datetime.date | None) -> bool:
    """567: an episode ends on or after its start."""
    return end is not None and start > end


def missing_outside_care(start: datetime.date | None, episodes: Iterable[Span]) -> bool:
    """581: an episode starts within one of the child's episodes of care."""
    return start is None or not any(
        decom is not None and decom <= start and (dec is None or start <= dec) for decom, dec in episodes
    )


def placement_ended_while_missing(
    start: datetime.date, end: datetime.date | None, episodes: Iterable[Span]
) -> datetime.date | None:
    """575: an episode is not left open when the episode of care the child went missing from
    has ended. The day that one ended, or None."""
    if end is not None:
        return None
    return next(
        (dec for decom, dec in episodes if decom is not None and dec is not None and decom <= start <= dec), None
    )


def missing_order(start: datetime.date | None, end: datetime.date | None) -> tuple:
    """574's order of a child's episodes: by end (an open one at its start), then start."""
    end = end or start
    return (end is None, end or datetime.date.min, start is None, start or datetime.date.min)


def missing_overlaps(previous_end: datetime.date | None, following_start: datetime.date | None) -> bool:
    """574: in missing_order, each episode starts on or after the previous one ended; none
    follows one still open."""
    return previous_end is None or (following_start is not None and following_start < previous_end)


# PlacedAdoption: decisions that the child should be placed for adoption -------------------------


def decided_before_birth(decided: datetime.date, date_of_birth: datetime.date | None) -> bool:
    """184: a decision is on or after the child's date of birth."""
    return date_of_birth is None or decided < date_of_birth


def decided_before_care(decided: datetime.date, first_started: datetime.date) -> bool:
    """1003: a decision is on or after the day the child first started to be looked after (RNE S)."""
    return decided < first_started


def reversal_half_done(ceased: datetime.date | str | None, reason_ceased: str) -> bool:
    """119: a reversed decision has both its date and its reason."""
    return bool(ceased) != bool(reason_ceased)


def reversed_before_decided(decided: datetime.date | None, ceased: datetime.date | None) -> bool:
    """522: a decision is reversed on or after it was made."""
    return decided is not None and ceased is not None and ceased < decided


def dated_after_care_ended(day: datetime.date, care_ended: datetime.date | None) -> bool:
    """117: a decision and its reversal are not dated after the child's latest episode of care
    (leaving aside one that ended with the next starting the same day, X1) ended."""
    return care_ended is not None and day > care_ended


def decisions_overlap(earlier_ceased: datetime.date | None, later_decided: datetime.date | None) -> bool:
    """579: of a child's decisions in date order, each is reversed before the next is made."""
    return earlier_ceased is None or (later_decided is not None and later_decided < earlier_ceased)


# AD1: adoptions ---------------------------------------------------------------------------------

ADOPTERS_SEX_FOR_LEGAL_STATUS = {
    "L0": ("514", frozenset({"M1", "F1"}), "a single adopter"),
    "L11": ("520", frozenset({"MF"}), "a male and a female adopter"),
    "L12": ("524", frozenset({"MM", "FF"}), "two male or two female adopters"),
    "L2": ("519", frozenset({"MM", "FF", "MF"}), "a couple"),
    "L3": ("517", frozenset({"MF"}), "a male and a female adopter"),
    "L4": ("518", frozenset({"MM", "FF"}), "two male or two female adopters"),
}
"""LS_ADOPTR: the DfE rule and the SEX_ADOPTR codes each legal status allows, and who they are."""

SINGLE_ADOPTER = frozenset({"M1", "F1"})


def matched_before_decision(matched: datetime.date | None, decided: datetime.date | None) -> bool:
    """333: the match is on or after the decision that the child should be placed for adoption."""
    return matched is not None and (decided is None or decided > matched)


def decided_before_latest_care(decided: datetime.date, latest_started: datetime.date) -> bool:
    """334: the decision is on or after the child started their latest period of care (RNE S)."""
    return decided < latest_started


def two_adopters_not_a_couple(number_of_adopters: str, sex: str) -> bool:
    """511: two adopters are MM, FF or MF."""
    return number_of_adopters == "2" and sex in SINGLE_ADOPTER


def sex_disagrees_with_legal_status(legal_status: str, sex: str) -> str | None:
    """514, 517 to 520 and 524: the adopters' sex one their legal status allows; the rule
    broken, or None."""
    if legal_status not in ADOPTERS_SEX_FOR_LEGAL_STATUS:
        return None
    code, allowed, _who = ADOPTERS_SEX_FOR_LEGAL_STATUS[legal_status]
    return code if sex not in allowed else None


def matched_after_adoption_began(
    matched: datetime.date | None, episodes: Iterable[tuple[datetime.date | None, str]]
) -> bool:
    """331: the match is not after the start of the episode that ended in adoption; episodes as
    (DECOM, REC)."""
    return matched is not None and any(
        rec in ADOPTED and decom is not None and matched > decom for decom, rec in episodes
    )


def decided_after_placed_for_adoption(
    decided: datetime.date | None, episodes: Iterable[tuple[datetime.date | None, str]]
) -> datetime.date | None:
    """521: the decision is not after the child was placed for adoption; episodes as (DECOM,
    PLACE). The start of the placement it comes after, or None."""
    if decided is None:
        return None
    return next(
        (decom for decom, place in episodes if place in PLACED_FOR_ADOPTION and decom and decided > decom), None
    )


def foster_care_disagrees_with_placement(foster_care: str, place: str, reason_ceased: str) -> bool:
    """335: an episode that ended in adoption placed with the child's foster carers (PLACE A2, A3,
    A5) is an adoption by them (FOSTER_CARE 1), one placed with others (A1, A4, A6) is not."""
    return reason_ceased in {"E1", *ADOPTED} and (
        (place in {"A2", "A3", "A5"} and foster_care == "0") or (place in {"A1", "A4", "A6"} and foster_care == "1")
    )


# PrevPerm: permanence before this period of care ------------------------------------------------

LA_PERM_CODES = frozenset(
    (
        "800,889,822,301,304,303,330,825,837,302,846,370,350,890,867,380,305,801,351,873,823,895,896,"
        "381,909,202,908,331,306,841,830,831,878,371,835,332,840,307,308,811,881,845,390,916,203,876,"
        "850,311,204,884,312,205,313,805,919,310,309,420,921,206,207,886,810,382,314,340,888,208,856,"
        "383,855,209,925,341,201,821,352,806,887,826,315,929,812,391,926,892,813,802,928,891,392,316,"
        "815,353,931,879,836,851,874,807,354,317,870,318,372,857,333,935,343,803,373,342,893,356,355,"
        "871,394,334,933,882,936,861,852,319,860,808,393,866,210,357,894,883,880,358,211,937,869,320,"
        "359,865,384,335,336,212,868,872,885,344,877,213,938,816,999"
    ).split(",")
) | {"WAL", "SCO", "NUK", "NIR"}
"""LA_PERM as the DfE accepts it (633): the old three-digit LA numbers, 999 for not known, and
WAL, SCO, NIR and NUK for Wales, Scotland, Northern Ireland and outside the UK."""

_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


def permanence_details_without_order(order: str, arranged_by: str, order_date: str) -> bool:
    """635: a date or authority for a previous permanence order comes with the order."""
    return _given(arranged_by, order_date) and not order


def unknown_authority(arranged_by: str) -> bool:
    """633: LA_PERM is one of LA_PERM_CODES."""
    return bool(arranged_by) and arranged_by not in LA_PERM_CODES


def read_permanence_date(value: str) -> datetime.date | None:
    """DATE_PERM as the DfE's validator reads it: DD/MM/YYYY, where a day or month not known is
    ZZ and a year ZZZZ; the latest day it can mean (ZZ for the day is the month's last day; ZZ
    for the month a year on from the day in January, less a day; ZZZZ is 2000). None when it is
    not such a date."""
    day, month, year = ([*value.split("/"), "", ""])[:3] if value.count("/") == 2 else ("", "", "")
    text = f"{'01' if day == 'ZZ' else day}/{'01' if month == 'ZZ' else month}/{'2000' if year == 'ZZZZ' else year}"
    match = _DATE.fullmatch(text)
    if match is None:
        return None
    try:
        first = datetime.date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return None
    if month == "ZZ":
        return first.replace(year=first.year + 1) - datetime.timedelta(days=1)
    if day == "ZZ":
        return (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
    return first


def permanence_date_refused(order_date: str, first_started: datetime.date | None) -> bool:
    """632: DATE_PERM, when given, a date read_permanence_date reads, before the child first
    started to be looked after."""
    if not order_date:
        return False
    day = read_permanence_date(order_date)
    return day is None or (first_started is not None and day >= first_started)
