"""The outcomes report: per technique and per point, the average fall in
pain over signed notes with both scores, in a period of the clinic's local
dates; checked against figures worked out by hand."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.scenario import KOLKATA
from tests.treatments.records.conftest import PANEL_ROLES
from tests.treatments.records.factories import SessionNoteFactory, session, used
from treatments import selectors

pytestmark = pytest.mark.django_db

REPORT = "admin:clinic_client_outcomes"
FIRST, LAST = date(2026, 10, 1), date(2026, 10, 31)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=KOLKATA)


@pytest.fixture
def sessions(studio):
    """Three counted notes:
    8 -> 2 (Effleurage, Kneading; GB20)   fall 6
    6 -> 4 (Kneading; GB20, GB21)         fall 2
    5 -> 5 (Effleurage)                   fall 0, at 00:30 on the first day (still 30 Sep in UTC)
    and four that do not count: a draft, a note without the after score, one
    at midnight as the period ends, one long before it.
    Effleurage (6 + 0) / 2 = 3.0 over 2; Kneading (6 + 2) / 2 = 4.0 over 2;
    GB20 (6 + 2) / 2 = 4.0 over 2; GB21 2.0 over 1."""

    def note(start, before, after, *, signed=True, techniques=(), points=()):
        written = SessionNoteFactory(appointment=session(studio, start=start), pain_before=before, pain_after=after)
        return used(written, techniques=techniques, points=points, then_sign=signed)

    note(at(date(2026, 10, 5), 10), 8, 2, techniques=[("Effleurage", 10), ("Kneading", 20)], points=["GB20"])
    note(at(date(2026, 10, 12), 10), 6, 4, techniques=[("Kneading", 30)], points=["GB20", "GB21"])
    note(at(FIRST, 0, 30), 5, 5, techniques=[("Effleurage", 15)])
    note(at(date(2026, 10, 20), 10), 9, 0, signed=False, techniques=[("Effleurage", 10)], points=["GB21"])
    note(at(date(2026, 10, 21), 10), 9, None, techniques=[("Kneading", 10)], points=["GB20"])
    note(at(LAST + timedelta(days=1), 0, 0), 9, 1, techniques=[("Effleurage", 10)])
    note(at(date(2026, 6, 1), 10), 10, 0, techniques=[("Kneading", 10)], points=["GB21"])


def figures(rows) -> dict[str, tuple[int, float]]:
    return {row.name: (row.sessions, row.average_reduction) for row in rows}


def period(first: date, last: date) -> dict:
    return {"since": at(first, 0), "until": at(last + timedelta(days=1), 0)}


def test_the_averages_match_the_hand_worked_figures(sessions):
    techniques, points = selectors.outcomes(**period(FIRST, LAST))
    assert figures(techniques) == {"Effleurage": (2, pytest.approx(3.0)), "Kneading": (2, pytest.approx(4.0))}
    assert figures(points) == {"GB20 Fengchi (Wind Pool)": (2, pytest.approx(4.0)),
                               "GB21 Jianjing (Shoulder Well)": (1, pytest.approx(2.0))}


def test_the_period_is_of_local_dates_both_days_included(sessions):
    techniques, _ = selectors.outcomes(**period(FIRST, FIRST))
    assert figures(techniques) == {"Effleurage": (1, pytest.approx(0.0))}
    techniques, _ = selectors.outcomes(**period(LAST + timedelta(days=1), LAST + timedelta(days=1)))
    assert figures(techniques) == {"Effleurage": (1, pytest.approx(8.0))}


def test_the_figures_take_two_queries_however_many_sessions(sessions):
    with CaptureQueriesContext(connection) as captured:
        selectors.outcomes(**period(date(1900, 1, 1), date(2200, 12, 31)))
    assert len(captured.captured_queries) == 2


ANSWERS = {"anonymous": 302, "client_a": 302, "client_b": 302, "assigned_practitioner": 403,
           "other_practitioner": 403, "receptionist": 403, "manager": 200, "superuser": 200}


@pytest.mark.parametrize("role", [*PANEL_ROLES, "superuser"])
def test_only_managers_see_the_report(role, client, panel, sessions):
    if panel[role] is not None:
        client.force_login(panel[role])
    response = client.get(reverse(REPORT), {"start": FIRST.isoformat(), "end": LAST.isoformat()})
    assert response.status_code == ANSWERS[role]
    csv_response = client.get(reverse(REPORT), {"start": FIRST.isoformat(), "end": LAST.isoformat(), "format": "csv"})
    assert csv_response.status_code == ANSWERS[role]


def test_the_page_and_its_csv(client, panel, sessions):
    client.force_login(panel["manager"])
    response = client.get(reverse(REPORT), {"start": FIRST.isoformat(), "end": LAST.isoformat()})
    page = response.content.decode()
    assert 'data-name="Kneading" data-sessions="2" data-average="4.00"' in page
    assert 'data-name="GB21 Jianjing (Shoulder Well)" data-sessions="1" data-average="2.00"' in page
    response = client.get(reverse(REPORT), {"start": FIRST.isoformat(), "end": LAST.isoformat(), "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="outcomes-2026-10-01-2026-10-31.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["kind", "name", "sessions", "average_pain_reduction"],
        ["technique", "Effleurage", "2", "3.00"],
        ["technique", "Kneading", "2", "4.00"],
        ["point", "GB20 Fengchi (Wind Pool)", "2", "4.00"],
        ["point", "GB21 Jianjing (Shoulder Well)", "1", "2.00"],
    ]


def test_the_default_period_is_the_last_90_days(client, panel):
    from django.utils import timezone

    client.force_login(panel["manager"])
    response = client.get(reverse(REPORT))
    assert response.status_code == 200
    today = timezone.localdate()
    assert response.context["period"] == {"start": today - timedelta(days=89), "end": today}


@pytest.mark.parametrize("query", [
    {"start": "2026-13-01", "end": "2026-10-31"},
    {"start": "x", "end": "' OR 1=1 --"},
    {"start": "0001-01-01", "end": "9999-12-31"},
    {"start": "2026-10-31", "end": "2026-10-01"},
    {"start": "2026-10-01\x0b", "end": "2026-10-31"},
    {"start": "2026-10-01"},
    {"start": "9" * 40, "end": "2026-10-31"},
])
def test_a_bad_period_is_an_error_on_the_form(query, client, panel):
    client.force_login(panel["manager"])
    response = client.get(reverse(REPORT), query)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["techniques"] is None
    assert client.get(reverse(REPORT), {**query, "format": "csv"}).status_code == 200  # the form, not a file


def test_the_widest_period_is_fine(client, panel, sessions):
    client.force_login(panel["manager"])
    response = client.get(reverse(REPORT), {"start": "1900-01-01", "end": "2200-12-31"})
    assert response.status_code == 200
    assert figures(response.context["techniques"])["Kneading"] == (3, pytest.approx(6.0))


def test_a_nul_character_is_refused(client, panel):
    client.force_login(panel["manager"])
    assert client.get(reverse(REPORT), {"start": "2026-10-01\x00"}).status_code == 400
