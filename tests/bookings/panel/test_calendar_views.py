"""The calendar pages and the move a drag asks for, for every role: who
sees which columns and blocks, who may move what, and that a refusal
(the policy's, the booking rules', a forged request's) changes nothing."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.test import Client as BrowserClient
from django.urls import reverse

from bookings.models import Appointment, AppointmentEvent
from tests.api.conftest import ROLES
from tests.bookings.test_policies import staff  # noqa: F401  (fixture)
from tests.scenario import local, next_tuesday
from tests.treatments.intake.factories import IntakeFactory
from treatments.models import RecordAccess

pytestmark = pytest.mark.django_db

DAY, WEEK, ROOMS, MOVE = (reverse(f"admin:bookings_calendar{tail}") for tail in ("", "_week", "_rooms", "_move"))
PAGES = {"day": DAY, "week": WEEK, "rooms": ROOMS}
SEES_THE_BLOCK = {"assigned_practitioner", "receptionist", "manager"}
MAY_MOVE = {"assigned_practitioner", "receptionist", "manager"}
SIGNED_OUT_OF_THE_PANEL = {"anonymous", "client_a", "client_b"}


def as_role(client, staff, role):
    if staff[role] is not None:
        client.force_login(staff[role])
    return client


def blocks(response) -> list[int]:
    """The ids of the appointments the grid shows."""
    return [block.appointment.pk for column in response.context["grid"].columns for block in column.blocks]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_who_sees_which_columns_and_blocks(client, staff, studio, booked, role, page):
    response = as_role(client, staff, role).get(PAGES[page], {"date": next_tuesday().isoformat()})
    if role in SIGNED_OUT_OF_THE_PANEL:
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        return
    assert response.status_code == 200
    assert (booked.pk in blocks(response)) is (role in SEES_THE_BLOCK)
    if page == "rooms":
        return
    shown = {column.practitioner for column in response.context["grid"].columns}
    if role in ("receptionist", "manager"):
        assert shown == {studio.practitioner, studio.other_practitioner}
    else:  # a practitioner sees their own column, no colleague's
        own = studio.practitioner if role == "assigned_practitioner" else studio.other_practitioner
        assert shown == {own}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ["assigned_practitioner", "other_practitioner", "receptionist", "manager"])
def test_the_rooms_say_when_they_show_only_the_viewer_s_own_bookings(client, staff, booked, role, page):
    """Found by a new-user pass: a practitioner's rooms view leaves out
    colleagues' bookings (the policy), so a taken room looked free."""
    response = as_role(client, staff, role).get(PAGES[page], {"date": next_tuesday().isoformat()})
    noted = 'data-testid="only-own"' in response.content.decode()
    assert noted is (page == "rooms" and role.endswith("practitioner"))


def test_the_page_names_the_zone_and_links_each_block(client, staff, booked):
    response = as_role(client, staff, "receptionist").get(DAY, {"date": next_tuesday().isoformat()})
    page = response.content.decode()
    assert "Asia/Kolkata (IST)" in page
    assert reverse("admin:bookings_appointment_change", args=[booked.pk]) in page
    assert "10:00–11:00" in page


def test_only_those_who_book_get_links_from_empty_times(client, staff, studio, booked):
    add = reverse("admin:bookings_appointment_add")
    desk = as_role(client, staff, "receptionist").get(DAY, {"date": next_tuesday().isoformat()})
    column = next(c for c in desk.context["grid"].columns if c.practitioner == studio.practitioner)
    ten = next(slot for slot in column.slots if slot["local"].hour == 10)
    # None where nobody works (before 09:00, the lunch hour): the rules would refuse them.
    assert [slot["local"].hour for slot in column.slots] == [9, 10, 11, 12, 14, 15, 16, 17, 18]
    assert ten["url"] == f"{add}?start={next_tuesday().isoformat()}T10%3A00&practitioner={studio.practitioner.pk}"
    other = BrowserClient()
    treating = as_role(other, staff, "assigned_practitioner").get(DAY, {"date": next_tuesday().isoformat()})
    assert all(not slot["url"] for c in treating.context["grid"].columns for slot in c.slots)


@pytest.mark.parametrize(("role", "view", "moving", "booking"), [
    ("receptionist", "day", True, True), ("receptionist", "rooms", True, False),
    ("assigned_practitioner", "day", True, False), ("assigned_practitioner", "week", True, False),
])
def test_the_help_under_the_grid_offers_only_what_the_viewer_can_do(client, staff, booked, role, view, moving,
                                                                    booking):
    page = as_role(client, staff, role).get(PAGES[view], {"date": next_tuesday().isoformat()}).content.decode()
    assert ("Drag a block to another time" in page) is moving
    assert ("Click an empty time to book there." in page) is booking


