"""The report's narrative is written by service managers as plain text or Markdown. It is
rendered to HTML and then cleaned with an allow-list, so nothing typed into it can run script,
load an image or frame from elsewhere, or break the page's layout; the headings it may use
sit below the section's own heading."""

import markdown
import nh3
from django.utils.safestring import mark_safe

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "blockquote",
    "code",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "th": {"scope"}}
LINK_SCHEMES = {"http", "https", "mailto"}
GOVUK_CLASSES = {
    "<p>": '<p class="govuk-body">',
    "<ul>": '<ul class="govuk-list govuk-list--bullet">',
    "<ol>": '<ol class="govuk-list govuk-list--number">',
    "<h3>": '<h3 class="govuk-heading-s">',
    "<h4>": '<h4 class="govuk-heading-s">',
    "<a ": '<a class="govuk-link" ',
    "<table>": '<table class="govuk-table">',
}


def render_markdown(text):
    """Safe HTML for a narrative section; headings written as # or ## become level 3, so the
    page keeps one h1 and the section's h2."""
    if not text or not text.strip():
        return ""
    html = markdown.markdown(text, extensions=["sane_lists", "tables"], output_format="html")
    for level in (1, 2):
        html = html.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    for level in (5, 6):
        html = html.replace(f"<h{level}>", "<h4>").replace(f"</h{level}>", "</h4>")
    cleaned = nh3.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=LINK_SCHEMES, link_rel="noopener noreferrer"
    )
    for plain, styled in GOVUK_CLASSES.items():
        cleaned = cleaned.replace(plain, styled)
    return mark_safe(cleaned)


def is_written(text):
    """Whether a narrative section has anything to show: an empty one is never published as
    placeholder text."""
    return bool(render_markdown(text))
