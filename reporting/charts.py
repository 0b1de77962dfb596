"""Server-side SVG charts for the service-manager dashboard.

Charts are drawn on the server so they work without JavaScript, and they are plain SVG with
presentation attributes only, so a Content-Security-Policy that forbids inline styles still
allows them. Each chart is an image with its own title and description for screen readers; the
template shows the same figures in a table below it.
"""

import math
import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from functools import wraps
from itertools import groupby
from typing import Any

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
NOT_AVAILABLE = "not available"

BAR_LABEL_RIGHT = 240
BAR_PLOT_LEFT = 248
BAR_PLOT_RIGHT = 500
ROW_HEIGHT = 28
BAR_HEIGHT = 18
BAR_GAP = 2
GROUP_PADDING = 10
LINE_STEP = 20
VALUE_GAP = 6
CLEARANCE = 2
KEY_SWATCH = 16
# A 390-pixel-wide phone shows the first 360 or so units of a chart before it scrolls sideways
# (a chart is never drawn smaller than 640 px), so a key that fits there is read whole.
KEY_WIDTH = 360

LINE_PLOT_LEFT = 56
LINE_PLOT_RIGHT = 624
LINE_PLOT_HEIGHT = 200
MOST_POINTS_ALL_LABELLED = 12

# A white outline painted under the glyphs keeps text readable where it crosses a line.
HALO = {"stroke": WHITE, "stroke_width": 4, "stroke_linejoin": "round", "paint_order": "stroke"}

# Advance widths in ems of Arial (Liberation Sans in the PDF), rounded up by class of character;
# GDS Transport, the page's font, runs up to a tenth wider, hence WIDER_FONT.
NARROW = frozenset("ijlI.,:;'|!")
SLIGHT = frozenset(" ftr()-/[]")
WIDE = frozenset("mwMW%@")
WIDER_FONT = 1.1
BOLD = 1.08


def text_width(text, font_size=SMALLEST_TEXT, *, bold=False):
    """A width no smaller than the text's rendered width, so that labels placed by it never touch
    what is next to them whichever of the chart's fonts draws them."""
    ems = 0.0
    for character in str(text):
        if character in NARROW:
            ems += 0.3
        elif character in SLIGHT:
            ems += 0.38
        elif character in WIDE:
            ems += 0.95
        elif character.isupper():
            ems += 0.78
        else:
            ems += 0.62
    return ems * font_size * WIDER_FONT * (BOLD if bold else 1)


def text_box(x, baseline, text, anchor="start", font_size=SMALLEST_TEXT, *, bold=False):
    """(left, top, right, bottom) of one line of text: the fonts' ascent (at most 0.97 em, GDS
    Transport's) above the baseline and descent (0.27 em) below it."""
    width = text_width(text, font_size, bold=bold)
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return (left, baseline - 0.97 * font_size, left + width, baseline + 0.27 * font_size)


def wrap(text, width, font_size=SMALLEST_TEXT):
    """Lines of at most `width` units, broken at spaces, or after a hyphen or slash inside a word
    too long for a line; nothing is cut off."""
    lines: list[str] = []
    for word in CONTROL_CHARACTERS.sub("", str(text)).split():
        pieces = re.findall(r"[^-/]+[-/]*|[-/]+", word) if text_width(word, font_size) > width else [word]
        for index, piece in enumerate(pieces):
            joiner = " " if index == 0 else ""
            if lines and text_width(lines[-1] + joiner + piece, font_size) <= width:
                lines[-1] += joiner + piece
            else:
                lines.append(piece)
    return lines or [""]


def multiline_text(lines, *, x, y, step=LINE_STEP, **attributes):
    """One <text> whose later lines are <tspan>s, so a screen reader or a search reads one label."""
    following = "".join(tag("tspan", text_content(line), x=x, dy=step) for line in lines[1:])
    return tag("text", text_content(lines[0]) + following, x=x, y=y, **attributes)


