"""The booking rules. The staff panel, the booking pages, the API and the
tasks book, move and close appointments through these functions and
nothing else; each asks ``bookings.policies`` whether the actor may.

A change that depends on what is free locks first (the practitioners' rows,
then a room; on SQLite the whole database, whose transactions begin
IMMEDIATE), re-reads the calendar inside the transaction, then writes.
On PostgreSQL the exclusion constraints are the last line of defence; their
violation becomes the same ``slot_unavailable`` error.

``actor`` is the login doing it, or ``None`` for the system itself (demo
data, imports, tasks), which the policies do not restrict.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext as _

from bookings import channels, outbox, policies, screening, selectors
from bookings.links import Action as Reply
from bookings.availability import Refusal
from bookings.errors import BookingError
from bookings.messages import Message
from bookings.models import (
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    IdempotencyKey,
    Notification,
    Source,
    WorkingHours,
)
from bookings.policies import Act
from bookings.selectors import booking_rules, engine_around
from clinic import services as people
from clinic.locking import lock_first_available, lock_ids, lock_row, lock_rows, lock_wait_as_busy
from clinic.models import Client, Location, Practitioner, Room
from treatments.models.catalogue import Service

log = logging.getLogger(__name__)
Status = AppointmentStatus
Action = AppointmentEvent.Action
EXCLUSION_VIOLATION = "23P01"
CLIENT_NO_OVERLAP = "appointment_client_no_overlap"
MAX_IDEMPOTENCY_KEY_LENGTH = 255

# States an appointment can be moved or cancelled from.
OPEN = frozenset({Status.PENDING, Status.CONFIRMED})

# "Anyone" speaks of everyone: nobody works then, or all who do are booked.
ANYONE_CODES = {
    Refusal.NOT_WORKING: "nobody_working",
    Refusal.TIME_OFF: "nobody_working",
    Refusal.TAKEN: "all_taken",
}


# -- a client signing in with a code sent by SMS (the account pages) -------------


def send_sign_in_code(*, phone: str, address: str, now: datetime | None = None) -> None:
    """Text a one-time sign-in code to ``phone`` (E.164) when it is the
    number of one client login, in the client's language, through the SMS
    channel's backend. Nothing tells the caller whether it was sent: the
    page says the same either way. Raises ``code_rate_limited``."""
    issued = people.issue_sign_in_code(phone=phone, address=address, now=now or timezone.now())
    if issued is None:
        return
    with translation.override(issued.client.preferred_language):
        text = _("%(code)s is your sign-in code for the clinic. It works once, within %(minutes)s minutes. "
                 "Nobody from the clinic will ever ask you for it.") % {
            "code": issued.code, "minutes": settings.SIGN_IN_CODE_MINUTES}
    message = Message(channel="sms", to=phone, subject="", text=text, template="sign_in_code",
                      variables=(issued.code,), language=issued.client.preferred_language)
    try:
        channels.send(message, key=issued.key)
    except channels.ChannelError:
        # The client asks again; the page must not tell a failed send from
        # a number nobody has.
        log.warning("the sign-in code %s could not be sent", issued.key, exc_info=True)


# -- shared steps ---------------------------------------------------------------


def _refusal_error(refusal: Refusal, *, anyone: bool = False) -> BookingError:
    rules = booking_rules()
    params = {
        Refusal.OFF_GRID: {"minutes": int(rules.grid.total_seconds() // 60)},
        Refusal.TOO_SOON: {"hours": f"{rules.min_notice.total_seconds() / 3600:g}"},
        Refusal.TOO_FAR: {"days": rules.horizon.days},
    }.get(refusal, {})
    code = ANYONE_CODES.get(refusal, refusal.value) if anyone else refusal.value
    return BookingError(code, field="start", **params)


@contextmanager
def _claiming_time() -> Iterator[None]:
    """One transaction for a write that takes time: the database's own
    refusal of an overlap becomes the service's ``slot_unavailable``, and a
    lock that could not be had in time the shared ``busy``."""
    with lock_wait_as_busy():
        try:
            with transaction.atomic():
                yield
        except IntegrityError as exc:
            if getattr(exc.__cause__, "sqlstate", None) == EXCLUSION_VIOLATION:
                constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", "")
                code = "client_overlap" if constraint == CLIENT_NO_OVERLAP else "slot_unavailable"
                raise BookingError(code, field="start") from exc
            raise


def _check_start(start: datetime, now: datetime) -> None:
    if timezone.is_naive(start):
        raise BookingError("naive_start", field="start")
    if start < now:
        raise BookingError("in_the_past", field="start")


def _offering(service: Service) -> QuerySet[Practitioner]:
    """Everyone who offers ``service`` and has hours at an open location."""
    return Practitioner.objects.filter(
        pk__in=WorkingHours.objects.filter(
            practitioner__services=service, practitioner__active=True, location__active=True
        ).values("practitioner_id")
    )


def _choose(
    *,
    service: Service,
    start: datetime,
    now: datetime,
    practitioner: Practitioner | None,
    actor=None,
    ignore_appointment_id: int | None = None,
) -> tuple[int, int, list[int]]:
    """Judge ``start`` on the calendar as it is now and return who takes it,
    where, and the rooms there that are free (none when the service needs
    no room): ``practitioner``, or for ``None`` whoever is free (the least
    booked that day first). Raises the refusal otherwise.

    Called under the locks by the writes, and without them by the checks a
    form runs before it saves. Whether the minimum notice applies is the
    policy's to say, by who asks (``actor``)."""
    engine = engine_around(
        service=service, start=start, now=now, practitioner=practitioner, ignore_appointment_id=ignore_appointment_id,
        with_notice=policies.bound_by_min_notice(actor),
    )
    if practitioner is None:
        if not engine.practitioner_ids:
            raise BookingError("nobody_offers", field="service")
        free, refusal = engine.anyone(start)
        if not free:
            raise _refusal_error(refusal, anyone=True)
        practitioner_id, location_id = free[0]
    else:
        practitioner_id = practitioner.pk
        refusal, location_id = engine.refusal(practitioner_id=practitioner_id, start=start)
        if refusal is Refusal.NOT_WORKING and not practitioner.services.filter(pk=service.pk).exists():
            raise BookingError("service_not_offered", field="practitioner")
        if refusal is not None:
            raise _refusal_error(refusal)
    rooms = engine.free_rooms(location_id=location_id, start=start) if service.requires_room else []
    return practitioner_id, location_id, rooms


