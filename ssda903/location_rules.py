"""The DfE rules on where a placement is: the postcodes (HOME_POST, PL_POST), the provider's
Ofsted URN, and what the DfE works out from the postcodes when it reads the Episodes file (PL_LA,
PL_LOCATION, PL_DISTANCE), ported from its published validator for each year.

PL_LA, PL_LOCATION and PL_DISTANCE are not columns of the file: they are worked out here from the
rows' postcodes exactly as the DfE does (children.placement_location), once per return.

A child is UASC for these rules when the return's UASC table, or last year's, lists them (the
DfE's tool marks the Header so). Where the DfE's tool skips rule 392a for a return without any
UASC table, here it still runs: a return without one has no UASC children to spare. Rules 164
(distance 0 to 999.9) and 411 (PL_LOCATION disagrees with PL_LA) check values the DfE derives,
which the same derivation here cannot break, so they are not repeated. The URN rules that need Ofsted's provider lists (1008's lookup, 219, 221, 224, 227-229, 241) are
not run: the portal does not hold those lists; 1008 is checked as the URN's shape.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from weakref import WeakKeyDictionary

from django.conf import settings

from children.placement_location import (
    ADOPTION_AGENCY_URN,
    ADOPTION_PLACEMENT_TYPES,
    OUTSIDE_ENGLAND,
    URN_PATTERN,
    Location,
    find,
    locate_many,
    urn_exempt_placements,
)

from .files import read_date
from .rules import SHORT_BREAK_LS, Episode, Problem, ReturnData, _each_episode, rule

# Placements with foster carers or adopters, which may be the authority's own provision outside it (rule 1015).
FOSTERING_OR_ADOPTION = frozenset({"A3", "A4", "A5", "A6", "U1", "U2", "U3", "U4", "U5", "U6", "K3"})
H5_URN_REQUIRED_FROM = datetime.date(2023, 10, 29)  # rule 230
FARTHEST_MILES = 350  # rule 454
MOST_MILES = Decimal("999.9")  # the DfE's "distance not known", which rule 454 lets through

_locations: WeakKeyDictionary[ReturnData, dict[tuple[str, str], Location]] = WeakKeyDictionary()


def location_of(data: ReturnData, episode: Episode) -> Location:
    """PL_LA, PL_LOCATION and PL_DISTANCE of an episode of `data`, all of the return's worked out
    at once."""
    if data not in _locations:
        _locations[data] = locate_many(
            ((row.get("HOME_POST") or "").strip(), (row.get("PL_POST") or "").strip()) for row in data.episodes
        )
    return _locations[data][episode["HOME_POST"], episode["PL_POST"]]


def uasc_children(data: ReturnData) -> set[str]:
    """Children the DfE counts as UASC or formerly UASC: in this year's UASC table or last year's."""
    tables = [data.uasc, data.previous.uasc if data.previous is not None else []]
    return {(row.get("CHILD") or "").strip() for table in tables for row in table}


def _looked_after(data: ReturnData):
    """(child, episode) for each episode that is not a short break (V3, V4)."""
    for child, episode in _each_episode(data):
        if episode["LS"] not in SHORT_BREAK_LS:
            yield child, episode


def _short_breaks(data: ReturnData):
    for child, episode in _each_episode(data):
        if episode["LS"] in SHORT_BREAK_LS:
            yield child, episode


def _problem(child: str, code: str, episode: Episode, message: str) -> Problem:
    return Problem(child, code, f"In the {episode.label}, {message}")


@rule("392a")
def rule_392a(data):
    uasc = uasc_children(data)
    for child, episode in _looked_after(data):
        if child not in uasc and location_of(data, episode).placement_distance is None:
            yield _problem(
                child,
                "392a",
                episode,
                "no distance from home can be worked out: enter the home and placement postcodes on the episode "
                "(both in the ONS postcode directory).",
            )


@rule("392b")
def rule_392b(data):
    uasc = uasc_children(data)
    for child, episode in _looked_after(data):
        if child not in uasc and not (episode["HOME_POST"] and episode["PL_POST"]):
            yield _problem(
                child, "392b", episode, "the home or placement postcode is missing: enter both on the episode."
            )


@rule("392c")
def rule_392c(data):
    for child, episode in _each_episode(data):
        for column in ("HOME_POST", "PL_POST"):
            if episode[column] and find(episode[column]) is None:
                yield _problem(
                    child,
                    "392c",
                    episode,
                    f"{column} '{episode[column]}' is not in the ONS postcode directory: correct it on the episode.",
                )


@rule("392d")
def rule_392d(data):
    for child, episode in _each_episode(data):
        if episode["HOME_POST"] and episode["HOME_POST"] == episode["PL_POST"] and episode["PLACE"] != "P1":
            yield _problem(
                child,
                "392d",
                episode,
                "the home and placement postcodes are the same, which only a placement with parents (P1) can be: "
                "correct one of them on the episode.",
            )


@rule("169")
def rule_169(data):
    for child, episode in _looked_after(data):
        if not location_of(data, episode).placement_la:
            yield _problem(
                child,
                "169",
                episode,
                "the placement's local authority cannot be worked out: enter the placement postcode on the episode.",
            )


@rule("179")
def rule_179(data):
    for child, episode in _looked_after(data):
        if not location_of(data, episode).placement_location:
            yield _problem(
                child,
                "179",
                episode,
                "whether the placement is inside the authority cannot be worked out: enter the placement postcode "
                "on the episode.",
            )


@rule("420")
def rule_420(data):
    for child, episode in _short_breaks(data):
        if location_of(data, episode).placement_la:
            yield _problem(
                child,
                "420",
                episode,
                "a short break (V3, V4) has a placement postcode: remove the postcodes from the episode.",
            )


@rule("398")
def rule_398(data):
    for child, episode in _short_breaks(data):
        if episode["HOME_POST"] or episode["PL_POST"]:
            yield _problem(child, "398", episode, "a short break (V3, V4) has postcodes: remove them from the episode.")


@rule("214")
def rule_214(data):
    for child, episode in _short_breaks(data):
        if episode["PL_POST"] or episode["URN"]:
            yield _problem(
                child,
                "214",
                episode,
                "a short break (V3, V4) has a placement postcode or URN: remove them from the episode.",
            )


@rule("406")
def rule_406(data):
    uasc = uasc_children(data)
    for child, episode in _each_episode(data):
        if child in uasc and location_of(data, episode).placement_distance is not None:
            yield _problem(
                child,
                "406",
                episode,
                "the child is or was an unaccompanied asylum-seeking child, so the DfE wants no distance from "
                "home: remove the home postcode from the episode.",
            )


@rule("1015")
def rule_1015(data):
    for child, episode in _looked_after(data):
        if (
            episode["PLACE_PROVIDER"] == "PR1"
            and episode["PLACE"]
            and episode["PLACE"] not in FOSTERING_OR_ADOPTION
            and location_of(data, episode).placement_la != settings.AUTHORITY_CODE
        ):
            yield _problem(
                child,
                "1015",
                episode,
                "the provider is the authority's own provision (PR1) but the placement postcode is outside the "
                "authority: check the placement postcode and provider on the episode.",
            )


@rule("454")
def rule_454(data):
    if data.year < 2026:
        return
    for child, episode in _each_episode(data):
        distance = location_of(data, episode).placement_distance
        if distance is not None and distance > FARTHEST_MILES and distance != MOST_MILES:
            yield _problem(
                child,
                "454",
                episode,
                f"the placement is {distance} miles from home (over {FARTHEST_MILES}): check both postcodes.",
            )


@rule("1008")
def rule_1008(data):
    for child, episode in _each_episode(data):
        if episode["URN"] and not URN_PATTERN.fullmatch(episode["URN"]):
            yield _problem(
                child,
                "1008",
                episode,
                f"URN '{episode['URN']}' is not an Ofsted URN (SC and six digits, six or seven digits, or "
                f"{ADOPTION_AGENCY_URN}): correct it on the episode.",
            )


@rule("218")
def rule_218(data):
    """A short break (V3, V4) is left out: rule 214 forbids it a URN (the DfE's 218 would ask for
    one, so its tool reports one of the two on every short break)."""
    exempt = urn_exempt_placements(data.year, "218")
    for child, episode in _looked_after(data):
        if episode["URN"] or episode["PLACE"] in exempt:
            continue
        ended = read_date(episode["DEC"]) if episode["DEC"] else None
        if ended is not None and ended < data.start:
            continue
        placement_la = location_of(data, episode).placement_la
        if data.year >= 2026 and placement_la in OUTSIDE_ENGLAND:
            continue
        if data.year < 2026 and (not placement_la or placement_la[0] in "NWSC"):
            continue  # the DfE's tool of those years reads a blank PL_LA as outside England
        yield _problem(
            child,
            "218",
            episode,
            f"placement {episode['PLACE']} needs the provider's Ofsted URN: enter it on the episode.",
        )


@rule("222")
def rule_222(data):
    exempt = urn_exempt_placements(data.year, "222")
    for child, episode in _each_episode(data):
        if episode["URN"] and episode["URN"] != ADOPTION_AGENCY_URN and episode["PLACE"] in exempt:
            yield _problem(
                child,
                "222",
                episode,
                f"placement {episode['PLACE']} has a URN, but Ofsted does not register it: remove the URN.",
            )


@rule("230")
def rule_230(data):
    if data.year != 2024:
        return  # the DfE's rule for 2023/24 only (lac2023_24; deleted from 2024/25)
    for child, episode in _each_episode(data):
        if episode["PLACE"] != "H5" or (episode["URN"] and episode["URN"] != ADOPTION_AGENCY_URN):
            continue
        ended = read_date(episode["DEC"]) if episode["DEC"] else None
        if ended is not None and ended < H5_URN_REQUIRED_FROM:
            continue
        placement_la = location_of(data, episode).placement_la
        if not placement_la or placement_la[0] in "NWS":
            continue  # outside England, or (as the DfE's tool reads a blank PL_LA) not known to be in it
        yield _problem(
            child,
            "230",
            episode,
            "a supported accommodation placement (H5) in England from 28 October 2023 needs the provider's "
            "Ofsted URN: enter it on the episode.",
        )


@rule("242")
def rule_242(data):
    if data.year < 2026:
        return
    for child, episode in _each_episode(data):
        if episode["URN"] == ADOPTION_AGENCY_URN and episode["PLACE"] not in ADOPTION_PLACEMENT_TYPES:
            yield _problem(
                child,
                "242",
                episode,
                f"URN {ADOPTION_AGENCY_URN} is for regional adoption agencies (placements A3-A6, U1-U6), but "
                f"the placement is {episode['PLACE']}: enter the provider's own URN.",
            )


@rule("243")
def rule_243(data):
    if data.year < 2026:
        return
    for child, episode in _each_episode(data):
        if episode["URN"] and location_of(data, episode).placement_la in OUTSIDE_ENGLAND:
            yield _problem(
                child,
                "243",
                episode,
                "the placement is outside England, where Ofsted registers no provider: remove the URN.",
            )
