"""A studio in Chennai (tests.scenario) whose clients agreed to email, a
clock fixed on Monday 7 December 2026, 08:00 IST, and SMS and WhatsApp
written to a file outbox in a temporary folder."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bookings import dispatch, services
from bookings.models import Appointment, Notification, Source
from tests.scenario import NOW, TUESDAY, Studio, local

Kind, Channel, State = Notification.Kind, Notification.Channel, Notification.State


@pytest.fixture
def outbox(settings, tmp_path) -> Path:
    folder = tmp_path / "outbox"
    settings.SMS_BACKEND = "bookings.channels.FileOutbox"
    settings.WHATSAPP_BACKEND = "bookings.channels.FileOutbox"
    settings.NOTIFICATION_OUTBOX_DIR = folder
    settings.SITE_URL = "https://clinic.example.com"
    return folder


def delivered(folder: Path) -> list[dict]:
    """The messages in the file outbox, oldest key first."""
    return [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))] if folder.exists() else []


@pytest.fixture
def consenting(studio: Studio, outbox):
    """The studio's client agreed to email only (a phone they have)."""
    client = studio.client
    client.email_reminders, client.sms_reminders, client.whatsapp_reminders = True, False, False
    client.save()
    return client


def book(studio: Studio, *, start: datetime = None, now: datetime = NOW) -> Appointment:
    return services.book_appointment(
        client=studio.client, practitioner=studio.practitioner, service=studio.service,
        start=start or local(TUESDAY, 10), source=Source.STAFF, actor=None, now=now,
    )


def rows(appointment: Appointment, **filters) -> list[Notification]:
    return list(Notification.objects.filter(appointment=appointment, **filters).order_by("due_at", "id"))


def run(now: datetime, **kwargs) -> dispatch.Counts:
    return dispatch.dispatch_due(now=now, **kwargs)


def later(minutes: float = 0, hours: float = 0, days: float = 0) -> datetime:
    return NOW + timedelta(minutes=minutes, hours=hours, days=days)
