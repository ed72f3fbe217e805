"""The panel's home page (``bookings.admin.home``): the day each role
starts from, and only what each may see of it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from bookings import selectors, services
from bookings.models import AppointmentStatus, Source
from tests.bookings.panel.test_front_desk import CLOCK, ROLES, SIGNED_OUT, clock, day, sign_in  # noqa: F401
from tests.bookings.test_policies import staff  # noqa: F401  (fixture)
from tests.scenario import MONDAY, NOW, local
from tests.treatments.notes.factories import signed_note
from treatments.models import RecordAccess
from treatments.services.intake import record_intake

pytestmark = pytest.mark.django_db

HOME = reverse("admin:index")
Status = AppointmentStatus


def pks(rows) -> list[int]:
    return [row.appointment.pk for row in rows]


@pytest.mark.parametrize("role", ROLES)
def test_home_for_every_role(client, staff, day, role):  # noqa: F811
    sign_in(client, staff, role)
    response = client.get(HOME)
    if role in SIGNED_OUT:
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        return
    assert response.status_code == 200
    context = response.context
    assert context["role"] == {"assigned_practitioner": "practitioner", "other_practitioner": "practitioner",
                               "receptionist": "reception", "manager": "manager"}[role]
    assert "app_list" in context and 'id="apps"' in response.content.decode()  # the models stay a click away
    if role == "assigned_practitioner":
        assert pks(context["own_day"]) == [day["done"].pk, day["due"].pk]
    elif role == "other_practitioner":
        assert pks(context["own_day"]) == [day["late"].pk]
    else:
        assert "own_day" not in context
    assert ("week" in context) == (role == "manager")


def test_the_desk_sees_arrivals_in_order_who_is_in_who_is_late_and_the_gaps(client, staff, day):  # noqa: F811
    client.force_login(staff["receptionist"])
    services.check_in(appointment=day["due"], now=CLOCK)
    context = client.get(HOME).context
    assert pks(context["arrivals"]) == [day["late"].pk]
    assert [row.late for row in context["arrivals"]] == [True]
    assert context["late_count"] == 1
    assert pks(context["checked_in"]) == [day["due"].pk]
    assert pks(context["done"]) == [day["done"].pk]
    # The one room is held by the 12:00 session until 13:15, then free to 19:00.
    assert {(gap["first"], gap["last"]) for gap in context["gaps"]} >= {("14:00", "18:00")}


def test_a_late_client_is_not_late_before_their_time(client, staff, day, monkeypatch):  # noqa: F811
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: local(MONDAY, 10, 15))
    client.force_login(staff["receptionist"])
    context = client.get(HOME).context
    assert [row.late for row in context["arrivals"]] == [False, False]


def test_the_desk_offers_the_buttons_the_policy_allows(client, staff, day):  # noqa: F811
    client.force_login(staff["receptionist"])
    page = client.get(HOME).content.decode()
    assert reverse("admin:bookings_appointment_act", args=[day["late"].pk, "no_show"]) in page
    assert reverse("admin:bookings_appointment_act", args=[day["due"].pk, "check_in"]) in page
    assert reverse("admin:bookings_appointment_act", args=[day["due"].pk, "no_show"]) not in page  # not started


def test_the_desk_reads_no_clinical_record(client, staff, day, studio, manager):  # noqa: F811
    record_intake(actor=manager, client=studio.client, consent_method="paper", consent_text_version="2026-01",
                  fever=True)
    before = RecordAccess.objects.count()
    client.force_login(staff["receptionist"])
    page = client.get(HOME).content.decode()
    assert RecordAccess.objects.count() == before
    assert "Before you start" not in page and "Fever" not in page


def test_a_practitioner_sees_each_client_s_flags_and_last_note_and_the_reads_are_logged(
        client, staff, day, studio, manager):  # noqa: F811
    signed_note(day["done"], assessment="Tight upper back from desk work.", plan="Stretch every hour.")
    record_intake(actor=manager, client=studio.client, consent_method="paper", consent_text_version="2026-01",
                  fever=True)
    client.force_login(staff["assigned_practitioner"])
    before = RecordAccess.objects.count()
    response = client.get(HOME)
    rows = {row.appointment.pk: row for row in response.context["own_day"]}
    assert [flag.tier for flag in rows[day["due"].pk].flags] == ["do_not_treat"]
    assert rows[day["done"].pk].last_note["assessment"] == "Tight upper back from desk work."
    assert rows[day["due"].pk].last_note is None
    page = response.content.decode()
    assert "Tight upper back from desk work." in page and "Stretch every hour." in page
    reads = RecordAccess.objects.order_by("pk")[before:]
    assert all(read.actor == staff["assigned_practitioner"] for read in reads)
    assert sorted((read.subject.split()[0], read.client_id) for read in reads) == sorted([
        ("flags", studio.client.pk), ("flags", studio.other_client.pk), ("session", studio.other_client.pk)])


def test_a_practitioner_never_sees_another_s_clients_records(client, staff, day, studio):  # noqa: F811
    signed_note(day["done"], assessment="Tight upper back from desk work.")
    client.force_login(staff["other_practitioner"])
    response = client.get(HOME)
    # The late client (B) is theirs today; B's note, written by the assigned
    # practitioner, is B's record, which their booking lets them read.
    [row] = response.context["own_day"]
    assert row.appointment.pk == day["late"].pk and row.reads_record
    assert studio.client.full_name not in response.content.decode()


def test_the_manager_sees_the_week_s_figures(client, staff, day, studio):  # noqa: F811
    services.mark_no_show(appointment=day["late"], now=CLOCK)
    cancelled = services.book_appointment(client=studio.client, practitioner=studio.other_practitioner,
                                          service=studio.service, start=local(MONDAY + timedelta(days=2), 10),
                                          source=Source.APP, actor=None, now=NOW)
    services.cancel_appointment(appointment=cancelled, now=local(MONDAY + timedelta(days=2), 8))
    client.force_login(staff["manager"])
    response = client.get(HOME)
    week = response.context["week"]
    assert (week.first_day, week.last_day) == (MONDAY, MONDAY + timedelta(days=6))
    assert (week.booked, week.completed, week.no_shows, week.late_cancellations) == (3, 1, 1, 1)
    assert week.revenue == studio.service.price and week.booked_minutes == 3 * 60
    assert f"₹{studio.service.price:,.0f}" in response.content.decode()


def test_week_figures_count_each_appointment_on_its_location_s_clocks(studio, day):  # noqa: F811
    """Sunday 23:30 in London is Monday 05:00 in Chennai: a day is the
    location's own, whatever the server's zone."""
    figures = selectors.week_figures(MONDAY + timedelta(days=7))
    assert (figures.booked, figures.revenue) == (0, Decimal("0"))
    assert selectors.week_figures(MONDAY).booked == 3
    assert selectors.week_figures(MONDAY - timedelta(days=1), days=1).booked == 0


def test_the_home_page_costs_the_same_queries_for_a_busier_day(client, staff, day, studio,  # noqa: F811
                                                                django_assert_max_num_queries):
    client.force_login(staff["receptionist"])
    client.get(HOME)
    with django_assert_max_num_queries(60) as few:
        client.get(HOME)
    for hour in (15, 17):
        services.book_appointment(client=studio.client, practitioner=studio.practitioner, service=studio.service,
                                  start=local(MONDAY, hour), source=Source.APP, actor=None, now=NOW - timedelta(1))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(HOME)


@pytest.mark.parametrize("role,reports", [("receptionist", False), ("manager", True)])
def test_the_home_links_the_calendar_and_for_managers_the_reports(client, staff, day, role, reports):  # noqa: F811
    client.force_login(staff[role])
    page = client.get(HOME).content.decode()
    assert f'href="{reverse("admin:bookings_calendar")}" data-testid="calendar-link"' in page
    assert ('data-testid="reports-link"' in page) is reports