def clear_segments(x, top, bottom, boxes):
    """The parts of the vertical line at `x` from `top` to `bottom` that pass no text box, so a
    grid line stops short of a value written across it instead of running through the figures."""
    segments = [(top, bottom)]
    for left, box_top, right, box_bottom in boxes:
        if left - CLEARANCE <= x <= right + CLEARANCE:
            cut_top, cut_bottom = box_top - CLEARANCE, box_bottom + CLEARANCE
            segments = [
                piece
                for start, end in segments
                for piece in ((start, min(end, cut_top)), (max(start, cut_bottom), end))
                if piece[1] - piece[0] > 0.5
            ]
    return segments


def vertical_rule(x, top, bottom, boxes, **attributes):
    return "".join(
        tag("line", x1=x, y1=start, x2=x, y2=end, **attributes) for start, end in clear_segments(x, top, bottom, boxes)
    )


CHARTS_KEPT = 256
"""Charts a process keeps drawn (drawn_once): the annual report page and the dashboard draw a few
dozen between them."""


def drawn_once(draw: Callable[..., SafeString]) -> Callable[..., SafeString]:
    """A chart is drawn from its arguments alone: one asked for again with the same arguments is
    taken from those last drawn in this process (the annual report page draws fourteen on every
    view, most of them unchanged since the last)."""
    drawn: OrderedDict[str, SafeString] = OrderedDict()

    @wraps(draw)
    def drawing(**arguments: Any) -> SafeString:
        if not _plain(arguments):
            return draw(**arguments)
        key = repr(sorted(arguments.items()))
        if key in drawn:
            drawn.move_to_end(key)
            return drawn[key]
        chart = drawn[key] = draw(**arguments)
        while len(drawn) > CHARTS_KEPT:
            drawn.popitem(last=False)
        return chart

    return drawing


def _plain(value: Any) -> bool:
    """Whether the value is written out whole by repr (an object of another kind may be written
    as its address, which a later object can take)."""
    if value is None or type(value) in (str, int, float, bool, Decimal):
        return True
    if type(value) in (list, tuple):
        return all(_plain(item) for item in value)
    if type(value) is dict:
        return all(type(key) is str and _plain(item) for key, item in value.items())
    return False


