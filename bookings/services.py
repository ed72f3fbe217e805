"""The booking rules. Staff panel, booking pages, API and tasks all book,
move and close appointments through these functions and nothing else.

Every change that depends on what is free locks first (the practitioner's
row and the rooms' location on PostgreSQL; the whole database on SQLite,
whose transactions begin IMMEDIATE), re-checks inside the transaction, then
writes. On PostgreSQL the exclusion constraints are the last line of
defence; their violation becomes the same ``slot_unavailable`` error.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.availability import Refusal
from bookings.errors import BookingError
from bookings.models import Appointment, AppointmentEvent, AppointmentStatus, Source, WorkingHours
from bookings.selectors import booking_rules, engine_around
from clinic.models import Client, Location, Practitioner
from treatments.models import Service

Status = AppointmentStatus
Action = AppointmentEvent.Action
EXCLUSION_VIOLATION = "23P01"

# Which status each move leads to, and from where it may start.
TRANSITIONS: dict[str, tuple[str, frozenset[str]]] = {
    Action.APPROVED: (Status.CONFIRMED, frozenset({Status.PENDING})),
    Action.CHECKED_IN: (Status.CHECKED_IN, frozenset({Status.CONFIRMED})),
    Action.COMPLETED: (Status.COMPLETED, frozenset({Status.CHECKED_IN})),
    Action.CANCELLED: (Status.CANCELLED, frozenset({Status.PENDING, Status.CONFIRMED})),
    Action.NO_SHOW: (Status.NO_SHOW, frozenset({Status.CONFIRMED})),
}
MOVABLE = frozenset({Status.PENDING, Status.CONFIRMED})


def _refusal_error(refusal: Refusal) -> BookingError:
    rules = booking_rules()
    params = {
        Refusal.OFF_GRID: {"minutes": int(rules.grid.total_seconds() // 60)},
        Refusal.TOO_SOON: {"hours": f"{rules.min_notice.total_seconds() / 3600:g}"},
        Refusal.TOO_FAR: {"days": rules.horizon.days},
    }.get(refusal, {})
    return BookingError(refusal.value, field="start", **params)


@contextmanager
def _claiming_time():
    """One transaction for a write that takes time; the database's own
    refusal of an overlap becomes the same error as the service's check."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == EXCLUSION_VIOLATION:
            raise BookingError("slot_unavailable", field="start") from exc
        raise


def _validate_start(start: datetime, now: datetime) -> None:
    if timezone.is_naive(start):
        raise BookingError("naive_start", field="start")
    if start < now:
        raise BookingError("in_the_past", field="start")


def _validate_request(*, client, practitioner: Practitioner, service: Service, start: datetime, now: datetime) -> None:
    if client is None:
        raise BookingError("client_missing", field="client")
    _validate_start(start, now)
    if not service.active:
        raise BookingError("service_inactive", field="service")
    if not practitioner.active:
        raise BookingError("practitioner_inactive", field="practitioner")
    if not practitioner.services.filter(pk=service.pk).exists():
        raise BookingError("service_not_offered", field="practitioner")


def _claim_slot(
    *,
    practitioner: Practitioner,
    service: Service,
    start: datetime,
    now: datetime,
    ignore_appointment_id: int | None = None,
) -> tuple[int, int | None]:
    """Inside a transaction: lock, re-check, and return the location and the
    room the appointment may take. Raises ``BookingError`` if it is not free."""
    list(Practitioner.objects.select_for_update().filter(pk=practitioner.pk).values_list("pk", flat=True))
    if service.requires_room:
        # Rooms are shared between practitioners: one booking at a time
        # chooses among a location's rooms.
        worked_at = WorkingHours.objects.filter(practitioner=practitioner).values("location_id")
        list(Location.objects.select_for_update().filter(pk__in=worked_at).order_by("pk").values_list("pk", flat=True))
    engine = engine_around(
        service=service, start=start, now=now, practitioner=practitioner, ignore_appointment_id=ignore_appointment_id
    )
    refusal, location_id = engine.refusal(practitioner_id=practitioner.pk, start=start)
    if refusal is not None:
        raise _refusal_error(refusal)
    room_id = engine.free_room(location_id=location_id, start=start) if service.requires_room else None
    return location_id, room_id


def _record(appointment: Appointment, action: str, *, actor, at: datetime, from_status: str = "", **details) -> None:
    AppointmentEvent.objects.create(
        appointment=appointment,
        action=action,
        actor=actor,
        at=at,
        from_status=from_status,
        to_status=appointment.status,
        details=details,
    )


def book_appointment(
    *,
    client: Client | None,
    practitioner: Practitioner,
    service: Service,
    start: datetime,
    source: str,
    actor=None,
    notes: str = "",
    now: datetime | None = None,
) -> Appointment:
    """Book ``service`` with ``practitioner`` at ``start`` for ``client``."""
    now = now or timezone.now()
    _validate_request(client=client, practitioner=practitioner, service=service, start=start, now=now)
    if source not in Source.values:
        raise ValueError(f"unknown booking source {source!r}")
    duration = timedelta(minutes=service.duration_minutes)
    with _claiming_time():
        location_id, room_id = _claim_slot(practitioner=practitioner, service=service, start=start, now=now)
        appointment = Appointment.objects.create(
            client=client,
            practitioner=practitioner,
            service=service,
            location_id=location_id,
            room_id=room_id,
            start=start,
            end=start + duration,
            buffer_end=start + duration + timedelta(minutes=service.buffer_minutes),
            price=service.price,
            status=Status.PENDING if service.requires_approval else Status.CONFIRMED,
            source=source,
            notes_for_practitioner=notes,
            created_by=actor,
        )
        _record(appointment, Action.BOOKED, actor=actor, at=now, source=source)
    return appointment


