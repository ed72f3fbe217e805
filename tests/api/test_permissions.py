"""Every endpoint against every role: who may, and how the others are told.

Columns: anonymous, client A (owns the appointment), client B, the assigned
practitioner, another practitioner, a receptionist, a manager.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Appointment, AppointmentStatus, Source
from tests.api.conftest import ROLES, api_as
from tests.scenario import local, next_tuesday

pytestmark = pytest.mark.django_db

EVERYONE_200 = dict.fromkeys(ROLES, 200)
CLIENTS_ONLY = {"anonymous": 401, "client_a": 200, "client_b": 200, "assigned_practitioner": 404,
                "other_practitioner": 404, "receptionist": 404, "manager": 404}
SIGNED_IN = {"anonymous": 401, **dict.fromkeys(ROLES[1:], 200)}
OWNER_TEAM_DESK = {"anonymous": 401, "client_a": 200, "client_b": 404, "assigned_practitioner": 200,
                   "other_practitioner": 404, "receptionist": 200, "manager": 200}
TEAM_DESK = {**OWNER_TEAM_DESK, "client_a": 403}
BOOKERS = {"anonymous": 401, "client_a": 201, "client_b": 201, "assigned_practitioner": 403,
           "other_practitioner": 403, "receptionist": 201, "manager": 201}
ERROR_CODES = {401: "not_authenticated", 403: "permission_denied", 404: "not_found"}


def at_state(studio, booked, state: str) -> Appointment:
    """An appointment of client A with the assigned practitioner, in a state
    (and at a time) where the action under test is allowed."""
    if state == "booked":
        return booked
    now = timezone.now().replace(second=0, microsecond=0)
    start = now + timedelta(minutes=30) if state == "soon" else now - timedelta(minutes=10)
    return Appointment.objects.create(
        client=studio.client, practitioner=studio.practitioner, service=studio.service, location=studio.location,
        start=start, end=start + timedelta(hours=1), buffer_end=start + timedelta(hours=1, minutes=15),
        price=studio.service.price, source=Source.STAFF,
        status=AppointmentStatus.CHECKED_IN if state == "checked_in" else AppointmentStatus.CONFIRMED,
        checked_in_at=now if state == "checked_in" else None,
    )


def request_for(endpoint: str, studio, booked):
    """(method, path, body) for an endpoint name."""
    tuesday = next_tuesday()
    appointment_actions = {
        "retrieve": ("get", "", None, "booked"),
        "cancel": ("post", "cancel/", {"reason": "Travelling"}, "booked"),
        "reschedule": ("post", "reschedule/", {"start": local(tuesday, 15).isoformat()}, "booked"),
        "check-in": ("post", "check-in/", None, "soon"),
        "complete": ("post", "complete/", None, "checked_in"),
        "no-show": ("post", "no-show/", None, "started"),
    }
    if endpoint in appointment_actions:
        method, tail, body, state = appointment_actions[endpoint]
        appointment = at_state(studio, booked, state)
        return method, f"/api/v1/appointments/{appointment.pk}/{tail}", body
    return {
        "services": ("get", "/api/v1/services/", None),
        "practitioners": ("get", "/api/v1/practitioners/", None),
        "availability": ("get", f"/api/v1/availability/?service={studio.service.pk}"
                                f"&start={tuesday}&end={tuesday + timedelta(days=2)}", None),
        "schema": ("get", "/api/v1/schema/", None),
        "docs": ("get", "/api/v1/docs/", None),
        "me": ("get", "/api/v1/me/", None),
        "me-update": ("patch", "/api/v1/me/", {"preferred_language": "ta"}),
        "home-care": ("get", "/api/v1/me/home-care/", None),
        "list": ("get", "/api/v1/appointments/", None),
        "book": ("post", "/api/v1/appointments/", {
            "service": studio.service.pk, "practitioner": studio.practitioner.pk,
            "start": local(tuesday, 15).isoformat(), "client": studio.client.pk,
        }),
    }[endpoint]


EXPECTED = {
    "services": EVERYONE_200,
    "practitioners": EVERYONE_200,
    "availability": EVERYONE_200,
    "schema": EVERYONE_200,
    "docs": EVERYONE_200,
    "me": CLIENTS_ONLY,
    "me-update": CLIENTS_ONLY,
    "home-care": CLIENTS_ONLY,
    "list": SIGNED_IN,
    "book": BOOKERS,
    "retrieve": OWNER_TEAM_DESK,
    "cancel": OWNER_TEAM_DESK,
    "reschedule": OWNER_TEAM_DESK,
    "check-in": TEAM_DESK,
    "complete": TEAM_DESK,
    "no-show": TEAM_DESK,
}
CASES = [(endpoint, role) for endpoint in EXPECTED for role in ROLES]


@pytest.mark.parametrize(("endpoint", "role"), CASES, ids=[f"{e}-{r}" for e, r in CASES])
def test_permission_matrix(endpoint, role, studio, people, booked):
    method, path, body = request_for(endpoint, studio, booked)
    response = getattr(api_as(people[role]), method)(path, body, format="json")
    expected = EXPECTED[endpoint][role]
    assert response.status_code == expected, (response.status_code, getattr(response, "data", None))
    if expected >= 400:
        assert set(response.json()) == {"code", "detail", "fields"}
        assert response.json()["code"] == ERROR_CODES[expected]


@pytest.mark.parametrize("role", ROLES[1:])
def test_lists_show_only_what_each_role_may_see(role, people, booked):
    response = api_as(people[role]).get("/api/v1/appointments/")
    seen = [row["id"] for row in response.json()["results"]]
    sees_it = role in {"client_a", "assigned_practitioner", "receptionist", "manager"}
    assert seen == ([booked.pk] if sees_it else [])


def test_a_denied_change_changes_nothing(studio, people, booked):
    """Client A may not check themselves in; the appointment stays as it was."""
    soon = at_state(studio, booked, "soon")
    response = api_as(people["client_a"]).post(f"/api/v1/appointments/{soon.pk}/check-in/")
    assert response.status_code == 403
    soon.refresh_from_db()
    assert soon.status == AppointmentStatus.CONFIRMED and soon.events.count() == 0


def test_client_b_cannot_book_in_client_a_s_name(studio, people):
    response = api_as(people["client_b"]).post("/api/v1/appointments/", {
        "service": studio.service.pk, "practitioner": studio.practitioner.pk,
        "start": local(next_tuesday(), 15).isoformat(), "client": studio.client.pk,
    }, format="json")
    assert response.status_code == 201
    assert Appointment.objects.get(pk=response.json()["id"]).client == studio.other_client


def test_the_front_desk_must_name_the_client(studio, people):
    response = api_as(people["receptionist"]).post("/api/v1/appointments/", {
        "service": studio.service.pk, "practitioner": studio.practitioner.pk,
        "start": local(next_tuesday(), 15).isoformat(),
    }, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"client": ["Choose the client the booking is for."]}