def _take_room(*, rooms: list[int], start: datetime, held_until: datetime, ignore_appointment_id: int | None) -> int:
    """Inside a transaction: lock one of ``rooms`` (free when the calendar
    was read, and only rooms that suit the service: it never looks beyond
    them) and make sure it still is.

    Rooms are shared by everyone at a location, so this locks a room, not
    the location: bookings with different practitioners go ahead side by
    side. A room another booking holds at this moment is passed over
    without waiting. Only when every room still free is held does the
    booking wait for them, all in id order and after letting go of any room
    it found taken, so that no two bookings ever wait for each other."""
    remaining = list(rooms)
    before_rooms = transaction.savepoint()
    while remaining:
        room_id = lock_first_available(Room, remaining)
        if room_id is None:
            break
        held = selectors.rooms_held(
            room_ids=[room_id], start=start, end=held_until, ignore_appointment_id=ignore_appointment_id
        )
        if not held:
            transaction.savepoint_commit(before_rooms)
            return room_id
        remaining.remove(room_id)  # booked since the calendar was read
    transaction.savepoint_rollback(before_rooms)  # lets go of the rooms found taken
    if remaining:
        lock_ids(Room, remaining)
        busy = selectors.rooms_held(room_ids=remaining, start=start, end=held_until,
                                    ignore_appointment_id=ignore_appointment_id)
        for room_id in remaining:
            if room_id not in busy:
                return room_id
    raise BookingError("no_room", field="start")


def _claim(
    *,
    service: Service,
    start: datetime,
    now: datetime,
    practitioner: Practitioner | None,
    actor=None,
    ignore_appointment_id: int | None = None,
) -> tuple[int, int, int | None]:
    """Inside a transaction: lock the practitioners ``_choose`` reads, choose,
    then take a room. For "anyone" that locks everyone who offers the
    service, so two clients asking for "anyone" at once are given two
    practitioners, not one practitioner and a refusal."""
    if practitioner is None:
        lock_rows(_offering(service))
    else:
        lock_ids(Practitioner, [practitioner.pk])
    practitioner_id, location_id, rooms = _choose(
        service=service, start=start, now=now, practitioner=practitioner, actor=actor,
        ignore_appointment_id=ignore_appointment_id,
    )
    if not service.requires_room:
        return practitioner_id, location_id, None
    held_until = start + timedelta(minutes=service.duration_minutes + service.buffer_minutes)
    room_id = _take_room(rooms=rooms, start=start, held_until=held_until, ignore_appointment_id=ignore_appointment_id)
    return practitioner_id, location_id, room_id


