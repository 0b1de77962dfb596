"""The dashboard's SVG charts: readable by screen readers, safe to embed, honest about gaps."""

import functools
import re
import xml.etree.ElementTree as ElementTree
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from fontTools.ttLib import TTFont

from children.codes import LegalStatus
from reporting.charts import bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"
BLUE = "#1d70b8"
RED = "#d4351c"
MONTHS = ["Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"]


def caseload_chart(bars, **options):
    arguments = {
        "chart_id": "caseload",
        "title": "Children per full-time IRO",
        "description": "Caseload per FTE for each IRO on 31 March 2027.",
        "bars": bars,
        "value_axis_label": "Children per FTE",
        "category_axis_label": "IRO",
    } | options
    return bar_chart(**arguments)


def timeliness_chart(points, **options):
    arguments = {
        "chart_id": "timeliness",
        "title": "LAC reviews held in timescale",
        "description": "Percentage of reviews held in timescale each month.",
        "points": points,
        "x_axis_label": "Month",
        "y_axis_label": "Held in timescale",
    } | options
    return line_chart(**arguments)


def months(values):
    return [(f"{month} 2026", value) for month, value in zip(MONTHS, values)]


def parse(svg):
    return ElementTree.fromstring(str(svg))


def joined(lines):
    """A wrapped label's lines read as one: lines meet at a space, or straight after a hyphen or
    slash where a word too long for a line was broken."""
    return re.sub(r"(?<=[-/]) ", "", " ".join(line.strip() for line in lines))


def texts(root):
    """What a sighted user reads: each <text>, with stacked lines joined by a space."""
    return [joined(element.itertext()) for element in root.iter(f"{SVG}text")]


def bar_groups(root):
    """Each bar's group, keyed by the full category label in its <title>."""
    groups = (group for group in root.iter(f"{SVG}g") if group.find(f"{SVG}rect") is not None)
    return {group.find(f"{SVG}title").text: group for group in groups}


def value_text(group):
    """The figure written at the end of a bar."""
    return group.findall(f"{SVG}text")[-1].text


def tick_labels(root, anchor):
    """Axis tick values: numbers written with the axis's text-anchor ("middle" under bars, "end" left of lines)."""
    return [
        element.text
        for element in root.iter(f"{SVG}text")
        if element.get("text-anchor") == anchor and re.fullmatch(r"[\d,]+%?", element.text or "")
    ]


ALL_CHARTS = {
    "caseload-band": caseload_chart(
        [("Iris Reviewer", 75), ("Sam Patel", 48)],
        chart_id="caseload-band",
        band=(50, 70),
        band_label="IRO Handbook range 50 to 70",
        highlight_above=70,
    ),
    "caseload-empty": caseload_chart([], chart_id="caseload-empty"),
    "timeliness-2026": timeliness_chart(
        months([87, None, 100]), chart_id="timeliness-2026", target=95, target_label="Target 95%"
    ),
    "timeliness-empty": timeliness_chart([], chart_id="timeliness-empty"),
}
every_chart = pytest.mark.parametrize("chart_id, svg", ALL_CHARTS.items(), ids=list(ALL_CHARTS))


@every_chart
def test_screen_readers_announce_the_title_and_description(chart_id, svg):
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == f"{chart_id}-title {chart_id}-desc"
    assert root.get("focusable") == "false"
    assert root.get("class") == "app-chart"
    first, second = list(root)[:2]
    assert (first.tag, first.get("id")) == (f"{SVG}title", f"{chart_id}-title")
    assert (second.tag, second.get("id")) == (f"{SVG}desc", f"{chart_id}-desc")


def test_title_and_description_carry_the_callers_words():
    root = parse(caseload_chart([("Iris Reviewer", 75)]))
    assert root.find(f"{SVG}title").text == "Children per full-time IRO"
    assert root.find(f"{SVG}desc").text == "Caseload per FTE for each IRO on 31 March 2027."


@every_chart
def test_uses_the_gds_font_and_a_fixed_width(chart_id, svg):
    root = parse(svg)
    assert root.get("font-family") == "GDS Transport, arial, sans-serif"
    assert root.get("viewBox").startswith("0 0 640 ")


@pytest.mark.parametrize(
    "chart_id", ["", "Caseload", "1-caseload", "case load", "caseload\n", 'x" onload="a', "caseload_chart", None]
)
@pytest.mark.parametrize(
    "draw",
    [
        lambda chart_id: caseload_chart([("A", 1)], chart_id=chart_id),
        lambda chart_id: timeliness_chart(months([90]), chart_id=chart_id),
    ],
    ids=["bar", "line"],
)
def test_a_chart_id_that_could_break_the_ids_is_refused(chart_id, draw):
    with pytest.raises(ValueError):
        draw(chart_id)