@drawn_once
def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    bars: Sequence[tuple[str, float | str | None]],
    value_axis_label: str,
    category_axis_label: str,
    percent: bool = False,
    band: tuple[float, float] | None = None,
    band_label: str = "",
    highlight_above: float | None = None,
    highlight_below: float | None = None,
    compare: Sequence[float | str | None] | None = None,
    series_labels: tuple[str, str] = ("", ""),
) -> SafeString:
    """Horizontal bars, one row per category, so long names such as IROs' full names stay
    readable: a label too long for its column wraps over lines. Bars above `highlight_above` are
    red and also say "(above N)" in their value text, so colour is never the only signal; bars
    below `highlight_below` say "(below N)".

    With `compare` (one value per category, for example last year's) each category has two bars,
    solid blue then outlined black, and a key names them with `series_labels`: the bars differ in
    fill as well as colour. A value that is text (such as "c" for a suppressed figure) or None
    ("not available") is written where its bar would be.

    Each value is written just past the end of its bar, and the value axis stops short enough of
    the right edge for the longest of them; grid lines break around them."""
    series = [[value for _, value in bars]]
    if compare is not None:
        if len(compare) != len(bars):
            raise ValueError("compare needs one value for each bar")
        series.append(list(compare))
    series = [[drawable(value) for value in values] for values in series]
    numbers = [value for values in series for value in values if isinstance(value, float)]
    largest = list(numbers)
    if band:
        largest.append(max(band))
    if highlight_above is not None:
        largest.append(highlight_above)
    ticks = PERCENT_TICKS if percent else nice_ticks(max(largest, default=0))

    def written(value):
        if not isinstance(value, float):
            return value
        text = format_value(value, percent)
        if highlight_above is not None and value > highlight_above:
            return f"{text} (above {format_value(highlight_above, percent)})"
        if highlight_below is not None and value < highlight_below:
            return f"{text} (below {format_value(highlight_below, percent)})"
        return text

    # The axis ends where the widest value, written after the longest bar, still fits the chart.
    plot_right = float(BAR_PLOT_RIGHT)
    for values in series:
        for value in values:
            share = share_of_axis(value, ticks) if isinstance(value, float) else 0
            room = WIDTH - CLEARANCE - VALUE_GAP - text_width(written(value)) - BAR_PLOT_LEFT
            if share > 0:
                plot_right = min(plot_right, BAR_PLOT_LEFT + room / share)

    def x_for(value):
        return BAR_PLOT_LEFT + (plot_right - BAR_PLOT_LEFT) * share_of_axis(value, ticks)

    parts = [tag("text", text_content(category_axis_label), x=0, y=18, font_weight="bold")]
    header_bottom = 32 if category_axis_label else 4
    if band:
        parts += [
            tag("rect", x=0, y=header_bottom, width=KEY_SWATCH, height=KEY_SWATCH, fill=LIGHT_GREY, stroke=MID_GREY),
            tag("text", text_content(band_label), x=24, y=header_bottom + 13),
        ]
        header_bottom += 32
    if compare is not None:
        key, header_bottom = series_key(series_labels, header_bottom)
        parts += key
    plot_top = header_bottom

    rows = []
    y = plot_top
    for label, *values in zip((label for label, _ in bars), *series):
        lines = wrap(label, BAR_LABEL_RIGHT)
        bars_height = len(values) * BAR_HEIGHT + (len(values) - 1) * BAR_GAP
        height = max(ROW_HEIGHT, bars_height + GROUP_PADDING, len(lines) * LINE_STEP + GROUP_PADDING)
        rows.append((label, lines, values, y, height, bars_height))
        y += height
    plot_bottom = y if bars else plot_top + 2 * ROW_HEIGHT

    value_boxes = []
    groups = []
    for label, lines, values, top, height, bars_height in rows:
        middle = top + height / 2
        children = tag("title", text_content(label)) + multiline_text(
            lines, x=BAR_LABEL_RIGHT, y=middle - (len(lines) - 1) * LINE_STEP / 2 + 5, text_anchor="end"
        )
        for index, value in enumerate(values):
            bar_middle = middle - bars_height / 2 + index * (BAR_HEIGHT + BAR_GAP) + BAR_HEIGHT / 2
            text = written(value)
            if isinstance(value, float):
                above = highlight_above is not None and value > highlight_above
                children += bar(
                    top=bar_middle - BAR_HEIGHT / 2,
                    width=x_for(value) - BAR_PLOT_LEFT,
                    outlined=index > 0,
                    fill=RED if above else BLUE,
                    data_value=plain_number(value),
                )
                value_x = x_for(value) + VALUE_GAP
            else:
                value_x = BAR_PLOT_LEFT + VALUE_GAP
            value_boxes.append(text_box(value_x, bar_middle + 5, text))
            children += tag("text", text_content(text), x=value_x, y=bar_middle + 5)
        groups.append(tag("g", children))

    rules = [
        vertical_rule(x_for(low_or_high), plot_top, plot_bottom, value_boxes, stroke=MID_GREY)
        for low_or_high in (sorted(band) if band else [])
    ]
    if band:
        low, high = sorted(band)
        parts.append(
            tag(
                "rect",
                x=x_for(low),
                y=plot_top,
                width=x_for(high) - x_for(low),
                height=plot_bottom - plot_top,
                fill=LIGHT_GREY,
            )
        )
    parts += rules
    for tick in ticks:
        parts += [
            vertical_rule(x_for(tick), plot_top, plot_bottom, value_boxes, stroke=MID_GREY),
            tag(
                "text",
                text_content(format_value(tick, percent)),
                x=x_for(tick),
                y=plot_bottom + 20,
                text_anchor="middle",
            ),
        ]
    parts += groups
    parts += [
        tag("line", x1=BAR_PLOT_LEFT, y1=plot_bottom, x2=plot_right, y2=plot_bottom, stroke=BLACK),
        tag(
            "text",
            text_content(value_axis_label),
            x=(BAR_PLOT_LEFT + plot_right) / 2,
            y=plot_bottom + 44,
            text_anchor="middle",
        ),
    ]
    if not bars:
        parts.append(
            tag(
                "text",
                text_content(NO_DATA),
                x=(BAR_PLOT_LEFT + plot_right) / 2,
                y=(plot_top + plot_bottom) / 2 + 5,
                text_anchor="middle",
                **HALO,
            )
        )
    return svg_document(chart_id, title, description, plot_bottom + 56, parts)


