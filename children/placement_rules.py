"""The DfE's SSDA903 rules about what one episode's placement may go with: the child's age (374),
the legal status (408), the provider (529) and the reason the episode ceased (516), and a
temporary placement's reason for placement change (226). The episode pages (children.services),
the import (ssda903.importing.check) and the export's rules (ssda903.episode_rules) all ask
`placement_problems`, so the three refuse the same episodes with the same words."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from .codes import LegalStatus, PlacementProvider, PlacementType, ReasonEpisodeCeased

RESIDENTIAL_EMPLOYMENT = PlacementType.P3
RESIDENTIAL_EMPLOYMENT_FROM_AGE = 14
ADOPTION_UNDER_PLACEMENT_ORDER = frozenset({PlacementType.A5, PlacementType.A6})
SGO_TO_FORMER_FOSTER_CARERS = frozenset({ReasonEpisodeCeased.E45, ReasonEpisodeCeased.E46})
FOSTER_PLACEMENTS = frozenset({f"U{n}" for n in range(1, 7)})
# Placements other public bodies cannot provide (rule 529): with parents, for adoption, in a
# children's home or secure children's home, and fostering.
NOT_OTHER_PUBLIC_PROVISION = frozenset({"P1", "A3", "A4", "A5", "A6", "K1", "K2"}) | FOSTER_PLACEMENTS
TEMPORARY_PLACEMENTS = frozenset({"T0", "T1", "T2", "T3", "T4"})


def dfe_birthday(date_of_birth: datetime.date, age: int) -> datetime.date:
    """The child's `age`th birthday as the DfE's validator counts it (pandas' DateOffset): a child
    born on 29 February has it on 28 February in other years."""
    try:
        return date_of_birth.replace(year=date_of_birth.year + age)
    except ValueError:
        return date_of_birth.replace(year=date_of_birth.year + age, day=28)


def too_young_for_residential_employment(date_of_birth: datetime.date, start: datetime.date) -> bool:
    """Rule 374: a child starts residential employment (P3) at 14 or older."""
    return start < dfe_birthday(date_of_birth, RESIDENTIAL_EMPLOYMENT_FROM_AGE)


@dataclass(frozen=True)
class PlacementProblem:
    rule: str
    field: str  # the CareEpisode field to correct
    message: str


def placement_problems(
    *,
    placement_type: str,
    legal_status: str = "",
    placement_provider: str = "",
    reason_episode_ceased: str = "",
    reason_for_placement_change: str = "",
    date_of_birth: datetime.date | None = None,
    start_date: datetime.date | None = None,
) -> list[PlacementProblem]:
    """What the rules above find wrong with one episode (blank values break none of them)."""
    problems = []
    if (
        placement_type == RESIDENTIAL_EMPLOYMENT
        and date_of_birth is not None
        and start_date is not None
        and too_young_for_residential_employment(date_of_birth, start_date)
    ):
        problems.append(
            PlacementProblem(
                "374",
                "placement_type",
                "A child in residential employment (P3) must be at least 14 when the episode starts.",
            )
        )
    if placement_type in ADOPTION_UNDER_PLACEMENT_ORDER and legal_status and legal_status != LegalStatus.E1:
        problems.append(
            PlacementProblem(
                "408",
                "legal_status",
                f"A child placed for adoption under a placement order ({placement_type}) has legal status E1 "
                "(placement order granted).",
            )
        )
    if placement_provider == PlacementProvider.PR3 and placement_type in NOT_OTHER_PUBLIC_PROVISION:
        problems.append(
            PlacementProblem(
                "529",
                "placement_provider",
                f"Provider PR3 (other public provision) cannot be given for placement {placement_type}: placements "
                "with parents (P1), for adoption (A3 to A6), in children's homes (K1, K2) and in foster care (U1 to "
                "U6) are never other public provision.",
            )
        )
    if reason_episode_ceased in SGO_TO_FORMER_FOSTER_CARERS and placement_type not in FOSTER_PLACEMENTS:
        problems.append(
            PlacementProblem(
                "516",
                "reason_episode_ceased",
                f"A special guardianship order to former foster carers ({reason_episode_ceased}) ends a foster "
                "placement (U1 to U6).",
            )
        )
    if reason_for_placement_change and placement_type in TEMPORARY_PLACEMENTS:
        problems.append(
            PlacementProblem(
                "226",
                "reason_for_placement_change",
                f"A temporary placement ({placement_type}) has no reason for placement change: leave it blank.",
            )
        )
    return problems