def test_a_long_label_wraps_over_lines_and_is_never_cut_short():
    long_name = "Alexandra Montgomery-Fitzwilliam (agency)"
    root = parse(caseload_chart([(long_name, 40)]))
    label = bar_groups(root)[long_name].find(f"{SVG}text")
    lines = [label.text, *(line.text for line in label.findall(f"{SVG}tspan"))]
    assert len(lines) > 1
    assert joined(lines) == long_name
    assert "…" not in str(caseload_chart([(long_name, 40)]))
    assert {line.get("x") for line in label.findall(f"{SVG}tspan")} == {label.get("x")}


def test_a_label_of_28_characters_is_drawn_in_full():
    name = "Bartholomew Okonkwo-Fairfaxe"
    assert len(name) == 28
    assert name in texts(parse(caseload_chart([(name, 40)])))


@every_chart
def test_no_styles_scripts_or_external_references(chart_id, svg):
    """A Content-Security-Policy without 'unsafe-inline' must not block or break the chart."""
    root = parse(svg)
    for element in root.iter():
        assert element.tag.removeprefix(SVG) not in {"style", "script", "image", "use", "a", "foreignObject"}
        assert "style" not in element.attrib
        assert not any(name.startswith("on") or "href" in name for name in element.attrib)
    assert "url(" not in str(svg)


def test_labels_are_escaped_and_read_back_exactly():
    hostile = "<script>alert(1)</script>"
    svg = caseload_chart(
        [(hostile, 10), ("O'Brien & Co", 20)],
        title="Caseload <b>now</b>",
        description="Tom & Jerry's team",
        category_axis_label="IRO <i>",
        band=(5, 8),
        band_label="Range <5 & 8>",
    )
    assert "<script>" not in svg
    root = parse(svg)
    assert root.find(f"{SVG}title").text == "Caseload <b>now</b>"
    assert root.find(f"{SVG}desc").text == "Tom & Jerry's team"
    assert {hostile, "O'Brien & Co", "IRO <i>", "Range <5 & 8>"} <= set(texts(root))
    assert set(bar_groups(root)) == {hostile, "O'Brien & Co"}


def test_line_chart_labels_are_escaped():
    svg = timeliness_chart(
        [("<Apr>", 50), ("May & June", 60)],
        x_axis_label="<x>",
        y_axis_label="y & z",
        target=90,
        target_label="Target <90%>",
    )
    root = parse(svg)
    assert {"<Apr>", "May & June", "<x>", "y & z", "Target <90%>"} <= set(texts(root))


def test_control_characters_in_a_name_do_not_break_the_chart():
    root = parse(caseload_chart([("Sam\x0bPatel\x00", 12)]))
    assert "SamPatel" in texts(root)


def test_templates_render_the_chart_as_markup_not_text():
    html = Template("{{ chart }}").render(Context({"chart": caseload_chart([("O'Brien & Co", 20)])}))
    assert html.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert "O&#x27;Brien &amp; Co" in html


def test_one_bar_per_category_with_its_value_written_beside_it():
    root = parse(caseload_chart([("Iris Reviewer", 41), ("Sam Patel", 62.5), ("Jo Smith", 0)]))
    bars = root.findall(f".//{SVG}rect[@data-value]")
    assert [bar.get("data-value") for bar in bars] == ["41", "62.5", "0"]
    assert [value_text(group) for group in bar_groups(root).values()] == ["41", "62.5", "0"]
    assert {bar.get("fill") for bar in bars} == {BLUE}
    assert {"IRO", "Children per FTE"} <= set(texts(root))


def test_a_longer_bar_means_a_bigger_number():
    root = parse(caseload_chart([("A", 20), ("B", 40), ("C", 80)]))
    widths = [float(bar.get("width")) for bar in root.findall(f".//{SVG}rect[@data-value]")]
    assert widths[0] < widths[1] < widths[2]
    assert widths[1] == pytest.approx(2 * widths[0])


@pytest.mark.parametrize(
    "value, written", [(62.5, "62.5"), (62.0, "62"), (62.25, "62.3"), (Decimal("62.50"), "62.5"), (12, "12")]
)
def test_whole_numbers_show_no_decimals_and_rates_one_place(value, written):
    root = parse(caseload_chart([("Iris Reviewer", value)]))
    assert value_text(bar_groups(root)["Iris Reviewer"]) == written


