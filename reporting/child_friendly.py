"""The version of the annual report for children and young people in care: short sentences,
big type, pictures of "so many out of 10", and no small numbers. Counts are rounded to the
nearest 10 and anything that would describe fewer than SMALLEST_GROUP children is left out, so
no child can recognise themselves or anyone else in it."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .annual_report import THIS_YEAR
from .models import Progress
from .narrative import render_markdown

DONE = (Progress.ACHIEVED, Progress.PARTLY_ACHIEVED)
"""Last year's priorities the version for children tells them were done, or partly done."""

SMALLEST_GROUP = 10
"""Fewer than this many children is never mentioned as a number."""

WAYS_OF_TAKING_PART = [
    ("spoke", "the child came and spoke for themselves", ["PN1"]),
    ("helped", "someone spoke for the child, like an advocate or their IRO", ["PN2", "PN5"]),
    ("other_ways", "the child shared what they think in another way, like drawing, writing or signs", ["PN3", "PN6"]),
]
"""How children took part, as shares of reviews (the participation codes are recorded per
review, so a child with two reviews counts twice): each sentence follows "In about N out of 10
reviews,"."""


@dataclass(frozen=True)
class OutOfTen:
    key: str
    sentence: str
    out_of_ten: int

    @property
    def people(self):
        return [index < self.out_of_ten for index in range(10)]


def about(count):
    """A count as children would read it: "about 480"; None when it is too small to say."""
    if count is None or count < SMALLEST_GROUP:
        return None
    rounded = int((Decimal(count) / 10).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * 10
    return f"about {rounded:,}"


def out_of_ten(part, whole):
    if not whole or part is None or part < SMALLEST_GROUP:
        return None
    return int((Decimal(10) * part / whole).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def child_friendly_content(content):
    figures = content.figures

    def value(key):
        figure = figures.get(key)
        return None if figure is None else figure.value(THIS_YEAR)

    counted = value("lac.participation_counted")
    took_part = out_of_ten(value("lac.participated"), counted)
    ways = []
    for key, sentence, codes in WAYS_OF_TAKING_PART:
        count = sum(value(f"lac.participation.{code}") or 0 for code in codes)
        share = out_of_ten(count, counted)
        if share:
            ways.append(OutOfTen(key, sentence, share))
    listened_well = sum(value(f"views.listened.{score}") or 0 for score in (4, 5))
    listened = out_of_ten(listened_well, value("views.listened.total"))
    return {
        "views_given": about(value("views.consultation.child.returned")),
        "listened": OutOfTen("listened", "said their review listened to them well", listened) if listened else None,
        "children_looked_after": about(value("children.during")),
        "reviews_held": about(value("lac.held")),
        "took_part": OutOfTen("took_part", "the child took part", took_part) if took_part else None,
        "ways": ways,
        "chaired": about(value("lac.child_chaired")),
        "changes": render_markdown(content.narrative.get("changes_from_childrens_views", "")),
        "done_from_last_year": [item["priority"] for item in content.progress_on_last_year if item["progress"] in DONE],
        "contact": render_markdown(content.narrative.get("how_to_contact_an_iro", "")),
    }
