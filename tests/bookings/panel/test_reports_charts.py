"""The reports' bar chart (``treatments.charts.bar_chart_svg``) and the
engine's working-time arithmetic the reports stand on: pure, no database."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from bookings.availability import Interval, time_outside
from treatments.charts import Bar, bar_chart_svg


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 2, 1, hour, minute, tzinfo=UTC)


def test_bars_are_measured_against_the_scale_and_carry_their_text():
    svg = bar_chart_svg([Bar("Asha", 0.5, "50.0%"), Bar("Bala", 0.25, "25.0%")], title="Utilisation",
                        desc="Asha: 50.0%; Bala: 25.0%", ident="chart-utilisation", scale_to=1)
    assert 'role="img" aria-labelledby="chart-utilisation-title chart-utilisation-desc"' in svg
    assert '<title id="chart-utilisation-title">Utilisation</title>' in svg
    # A track of 212 px: half of it, and a quarter.
    assert 'width="212" height="16" rx="3" fill="#eef2ff"' in svg
    assert 'width="106" height="16" rx="3" fill="#2563eb"' in svg
    assert 'width="53" height="16" rx="3" fill="#2563eb"' in svg
    assert "<title>Bala: 25.0%</title>" in svg


def test_text_is_escaped_and_what_cannot_be_drawn_keeps_its_row_without_a_bar():
    svg = bar_chart_svg([Bar('<b>"x"</b>', math.nan, "—"), Bar("Minus", -3, "-3"), Bar("Zero", 0, "0")],
                        title="T & U", desc="d", ident="c")
    assert "<b>" not in svg and "&lt;b&gt;&quot;x&quot;&lt;/b&gt;" in svg and "T &amp; U" in svg
    assert svg.count('class="bar"') == 3
    assert 'fill="#2563eb"' not in svg


def test_long_labels_are_shortened_on_the_chart_only():
    label = "A treatment with a very long name indeed"
    svg = bar_chart_svg([Bar(label, 1, "1")], title="t", desc="d", ident="c")
    assert f"<title>{label}: 1</title>" in svg and "A treatment with a very lon…" in svg


def test_an_empty_chart_says_so():
    assert "Nothing to show for this period" in bar_chart_svg([], title="t", desc="d", ident="c")


def test_time_outside_subtracts_each_overlap_once():
    spans = [Interval(at(9), at(13)), Interval(at(14), at(18))]
    away = [Interval(at(8), at(10)), Interval(at(9, 30), at(10, 30)), Interval(at(12), at(15)), Interval(at(20), at(21))]
    # 4 h + 4 h, less 09:00-10:30 (1.5 h), 12:00-13:00 and 14:00-15:00 (2 h).
    assert time_outside(spans, away).total_seconds() == 4.5 * 3600
    assert time_outside(spans, []).total_seconds() == 8 * 3600