def test_a_caseload_above_the_band_is_red_and_says_so_in_words():
    root = parse(
        caseload_chart(
            [("Over", 75), ("At the top", 70), ("Inside", 55), ("Under", 40)],
            band=(50, 70),
            band_label="IRO Handbook range 50 to 70",
            highlight_above=70,
        )
    )
    groups = bar_groups(root)
    assert value_text(groups["Over"]) == "75 (above 70)"
    assert groups["Over"].find(f"{SVG}rect").get("fill") == RED
    for name, value in [("At the top", "70"), ("Inside", "55"), ("Under", "40")]:
        assert value_text(groups[name]) == value
        assert groups[name].find(f"{SVG}rect").get("fill") == BLUE
    assert str(caseload_chart([("Over", 75)], highlight_above=70)).count(RED) == 1


def test_a_caseload_below_the_band_says_so_in_words_but_stays_blue():
    root = parse(
        caseload_chart(
            [("Over", 75), ("At the bottom", 50), ("Under", 40)], band=(50, 70), highlight_above=70, highlight_below=50
        )
    )
    groups = bar_groups(root)
    assert [value_text(group) for group in groups.values()] == ["75 (above 70)", "50", "40 (below 50)"]
    assert [group.find(f"{SVG}rect").get("fill") for group in groups.values()] == [RED, BLUE, BLUE]
    assert value_text(bar_groups(parse(caseload_chart([("Under", 40)], band=(50, 70))))["Under"]) == "40"


def test_the_band_is_shaded_on_the_value_axis_and_labelled():
    root = parse(caseload_chart([("Iris Reviewer", 20)], band=(50, 70), band_label="IRO Handbook range 50 to 70"))
    assert "IRO Handbook range 50 to 70" in texts(root)
    shaded = [rect for rect in root.iter(f"{SVG}rect") if rect.get("fill") == "#f3f2f1"]
    swatch, band = sorted(shaded, key=lambda rect: float(rect.get("width")))
    assert swatch.get("stroke") == "#b1b4b6"
    tick_x = {text.text: float(text.get("x")) for text in root.iter(f"{SVG}text") if text.text in {"0", "80"}}
    per_child = (tick_x["80"] - tick_x["0"]) / 80
    assert float(band.get("x")) == pytest.approx(tick_x["0"] + 50 * per_child, abs=0.1)
    assert float(band.get("width")) == pytest.approx(20 * per_child, abs=0.2)
    edges = {round(float(line.get("x1")), 1) for line in root.iter(f"{SVG}line") if line.get("stroke") == "#b1b4b6"}
    assert {round(tick_x["0"] + 50 * per_child, 1), round(tick_x["0"] + 70 * per_child, 1)} <= edges


def test_the_axis_reaches_the_band_and_threshold_even_when_every_caseload_is_small():
    root = parse(caseload_chart([("Iris Reviewer", 12)], band=(50, 70), highlight_above=70))
    assert tick_labels(root, "middle") == ["0", "20", "40", "60", "80"]


@pytest.mark.parametrize(
    "largest, expected",
    [
        (75, ["0", "20", "40", "60", "80"]),
        (100, ["0", "20", "40", "60", "80", "100"]),
        (49.9, ["0", "10", "20", "30", "40", "50"]),
        (51, ["0", "20", "40", "60"]),
        (3, ["0", "1", "2", "3", "4", "5"]),
        (1234, ["0", "500", "1,000", "1,500"]),
    ],
)
def test_the_value_axis_has_four_to_six_round_ticks_from_zero(largest, expected):
    root = parse(caseload_chart([("Iris Reviewer", largest)]))
    assert tick_labels(root, "middle") == expected


def test_the_longest_bar_fits_inside_the_axis_with_its_value_after_it_and_its_label_before_it():
    root = parse(caseload_chart([("Independent Reviewing Officer", 1234), ("Sam Patel", 5)], highlight_above=1000))
    group = bar_groups(root)["Independent Reviewing Officer"]
    label, value = group.findall(f"{SVG}text")
    bar = group.find(f"{SVG}rect")
    bar_end = float(bar.get("x")) + float(bar.get("width"))
    axis_end = max(float(line.get("x2")) for line in root.iter(f"{SVG}line"))
    assert label.get("text-anchor") == "end" and float(label.get("x")) < float(bar.get("x"))
    assert bar_end <= axis_end
    assert float(value.get("x")) > bar_end
    assert value.text == "1,234 (above 1,000)"