def _check_client(
    *, client_id: int, start: datetime, end: datetime, actor, now: datetime, ignore_appointment_id: int | None = None
) -> None:
    """The client's own calendar: one appointment at a time, and (for a new
    booking a client makes) no more than the cap ahead of ``now``."""
    if selectors.client_booked_between(
        client_id=client_id, start=start, end=end, ignore_appointment_id=ignore_appointment_id
    ):
        raise BookingError("client_overlap", field="start")
    cap = settings.BOOKING_MAX_UPCOMING_PER_CLIENT
    if (
        ignore_appointment_id is None
        and cap
        and policies.bound_by_booking_cap(actor)
        and selectors.upcoming_count(client_id=client_id, now=now) >= cap
    ):
        raise BookingError("too_many_bookings", limit=cap)


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


# -- booking --------------------------------------------------------------------


def book_appointment(
    *,
    client: Client | None,
    service: Service,
    start: datetime,
    practitioner: Practitioner | None = None,
    actor,
    source: str,
    notes: str = "",
    now: datetime | None = None,
) -> Appointment:
    """Book ``service`` at ``start`` with ``practitioner``, or with whoever
    is free when it is ``None``.

    ``source`` is the way the request came in (pages, app or panel); a
    booking the front desk makes is recorded as the staff's whatever the way.
    Whom it is for follows ``policies.client_for_booking``.
    """
    if source not in Source.values:
        raise ValueError(f"unknown booking source {source!r}")
    now = now or timezone.now()
    client = _check_booking_request(client=client, service=service, start=start, practitioner=practitioner,
                                    actor=actor, now=now)
    duration = timedelta(minutes=service.duration_minutes)
    with _claiming_time():
        practitioner_id, location_id, room_id = _claim(
            service=service, start=start, now=now, practitioner=practitioner, actor=actor
        )
        lock_ids(Client, [client.pk])
        _check_client(client_id=client.pk, start=start, end=start + duration, actor=actor, now=now)
        # The apps above the core screen the booking (bookings.screening): a
        # reason holds it as pending for a practitioner to review.
        review_reason = "; ".join(screening.reasons(
            client_id=client.pk, service_id=service.pk, start=start, location_id=location_id))[:500]
        appointment = Appointment.objects.create(
            client=client,
            practitioner_id=practitioner_id,
            service=service,
            location_id=location_id,
            room_id=room_id,
            start=start,
            end=start + duration,
            buffer_end=start + duration + timedelta(minutes=service.buffer_minutes),
            price=service.price,
            status=Status.PENDING if service.requires_approval or review_reason else Status.CONFIRMED,
            review_reason=review_reason,
            source=Source.STAFF if policies.books_as_staff(actor) else source,
            notes_for_practitioner=notes,
            created_by=actor,
        )
        held = {"review_reason": review_reason} if review_reason else {}
        _record(appointment, Action.BOOKED, actor=actor, at=now, source=appointment.source, **held)
        outbox.plan_booked(appointment, client=client, location=Location.objects.get(pk=location_id), now=now)
    if practitioner is not None:
        appointment.practitioner = practitioner
    return appointment


def _check_booking_request(
    *, client: Client | None, service: Service, start: datetime, practitioner: Practitioner | None, actor, now: datetime
) -> Client:
    """The rules a booking request must meet before any calendar is read;
    returns whom it is for."""
    client = policies.client_for_booking(actor=actor, client=client)
    _check_start(start, now)
    if not service.active:
        raise BookingError("service_inactive", field="service")
    if practitioner is not None and not practitioner.active:
        raise BookingError("practitioner_inactive", field="practitioner")
    return client


def check_booking(
    *,
    client: Client | None,
    service: Service,
    start: datetime,
    practitioner: Practitioner | None = None,
    actor,
    now: datetime | None = None,
) -> None:
    """Raise what ``book_appointment`` would refuse, writing nothing: a form
    shows the refusal on its fields before it saves. The booking itself
    judges again under its locks."""
    now = now or timezone.now()
    client = _check_booking_request(client=client, service=service, start=start, practitioner=practitioner,
                                    actor=actor, now=now)
    _choose(service=service, start=start, now=now, practitioner=practitioner, actor=actor)
    _check_client(client_id=client.pk, start=start, end=start + timedelta(minutes=service.duration_minutes), actor=actor,
                  now=now)