def bar(*, top, width, outlined, fill, **data):
    """A solid bar, or an outlined one whose 2-unit outline lies inside its extent, so both kinds
    end exactly at their value; an outlined bar narrower than its outline is a black sliver."""
    if not outlined:
        return tag("rect", x=BAR_PLOT_LEFT, y=top, width=width, height=BAR_HEIGHT, fill=fill, **data)
    if width < 2:
        return tag("rect", x=BAR_PLOT_LEFT, y=top, width=width, height=BAR_HEIGHT, fill=BLACK, **data)
    return tag(
        "rect",
        x=BAR_PLOT_LEFT + 1,
        y=top + 1,
        width=width - 2,
        height=BAR_HEIGHT - 2,
        fill=WHITE,
        stroke=BLACK,
        stroke_width=2,
        **data,
    )


def drawable(value):
    """A number to draw as a bar; text to write in its place; None is "not available"."""
    if value is None:
        return NOT_AVAILABLE
    if isinstance(value, str):
        return value
    return float(value)


def series_key(labels, top):
    """The key of a two-series bar chart: a swatch shaped like each series' bars (solid, outlined)
    and its name in words, side by side where they fit a phone's width and one above the other
    where not."""
    looks = [{"fill": BLUE}, {"fill": WHITE, "stroke": BLACK, "stroke_width": 2}]
    entries = [(look, str(label)) for look, label in zip(looks, labels)]
    widths = [KEY_SWATCH + 8 + text_width(label) for _, label in entries]
    side_by_side = sum(widths) + 24 <= KEY_WIDTH
    parts, x, y = [], 0.0, top
    for (look, label), width in zip(entries, widths):
        parts += [
            tag("rect", x=x + 1, y=y + 1, width=KEY_SWATCH - 2, height=KEY_SWATCH - 2, data_key=label, **look),
            tag("text", text_content(label), x=x + KEY_SWATCH + 8, y=y + 13),
        ]
        if side_by_side:
            x += width + 24
        else:
            y += 24
    return parts, (top + 32 if side_by_side else y + 8)


