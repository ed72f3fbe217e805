"""Charts as inline SVG: of a client's record, pain before and after each
session over time and a body chart (front and back) with the areas marked
and the points of pain; of the managers' reports, horizontal bars beside
their table.

Pure: plain data in, markup out, no Django inside (the import contract
checks it). Every piece of text is escaped here, so the markup may be put
in a page as it is. Each data point carries its value twice: in a
``<title>`` a screen reader and a hovering pointer read, and in ``data-``
attributes a program reads.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from html import escape

PAIN_MAX = 10
BEFORE_COLOUR = "#b45309"
AFTER_COLOUR = "#047857"
CHECK_IN_COLOUR = "#1d4ed8"
GRID_COLOUR = "#e5e7eb"
AXIS_TEXT = "#4b5563"


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def _number(value: float) -> str:
    """A coordinate, short: 12.5 rather than 12.500000001."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _open_svg(width: int, height: int, ident: str, title: str, desc: str, css_class: str) -> list[str]:
    ident = _text(ident)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif">',
        f'<title id="{ident}-title">{_text(title)}</title>',
        f'<desc id="{ident}-desc">{_text(desc)}</desc>',
    ]


# -- pain before and after, over time ----------------------------------------


@dataclass(frozen=True)
class PainPoint:
    """One session's pain scores (0-10; ``None`` when not recorded)."""

    day: date
    before: int | None
    after: int | None


