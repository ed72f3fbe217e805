"""The staff panel works in the location's time zone, whatever the
server's: what is typed is read on the location's clocks, and every
date-time shown says which zone it is in (never UTC).

Each case puts the location in one zone and the server in another: London
in summer and in winter time (the first week after each change) with the
server in Kolkata, and Kolkata (a half-hour offset) with the server in
London."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from bookings import services
from bookings.models import Appointment, Source, TimeOff
from clinic import roles
from clinic.models import Client, Location, Practitioner
from tests.bookings.factories import TimeOffFactory
from tests.clinic.factories import ClientFactory, LocationFactory, PractitionerFactory, RoomFactory
from tests.scenario import give_hours
from tests.treatments.factories import ServiceFactory
from treatments.models import Service

pytestmark = pytest.mark.django_db

ADD = reverse("admin:bookings_appointment_add")
LIST = reverse("admin:bookings_appointment_changelist") + "?day=all"  # the list opens on today
TIME_OFF_ADD = reverse("admin:bookings_timeoff_add")
TIME_OFF_LIST = reverse("admin:bookings_timeoff_changelist")

CASES = {
    # location zone, server zone, a Tuesday, what the location's clocks call their zone then
    "london-summer": ("Europe/London", "Asia/Kolkata", date(2027, 3, 30), "BST"),
    "london-winter": ("Europe/London", "Asia/Kolkata", date(2026, 10, 27), "GMT"),
    "kolkata": ("Asia/Kolkata", "Europe/London", date(2027, 3, 30), "IST"),
}


@dataclass
class Place:
    zone: ZoneInfo
    day: date
    abbreviation: str
    location: Location
    service: Service
    practitioner: Practitioner
    client: Client

    def at(self, hh: int, mm: int = 0, day: date | None = None) -> datetime:
        return datetime.combine(day or self.day, time(hh, mm), tzinfo=self.zone)

    def book(self, hh: int, mm: int = 0) -> Appointment:
        return services.book_appointment(client=self.client, practitioner=self.practitioner, service=self.service,
                                         start=self.at(hh, mm), source=Source.WEB, actor=None)


@pytest.fixture(params=list(CASES))
def place(request, settings, monkeypatch) -> Place:
    zone_name, server_zone, day, abbreviation = CASES[request.param]
    settings.TIME_ZONE = server_zone
    zone = ZoneInfo(zone_name)
    monkeypatch.setattr(timezone, "now", lambda: datetime.combine(day - timedelta(days=7), time(8), tzinfo=zone))
    location = LocationFactory(name=f"{zone_name} studio", time_zone=zone_name)
    RoomFactory(location=location, name="Room 1")
    service = ServiceFactory(duration_minutes=60, buffer_minutes=15, requires_room=True)
    practitioner = PractitionerFactory(display_name="Asha")
    practitioner.services.add(service)
    give_hours(practitioner, location)
    client = ClientFactory(full_name="Meera")
    return Place(zone, day, abbreviation, location, service, practitioner, client)


def booking_form(place: Place, hh_mm: str, **extra) -> dict:
    return {
        "client": place.client.pk,
        "practitioner": place.practitioner.pk,
        "service": place.service.pk,
        "start_0": place.day.isoformat(),
        "start_1": hh_mm,
        "notes_for_practitioner": "",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
        # The appointment's messages, a read-only inline like its events.
        "notifications-TOTAL_FORMS": "0",
        "notifications-INITIAL_FORMS": "0",
        **extra,
    }


def change_url(appointment: Appointment) -> str:
    return reverse("admin:bookings_appointment_change", args=[appointment.pk])


def test_a_manager_typing_10_books_10_on_the_location_s_clocks(client, place, manager):
    client.force_login(manager)
    response = client.post(ADD, booking_form(place, "10:00"), follow=True)
    assert response.status_code == 200
    appointment = Appointment.objects.get()
    assert appointment.start == place.at(10)
    page = response.content.decode()
    assert f"10:00 {place.abbreviation}" in page  # the success message
    assert "UTC" not in page


def test_moving_reads_the_new_time_on_the_location_s_clocks(client, place, manager):
    appointment = place.book(10)
    client.force_login(manager)
    response = client.post(change_url(appointment), booking_form(place, "11:30"))
    assert response.status_code == 302, response.content.decode()[:3000]
    appointment.refresh_from_db()
    assert appointment.start == place.at(11, 30)


def test_the_change_page_shows_the_location_s_time_and_its_zone(client, place, manager):
    appointment = place.book(10)
    client.force_login(manager)
    page = client.get(change_url(appointment)).content.decode()
    assert 'value="10:00:00"' in page  # the start, as typed
    assert place.zone.key in page  # says which zone the start is typed in
    assert f"11:00 {place.abbreviation}" in page  # the end
    booked_at = timezone.now()  # a week earlier: in London, before the clocks went forward
    assert f"Booked at {booked_at:%a %d %b %Y}, 08:00 {booked_at.tzname()}" in page  # the event
    assert "UTC" not in page


def test_a_read_only_page_shows_every_time_with_its_zone(client, place, receptionist, monkeypatch):
    appointment = place.book(10)
    monkeypatch.setattr(timezone, "now", lambda: place.at(9, 45))
    services.check_in(appointment=appointment, actor=receptionist)
    monkeypatch.setattr(timezone, "now", lambda: place.at(10, 5))
    therapist = place.practitioner.user
    therapist.is_staff = True
    therapist.save(update_fields=["is_staff"])
    therapist.groups.add(Group.objects.get(name=roles.PRACTITIONER))
    client.force_login(therapist)
    page = client.get(change_url(appointment)).content.decode()  # started: the start cannot move
    assert 'name="start_1"' not in page
    assert f"10:00 {place.abbreviation}" in page
    assert f"09:45 {place.abbreviation}" in page  # checked in
    assert "UTC" not in page


def test_the_list_shows_the_location_s_time_and_its_zone(client, place, manager):
    place.book(10)
    client.force_login(manager)
    page = client.get(LIST).content.decode()
    assert f"10:00 {place.abbreviation}" in page
    assert "UTC" not in page


def test_titles_and_messages_carry_the_zone(client, place, manager):
    appointment = place.book(10)
    assert str(appointment).endswith(f"10:00 {place.abbreviation}")
    assert "UTC" not in str(appointment.events.get())
    client.force_login(manager)
    response = client.post(LIST, {"action": "complete", "_selected_action": [appointment.pk]}, follow=True)
    page = response.content.decode()
    assert f"10:00 {place.abbreviation} Meera: A confirmed appointment cannot be completed." in page
    assert "UTC" not in page


def test_time_off_typed_in_the_panel_is_read_in_the_practitioner_s_zone(client, place, manager):
    client.force_login(manager)
    response = client.post(TIME_OFF_ADD, {
        "practitioner": place.practitioner.pk, "reason": "Dentist",
        "start_0": place.day.isoformat(), "start_1": "10:00", "end_0": place.day.isoformat(), "end_1": "12:30",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    time_off = TimeOff.objects.get()
    assert (time_off.start, time_off.end) == (place.at(10), place.at(12, 30))
    page = client.get(TIME_OFF_LIST).content.decode()
    assert f"10:00 {place.abbreviation}" in page
    assert f"12:30 {place.abbreviation}" in page


def test_the_time_off_page_shows_the_practitioner_s_time_and_zone(client, place, manager):
    time_off = TimeOffFactory(practitioner=place.practitioner, start=place.at(10), end=place.at(12))
    client.force_login(manager)
    page = client.get(reverse("admin:bookings_timeoff_change", args=[time_off.pk])).content.decode()
    assert 'value="10:00:00"' in page
    assert place.zone.key in page


def test_a_practitioner_in_two_zones_is_not_guessed(client, place, manager):
    other_zone = "Asia/Kolkata" if place.zone.key == "Europe/London" else "Europe/London"
    give_hours(place.practitioner, LocationFactory(name="Elsewhere", time_zone=other_zone))
    client.force_login(manager)
    response = client.post(ADD, booking_form(place, "10:00"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["start"]
    assert errors == [f"Asha works in more than one time zone ({', '.join(sorted([place.zone.key, other_zone]))}); "
                      "the panel cannot tell which one this time is in."]
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("place", ["london-summer"], indirect=True)
def test_a_time_the_clocks_skip_is_refused(client, place, manager):
    client.force_login(manager)
    skipped = "2027-03-28"  # 01:00 GMT is 02:00 BST
    response = client.post(TIME_OFF_ADD, {
        "practitioner": place.practitioner.pk, "reason": "Night",
        "start_0": skipped, "start_1": "01:30", "end_0": skipped, "end_1": "05:00",
    })
    assert response.status_code == 200
    assert "01:30 is not a time on the clocks in Europe/London that day" in response.content.decode()
    assert not TimeOff.objects.exists()


def test_time_off_on_the_practitioner_s_page_is_in_their_zone(client, place, manager):
    TimeOffFactory(practitioner=place.practitioner, start=place.at(10), end=place.at(12))
    client.force_login(manager)
    page = client.get(reverse("admin:clinic_practitioner_change", args=[place.practitioner.pk])).content.decode()
    assert 'value="10:00:00"' in page
    assert place.zone.key in page


def test_a_view_only_time_off_page_shows_the_zone(client, place):
    from django.contrib.auth.models import Permission

    time_off = TimeOffFactory(practitioner=place.practitioner, start=place.at(10), end=place.at(12))
    auditor = place.practitioner.user  # no role: may only look at their own time off
    auditor.is_staff = True
    auditor.save()
    auditor.user_permissions.add(Permission.objects.get(codename="view_timeoff"))
    client.force_login(auditor)
    page = client.get(reverse("admin:bookings_timeoff_change", args=[time_off.pk])).content.decode()
    assert 'name="start_1"' not in page
    assert f"10:00 {place.abbreviation}" in page


def test_the_event_list_shows_the_zone(client, place, manager):
    place.book(10)
    client.force_login(manager)
    page = client.get(reverse("admin:bookings_appointmentevent_changelist")).content.decode()
    assert f"08:00 {timezone.now().tzname()}" in page
    assert "UTC" not in page


def test_time_off_of_a_practitioner_in_two_zones_is_not_guessed_but_stays_editable(client, place, manager):
    other_zone = "Asia/Kolkata" if place.zone.key == "Europe/London" else "Europe/London"
    give_hours(place.practitioner, LocationFactory(name="Elsewhere", time_zone=other_zone))
    time_off = TimeOffFactory(practitioner=place.practitioner, start=place.at(10), end=place.at(12))
    client.force_login(manager)
    form = {"practitioner": place.practitioner.pk, "reason": "Course",
            "start_0": place.day.isoformat(), "start_1": "14:00", "end_0": place.day.isoformat(), "end_1": "15:00"}
    response = client.post(TIME_OFF_ADD, form)
    assert response.status_code == 200
    assert "Asha works in more than one time zone" in response.content.decode()
    change = reverse("admin:bookings_timeoff_change", args=[time_off.pk])
    shown = client.get(change).context["adminform"].form.initial
    unchanged = {f"{name}_{part}": value for name in ("start", "end")
                 for part, value in enumerate([shown[name].date().isoformat(), shown[name].strftime("%H:%M")])}
    response = client.post(change, {**form, **unchanged})  # only the reason changes
    assert response.status_code == 302, response.content.decode()[:3000]
    time_off.refresh_from_db()
    assert (time_off.start, time_off.end, time_off.reason) == (place.at(10), place.at(12), "Course")
