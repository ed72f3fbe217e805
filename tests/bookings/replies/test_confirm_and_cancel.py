"""The reply pages of a reminder's links: confirm and cancel. Each link
does what it says once, only on a POST with its CSRF token, and says
clearly why when it cannot."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from bookings import services
from bookings.errors import BookingError
from bookings.links import Action, make_token
from bookings.models import AppointmentEvent, AppointmentStatus, Notification
from tests.bookings.replies.conftest import appointment_at, link, message, old_link

pytestmark = pytest.mark.django_db

Event = AppointmentEvent.Action


def state_of(notification: Notification) -> tuple:
    """Everything a reply may change, to compare before and after."""
    notification.refresh_from_db()
    appointment = notification.appointment
    appointment.refresh_from_db()
    return (notification.answered_at, notification.answer, appointment.status, appointment.client_confirmed_at,
            appointment.late_cancellation, appointment.events.count())


# -- confirm ---------------------------------------------------------------------


def test_the_confirm_page_says_what_it_does_on_the_location_s_clocks(client, reminder, booked, studio):
    studio.location.address = "12 Temple Road, Mylapore"
    studio.location.save(update_fields=["address"])
    response = client.get(link(reminder, Action.CONFIRM))
    page = response.content.decode()
    assert response.status_code == 200
    local = booked.start.astimezone(studio.location.time_zone)
    assert f"{local:%H:%M} IST" in page and "Asia/Kolkata" in page and f"{local.day} {local:%B %Y}" in page
    assert studio.practitioner.display_name in page and studio.service.name in page
    assert "12 Temple Road, Mylapore" in page
    assert '<form method="post">' in page and 'name="csrfmiddlewaretoken"' in page and '<button type="submit">' in page
    assert '<html lang="en">' in page
    assert response["X-Robots-Tag"] == "noindex, nofollow" and "no-cache" in response["Cache-Control"]


def test_confirming_notes_it_on_the_appointment_once(client, reminder, booked):
    response = client.post(link(reminder, Action.CONFIRM))
    assert response.status_code == 200 and "The clinic now knows you are coming." in response.content.decode()
    booked.refresh_from_db()
    reminder.refresh_from_db()
    assert booked.client_confirmed_at is not None and booked.status == AppointmentStatus.CONFIRMED
    assert reminder.answered_at == booked.client_confirmed_at and reminder.answer == "confirm"
    event = booked.events.get(action=Event.CLIENT_CONFIRMED)
    assert event.actor == booked.client.user and event.to_status == AppointmentStatus.CONFIRMED


def test_a_used_link_says_so_and_changes_nothing(client, reminder):
    client.post(link(reminder, Action.CONFIRM))
    before = state_of(reminder)
    for method in (client.get, client.post):
        response = method(link(reminder, Action.CONFIRM))
        page = response.content.decode()
        assert response.status_code == 200
        assert "This link has been used already" in page and "used to confirm that you are coming" in page
    assert state_of(reminder) == before


def test_the_other_link_of_an_answered_message_is_used_too(client, reminder, booked):
    """One message, one answer: after "I'm coming", its cancel link does
    nothing (a later message, or the clinic, can still cancel)."""
    client.post(link(reminder, Action.CONFIRM))
    response = client.post(link(reminder, Action.CANCEL))
    assert response.status_code == 200 and "This link has been used already" in response.content.decode()
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.CONFIRMED


def test_a_later_message_s_cancel_link_still_works_after_a_confirmation(client, reminder, booked):
    client.post(link(reminder, Action.CONFIRM))
    later = message(booked, due_at=timezone.now() - timedelta(minutes=5))
    assert client.post(link(later, Action.CANCEL)).status_code == 200
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.CANCELLED


def test_confirming_twice_through_two_messages_records_one_event(client, reminder, booked):
    later = message(booked, due_at=timezone.now() - timedelta(minutes=5))
    client.post(link(reminder, Action.CONFIRM))
    first = booked.__class__.objects.get(pk=booked.pk).client_confirmed_at
    assert client.post(link(later, Action.CONFIRM)).status_code == 200
    booked.refresh_from_db()
    assert booked.client_confirmed_at == first
    assert booked.events.filter(action=Event.CLIENT_CONFIRMED).count() == 1


# -- cancel ----------------------------------------------------------------------


def test_the_cancel_page_shows_the_policy_and_no_late_warning_well_ahead(client, reminder, settings):
    settings.CANCELLATION_WINDOW_HOURS = 24
    page = client.get(link(reminder, Action.CANCEL)).content.decode()
    assert "Cancellation policy" in page and "at least 24 hours before your appointment" in page
    assert "late cancellation" in page  # the policy names it ...
    assert "This will be a late cancellation" not in page  # ... but this one is not
    assert "Cancel my appointment" in page


def test_the_location_s_own_policy_is_shown_instead_of_the_default(client, reminder, studio):
    studio.location.cancellation_policy = "Free to cancel up to a day ahead; later, half the price is due."
    studio.location.save(update_fields=["cancellation_policy"])
    page = client.get(link(reminder, Action.CANCEL)).content.decode()
    assert "half the price is due" in page and "at least 24 hours" not in page


def test_cancelling_goes_through_the_booking_rules(client, reminder, booked):
    response = client.post(link(reminder, Action.CANCEL))
    assert response.status_code == 200 and "Your appointment is cancelled" in response.content.decode()
    booked.refresh_from_db()
    reminder.refresh_from_db()
    assert booked.status == AppointmentStatus.CANCELLED and not booked.late_cancellation
    assert booked.cancelled_by == booked.client.user and booked.cancellation_reason == services.LINK_CANCEL_REASON
    assert reminder.answer == "cancel" and reminder.answered_at == booked.cancelled_at
    assert booked.events.filter(action=Event.CANCELLED).count() == 1
    # The outbox takes it from there: the cancellation notice is planned.
    assert not booked.notifications.filter(state=Notification.State.PENDING).exclude(
        kind=Notification.Kind.CANCELLED).exists()


def test_a_late_cancellation_is_announced_before_and_recorded_after(client, studio, people, settings):
    settings.CANCELLATION_WINDOW_HOURS = 24
    soon = appointment_at(studio, timezone.now() + timedelta(hours=5))
    reminder = message(soon)
    page = client.get(link(reminder, Action.CANCEL)).content.decode()
    assert "This will be a late cancellation" in page and "Cancel anyway (late cancellation)" in page
    assert 'aria-describedby="late-warning"' in page
    done = client.post(link(reminder, Action.CANCEL)).content.decode()
    soon.refresh_from_db()
    assert soon.status == AppointmentStatus.CANCELLED and soon.late_cancellation
    assert "recorded as a late cancellation" in done


def test_a_client_without_a_login_cancels_as_the_system(client, studio):
    """No login to act as: the link's own rule is the whole check."""
    assert studio.client.user is None
    appointment = appointment_at(studio, timezone.now() + timedelta(days=3))
    reminder = message(appointment)
    assert client.post(link(reminder, Action.CANCEL)).status_code == 200
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED and appointment.cancelled_by is None


