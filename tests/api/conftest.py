"""The people of the permission tests, each with an API client of their own."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from bookings import services
from bookings.models import Appointment, Source
from clinic import roles
from tests.clinic.factories import UserFactory
from tests.scenario import local, next_tuesday

ROLES = ["anonymous", "client_a", "client_b", "assigned_practitioner", "other_practitioner", "receptionist", "manager"]


def api_as(user=None) -> APIClient:
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api


@pytest.fixture
def people(studio, receptionist, manager) -> dict:
    """One login per role; client A owns the appointment, the assigned
    practitioner treats it."""
    for client in (studio.client, studio.other_client):
        client.user = UserFactory(email=f"login-{client.email}")
        client.save(update_fields=["user"])
    practitioner_group = Group.objects.get(name=roles.PRACTITIONER)
    for practitioner in (studio.practitioner, studio.other_practitioner):
        practitioner.user.groups.add(practitioner_group)
    return {
        "anonymous": None,
        "client_a": studio.client.user,
        "client_b": studio.other_client.user,
        "assigned_practitioner": studio.practitioner.user,
        "other_practitioner": studio.other_practitioner.user,
        "receptionist": receptionist,
        "manager": manager,
    }


@pytest.fixture
def booked(studio, people) -> Appointment:
    """Client A's appointment with the assigned practitioner, next Tuesday."""
    return services.book_appointment(
        client=studio.client, practitioner=studio.practitioner, service=studio.service,
        start=local(next_tuesday(), 10), source=Source.APP, actor=None,
    )
