"""Where the demo children lived and were placed: a home postcode (HOME_POST) for each period of
care, a placement postcode (PL_POST) and Ofsted URN for each placement, and the placement LA,
inside/outside the authority and distance derived from them as the portal derives them
(children.placement_location.locate_many).

Postcodes are real ones from the ONS directory the portal ships: homes in the authority
(settings.AUTHORITY_CODE), placements mostly there, some in the neighbouring districts, a few far
away. Nationally about 40% of children looked after are placed outside their authority and about
15% more than 20 miles from home (Children looked after: a focus on placement location, DfE,
2024); the shares below give about the same. Districts created after 2021 (Somerset, North
Yorkshire, Cumberland, Westmorland and Furness) are never used: the DfE's validator knows no
upper-tier authority for them. Unaccompanied asylum-seeking children have no home postcode
(rule 406), and short breaks no postcodes or URN at all.

URNs follow the DfE rules: none for placements with parents, in the community, in NHS or
youth justice settings (rules 218, 222); foster placements carry their fostering service's URN;
children's homes, secure homes, residential schools and supported accommodation their own (one
URN, one address); adoption placements the regional adoption agency's XXXXXXX (rule 242);
supported accommodation is inside the authority (rule 241). Everything comes from a stream of
its own derived from the seed, so the rest of the authority is as it was without it."""

import datetime
import random
from functools import cache

from django.conf import settings

from children.placement_location import locate_many, postcodes_starting, urn_exempt_placements
from outcomes.years import collection_year_of

# Districts of the neighbouring authority, around the demo's (Nottinghamshire).
NEIGHBOURING_DISTRICTS = ("E07000170", "E07000171", "E07000172", "E07000173", "E07000174", "E07000175", "E07000176")
# Far away: Northampton, Newcastle, Norwich and north London postcodes.
FAR_AREAS = ("NN", "NE", "NR", "NW")
# Postcodes in England all share the directory's first letter here, so one file is read.
DIRECTORY_LETTER = "N"
NEW_DISTRICTS = ("E06000063", "E06000064", "E06000065", "E06000066")

# The authority's own provision (PR1) is inside it (rule 1015); the rest is spread so that, with
# it, the shares above come out.
WHERE = {
    "near": {"own": 8, "neighbouring": 62, "far": 30},
    "residential": {"own": 8, "neighbouring": 55, "far": 37},
    "far": {"own": 10, "neighbouring": 30, "far": 60},
    "own": {"own": 1},
}
PLACEMENT_AREAS = {
    "U1": "near",
    "U2": "near",
    "U3": "near",
    "U4": "near",
    "U5": "near",
    "U6": "near",
    "A5": "residential",
    "A6": "residential",
    "K1": "far",
    "K2": "residential",
    "H5": "own",
    "K3": "own",
    "R1": "residential",
    "R2": "residential",
    "R3": "near",
    "R5": "far",
    "S1": "far",
    "P3": "own",
}
FOSTERING = frozenset({"U1", "U2", "U3", "U4", "U5", "U6"})
ADOPTION = frozenset({"A3", "A4", "A5", "A6"})
REGIONAL_ADOPTION_AGENCY = "XXXXXXX"
# Fostering services by provider: the authority's own, other authorities', agencies'.
FOSTERING_SERVICES = {
    "PR1": ("SC055910",),
    "PR2": ("SC048215", "SC063377"),
    "PR4": ("SC390112", "SC402876", "SC417530", "SC436214", "SC451098"),
    "PR5": ("SC373648", "SC386201"),
}
# Establishments (homes, schools, supported accommodation) of each kind in each area.
ESTABLISHMENTS_PER_AREA = 12
# An episode that keeps the same carers keeps their address (RNE L, T, U).
SAME_PLACEMENT = ("L", "T", "U")
# Short breaks carry no home, placement or URN (rules 214, 398, 420).
SHORT_BREAKS = ("V3", "V4")


@cache
def postcode_pools(authority_code):
    """Sorted postcodes (written the usual way) in the authority, in its neighbouring
    districts and far away."""
    own, neighbouring, far = [], [], []
    for key, place in postcodes_starting(DIRECTORY_LETTER).items():
        if not str(place.district).startswith("E") or place.district in NEW_DISTRICTS:
            continue
        postcode = f"{key[:-3]} {key[-3:]}"
        if place.district == authority_code:
            own.append(postcode)
        elif place.district in NEIGHBOURING_DISTRICTS:
            neighbouring.append(postcode)
        elif key[:2] in FAR_AREAS and key[2].isdigit():
            far.append(postcode)
    return {"own": sorted(own), "neighbouring": sorted(neighbouring), "far": sorted(far)}