def first_free_practitioner(*, service: Service, start: datetime, now: datetime | None = None) -> Practitioner:
    """Whoever offers ``service`` and is free at ``start`` ("anyone" on the
    booking pages); the booking itself re-checks under its lock."""
    now = now or timezone.now()
    _validate_start(start, now)
    engine = engine_around(service=service, start=start, now=now)
    for practitioner_id in engine.practitioner_ids:
        refusal, _ = engine.refusal(practitioner_id=practitioner_id, start=start)
        if refusal is None:
            return Practitioner.objects.get(pk=practitioner_id)
    raise BookingError("slot_unavailable", field="start")


def reschedule_appointment(
    *, appointment: Appointment, start: datetime, actor=None, now: datetime | None = None
) -> Appointment:
    """Move an appointment to a new start. The old time is released only if
    the new one is claimed; on any error nothing changes."""
    now = now or timezone.now()
    _validate_start(start, now)
    with _claiming_time():
        current = Appointment.objects.select_for_update().select_related("service", "practitioner").get(
            pk=appointment.pk
        )
        if current.status not in MOVABLE:
            raise BookingError(
                "illegal_transition", status=current.get_status_display().lower(), action="rescheduled"
            )
        if current.start == start:
            return current
        location_id, room_id = _claim_slot(
            practitioner=current.practitioner,
            service=current.service,
            start=start,
            now=now,
            ignore_appointment_id=current.pk,
        )
        previous = current.start
        held = current.buffer_end - current.start
        current.end = start + (current.end - current.start)
        current.buffer_end = start + held
        current.start = start
        current.location_id = location_id
        current.room_id = room_id
        current.save(update_fields=["start", "end", "buffer_end", "location", "room", "updated_at"])
        _record(
            current, Action.RESCHEDULED, actor=actor, at=now, from_status=current.status,
            previous_start=previous.isoformat(), new_start=start.isoformat(),
        )
    return current


def _transition(
    appointment: Appointment, action: str, *, actor, now: datetime | None, check=None, **changes
) -> Appointment:
    """Move to the status ``action`` leads to: an appointment already there
    is returned unchanged; one that may not move there raises."""
    now = now or timezone.now()
    target, sources = TRANSITIONS[action]
    with transaction.atomic():
        current = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if current.status == target:
            return current
        if current.status not in sources:
            raise BookingError(
                "illegal_transition",
                status=current.get_status_display().lower(),
                action=Action(action).label.lower(),
            )
        if check is not None:
            check(current, now)
        previous = current.status
        current.status = target
        for name, value in changes.items():
            setattr(current, name, value(current, now) if callable(value) else value)
        current.save(update_fields=["status", "updated_at", *changes])
        _record(current, action, actor=actor, at=now, from_status=previous)
    return current


def approve_appointment(*, appointment: Appointment, actor=None, now: datetime | None = None) -> Appointment:
    return _transition(appointment, Action.APPROVED, actor=actor, now=now)


def cancel_appointment(
    *, appointment: Appointment, actor=None, reason: str = "", now: datetime | None = None
) -> Appointment:
    """Cancel; inside the cancellation window the cancellation is marked late."""
    window = timedelta(hours=settings.CANCELLATION_WINDOW_HOURS)
    return _transition(
        appointment,
        Action.CANCELLED,
        actor=actor,
        now=now,
        cancelled_at=lambda current, at: at,
        cancelled_by=actor,
        cancellation_reason=reason.strip()[:300],
        late_cancellation=lambda current, at: current.start - at < window,
    )


def _check_in_open(current: Appointment, now: datetime) -> None:
    opens = timedelta(minutes=settings.CHECK_IN_OPENS_MINUTES)
    if now < current.start - opens:
        raise BookingError("too_early_to_check_in", hours=f"{opens.total_seconds() / 3600:g}")


def check_in(*, appointment: Appointment, actor=None, now: datetime | None = None) -> Appointment:
    return _transition(
        appointment, Action.CHECKED_IN, actor=actor, now=now, check=_check_in_open,
        checked_in_at=lambda current, at: at,
    )


def complete(*, appointment: Appointment, actor=None, now: datetime | None = None) -> Appointment:
    return _transition(
        appointment, Action.COMPLETED, actor=actor, now=now, completed_at=lambda current, at: at
    )


def _has_started(current: Appointment, now: datetime) -> None:
    if now < current.start:
        raise BookingError("not_started")


def mark_no_show(*, appointment: Appointment, actor=None, now: datetime | None = None) -> Appointment:
    return _transition(appointment, Action.NO_SHOW, actor=actor, now=now, check=_has_started)
