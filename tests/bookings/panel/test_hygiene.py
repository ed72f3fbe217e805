"""The panel's hygiene: the appointment list opens on today in time
order, money shows with ₹, a late cancellation is said only of a
cancelled appointment, every staff act leaves its event, staff sessions
end when idle, and the demo tells the therapists their logins."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from bookings import services
from bookings.models import AppointmentEvent, Source
from tests.bookings.panel.test_front_desk import CLOCK, clock, day, events  # noqa: F401  (fixtures)
from tests.bookings.test_policies import staff  # noqa: F401  (fixture)
from tests.scenario import MONDAY, NOW, TUESDAY, local

pytestmark = pytest.mark.django_db

LIST = reverse("admin:bookings_appointment_changelist")
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def tuesday(studio, day):  # noqa: F811
    return services.book_appointment(client=studio.client, practitioner=studio.other_practitioner,
                                     service=studio.service, start=local(TUESDAY, 9), source=Source.APP, actor=None,
                                     now=NOW)


def listed(client, **query) -> list[int]:
    return [row.pk for row in client.get(LIST, query).context["cl"].result_list]


def test_the_list_opens_on_today_in_time_order(client, staff, day, tuesday):  # noqa: F811
    client.force_login(staff["receptionist"])
    assert listed(client) == [day["done"].pk, day["late"].pk, day["due"].pk]


@pytest.mark.parametrize(("asked", "expected"), [
    ("today", ["done", "late", "due"]), ("tomorrow", ["tuesday"]), ("upcoming", ["done", "late", "due", "tuesday"]),
    ("past", []), ("all", ["done", "late", "due", "tuesday"]), (TUESDAY.isoformat(), ["tuesday"]),
    ((MONDAY - timedelta(days=1)).isoformat(), []), ("garbage", ["done", "late", "due"]),
    ("0001-01-01", ["done", "late", "due"]), ("\u0661\u0662", ["done", "late", "due"]),
])
def test_day_navigation(client, staff, day, tuesday, asked, expected):  # noqa: F811
    client.force_login(staff["receptionist"])
    named = {**day, "tuesday": tuesday}
    assert listed(client, day=asked) == [named[name].pk for name in expected]


def test_the_list_steps_a_day_either_way(client, staff, day):  # noqa: F811
    client.force_login(staff["receptionist"])
    page = client.get(LIST, {"day": TUESDAY.isoformat()}).content.decode()
    assert f"?day={MONDAY.isoformat()}" in page and f"?day={(TUESDAY + timedelta(days=1)).isoformat()}" in page
    assert "Asia/Kolkata" in page


def test_a_date_drill_down_is_not_narrowed_to_today(client, staff, day, tuesday):  # noqa: F811
    client.force_login(staff["receptionist"])
    assert tuesday.pk in listed(client, start__year=str(TUESDAY.year), start__month=str(TUESDAY.month))


def test_a_bulk_action_reaches_the_rows_it_names_whatever_day_the_list_shows(client, staff, day, tuesday):  # noqa: F811
    client.force_login(staff["receptionist"])
    client.post(LIST, {"action": "cancel", "_selected_action": [tuesday.pk]})
    tuesday.refresh_from_db()
    assert tuesday.status == "cancelled" and events(tuesday)[-1] == "cancelled"


def test_money_shows_with_the_rupee_sign(client, staff, day, studio):  # noqa: F811
    client.force_login(staff["receptionist"])
    price = f"₹{studio.service.price:,.2f}"
    assert price in client.get(LIST).content.decode()
    assert price in client.get(reverse("admin:bookings_appointment_change", args=[day["due"].pk])).content.decode()


def test_late_cancellation_is_said_only_of_a_cancelled_appointment(client, staff, day):  # noqa: F811
    client.force_login(staff["receptionist"])
    change = reverse("admin:bookings_appointment_change", args=[day["due"].pk])
    page = client.get(change).content.decode()
    assert "cancellation window" not in page and "cancelled in good time" not in page
    services.cancel_appointment(appointment=day["due"], reason="Flu", now=CLOCK)
    assert "Yes: cancelled inside the cancellation window" in client.get(change).content.decode()


def test_a_cancelled_or_finished_appointment_offers_no_time_to_change(client, staff, day):  # noqa: F811
    """The date and time fields are there while it can move; once it is
    cancelled or done they are read-only (the notes stay the policy's)."""
    client.force_login(staff["receptionist"])
    change = reverse("admin:bookings_appointment_change", args=[day["due"].pk])
    assert 'name="start_0"' in client.get(change).content.decode()
    services.cancel_appointment(appointment=day["due"], reason="Flu", now=CLOCK)
    page = client.get(change).content.decode()
    assert 'name="start_0"' not in page and 'name="notes_for_practitioner"' in page
    done = client.get(reverse("admin:bookings_appointment_change", args=[day["done"].pk])).content.decode()
    assert 'name="start_0"' not in done


def test_a_cancellation_in_good_time_says_so(client, staff, studio, tuesday):  # noqa: F811
    services.cancel_appointment(appointment=tuesday, reason="Travelling", now=NOW)
    client.force_login(staff["receptionist"])
    page = client.get(reverse("admin:bookings_appointment_change", args=[tuesday.pk])).content.decode()
    assert "No: cancelled in good time" in page


def test_every_staff_act_on_an_appointment_leaves_its_event(client, staff, day):  # noqa: F811
    """Check in, complete, move, change the notes and cancel, from the panel:
    each leaves an event naming who did it."""
    client.force_login(staff["receptionist"])
    act = "admin:bookings_appointment_act"
    client.post(reverse(act, args=[day["due"].pk, "check_in"]))
    client.post(reverse(act, args=[day["due"].pk, "complete"]))
    client.post(reverse("admin:bookings_appointment_reschedule", args=[day["late"].pk]),
                {"start": local(TUESDAY, 15).isoformat()})
    late_change = reverse("admin:bookings_appointment_change", args=[day["late"].pk])
    page = client.get(late_change).context["adminform"].form
    posted = {name: page.initial.get(name, "") for name in page.fields}
    posted.update({"start_0": "2026-12-08", "start_1": "15:00:00", "notes_for_practitioner": "Left shoulder",
                   "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0",
                   "notifications-TOTAL_FORMS": "0", "notifications-INITIAL_FORMS": "0"})
    posted.pop("start", None)
    assert client.post(late_change, posted).status_code == 302
    client.post(reverse("admin:bookings_appointment_cancel", args=[day["late"].pk]), {"reason": "Flu"})
    by_staff = AppointmentEvent.objects.filter(actor=staff["receptionist"])
    assert sorted(by_staff.values_list("appointment_id", "action")) == sorted([
        (day["due"].pk, "checked_in"), (day["due"].pk, "completed"), (day["late"].pk, "rescheduled"),
        (day["late"].pk, "notes_changed"), (day["late"].pk, "cancelled")])


def test_the_trail_shows_a_move_on_the_location_s_clocks_in_words(client, staff, day, studio):  # noqa: F811
    """An event's details as the staff read them: the old and the new time
    on the location's clocks with the zone (the old one is stored in UTC),
    the colleague handed to by name, statuses by their labels; no JSON."""
    services.reschedule_appointment(appointment=day["due"], start=local(TUESDAY, 15), actor=staff["receptionist"],
                                    practitioner=studio.other_practitioner)
    client.force_login(staff["receptionist"])
    for path in (reverse("admin:bookings_appointment_change", args=[day["due"].pk]),
                 reverse("admin:bookings_appointmentevent_change",
                         args=[AppointmentEvent.objects.get(appointment=day["due"], action="rescheduled").pk])):
        page = client.get(path).content.decode()
        assert "was at: Mon 07 Dec 2026, 12:00 IST" in page and "now at: Tue 08 Dec 2026, 15:00 IST" in page
        assert f"now with: {studio.other_practitioner}" in page and f"was with: {studio.practitioner}" in page
        assert "+00:00" not in page and "previous_start" not in page and "&quot;source&quot;" not in page
        assert not re.search(r">\s*confirmed\s*<", page)  # the status's label, not its code


def test_notes_left_as_they_were_leave_no_event(day):  # noqa: F811
    services.update_notes(appointment=day["due"], notes=day["due"].notes_for_practitioner)
    assert events(day["due"]) == ["booked"]


# -- idle staff sessions --------------------------------------------------------------


def test_a_staff_session_ends_after_the_idle_minutes(client, staff, day, settings):  # noqa: F811
    settings.STAFF_SESSION_IDLE_MINUTES = 20
    client.force_login(staff["receptionist"])
    client.get(reverse("admin:index"))
    assert client.session.get_expiry_age() == 20 * 60
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 20 * 60


def test_a_client_s_session_keeps_django_s_own_age(client, people, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 20
    client.force_login(people["client_a"])
    client.get(reverse("admin:index"))
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def test_the_idle_minutes_are_documented_in_the_env_example():
    lines = (ROOT / ".env.example").read_text().splitlines()
    assert "STAFF_SESSION_IDLE_MINUTES=30" in lines


# -- the demo -------------------------------------------------------------------------


def test_the_demo_tells_the_therapists_their_logins(settings, capsys):
    settings.DEBUG = True
    call_command("load_demo")
    out = capsys.readouterr().out
    for email in ("meena@demo.clinic", "arjun@demo.clinic", "divya@demo.clinic"):
        assert email in out
