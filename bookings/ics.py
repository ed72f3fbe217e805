"""The calendar file attached to a confirmation, a moved notice and a
cancellation notice (RFC 5545, written with ``icalendar``). Plain Python:
no Django here, so it is tested alone and the import contract keeps it so.

One appointment is one event for the client's calendar program: its UID
never changes, and SEQUENCE grows with each move, so the program replaces
the entry it has instead of adding a second; METHOD:CANCEL with the same
UID removes it. Times are written in UTC, which every program reads the
same way; the program shows them in its owner's zone.
"""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar, Event

PRODID = "-//Clinic bookings//Appointments//EN"


def event_uid(appointment_id: int, domain: str) -> str:
    return f"appointment-{appointment_id}@{domain}"


def appointment_calendar(
    *,
    uid: str,
    sequence: int,
    start: datetime,
    end: datetime,
    summary: str,
    location: str,
    description: str = "",
    cancelled: bool = False,
    stamp: datetime,
) -> bytes:
    """The VCALENDAR text for one appointment; ``cancelled`` withdraws it."""
    if start.tzinfo is None or end.tzinfo is None or stamp.tzinfo is None:
        raise ValueError("calendar times must be aware")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", start.astimezone(UTC))
    event.add("dtend", end.astimezone(UTC))
    event.add("summary", summary)
    event.add("location", location)
    if description:
        event.add("description", description)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()
