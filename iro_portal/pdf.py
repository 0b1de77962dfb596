"""PDF rendering of the portal's documents with WeasyPrint.

The annual report and the review documents (the conference record and its parents' copy) are
each one Django template rendered twice: as the HTML page and, through ``html_to_pdf``, as a PDF. Render the template to a string as usual, then::

    pdf = html_to_pdf(html, base_url=request.build_absolute_uri("/"))
    return HttpResponse(pdf, content_type="application/pdf")

``base_url`` resolves the template's relative URLs (``/static/build/application.css``,
``#contents``). It is never contacted: see "No network" below.

Paged media in the template's print stylesheet (WeasyPrint reads ``@media print`` rules and
``<link media="print">`` sheets; browsers ignore ``@page`` margin boxes):

* Page numbers, in a page margin box::

      @page {
        size: A4;
        margin: 20mm 15mm;
        @bottom-right { content: "Page " counter(page) " of " counter(pages); }
      }

  ``counter(page)`` is the current page and ``counter(pages)`` the total. ``@page :first
  { @bottom-right { content: none; } }`` leaves the cover page unnumbered.

* A contents list with page numbers: link each entry to its section's ``id`` and let the
  link's ``::after`` ask for the page the target lands on::

      <ol class="contents">
        <li><a href="#caseloads">Caseloads</a></li>
      </ol>
      ...
      <h2 id="caseloads">Caseloads</h2>

      .contents a::after { content: leader(".") " " target-counter(attr(href), page); }

  (``leader(".")`` draws the dotted line; drop it for just the number.) WeasyPrint lays the
  document out twice for this, so the numbers are right even when the contents list itself
  pushes the sections onto later pages.

* Useful too: ``break-before: page`` on each chapter, ``break-inside: avoid`` on figures and
  table rows, ``thead { display: table-header-group }`` (the default) repeats a long table's
  header row on every page, and ``h2 { bookmark-level: 1 }`` builds the PDF's outline.

No network: the report's narrative is Markdown written by users, so a crafted ``![](http://…)``
image must not make the server fetch anything (SSRF). ``StaticFilesURLFetcher`` answers only
``data:`` URLs and URLs under ``STATIC_URL`` (read from the local static files, the same files
the HTML page gets); it refuses everything else, and WeasyPrint then simply leaves that image or
stylesheet out. Charts should therefore be inline SVG (``reporting.charts``) or ``data:`` URLs.

Logging: WeasyPrint warns about every CSS property it does not support, and the GOV.UK
stylesheet has many, so the ``weasyprint`` logger is set to ERROR, and ``fontTools`` (which logs
each font it subsets at INFO) to WARNING, unless the project's LOGGING setting gives them a
level. Refused URLs are logged once, at INFO, by this module's logger.
"""

import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils._os import safe_join

from .charts_text import SVG, alternative_text

logger = logging.getLogger(__name__)

# Before WeasyPrint is imported: it parses its own default stylesheets on import and logs each.
# The project's LOGGING setting wins where it gives these loggers a level.
for _name, _level in (("weasyprint", logging.ERROR), ("fontTools", logging.WARNING)):
    if logging.getLogger(_name).level == logging.NOTSET:
        logging.getLogger(_name).setLevel(_level)

import pydyf  # noqa: E402
from weasyprint import HTML  # noqa: E402
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

__all__ = ["ResourceRefused", "StaticFilesURLFetcher", "html_to_pdf"]


class ResourceRefused(ValueError):
    """The PDF renderer was asked for a URL it may not fetch.

    A plain (non-fatal) exception: WeasyPrint reports it as a failed fetch and leaves the
    resource out instead of stopping the render.
    """


class _HideRefusedFetches(logging.Filter):
    """Drop WeasyPrint's "Failed to load image" error for URLs this module refused on purpose
    (already logged at INFO below); real failures, such as a missing static file, still show."""

    def filter(self, record):
        return ResourceRefused.__name__ not in record.getMessage()


_weasyprint_logger = logging.getLogger("weasyprint")
if not any(isinstance(f, _HideRefusedFetches) for f in _weasyprint_logger.filters):
    _weasyprint_logger.addFilter(_HideRefusedFetches())


class StaticFilesURLFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that never touches the network or arbitrary files.

    Serves ``data:`` URLs, and URLs under ``STATIC_URL`` (resolved against ``base_url``, so
    ``/static/x.css`` in a page rendered with base ``https://host/`` is
    ``https://host/static/x.css``) from the static files: the staticfiles finders first (the
    source files, as ``runserver`` serves them), then ``STATIC_ROOT`` (collected files). Any
    other URL raises ``ResourceRefused``.
    """

    def __init__(self, base_url: str):
        # Only the data: handler of the parent class is ever used; no redirects, no HTTP.
        super().__init__(allowed_protocols=("data",), allow_redirects=False, fail_on_errors=False)
        static = urlsplit(urljoin(base_url, settings.STATIC_URL))
        self._static_origin = (static.scheme.lower(), static.netloc.lower())
        self._static_path = static.path if static.path.endswith("/") else static.path + "/"

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if (scheme, parts.netloc.lower()) == self._static_origin and parts.path.startswith(self._static_path):
            relative = unquote(parts.path[len(self._static_path) :])
            if self._is_plain_relative_path(relative):
                path = self._static_file(relative)
                if path is None:
                    # A template bug, not an attack: WeasyPrint logs it as an error.
                    raise FileNotFoundError(f"no static file {relative!r}")
                content_type, _ = mimetypes.guess_type(path.name)
                return URLFetcherResponse(
                    url, path.read_bytes(), {"Content-Type": content_type or "application/octet-stream"}
                )
        logger.info("PDF rendering: refused to fetch %s", url[:200])
        raise ResourceRefused(f"the PDF renderer fetches only static files and data: URLs, not {url[:200]}")

    @staticmethod
    def _is_plain_relative_path(relative: str) -> bool:
        """No way out of the static directories: no empty, "." or ".." segments (percent-encoded
        ones arrive here decoded), no backslashes, no NUL."""
        return (
            bool(relative)
            and "\\" not in relative
            and "\x00" not in relative
            and not any(segment in ("", ".", "..") for segment in relative.split("/"))
        )

    @staticmethod
    def _static_file(relative: str) -> Path | None:
        try:
            found = finders.find(relative)
        except Exception:  # noqa: BLE001 - SuspiciousFileOperation and the like: treat as not found.
            found = None
        candidates = [found] if isinstance(found, str) else []
        if settings.STATIC_ROOT:
            try:
                candidates.append(safe_join(settings.STATIC_ROOT, relative))
            except Exception:  # noqa: BLE001 - a path outside STATIC_ROOT is no candidate
                pass
        for candidate in candidates:
            path = Path(candidate)
            if path.is_file():
                return path
        return None


def html_to_pdf(html: str, *, base_url: str) -> bytes:
    """Render an HTML document (a rendered template) to PDF bytes.

    ``base_url`` must be an absolute http(s) URL, normally ``request.build_absolute_uri("/")``;
    it only resolves relative links and is never fetched.

    The PDF is PDF/UA-1: tagged (headings, lists, tables and reading order in a structure tree),
    so a screen reader reads it as it reads the page, with the template's ``<html lang>`` and
    ``<title>`` as the PDF's language and the title a viewer shows, and a chart's title and
    description as its alternative text (tests/test_pdf_accessibility.py checks each document).
    """
    if urlsplit(base_url).scheme.lower() not in ("http", "https") or not urlsplit(base_url).netloc:
        raise ValueError(f"base_url must be an absolute http(s) URL, not {base_url!r}")
    document = HTML(string=html, base_url=base_url, url_fetcher=StaticFilesURLFetcher(base_url))
    finisher = _AccessibleStructure(
        _chart_alternatives(document.etree_element), _link_texts(document.etree_element, base_url)
    )
    return document.write_pdf(pdf_variant="pdf/ua-1", finisher=finisher)


def _chart_alternatives(root) -> dict[str, str]:
    """Each inline SVG chart's title, with the alternative text its Figure should carry."""
    found: dict[str, str] = {}
    for svg in root.iter(f"{SVG}svg"):
        title = svg.find(f"{SVG}title")
        if title is not None and title.text and title.text.strip():
            found.setdefault(title.text.strip(), alternative_text(svg))
    return found


