"""What the child's page shows of their missing and away episodes, decisions that they should be
placed for adoption, adoptions and permanence before care: four queries, however many records."""

import datetime
from typing import Any

from django.db.models import F, QuerySet

from children.models import Child

from .models import Adoption, AdoptionDecision, MissingEpisode, PreviousPermanence


def missing_episodes_open_first(child: Child) -> QuerySet[MissingEpisode]:
    """The child's episodes: any still open first, then the newest first."""
    return MissingEpisode.objects.filter(child=child).order_by(F("end_date").desc(nulls_first=True), "-start_date")


def missing_and_adoption(child: Child, *, year_start: datetime.date) -> dict[str, Any]:
    """The child page's "Missing from placement", "Adoption" and "Before care" sections;
    `year_start` is the first day of the reporting year the count of episodes covers."""
    episodes = list(missing_episodes_open_first(child))
    return {
        "missing_episodes": episodes,
        "missing_this_year": sum(1 for episode in episodes if episode.start_date >= year_start),
        "missing_year_start": year_start,
        "adoption_decisions": list(AdoptionDecision.objects.filter(child=child).order_by("-decided_on")),
        "adoptions": list(Adoption.objects.filter(child=child).order_by("-matched_on")),
        "previous_permanence": PreviousPermanence.objects.filter(child=child).first(),
    }
