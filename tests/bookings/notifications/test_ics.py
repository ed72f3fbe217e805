"""The calendar file (bookings/ics.py): pure, one event per appointment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bookings import ics

START = datetime(2026, 12, 8, 10, 0, tzinfo=ZoneInfo("Asia/Kolkata"))


def event_of(text: bytes):
    calendar = Calendar.from_ical(text)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_a_request_in_utc_with_a_stable_uid_and_the_address():
    text = ics.appointment_calendar(
        uid=ics.event_uid(42, "clinic.example.com"), sequence=0, start=START, end=START + timedelta(hours=1),
        summary="Back massage (Meena)", location="Chennai studio, 1 Test Street", stamp=START,
    )
    calendar, event = event_of(text)
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == "appointment-42@clinic.example.com"
    assert b"DTSTART:20261208T043000Z" in text and b"DTEND:20261208T053000Z" in text
    assert str(event["LOCATION"]) == "Chennai studio, 1 Test Street"
    assert event["SEQUENCE"] == 0


def test_a_move_raises_the_sequence_and_a_cancellation_withdraws_the_same_event():
    moved = ics.appointment_calendar(uid="appointment-42@x", sequence=2, start=START, end=START + timedelta(hours=1),
                                     summary="s", location="l", stamp=START)
    cancelled = ics.appointment_calendar(uid="appointment-42@x", sequence=3, start=START,
                                         end=START + timedelta(hours=1), summary="s", location="l", stamp=START,
                                         cancelled=True)
    _, moved_event = event_of(moved)
    calendar, cancelled_event = event_of(cancelled)
    assert moved_event["SEQUENCE"] == 2 and cancelled_event["SEQUENCE"] == 3
    assert calendar["METHOD"] == "CANCEL" and str(cancelled_event["STATUS"]) == "CANCELLED"
    assert cancelled_event["UID"] == moved_event["UID"]


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        ics.appointment_calendar(uid="u", sequence=0, start=datetime(2026, 12, 8, 10), end=START, summary="s",
                                 location="l", stamp=datetime.now(UTC))