def _link_texts(root, base_url: str) -> dict[str, str]:
    """Each link's words, by the target its PDF annotation names: the section's id for a link
    within the document, the absolute URL for any other (the first link's, where several share
    a target)."""
    found: dict[str, str] = {}
    for link in root.iter("a"):
        href, text = link.get("href"), " ".join("".join(link.itertext()).split())
        if href and text:
            target = href[1:] if href.startswith("#") else urljoin(base_url, href)
            found.setdefault(target, text)
    return found


class _AccessibleStructure:
    """What WeasyPrint's PDF/UA structure tree leaves short, filled in before the PDF is written.

    A chart's Figure gets only its SVG <title> as alternative text; a screen reader should hear
    the description too, as it does on the page (aria-labelledby names both). A table's header
    cells are linked to their data cells by IDs, but carry no Scope, which some checkers and
    screen readers read instead: a header cell in the table's head heads its column and one in
    its body heads its row, as every table in the portal is written (scope="col" in thead,
    scope="row" in tbody). And the page margins' text (page numbers, a running title) is marked
    as tagged content whose elements WeasyPrint leaves out of the tree (PDF 1.7 has no place for
    artifacts in it): PDF/UA wants content either in the tree or marked as an artifact, so it is
    marked as a pagination artifact, which a screen reader skips as it skips a page number.
    A link's annotation gets its words as its description (PDF/UA asks for one; WeasyPrint gives
    the bare target, a section's id or a URL).
    """

    def __init__(self, chart_alternatives: dict[str, str], link_texts: dict[str, str]):
        self.chart_alternatives = chart_alternatives
        self.link_texts = link_texts

    def __call__(self, document, pdf) -> None:
        objects = {item.reference: item for item in pdf.objects if isinstance(item, pydyf.Object)}
        elements = {
            reference: item
            for reference, item in objects.items()
            if isinstance(item, pydyf.Dictionary) and item.get("Type") == "/StructElem"
        }
        for element in elements.values():
            if element["S"] == "/Figure" and isinstance(element.get("Alt"), pydyf.String):
                if text := self.chart_alternatives.get(element["Alt"].string.strip()):
                    element["Alt"] = pydyf.String(text)
            elif element["S"] == "/TH":
                scope = "/Column" if self._in_head(element, elements) else "/Row"
                element.setdefault("A", pydyf.Dictionary({"O": "/Table"}))["Scope"] = scope
        for item in objects.values():
            if isinstance(item, pydyf.Dictionary) and item.get("Subtype") == "/Link":
                self._describe_link(item)
        self._mark_untagged_content_as_artifacts(pdf, objects, elements)

    def _describe_link(self, annotation) -> None:
        action = annotation.get("A")
        target = annotation.get("Dest") if action is None else action.get("URI")
        target = target.string if isinstance(target, pydyf.String) else target
        if isinstance(target, str) and (text := self.link_texts.get(target.lstrip("/"))):
            annotation["Contents"] = pydyf.String(text)

    @staticmethod
    def _in_head(element, elements) -> bool:
        parent = elements.get(element.get("P"))
        while parent is not None and parent["S"] != "/Table":
            if parent["S"] == "/THead":
                return True
            parent = elements.get(parent.get("P"))
        return False

    @staticmethod
    def _mark_untagged_content_as_artifacts(pdf, objects, elements) -> None:
        root = objects[pdf.catalog["StructTreeRoot"]]
        in_tree, waiting = set(), list(root["K"])
        while waiting:
            reference = waiting.pop()
            if reference in elements and reference not in in_tree:
                in_tree.add(reference)
                waiting.extend(kid for kid in elements[reference]["K"] if not isinstance(kid, int))
        numbers = objects[root["ParentTree"]]["Nums"]
        by_page = dict(zip(numbers[::2], numbers[1::2]))
        for page_number, page_reference in enumerate(pdf.page_references):
            owners = by_page.get(page_number)
            if not isinstance(owners, pydyf.Array):
                continue
            stream = objects[objects[page_reference]["Contents"]].stream
            for position, item in enumerate(stream[:-1]):
                if (
                    isinstance(item, pydyf.Dictionary)
                    and "MCID" in item
                    and stream[position + 1] == b"BDC"
                    and item["MCID"] < len(owners)
                    and owners[item["MCID"]] not in in_tree
                ):
                    owners[item["MCID"]] = "null"
                    stream[position - 1] = "/Artifact"
                    stream[position] = pydyf.Dictionary({"Type": "/Pagination"})
