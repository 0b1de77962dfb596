"""Server-side SVG charts for the service-manager dashboard.

Charts are drawn on the server so they work without JavaScript, and they are plain SVG with
presentation attributes only, so a Content-Security-Policy that forbids inline styles still
allows them. Each chart is an image with its own title and description for screen readers; the
template shows the same figures in a table below it.
"""

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

CHART_ID = re.compile(r"[a-z][a-z0-9-]*")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
FONT_FAMILY = "GDS Transport, arial, sans-serif"

BLUE = "#1d70b8"
RED = "#d4351c"
LIGHT_GREY = "#f3f2f1"
MID_GREY = "#b1b4b6"
DARK_GREY = "#505a5f"
BLACK = "#0b0c0c"
WHITE = "#ffffff"

WIDTH = 640
# Every piece of text is at least this many units high; the page shows a chart no smaller than
# WIDTH pixels wide (static/scss/application.scss), so on screen it is at least 16 px.
SMALLEST_TEXT = 16
PERCENT_TICKS = [0, 25, 50, 75, 100]
NO_DATA = "No data for this period"

BAR_LABEL_RIGHT = 240
BAR_PLOT_LEFT = 248
BAR_PLOT_RIGHT = 500
ROW_HEIGHT = 28
BAR_HEIGHT = 18
LONGEST_BAR_LABEL = 28

LINE_PLOT_LEFT = 56
LINE_PLOT_RIGHT = 624
LINE_PLOT_HEIGHT = 200
LONGEST_POINT_LABEL = 12
MOST_POINTS_ALL_LABELLED = 12

