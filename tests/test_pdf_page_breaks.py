"""The annual report's PDF keeps each heading with what it introduces: no page ends with a
section's title or a table's caption whose chart or rows are on the next page. The synthetic
authority (seed_demo, a fixed day) is one whose report, laid out without that rule, left two
captions at the foot of a page."""

import io
import re
from datetime import date
from html import unescape

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from accounts.models import User

YEAR = 2025
FOOTER = re.compile(r"^(Annual IRO report|Page \d+ of \d+)")


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