def _pain(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= PAIN_MAX:
        return None
    return value


def _day_label(day: date, previous: date | None) -> str:
    """"12 Mar", with the year the first time and whenever it changes."""
    if previous is None or previous.year != day.year:
        return f"{day.day} {day:%b %Y}"
    return f"{day.day} {day:%b}"


@dataclass(frozen=True)
class CheckInPoint:
    """The client's own answer, days after a session: the pain that day."""

    day: date
    pain: int


def pain_chart_svg(points: Iterable[PainPoint], *, check_ins: Iterable[CheckInPoint] = (),
                   ident: str = "pain-chart") -> str:
    """Pain before (amber circles) and after (green squares) each session,
    and the client's check-in answers (blue diamonds), on a 0-10 scale,
    placed by date. Scores outside 0-10 are left out rather than drawn off
    the chart."""
    sessions = sorted(
        (PainPoint(point.day, _pain(point.before), _pain(point.after)) for point in points),
        key=lambda point: point.day,
    )
    sessions = [point for point in sessions if point.before is not None or point.after is not None]
    answers = sorted((CheckInPoint(answer.day, _pain(answer.pain)) for answer in check_ins), key=lambda a: a.day)
    answers = [answer for answer in answers if answer.pain is not None]
    days = sorted({point.day for point in sessions} | {answer.day for answer in answers})
    width, height = 640, 280
    left, right, top, bottom = 44, 20, 36, 48
    plot_w, plot_h = width - left - right, height - top - bottom

    if sessions:
        first, last = sessions[0].day, sessions[-1].day
        drops = [p.before - p.after for p in sessions if p.before is not None and p.after is not None]
        desc = (f"{len(sessions)} session(s) from {first.isoformat()} to {last.isoformat()}. "
                + (f"Pain fell by {sum(drops) / len(drops):.1f} points on average in a session."
                   if drops else "No session has both scores."))
    else:
        desc = "No pain scores recorded yet." if not answers else "No session scores yet."
    if answers:
        desc += (f" {len(answers)} check-in answer(s) from the client, the latest {answers[-1].pain}/10 "
                 f"on {answers[-1].day.isoformat()}.")
    parts = _open_svg(width, height, ident, "Pain before and after each session (0 to 10)", desc, "pain-chart")

    def y_of(value: int) -> float:
        return top + (PAIN_MAX - value) / PAIN_MAX * plot_h

    for value in range(0, PAIN_MAX + 1, 2):
        y = _number(y_of(value))
        parts.append(f'<line x1="{left}" y1="{y}" x2="{width - right}" y2="{y}" stroke="{GRID_COLOUR}"/>')
        parts.append(f'<text x="{left - 8}" y="{y}" dy="4" text-anchor="end" font-size="11" '
                     f'fill="{AXIS_TEXT}">{value}</text>')
    parts.append(f'<text x="12" y="{_number(top + plot_h / 2)}" font-size="11" fill="{AXIS_TEXT}" '
                 f'text-anchor="middle" transform="rotate(-90 12 {_number(top + plot_h / 2)})">pain</text>')
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
                 f'stroke="#9ca3af"/>')
    # The legend, top right.
    legend_x = width - right - 330
    parts.append(f'<g class="legend" font-size="12" fill="#111827">'
                 f'<circle cx="{legend_x}" cy="16" r="5" fill="{BEFORE_COLOUR}"/>'
                 f'<text x="{legend_x + 10}" y="20">before the session</text>'
                 f'<rect x="{legend_x + 130}" y="11" width="10" height="10" fill="{AFTER_COLOUR}"/>'
                 f'<text x="{legend_x + 146}" y="20">after it</text>'
                 f'<path d="{_diamond(legend_x + 216, 16)}" fill="{CHECK_IN_COLOUR}"/>'
                 f'<text x="{legend_x + 228}" y="20">check-in answer</text></g>')

    if not days:
        parts.append(f'<text x="{_number(left + plot_w / 2)}" y="{_number(top + plot_h / 2)}" '
                     f'text-anchor="middle" font-size="14" fill="{AXIS_TEXT}">No pain scores recorded yet</text>')
        parts.append("</svg>")
        return "".join(parts)

    span = (days[-1] - days[0]).days
    inset = 16

    def x_of(day: date) -> float:
        if span == 0:
            return left + plot_w / 2
        return left + inset + (day - days[0]).days / span * (plot_w - 2 * inset)

    # Dates under the axis, leaving out those that would run into the last one written.
    last_label_x, previous_day = -math.inf, None
    for day in days:
        x = x_of(day)
        if x - last_label_x < 64:
            continue
        label = _day_label(day, previous_day)
        parts.append(f'<text class="date" x="{_number(x)}" y="{top + plot_h + 18}" text-anchor="middle" '
                     f'font-size="11" fill="{AXIS_TEXT}">{_text(label)}</text>')
        last_label_x, previous_day = x, day

    for series, colour in (("before", BEFORE_COLOUR), ("after", AFTER_COLOUR)):
        scored = [(x_of(p.day), getattr(p, series), p.day) for p in sessions if getattr(p, series) is not None]
        if len(scored) > 1:
            line = " ".join(f"{_number(x)},{_number(y_of(v))}" for x, v, _ in scored)
            parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2" '
                         f'stroke-linejoin="round"/>')
        for x, value, day in scored:
            cx, cy = _number(x), _number(y_of(value))
            data = (f'class="point {series}" data-series="{series}" data-date="{day.isoformat()}" '
                    f'data-pain="{value}"')
            tip = f"<title>{_text(day.isoformat())}: pain {series} the session {value}/10</title>"
            if series == "before":
                parts.append(f'<circle {data} cx="{cx}" cy="{cy}" r="5" fill="{colour}">{tip}</circle>')
            else:
                parts.append(f'<rect {data} x="{_number(x - 4.5)}" y="{_number(y_of(value) - 4.5)}" '
                             f'width="9" height="9" fill="{colour}">{tip}</rect>')
    for answer in answers:
        x, y = x_of(answer.day), y_of(answer.pain)
        parts.append(f'<path class="point check_in" data-series="check_in" data-date="{answer.day.isoformat()}" '
                     f'data-pain="{answer.pain}" d="{_diamond(x, y)}" fill="{CHECK_IN_COLOUR}">'
                     f"<title>{_text(answer.day.isoformat())}: the client answered pain {answer.pain}/10</title></path>")
    parts.append("</svg>")
    return "".join(parts)


