"""Factories for the clinical records: sessions (appointments written
straight to the table, for a history in the past), notes with what was
done in them, intake versions, the access log and correction requests."""

from __future__ import annotations

from datetime import datetime, timedelta

import factory
from django.utils import timezone

from bookings.models import Appointment, AppointmentStatus, Source
from treatments.models import (
    AccessAction,
    AcupressurePoint,
    Amendment,
    ConsentMethod,
    CorrectionRequest,
    Intake,
    NotePoint,
    NoteStatus,
    NoteTechnique,
    RecordAccess,
    SessionNote,
    Technique,
)


def session(studio, *, start: datetime, client=None, practitioner=None,
            status: str = AppointmentStatus.COMPLETED) -> Appointment:
    """A one-hour appointment of the studio's service, as it stands in the
    table (no booking rules: a history may lie in the past)."""
    return Appointment.objects.create(
        client=client or studio.client, practitioner=practitioner or studio.practitioner, service=studio.service,
        location=studio.location, room=studio.room, start=start, end=start + timedelta(hours=1),
        buffer_end=start + timedelta(hours=1, minutes=15), price=studio.service.price, source=Source.STAFF,
        status=status, cancelled_at=start - timedelta(days=1) if status == AppointmentStatus.CANCELLED else None,
    )


class SessionNoteFactory(factory.django.DjangoModelFactory):
    """A draft note of ``appointment`` (give it); ``signed=True`` signs it."""

    class Meta:
        model = SessionNote

    client = factory.SelfAttribute("appointment.client")
    practitioner = factory.SelfAttribute("appointment.practitioner")
    subjective = "Stiff lower back after long drives."
    objective = "Tight paraspinal muscles on the left."
    assessment = "Muscular tension, no warning signs."
    plan = "Two more sessions; daily ball release at home."
    pressure = "medium"
    pain_before = 6
    pain_after = 3

    class Params:
        signed = factory.Trait(
            status=NoteStatus.SIGNED,
            signed_at=factory.LazyFunction(timezone.now),
            signed_by=factory.SelfAttribute("practitioner.user"),
        )


def technique(name: str) -> Technique:
    return Technique.objects.get(name=name)


def point(code: str) -> AcupressurePoint:
    return AcupressurePoint.objects.get(code=code)


def used(note: SessionNote, *, techniques=(), points=(), home_care=(), then_sign: bool = False) -> SessionNote:
    """Record the techniques (name, minutes), points (codes) and home care
    of a draft ``note``, then sign it if asked. The parts go in first: on
    PostgreSQL a trigger refuses any change to the parts of a signed note."""
    for name, minutes in techniques:
        NoteTechnique.objects.create(note=note, technique=technique(name), minutes=minutes)
    for code in points:
        NotePoint.objects.create(note=note, point=point(code))
    note.home_care.add(*home_care)
    return sign(note) if then_sign else note


def sign(note: SessionNote) -> SessionNote:
    """Mark a draft signed, as the table holds a signed note (the chain is
    the notes service's; these tests read records, they do not verify them)."""
    SessionNote.objects.filter(pk=note.pk).update(
        status=NoteStatus.SIGNED, signed_at=timezone.now(), signed_by=note.practitioner.user)
    note.refresh_from_db()
    return note


class AmendmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Amendment

    text = "Pain before was 7, not 6."
    reason = "Misheard the client."
    author = factory.SelfAttribute("note.practitioner.user")
    created_at = factory.LazyFunction(timezone.now)


class IntakeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Intake

    version = factory.Sequence(lambda n: n + 1)
    conditions = "Mild asthma"
    medications = "Inhaler when needed"
    goals = "Sleep without back pain."
    consent_given_at = factory.LazyFunction(timezone.now)
    consent_method = ConsentMethod.ONLINE
    consent_text_version = "2026-01"


class RecordAccessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecordAccess

    actor_name = factory.LazyAttribute(lambda entry: entry.actor.get_full_name() or entry.actor.email)
    role = "practitioner"
    action = AccessAction.READ
    subject = "session note 1"
    at = factory.LazyFunction(timezone.now)


class CorrectionRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CorrectionRequest

    received_on = factory.LazyFunction(timezone.localdate)
    request = "My date of birth is wrong."