def test_drawn_in_the_gov_uk_palette():
    bars = parse(caseload_chart([("Iris Reviewer", 40)]))
    line = parse(timeliness_chart(months([80, 90])))
    assert bars.get("fill") == line.get("fill") == "#0b0c0c"
    assert {rule.get("stroke") for rule in bars.iter(f"{SVG}line")} == {"#b1b4b6", "#0b0c0c"}
    assert line.find(f".//{SVG}polyline").get("stroke") == BLUE
    assert {marker.get("fill") for marker in line.iter(f"{SVG}circle")} == {BLUE}


def test_percentages_use_a_fixed_0_to_100_axis_and_round_halves_up():
    root = parse(caseload_chart([("LAC reviews", 86.5), ("ICPCs", 100), ("RCPCs", 33.4)], percent=True))
    assert tick_labels(root, "middle") == ["0%", "25%", "50%", "75%", "100%"]
    assert [value_text(group) for group in bar_groups(root).values()] == ["87%", "100%", "33%"]


def test_a_percentage_above_the_threshold_says_so_as_a_percentage():
    root = parse(caseload_chart([("LAC reviews", 96)], percent=True, highlight_above=90))
    assert value_text(bar_groups(root)["LAC reviews"]) == "96% (above 90%)"


def test_the_chart_grows_taller_with_each_category():
    def height(count):
        root = parse(caseload_chart([(f"IRO {number}", 10) for number in range(count)]))
        return float(root.get("viewBox").split()[3])

    assert height(10) - height(5) == pytest.approx(5 * (height(2) - height(1)))
    assert height(2) > height(1)


def test_no_data_draws_the_axis_and_says_so():
    root = parse(caseload_chart([]))
    assert "No data for this period" in texts(root)
    assert root.findall(f".//{SVG}rect[@data-value]") == []
    assert tick_labels(root, "middle") == ["0", "1", "2", "3", "4", "5"]


def test_all_zero_caseloads_draw_empty_bars_without_failing():
    root = parse(caseload_chart([("Iris Reviewer", 0), ("Sam Patel", 0)]))
    assert [bar.get("width") for bar in root.findall(f".//{SVG}rect[@data-value]")] == ["0", "0"]
    assert "No data for this period" not in texts(root)


def test_the_same_figures_always_draw_the_same_chart():
    bars = [("Iris Reviewer", 62.5), ("Sam Patel", 1 / 3)]
    assert caseload_chart(bars) == caseload_chart(bars)


def test_each_month_has_a_marker_and_its_percentage_written_above_it():
    root = parse(timeliness_chart(months([87, 90.4, 100])))
    markers = root.findall(f".//{SVG}circle")
    assert [marker.get("data-value") for marker in markers] == ["87", "90.4", "100"]
    assert {"87%", "90%", "100%", "Apr 2026", "May 2026", "Jun 2026"} <= set(texts(root))
    assert tick_labels(root, "end") == ["0%", "25%", "50%", "75%", "100%"]
    assert len(root.findall(f".//{SVG}polyline")) == 1


def test_a_higher_percentage_is_drawn_higher():
    root = parse(timeliness_chart(months([25, 50, 100])))
    heights = [float(marker.get("cy")) for marker in root.iter(f"{SVG}circle")]
    assert heights[0] > heights[1] > heights[2]


def test_a_month_with_no_reviews_breaks_the_line_instead_of_bridging_it():
    root = parse(timeliness_chart(months([80, 85, None, 90, 95, None, 70])))
    segments = [segment.get("points").split() for segment in root.iter(f"{SVG}polyline")]
    assert [len(segment) for segment in segments] == [2, 2]
    assert len(root.findall(f".//{SVG}circle")) == 5
    assert texts(root).count("no reviews") == 2
    june = next(group for group in root.iter(f"{SVG}g") if group.find(f"{SVG}title").text.startswith("Jun 2026"))
    assert june.find(f"{SVG}circle") is None
    assert june.find(f"{SVG}title").text == "Jun 2026: no reviews"


def test_a_single_month_is_a_marker_without_a_line():
    root = parse(timeliness_chart(months([90])))
    assert len(root.findall(f".//{SVG}circle")) == 1
    assert root.findall(f".//{SVG}polyline") == []


def test_every_month_is_labelled_up_to_a_year_then_every_other_month():
    """Labels stay 16 units high, so past a year every other month and its value are written; the
    rest keep their value in the point's title (and the table beside the chart)."""
    a_year = parse(timeliness_chart(months([90] * 12)))
    assert sum(text.startswith(tuple(MONTHS)) for text in texts(a_year)) == 12
    assert texts(a_year).count("90%") == 12
    two_years = [(f"{month} {year}", 90) for year in (2025, 2026) for month in MONTHS]
    root = parse(timeliness_chart(two_years))
    labelled = [text for text in texts(root) if text.startswith(tuple(MONTHS))]
    assert labelled == [label for label, _ in two_years[::2]]
    assert texts(root).count("90%") == 12
    assert [group.find(f"{SVG}title").text for group in root.iter(f"{SVG}g")] == [
        f"{label}: 90%" for label, _ in two_years
    ]


