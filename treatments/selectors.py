"""Reads of the clinical records, with what each read prefetches, so a
record costs a fixed number of queries whatever its length. Who may read
which rows is ``treatments.policies``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from bookings.models import Appointment, AppointmentStatus
from treatments.models import Amendment, NotePoint, NoteStatus, NoteTechnique, SessionNote


# -- session notes ----------------------------------------------------------------


def notes_with_parts() -> QuerySet[SessionNote]:
    """Notes with everything a full view of one shows, in a fixed number of queries."""
    return SessionNote.objects.select_related("appointment__location", "client", "practitioner").prefetch_related(
        Prefetch("techniques", NoteTechnique.objects.select_related("technique")),
        Prefetch("points", NotePoint.objects.select_related("point")),
        "home_care__routine",
        Prefetch("amendments", Amendment.objects.select_related("author")),
    )


def note_of_appointment(appointment_id: int) -> SessionNote | None:
    return notes_with_parts().filter(appointment_id=appointment_id).first()


def last_signed_notes(client_ids: Iterable[int]) -> dict[int, SessionNote]:
    """Each client's most recently signed note."""
    latest: dict[int, SessionNote] = {}
    signed = SessionNote.objects.filter(client_id__in=list(client_ids), status=NoteStatus.SIGNED)
    for note in signed.order_by("client_id", "-signed_at", "-pk"):
        latest.setdefault(note.client_id, note)
    return latest


def day_of(practitioner_id: int, now: datetime | None = None) -> list[Appointment]:
    """A practitioner's appointments (not cancelled) on today's date at each
    appointment's location, in time order. Today differs between zones, so
    the query takes the widest day and each row is kept on its own clocks."""
    now = now or timezone.now()
    around = Appointment.objects.filter(
        practitioner_id=practitioner_id, start__gte=now - timedelta(hours=38), start__lt=now + timedelta(hours=38),
    ).exclude(status=AppointmentStatus.CANCELLED).select_related("client", "service", "location", "session_note")
    return [
        appointment for appointment in around.order_by("start", "pk")
        if timezone.localtime(appointment.start, appointment.location.time_zone).date()
        == timezone.localtime(now, appointment.location.time_zone).date()
    ]
