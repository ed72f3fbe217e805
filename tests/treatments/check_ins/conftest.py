"""A completed session and the pain check-in message that followed it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import AppointmentStatus, Notification
from tests.bookings.replies.conftest import appointment_at, message


@pytest.fixture
def session(studio, people):
    """Client A's session with the assigned practitioner, two days ago."""
    start = timezone.now() - timedelta(days=2)
    return appointment_at(studio, start, status=AppointmentStatus.COMPLETED, checked_in_at=start,
                          completed_at=start + timedelta(hours=1))


@pytest.fixture
def check_in_message(session) -> Notification:
    return message(session, kind=Notification.Kind.CHECK_IN)