def test_the_target_is_a_dashed_line_with_its_label():
    root = parse(timeliness_chart(months([87, 90]), target=95, target_label="Target 95%"))
    assert "Target 95%" in texts(root)
    dashed = [line for line in root.iter(f"{SVG}line") if line.get("stroke-dasharray")]
    assert {line.get("stroke") for line in dashed} == {"#505a5f"}
    target_line = max(dashed, key=lambda line: float(line.get("x2")) - float(line.get("x1")))
    gridlines = sorted(float(line.get("y1")) for line in root.iter(f"{SVG}line") if line.get("stroke") == "#b1b4b6")
    hundred, zero = gridlines[0], gridlines[-1]
    assert float(target_line.get("y1")) == float(target_line.get("y2"))
    assert float(target_line.get("y1")) == pytest.approx(zero + 0.95 * (hundred - zero), abs=0.1)


def test_counts_get_round_ticks_from_zero_instead_of_percentages():
    root = parse(timeliness_chart(months([12, 31, 18]), percent=False, y_axis_label="Reviews held"))
    assert tick_labels(root, "end") == ["0", "10", "20", "30", "40"]
    assert {"12", "31", "18"} <= set(texts(root))


def test_no_months_says_there_is_no_data():
    root = parse(timeliness_chart([]))
    assert "No data for this period" in texts(root)
    assert root.findall(f".//{SVG}circle") == []


def test_months_with_no_reviews_at_all_draw_no_line_and_do_not_fail():
    root = parse(timeliness_chart(months([None, None]), percent=False))
    assert root.findall(f".//{SVG}polyline") == []
    assert texts(root).count("no reviews") == 2


@every_chart
def test_no_text_is_smaller_than_16_units(chart_id, svg):
    """The page never shows a chart narrower than its 640 units, so each unit is at least a pixel."""
    root = parse(svg)

    def sizes(element, inherited):
        size = float(element.get("font-size", inherited))
        if element.tag in (f"{SVG}text", f"{SVG}tspan"):
            yield size
        for child in element:
            yield from sizes(child, size)

    found = list(sizes(root, 0))
    assert found and min(found) >= 16, sorted(set(found))


# What a reader sees, measured with the fonts that draw the charts: Liberation Sans (the PDF's
# Arial) and GDS Transport (the page's), whichever is wider or taller.
FONTS = [
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "node_modules/govuk-frontend/dist/govuk/assets/fonts/light-f591b13f7d-v2.woff",
    "node_modules/govuk-frontend/dist/govuk/assets/fonts/bold-affa96571d-v2.woff",
]
THIS_YEAR, LAST_YEAR = "April 2025 to March 2026", "April 2024 to March 2025"
LEGAL_STATUSES = [(f"{code}: {label}", value) for (code, label), value in zip(LegalStatus.choices, range(0, 900, 61))]


@functools.cache
def fonts():
    """GDS Transport comes with GOV.UK Frontend; Liberation Sans is measured where it is installed
    (scripts/setup installs it as root, and the PDF falls back to another sans-serif without it)."""
    opened = []
    for path in FONTS:
        if not (Path(settings.BASE_DIR) / path).exists() and path.startswith("/usr/"):
            continue
        font = TTFont(Path(settings.BASE_DIR) / path)
        units = font["head"].unitsPerEm
        opened.append(
            (
                "Bold" in path or "bold" in path,
                font.getBestCmap(),
                font["hmtx"],
                units,
                font["hhea"].ascent / units,
                -font["hhea"].descent / units,
            )
        )
    return opened


def line_box(text, x, baseline, anchor, size, bold):
    """(left, top, right, bottom) of one line of text in the widest and tallest of the fonts."""
    shapes = [
        (sum(metrics[cmap[ord(character)]][0] for character in text) / units * size, ascent, descent)
        for is_bold, cmap, metrics, units, ascent, descent in fonts()
        if is_bold == bold
    ]
    width = max(width for width, _, _ in shapes)
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return (
        left,
        baseline - max(a for _, a, _ in shapes) * size,
        left + width,
        baseline + max(d for _, _, d in shapes) * size,
    )