def test_the_week_books_from_one_address_per_column_and_its_days_open_the_day_view(client, staff, studio, booked):
    """The week carries no link per hour: a column the caller may book in
    names the booking form once (the script adds the start), and each
    column's day links to the day view, whose hours are links."""
    add = reverse("admin:bookings_appointment_add")
    day = next_tuesday()
    desk = as_role(client, staff, "receptionist").get(WEEK, {"date": day.isoformat()})
    page = desk.content.decode()
    assert 'class="slot"' not in page
    assert all(not column.slots for column in desk.context["grid"].columns)
    mine = next(c for c in desk.context["grid"].columns
                if c.practitioner == studio.practitioner and c.day == day)
    assert mine.book_url == f"{add}?practitioner={studio.practitioner.pk}"
    assert f'data-book="{add}?practitioner={studio.practitioner.pk}"' in page
    to_day = f'href="{DAY}?location={studio.location.pk}&amp;date={day.isoformat()}"'
    assert to_day in page
    treating = as_role(BrowserClient(), staff, "assigned_practitioner").get(WEEK, {"date": day.isoformat()})
    assert "data-book=" not in treating.content.decode()  # practitioners do not book


@pytest.mark.parametrize("page", PAGES)
def test_the_calendar_keeps_the_panel_s_frame_without_the_sidebar(client, staff, booked, page):
    """The header, the breadcrumbs and the messages stay; the sidebar's
    list of every model (built anew for each request) does not."""
    response = as_role(client, staff, "receptionist").get(PAGES[page], {"date": next_tuesday().isoformat()})
    text = response.content.decode()
    assert 'id="header"' in text and 'class="breadcrumbs"' in text
    assert 'id="nav-sidebar"' not in text
    assert response.context["available_apps"] == []


@pytest.mark.parametrize("query", [{"date": "2026-02-30"}, {"date": "9999-01-01"}, {"date": "1\t"},
                                   {"location": "x"}, {"practitioner": "1;2"}, {"date": "' OR 1=1 --"}])
def test_a_query_it_cannot_read_is_a_400_that_says_why(client, staff, booked, query):
    response = as_role(client, staff, "manager").get(DAY, query)
    assert response.status_code == 400
    assert response.context["problem"]


def test_an_unknown_location_is_a_404(client, staff, booked):
    assert as_role(client, staff, "manager").get(DAY, {"location": "999999"}).status_code == 404


# -- flags ------------------------------------------------------------------------------


def test_flags_show_to_those_who_read_clinical_content_and_each_read_is_logged(client, staff, studio, booked):
    IntakeFactory(client=studio.client, fever=True)
    for role, sees in (("receptionist", False), ("other_practitioner", False), ("assigned_practitioner", True),
                       ("manager", True)):
        browser = as_role(BrowserClient(), staff, role)
        before = RecordAccess.objects.filter(client=studio.client, actor=staff[role]).count()
        response = browser.get(DAY, {"date": next_tuesday().isoformat()})
        flags = [flag for column in response.context["grid"].columns for block in column.blocks
                 for flag in block.flags]
        assert bool(flags) is sees, role
        logged = RecordAccess.objects.filter(client=studio.client, actor=staff[role]).count() - before
        assert logged == (1 if sees else 0), role
    assert "review" not in booked.review_reason  # the receptionist's view of it comes from the appointment


# -- moving -------------------------------------------------------------------------------


def move(client, appointment, start, *, json=True, **extra):
    headers = {"HTTP_ACCEPT": "application/json"} if json else {}
    return client.post(MOVE, {"appointment": appointment.pk, "start": start, **extra}, **headers)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_move_by_drag(client, staff, booked, role):
    target = f"{next_tuesday().isoformat()}T15:00"
    response = move(as_role(client, staff, role), booked, target)
    booked.refresh_from_db()
    if role in MAY_MOVE:
        assert response.status_code == 200 and response.json()["ok"]
        assert booked.start == local(next_tuesday(), 15)
        assert AppointmentEvent.objects.filter(appointment=booked, action="rescheduled").count() == 1
        return
    if role in SIGNED_OUT_OF_THE_PANEL:
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    else:
        assert response.status_code == 404
    assert booked.start == local(next_tuesday(), 10)
    assert not AppointmentEvent.objects.filter(appointment=booked, action="rescheduled").exists()


