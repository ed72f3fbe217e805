"""The record charts: well-formed SVG that names itself for screen readers
and carries every data point it draws, and nothing it cannot draw."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from treatments.charts import PainPoint, body_chart_svg, pain_chart_svg

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def points_of(root: ET.Element, series: str) -> list[tuple[str, int, str]]:
    return [(element.get("data-date"), int(element.get("data-pain")), element.find(f"{SVG}title").text)
            for element in root.iter() if element.get("data-series") == series]


def test_the_pain_chart_carries_each_score_before_and_after():
    root = parse(pain_chart_svg([
        PainPoint(date(2026, 3, 2), 7, 3),
        PainPoint(date(2026, 3, 16), 6, None),
        PainPoint(date(2026, 3, 9), 5, 2),
    ]))
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Pain before and after each session (0 to 10)"
    assert "3 session(s) from 2026-03-02 to 2026-03-16" in root.find(f"{SVG}desc").text
    assert "fell by 3.5 points on average" in root.find(f"{SVG}desc").text
    before, after = points_of(root, "before"), points_of(root, "after")
    assert [(day, pain) for day, pain, _ in before] == [("2026-03-02", 7), ("2026-03-09", 5), ("2026-03-16", 6)]
    assert [(day, pain) for day, pain, _ in after] == [("2026-03-02", 3), ("2026-03-09", 2)]
    assert before[0][2] == "2026-03-02: pain before the session 7/10"
    dates = [element.text for element in root.iter(f"{SVG}text") if element.get("class") == "date"]
    assert dates == ["2 Mar 2026", "9 Mar", "16 Mar"]


def test_a_higher_pain_is_drawn_higher():
    root = parse(pain_chart_svg([PainPoint(date(2026, 1, 1), 9, 1)]))
    before = next(e for e in root.iter() if e.get("data-series") == "before")
    after = next(e for e in root.iter() if e.get("data-series") == "after")
    assert float(before.get("cy")) < float(after.get("y"))


def test_scores_off_the_scale_are_left_out_and_an_empty_chart_says_so():
    root = parse(pain_chart_svg([PainPoint(date(2026, 1, 1), 11, -1), PainPoint(date(2026, 1, 2), True, None)]))
    assert points_of(root, "before") == points_of(root, "after") == []
    assert root.find(f"{SVG}desc").text == "No pain scores recorded yet."
    assert parse(pain_chart_svg([])).find(f"{SVG}desc").text == "No pain scores recorded yet."


def test_the_body_chart_shades_regions_and_carries_each_mark():
    chart = {
        "regions": [{"side": "back", "region": "lower_back"}, {"side": "front", "region": "shoulder"}],
        "marks": [{"side": "back", "x": 0.45, "y": 0.42, "intensity": 8},
                  {"side": "front", "x": 0.3, "y": 0.21, "intensity": 2}],
    }
    root = parse(body_chart_svg(chart, region_names={"lower_back": "Lower back", "shoulder": "Shoulder"}))
    assert root.get("role") == "img"
    assert root.find(f"{SVG}desc").text == (
        "Marked areas: Shoulder (front), Lower back (back). 2 pain mark(s), the strongest 8/10.")
    marks = [(e.get("data-side"), e.get("data-x"), e.get("data-y"), e.get("data-intensity"),
              e.find(f"{SVG}title").text) for e in root.iter() if e.get("class") == "mark"]
    assert marks == [("front", "0.3", "0.21", "2", "Pain 2/10 (front)"),
                     ("back", "0.45", "0.42", "8", "Pain 8/10 (back)")]
    shaded = {(outline.get("data-side"), region.get("data-region"))
              for outline in root.iter() if outline.get("data-side") and outline.tag == f"{SVG}g"
              for region in outline if region.get("class") == "region marked"}
    assert shaded == {("back", "lower_back"), ("front", "shoulder")}
    stronger = next(e for e in root.iter() if e.get("data-intensity") == "8")
    weaker = next(e for e in root.iter() if e.get("data-intensity") == "2")
    assert float(stronger.get("r")) > float(weaker.get("r"))
    assert stronger.get("fill") != weaker.get("fill")


def test_a_mark_lands_where_it_was_put_on_its_outline():
    root = parse(body_chart_svg({"marks": [{"side": "front", "x": 0, "y": 0, "intensity": 1},
                                           {"side": "back", "x": 1, "y": 1, "intensity": 1}]}))
    front, back = [e for e in root.iter() if e.get("class") == "mark"]
    assert (float(front.get("cx")), float(front.get("cy"))) == (20, 28)
    assert (float(back.get("cx")), float(back.get("cy"))) == (20 + 200 + 40 + 200, 28 + 420)


@pytest.mark.parametrize("chart", [
    None, [], "marks", {"marks": "x"}, {"regions": [1, None, {"side": "top", "region": "head"}]},
    {"marks": [{"side": "front", "x": math.nan, "y": 0.5, "intensity": 3},
               {"side": "front", "x": math.inf, "y": 0.5, "intensity": 3},
               {"side": "front", "x": 1.5, "y": 0.5, "intensity": 3},
               {"side": "front", "x": 0.5, "y": 0.5, "intensity": 11},
               {"side": "front", "x": "0.5", "y": 0.5, "intensity": 3},
               {"side": "front", "x": True, "y": 0.5, "intensity": 3},
               {"side": "middle", "x": 0.5, "y": 0.5, "intensity": 3}]},
    {"regions": [{"side": "front", "region": "tail"}]},
])
def test_what_cannot_be_drawn_is_passed_over(chart):
    root = parse(body_chart_svg(chart))
    assert [e for e in root.iter() if e.get("class") in ("mark", "region marked")] == []
    assert root.find(f"{SVG}desc").text == "Nothing marked."


def test_text_is_escaped():
    markup = body_chart_svg({"regions": [{"side": "front", "region": "head"}]},
                            region_names={"head": '<script>alert("x")</script> & co'}, ident='"><script>')
    assert "<script>" not in markup
    root = parse(markup)
    assert "<script>alert(\"x\")</script> & co (front)" in root.find(f"{SVG}desc").text