def takes_no_urn(episode) -> bool:
    """Whether Ofsted registered no provider of this placement in the last collection year the
    episode runs into (rule 222): a placement that ran on after Ofsted began registering its kind
    has the provider's URN (returns of earlier years leave it out, ssda903.exporter)."""
    last_day = episode.end_date or datetime.date.max  # still open: it runs on into every later year
    return episode.placement_type in urn_exempt_placements(collection_year_of(last_day), "222")


def place_episodes(histories, seed):
    """Set the postcodes, URN and derived placement fields of every episode in `histories`."""
    _Placer(seed).place(histories)


class _Placer:
    def __init__(self, seed):
        self.rng = random.Random(f"{seed}-placements")
        self.authority = settings.AUTHORITY_CODE.upper()
        self.pools = postcode_pools(self.authority)
        self.establishments = {}

    def pick(self, weights):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def establishment(self, placement_type, area):
        """One of a fixed few establishments of this kind in the area: its postcode and URN."""
        key = (placement_type, area)
        if key not in self.establishments:
            pool = self.pools[area]
            self.establishments[key] = [
                (self.rng.choice(pool), f"SC{self.rng.randint(100000, 999999)}") for _ in range(ESTABLISHMENTS_PER_AREA)
            ]
        return self.rng.choice(self.establishments[key])

    def placement(self, episode, home):
        """PL_POST and URN for a new placement of this episode's type and provider."""
        placement_type = episode.placement_type
        if placement_type == "P1":
            return home or self.rng.choice(self.pools["own"]), ""
        area = (
            "own"
            if episode.placement_provider == "PR1"
            else self.pick(WHERE[PLACEMENT_AREAS.get(placement_type, "near")])
        )
        if placement_type in FOSTERING:
            services = FOSTERING_SERVICES.get(episode.placement_provider, FOSTERING_SERVICES["PR1"])
            return self.rng.choice(self.pools[area]), self.rng.choice(services)
        if placement_type in ADOPTION:
            return self.rng.choice(self.pools[area]), REGIONAL_ADOPTION_AGENCY
        if takes_no_urn(episode):
            return self.rng.choice(self.pools[area]), ""
        return self.establishment(placement_type, area)

    def place(self, histories):
        episodes = []
        for history in histories:
            home = previous = None
            for episode in history.episodes:
                if episode.legal_status in SHORT_BREAKS:
                    continue
                continues = previous is not None and previous.end_date == episode.start_date
                if not continues:
                    home = "" if history.child.is_uasc else self.rng.choice(self.pools["own"])
                episode.home_postcode = home
                if continues and episode.reason_for_new_episode in SAME_PLACEMENT:
                    episode.placement_postcode = previous.placement_postcode
                    episode.provider_urn = self.same_carers_urn(episode, previous, home)
                else:
                    episode.placement_postcode, episode.provider_urn = self.new_placement(episode, home, previous)
                previous = episode
                episodes.append(episode)
        locations = locate_many(
            ((episode.home_postcode, episode.placement_postcode) for episode in episodes), self.authority
        )
        for episode in episodes:
            location = locations[(episode.home_postcode, episode.placement_postcode)]
            episode.placement_la = location.placement_la
            episode.placement_location = location.placement_location
            episode.placement_distance = location.placement_distance

    def same_carers_urn(self, episode, previous, home):
        """The carers' URN as the placement type now needs it: the regional adoption agency's
        once foster carers are approved as adopters, none where the type takes none."""
        if episode.placement_type in ADOPTION:
            return REGIONAL_ADOPTION_AGENCY
        if takes_no_urn(episode):
            return ""
        if previous.provider_urn and previous.placement_type not in ADOPTION:
            return previous.provider_urn
        return self.placement(episode, home)[1]

    def new_placement(self, episode, home, previous):
        """A placement with new carers is somewhere else: not where the last placement was (the
        DfE reads a placement by its postcode, rules 434-436: a move from one parent to the other
        is to the other parent's home), and not the child's home unless with parents (392d)."""
        with_parents = episode.placement_type == "P1"
        for _ in range(5):
            postcode, urn = self.placement(episode, home)
            if with_parents and previous is not None and postcode == previous.placement_postcode:
                postcode = self.rng.choice(self.pools["own"])
            if (previous is None or postcode != previous.placement_postcode) and (with_parents or postcode != home):
                return postcode, urn
        return postcode, urn
