"""A chart's text alternative, worded once for every format that carries a chart as an image.

On the page an inline ``<svg role="img">`` is named by its ``<title>`` and ``<desc>``
(aria-labelledby names both). A PDF's Figure and a Word picture have one alternative text each,
so both formats join the two the same way here.
"""

from xml.etree.ElementTree import Element

SVG = "{http://www.w3.org/2000/svg}"


def alternative_text(svg: Element) -> str:
    """The title, then the description, of an SVG element; empty when it has neither."""
    parts = []
    for name in ("title", "desc"):
        found = svg.find(f"{SVG}{name}")
        if found is not None and found.text and found.text.strip():
            parts.append(" ".join(found.text.split()))
    if len(parts) == 2:
        return f"{parts[0].rstrip('.')}. {parts[1]}"
    return parts[0] if parts else ""