# A white outline painted under the glyphs keeps text readable where it crosses a line.
HALO = {"stroke": WHITE, "stroke_width": 4, "stroke_linejoin": "round", "paint_order": "stroke"}


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    bars: list[tuple[str, float]],
    value_axis_label: str,
    category_axis_label: str,
    percent: bool = False,
    band: tuple[float, float] | None = None,
    band_label: str = "",
    highlight_above: float | None = None,
    highlight_below: float | None = None,
) -> SafeString:
    """Horizontal bars, one row per category, so long names such as IROs' full names stay
    readable. Bars above `highlight_above` are red and also say "(above N)" in their value text,
    so colour is never the only signal; bars below `highlight_below` say "(below N)"."""
    bars = [(label, float(value)) for label, value in bars]
    largest = [value for _, value in bars]
    if band:
        largest.append(max(band))
    if highlight_above is not None:
        largest.append(highlight_above)
    ticks = PERCENT_TICKS if percent else nice_ticks(max(largest, default=0))
    plot_top = 64 if band else 32
    plot_height = ROW_HEIGHT * (len(bars) or 2)
    plot_bottom = plot_top + plot_height

    def x_for(value):
        return BAR_PLOT_LEFT + (BAR_PLOT_RIGHT - BAR_PLOT_LEFT) * share_of_axis(value, ticks)

    parts = [tag("text", text_content(category_axis_label), x=0, y=18, font_weight="bold")]
    if band:
        low, high = sorted(band)
        parts += [
            tag("rect", x=0, y=32, width=16, height=16, fill=LIGHT_GREY, stroke=MID_GREY),
            tag("text", text_content(band_label), x=24, y=45),
            tag(
                "rect",
                x=x_for(low),
                y=plot_top,
                width=x_for(high) - x_for(low),
                height=plot_height,
                fill=LIGHT_GREY,
                stroke=MID_GREY,
            ),
        ]
    for tick in ticks:
        parts += [
            tag("line", x1=x_for(tick), y1=plot_top, x2=x_for(tick), y2=plot_bottom, stroke=MID_GREY),
            tag(
                "text",
                text_content(format_value(tick, percent)),
                x=x_for(tick),
                y=plot_bottom + 20,
                text_anchor="middle",
            ),
        ]
    for index, (label, value) in enumerate(bars):
        row_middle = plot_top + ROW_HEIGHT * index + ROW_HEIGHT // 2
        above = highlight_above is not None and value > highlight_above
        value_text = format_value(value, percent)
        if above:
            value_text += f" (above {format_value(highlight_above, percent)})"
        elif highlight_below is not None and value < highlight_below:
            value_text += f" (below {format_value(highlight_below, percent)})"
        parts.append(
            tag(
                "g",
                tag("title", text_content(label))
                + tag(
                    "text",
                    text_content(shorten(label, LONGEST_BAR_LABEL)),
                    x=BAR_LABEL_RIGHT,
                    y=row_middle + 5,
                    text_anchor="end",
                )
                + tag(
                    "rect",
                    x=BAR_PLOT_LEFT,
                    y=row_middle - BAR_HEIGHT // 2,
                    width=x_for(value) - BAR_PLOT_LEFT,
                    height=BAR_HEIGHT,
                    fill=RED if above else BLUE,
                    data_value=plain_number(value),
                )
                + tag("text", text_content(value_text), x=x_for(value) + 6, y=row_middle + 5),
            )
        )
    parts += [
        tag("line", x1=BAR_PLOT_LEFT, y1=plot_bottom, x2=BAR_PLOT_RIGHT, y2=plot_bottom, stroke=BLACK),
        tag(
            "text",
            text_content(value_axis_label),
            x=(BAR_PLOT_LEFT + BAR_PLOT_RIGHT) / 2,
            y=plot_bottom + 44,
            text_anchor="middle",
        ),
    ]
    if not bars:
        parts.append(
            tag(
                "text",
                text_content(NO_DATA),
                x=(BAR_PLOT_LEFT + BAR_PLOT_RIGHT) / 2,
                y=plot_top + plot_height / 2 + 5,
                text_anchor="middle",
                **HALO,
            )
        )
    return svg_document(chart_id, title, description, plot_bottom + 56, parts)


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    points: list[tuple[str, float | None]],
    x_axis_label: str,
    y_axis_label: str,
    percent: bool = True,
    target: float | None = None,
    target_label: str = "",
) -> SafeString:
    """A trend over months. A month with no data (None) breaks the line and says "no reviews"
    rather than being bridged, which would imply a trend nobody measured."""
    points = [(label, None if value is None else float(value)) for label, value in points]
    largest = [value for _, value in points if value is not None]
    if target is not None:
        largest.append(target)
    ticks = PERCENT_TICKS if percent else nice_ticks(max(largest, default=0))
    plot_top = 76 if target is not None else 52
    plot_bottom = plot_top + LINE_PLOT_HEIGHT
    plot_middle = (LINE_PLOT_LEFT + LINE_PLOT_RIGHT) / 2
    slot_width = (LINE_PLOT_RIGHT - LINE_PLOT_LEFT) / max(len(points), 1)
    crowded = len(points) > MOST_POINTS_ALL_LABELLED

    def x_for(index):
        return LINE_PLOT_LEFT + slot_width * (index + 0.5)

    def y_for(value):
        return plot_bottom - LINE_PLOT_HEIGHT * share_of_axis(value, ticks)

    parts = [tag("text", text_content(y_axis_label), x=0, y=18, font_weight="bold")]
    if target is not None:
        parts += [
            tag("line", x1=0, y1=40, x2=24, y2=40, stroke=DARK_GREY, stroke_width=2, stroke_dasharray="6 4"),
            tag("text", text_content(target_label), x=32, y=45),
        ]
    for tick in ticks:
        parts += [
            tag("line", x1=LINE_PLOT_LEFT, y1=y_for(tick), x2=LINE_PLOT_RIGHT, y2=y_for(tick), stroke=MID_GREY),
            tag(
                "text",
                text_content(format_value(tick, percent)),
                x=LINE_PLOT_LEFT - 8,
                y=y_for(tick) + 5,
                text_anchor="end",
            ),
        ]
    parts.append(tag("line", x1=LINE_PLOT_LEFT, y1=plot_bottom, x2=LINE_PLOT_RIGHT, y2=plot_bottom, stroke=BLACK))
    if target is not None:
        parts.append(
            tag(
                "line",
                x1=LINE_PLOT_LEFT,
                y1=y_for(target),
                x2=LINE_PLOT_RIGHT,
                y2=y_for(target),
                stroke=DARK_GREY,
                stroke_width=2,
                stroke_dasharray="6 4",
            )
        )
    for has_value, group in groupby(range(len(points)), key=lambda index: points[index][1] is not None):
        run = list(group)
        if has_value and len(run) > 1:
            coordinates = " ".join(f"{number(x_for(index))},{number(y_for(points[index][1]))}" for index in run)
            parts.append(tag("polyline", points=coordinates, fill="none", stroke=BLUE, stroke_width=3))
    for index, (label, value) in enumerate(points):
        value_text = "no reviews" if value is None else format_value(value, percent)
        children = tag("title", text_content(f"{label}: {value_text}"))
        if value is None:
            children += tag(
                "text",
                text_content(value_text),
                x=x_for(index) + 4,
                y=plot_bottom - 6,
                transform=f"rotate(-90 {number(x_for(index) + 4)} {plot_bottom - 6})",
                **HALO,
            )
        else:
            children += tag("circle", cx=x_for(index), cy=y_for(value), r=4, fill=BLUE, data_value=plain_number(value))
            if not (crowded and index % 2):
                children += tag(
                    "text", text_content(value_text), x=x_for(index), y=y_for(value) - 10, text_anchor="middle", **HALO
                )
        if not (crowded and index % 2):
            children += stacked_text(
                shorten(label, LONGEST_POINT_LABEL), x=x_for(index), y=plot_bottom + 20, font_size=SMALLEST_TEXT
            )
        parts.append(tag("g", children))
    parts.append(tag("text", text_content(x_axis_label), x=plot_middle, y=plot_bottom + 64, text_anchor="middle"))
    if not points:
        parts.append(
            tag(
                "text",
                text_content(NO_DATA),
                x=plot_middle,
                y=plot_top + LINE_PLOT_HEIGHT / 2,
                text_anchor="middle",
                **HALO,
            )
        )
    return svg_document(chart_id, title, description, plot_bottom + 76, parts)