def _diamond(x: float, y: float, half: float = 6) -> str:
    return (f"M{_number(x)} {_number(y - half)} L{_number(x + half)} {_number(y)} "
            f"L{_number(x)} {_number(y + half)} L{_number(x - half)} {_number(y)} Z")


# -- the body chart ----------------------------------------------------------

SIDES = ("front", "back")
FIGURE_W, FIGURE_H = 200, 420
FIGURE_TOP = 28
FIGURE_GAP = 40

# Each region's shapes on a 200 x 420 outline, as (element, attributes).
# The torso is one place on both outlines: its upper half is the chest seen
# from the front and the upper back seen from behind, its lower half the
# abdomen or the lower back.
_UPPER_TORSO = [("rect", {"x": 66, "y": 76, "width": 68, "height": 68, "rx": 10})]
_LOWER_TORSO = [("rect", {"x": 70, "y": 144, "width": 60, "height": 58, "rx": 6})]
REGION_SHAPES: dict[str, list[tuple[str, dict[str, float]]]] = {
    "arm": [("rect", {"x": 38, "y": 90, "width": 21, "height": 118, "rx": 10}),
            ("rect", {"x": 141, "y": 90, "width": 21, "height": 118, "rx": 10})],
    "hand": [("ellipse", {"cx": 48.5, "cy": 222, "rx": 11, "ry": 15}),
             ("ellipse", {"cx": 151.5, "cy": 222, "rx": 11, "ry": 15})],
    "leg": [("rect", {"x": 70, "y": 232, "width": 28, "height": 152, "rx": 11}),
            ("rect", {"x": 102, "y": 232, "width": 28, "height": 152, "rx": 11})],
    "foot": [("ellipse", {"cx": 82, "cy": 396, "rx": 16, "ry": 9}),
             ("ellipse", {"cx": 118, "cy": 396, "rx": 16, "ry": 9})],
    "hip": [("rect", {"x": 66, "y": 198, "width": 68, "height": 40, "rx": 14})],
    "chest": _UPPER_TORSO,
    "upper_back": _UPPER_TORSO,
    "abdomen": _LOWER_TORSO,
    "lower_back": _LOWER_TORSO,
    "shoulder": [("ellipse", {"cx": 60, "cy": 88, "rx": 19, "ry": 14}),
                 ("ellipse", {"cx": 140, "cy": 88, "rx": 19, "ry": 14})],
    "neck": [("rect", {"x": 89, "y": 58, "width": 22, "height": 22, "rx": 4})],
    "head": [("ellipse", {"cx": 100, "cy": 34, "rx": 22, "ry": 27})],
}
# The regions each outline draws, back to front (later ones on top).
OUTLINE = {
    "front": ["arm", "hand", "leg", "foot", "hip", "abdomen", "chest", "shoulder", "neck", "head"],
    "back": ["arm", "hand", "leg", "foot", "hip", "lower_back", "upper_back", "shoulder", "neck", "head"],
}
SHADE_FILL, SHADE_STROKE = "#fecaca", "#b91c1c"
PLAIN_FILL, PLAIN_STROKE = "#f3f4f6", "#6b7280"
INTENSITY_BANDS = ((3, "#eab308", "mild"), (6, "#f97316", "moderate"), (10, "#dc2626", "severe"))


def _intensity_colour(intensity: float) -> str:
    return next(colour for top, colour, _ in INTENSITY_BANDS if intensity <= top)