def test_a_practitioner_may_not_move_one_that_has_started_the_front_desk_may(client, staff, booked):
    started = booked.start - timedelta(days=30)
    Appointment.objects.filter(pk=booked.pk).update(start=started, end=started + timedelta(hours=1),
                                                    buffer_end=started + timedelta(minutes=75))
    target = f"{next_tuesday().isoformat()}T15:00"
    response = move(as_role(client, staff, "assigned_practitioner"), booked, target)
    assert response.status_code == 403
    assert "once it has started" in response.json()["detail"]
    booked.refresh_from_db()
    assert booked.start == started
    desk = move(as_role(BrowserClient(), staff, "receptionist"), booked, target)
    assert desk.status_code == 200


@pytest.mark.parametrize(("start", "status", "code"), [
    ("T13:15", 400, "outside_working_hours"),  # the lunch break
    ("T10:07", 400, "off_grid"),
    ("T15:00", 409, "no_room"),  # the studio's one room is taken then (below)
    ("T15:30", 409, "no_room"),
])
def test_the_booking_rules_refusal_comes_back_and_nothing_changes(client, staff, studio, booked, start, status,
                                                                  code):
    from bookings import services
    from bookings.models import Source

    services.book_appointment(client=studio.other_client, practitioner=studio.other_practitioner,
                              service=studio.service, start=local(next_tuesday(), 15), source=Source.APP, actor=None)
    events = AppointmentEvent.objects.count()
    response = move(as_role(client, staff, "receptionist"), booked, next_tuesday().isoformat() + start)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.json()["detail"]
    booked.refresh_from_db()
    assert booked.start == local(next_tuesday(), 10)
    assert AppointmentEvent.objects.count() == events


@pytest.mark.parametrize("start", ["", "tomorrow", "2026-12-08T10:00+05:30", "9999-12-31T10:00", "10:00\t"])
def test_a_start_it_cannot_read_is_a_400(client, staff, booked, start):
    response = move(as_role(client, staff, "manager"), booked, start)
    assert response.status_code == 400 and response.json()["code"] == "invalid_start"
    booked.refresh_from_db()
    assert booked.start == local(next_tuesday(), 10)


@pytest.mark.parametrize("role", ["receptionist", "manager"])
def test_the_front_desk_drops_a_block_on_a_colleague_s_column(client, staff, studio, booked, role):
    """Handed over through the booking rules: the colleague offers the
    treatment and is free then; the trail names both, and the client is told."""
    studio.client.email_reminders = True
    studio.client.save(update_fields=["email_reminders"])
    response = move(as_role(client, staff, role), booked, f"{next_tuesday().isoformat()}T15:00",
                    practitioner=studio.other_practitioner.pk)
    assert response.status_code == 200 and response.json()["ok"]
    booked.refresh_from_db()
    assert (booked.practitioner, booked.start) == (studio.other_practitioner, local(next_tuesday(), 15))
    event = AppointmentEvent.objects.get(appointment=booked, action="rescheduled")
    assert (event.details["previous_practitioner"], event.details["new_practitioner"]) == (
        studio.practitioner.pk, studio.other_practitioner.pk)
    assert booked.notifications.filter(kind="rescheduled").exists()


def test_the_same_time_with_a_colleague_is_a_handover_too(client, staff, studio, booked):
    response = move(as_role(client, staff, "receptionist"), booked, f"{next_tuesday().isoformat()}T10:00",
                    practitioner=studio.other_practitioner.pk)
    assert response.status_code == 200
    booked.refresh_from_db()
    assert (booked.practitioner, booked.start) == (studio.other_practitioner, local(next_tuesday(), 10))


def unchanged(booked, studio) -> bool:
    booked.refresh_from_db()
    return (booked.practitioner, booked.start) == (studio.practitioner, local(next_tuesday(), 10)) and not \
        AppointmentEvent.objects.filter(appointment=booked, action="rescheduled").exists()


def test_a_practitioner_may_not_hand_their_client_to_a_colleague(client, staff, studio, booked):
    response = move(as_role(client, staff, "assigned_practitioner"), booked, f"{next_tuesday().isoformat()}T15:00",
                    practitioner=studio.other_practitioner.pk)
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert unchanged(booked, studio)


def test_a_colleague_who_does_not_offer_the_treatment_cannot_take_it(client, staff, studio, booked):
    stranger = studio.add_practitioner()
    stranger.services.clear()
    response = move(as_role(client, staff, "manager"), booked, f"{next_tuesday().isoformat()}T15:00",
                    practitioner=stranger.pk)
    assert response.status_code == 400 and response.json()["code"] == "service_not_offered"
    assert unchanged(booked, studio)


