"""Planning the messages a booking change calls for: the notification rows
(an outbox) that ``bookings.services`` writes in the same transaction as
the change. The dispatcher (``bookings.dispatch``) sends them when due.

What is planned, and when:

- booked or approved: a confirmation now, and a reminder at each of
  ``REMINDER_HOURS`` before the start, except those already past;
- moved: the old time's confirmation and reminders are not sent; a moved
  notice now and the reminders of the new time;
- cancelled: nothing more about it is sent but the cancellation notice;
- completed: a home-care follow-up and a pain check-in, later.

Each message goes by one channel: the first of ``NOTIFICATION_CHANNELS``
the client agreed to (a confirmation prefers email, for its calendar
file). Nothing goes out in the location's quiet hours: a reminder that
would falls back to just before them, anything else waits for the morning.
A client who agreed to no channel gets no rows at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import reduce
from operator import or_

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from bookings import policies
from bookings.errors import BookingError
from bookings.models import Appointment, AppointmentEvent, Notification
from bookings.quiet_hours import after_quiet, before_quiet
from clinic.locking import lock_ids, lock_row
from clinic.models import Client, Location

Kind, Channel, State = Notification.Kind, Notification.Channel, Notification.State

CONSENTS = {Channel.EMAIL: "email_reminders", Channel.SMS: "sms_reminders", Channel.WHATSAPP: "whatsapp_reminders"}

# Messages that speak of the appointment's time: a move makes them wrong.
ABOUT_THE_TIME = (Kind.CONFIRMATION, Kind.REMINDER, Kind.RESCHEDULED)


@dataclass(frozen=True)
class Planned:
    kind: str
    due_at: datetime
    offset_minutes: int | None = None


def consented_channels(client: Client) -> list[str]:
    """The channels the client agreed to, best first."""
    return [channel for channel in settings.NOTIFICATION_CHANNELS if getattr(client, CONSENTS[channel], False)]


def channel_for(client: Client, kind: str) -> str | None:
    channels = consented_channels(client)
    if kind == Kind.CONFIRMATION and Channel.EMAIL in channels:
        return Channel.EMAIL
    return channels[0] if channels else None


def _quiet(location: Location) -> tuple:
    return location.time_zone, location.quiet_from, location.quiet_until


def reminder_times(*, start: datetime, location: Location, now: datetime) -> list[Planned]:
    """The reminders for an appointment at ``start``, booked at ``now``:
    one per configured offset, moved before quiet hours, none already past
    and none twice at one moment."""
    margin = timedelta(minutes=settings.QUIET_HOURS_MARGIN_MINUTES)
    planned: dict[datetime, Planned] = {}
    for hours in settings.REMINDER_HOURS:
        due = before_quiet(start - timedelta(hours=hours), *_quiet(location), margin=margin)
        if now < due < start and due not in planned:
            planned[due] = Planned(Kind.REMINDER, due, round(hours * 60))
    return list(planned.values())


def notice_time(moment: datetime, location: Location) -> datetime:
    return after_quiet(moment, *_quiet(location))


def _write(appointment: Appointment, client: Client, planned: list[Planned], *, revive: bool = False) -> list[Notification]:
    rows = []
    for plan in planned:
        channel = channel_for(client, plan.kind)
        if channel is None:
            continue
        rows.append(Notification(
            appointment=appointment, kind=plan.kind, channel=channel, due_at=plan.due_at, not_before=plan.due_at,
            for_start=appointment.start, offset_minutes=plan.offset_minutes,
        ))
    if not rows:
        return []
    # A row planned before for the same moment stands: one that was sent is
    # never sent again; one set aside by a move back and forth comes back.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if not revive:
        return rows
    same = reduce(or_, (Q(kind=row.kind, channel=row.channel, due_at=row.due_at) for row in rows))
    Notification.objects.filter(same, appointment=appointment, state=State.SKIPPED).update(
        state=State.PENDING, for_start=appointment.start, last_error="", not_before=F("due_at")
    )
    return rows


def _set_aside(appointment: Appointment, kinds, reason: str) -> int:
    return Notification.objects.filter(appointment=appointment, kind__in=kinds, state=State.PENDING).update(
        state=State.SKIPPED, last_error=reason
    )


def plan_booked(appointment: Appointment, *, client: Client, location: Location, now: datetime) -> list[Notification]:
    """A new booking (or an approval of a held one): its confirmation and reminders."""
    return _write(appointment, client, [
        Planned(Kind.CONFIRMATION, notice_time(now, location)),
        *reminder_times(start=appointment.start, location=location, now=now),
    ])


def plan_moved(appointment: Appointment, *, client: Client, location: Location, now: datetime) -> list[Notification]:
    _set_aside(appointment, ABOUT_THE_TIME, "moved")
    return _write(appointment, client, [
        Planned(Kind.RESCHEDULED, notice_time(now, location)),
        *reminder_times(start=appointment.start, location=location, now=now),
    ], revive=True)


def plan_cancelled(appointment: Appointment, *, client: Client, location: Location, now: datetime) -> list[Notification]:
    _set_aside(appointment, Kind.values, "cancelled")
    return _write(appointment, client, [Planned(Kind.CANCELLED, notice_time(now, location))])


def plan_completed(appointment: Appointment, *, client: Client, location: Location, now: datetime) -> list[Notification]:
    return _write(appointment, client, [
        Planned(Kind.HOME_CARE, notice_time(now + timedelta(hours=settings.HOME_CARE_FOLLOW_UP_HOURS), location)),
        Planned(Kind.CHECK_IN, notice_time(now + timedelta(hours=settings.CHECK_IN_AFTER_HOURS), location)),
    ])


def set_aside(appointment: Appointment, reason: str) -> int:
    """A no-show: what is still waiting about its time is not sent."""
    return _set_aside(appointment, ABOUT_THE_TIME, reason)


def retry(*, notification: Notification, actor, now: datetime | None = None) -> Notification:
    """Send a failed message again: waiting from ``now``, with a fresh count
    of attempts, for the dispatcher to claim (it checks the appointment and
    the consent again before sending). Only a failed one; the error it
    failed with stays in the appointment's trail with who asked."""
    now = now or timezone.now()
    if actor is not None and not policies.may_retry_messages(actor):
        raise BookingError("permission_denied", action=policies.RETRY_LABEL)
    with transaction.atomic():
        # The appointment first: a booking change locks it before it sets
        # its messages aside, and two writers must not wait on each other.
        lock_ids(Appointment, [notification.appointment_id])
        current = lock_row(Notification.objects.select_related("appointment"), notification.pk)
        if current.state != State.FAILED:
            raise BookingError("message_not_failed", state=current.get_state_display().lower())
        AppointmentEvent.objects.create(
            appointment=current.appointment, action=AppointmentEvent.Action.MESSAGE_RETRIED, actor=actor, at=now,
            from_status=current.appointment.status, to_status=current.appointment.status,
            details={"notification": current.pk, "kind": current.kind, "channel": current.channel,
                     "attempts": current.attempts, "error": current.last_error},
        )
        current.state, current.not_before, current.attempts = State.PENDING, now, 0
        current.last_error, current.claim, current.claimed_at = "", "", None
        current.save(update_fields=["state", "not_before", "attempts", "last_error", "claim", "claimed_at"])
    return current