@dataclass(frozen=True)
class Visitor:
    """What a visitor who is not signed in types on the booking pages."""

    full_name: str
    phone: str
    email: str
    preferred_language: str = "en"


def _new_client(person: Visitor) -> Client:
    """The record of someone booking for the first time, inside their
    booking's transaction. They asked for the booking's messages by giving
    an email or a phone."""
    return Client.objects.create(
        full_name=person.full_name, phone=person.phone, email=person.email,
        preferred_language=person.preferred_language,
        email_reminders=bool(person.email), sms_reminders=bool(person.phone),
    )


def book_from_pages(
    *,
    user,
    visitor: Visitor | None,
    service: Service,
    start: datetime,
    practitioner: Practitioner | None = None,
    notes: str = "",
    intake: dict | None = None,
    address: str | None = None,
    now: datetime | None = None,
) -> Appointment:
    """A booking made on the public pages.

    A signed-in client books for themselves, as themselves
    (``policies.page_client``). Anyone else gets a new client record made
    from ``visitor``, in the booking's own transaction, so a refused
    booking leaves no record behind.

    A first visit needs the health questionnaire (``screening``): a
    signed-in client answers it before the review; a visitor's answers
    (``intake``, as the records take them, and the visitor's ``address``
    for the access log) are saved on the new record inside the same
    transaction, before the booking is screened, so answers that call for
    a review hold the booking as they would anyone's.

    Why a new record and never a match on phone or email: the pages cannot
    tell who is typing. Matching would let a stranger who knows someone's
    phone number add bookings (and the messages about them) to that
    person's record, and a different answer for a known number would tell
    the stranger that the person is a client. The front desk merges
    duplicates it recognises; a client who wants one record signs in.
    """
    actor = policies.page_actor(user)
    if actor is not None:
        if screening.needs_intake(policies.page_client(user).pk):
            raise BookingError("intake_missing", field="intake")
        return book_appointment(client=None, service=service, start=start, practitioner=practitioner, actor=actor,
                                source=Source.WEB, notes=notes, now=now)
    if visitor is None:
        raise BookingError("client_missing", field="client")
    if screening.asks_visitors() and intake is None:
        raise BookingError("intake_missing", field="intake")
    now = now or timezone.now()
    with transaction.atomic():
        client = _new_client(visitor)
        if intake is not None:
            screening.record_visitor_intake(client=client, answers=intake, address=address, now=now)
        return book_appointment(client=client, service=service, start=start, practitioner=practitioner, actor=None,
                                source=Source.WEB, notes=notes, now=now)


def book_walk_in(
    *,
    client: Client | None,
    newcomer: Visitor | None = None,
    service: Service,
    start: datetime,
    practitioner: Practitioner | None = None,
    actor,
    notes: str = "",
    now: datetime | None = None,
) -> Appointment:
    """A booking made at the desk for someone standing there: an existing
    ``client``, or a ``newcomer`` whose record is made in the booking's own
    transaction, so a refused booking leaves no record behind. Only the
    front desk books walk-ins; the booking is the staff's."""
    if not policies.books_as_staff(actor):
        raise BookingError("permission_denied", action=policies.BOOK_LABEL)
    if client is None and newcomer is None:
        raise BookingError("client_missing", field="client")
    with transaction.atomic():
        if client is None:
            client = _new_client(newcomer)
        return book_appointment(client=client, service=service, start=start, practitioner=practitioner, actor=actor,
                                source=Source.STAFF, notes=notes, now=now)


def check_page_booking(
    *, user, service: Service, start: datetime, practitioner: Practitioner | None = None, now: datetime | None = None
) -> None:
    """Raise what ``book_from_pages`` would refuse about the time, writing
    nothing (the review page shows it before the client confirms). For a
    visitor, whose record does not exist yet, only the calendar is asked."""
    now = now or timezone.now()
    actor = policies.page_actor(user)
    if actor is not None:
        check_booking(client=None, service=service, start=start, practitioner=practitioner, actor=actor, now=now)
        return
    _check_start(start, now)
    if not service.active:
        raise BookingError("service_inactive", field="service")
    if practitioner is not None and not practitioner.active:
        raise BookingError("practitioner_inactive", field="practitioner")
    _choose(service=service, start=start, now=now, practitioner=practitioner)


