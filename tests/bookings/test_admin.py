"""Bookings in the staff panel go through the booking service."""

from __future__ import annotations

from datetime import time

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from bookings import services
from bookings.models import Appointment, AppointmentStatus, Source, WorkingHours
from clinic import roles
from tests.scenario import NOW, TUESDAY, local

pytestmark = pytest.mark.django_db

ADD = reverse("admin:bookings_appointment_add")
LIST = reverse("admin:bookings_appointment_changelist") + "?day=all"  # the list opens on today


@pytest.fixture
def frozen_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def form(studio, start, **extra):
    naive = timezone.localtime(start, studio.location.time_zone)
    return {
        "client": studio.client.pk,
        "practitioner": studio.practitioner.pk,
        "service": studio.service.pk,
        "start_0": naive.strftime("%Y-%m-%d"),
        "start_1": naive.strftime("%H:%M:%S"),
        "notes_for_practitioner": "",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
        # The appointment's messages, a read-only inline like its events.
        "notifications-TOTAL_FORMS": "0",
        "notifications-INITIAL_FORMS": "0",
        **extra,
    }


def test_receptionist_books_a_phone_call(client, studio, receptionist, frozen_now):
    client.force_login(receptionist)
    response = client.post(ADD, form(studio, local(TUESDAY, 10), notes_for_practitioner="Left shoulder"))
    assert response.status_code == 302, response.content.decode()[:3000]
    appointment = Appointment.objects.get()
    assert appointment.source == Source.STAFF
    assert appointment.created_by == receptionist
    assert appointment.notes_for_practitioner == "Left shoulder"
    assert appointment.events.get().actor == receptionist


def test_a_taken_slot_shows_on_the_form_and_writes_nothing(client, studio, receptionist, frozen_now):
    services.book_appointment(client=studio.other_client, practitioner=studio.practitioner, service=studio.service,
                              start=local(TUESDAY, 10), source=Source.WEB, actor=None, now=NOW)
    client.force_login(receptionist)
    response = client.post(ADD, form(studio, local(TUESDAY, 10, 30)))
    assert response.status_code == 200
    assert "That time has just been taken" in response.content.decode()
    assert Appointment.objects.count() == 1


def test_moving_an_appointment_in_the_change_form(client, studio, receptionist, frozen_now):
    appointment = services.book_appointment(client=studio.client, practitioner=studio.practitioner,
                                            service=studio.service, start=local(TUESDAY, 10), source=Source.WEB, actor=None, now=NOW)
    client.force_login(receptionist)
    url = reverse("admin:bookings_appointment_change", args=[appointment.pk])
    response = client.post(url, form(studio, local(TUESDAY, 15), notes_for_practitioner="Moved by phone"))
    assert response.status_code == 302, response.content.decode()[:3000]
    appointment.refresh_from_db()
    assert appointment.start == local(TUESDAY, 15)
    assert appointment.notes_for_practitioner == "Moved by phone"
    assert list(appointment.events.values_list("action", flat=True)) == ["booked", "rescheduled", "notes_changed"]


def test_check_in_action(client, studio, receptionist, monkeypatch):
    appointment = services.book_appointment(client=studio.client, practitioner=studio.practitioner,
                                            service=studio.service, start=local(TUESDAY, 10), source=Source.WEB, actor=None, now=NOW)
    monkeypatch.setattr(timezone, "now", lambda: local(TUESDAY, 9, 45))
    client.force_login(receptionist)
    response = client.post(LIST, {"action": "check_in", "_selected_action": [appointment.pk]}, follow=True)
    assert response.status_code == 200
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CHECKED_IN


def test_a_refused_action_says_why(client, studio, receptionist, frozen_now):
    appointment = services.book_appointment(client=studio.client, practitioner=studio.practitioner,
                                            service=studio.service, start=local(TUESDAY, 10), source=Source.WEB, actor=None, now=NOW)
    client.force_login(receptionist)
    response = client.post(LIST, {"action": "complete", "_selected_action": [appointment.pk]}, follow=True)
    assert "A confirmed appointment cannot be completed." in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED


