"""The dispatcher: claims the notification rows that are due, checks each
again against the appointment, the client's consent and the quiet hours as
they are now, sends it, and marks it.

At most once, and not lost:

- A batch is claimed atomically (PostgreSQL: ``SELECT ... FOR UPDATE SKIP
  LOCKED`` then ``sending`` with the batch's claim id; SQLite: a conditional
  UPDATE that only takes rows still due, in a write transaction SQLite
  runs one at a time), so two dispatchers never hold one row.
- Each row's mark is committed right after its own send, so a worker killed
  mid-batch leaves at most the row it was sending uncertain. Rows left in
  ``sending`` longer than ``NOTIFICATION_LEASE_SECONDS`` are claimed again
  and sent with the same idempotency key (``notification-<id>``), which
  lets the channel recognise the second try.
- Every mark is a compare-and-swap on the batch's claim, so a row another
  dispatcher took back after a lease is never marked twice.

Checked again just before sending (one query per batch for the rows and
what they refer to, one more per kind of context; then one UPDATE per row):

- cancelled appointment: only its cancellation notice goes;
- moved (``start != for_start``): its confirmation, reminders and moved
  notice of the old time are skipped (the move planned new ones);
- a confirmation or moved notice with a newer one for the same appointment
  and channel is skipped as superseded, and so is a reminder when a later
  one of the same appointment is due too (a dispatcher that ran late sends
  one reminder, the one nearest the start);
- reminder: only for a confirmed appointment that has not started; one
  still waiting for review is skipped with that reason;
- home care: only after a completed session, and only when the client has
  active routines given on or after the session's day; check-in: only
  after a completed session, and not once answered;
- the channel's consent, as it is now;
- quiet hours, now: the planner keeps rows out of them, but a dispatcher
  running late can meet a row inside them. A follow-up or notice waits for
  the morning. A reminder waits for the morning too when the morning comes
  before the appointment; when it does not (an early appointment), it is
  skipped: the rule is no message at night, and the client already had the
  confirmation and any earlier reminder.

Failures: a transient error puts the row back with ``not_before`` pushed
out exponentially (``NOTIFICATION_RETRY_BASE_SECONDS`` × 2^(tries before));
after ``NOTIFICATION_MAX_ATTEMPTS`` tries, or at once on a permanent error,
the row has ``failed`` and a new row on the next channel the client agreed
to (and that was not tried yet for this message) takes over.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from bookings import channels, messages
from bookings.links import Action, manage_url, reply_url
from bookings.models import Appointment, AppointmentEvent, AppointmentStatus, Notification
from bookings.outbox import ABOUT_THE_TIME, CONSENTS, consented_channels
from bookings.quiet_hours import quiet_period
from treatments.models.catalogue import HomeCareAssignment

log = logging.getLogger(__name__)

Kind, Channel, State = Notification.Kind, Notification.Channel, Notification.State
Status = AppointmentStatus

# Notices that say "this is your appointment now": only the newest counts.
NOTICES = (Kind.CONFIRMATION, Kind.RESCHEDULED)


@dataclass
class Counts:
    claimed: int = 0
    sent: int = 0
    skipped: int = 0
    deferred: int = 0
    retried: int = 0
    failed: int = 0
    fallbacks: int = 0
    released: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def idempotency_key(notification_id: int) -> str:
    return f"notification-{notification_id}"


# -- claiming -------------------------------------------------------------------


def _due(now: datetime) -> Q:
    lease = timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)
    return Q(state=State.PENDING, not_before__lte=now) | Q(state=State.SENDING, claimed_at__lt=now - lease)


def take(ids: list[int], *, now: datetime, claim: str) -> int:
    """Mark the rows of ``ids`` that are still due as held by ``claim``.

    The UPDATE repeats the due condition: a row another dispatcher claimed
    since the ids were read is no longer due and is left to it (on SQLite
    this compare-and-swap is the whole claim; on PostgreSQL the rows are
    locked already and it changes nothing)."""
    return Notification.objects.filter(_due(now), id__in=ids).update(state=State.SENDING, claim=claim,
                                                                      claimed_at=now)


def claim_batch(*, now: datetime, limit: int, claim: str) -> int:
    """Take up to ``limit`` due rows for the batch ``claim``; how many."""
    due = Notification.objects.filter(_due(now)).order_by("not_before", "id")
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            ids = list(due.select_for_update(skip_locked=True).values_list("id", flat=True)[:limit])
            return take(ids, now=now, claim=claim) if ids else 0
    ids = list(due.values_list("id", flat=True)[:limit])
    return take(ids, now=now, claim=claim) if ids else 0


def _claimed(claim: str) -> list[Notification]:
    return list(
        Notification.objects.filter(claim=claim, state=State.SENDING)
        .select_related("appointment__client", "appointment__location", "appointment__practitioner",
                        "appointment__service")
        .order_by("not_before", "id")
    )


# -- what a batch needs besides its rows -------------------------------------------


def _superseded(rows: list[Notification], *, now: datetime) -> set[int]:
    """Rows a newer one of the same sort replaces: a confirmation or moved
    notice with a newer notice for the same appointment and channel; a
    reminder with a later reminder that is due too (a dispatcher that ran
    late sends the one nearest the start, not both)."""
    candidates = [row for row in rows if row.kind in NOTICES or row.kind == Kind.REMINDER]
    if not candidates:
        return set()
    newest: dict[tuple[int, str, bool], tuple] = {}
    for appointment_id, kind, channel, due_at, pk in Notification.objects.filter(
        appointment_id__in={row.appointment_id for row in candidates},
        kind__in=(*NOTICES, Kind.REMINDER), state__in=(State.PENDING, State.SENDING, State.SENT),
    ).values_list("appointment_id", "kind", "channel", "due_at", "id"):
        is_reminder = kind == Kind.REMINDER
        if is_reminder and due_at > now:
            continue
        key = (appointment_id, channel, is_reminder)
        newest[key] = max(newest.get(key, (due_at, pk)), (due_at, pk))
    return {
        row.pk for row in candidates
        if newest.get((row.appointment_id, row.channel, row.kind == Kind.REMINDER), (row.due_at, row.pk))
        > (row.due_at, row.pk)
    }


def _routines(rows: list[Notification]) -> dict[int, list[str]]:
    """For each home-care row, the names of the client's active routines
    given on or after the session's local day."""
    home_care = [row for row in rows if row.kind == Kind.HOME_CARE]
    if not home_care:
        return {}
    given: dict[int, list[tuple]] = defaultdict(list)
    for client_id, assigned_on, name in HomeCareAssignment.objects.filter(
        client_id__in={row.appointment.client_id for row in home_care}, active=True,
    ).order_by("routine__name").values_list("client_id", "assigned_on", "routine__name"):
        given[client_id].append((assigned_on, name))
    found = {}
    for row in home_care:
        appointment = row.appointment
        session_day = appointment.start.astimezone(appointment.location.time_zone).date()
        names = [name for assigned_on, name in given[appointment.client_id] if assigned_on >= session_day]
        if names:
            found[row.pk] = names
    return found


