"""The front desk's acts in the panel (``bookings.admin.front_desk``): the
life-cycle buttons, cancelling with a reason, moving to a free slot and
booking a walk-in, each for every role, each through the booking service
(same refusals, same events) and never half-written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import policies, services
from bookings.errors import BookingError
from bookings.models import Appointment, AppointmentEvent, AppointmentStatus, Source
from clinic.models import Client
from tests.bookings.test_policies import staff  # noqa: F401  (fixture)
from tests.scenario import MONDAY, NOW, TUESDAY, local

pytestmark = pytest.mark.django_db

Status = AppointmentStatus
CLOCK = local(MONDAY, 11, 30)  # the desk's "now" in these tests
ROLES = ["anonymous", "client_a", "client_b", "assigned_practitioner", "other_practitioner", "receptionist",
         "manager"]
SIGNED_OUT = {"anonymous", "client_a", "client_b"}  # the panel sends them to its login


@pytest.fixture
def clock(monkeypatch):
    """Monday 11:30 in Chennai, for the pages and the services alike."""
    monkeypatch.setattr(timezone, "now", lambda: CLOCK)
    return CLOCK


@pytest.fixture
def day(studio, staff, clock) -> dict[str, Appointment]:  # noqa: F811
    """Monday as the desk sees it at 11:30, booked the day before: a session
    done at 09:00, a client late for 10:30, and one due at 12:00 (client A
    with the assigned practitioner)."""
    def book(client, practitioner, hour, minute=0):
        return services.book_appointment(client=client, practitioner=practitioner, service=studio.service,
                                         start=local(MONDAY, hour, minute), source=Source.APP, actor=None,
                                         now=NOW - timedelta(days=1))

    done = book(studio.other_client, studio.practitioner, 9)
    services.check_in(appointment=done, now=local(MONDAY, 9))
    services.complete(appointment=done, now=local(MONDAY, 10))
    late = book(studio.other_client, studio.other_practitioner, 10, 30)
    due = book(studio.client, studio.practitioner, 12)
    return {"done": done, "late": late, "due": due}


def sign_in(client, staff, role):  # noqa: F811
    if staff[role] is not None:
        client.force_login(staff[role])


def url(name: str, appointment: Appointment, *args) -> str:
    return reverse(f"admin:bookings_appointment_{name}", args=[appointment.pk, *args])


def events(appointment: Appointment) -> list[str]:
    return list(AppointmentEvent.objects.filter(appointment=appointment).values_list("action", flat=True))


# -- the life-cycle buttons ---------------------------------------------------------

CHECK_IN = {"anonymous": 302, "client_a": 302, "client_b": 302, "assigned_practitioner": 302,
            "other_practitioner": 404, "receptionist": 302, "manager": 302}


@pytest.mark.parametrize("role", ROLES)
def test_check_in_button_for_every_role(client, staff, day, role):  # noqa: F811
    sign_in(client, staff, role)
    response = client.post(url("act", day["due"], "check_in"), {"next": reverse("admin:index")})
    assert response.status_code == CHECK_IN[role]
    day["due"].refresh_from_db()
    did = role in {"assigned_practitioner", "receptionist", "manager"}
    assert day["due"].status == (Status.CHECKED_IN if did else Status.CONFIRMED)
    if role in SIGNED_OUT:
        assert "/admin/login/" in response["Location"]
    elif did:
        assert response["Location"] == reverse("admin:index")
        event = AppointmentEvent.objects.get(appointment=day["due"], action="checked_in")
        assert event.actor == staff[role]


def test_a_refused_act_says_why_and_changes_nothing(client, staff, day):  # noqa: F811
    client.force_login(staff["receptionist"])
    response = client.post(url("act", day["due"], "complete"), follow=True)
    assert "A confirmed appointment cannot be completed." in response.content.decode()
    day["due"].refresh_from_db()
    assert day["due"].status == Status.CONFIRMED and events(day["due"]) == ["booked"]


def test_buttons_are_posts_to_known_acts_only(client, staff, day):  # noqa: F811
    client.force_login(staff["receptionist"])
    assert client.get(url("act", day["late"], "no_show")).status_code == 405
    assert client.post(url("act", day["late"], "reschedule")).status_code == 404
    assert client.post(url("act", day["late"], "nonsense")).status_code == 404
    assert client.post(reverse("admin:bookings_appointment_act", args=["x", "check_in"])).status_code == 404
    assert client.post(reverse("admin:bookings_appointment_act", args=["9" * 30, "check_in"])).status_code == 404


def test_a_late_client_is_marked_a_no_show_from_the_button(client, staff, day):  # noqa: F811
    client.force_login(staff["receptionist"])
    client.post(url("act", day["late"], "no_show"))
    day["late"].refresh_from_db()
    assert day["late"].status == Status.NO_SHOW and events(day["late"]) == ["booked", "no_show"]


def test_back_goes_only_to_this_site(client, staff, day):  # noqa: F811
    client.force_login(staff["receptionist"])
    response = client.post(url("act", day["due"], "check_in"), {"next": "https://evil.example.net/"})
    assert response["Location"] == url("change", day["due"])


@pytest.mark.parametrize("role", ["assigned_practitioner", "receptionist"])
def test_the_change_page_offers_the_buttons_the_policy_allows(client, staff, day, role):  # noqa: F811
    sign_in(client, staff, role)
    page = client.get(url("change", day["due"])).content.decode()
    assert 'data-testid="act-check_in"' in page
    assert 'data-testid="act-no_show"' not in page  # not started yet
    assert url("reschedule", day["due"]) in page and url("cancel", day["due"]) in page
    done = client.get(url("change", day["done"])).content.decode() if role == "assigned_practitioner" else ""
    assert 'data-testid="act-' not in done  # a completed session has nothing left to do


def test_check_in_is_offered_from_when_it_opens(client, staff, day, studio, settings):  # noqa: F811
    """Tomorrow's session offers no check-in (the service would refuse it:
    it opens two hours before the start); today's at 12:00 does at 11:30,
    and one at 14:00 does not yet."""
    settings.CHECK_IN_OPENS_MINUTES = 120
    client.force_login(staff["receptionist"])
    tomorrow = services.book_appointment(client=studio.other_client, practitioner=studio.practitioner,
                                         service=studio.service, start=local(TUESDAY, 10), source=Source.APP,
                                         actor=None, now=NOW)
    later = services.book_appointment(client=studio.other_client, practitioner=studio.other_practitioner,
                                      service=studio.service, start=local(MONDAY, 14), source=Source.APP,
                                      actor=None, now=NOW)
    assert 'data-testid="act-check_in"' not in client.get(url("change", tomorrow)).content.decode()
    assert 'data-testid="act-check_in"' not in client.get(url("change", later)).content.decode()
    assert 'data-testid="act-check_in"' in client.get(url("change", day["due"])).content.decode()
    settings.CHECK_IN_OPENS_MINUTES = 150
    assert 'data-testid="act-check_in"' in client.get(url("change", later)).content.decode()


def test_a_practitioner_is_offered_no_move_once_it_has_started(client, staff, day, monkeypatch):  # noqa: F811
    monkeypatch.setattr(timezone, "now", lambda: local(MONDAY, 12, 5))
    client.force_login(staff["assigned_practitioner"])
    page = client.get(url("change", day["due"])).content.decode()
    assert url("reschedule", day["due"]) not in page and url("cancel", day["due"]) not in page
    assert client.get(url("reschedule", day["due"])).status_code == 403
    assert client.get(url("cancel", day["due"])).status_code == 403


# -- cancelling with a reason -------------------------------------------------------

PAGE = {"anonymous": 302, "client_a": 302, "client_b": 302, "assigned_practitioner": 200,
        "other_practitioner": 404, "receptionist": 200, "manager": 200}


@pytest.mark.parametrize("role", ROLES)
def test_cancel_page_for_every_role(client, staff, day, role):  # noqa: F811
    sign_in(client, staff, role)
    assert client.get(url("cancel", day["due"])).status_code == PAGE[role]
    response = client.post(url("cancel", day["due"]), {"reason": "Fever; will call to rebook"})
    day["due"].refresh_from_db()
    did = PAGE[role] == 200
    assert response.status_code == (302 if did or role in SIGNED_OUT else 404)
    assert day["due"].status == (Status.CANCELLED if did else Status.CONFIRMED)
    if did:
        assert day["due"].cancellation_reason == "Fever; will call to rebook"
        assert day["due"].late_cancellation  # half an hour ahead: inside the window
        assert events(day["due"]) == ["booked", "cancelled"]


def test_a_cancellation_needs_its_reason(client, staff, day):  # noqa: F811
    client.force_login(staff["receptionist"])
    response = client.post(url("cancel", day["due"]), {"reason": "  "})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    day["due"].refresh_from_db()
    assert day["due"].status == Status.CONFIRMED


def test_the_cancel_page_warns_of_a_late_cancellation(client, staff, day):  # noqa: F811
    client.force_login(staff["receptionist"])
    assert "late cancellation" in client.get(url("cancel", day["due"])).content.decode()


def test_cancelling_a_completed_session_is_refused_on_the_form(client, staff, day):  # noqa: F811
    client.force_login(staff["receptionist"])
    response = client.post(url("cancel", day["done"]), {"reason": "Wrong"})
    assert response.status_code == 400
    assert "A completed appointment cannot be cancelled." in response.content.decode()


# -- moving to a free slot ----------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_reschedule_page_for_every_role(client, staff, day, role):  # noqa: F811
    sign_in(client, staff, role)
    assert client.get(url("reschedule", day["due"])).status_code == PAGE[role]


def test_the_page_lists_the_practitioner_s_free_starts_in_the_location_s_zone(client, staff, day):  # noqa: F811
    client.force_login(staff["receptionist"])
    response = client.get(url("reschedule", day["due"]))
    page = response.content.decode()
    assert "Asia/Kolkata" in page
    offered = [start["value"] for one_day in response.context["days"] for start in one_day["starts"]]
    assert local(MONDAY, 14).isoformat() in offered
    # The desk moves inside the minimum notice (two hours), but not into
    # the past: 11:15 is not offered at 11:30.
    assert local(MONDAY, 11, 15).isoformat() not in offered
    assert response.context["days"][0]["day"] == MONDAY


def test_a_session_slides_into_its_own_time(client, staff, day):  # noqa: F811
    """The appointment's own time is not busy for its move, as the booking
    service judges it: the client is early, and the desk is offered 11:45
    for the 12:00 session (the hour before lunch has no other start) and
    moves it there; the start it has already is no choice."""
    client.force_login(staff["receptionist"])
    response = client.get(url("reschedule", day["due"]))
    offered = [start["value"] for one_day in response.context["days"] for start in one_day["starts"]]
    assert local(MONDAY, 11, 45).isoformat() in offered
    assert local(MONDAY, 12).isoformat() not in offered
    response = client.post(url("reschedule", day["due"]), {"start": local(MONDAY, 11, 45).isoformat()})
    assert response.status_code == 302
    day["due"].refresh_from_db()
    assert day["due"].start == local(MONDAY, 11, 45)


def test_a_session_that_is_over_offers_no_times_and_says_why(client, staff, day):  # noqa: F811
    client.force_login(staff["receptionist"])
    response = client.get(url("reschedule", day["done"]))
    page = response.content.decode()
    assert response.status_code == 409 and "A completed appointment cannot be rescheduled." in page
    assert 'data-testid="slot"' not in page and "days" not in response.context


def test_choosing_a_slot_moves_it_through_the_service(client, staff, day):  # noqa: F811
    client.force_login(staff["receptionist"])
    response = client.post(url("reschedule", day["due"]), {"start": local(TUESDAY, 15).isoformat()})
    assert response.status_code == 302
    day["due"].refresh_from_db()
    assert day["due"].start == local(TUESDAY, 15)
    event = AppointmentEvent.objects.get(appointment=day["due"], action="rescheduled")
    assert event.actor == staff["receptionist"]


def test_a_slot_taken_meanwhile_offers_the_nearest_free_ones(client, staff, day, studio):  # noqa: F811
    client.force_login(staff["receptionist"])
    wanted = local(TUESDAY, 15)
    page = client.get(url("reschedule", day["due"]), {"day": TUESDAY.isoformat()})
    assert wanted.isoformat() in page.content.decode()
    # Someone else books the studio's one room at that time first.
    services.book_appointment(client=studio.other_client, practitioner=studio.other_practitioner,
                              service=studio.service, start=wanted, source=Source.APP, actor=None, now=NOW)
    response = client.post(url("reschedule", day["due"]), {"start": wanted.isoformat()})
    assert response.status_code == 409
    assert "No treatment room is free at that time." in response.content.decode()
    nearest = [start["value"] for start in response.context["nearest"]]
    assert nearest and wanted.isoformat() not in nearest
    day["due"].refresh_from_db()
    assert day["due"].start == local(MONDAY, 12) and events(day["due"]) == ["booked"]


@pytest.mark.parametrize("start", ["", "tomorrow", "2026-12-08T15:00", "9999-12-08T15:00:00+05:30", "x" * 500])
def test_a_start_that_is_no_offered_time_is_a_form_error(client, staff, day, start):  # noqa: F811
    client.force_login(staff["receptionist"])
    response = client.post(url("reschedule", day["due"]), {"start": start})
    assert response.status_code == 400 and "Choose one of the offered times." in response.content.decode()


@pytest.mark.parametrize("asked", ["", "x", "2026-13-01", "99999-01-01", "0001-01-01"])
def test_a_bad_day_shows_the_appointment_s_own(client, staff, day, asked):  # noqa: F811
    client.force_login(staff["receptionist"])
    response = client.get(url("reschedule", day["due"]), {"day": asked})
    assert response.status_code == 200 and response.context["days"][0]["day"] == MONDAY


# -- walk-ins -----------------------------------------------------------------------

WALK_IN = reverse("admin:walk_in")
WALK_IN_PAGE = {"anonymous": 302, "client_a": 302, "client_b": 302, "assigned_practitioner": 403,
                "other_practitioner": 403, "receptionist": 200, "manager": 200}


def walk_in(studio, **extra):
    return {"phone": "098400 11111", "client": "new", "full_name": "Anita Rao", "email": "",
            "service": studio.service.pk, "practitioner": "", "when": "now", **extra}


@pytest.mark.parametrize("role", ROLES)
def test_walk_in_page_for_every_role(client, staff, day, studio, role):  # noqa: F811
    sign_in(client, staff, role)
    assert client.get(WALK_IN).status_code == WALK_IN_PAGE[role]
    before = Appointment.objects.count(), Client.objects.count()
    response = client.post(WALK_IN, walk_in(studio, when="next"))
    booked = WALK_IN_PAGE[role] == 200
    assert response.status_code == (302 if booked or role in SIGNED_OUT else 403)
    assert (Appointment.objects.count(), Client.objects.count()) == (
        (before[0] + 1, before[1] + 1) if booked else before)


def test_a_walk_in_now_is_booked_inside_the_minimum_notice(client, staff, day, studio):  # noqa: F811
    """11:30, the late client and the 12:00 one have cancelled, so the one
    room is free: "now" is 11:30 on the grid, well inside the two hours'
    notice a client booking online must give."""
    client.force_login(staff["receptionist"])
    for gone in (day["late"], day["due"]):
        services.cancel_appointment(appointment=gone, reason="Not coming", now=CLOCK)
    response = client.post(WALK_IN, walk_in(studio, phone="+91 98400-22222"))
    assert response.status_code == 302
    appointment = Appointment.objects.latest("pk")
    assert appointment.start == local(MONDAY, 11, 30) and appointment.client.full_name == "Anita Rao"
    assert str(appointment.client.phone) == "+919840022222" and appointment.source == Source.STAFF
    event = AppointmentEvent.objects.get(appointment=appointment)
    assert event.action == "booked" and event.actor == staff["receptionist"]


def test_a_walk_in_whose_time_is_taken_gets_the_nearest_and_no_record(client, staff, day, studio):  # noqa: F811
    client.force_login(staff["receptionist"])
    before = Client.objects.count()
    response = client.post(WALK_IN, walk_in(studio))
    assert response.status_code == 409
    assert Client.objects.count() == before  # the booking's own transaction took the record back
    nearest = response.context["nearest"]
    assert nearest
    again = client.post(WALK_IN, walk_in(studio, start=nearest[0]["value"]))
    assert again.status_code == 302 and Client.objects.count() == before + 1


@pytest.mark.parametrize("typed", ["09840012345", "+91 98400 12345", "919840012345", "(098400) 12-345"])
def test_a_walk_in_finds_the_client_however_the_phone_is_typed(client, staff, day, studio, typed):  # noqa: F811
    studio.client.phone = "+919840012345"
    studio.client.save(update_fields=["phone"])
    client.force_login(staff["receptionist"])
    response = client.get(WALK_IN, {"phone": typed})
    assert [found.pk for found in response.context["matches"]] == [studio.client.pk]


def test_a_walk_in_for_a_client_found_books_for_them(client, staff, day, studio):  # noqa: F811
    client.force_login(staff["receptionist"])
    phone = str(studio.other_client.phone)
    response = client.post(WALK_IN, walk_in(studio, phone=phone, client=str(studio.other_client.pk), full_name="",
                                            when="next"))
    assert response.status_code == 302
    assert Appointment.objects.latest("pk").client == studio.other_client


def test_a_walk_in_cannot_name_a_client_the_phone_did_not_find(client, staff, day, studio):  # noqa: F811
    client.force_login(staff["receptionist"])
    response = client.post(WALK_IN, walk_in(studio, client=str(studio.client.pk), when="next"))
    assert response.status_code == 400
    assert "Choose one of the clients found with this phone" in response.content.decode()


def test_a_new_walk_in_sharing_a_phone_is_booked_with_a_warning(client, staff, day, studio):  # noqa: F811
    client.force_login(staff["receptionist"])
    phone = str(studio.client.phone)
    response = client.post(WALK_IN, walk_in(studio, phone=phone, when="next"), follow=True)
    assert response.status_code == 200
    assert Client.objects.filter(phone=phone).count() == 2
    warnings = [str(message) for message in response.context["messages"] if message.level_tag == "warning"]
    assert len(warnings) == 1 and studio.client.full_name in warnings[0]
    assert reverse("admin:clinic_client_change", args=[studio.client.pk]) in warnings[0]


@pytest.mark.parametrize("phone", ["", "12345", "phone", "+1 202"])
def test_an_unreadable_phone_is_a_form_error(client, staff, day, studio, phone):  # noqa: F811
    client.force_login(staff["receptionist"])
    before = Client.objects.count(), Appointment.objects.count()
    response = client.post(WALK_IN, walk_in(studio, phone=phone))
    assert response.status_code == 400
    assert (Client.objects.count(), Appointment.objects.count()) == before


def test_a_new_walk_in_needs_a_name(client, staff, day, studio):  # noqa: F811
    client.force_login(staff["receptionist"])
    response = client.post(WALK_IN, {**walk_in(studio, full_name=""), "phone": "09840011111"}, follow=True)
    assert response.status_code == 400 and "Give the new client&#x27;s name." in response.content.decode()


# -- the rule behind "now": the minimum notice -----------------------------------------


def test_the_front_desk_books_inside_the_minimum_notice_and_a_client_cannot(studio, people):
    soon = local(MONDAY, 9)  # an hour after the clock; the notice is two hours
    assert policies.bound_by_min_notice(people["client_a"])
    assert policies.bound_by_min_notice(None)  # the pages' visitors, the system
    assert not policies.bound_by_min_notice(people["receptionist"])
    with pytest.raises(BookingError) as refused:
        services.book_appointment(client=None, service=studio.service, start=soon, practitioner=studio.practitioner,
                                  actor=people["client_a"], source=Source.APP, now=NOW)
    assert refused.value.code == "too_soon"
    with pytest.raises(BookingError) as refused:
        services.check_page_booking(user=None, service=studio.service, start=soon, practitioner=studio.practitioner,
                                    now=NOW)
    assert refused.value.code == "too_soon"
    booked = services.book_appointment(client=studio.client, service=studio.service, start=soon,
                                       practitioner=studio.practitioner, actor=people["receptionist"],
                                       source=Source.STAFF, now=NOW)
    assert booked.start == soon


def test_the_desk_moves_inside_the_notice_and_the_client_cannot(studio, people):
    appointment = services.book_appointment(client=studio.client, service=studio.service, start=local(TUESDAY, 10),
                                            practitioner=studio.practitioner, actor=None, source=Source.APP, now=NOW)
    soon = local(MONDAY, 9)
    with pytest.raises(BookingError) as refused:
        services.reschedule_appointment(appointment=appointment, start=soon, actor=people["client_a"], now=NOW)
    assert refused.value.code == "too_soon"
    moved = services.reschedule_appointment(appointment=appointment, start=soon, actor=people["receptionist"],
                                            now=NOW)
    assert moved.start == soon


def test_a_practitioner_does_not_book_walk_ins(studio, people):
    before = Client.objects.count()
    with pytest.raises(BookingError) as refused:
        services.book_walk_in(client=None, newcomer=services.Visitor("Ravi", "+919840099999", ""),
                              service=studio.service, start=local(MONDAY, 9) + timedelta(hours=2),
                              actor=people["assigned_practitioner"], now=NOW)
    assert refused.value.code == "permission_denied" and Client.objects.count() == before


# -- cancelling several at once, with one reason ------------------------------------


def test_cancelling_several_asks_the_reason_first(client, staff, day):  # noqa: F811
    client.force_login(staff["receptionist"])
    chosen = {"action": "cancel_selected", "_selected_action": [day["late"].pk, day["due"].pk]}
    asked = client.post(reverse("admin:bookings_appointment_changelist"), chosen)
    assert asked.status_code == 200 and "Cancel the selected appointments" in asked.content.decode()
    assert Appointment.objects.filter(status=Status.CANCELLED).count() == 0
    blank = client.post(reverse("admin:bookings_appointment_changelist"), {**chosen, "apply": "1", "reason": ""})
    assert blank.status_code == 400 and Appointment.objects.filter(status=Status.CANCELLED).count() == 0
    client.post(reverse("admin:bookings_appointment_changelist"), {**chosen, "apply": "1", "reason": "Power cut"})
    for name in ("late", "due"):
        day[name].refresh_from_db()
        assert day[name].status == Status.CANCELLED and day[name].cancellation_reason == "Power cut"
        assert events(day[name])[-1] == "cancelled"


def test_cancelling_several_cancels_only_what_the_user_may(client, staff, day):  # noqa: F811
    client.force_login(staff["assigned_practitioner"])
    client.post(reverse("admin:bookings_appointment_changelist"), {
        "action": "cancel_selected", "_selected_action": [day["late"].pk, day["due"].pk], "apply": "1",
        "reason": "Unwell"})
    day["late"].refresh_from_db()
    day["due"].refresh_from_db()
    assert day["due"].status == Status.CANCELLED  # their own, not started
    assert day["late"].status == Status.CONFIRMED  # another practitioner's: not even in their list