@drawn_once
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
    series_label: str = "",
    more_series: Sequence[tuple[str, Sequence[float | None]]] = (),
) -> SafeString:
    """A trend over months or quarters. A period with no data (None) breaks the line rather than
    being bridged, which would imply a trend nobody measured; with one line it says "no reviews".
    Percentages are drawn on a 0 to 100% axis, counts on one from 0.

    `more_series` adds lines, each named and with one value per point; the lines differ in colour,
    dash and marker shape, and a key names each in words (`series_label` names the first). Every
    point's value is written beside it, above or else below it where another series' value is in
    the way; a value with room neither side keeps it in the point's title and the table."""
    points = [(label, None if value is None else float(value)) for label, value in points]
    labels = [label for label, _ in points]
    lines = [(series_label, [value for _, value in points])]
    for name, values in more_series:
        if len(values) != len(points):
            raise ValueError(f"series {name!r} needs one value for each point")
        lines.append((name, [None if value is None else float(value) for value in values]))
    largest = [value for _, values in lines for value in values if value is not None]
    if target is not None:
        largest.append(target)
    ticks = PERCENT_TICKS if percent else nice_ticks(max(largest, default=0))
    keyed = len(lines) > 1 or bool(series_label)

    parts = [tag("text", text_content(y_axis_label), x=0, y=18, font_weight="bold")]
    header_bottom = 28
    if target is not None:
        parts += [
            tag("line", x1=0, y1=40, x2=24, y2=40, stroke=DARK_GREY, stroke_width=2, stroke_dasharray="6 4"),
            tag("text", text_content(target_label), x=32, y=45),
        ]
        header_bottom = 52
    if keyed:
        key, header_bottom = line_key([name for name, _ in lines], header_bottom)
        parts += key
    plot_top = header_bottom + 24
    plot_bottom = plot_top + LINE_PLOT_HEIGHT
    plot_middle = (LINE_PLOT_LEFT + LINE_PLOT_RIGHT) / 2
    slot_width = (LINE_PLOT_RIGHT - LINE_PLOT_LEFT) / max(len(points), 1)
    crowded = len(points) > MOST_POINTS_ALL_LABELLED
    labelled = [index for index in range(len(points)) if not (crowded and index % 2)]
    point_lines = [wrap(label, slot_width * (2 if crowded else 1) - 4) for label in labels]
    label_rows = max((len(point_lines[index]) for index in labelled), default=1)

    def x_for(index):
        return LINE_PLOT_LEFT + slot_width * (index + 0.5)

    def y_for(value):
        return plot_bottom - LINE_PLOT_HEIGHT * share_of_axis(value, ticks)

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
    for number_of_series, (_, values) in enumerate(lines):
        style = LINE_STYLES[number_of_series % len(LINE_STYLES)]
        for has_value, group in groupby(range(len(values)), key=lambda index: values[index] is not None):
            run = list(group)
            if has_value and len(run) > 1:
                coordinates = " ".join(f"{number(x_for(index))},{number(y_for(values[index]))}" for index in run)
                parts.append(tag("polyline", points=coordinates, fill="none", stroke_width=3, **style["line"]))

    placed = (
        [
            text_box(x_for(index), plot_bottom + 20 + row * LINE_STEP, line, "middle")
            for index in labelled
            for row, line in enumerate(point_lines[index])
        ]
        + [
            (x_for(index) - 5.5, y_for(value) - 5.5, x_for(index) + 5.5, y_for(value) + 5.5)
            for _, values in lines
            for index, value in enumerate(values)
            if value is not None
        ]
        + [text_box(LINE_PLOT_LEFT - 8, y_for(tick) + 5, format_value(tick, percent), "end") for tick in ticks]
    )
    value_positions = {}
    for index in labelled:
        column = sorted(
            (y_for(values[index]), number_of_series)
            for number_of_series, (_, values) in enumerate(lines)
            if values[index] is not None
        )
        for y, number_of_series in column:
            text = format_value(lines[number_of_series][1][index], percent)
            x = x_for(index)
            for position in ((x, y - 11, "middle"), (x, y + 22, "middle"), (x + 9, y + 5, "start")):
                box = text_box(position[0], position[1], text, position[2])
                fits = 0 <= box[0] and box[2] <= WIDTH and box[3] <= plot_bottom
                if fits and not any(overlap(box, other) for other in placed):
                    placed.append(box)
                    value_positions[number_of_series, index] = position
                    break

    for number_of_series, (name, values) in enumerate(lines):
        style = LINE_STYLES[number_of_series % len(LINE_STYLES)]
        for index, (label, value) in enumerate(zip(labels, values)):
            value_text = (
                ("no reviews" if len(lines) == 1 else "no figure") if value is None else format_value(value, percent)
            )
            children = tag("title", text_content(f"{name + ', ' if name else ''}{label}: {value_text}"))
            if value is None and len(lines) == 1:
                children += tag(
                    "text",
                    text_content(value_text),
                    x=x_for(index) + 4,
                    y=plot_bottom - 6,
                    transform=f"rotate(-90 {number(x_for(index) + 4)} {plot_bottom - 6})",
                    **HALO,
                )
            elif value is not None:
                children += marker(style["marker"], x_for(index), y_for(value), style["colour"], plain_number(value))
                if (number_of_series, index) in value_positions:
                    x, y, anchor = value_positions[number_of_series, index]
                    children += tag("text", text_content(value_text), x=x, y=y, text_anchor=anchor, **HALO)
            if number_of_series == 0 and index in labelled:
                children += multiline_text(point_lines[index], x=x_for(index), y=plot_bottom + 20, text_anchor="middle")
            parts.append(tag("g", children))
    axis_label_y = plot_bottom + 20 + label_rows * LINE_STEP + 24
    parts.append(tag("text", text_content(x_axis_label), x=plot_middle, y=axis_label_y, text_anchor="middle"))
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
    return svg_document(chart_id, title, description, axis_label_y + 12, parts)