def text_boxes(root):
    """Every line of text drawn, as (text, box); rotated text is left out."""
    boxes = []
    for element in root.iter(f"{SVG}text"):
        if element.get("transform"):
            continue
        size = float(element.get("font-size", root.get("font-size")))
        bold = element.get("font-weight") == "bold"
        anchor = element.get("text-anchor", "start")
        x, y = float(element.get("x")), float(element.get("y"))
        lines = [(element.text or "", x, y)]
        for span in element.findall(f"{SVG}tspan"):
            y += float(span.get("dy", 0))
            lines.append((span.text or "", float(span.get("x", x)), y))
        boxes += [(text, line_box(text, x, y, anchor, size, bold)) for text, x, y in lines if text]
    return boxes


def overlaps(first, second):
    return first[0] < second[2] and second[0] < first[2] and first[1] < second[3] and second[1] < first[3]


def rect_box(rect):
    x, y = float(rect.get("x")), float(rect.get("y"))
    return (x, y, x + float(rect.get("width")), y + float(rect.get("height")))


def value_boxes(root):
    """The value written at the end of each bar, as a box."""
    boxes = []
    for group in bar_groups(root).values():
        label_and_values = group.findall(f"{SVG}text")
        for element in label_and_values[1:]:
            boxes += [box for text, box in text_boxes(ElementTree.fromstring(wrapped(element))) if text]
    return boxes


def wrapped(element):
    """One <text> on its own, inside an <svg> with the chart's font size."""
    return f'<svg xmlns="http://www.w3.org/2000/svg" font-size="16">{ElementTree.tostring(element).decode()}</svg>'


def last_year_chart(bars, compare, **options):
    return caseload_chart(
        bars, compare=compare, series_labels=(THIS_YEAR, LAST_YEAR), category_axis_label="", **options
    )


CROWDED_BAR_CHARTS = {
    "legal-status": last_year_chart(LEGAL_STATUSES, [value for _, value in reversed(LEGAL_STATUSES)]),
    "small-zero-and-largest": last_year_chart(
        [("Under 1", 0), ("1 to 4", 1), ("5 to 9", 999), ("10 to 15", 1000), ("16 and over", 4)],
        [1000, 0, 3, "c", None],
    ),
    "percentages": last_year_chart([("Reviews in timescale", 100), ("Participation", 0.4)], [99.6, 100], percent=True),
    "caseload-band": ALL_CHARTS["caseload-band"],
    "caseload-outside-the-band": caseload_chart(
        [("Alexandra Montgomery-Fitzwilliam (agency)", 48), ("Sam Patel", 71), ("Jo Smith", 52), ("Ann Lee", 0)],
        band=(50, 70),
        band_label="IRO Handbook range 50 to 70",
        highlight_above=70,
        highlight_below=50,
    ),
}
CROWDED_CHARTS = CROWDED_BAR_CHARTS | {
    "one-month-of-each": timeliness_chart(months([87, None, 100, 0, 50, 100, 99, 98, 97, 96, 95, 94])),
    "quarters-two-years": timeliness_chart(
        [("Apr to Jun 2025", 96), ("Jul to Sep 2025", 97), ("Oct to Dec 2025", 92), ("Jan to Mar 2026", 99)],
        series_label=THIS_YEAR,
        more_series=[(LAST_YEAR, [95, 97, 94, None]), ("Target", [98, 98, 98, 98]), ("England", [90, 91, 92, 93])],
        target=98,
        target_label="Target 98%",
    ),
}
crowded_chart = pytest.mark.parametrize("svg", CROWDED_CHARTS.values(), ids=list(CROWDED_CHARTS))


@crowded_chart
def test_no_two_pieces_of_text_overlap_and_all_of_them_fit_the_chart(svg):
    root = parse(svg)
    boxes = text_boxes(root)
    clashes = [
        f"{first!r} and {second!r}"
        for index, (first, one) in enumerate(boxes)
        for second, other in boxes[index + 1 :]
        if overlaps(one, other)
    ]
    assert not clashes, clashes
    width, height = (float(size) for size in root.get("viewBox").split()[2:])
    outside = [
        text for text, (left, top, right, bottom) in boxes if left < 0 or top < 0 or right > width or bottom > height
    ]
    assert not outside, outside


@pytest.mark.parametrize("svg", CROWDED_BAR_CHARTS.values(), ids=list(CROWDED_BAR_CHARTS))
def test_no_value_touches_a_bar_or_crosses_a_grid_line(svg):
    root = parse(svg)
    values = value_boxes(root)
    bars = [rect_box(rect) for rect in root.iter(f"{SVG}rect") if rect.get("data-value") is not None]
    grid = [line for line in root.iter(f"{SVG}line") if line.get("stroke") == "#b1b4b6"]
    for box in values:
        assert not any(overlaps(box, bar) for bar in bars)
        for line in grid:
            x1, y1, x2, y2 = (float(line.get(name)) for name in ("x1", "y1", "x2", "y2"))
            assert not overlaps(box, (min(x1, x2) - 0.5, min(y1, y2) - 0.5, max(x1, x2) + 0.5, max(y1, y2) + 0.5))


