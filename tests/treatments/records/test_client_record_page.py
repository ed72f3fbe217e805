"""The client record as the one page per client: contact details and
consents, the appointment history and the messages about it as each role
may see them, and a quick rebook for the front desk; at a cost in queries
that does not grow with the history."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import AppointmentStatus, Notification
from clinic.models import User
from tests.scenario import MONDAY, local
from tests.treatments.records.conftest import PANEL_ROLES
from tests.treatments.records.factories import session

pytestmark = pytest.mark.django_db

# Which of client A's appointments (by name below) each role sees on the page;
# "sign_in": no panel; "not_found": a client they never see.
EXPECTED = {
    "anonymous": "sign_in",
    "client_a": "sign_in",
    "client_b": "sign_in",
    "assigned_practitioner": {"earlier", "cancelled"},
    "other_practitioner": "not_found",
    "receptionist": {"earlier", "cancelled", "latest"},
    "manager": {"earlier", "cancelled", "latest"},
    "superuser": {"earlier", "cancelled", "latest"},
}
MAY_REBOOK = {"receptionist", "manager", "superuser"}


def record_url(client) -> str:
    return reverse("admin:clinic_client_record", args=[client.pk])


def message(appointment, kind, channel, state, *, error="", hours_before=24):
    due = appointment.start - timedelta(hours=hours_before)
    return Notification.objects.create(
        appointment=appointment, kind=kind, channel=channel, state=state, due_at=due, not_before=due,
        for_start=appointment.start, sent_at=due if state == Notification.State.SENT else None,
        attempts=3 if state == Notification.State.FAILED else 1, last_error=error)


@pytest.fixture
def history(studio, people):
    """Client A: a completed session and a cancelled one with the assigned
    practitioner, and the latest with a third practitioner; messages about
    each."""
    studio.client.phone, studio.client.email = "+919840012345", "a@example.test"
    studio.client.sms_reminders, studio.client.emergency_contact_name = True, "Ravi"
    studio.client.save()
    third = studio.add_practitioner()
    earlier = session(studio, start=local(MONDAY - timedelta(days=14), 10))
    cancelled = session(studio, start=local(MONDAY - timedelta(days=7), 10), status=AppointmentStatus.CANCELLED)
    latest = session(studio, start=local(MONDAY, 11), practitioner=third, status=AppointmentStatus.CONFIRMED)
    K, C, S = Notification.Kind, Notification.Channel, Notification.State
    messages = {
        "earlier": [message(earlier, K.REMINDER, C.SMS, S.SENT),
                    message(earlier, K.REMINDER, C.EMAIL, S.FAILED, error="Mailbox unavailable (550)")],
        "cancelled": [message(cancelled, K.CANCELLED, C.SMS, S.SENT, hours_before=30)],
        "latest": [message(latest, K.REMINDER, C.WHATSAPP, S.PENDING)],
    }
    return {"appointments": {"earlier": earlier, "cancelled": cancelled, "latest": latest}, "messages": messages,
            "third": third}


@pytest.mark.parametrize("role", [*PANEL_ROLES, "superuser"])
def test_what_each_role_sees_on_client_a_s_page(role, client, panel, studio, history):
    user = panel[role]
    if user is not None:
        client.force_login(user)
    response = client.get(record_url(studio.client))
    expected = EXPECTED[role]
    if expected == "sign_in":
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        return
    if expected == "not_found":
        assert response.status_code == 404
        return
    assert response.status_code == 200
    page = response.content.decode()
    # Contact details and consents, for everyone who reaches the page.
    assert "+919840012345" in page and "a@example.test" in page and "Ravi" in page
    assert "email: no · SMS: yes · WhatsApp: no" in page
    # The appointment history: the ones the role may see, each linked, on the location's clocks.
    appointments = history["appointments"]
    shown = {name for name, appointment in appointments.items()
             if f'data-appointment="{appointment.pk}"' in page}
    assert shown == expected
    for name in expected:
        assert reverse("admin:bookings_appointment_change", args=[appointments[name].pk]) in page
    assert "Mon 7 Dec 2026, 11:00 IST" in page or "latest" not in expected
    assert "Cancelled" in page
    # The messages about those appointments, with state and last error.
    listed = {note.pk for note in response.context["client_messages"]}
    assert listed == {note.pk for name in expected for note in history["messages"][name]}
    assert "Mailbox unavailable (550)" in page and "Failed (3 tries)" in page
    # Quick rebook: the front desk only, with the latest visible appointment's treatment and practitioner.
    rebook = response.context["rebook_url"]
    if role in MAY_REBOOK:
        url = urlsplit(rebook)
        assert url.path == reverse("admin:bookings_appointment_add")
        assert parse_qs(url.query) == {"client": [str(studio.client.pk)], "service": [str(studio.service.pk)],
                                       "practitioner": [str(history["third"].pk)]}
        assert 'class="button rebook"' in page
    else:
        assert rebook is None and "rebook" not in page


def test_the_rebook_link_fills_in_the_booking_form(client, panel, studio, history):
    client.force_login(panel["receptionist"])
    rebook = client.get(record_url(studio.client)).context["rebook_url"]
    form = client.get(rebook).context["adminform"].form
    assert form.initial["client"] == str(studio.client.pk)
    assert form.initial["service"] == str(studio.service.pk)
    assert form.initial["practitioner"] == str(history["third"].pk)


def test_a_client_with_no_appointments_can_still_be_booked(client, panel, studio):
    client.force_login(panel["receptionist"])
    response = client.get(record_url(studio.other_client))
    assert response.status_code == 200
    assert parse_qs(urlsplit(response.context["rebook_url"]).query) == {"client": [str(studio.other_client.pk)]}
    page = response.content.decode()
    assert "No appointments." in page and "No messages." in page


def test_the_client_page_links_to_the_record_for_the_front_desk(client, panel, studio):
    client.force_login(panel["receptionist"])
    body = client.get(reverse("admin:clinic_client_change", args=[studio.client.pk])).content.decode()
    assert f'href="{record_url(studio.client)}" class="client-record-link">Client record' in body


@pytest.mark.parametrize("role", ["assigned_practitioner", "receptionist", "manager"])
def test_the_page_costs_the_same_queries_for_one_appointment_or_many(role, client, panel, studio):
    K, C, S = Notification.Kind, Notification.Channel, Notification.State

    def add(day: int) -> None:
        appointment = session(studio, start=local(MONDAY - timedelta(days=day), 10))
        message(appointment, K.REMINDER, C.SMS, S.SENT)
        message(appointment, K.REMINDER, C.EMAIL, S.FAILED, error="No answer")

    def queries() -> int:
        client.force_login(User.objects.get(pk=panel[role].pk))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(record_url(studio.client))
        assert response.status_code == 200
        return len(captured.captured_queries), len(response.context["client_messages"])

    add(1)
    one, messages_one = queries()
    for day in range(2, 9):
        add(day)
    many, messages_many = queries()
    assert (messages_one, messages_many) == (2, 16)
    assert one == many