# Blue and black differ from white and from each other by at least 3:1 contrast; a third or
# fourth line differs from these by its dash and its marker's shape, which the key shows too.
LINE_STYLES: list[dict[str, Any]] = [
    {"colour": BLUE, "marker": "circle", "line": {"stroke": BLUE}},
    {"colour": BLACK, "marker": "square", "line": {"stroke": BLACK, "stroke_dasharray": "8 4"}},
    {"colour": BLUE, "marker": "triangle", "line": {"stroke": BLUE, "stroke_dasharray": "2 4"}},
    {"colour": BLACK, "marker": "diamond", "line": {"stroke": BLACK, "stroke_dasharray": "12 4 2 4"}},
]


def marker(shape, x, y, colour, value=None):
    """A point's marker, about 9 units across whatever its shape."""
    data = {} if value is None else {"data_value": value}
    if shape == "circle":
        return tag("circle", cx=x, cy=y, r=4, fill=colour, **data)
    if shape == "square":
        return tag("rect", x=x - 4, y=y - 4, width=8, height=8, fill=colour, **data)
    corners = {
        "triangle": [(0, -5.5), (5, 4), (-5, 4)],
        "diamond": [(0, -5.5), (5.5, 0), (0, 5.5), (-5.5, 0)],
    }[shape]
    return tag(
        "polygon", points=" ".join(f"{number(x + dx)},{number(y + dy)}" for dx, dy in corners), fill=colour, **data
    )


def line_key(names, top):
    """A key to the lines: a stretch of each line with its marker, and its name in words, as many
    to a row as fit a phone's width."""
    parts, x, y = [], 0.0, top
    for number_of_series, name in enumerate(names):
        style = LINE_STYLES[number_of_series % len(LINE_STYLES)]
        width = 40 + text_width(name)
        if x and x + width > KEY_WIDTH:
            x, y = 0.0, y + 24
        parts.append(
            tag(
                "g",
                tag("line", x1=x, y1=y + 8, x2=x + 32, y2=y + 8, stroke_width=3, **style["line"])
                + marker(style["marker"], x + 16, y + 8, style["colour"])
                + tag("text", text_content(name), x=x + 40, y=y + 13),
                data_key=name,
            )
        )
        x += width + 24
    return parts, y + 24


def overlap(first, second):
    """Whether two (left, top, right, bottom) boxes share any area."""
    return first[0] < second[2] and second[0] < first[2] and first[1] < second[3] and second[1] < first[3]


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
    show no decimals; fractional rates such as caseload per FTE keep one place. Thousands are
    separated by commas, as in the tables beside the charts."""
    places = "1" if percent or float(value).is_integer() else "0.1"
    text = f"{Decimal(str(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP):,}"
    return f"{text}%" if percent else text


def plain_number(value):
    """The exact value for data-value, without float noise such as 75.0 or exponent notation."""
    return format(Decimal(str(value)).normalize(), "f")


def number(value):
    """Coordinates and sizes to one decimal place keep the markup short and the same on every run."""
    return f"{value:.1f}".removesuffix(".0")