@pytest.mark.parametrize("name", ["legal-status", "small-zero-and-largest", "percentages", "caseload-outside-the-band"])
def test_every_category_label_is_written_in_full_over_as_many_lines_as_it_needs(name):
    root = parse(CROWDED_CHARTS[name])
    assert "…" not in str(CROWDED_CHARTS[name])
    for label, group in bar_groups(root).items():
        assert joined(group.find(f"{SVG}text").itertext()) == label
    legal = bar_groups(parse(CROWDED_CHARTS["legal-status"]))
    longest = legal["J3: Youth Rehabilitation Order with residence or intensive fostering requirement"]
    assert len(longest.find(f"{SVG}text").findall(f"{SVG}tspan")) >= 2


def test_this_year_and_last_year_are_a_solid_and_an_outlined_bar_side_by_side_with_a_key_in_words():
    root = parse(last_year_chart([("Male", 965), ("Female", 734), ("Unknown", 4)], [987, 682, 2]))
    for label, (this_year, last_year) in {"Male": (965, 987), "Female": (734, 682)}.items():
        group = bar_groups(root)[label]
        solid, outlined = group.findall(f"{SVG}rect")
        assert (solid.get("data-value"), outlined.get("data-value")) == (str(this_year), str(last_year))
        assert (solid.get("fill"), solid.get("stroke")) == (BLUE, None)
        assert (outlined.get("fill"), outlined.get("stroke")) == ("#ffffff", "#0b0c0c")
        assert float(solid.get("y")) < float(outlined.get("y"))
        assert [text.text for text in group.findall(f"{SVG}text")[1:]] == [str(this_year), str(last_year)]
    unknown = bar_groups(root)["Unknown"]
    assert [rect.get("fill") for rect in unknown.findall(f"{SVG}rect")] == [BLUE, "#0b0c0c"]
    assert [text.text for text in unknown.findall(f"{SVG}text")[1:]] == ["4", "2"]
    swatches = {rect.get("data-key"): rect for rect in root.iter(f"{SVG}rect") if rect.get("data-key")}
    assert (swatches[THIS_YEAR].get("fill"), swatches[LAST_YEAR].get("stroke")) == (BLUE, "#0b0c0c")
    assert {THIS_YEAR, LAST_YEAR} <= set(texts(root))
    widths = {
        int(bar.get("data-value")): float(bar.get("width")) for bar in root.iter(f"{SVG}rect") if bar.get("data-value")
    }
    assert widths[987] + 2 == pytest.approx(widths[965] * 987 / 965, abs=0.2)