def _sequences(rows: list[Notification]) -> dict[int, int]:
    """How many times each appointment has moved: its calendar entry's SEQUENCE."""
    ids = {row.appointment_id for row in rows if row.kind in messages.WITH_CALENDAR and row.channel == Channel.EMAIL}
    if not ids:
        return {}
    return dict(
        AppointmentEvent.objects.filter(appointment_id__in=ids, action=AppointmentEvent.Action.RESCHEDULED)
        .values_list("appointment_id").annotate(moves=Count("id")).values_list("appointment_id", "moves")
    )


# Messages that carry the manage link (see, move or cancel without an account).
MANAGED = (Kind.CONFIRMATION, Kind.REMINDER, Kind.RESCHEDULED)


def _links(rows: list[Notification]) -> dict[int, dict[str, str]]:
    """The signed reply links: confirm or cancel from a reminder, answer a check-in."""
    links = {}
    for row in rows:
        if row.kind in MANAGED:
            links[row.pk] = {"manage_url": manage_url(row.appointment_id, row.appointment.client_id)}
        if row.kind == Kind.REMINDER:
            links[row.pk] |= {"confirm_url": reply_url(row.pk, Action.CONFIRM),
                              "cancel_url": reply_url(row.pk, Action.CANCEL)}
        elif row.kind == Kind.CHECK_IN:
            links[row.pk] = {"check_in_url": reply_url(row.pk, Action.CHECK_IN)}
    return links