def _finite(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _marks(chart: Mapping) -> list[tuple[str, float, float, float]]:
    """The chart's marks that can be drawn: a known side, x and y within
    the outline (0-1), an intensity 0-10. Anything else is passed over."""
    marks = []
    for mark in chart.get("marks") or []:
        if not isinstance(mark, Mapping) or mark.get("side") not in SIDES:
            continue
        x, y, intensity = _finite(mark.get("x")), _finite(mark.get("y")), _finite(mark.get("intensity"))
        if x is None or y is None or intensity is None:
            continue
        if 0 <= x <= 1 and 0 <= y <= 1 and 0 <= intensity <= PAIN_MAX:
            marks.append((mark["side"], x, y, intensity))
    return marks


def _regions(chart: Mapping) -> set[tuple[str, str]]:
    return {
        (region["side"], region["region"])
        for region in chart.get("regions") or []
        if isinstance(region, Mapping) and region.get("side") in SIDES and region.get("region") in REGION_SHAPES
    }


def _shape(element: str, attributes: dict[str, float], offset_x: float, fill: str, stroke: str) -> str:
    moved = dict(attributes)
    for key in ("x", "cx"):
        if key in moved:
            moved[key] = moved[key] + offset_x
    for key in ("y", "cy"):
        if key in moved:
            moved[key] = moved[key] + FIGURE_TOP
    written = " ".join(f'{key}="{_number(value)}"' for key, value in moved.items())
    return f'<{element} {written} fill="{fill}" stroke="{stroke}" stroke-width="1.2"/>'


def _intensity_text(intensity: float) -> str:
    return f"{intensity:g}"


def body_chart_svg(chart: object, *, region_names: Mapping[str, str] | None = None,
                   ident: str = "body-chart") -> str:
    """The front and back outlines of a body, the marked regions shaded and
    each pain mark a circle whose size and colour grow with its intensity.

    ``chart`` is a note's ``body_chart``; whatever in it cannot be drawn
    (an unknown side or region, a point off the outline) is passed over.
    ``region_names`` gives the regions' names for people (by value)."""
    chart = chart if isinstance(chart, Mapping) else {}
    names = dict(region_names or {})
    regions, marks = _regions(chart), _marks(chart)

    def name_of(region: str) -> str:
        return str(names.get(region) or region.replace("_", " ").capitalize())

    width = 2 * FIGURE_W + FIGURE_GAP + 40
    height = FIGURE_TOP + FIGURE_H + 44
    marked = sorted(regions, key=lambda item: (SIDES.index(item[0]), item[1]))
    desc_parts = []
    if marked:
        desc_parts.append("Marked areas: " + ", ".join(f"{name_of(region)} ({side})" for side, region in marked) + ".")
    if marks:
        strongest = max(intensity for *_, intensity in marks)
        desc_parts.append(f"{len(marks)} pain mark(s), the strongest {_intensity_text(strongest)}/10.")
    desc = " ".join(desc_parts) or "Nothing marked."
    parts = _open_svg(width, height, ident, "Body chart, front and back", desc, "body-chart")

    for index, side in enumerate(SIDES):
        offset_x = 20 + index * (FIGURE_W + FIGURE_GAP)
        parts.append(f'<g class="outline {side}" data-side="{side}">')
        parts.append(f'<text x="{_number(offset_x + FIGURE_W / 2)}" y="16" text-anchor="middle" font-size="13" '
                     f'font-weight="600" fill="#111827">{"Front" if side == "front" else "Back"}</text>')
        for region in OUTLINE[side]:
            shaded = (side, region) in regions
            fill, stroke = (SHADE_FILL, SHADE_STROKE) if shaded else (PLAIN_FILL, PLAIN_STROKE)
            state = "marked" if shaded else "not marked"
            parts.append(f'<g class="region{" marked" if shaded else ""}" data-region="{_text(region)}">'
                         f"<title>{_text(name_of(region))}, {side}: {state}</title>")
            parts.extend(_shape(element, attributes, offset_x, fill, stroke)
                         for element, attributes in REGION_SHAPES[region])
            parts.append("</g>")
        for mark_side, x, y, intensity in marks:
            if mark_side != side:
                continue
            cx, cy = offset_x + x * FIGURE_W, FIGURE_TOP + y * FIGURE_H
            radius = 4 + intensity * 0.6
            parts.append(
                f'<circle class="mark" data-side="{side}" data-x="{x:g}" '
                f'data-y="{y:g}" data-intensity="{_intensity_text(intensity)}" cx="{_number(cx)}" '
                f'cy="{_number(cy)}" r="{_number(radius)}" fill="{_intensity_colour(intensity)}" '
                f'fill-opacity="0.85" stroke="#ffffff" stroke-width="1.5">'
                f"<title>Pain {_intensity_text(intensity)}/10 ({side})</title></circle>"
            )
        parts.append("</g>")

    # The key, under the outlines.
    key_y = FIGURE_TOP + FIGURE_H + 26
    parts.append(f'<g class="key" font-size="11" fill="#374151">'
                 f'<rect x="20" y="{key_y - 9}" width="12" height="12" fill="{SHADE_FILL}" stroke="{SHADE_STROKE}"/>'
                 f'<text x="37" y="{key_y + 1}">marked area</text>')
    key_x, bottom = 130, 0
    for top, colour, label in INTENSITY_BANDS:
        text = f"{label} {bottom}–{top}"
        parts.append(f'<circle cx="{key_x}" cy="{key_y - 3}" r="6" fill="{colour}"/>'
                     f'<text x="{key_x + 10}" y="{key_y + 1}">{text}</text>')
        key_x, bottom = key_x + 28 + 6 * len(text), top + 1
    parts.append("</g></svg>")
    return "".join(parts)


# -- bars, for the managers' reports ------------------------------------------

BAR_COLOUR = "#2563eb"
BAR_TRACK = "#eef2ff"


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value (for the length) and the value as the
    table beside the chart writes it."""

    label: str
    value: float
    shown: str


def _shortened(label: str, limit: int = 28) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def bar_chart_svg(bars: Iterable[Bar], *, title: str, desc: str, ident: str, scale_to: float | None = None) -> str:
    """Horizontal bars, one per row of the table the chart stands beside:
    the label on the left, the bar, then the value as written. Bars are
    measured against ``scale_to`` (100% for a share) or the largest value;
    a value that is not a finite number of zero or more draws no bar but
    keeps its row and text. Long labels are shortened on the chart only;
    each bar's ``<title>`` carries the whole label and value."""
    rows = [(bar, _finite(bar.value)) for bar in bars]
    rows = [(bar, value if value is not None and value >= 0 else None) for bar, value in rows]
    largest = max([value for _, value in rows if value is not None] + [scale_to or 0])
    # Room for a shortened label (28 characters at 11.5 px: up to about
    # 190 px) to the left of the bars, so none is cut at the chart's edge.
    label_w, value_w, row_h, top = 210, 78, 26, 10
    width = 500
    track_w = width - label_w - value_w
    height = top * 2 + max(len(rows), 1) * row_h
    parts = _open_svg(width, height, ident, title, desc, "bar-chart")
    if not rows:
        parts.append(f'<text x="{width // 2}" y="{top + 17}" text-anchor="middle" font-size="13" '
                     f'fill="{AXIS_TEXT}">Nothing to show for this period</text></svg>')
        return "".join(parts)
    for index, (bar, value) in enumerate(rows):
        y = top + index * row_h
        length = value / largest * track_w if value and largest else 0
        parts.append(f'<g class="bar" data-label="{_text(bar.label)}" data-value="{_text(bar.shown)}">'
                     f"<title>{_text(bar.label)}: {_text(bar.shown)}</title>")
        parts.append(f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" font-size="11.5" '
                     f'fill="#111827">{_text(_shortened(bar.label))}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 5}" width="{track_w}" height="16" rx="3" fill="{BAR_TRACK}"/>')
        if length:
            parts.append(f'<rect x="{label_w}" y="{y + 5}" width="{_number(length)}" height="16" rx="3" '
                         f'fill="{BAR_COLOUR}"/>')
        parts.append(f'<text x="{label_w + track_w + 8}" y="{y + 17}" font-size="12" fill="{AXIS_TEXT}">'
                     f"{_text(bar.shown)}</text></g>")
    parts.append("</svg>")
    return "".join(parts)
