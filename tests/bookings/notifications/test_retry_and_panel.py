"""Messages in the staff panel: who sees which, who may send a failed one
again (the service and the panel's action alike), and the client's
confirmation on the calendar."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from bookings import outbox, policies, services
from bookings.errors import BookingError
from bookings.models import AppointmentEvent, Notification
from tests.api.conftest import ROLES
from tests.bookings.replies.conftest import message

pytestmark = pytest.mark.django_db

State = Notification.State
MAY_RETRY = {"receptionist", "manager"}


@pytest.fixture
def staff(people):
    for role in ("assigned_practitioner", "other_practitioner"):
        people[role].is_staff = True
        people[role].save(update_fields=["is_staff"])
    return people


@pytest.fixture
def failed(booked) -> Notification:
    return message(booked, state=State.FAILED, sent_at=None, attempts=3, last_error="gateway timed out")


def user_of(people, role):
    return people[role] or AnonymousUser()


@pytest.mark.parametrize("role", ROLES)
def test_the_retry_service_asks_the_policy(role, people, failed):
    user = people[role]
    if role == "anonymous":
        assert not policies.may_retry_messages(AnonymousUser())
        return
    if role in MAY_RETRY:
        now = timezone.now()
        retried = outbox.retry(notification=failed, actor=user, now=now)
        assert (retried.state, retried.attempts, retried.not_before, retried.last_error) == (State.PENDING, 0, now, "")
        event = AppointmentEvent.objects.get(action=AppointmentEvent.Action.MESSAGE_RETRIED)
        assert event.actor == user and event.details["error"] == "gateway timed out"
    else:
        with pytest.raises(BookingError) as refused:
            outbox.retry(notification=failed, actor=user)
        assert refused.value.code == "permission_denied"
        failed.refresh_from_db()
        assert failed.state == State.FAILED and failed.attempts == 3


@pytest.mark.parametrize("state", [State.PENDING, State.SENDING, State.SENT, State.SKIPPED])
def test_only_a_failed_message_is_sent_again(people, booked, state):
    row = message(booked, state=state, sent_at=timezone.now() if state == State.SENT else None)
    with pytest.raises(BookingError) as refused:
        outbox.retry(notification=row, actor=people["receptionist"])
    assert refused.value.code == "message_not_failed"
    row.refresh_from_db()
    assert row.state == state and not AppointmentEvent.objects.filter(action="message_retried").exists()


def test_retrying_twice_sends_once(people, failed):
    outbox.retry(notification=failed, actor=people["manager"])
    with pytest.raises(BookingError):
        outbox.retry(notification=failed, actor=people["manager"])
    assert AppointmentEvent.objects.filter(action="message_retried").count() == 1


def changelist(client, user, **query):
    if user is not None:
        client.force_login(user)
    return client.get(reverse("admin:bookings_notification_changelist"), query)


@pytest.mark.parametrize("role", ROLES)
def test_the_panel_action_sends_again_only_for_the_front_desk(client, role, staff, failed):
    user = staff[role]
    if user is not None:
        client.force_login(user)
    response = client.post(reverse("admin:bookings_notification_changelist"),
                           {"action": "retry_failed", "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    if role in MAY_RETRY:
        assert response.status_code == 302 and failed.state == State.PENDING
    else:
        assert response.status_code in (200, 302, 403) and failed.state == State.FAILED


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_which_messages(client, role, staff, failed, studio):
    """The front desk sees all; a practitioner those of the appointments they
    treat; clients and anyone else not even the list."""
    other = services.book_appointment(
        client=studio.other_client, practitioner=studio.other_practitioner, service=studio.service,
        start=failed.appointment.start + timedelta(hours=5), source="app", actor=None)
    message(other, last_error="row-of-the-other-practitioner")
    response = changelist(client, staff[role])
    if role in {"anonymous", "client_a", "client_b"}:
        assert response.status_code in (302, 403)
        return
    page = response.content.decode()
    assert response.status_code == 200
    assert ("gateway timed out" in page) is (role != "other_practitioner")
    assert ("row-of-the-other-practitioner" in page) is (role != "assigned_practitioner")
    assert ("Send the selected failed messages again" in page) is (role in MAY_RETRY)
    assert "state__exact=failed" in page


def test_the_list_filters_by_state_and_searches_by_client(client, staff, failed, booked):
    sent = message(booked, due_at=timezone.now() - timedelta(hours=3), last_error="all-good")
    page = changelist(client, staff["manager"], state__exact="failed").content.decode()
    assert "gateway timed out" in page and "all-good" not in page
    assert sent.pk and "gateway timed out" in changelist(client, staff["manager"], q=booked.client.full_name).content.decode()
    assert "gateway timed out" not in changelist(client, staff["manager"], q="nobody-by-this-name").content.decode()
    row_page = client.get(reverse("admin:bookings_notification_change", args=[failed.pk]))
    assert row_page.status_code == 200 and 'name="_save"' not in row_page.content.decode()


def test_the_appointment_page_lists_its_messages_and_the_confirmation(client, staff, failed, booked):
    services.confirm_attendance(appointment=booked)
    booked.refresh_from_db()
    client.force_login(staff["receptionist"])
    page = client.get(reverse("admin:bookings_appointment_change", args=[booked.pk])).content.decode()
    assert "messages to the client" in page.lower() and "gateway timed out" in page
    assert booked.local(booked.client_confirmed_at) in page
    listing = client.get(reverse("admin:bookings_appointment_changelist"), {"day": "all"}).content.decode()
    assert "client confirmed" in listing.lower() and booked.local(booked.client_confirmed_at) in listing


@pytest.mark.parametrize("role", ROLES)
def test_confirming_attendance_by_hand_is_the_client_s_or_the_front_desk_s(role, people, booked):
    user = user_of(people, role)
    allowed = role in {"client_a", "receptionist", "manager"}
    assert policies.may_confirm_attendance(user, booked) is allowed
    if allowed:
        assert services.confirm_attendance(appointment=booked, actor=user).client_confirmed_at is not None
    else:
        with pytest.raises(BookingError):
            services.confirm_attendance(appointment=booked, actor=user)
