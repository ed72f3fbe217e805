"""Session notes for tests, written the way the application writes them:
through ``treatments.services.notes``."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection

from datetime import datetime, timedelta

from bookings.models import Appointment, AppointmentStatus, Source
from treatments.models import AcupressurePoint, HomeCareRoutine, SessionNote, Technique
from treatments.services import notes


def appointment(studio, *, client, practitioner, start: datetime, status=AppointmentStatus.CONFIRMED,
                **fields) -> Appointment:
    """An appointment written straight to the table: one the booking rules
    would place anywhere, for the notes that refer to it."""
    return Appointment.objects.create(
        client=client, practitioner=practitioner, service=studio.service, location=studio.location,
        start=start, end=start + timedelta(hours=1), buffer_end=start + timedelta(hours=1, minutes=15),
        price=studio.service.price, source=Source.STAFF, status=status, **fields,
    )


def full_draft(appointment: Appointment, **changes) -> SessionNote:
    """A draft by the appointment's practitioner with every part filled in."""
    author = appointment.practitioner.user
    note = notes.start_note(actor=author, appointment=appointment).note
    techniques = list(Technique.objects.order_by("pk")[:2])
    fields = {
        "subjective": "Stiff neck after long hours at a desk.",
        "objective": "Tight upper trapezius on the right.",
        "assessment": "Muscle tension, no warning signs.",
        "plan": "Two more sessions a week apart; stretch at work.",
        "pressure": "medium",
        "pain_before": 6,
        "pain_after": 3,
        "client_response": "Felt lighter.",
        "body_chart": {"regions": [{"side": "back", "region": "neck"}],
                       "marks": [{"side": "back", "x": 0.52, "y": 0.18, "intensity": 6}]},
        "shared_with_client": True,
        "techniques": [[techniques[0].pk, 10], [techniques[1].pk, 15]],
        "points": ["GB20", "GB21"],
        "home_care": [HomeCareRoutine.objects.filter(active=True).order_by("pk").first().pk],
        **changes,
    }
    return notes.update_draft(actor=author, note=note, **fields)


def signed_note(appointment: Appointment, **changes) -> SessionNote:
    note = full_draft(appointment, **changes)
    return notes.sign_note(actor=appointment.practitioner.user, note=note)


def a_point(code: str = "GB20") -> AcupressurePoint:
    return AcupressurePoint.objects.get(code=code)


@contextmanager
def behind_the_application():
    """Write as someone with direct access to the database would: on
    PostgreSQL with the triggers off for this session (a superuser's
    ``session_replication_role = replica``), on SQLite as it is."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = origin")
