"""PDF rendering (iro_portal/pdf.py): what a reader of the annual report's PDF sees, and that the
renderer fetches nothing but the portal's own static files (no SSRF from report narrative)."""

import base64
import io
import logging
import re
import socket
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image
from pypdf import PdfReader

from iro_portal import pdf as pdf_module
from iro_portal.pdf import ResourceRefused, StaticFilesURLFetcher, html_to_pdf
from reporting.charts import bar_chart

BASE_URL = "http://testserver/"
STYLESHEET = "build/application.css"  # the compiled GOV.UK stylesheet (npm run build:css)
REMOTE_IMAGE = "http://example.com/x.png"


def png_data_url():
    """A small image embedded as a data: URL, as a chart exported to an image would be."""
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "#1d70b8").save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


DATA_PNG = png_data_url()


def report_html():
    chart = bar_chart(
        chart_id="reviews-on-time",
        title="Reviews held on time by IRO",
        description="Percentage of reviews held within timescales, by IRO.",
        bars=[("Iris Reviewer", 94), ("Owen Other", 71)],
        value_axis_label="Reviews on time (%)",
        category_axis_label="IRO",
        percent=True,
    )
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <title>Annual IRO report</title>
  <link rel="stylesheet" href="/static/{STYLESHEET}">
  <style>
    @page {{ size: A4; margin: 20mm 15mm;
             @bottom-right {{ content: "Page " counter(page) " of " counter(pages); }} }}
    .contents a::after {{ content: " on page " target-counter(attr(href), page); }}
    .chapter {{ break-before: page; }}
  </style>
</head>
<body class="govuk-template__body">
  <h1 class="govuk-heading-xl">Annual IRO report 2024 to 2025</h1>
  <h2 class="govuk-heading-m">Contents</h2>
  <ol class="contents">
    <li><a href="#summary">Summary</a></li>
    <li><a href="#caseloads">Caseloads</a></li>
  </ol>
  <h2 class="govuk-heading-l" id="summary">Summary</h2>
  <p class="govuk-body">Narrative written by the service manager.</p>
  <p class="govuk-!-display-none">Only hidden if the GOV.UK stylesheet was loaded</p>
  <p class="govuk-body"><img src="{REMOTE_IMAGE}" alt="Picture pasted into the narrative"></p>
  <p class="govuk-body"><img src="{DATA_PNG}" alt="Embedded picture"></p>

  <section class="chapter">
    <h2 class="govuk-heading-l" id="caseloads">Caseloads</h2>
    {chart}
    <table class="govuk-table">
      <caption class="govuk-table__caption">Children per IRO</caption>
      <thead><tr><th scope="col">IRO</th><th scope="col">Children</th></tr></thead>
      <tbody>
        <tr><td>Iris Reviewer</td><td>57</td></tr>
        <tr><td>Owen Other</td><td>64</td></tr>
      </tbody>
    </table>
  </section>
