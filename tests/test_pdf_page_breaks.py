"""The annual report's PDF keeps each heading with what it introduces: no page ends with a
section's title or a table's caption whose chart or rows are on the next page. The synthetic
authority (seed_demo, a fixed day) is one whose report, laid out without that rule, left two
captions at the foot of a page; the 5,000-child demo's report has charts and tables longer than a
page, where a caption could be left behind by a break inside its block."""

import io
import re
from datetime import date
from html import unescape

import pytest
from django.core.management import call_command
from django.test import Client
from pypdf import PdfReader

from accounts.models import User
from tests.conftest import kept_for_the_module

YEAR = 2025
FOOTER = re.compile(r"^(.*: annual IRO report|Page \d+ of \d+)")
SERIES = ("April 2025 to March 2026", "April 2024 to March 2025")


def words(text):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", text)).split())


@pytest.fixture
def authority(db):
    call_command("seed_demo", children=200, seed=1, today=date(2026, 12, 6), stdout=io.StringIO())


def test_no_page_of_the_report_ends_with_a_heading(authority, client, tmp_path):
    client.force_login(User.objects.get(username="manager"))
    page = client.get(f"/reports/{YEAR}/").content.decode()
    headings = {words(text) for text in re.findall(r"<(?:h2|h3|caption)\b[^>]*>(.*?)</(?:h2|h3|caption)>", page, re.S)}
    assert "Gender of children looked after at the end of the year" in headings

    call_command("annual_report", year=YEAR, variant=["internal"], out=str(tmp_path), stdout=io.StringIO())
    (pdf,) = tmp_path.glob("*.pdf")
    reader = PdfReader(pdf)
    orphans = []
    for number, pdf_page in enumerate(reader.pages[:-1], start=1):
        last = bottom_line(pdf_page)
        orphans += [
            f"page {number} ends with {heading!r}" for heading in headings if len(last) > 12 and heading.endswith(last)
        ]
    assert not orphans, "\n".join(orphans)


def bottom_line(pdf_page):
    """The words of the lowest line of text on the page, as laid out, the footer left out."""
    lines = [words(line) for line in pdf_page.extract_text(extraction_mode="layout").splitlines()]
    content = [line for line in lines if line and not FOOTER.match(line)]
    return content[-1] if content else ""


@pytest.fixture(scope="module")
def demo_report(django_db_setup, django_db_blocker, tmp_path_factory):
    """The 5,000-child demo's report, seeded and rendered once: its page and its PDF's pages."""
    with kept_for_the_module(django_db_blocker):
        call_command("seed_demo", children=5000, seed=1, today=date(2026, 12, 6), stdout=io.StringIO())
        client = Client()
        client.force_login(User.objects.get(username="manager"))
        page = client.get(f"/reports/{YEAR}/").content.decode()
        out = tmp_path_factory.mktemp("report")
        call_command("annual_report", year=YEAR, variant=["internal"], out=str(out), stdout=io.StringIO())
        (pdf,) = out.glob("*.pdf")
        pages = [pdf_page.extract_text(extraction_mode="layout") for pdf_page in PdfReader(pdf).pages]
        yield page, pages


def test_every_caption_is_on_the_same_page_as_its_chart_or_its_first_row(demo_report):
    """A chart's caption is followed on its page by the chart's key, and a table's caption by the
    table's first row, before any other caption."""
    page, pages = demo_report
    tables = [
        (words(caption), words(first_row))
        for caption, first_row in re.findall(
            r"<caption\b[^>]*>(.*?)</caption>.*?<tbody\b[^>]*>\s*<tr\b[^>]*>\s*<th\b[^>]*>(.*?)</th>", page, re.S
        )
    ]
    figures = [words(caption) for caption in re.findall(r"<figcaption\b[^>]*>(.*?)</figcaption>", page, re.S)]
    assert len(tables) > 30 and len(figures) > 10
    assert "Chart: Legal status of children looked after at the end of the year" in figures
    key = r"\s+".join(re.escape(series) for series in SERIES)
    captions = [(caption, starting(first_row)) for caption, first_row in tables] + [
        (caption, key) for caption in figures
    ]
    every_caption = [whole_lines(caption) for caption, _ in captions]
    problems = []
    for caption, what_follows in captions:
        found = [
            (number, text[match.end() :])
            for number, text in enumerate(pages, start=1)
            for match in re.finditer(whole_lines(caption), text)
        ]
        if not found:
            problems.append(f"{caption!r} is on no page")
        elif not any(re.search(what_follows, up_to_next_caption(rest, every_caption)) for _, rest in found):
            pages_found = ", ".join(str(number) for number, _ in found)
            problems.append(f"page {pages_found}: {caption!r} is not followed on its page by its chart or first row")
    assert not problems, "\n".join(problems)


def up_to_next_caption(rest, every_caption):
    ends = [other.start() for pattern in every_caption for other in re.finditer(pattern, rest) if other.start() > 0]
    return rest[: min(ends, default=len(rest))]


def test_the_reports_charts_draw_both_years_with_their_rows_labels_in_full(demo_report):
    page, _ = demo_report
    charts = re.findall(r"<svg\b.*?</svg>", page, re.S)
    assert len(charts) > 10
    for chart in charts:
        assert all(series in chart for series in SERIES)
        assert "…" not in chart
    legal_status = next(chart for chart in charts if "chart-children-legal-status" in chart)
    assert "Legal status:" not in legal_status
    assert "C1: Interim care order" in words(legal_status)


def flexible(text):
    """A pattern for text as the PDF lays it out: words may be split over lines, and a hyphenated
    word broken after its hyphen."""
    return r"\s+".join(re.escape(word).replace(r"\-", r"-\s*") for word in text.split())


def starting(label):
    """A row's label as it starts its line (a long label wraps in its column)."""
    return r"(?m)^\s*" + flexible(" ".join(label.split()[:3]))


def whole_lines(text):
    """A caption is laid out on lines of its own (another heading may say the same words)."""
    return r"(?m)^[ \t]*" + flexible(text) + r"[ \t]*$"