@dataclass(frozen=True)
class Booked:
    appointment: Appointment
    replayed: bool


def _request_digest(*, client: Client, service: Service, start: datetime, practitioner, notes: str, source: str) -> str:
    request = {
        "client": client.pk,
        "service": service.pk,
        "start": start.astimezone(UTC).isoformat() if timezone.is_aware(start) else start.isoformat(),
        "practitioner": practitioner.pk if practitioner is not None else None,
        "notes": notes,
        "source": source,
    }
    return hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()


def book_once(*, idempotency_key: str | None, actor, **booking) -> Booked:
    """``book_appointment``, at most once per actor and ``idempotency_key``.

    A phone on a bad connection retries a booking it never saw answered:
    with the same key and the same request it gets the first appointment
    back (``replayed``) and nothing is booked twice; with the same key and
    another request it is refused. The key is claimed first, in the booking's
    own transaction, so a twin request waits for the first and then replays
    it instead of booking again.
    """
    if not idempotency_key:
        return Booked(book_appointment(actor=actor, **booking), replayed=False)
    if actor is None:
        raise ValueError("an idempotency key belongs to a signed-in actor")
    if len(idempotency_key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        raise BookingError("idempotency_key_too_long", field="Idempotency-Key", length=MAX_IDEMPOTENCY_KEY_LENGTH)
    client = policies.client_for_booking(actor=actor, client=booking.get("client"))
    digest = _request_digest(
        client=client, service=booking["service"], start=booking["start"], practitioner=booking.get("practitioner"),
        notes=booking.get("notes", ""), source=booking["source"],
    )
    try:
        with transaction.atomic():
            claim = IdempotencyKey.objects.create(user=actor, key=idempotency_key, request_hash=digest)
            appointment = book_appointment(actor=actor, **booking)
            claim.appointment = appointment
            claim.save(update_fields=["appointment"])
    except IntegrityError:
        earlier = IdempotencyKey.objects.filter(user=actor, key=idempotency_key).first()
        if earlier is None:
            raise
        if earlier.request_hash != digest:
            raise BookingError("idempotency_key_reused") from None
        return Booked(earlier.appointment, replayed=True)
    return Booked(appointment, replayed=False)


# -- moving ---------------------------------------------------------------------


def movable(status: str) -> bool:
    """Whether an appointment in ``status`` can move at all (not once it is
    over, cancelled or missed)."""
    return status in OPEN


def move_refusal(appointment: Appointment) -> BookingError | None:
    """Why ``appointment`` cannot be moved to any time, or ``None``: the
    pages that offer times ask first."""
    return None if movable(appointment.status) else _refuse_move(appointment, Action.RESCHEDULED)


def _refuse_move(current: Appointment, action: str) -> BookingError:
    return BookingError(
        "illegal_transition", status=current.get_status_display().lower(), action=Action(action).label.lower()
    )


def _handed_to(
    appointment: Appointment, practitioner: Practitioner | None, *, actor, now: datetime
) -> Practitioner | None:
    """Ask the policy about a move (and, to another practitioner, about the
    handover, ``Act.REASSIGN``); the colleague it goes to, or ``None`` when
    it stays with its own. An inactive colleague takes nothing."""
    handed = practitioner if practitioner is not None and practitioner.pk != appointment.practitioner_id else None
    if actor is not None:
        policies.require(actor, Act.RESCHEDULE, appointment, now)
        if handed is not None:
            policies.require(actor, Act.REASSIGN, appointment, now)
    if handed is not None and not handed.active:
        raise BookingError("practitioner_inactive", field="practitioner")
    return handed


def reschedule_appointment(
    *,
    appointment: Appointment,
    start: datetime,
    practitioner: Practitioner | None = None,
    actor=None,
    now: datetime | None = None,
) -> Appointment:
    """Move an appointment to a new start, with the same practitioner or
    (``practitioner``; the front desk's act, ``Act.REASSIGN``) with another
    who offers the service and is free then. The old time is released only
    if the new one is claimed; on any refusal nothing changes. Moving to the
    start and practitioner it already has changes nothing."""
    now = now or timezone.now()
    new_hand = _handed_to(appointment, practitioner, actor=actor, now=now)
    _check_start(start, now)
    with _claiming_time():
        current = lock_row(Appointment.objects.select_related("service", "practitioner"), appointment.pk)
        if current.status not in OPEN:
            raise _refuse_move(current, Action.RESCHEDULED)
        target = new_hand or current.practitioner
        if current.start == start and new_hand is None:
            return current
        _, location_id, room_id = _claim(
            service=current.service, start=start, now=now, practitioner=target, actor=actor,
            ignore_appointment_id=current.pk,
        )
        previous = current.start
        session, held = current.end - current.start, current.buffer_end - current.start
        lock_ids(Client, [current.client_id])
        _check_client(client_id=current.client_id, start=start, end=start + session, actor=actor, now=now,
                      ignore_appointment_id=current.pk)
        # Screened again for the new time (a clearance may end before it):
        # a reason holds a confirmed appointment for review once more. With
        # none, the status stands: an approval is not undone by a move.
        review_reason = "; ".join(screening.reasons(
            client_id=current.client_id, service_id=current.service_id, start=start, location_id=location_id))[:500]
        from_status = current.status
        current.start, current.end, current.buffer_end = start, start + session, start + held
        current.location_id, current.room_id = location_id, room_id
        fields = ["start", "end", "buffer_end", "location", "room", "updated_at"]
        handed_over = {}
        if new_hand is not None:
            handed_over = {"previous_practitioner": current.practitioner_id, "new_practitioner": new_hand.pk}
            current.practitioner = new_hand
            fields.append("practitioner")
        if review_reason:
            current.status, current.review_reason = Status.PENDING, review_reason
            fields += ["status", "review_reason"]
        current.save(update_fields=fields)
        held_again = {"review_reason": review_reason} if review_reason else {}
        _record(
            current, Action.RESCHEDULED, actor=actor, at=now, from_status=from_status,
            previous_start=previous.isoformat(), new_start=start.isoformat(), **handed_over, **held_again,
        )
        _tell_client(current, outbox.plan_moved, now=now)
    return current


def check_reschedule(
    *,
    appointment: Appointment,
    start: datetime,
    practitioner: Practitioner | None = None,
    actor=None,
    now: datetime | None = None,
) -> None:
    """Raise what ``reschedule_appointment`` would refuse, writing nothing."""
    now = now or timezone.now()
    new_hand = _handed_to(appointment, practitioner, actor=actor, now=now)
    _check_start(start, now)
    if appointment.status not in OPEN:
        raise _refuse_move(appointment, Action.RESCHEDULED)
    if appointment.start != start or new_hand is not None:
        _choose(
            service=appointment.service, start=start, now=now, practitioner=new_hand or appointment.practitioner,
            actor=actor,
            ignore_appointment_id=appointment.pk,
        )
        _check_client(client_id=appointment.client_id, start=start, end=start + (appointment.end - appointment.start),
                      actor=actor, now=now, ignore_appointment_id=appointment.pk)


# -- the life cycle -------------------------------------------------------------
#
# Each move reads as its own steps: ask the policy, lock the row, return early
# if it is already there, refuse a move the status does not allow, check the
# move's own rule, set the fields, then ``_save_move`` saves and records it.


def _save_move(current: Appointment, action: str, *, to: str, actor, at: datetime, fields: tuple[str, ...] = ()) -> None:
    """Set the new status, save it with ``fields``, and record the event."""
    previous = current.status
    current.status = to
    current.save(update_fields=["status", "updated_at", *fields])
    _record(current, action, actor=actor, at=at, from_status=previous)


def _tell_client(current: Appointment, plan, *, now: datetime) -> None:
    """Plan the messages the change calls for (``bookings.outbox``), in the
    change's transaction."""
    plan(current, client=Client.objects.get(pk=current.client_id),
         location=Location.objects.get(pk=current.location_id), now=now)


def approve_appointment(*, appointment: Appointment, actor=None, now: datetime | None = None) -> Appointment:
    now = now or timezone.now()
    if actor is not None:
        policies.require(actor, Act.APPROVE, appointment)
    with transaction.atomic():
        current = lock_row(Appointment.objects, appointment.pk)
        if current.status == Status.CONFIRMED:
            return current
        if current.status != Status.PENDING:
            raise _refuse_move(current, Action.APPROVED)
        _save_move(current, Action.APPROVED, to=Status.CONFIRMED, actor=actor, at=now)
        _tell_client(current, outbox.plan_booked, now=now)
    return current


def is_late_cancellation(*, start: datetime, now: datetime) -> bool:
    """Cancelling at ``now`` an appointment at ``start`` is late: inside
    ``CANCELLATION_WINDOW_HOURS``. The reply page warns with this before
    the client cancels; ``cancel_appointment`` marks it with this."""
    return start - now < timedelta(hours=settings.CANCELLATION_WINDOW_HOURS)


def cancel_appointment(
    *, appointment: Appointment, actor=None, reason: str = "", now: datetime | None = None
) -> Appointment:
    """Cancel; less than the cancellation window before the start, the
    cancellation is marked late."""
    now = now or timezone.now()
    if actor is not None:
        policies.require(actor, Act.CANCEL, appointment, now)
    with transaction.atomic():
        current = lock_row(Appointment.objects, appointment.pk)
        if current.status == Status.CANCELLED:
            return current
        if current.status not in OPEN:
            raise _refuse_move(current, Action.CANCELLED)
        current.cancelled_at = now
        current.cancelled_by = actor
        current.cancellation_reason = reason.strip()[:300]
        current.late_cancellation = is_late_cancellation(start=current.start, now=now)
        _save_move(
            current, Action.CANCELLED, to=Status.CANCELLED, actor=actor, at=now,
            fields=("cancelled_at", "cancelled_by", "cancellation_reason", "late_cancellation"),
        )
        _tell_client(current, outbox.plan_cancelled, now=now)
    return current


def _check_in_opens(start: datetime) -> datetime:
    """When check-in opens for a session starting at ``start``."""
    return start - timedelta(minutes=settings.CHECK_IN_OPENS_MINUTES)


def life_cycle_open(appointment: Appointment, now: datetime) -> frozenset[Act]:
    """The life-cycle steps ``appointment`` can take at ``now``, whoever
    asks (who may is the policy's): approve a pending one, check in a
    confirmed one from ``CHECK_IN_OPENS_MINUTES`` before its start, record
    a no-show once the start has passed, complete a checked-in session.
    The buttons ask this first; the steps themselves refuse the rest."""
    if appointment.status == Status.PENDING:
        return frozenset({Act.APPROVE})
    if appointment.status == Status.CHECKED_IN:
        return frozenset({Act.COMPLETE})
    if appointment.status != Status.CONFIRMED:
        return frozenset()
    steps = {Act.CHECK_IN} if now >= _check_in_opens(appointment.start) else set()
    if now >= appointment.start:
        steps.add(Act.NO_SHOW)
    return frozenset(steps)


def check_in(*, appointment: Appointment, actor=None, now: datetime | None = None) -> Appointment:
    """Check the client in, from ``CHECK_IN_OPENS_MINUTES`` before the start."""
    now = now or timezone.now()
    if actor is not None:
        policies.require(actor, Act.CHECK_IN, appointment)
    with transaction.atomic():
        current = lock_row(Appointment.objects, appointment.pk)
        if current.status == Status.CHECKED_IN:
            return current
        if current.status != Status.CONFIRMED:
            raise _refuse_move(current, Action.CHECKED_IN)
        if now < _check_in_opens(current.start):
            raise BookingError("too_early_to_check_in", hours=f"{settings.CHECK_IN_OPENS_MINUTES / 60:g}")
        current.checked_in_at = now
        _save_move(current, Action.CHECKED_IN, to=Status.CHECKED_IN, actor=actor, at=now, fields=("checked_in_at",))
    return current


def complete(*, appointment: Appointment, actor=None, now: datetime | None = None) -> Appointment:
    now = now or timezone.now()
    if actor is not None:
        policies.require(actor, Act.COMPLETE, appointment)
    with transaction.atomic():
        current = lock_row(Appointment.objects, appointment.pk)
        if current.status == Status.COMPLETED:
            return current
        if current.status != Status.CHECKED_IN:
            raise _refuse_move(current, Action.COMPLETED)
        current.completed_at = now
        _save_move(current, Action.COMPLETED, to=Status.COMPLETED, actor=actor, at=now, fields=("completed_at",))
        _tell_client(current, outbox.plan_completed, now=now)
    return current


def mark_no_show(*, appointment: Appointment, actor=None, now: datetime | None = None) -> Appointment:
    """A confirmed client who has not come, once the start has passed."""
    now = now or timezone.now()
    if actor is not None:
        policies.require(actor, Act.NO_SHOW, appointment)
    with transaction.atomic():
        current = lock_row(Appointment.objects, appointment.pk)
        if current.status == Status.NO_SHOW:
            return current
        if current.status != Status.CONFIRMED:
            raise _refuse_move(current, Action.NO_SHOW)
        if now < current.start:
            raise BookingError("not_started")
        _save_move(current, Action.NO_SHOW, to=Status.NO_SHOW, actor=actor, at=now)
        outbox.set_aside(current, "no-show")
    return current


def update_notes(*, appointment: Appointment, notes: str, actor=None) -> Appointment:
    """Change what the practitioner is told before the session."""
    if actor is not None:
        policies.require(actor, Act.EDIT_NOTES, appointment)
    with transaction.atomic():
        current = lock_row(Appointment.objects, appointment.pk)
        if current.notes_for_practitioner != notes:
            current.notes_for_practitioner = notes
            current.save(update_fields=["notes_for_practitioner", "updated_at"])
            # Every staff change to an appointment leaves its event; the
            # text itself stays on the appointment, not copied into the log.
            _record(current, Action.NOTES_CHANGED, actor=actor, at=timezone.now(), from_status=current.status)
    return current


# -- the client's own answers ----------------------------------------------------

# Stored as the cancellation reason in English, whoever's language was active
# (the record reads the same for everyone); the API shows it to the client
# in theirs (``shown_cancellation_reason``).
LINK_CANCEL_REASON = gettext_noop("Cancelled by the client from a message link")
MANAGE_LINK_CANCEL_REASON = gettext_noop("Cancelled by the client from the manage link")
FIXED_CANCEL_REASONS = frozenset({LINK_CANCEL_REASON, MANAGE_LINK_CANCEL_REASON})


def shown_cancellation_reason(reason: str) -> str:
    """A stored reason as the reader sees it: ours translated, anyone's own words as written."""
    return gettext(reason) if reason in FIXED_CANCEL_REASONS else reason


def confirm_attendance(*, appointment: Appointment, actor=None, now: datetime | None = None) -> Appointment:
    """The client says they are coming: noted once on the appointment (the
    staff calendar shows it) with its event; saying it again changes nothing."""
    now = now or timezone.now()
    if actor is not None and not policies.may_confirm_attendance(actor, appointment, now):
        raise BookingError("permission_denied", action=policies.CONFIRM_ATTENDANCE_LABEL)
    with transaction.atomic():
        current = lock_row(Appointment.objects, appointment.pk)
        if current.client_confirmed_at is not None:
            return current
        if current.status not in OPEN or current.start <= now:
            raise BookingError("attendance_not_open")
        current.client_confirmed_at = now
        current.save(update_fields=["client_confirmed_at", "updated_at"])
        _record(current, Action.CLIENT_CONFIRMED, actor=actor, at=now, from_status=current.status)
    return current


def take_reply(*, notification: Notification, action: str, now: datetime) -> Notification:
    """Inside the transaction of the reply it allows: lock the message (after
    its appointment, the order every booking change locks in), make sure
    its link still works, and mark it answered, so the link works once.

    Raises ``link_not_for_this``, ``link_used`` or one of the reasons of
    ``policies.link_refusal``. Called by ``reply_by_link`` and by the
    records' pain check-in, which writes its answer in the same transaction.
    """
    lock_ids(Appointment, [notification.appointment_id])
    current = lock_row(Notification.objects.select_related("appointment__client"), notification.pk)
    if current.answered_at is not None:
        raise BookingError("link_used")
    refusal = policies.link_refusal(current, action, now)
    if refusal is not None:
        raise BookingError(refusal)
    current.answered_at, current.answer = now, str(action)
    current.save(update_fields=["answered_at", "answer"])
    return current


def reply_by_link(*, notification: Notification, action: str, now: datetime | None = None) -> Appointment:
    """Confirm or cancel the appointment from a message's link, once. The
    cancellation goes through ``cancel_appointment``, window and all; a
    refusal leaves the link unused."""
    now = now or timezone.now()
    if action not in (Reply.CONFIRM, Reply.CANCEL):
        raise ValueError(f"not a reply to an appointment: {action!r}")
    with lock_wait_as_busy(), transaction.atomic():
        answered = take_reply(notification=notification, action=action, now=now)
        appointment = answered.appointment
        actor = policies.link_actor(appointment)
        if action == Reply.CONFIRM:
            return confirm_attendance(appointment=appointment, actor=actor, now=now)
        return cancel_appointment(appointment=appointment, actor=actor, reason=LINK_CANCEL_REASON, now=now)