</body>
</html>"""


class NetworkAttempted(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch):
    """Every DNS look-up or socket connection during the test is recorded and fails."""
    attempts = []

    def refuse(what):
        def blocked(*args, **kwargs):
            attempts.append((what, args))
            raise NetworkAttempted(f"{what}{args}")

        return blocked

    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    return attempts


@pytest.fixture
def fetched(monkeypatch):
    """The URLs WeasyPrint asks the fetcher for, with what became of each."""
    asked = []

    class SpyFetcher(StaticFilesURLFetcher):
        def fetch(self, url, headers=None):
            try:
                response = super().fetch(url, headers)
            except Exception as error:
                asked.append((url, type(error).__name__))
                raise
            asked.append((url, "served"))
            return response

    monkeypatch.setattr(pdf_module, "StaticFilesURLFetcher", SpyFetcher)
    return asked


@pytest.fixture(scope="module")
def stylesheet_path():
    for root in (Path(settings.STATIC_ROOT), settings.BASE_DIR / "static"):
        if (root / STYLESHEET).is_file():
            return root / STYLESHEET
    pytest.fail(f"{STYLESHEET} is not built: run ./scripts/setup (npm run build:css)")


def pages_text(pdf_bytes):
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf_bytes)).pages]


@pytest.fixture
def rendered(no_network, fetched, stylesheet_path):
    return html_to_pdf(report_html(), base_url=BASE_URL)


def test_the_report_renders_as_a_pdf_with_its_headings_chart_and_table(rendered):
    assert rendered.startswith(b"%PDF-")
    first, second = pages_text(rendered)
    assert "Annual IRO report 2024 to 2025" in first
    assert "Narrative written by the service manager." in first
    assert "Caseloads" in second
    assert "Children per IRO" in second
    assert re.search(r"Iris Reviewer 57", second) and re.search(r"Owen Other 64", second)
    # The inline SVG chart is drawn with its text, not dropped.
    assert "Reviews on time (%)" in second
    assert "94%" in second and "71%" in second


def test_every_page_is_numbered_and_the_contents_list_gives_each_sections_page(rendered):
    first, second = pages_text(rendered)
    assert len(pages_text(rendered)) == 2
    assert "Page 1 of 2" in first
    assert "Page 2 of 2" in second
    assert "Summary on page 1" in first
    assert "Caseloads on page 2" in first


def test_the_projects_static_stylesheet_is_read_from_disk_and_applied(rendered, fetched):
    assert (f"{BASE_URL}static/{STYLESHEET}", "served") in fetched
    first, _ = pages_text(rendered)
    assert "Only hidden if the GOV.UK stylesheet was loaded" not in first


def test_a_remote_image_is_left_out_without_any_network_request(rendered, fetched, no_network):
    assert (REMOTE_IMAGE, "ResourceRefused") in fetched
    assert no_network == []
    # The data: image is embedded; the remote one is simply missing, and the rest renders.
    # (WeasyPrint shares one resource dictionary between pages, so count distinct images.)
    images = {image.data: image for page in PdfReader(io.BytesIO(rendered)).pages for image in page.images}
    assert len(images) == 1
    [image] = images.values()
    assert image.image.convert("RGB").getpixel((0, 0)) == (0x1D, 0x70, 0xB8)
    assert "Narrative written by the service manager." in pages_text(rendered)[0]


def test_a_refused_url_is_logged_once_by_the_portal_not_as_a_weasyprint_error(no_network, caplog):
    html = f'<html lang="en"><body><p>Text</p><img src="{REMOTE_IMAGE}" alt=""></body></html>'
    with caplog.at_level(logging.INFO, logger="iro_portal.pdf"):
        html_to_pdf(html, base_url=BASE_URL)
    refusals = [r for r in caplog.records if r.name == "iro_portal.pdf" and REMOTE_IMAGE in r.getMessage()]
    assert len(refusals) == 1
    assert not [r for r in caplog.records if r.name.startswith("weasyprint") and r.levelno >= logging.ERROR]


def test_a_missing_static_file_is_still_reported_as_an_error(no_network, caplog):
    html = '<html lang="en"><body><img src="/static/images/no-such-file.png" alt=""></body></html>'
    html_to_pdf(html, base_url=BASE_URL)
    errors = [r for r in caplog.records if r.name == "weasyprint" and r.levelno >= logging.ERROR]
    assert errors and "no-such-file.png" in errors[0].getMessage()


# --- The fetcher itself ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        REMOTE_IMAGE,
        "https://example.com/static/build/application.css",  # static path, someone else's host
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata service
        "http://localhost:8000/admin/",
        "http://testserver/admin/",  # our own host, outside STATIC_URL
        "http://testserver/static/../iro_portal/settings.py",
        "http://testserver/static/%2e%2e/iro_portal/settings.py",
        "http://testserver/static/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "http://testserver/static//etc/passwd",
        "file:///etc/passwd",
        "ftp://example.com/x.png",
        "gopher://127.0.0.1:6379/_INFO",
    ],
)
def test_the_fetcher_refuses_anything_but_static_files_and_data_urls(url, no_network):
    with pytest.raises(ResourceRefused):
        StaticFilesURLFetcher(BASE_URL).fetch(url)
    assert no_network == []


def test_the_fetcher_serves_static_files_from_disk(stylesheet_path, no_network):
    response = StaticFilesURLFetcher("https://iro.example.gov.uk/reports/annual/").fetch(
        f"https://iro.example.gov.uk/static/{STYLESHEET}?v=1"
    )
    assert response.content_type == "text/css"
    assert response.read() == stylesheet_path.read_bytes()
    assert no_network == []


def test_the_fetcher_serves_data_urls(no_network):
    response = StaticFilesURLFetcher(BASE_URL).fetch(DATA_PNG)
    assert response.content_type == "image/png"
    assert response.read().startswith(b"\x89PNG")


def test_the_base_url_must_be_absolute():
    with pytest.raises(ValueError):
        html_to_pdf("<p>x</p>", base_url="/")


def tagging(pdf_bytes):
    """The PDF's catalogue entries a screen reader relies on: marked content with a structure
    tree, the language, and the title."""
    reader = PdfReader(io.BytesIO(pdf_bytes))
    root = reader.trailer["/Root"]
    return {
        "marked": bool(root.get("/MarkInfo", {}).get("/Marked")),
        "structure": "/StructTreeRoot" in root,
        "lang": root.get("/Lang"),
        "title": reader.metadata.get("/Title"),
    }


def test_the_pdf_is_tagged_for_screen_readers_with_its_language_and_title(rendered):
    assert tagging(rendered) == {"marked": True, "structure": True, "lang": "en-GB", "title": "Annual IRO report"}