# -- the checks ----------------------------------------------------------------------


def reason_not_to_send(row: Notification, *, now: datetime, superseded: set[int],
                       routines: dict[int, list[str]]) -> str:
    """Why ``row`` must not go out at all, or ``""``."""
    appointment: Appointment = row.appointment
    status = appointment.status
    if status == Status.CANCELLED and row.kind != Kind.CANCELLED:
        return "cancelled"
    if row.kind == Kind.CANCELLED and status != Status.CANCELLED:
        return "not cancelled"
    if row.kind in ABOUT_THE_TIME and appointment.start != row.for_start:
        return "moved"
    if row.pk in superseded:
        return "superseded"
    if row.kind == Kind.REMINDER:
        if status == Status.PENDING:
            return "awaiting review"
        if status != Status.CONFIRMED:
            return f"appointment is {status}"
        if now >= appointment.start:
            return "too late: the appointment has started"
    if row.kind in NOTICES and status not in (Status.CONFIRMED, Status.PENDING):
        return f"appointment is {status}"
    if row.kind == Kind.CONFIRMATION and status == Status.PENDING:
        # The approval plans the confirmation that goes out.
        return "awaiting review"
    if row.kind in (Kind.HOME_CARE, Kind.CHECK_IN) and status != Status.COMPLETED:
        return f"appointment is {status}"
    if row.kind == Kind.HOME_CARE and row.pk not in routines:
        return "no home-care routines given"
    if row.kind == Kind.CHECK_IN and row.answered_at is not None:
        return "already answered"
    if not getattr(appointment.client, CONSENTS[row.channel], False):
        return "consent withdrawn"
    return ""


def quiet_until(row: Notification, *, now: datetime) -> datetime | None:
    """When ``row`` may go out if ``now`` is inside the location's quiet
    hours, else ``None``."""
    location = row.appointment.location
    period = quiet_period(now, location.time_zone, location.quiet_from, location.quiet_until)
    return None if period is None else period[1]


# -- marking (each a compare-and-swap on the batch's claim) --------------------------


def _mark(row: Notification, held_by: str, **fields) -> bool:
    return Notification.objects.filter(pk=row.pk, claim=held_by, state=State.SENDING).update(**fields) == 1


def _fallback(row: Notification, *, now: datetime) -> Notification | None:
    """A row on the next channel the client agreed to that this message has
    not been tried on, taking over from the failed ``row``."""
    tried = set(Notification.objects.filter(
        appointment_id=row.appointment_id, kind=row.kind, due_at=row.due_at,
    ).values_list("channel", flat=True))
    client = row.appointment.client
    choices = [channel for channel in consented_channels(client) if channel not in tried]
    if not choices:
        return None
    replacement = Notification(
        appointment_id=row.appointment_id, kind=row.kind, channel=choices[0], due_at=row.due_at, not_before=now,
        for_start=row.for_start, offset_minutes=row.offset_minutes, fallback_of=row,
    )
    created = Notification.objects.bulk_create([replacement], ignore_conflicts=True)
    return created[0] if created else None


def _failed(row: Notification, claim: str, *, now: datetime, error: str, counts: Counts) -> None:
    with transaction.atomic():
        if not _mark(row, claim, state=State.FAILED, attempts=row.attempts + 1, last_error=error[:500]):
            return
        counts.failed += 1
        if _fallback(row, now=now) is not None:
            counts.fallbacks += 1


