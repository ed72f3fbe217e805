"""Messages with reply links, and the addresses of those links."""

from __future__ import annotations

import time
from datetime import timedelta
from unittest import mock
from urllib.parse import urlparse

import pytest
from django.utils import timezone

from bookings.links import Action, make_token, reply_url
from bookings.models import Appointment, AppointmentStatus, Notification, Source

Kind, State = Notification.Kind, Notification.State


def message(appointment: Appointment, kind: str = Kind.REMINDER, **fields) -> Notification:
    """A message about ``appointment`` that went out an hour ago."""
    sent = timezone.now() - timedelta(hours=1)
    values = {"channel": Notification.Channel.SMS, "due_at": sent, "not_before": sent, "for_start": appointment.start,
              "state": State.SENT, "sent_at": sent, **fields}
    return Notification.objects.create(appointment=appointment, kind=kind, **values)


def link(notification: Notification, action: Action) -> str:
    """The path of the link, as the message carries it."""
    return urlparse(reply_url(notification.pk, action)).path


def old_link(notification: Notification, action: Action, days: int) -> str:
    """A link made ``days`` ago."""
    with mock.patch("django.core.signing.time.time", return_value=time.time() - days * 86400):
        token = make_token(notification.pk, action)
    return f"/r/{token}/"


def appointment_at(studio, start, status: str = AppointmentStatus.CONFIRMED, **fields) -> Appointment:
    """Client A's appointment at ``start``, written directly: the booking
    rules would refuse a time this close or already past."""
    return Appointment.objects.create(
        client=studio.client, practitioner=studio.practitioner, service=studio.service, location=studio.location,
        start=start, end=start + timedelta(hours=1), buffer_end=start + timedelta(hours=1, minutes=15),
        price=studio.service.price, source=Source.STAFF, status=status, **fields,
    )


@pytest.fixture
def reminder(booked) -> Notification:
    return message(booked)