def test_a_practitioner_sees_only_their_own_appointments(client, studio, frozen_now):
    own = services.book_appointment(client=studio.client, practitioner=studio.practitioner,
                                    service=studio.service, start=local(TUESDAY, 10), source=Source.WEB, actor=None, now=NOW)
    other = services.book_appointment(client=studio.other_client, practitioner=studio.other_practitioner,
                                      service=studio.service, start=local(TUESDAY, 15), source=Source.WEB, actor=None, now=NOW)
    user = studio.practitioner.user
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name=roles.PRACTITIONER))
    client.force_login(user)
    listing = client.get(LIST)
    assert listing.status_code == 200
    assert list(listing.context["cl"].queryset) == [own]
    assert client.get(reverse("admin:bookings_appointment_change", args=[other.pk])).status_code == 302
    assert client.get(ADD).status_code == 403


def test_appointments_cannot_be_deleted_even_by_a_manager(client, studio, manager, frozen_now):
    appointment = services.book_appointment(client=studio.client, practitioner=studio.practitioner,
                                            service=studio.service, start=local(TUESDAY, 10), source=Source.WEB, actor=None, now=NOW)
    client.force_login(manager)
    assert client.get(reverse("admin:bookings_appointment_delete", args=[appointment.pk])).status_code == 403


def test_list_shows_local_time(client, studio, manager, frozen_now):
    services.book_appointment(client=studio.client, practitioner=studio.practitioner,
                              service=studio.service, start=local(TUESDAY, 10), source=Source.WEB, actor=None, now=NOW)
    client.force_login(manager)
    assert "Tue 08 Dec 2026, 10:00" in client.get(LIST).content.decode()


def test_overlapping_working_hours_are_refused(studio):
    span = WorkingHours(practitioner=studio.practitioner, location=studio.location, weekday=0,
                        starts_at=time(12), ends_at=time(15))
    with pytest.raises(ValidationError, match="overlaps another span"):
        span.full_clean()


def test_a_slot_taken_between_the_form_check_and_the_booking_shows_on_the_form(client, studio, receptionist,
                                                                               frozen_now, monkeypatch):
    """The form's check passed, then someone else booked the slot before the
    booking took its lock: the form comes back with the reason on its field."""
    services.book_appointment(client=studio.other_client, practitioner=studio.practitioner, service=studio.service,
                              start=local(TUESDAY, 10), source=Source.WEB, actor=None, now=NOW)
    real_check = services.check_booking
    calls = []

    def slot_taken_meanwhile(**kwargs):
        """The first check runs before the other booking; later ones after."""
        calls.append(kwargs)
        return None if len(calls) == 1 else real_check(**kwargs)

    monkeypatch.setattr(services, "check_booking", slot_taken_meanwhile)
    client.force_login(receptionist)
    response = client.post(ADD, form(studio, local(TUESDAY, 10)))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["start"] == ["That time has just been taken. Please choose another."]
    assert len(calls) == 2
    assert Appointment.objects.get().client == studio.other_client


def test_a_refusal_the_form_cannot_see_is_a_message_not_a_500(client, studio, receptionist, frozen_now, monkeypatch):
    services.book_appointment(client=studio.other_client, practitioner=studio.practitioner, service=studio.service,
                              start=local(TUESDAY, 10), source=Source.WEB, actor=None, now=NOW)
    monkeypatch.setattr(services, "check_booking", lambda **kwargs: None)
    client.force_login(receptionist)
    response = client.post(ADD, form(studio, local(TUESDAY, 10)), follow=True)
    assert response.status_code == 200
    assert "That time has just been taken" in response.content.decode()
    assert Appointment.objects.count() == 1


def test_the_form_checks_without_writing(client, studio, receptionist, frozen_now, monkeypatch):
    """A form that fails on another field books nothing, even though the
    slot itself was fine."""
    client.force_login(receptionist)
    response = client.post(ADD, form(studio, local(TUESDAY, 10), service=""))
    assert response.status_code == 200
    assert not Appointment.objects.exists()


def test_a_view_only_user_opens_an_appointment(client, studio, frozen_now):
    from django.contrib.auth.models import Permission

    appointment = services.book_appointment(client=studio.client, practitioner=studio.practitioner,
                                            service=studio.service, start=local(TUESDAY, 10), source=Source.WEB,
                                            actor=None, now=NOW)
    auditor = studio.other_client.user or studio.practitioner.user
    auditor.is_staff = True
    auditor.save()
    auditor.groups.clear()
    auditor.user_permissions.add(Permission.objects.get(codename="view_appointment"))
    client.force_login(auditor)
    response = client.get(reverse("admin:bookings_appointment_change", args=[appointment.pk]))
    assert response.status_code == 200
    assert not response.context["adminform"].form.fields