def _transient(row: Notification, claim: str, *, now: datetime, error: str, counts: Counts) -> None:
    attempts = row.attempts + 1
    if attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        _failed(row, claim, now=now, error=f"gave up after {attempts} tries: {error}", counts=counts)
        return
    wait = timedelta(seconds=settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** row.attempts)
    if _mark(row, claim, state=State.PENDING, attempts=attempts, last_error=error[:500], not_before=now + wait,
             claim="", claimed_at=None):
        counts.retried += 1


def _handle(row: Notification, claim: str, *, now: datetime, superseded, context: messages.Context,
            counts: Counts) -> None:
    reason = reason_not_to_send(row, now=now, superseded=superseded, routines=context.routines)
    if reason:
        if _mark(row, claim, state=State.SKIPPED, last_error=reason):
            counts.skipped += 1
        return
    morning = quiet_until(row, now=now)
    if morning is not None:
        if row.kind == Kind.REMINDER and morning >= row.appointment.start:
            if _mark(row, claim, state=State.SKIPPED, last_error="quiet hours last until the start"):
                counts.skipped += 1
        elif _mark(row, claim, state=State.PENDING, not_before=morning, claim="", claimed_at=None):
            counts.deferred += 1
        return
    try:
        message = messages.render(row, now=now, context=context)
        provider_id = channels.send(message, key=idempotency_key(row.pk))
    except channels.PermanentError as exc:
        _failed(row, claim, now=now, error=str(exc), counts=counts)
        return
    except channels.TransientError as exc:
        _transient(row, claim, now=now, error=str(exc), counts=counts)
        return
    except Exception as exc:  # noqa: BLE001 - one broken row must not stall the batch behind it
        log.exception("notification %s could not be sent", row.pk)
        _transient(row, claim, now=now, error=f"{type(exc).__name__}: {exc}", counts=counts)
        return
    if _mark(row, claim, state=State.SENT, sent_at=now, provider_id=str(provider_id)[:200], last_error=""):
        counts.sent += 1


def _release(rows: list[Notification], claim: str) -> int:
    """Give back rows of the batch that were not reached in time."""
    return Notification.objects.filter(id__in=[row.pk for row in rows], claim=claim, state=State.SENDING).update(
        state=State.PENDING, claim="", claimed_at=None
    )


def dispatch_due(*, now: datetime | None = None, limit: int | None = None,
                 stop_after_seconds: float | None = None) -> Counts:
    """Claim up to ``limit`` due rows and handle each; what happened to them.

    ``stop_after_seconds`` bounds the batch's sending time: rows not reached
    by then go back to ``pending`` at once rather than wait out the lease."""
    now = now or timezone.now()
    limit = limit or settings.NOTIFICATION_BATCH_SIZE
    claim = uuid.uuid4().hex
    counts = Counts(claimed=claim_batch(now=now, limit=limit, claim=claim))
    if not counts.claimed:
        return counts
    rows = _claimed(claim)
    superseded = _superseded(rows, now=now)
    context = messages.Context(routines=_routines(rows), sequences=_sequences(rows), links=_links(rows))
    started = time.monotonic()
    with _quick_commits():
        for index, row in enumerate(rows):
            _handle(row, claim, now=now, superseded=superseded, context=context, counts=counts)
            if stop_after_seconds is not None and time.monotonic() - started > stop_after_seconds:
                counts.released = _release(rows[index + 1:], claim)
                break
    return counts


@contextmanager
def _quick_commits() -> Iterator[None]:
    """On PostgreSQL, the batch's marks commit without waiting for the WAL
    to reach the disk (``synchronous_commit = off``): each mark is still
    its own commit, visible at once and kept if the worker dies; only a
    crash of the database server itself can lose the last fraction of a
    second of marks, and those rows are then sent again with the same
    idempotency key. Waiting for the disk on every row made a batch about
    two and a half times slower (bench/README.md)."""
    if connection.vendor != "postgresql" or not connection.get_autocommit():
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")