def svg_document(chart_id, title, description, height, parts):
    """The title and description come first and are named by aria-labelledby, which is what
    screen readers announce for role="img"; focusable="false" keeps old Internet Explorer from
    adding a pointless tab stop."""
    if not isinstance(chart_id, str) or not CHART_ID.fullmatch(chart_id):
        raise ValueError(
            f"chart_id must be lower-case letters, digits and hyphens, starting with a letter: {chart_id!r}"
        )
    return mark_safe(
        tag(
            "svg",
            tag("title", text_content(title), id=f"{chart_id}-title")
            + tag("desc", text_content(description), id=f"{chart_id}-desc")
            + "".join(parts),
            xmlns="http://www.w3.org/2000/svg",
            role="img",
            aria_labelledby=f"{chart_id}-title {chart_id}-desc",
            viewBox=f"0 0 {WIDTH} {number(height)}",
            class_="app-chart",
            focusable="false",
            font_family=FONT_FAMILY,
            font_size=SMALLEST_TEXT,
            fill=BLACK,
        )
    )


def tag(name, children="", **attributes):
    """Attribute values are escaped here so no caller can forget; `children` is markup that the
    caller has already escaped. Python names map to SVG ones: font_size to font-size, class_ to class."""
    rendered = "".join(
        f' {key.rstrip("_").replace("_", "-")}="{escape(value if isinstance(value, str) else number(value))}"'
        for key, value in attributes.items()
    )
    return f"<{name}{rendered}>{children}</{name}>" if children else f"<{name}{rendered}/>"


def text_content(text):
    """XML 1.0 forbids most control characters outright, so one stray tab-like byte in a name
    would make the whole chart unparseable; they are dropped before escaping."""
    return escape(CONTROL_CHARACTERS.sub("", str(text)))


def stacked_text(text, *, x, y, font_size):
    """Splitting at the last space stacks "Apr 2026" as "Apr" over "2026", so twelve months fit
    side by side."""
    first_line, _, last_line = text.rpartition(" ")
    second_line = tag("tspan", text_content(last_line), x=x, dy=font_size + 2) if first_line else ""
    return tag(
        "text", text_content(first_line or last_line) + second_line, x=x, y=y, text_anchor="middle", font_size=font_size
    )


def shorten(label, longest):
    """Long labels would run into the bars; the full text stays in the group's <title>."""
    label = str(label)
    return label if len(label) <= longest else label[: longest - 1].rstrip() + "…"


def nice_ticks(largest):
    """Steps of 1, 2 or 5 times a power of ten give 4 to 6 round tick values from 0. The axis
    reaches at least 5 so that small counts do not get fractional ticks."""
    largest = max(largest, 5)
    magnitude = 10 ** math.floor(math.log10(largest / 5))
    step = next(multiple * magnitude for multiple in (1, 2, 5, 10) if largest <= 5 * multiple * magnitude)
    return [step * count for count in range(math.ceil(largest / step) + 1)]


def share_of_axis(value, ticks):
    """Clamped so that a stray value below 0 or above 100% cannot draw outside the plot."""
    return min(max(value / ticks[-1], 0), 1)


def format_value(value, percent):
    """Halves round up, as people expect, rather than Python's round-half-to-even. Whole numbers
    show no decimals; fractional rates such as caseload per FTE keep one place."""
    places = "1" if percent or float(value).is_integer() else "0.1"
    text = str(Decimal(str(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP))
    return f"{text}%" if percent else text


def plain_number(value):
    """The exact value for data-value, without float noise such as 75.0 or exponent notation."""
    return format(Decimal(str(value)).normalize(), "f")


def number(value):
    """Coordinates and sizes to one decimal place keep the markup short and the same on every run."""
    return f"{value:.1f}".removesuffix(".0")