def test_a_refusal_of_the_booking_rules_is_shown_and_leaves_the_link_unused(client, reminder, monkeypatch):
    def refuse(**kwargs):
        raise BookingError("illegal_transition", status="checked in", action="cancelled")

    monkeypatch.setattr(services, "cancel_appointment", refuse)
    before = state_of(reminder)
    response = client.post(link(reminder, Action.CANCEL))
    assert response.status_code == 409
    assert "A checked in appointment cannot be cancelled." in response.content.decode()
    assert state_of(reminder) == before


def test_a_busy_calendar_is_a_503_page_not_a_crash(client, reminder, monkeypatch):
    from clinic.errors import CommonError

    def busy(**kwargs):
        raise CommonError("busy")

    monkeypatch.setattr(services, "confirm_attendance", busy)
    response = client.post(link(reminder, Action.CONFIRM))
    assert response.status_code == 503 and "busy right now" in response.content.decode()
    reminder.refresh_from_db()
    assert reminder.answered_at is None


# -- what never acts ---------------------------------------------------------------


@pytest.mark.parametrize("action", [Action.CONFIRM, Action.CANCEL])
def test_opening_a_link_changes_nothing(client, reminder, action):
    before = state_of(reminder)
    for _ in range(3):
        assert client.get(link(reminder, action)).status_code == 200
    assert client.head(link(reminder, action)).status_code == 200
    assert state_of(reminder) == before


@pytest.mark.parametrize("action", [Action.CONFIRM, Action.CANCEL])
def test_a_post_without_its_csrf_token_is_refused(reminder, action):
    browser = Client(enforce_csrf_checks=True)
    before = state_of(reminder)
    assert browser.post(link(reminder, action)).status_code == 403
    assert state_of(reminder) == before
    # The page's own form carries the token that makes it work.
    browser.get(link(reminder, action))
    token = browser.cookies["csrftoken"].value
    assert browser.post(link(reminder, action), {"csrfmiddlewaretoken": token}).status_code == 200
    assert state_of(reminder) != before


def test_other_methods_are_not_allowed(client, reminder):
    before = state_of(reminder)
    assert client.put(link(reminder, Action.CANCEL)).status_code == 405
    assert client.delete(link(reminder, Action.CANCEL)).status_code == 405
    assert state_of(reminder) == before


# -- links that cannot be used -----------------------------------------------------


def altered(path: str) -> str:
    token = path.strip("/").split("/")[1]
    swapped = token[:-1] + ("A" if token[-1] != "A" else "B")
    return f"/r/{swapped}/"


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("action", [Action.CONFIRM, Action.CANCEL])
def test_a_tampered_link_is_a_clear_404(client, reminder, method, action):
    before = state_of(reminder)
    for path in (altered(link(reminder, action)), "/r/not-a-token/", f"/r/{'x' * 3000}/"):
        response = getattr(client, method)(path)
        assert response.status_code == 404, path
        assert "This link does not work" in response.content.decode()
    # A NUL character never reaches the page (clinic.middleware refuses it).
    assert getattr(client, method)("/r/%00/").status_code == 400
    assert state_of(reminder) == before