def test_a_colleague_booked_then_cannot_take_it(client, staff, studio, booked):
    from bookings import services
    from bookings.models import Source
    services.book_appointment(client=studio.other_client, practitioner=studio.other_practitioner,
                              service=studio.service, start=local(next_tuesday(), 15), source=Source.STAFF, actor=None)
    response = move(as_role(client, staff, "manager"), booked, f"{next_tuesday().isoformat()}T15:00",
                    practitioner=studio.other_practitioner.pk)
    assert response.status_code == 409
    assert unchanged(booked, studio)


@pytest.mark.parametrize("practitioner", ["999999", "x", "1" * 12])
def test_a_column_that_is_no_practitioner_is_a_400(client, staff, studio, booked, practitioner):
    response = move(as_role(client, staff, "manager"), booked, f"{next_tuesday().isoformat()}T15:00",
                    practitioner=practitioner)
    assert response.status_code == 400 and response.json()["code"] == "practitioner_missing"
    assert unchanged(booked, studio)


def test_without_the_script_the_move_redirects_back_with_a_message(client, staff, booked):
    back = f"{DAY}?date={next_tuesday().isoformat()}"
    response = move(as_role(client, staff, "manager"), booked, f"{next_tuesday().isoformat()}T13:15", json=False,
                    next=back)
    assert response.status_code == 302 and response["Location"] == back
    page = client.get(back)
    assert "does not work at that time" in page.content.decode()
    offsite = move(client, booked, f"{next_tuesday().isoformat()}T15:00", json=False, next="https://evil.test/")
    assert offsite["Location"] == DAY


def test_the_move_needs_the_csrf_token_and_a_post(staff, booked):
    browser = as_role(BrowserClient(enforce_csrf_checks=True), staff, "manager")
    response = move(browser, booked, f"{next_tuesday().isoformat()}T15:00")
    assert response.status_code == 403
    booked.refresh_from_db()
    assert booked.start == local(next_tuesday(), 10)
    assert as_role(BrowserClient(), staff, "manager").get(MOVE).status_code == 405


@pytest.mark.parametrize("text", ["x", "", "99999999999", str(10**6)])
def test_an_appointment_it_cannot_find_is_a_404(client, staff, booked, text):
    response = as_role(client, staff, "manager").post(MOVE, {"appointment": text, "start": "2026-12-08T10:00"})
    assert response.status_code == 404


# -- the booking form an empty time opens -------------------------------------------------------


def test_an_empty_time_opens_the_booking_form_filled_in(client, staff, studio):
    add = reverse("admin:bookings_appointment_add")
    response = as_role(client, staff, "receptionist").get(
        add, {"practitioner": studio.practitioner.pk, "start": f"{next_tuesday().isoformat()}T10:15"})
    form = response.context["adminform"].form
    assert str(form.initial["practitioner"]) == str(studio.practitioner.pk)
    assert form.initial["start"] == datetime.combine(next_tuesday(), time(10, 15))  # on the clocks, no zone
    assert 'value="10:15:00"' in response.content.decode()


@pytest.mark.parametrize("start", ["x", "\t", "9999-12-31T10:00", "2026-12-08T10:00+01:00", ""])
def test_a_start_the_form_cannot_read_is_left_blank(client, staff, start):
    response = as_role(client, staff, "receptionist").get(reverse("admin:bookings_appointment_add"),
                                                          {"start": start})
    assert response.status_code == 200
    assert "start" not in response.context["adminform"].form.initial


def test_one_person_s_week_and_no_one_else_s_by_asking(client, staff, studio, booked):
    desk = as_role(client, staff, "receptionist").get(
        WEEK, {"date": next_tuesday().isoformat(), "practitioner": studio.practitioner.pk})
    assert {column.practitioner for column in desk.context["grid"].columns} == {studio.practitioner}
    assert [choice["name"] for choice in desk.context["only"]][0] == "Everyone"
    other = as_role(BrowserClient(), staff, "other_practitioner").get(
        WEEK, {"date": next_tuesday().isoformat(), "practitioner": studio.practitioner.pk})
    assert other.status_code == 200
    assert other.context["grid"].columns == [] and booked.pk not in blocks(other)


def test_a_block_that_is_over_offers_no_move_to_anyone(client, staff, booked):
    """The front desk may move anything that can still move; a session
    that is over cannot, so it is neither draggable nor has a move link."""
    from bookings.models import AppointmentStatus

    desk = as_role(client, staff, "manager")
    blocks_of = lambda: [block for column in desk.get(DAY, {"date": next_tuesday().isoformat()}).context[  # noqa: E731
        "grid"].columns for block in column.blocks if block.appointment.pk == booked.pk]
    assert [block.movable for block in blocks_of()] == [True]
    Appointment.objects.filter(pk=booked.pk).update(status=AppointmentStatus.COMPLETED)
    assert [(block.movable, block.move_url) for block in blocks_of()] == [(False, "")]
