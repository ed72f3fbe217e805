"""The people of ``tests/conftest.py`` (one login per role, client A's
appointment with the assigned practitioner) and notes on that appointment."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookings.models import Appointment
from tests.treatments.notes.factories import appointment, full_draft, signed_note
from treatments.services import notes


@pytest.fixture
def author(people):
    return people["assigned_practitioner"]


@pytest.fixture
def draft(booked, author):
    return notes.start_note(actor=author, appointment=booked).note


@pytest.fixture
def filled(booked):
    return full_draft(booked)


@pytest.fixture
def signed(booked):
    return signed_note(booked)


@pytest.fixture
def second_appointment(studio, booked) -> Appointment:
    """Client A again, a week after ``booked``, with the same practitioner."""
    return appointment(studio, client=studio.client, practitioner=studio.practitioner,
                       start=booked.start + timedelta(days=7))


@pytest.fixture
def other_practitioner_sees_client_a(studio, booked) -> Appointment:
    """The other practitioner is booked with client A too (another day)."""
    return appointment(studio, client=studio.client, practitioner=studio.other_practitioner,
                       start=booked.start + timedelta(days=1))
