"""Reading the dashboard page: its figure links and tables, and the list each figure opens."""

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from reviews import timescales

PAGE_SIZE = settings.CHILDREN_LIST_PAGE_SIZE


FIGURE_LINK = re.compile(
    r'<a class="govuk-link" href="([^"]+)">(\d+)<span class="govuk-visually-hidden">: ([^<]*)</span></a>'
)
HEADLINE_LINK = re.compile(
    r'<a class="govuk-link app-headline__link" href="([^"]+)"><span class="app-headline__value">([^<]*)</span> '
    r'<span class="app-headline__label">([^<]*)</span></a>'
)


@dataclass(frozen=True)
class FigureLink:
    label: str
    value: int
    url: str


def figure_links(page):
    """Every figure on the dashboard with the list it opens: the tables' numbers and the headlines
    (whose count is in brackets when a percentage is shown)."""
    links = [
        FigureLink(html.unescape(label).removesuffix(", open the list"), int(value), html.unescape(url))
        for url, value, label in FIGURE_LINK.findall(page)
    ]
    for url, value, label in HEADLINE_LINK.findall(page):
        label = html.unescape(label)
        counted = re.search(r"\((\d+)\)$", label)
        links.append(FigureLink(f"headline: {label}", int(counted.group(1) if counted else value), html.unescape(url)))
    return links


class Tables(HTMLParser):
    """The tables of a page: each one's caption and the text of its body rows."""

    def __init__(self, page):
        super().__init__()
        self.tables = []
        self._in_caption = self._in_body = False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.tables[-1]["rows"].append("")

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False
        elif tag == "tbody":
            self._in_body = False

    def handle_data(self, data):
        if self._in_caption:
            self.tables[-1]["caption"] += data
        elif self._in_body and self.tables and self.tables[-1]["rows"]:
            self.tables[-1]["rows"][-1] += data


def body_rows(table):
    """Data rows: not the "No ... match" row an empty list shows."""
    return [row for row in table["rows"] if not re.search(r"\bNo \w+ match", row)]


def caption_count(tables, pattern):
    matched = [(table, re.fullmatch(pattern, table["caption"].strip())) for table in tables]
    matched = [(table, match) for table, match in matched if match]
    assert len(matched) == 1, f"expected one table captioned {pattern!r}, found {[t['caption'] for t in tables]}"
    table, match = matched[0]
    return (1 if match.group(1) in (None, "") else int(match.group(1))), len(body_rows(table))


ERROR_MESSAGE = re.compile(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', re.S)


def filter_errors(page):
    """The messages of the page's error summary: a list that refuses a filter the dashboard
    gave it would otherwise quietly show more than the figure."""
    summary = ERROR_MESSAGE.search(page)
    return re.findall(r"<a [^>]*>([^<]*)</a>", summary.group(1)) if summary else []


def list_size(client, url):
    """How many rows the list behind a figure says it holds (its caption, or on the managers'
    escalations page the count above the tables), how many its tables show, and any errors
    about its filters."""
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.content.decode()
    tables = Tables(page).tables
    path = urlsplit(url).path
    if path == reverse("reviews:held"):
        stated, shown = caption_count(tables, r"(\d+) reviews? held")
    elif path == reverse("reviews:due"):
        stated, shown = caption_count(tables, r"(\d+) reviews? due or booked")
    elif path == reverse("children:list"):
        match = [t for t in tables if re.fullmatch(r"\d+ children match|1 child matches", t["caption"].strip())]
        assert len(match) == 1, url
        stated, shown = int(match[0]["caption"].split()[0]), len(body_rows(match[0]))
    elif path == reverse("consultations:links"):
        stated, shown = caption_count(tables, r"(\d+) links?")
    elif path == reverse("escalations:list"):
        count = re.search(r"<li>(\d+) (?:open |resolved |withdrawn )?escalations?</li>", page)
        if count:  # the managers' page: a table per stage, then the areas of concern
            stated = int(count.group(1))
            shown = sum(len(body_rows(t)) for t in tables if t["caption"].strip() != "Areas of concern")
        else:
            stated, shown = caption_count(tables, r"(\d+) escalations?")
    else:
        raise AssertionError(f"no list expected at {url}")
    return stated, shown, filter_errors(page)


def check_every_figure(client, page):
    """Follow each figure link; return the figures checked and those whose list disagrees."""
    links = figure_links(page)
    mismatches = []
    for link in links:
        stated, shown, errors = list_size(client, link.url)
        if errors or stated != link.value or shown != min(link.value, PAGE_SIZE):
            mismatches.append(
                f"{link.label}: figure {link.value}, but the list says {stated} and shows {shown}"
                f"{' with the error ' + repr(errors) if errors else ''} ({link.url})"
            )
    return links, mismatches


def period_query(start, end):
    """The dashboard's period form, filled in with two dates."""
    return {
        "start_day": start.day,
        "start_month": start.month,
        "start_year": start.year,
        "end_day": end.day,
        "end_month": end.month,
        "end_year": end.year,
    }


def seven_months_to_today():
    """A period holding everything `authority_today` did "in the period", whatever today is."""
    today = timezone.localdate()
    return period_query(timescales.add_months(today, -7), today)


def figure_value(page, label):
    values = [link.value for link in figure_links(page) if link.label == label]
    assert len(values) == 1, label
    return values[0]
