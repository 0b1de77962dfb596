"""A share of a series of events, exactly: the demo's published rates (late conferences, say) hold
in every reporting year, where drawing each event independently leaves the count to chance (at
16%, a small authority's 40 initial conferences had anything from 1 to 10 late)."""

import random


class Shares:
    """Says, event by event, whether this one is among `share` of the events of its series (one
    per key, a reporting year say): of any n events of a series in a row, floor(n * share) or one
    more are. Where each series starts between two of them comes from `rng`, so that the counts
    come out right on average however short the series, and seeds differ in which events those are."""

    def __init__(self, share: float, rng: random.Random):
        self.share = share
        self.rng = rng
        self.totals: dict[object, float] = {}

    def next(self, key: object) -> bool:
        before = self.totals[key] if key in self.totals else self.rng.random()
        self.totals[key] = before + self.share
        return int(self.totals[key]) > int(before)