def test_the_two_series_contrast_with_the_page_and_with_each_other():
    def luminance(colour):
        channels = [int(colour[index : index + 2], 16) / 255 for index in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    def contrast(one, other):
        lighter, darker = sorted((luminance(one), luminance(other)), reverse=True)
        return (lighter + 0.05) / (darker + 0.05)

    assert contrast(BLUE, "#ffffff") >= 3
    assert contrast("#0b0c0c", "#ffffff") >= 3
    assert contrast(BLUE, "#0b0c0c") >= 3


def test_a_suppressed_or_missing_figure_is_written_where_its_bar_would_be():
    root = parse(last_year_chart([("Female", "c"), ("Unknown", 0)], [682, None]))
    female, unknown = bar_groups(root)["Female"], bar_groups(root)["Unknown"]
    assert [text.text for text in female.findall(f"{SVG}text")[1:]] == ["c", "682"]
    assert [rect.get("data-value") for rect in female.findall(f"{SVG}rect")] == ["682"]
    assert [text.text for text in unknown.findall(f"{SVG}text")[1:]] == ["0", "not available"]


def test_comparison_values_must_match_the_bars():
    with pytest.raises(ValueError):
        last_year_chart([("Male", 965), ("Female", 734)], [987])


def test_the_value_axis_leaves_room_for_the_longest_value_after_the_longest_bar():
    root = parse(caseload_chart([("Sam Patel", 1234.5), ("Jo Smith", 10)], highlight_above=1000))
    bar = bar_groups(root)["Sam Patel"].find(f"{SVG}rect")
    (text, box) = next((text, box) for text, box in text_boxes(root) if text.startswith("1,234.5"))
    assert text == "1,234.5 (above 1,000)"
    assert box[0] > float(bar.get("x")) + float(bar.get("width"))
    assert box[2] <= 640


def test_several_trend_lines_differ_in_dash_and_marker_and_are_named_in_a_key():
    root = parse(CROWDED_CHARTS["quarters-two-years"])
    key = {group.get("data-key"): group for group in root.iter(f"{SVG}g") if group.get("data-key")}
    assert list(key) == [THIS_YEAR, LAST_YEAR, "Target", "England"]
    assert {THIS_YEAR, LAST_YEAR, "Target", "England"} <= set(texts(root))
    lines = root.findall(f"{SVG}polyline")
    assert len({(line.get("stroke"), line.get("stroke-dasharray")) for line in lines}) == 4
    markers = {
        (element.tag, len((element.get("points") or "").split()))
        for group in key.values()
        for element in group
        if element.tag not in (f"{SVG}line", f"{SVG}text")
    }
    assert len(markers) == 4
    assert tick_labels(root, "end") == ["0%", "25%", "50%", "75%", "100%"]
    titles = [group.find(f"{SVG}title").text for group in root.iter(f"{SVG}g") if group.find(f"{SVG}title") is not None]
    assert f"{LAST_YEAR}, Jan to Mar 2026: no figure" in titles
    assert f"{THIS_YEAR}, Apr to Jun 2025: 96%" in titles


def test_every_point_of_a_few_trend_lines_has_its_value_written_beside_it():
    root = parse(
        timeliness_chart(
            [("Apr to Jun 2025", 96), ("Jul to Sep 2025", 97), ("Oct to Dec 2025", 92), ("Jan to Mar 2026", 99)],
            series_label=THIS_YEAR,
            more_series=[(LAST_YEAR, [95, 97, 94, 91])],
        )
    )
    written = texts(root)
    assert [written.count(value) for value in ("96%", "97%", "92%", "99%", "95%", "94%", "91%")] == [
        1,
        2,
        1,
        1,
        1,
        1,
        1,
    ]
    assert {"Apr to Jun 2025", "Jan to Mar 2026"} <= set(written)


def test_a_trend_series_must_have_a_value_for_each_point():
    with pytest.raises(ValueError):
        timeliness_chart(months([90, 91]), more_series=[("Last year", [90])])


def test_a_long_point_label_wraps_instead_of_being_cut():
    root = parse(timeliness_chart([("April to June 2025 (first quarter)", 90), ("July to September 2025", 95)]))
    assert {"April to June 2025 (first quarter)", "July to September 2025"} <= set(texts(root))
    assert "…" not in str(timeliness_chart([("April to June 2025 (first quarter)", 90)]))


@pytest.mark.parametrize("name", ["one-month-of-each", "quarters-two-years"])
def test_no_value_of_a_trend_covers_a_marker(name):
    root = parse(CROWDED_CHARTS[name])
    markers = []
    for element in root.iter():
        if element.get("data-value") is None:
            continue
        if element.tag == f"{SVG}circle":
            x, y, r = (float(element.get(name)) for name in ("cx", "cy", "r"))
            markers.append((x - r, y - r, x + r, y + r))
        elif element.tag == f"{SVG}rect":
            markers.append(rect_box(element))
        else:
            corners = [tuple(map(float, corner.split(","))) for corner in element.get("points").split()]
            xs, ys = [x for x, _ in corners], [y for _, y in corners]
            markers.append((min(xs), min(ys), max(xs), max(ys)))
    values = [box for text, box in text_boxes(root) if re.fullmatch(r"\d+%", text)]
    assert len(markers) > 10 and len(values) > 10
    assert not [box for box in values for marker in markers if overlaps(box, marker)]


def test_a_chart_drawn_again_with_the_same_figures_is_the_same_and_a_changed_figure_is_drawn_anew():
    """Charts drawn once are kept (reporting.charts.drawn_once); one whose figures changed is
    drawn again, never taken from those kept."""
    first = caseload_chart([("C2", 10), ("E1", 4)])
    assert caseload_chart([("C2", 10), ("E1", 4)]) is first
    changed = caseload_chart([("C2", 10), ("E1", 5)])
    assert changed != first and ">5<" in changed.replace(" ", "")


def test_a_chart_with_a_figure_not_written_out_whole_is_drawn_each_time():
    class Label(str):
        """A label whose text repr does not show (as a lazily translated one's)."""

        def __repr__(self):
            return "<label>"

    first = caseload_chart([(Label("Care order"), 10)])
    second = caseload_chart([(Label("Placement order"), 10)])
    assert "Care order" in first and "Placement order" in second
