"""SSDA903 collection years for the outcome tables: a year is named by the year it ends in
(2026 = 1 April 2025 to 31 March 2026), as the DfE names them."""

import datetime
from collections.abc import Iterable

from children.codes import SHORT_BREAK_LEGAL_STATUSES
from children.placement_rules import dfe_birthday

EpisodeFacts = tuple[datetime.date | None, datetime.date | None, str, str, str]
"""An episode as the cohort rules read it: DECOM, DEC, RNE, LS, REC."""


def collection_start(year: int) -> datetime.date:
    return datetime.date(year - 1, 4, 1)


def collection_end(year: int) -> datetime.date:
    return datetime.date(year, 3, 31)


def year_label(year: int) -> str:
    """2026 reads "2025/26"."""
    return f"{year - 1}/{str(year)[2:]}"


def last_completed_year(today: datetime.date) -> int:
    """The latest collection year that has ended by `today` (on 31 March): the one whose
    outcomes are recorded now."""
    return today.year if (today.month, today.day) >= (4, 1) else today.year - 1


def collection_year_of(day: datetime.date) -> int:
    """The collection year `day` falls in (1 April 2025 to 31 March 2026 is 2026)."""
    return day.year + 1 if (day.month, day.day) >= (4, 1) else day.year


def birthday(date_of_birth: datetime.date, age: int) -> datetime.date:
    """The child's `age`th birthday (1 March for a child born on 29 February, in other years)."""
    try:
        return date_of_birth.replace(year=date_of_birth.year + age)
    except ValueError:
        return datetime.date(date_of_birth.year + age, 3, 1)


def birthday_in_year(date_of_birth: datetime.date, age: int, year: int) -> bool:
    """Whether the child's `age`th birthday falls in the collection year."""
    return collection_start(year) <= birthday(date_of_birth, age) <= collection_end(year)


def looked_after_continuously(episodes: Iterable[EpisodeFacts], year: int) -> bool:
    """Whether a child with these episodes was looked after continuously for the 12 months to 31
    March (the OC2 cohort), as the DfE's validator decides it: in care at some point in the
    year, and no episode in it that starts care (RNE S) after 1 April, ends care (any REC but
    X1) from 1 April to 30 March, or is a short break (V3, V4). Each episode is (DECOM, DEC,
    RNE, LS, REC); an episode without a start date is ignored."""
    start, end = collection_start(year), collection_end(year)
    during = False
    for decom, dec, rne, legal_status, rec in episodes:
        if decom is None or decom > end or (dec is not None and dec < start):
            continue
        during = True
        if (
            (rne == "S" and start < decom)
            or (rec != "X1" and dec is not None and dec < end)
            or legal_status in SHORT_BREAK_LEGAL_STATUSES
        ):
            return False
    return during


CARE_LEAVER_AGES = range(17, 22)
NOT_CARE_LEAVERS = frozenset({"E11", "E12", "E2", "E3"})
"""Care that ended in adoption, death or a move to another authority's care leaves no care leaver."""


def care_leaver_birthday(
    date_of_birth: datetime.date, episodes: Iterable[EpisodeFacts], year: int
) -> datetime.date | None:
    """The birthday (17th to 21st) in the collection year of a care leaver the DfE asks about in
    OC3, or None. A care leaver was looked after for 13 weeks from their 14th birthday, some of
    it after their 16th, outside short breaks (a relevant or former relevant child), had left
    care before the birthday and did not leave it by adoption, death or a transfer to another
    authority, and was not looked after again in the year after it (1016: no care leaver
    information for one whose care ended on or after the birthday). Care after the year, which
    its return does not hold, does not count. The birthday of a child born on 29 February is
    taken as 28 February, as the DfE's rules read it."""
    age = next((age for age in CARE_LEAVER_AGES if birthday_in_year(date_of_birth, age, year)), None)
    if age is None:
        return None
    day = dfe_birthday(date_of_birth, age)
    ended: list[tuple[datetime.date, datetime.date, str, str]] = []
    for decom, dec, _, legal_status, rec in episodes:
        if decom is None or decom > collection_end(year):
            continue  # care after the year, not in its return, does not undo leaving before it
        if dec is None or dec >= day:
            return None  # in care on or after the birthday in the year (rule 1016)
        ended.append((decom, dec, legal_status, rec))
    if not ended or max(ended)[3] in NOT_CARE_LEAVERS:
        return None
    fourteenth, sixteenth = birthday(date_of_birth, 14), birthday(date_of_birth, 16)
    lasting = [(decom, dec) for decom, dec, legal_status, _ in ended if legal_status not in SHORT_BREAK_LEGAL_STATUSES]
    after_14 = sum(max(0, (dec - max(decom, fourteenth)).days) for decom, dec in lasting)
    if after_14 < 91 or not any(dec > sixteenth for _, dec in lasting):
        return None
    return day