def test_a_link_naming_another_message_is_a_404(client, reminder):
    forged = f"/r/{make_token(reminder.pk + 1000, Action.CONFIRM)}/"
    response = client.get(forged)
    assert response.status_code == 404 and "We could not read this link" in response.content.decode()


@pytest.mark.parametrize("action", [Action.CONFIRM, Action.CANCEL])
def test_a_link_older_than_its_days_is_gone(client, reminder, action, settings):
    settings.REPLY_LINK_DAYS = 14
    before = state_of(reminder)
    assert client.get(old_link(reminder, action, days=13)).status_code == 200
    for method in (client.get, client.post):
        response = method(old_link(reminder, action, days=15))
        assert response.status_code == 410
        assert "This link can no longer be used" in response.content.decode()
    assert state_of(reminder) == before


@pytest.mark.parametrize("action", [Action.CONFIRM, Action.CANCEL])
def test_a_link_of_a_cancelled_appointment_is_gone(client, reminder, booked, action):
    services.cancel_appointment(appointment=booked)
    before = state_of(reminder)
    for method in (client.get, client.post):
        response = method(link(reminder, action))
        assert response.status_code == 410 and "has been cancelled" in response.content.decode()
    assert state_of(reminder) == before


@pytest.mark.parametrize("action", [Action.CONFIRM, Action.CANCEL])
def test_a_link_after_the_start_is_gone(client, studio, people, action):
    started = appointment_at(studio, timezone.now() - timedelta(minutes=5))
    reminder = message(started)
    before = state_of(reminder)
    for method in (client.get, client.post):
        response = method(link(reminder, action))
        assert response.status_code == 410 and "time has passed" in response.content.decode()
    assert state_of(reminder) == before


@pytest.mark.parametrize("action", [Action.CONFIRM, Action.CANCEL])
def test_a_link_about_the_time_before_a_move_is_gone(client, reminder, booked, action):
    booked.start += timedelta(hours=2)
    booked.end += timedelta(hours=2)
    booked.buffer_end += timedelta(hours=2)
    booked.save()
    before = state_of(reminder)
    response = client.post(link(reminder, action))
    assert response.status_code == 410 and "has been moved" in response.content.decode()
    assert state_of(reminder) == before


def test_a_confirm_link_on_a_check_in_message_is_a_404(client, reminder, booked):
    check_in = message(booked, kind=Notification.Kind.CHECK_IN)
    response = client.post(link(check_in, Action.CONFIRM))
    assert response.status_code == 404 and "does not belong" in response.content.decode()
    check_in.refresh_from_db()
    assert check_in.answered_at is None


def test_the_page_speaks_the_client_s_language(client, reminder, booked):
    booked.client.preferred_language = "ta"
    booked.client.save(update_fields=["preferred_language"])
    page = client.get(link(reminder, Action.CONFIRM), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="ta">' in page
    assert "இந்தச் சந்திப்புக்கு வருகிறீர்களா?" in page and "ஆம், வருகிறேன்" in page
    assert "Asia/Kolkata நேரம்" in page  # the time, on the location's clock, said in Tamil
    assert "Are you coming" not in page and "Treatment" not in page


def test_the_cancel_page_gives_the_default_policy_in_the_client_s_language(client, reminder, booked):
    booked.client.preferred_language = "ta"
    booked.client.save(update_fields=["preferred_language"])
    page = client.get(link(reminder, Action.CANCEL), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "ரத்துக் கொள்கை" in page and "குறைந்தது 24 மணி நேரத்துக்கு முன்பே ரத்து செய்யவும்" in page
    assert "Please cancel" not in page


def test_a_client_without_a_catalogue_for_their_language_reads_english(client, reminder, booked):
    booked.client.preferred_language = "hi"
    booked.client.save(update_fields=["preferred_language"])
    page = client.get(link(reminder, Action.CONFIRM)).content.decode()
    local = booked.start.astimezone(booked.location.time_zone)
    assert '<html lang="en">' in page and "Are you coming to this appointment?" in page
    assert f"{local:%A} {local.day} {local:%B %Y}" in page  # not Django's Hindi day and month


def test_a_link_cancellation_is_stored_in_english_and_shown_in_the_reader_s_language(client, reminder, booked):
    booked.client.preferred_language = "ta"
    booked.client.save(update_fields=["preferred_language"])
    client.post(link(reminder, Action.CANCEL))
    booked.refresh_from_db()
    assert booked.cancellation_reason == "Cancelled by the client from a message link"
    with translation.override("ta"):
        assert services.shown_cancellation_reason(booked.cancellation_reason) == (
            "செய்தியில் உள்ள இணைப்பின் மூலம் வாடிக்கையாளர் ரத்து செய்தார்")
        assert services.shown_cancellation_reason("Travelling") == "Travelling"  # a client's own words stay
