"""Figures kept as JSON text (stored and maintained figures) and read back as the selectors
gave them."""

from dataclasses import fields
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from accounts.models import User

from . import selectors

# JSON keeps strings, numbers, lists and string-keyed objects; the figures also hold dates,
# durations, decimals, tuples, integer keys, and the selectors' Month and Caseload, so those are tagged.


def encode(value: Any) -> Any:
    if isinstance(value, selectors.Caseload):
        iro = value.iro
        return {
            "$caseload": {
                "children": value.children,
                "lac_children": value.lac_children,
                "fte": None if value.fte is None else str(value.fte),
                "agency": value.agency,
                "iro": {
                    "id": iro.pk,
                    "username": iro.username,
                    "first_name": iro.first_name,
                    "last_name": iro.last_name,
                    "role": iro.role,
                    "is_active": iro.is_active,
                    "team": iro.team,
                },
            }
        }
    if isinstance(value, selectors.Month):
        return {"$month": {field.name: encode(getattr(value, field.name)) for field in fields(value)}}
    if isinstance(value, dict):
        if all(isinstance(key, str) and not key.startswith("$") for key in value):
            return {key: encode(item) for key, item in value.items()}
        return {"$items": [[encode(key), encode(item)] for key, item in value.items()]}
    if isinstance(value, tuple):
        return {"$tuple": [encode(item) for item in value]}
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if type(value) is date:
        return {"$date": value.isoformat()}
    if isinstance(value, timedelta):
        return {"$duration": value // timedelta(microseconds=1)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"Cannot store {type(value).__name__} in figures")


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "$caseload" in value:
        caseload = value["$caseload"]
        return selectors.Caseload(
            iro=User(**caseload["iro"]),
            children=caseload["children"],
            fte=None if caseload["fte"] is None else Decimal(caseload["fte"]),
            lac_children=caseload["lac_children"],
            agency=caseload["agency"],
        )
    if "$month" in value:
        return selectors.Month(**{name: decode(item) for name, item in value["$month"].items()})
    if "$items" in value:
        return {decode(key): decode(item) for key, item in value["$items"]}
    if "$tuple" in value:
        return tuple(decode(item) for item in value["$tuple"])
    if "$decimal" in value:
        return Decimal(value["$decimal"])
    if "$duration" in value:
        return timedelta(microseconds=value["$duration"])
    if "$date" in value:
        return date.fromisoformat(value["$date"])
    return {key: decode(item) for key, item in value.items()}
