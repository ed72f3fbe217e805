"""The managers' reports: figures for one location over a range of its
local dates, both days included.

Reads only, returning plain rows; who may see them is
``bookings.policies.may_see_reports``. Each figure is counted or summed by
the database, so a report costs the same fixed number of queries
(``REPORT_QUERIES`` for all of them) however many appointments, clients or
messages the period holds. Working time is the one figure the database
cannot add up: it is worked out from the hours on file by the availability
engine's own span arithmetic (``bookings.availability``), the rules that
decide what can be booked.

What counts, decided once here and said on the page:

- A date is a date on the location's clocks. An appointment belongs to the
  date its start shows there; a working span to the date it starts on
  (a span past midnight belongs to its first day).
- Working time: the weekly hours, or a date's own hours, less time off and
  closures. The hours are those on file now: the clinic keeps no history of
  past weekly hours.
- Booked time: the session (start to end; clean-up time not counted) of
  appointments that held the practitioner's time: pending, confirmed,
  checked in, completed, and no-shows (the time was kept for the client).
  A cancellation, late or not, gave the time back.
- Revenue: the price when booked of completed appointments. Cancellations
  (late ones too) and no-shows bring nothing: the clinic records no fee
  for them.
- A new client is one whose first completed appointment ever (at any
  location) falls in the period; a returning client had one before.
  Bookings that never took place do not make a client known.
- No-show and late-cancel rates are out of the appointments that came due:
  completed, checked in, no-shows and late cancellations. Cancellations in
  good time and appointments still open are left out.
- Reminders started at the location with its first reminder sent; the
  rates are split at that moment by each appointment's start.
- Delivery: of the reminders for the period's appointments that were sent
  or failed, the share sent, by channel. Confirmation: of the period's
  appointments that got a sent reminder, the share whose client said they
  are coming.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, Min, OuterRef, Q, Subquery, Sum

from bookings.availability import closed_intervals, local_day, time_outside, working_intervals
from bookings.models import (
    BLOCKING_STATUSES,
    Appointment,
    AppointmentStatus,
    Closure,
    DatedHours,
    Notification,
    TimeOff,
    WorkingHours,
)
from bookings.selectors import CalendarRows, calendar_from_rows
from clinic.models import Location

# Appointments whose session counts as booked time.
BOOKED_STATUSES = (*BLOCKING_STATUSES, AppointmentStatus.NO_SHOW)
# Appointments that came due: the denominator of the no-show and late-cancel rates.
CAME_DUE = Q(status__in=[AppointmentStatus.COMPLETED, AppointmentStatus.CHECKED_IN, AppointmentStatus.NO_SHOW]) | Q(
    status=AppointmentStatus.CANCELLED, late_cancellation=True)
# What ``all_reports`` costs, whatever the period holds.
REPORT_QUERIES = 12
# A span may run past the last midnight of the period; time off there counts.
_PAST_MIDNIGHT = timedelta(days=1)


def share_of(part: int | float, whole: int | float) -> float | None:
    """``part / whole``, or ``None`` when there is nothing to divide by."""
    return part / whole if whole else None


@dataclass(frozen=True)
class Period:
    """A location and a range of its local dates, both included; ``since``
    and ``until`` are the instants the range starts and ends at."""

    location: Location
    first_day: date
    last_day: date

    @property
    def zone(self) -> ZoneInfo:
        return self.location.time_zone

    @property
    def since(self) -> datetime:
        return local_day(self.first_day, self.zone).start

    @property
    def until(self) -> datetime:
        return local_day(self.last_day, self.zone).end

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def appointments(self):
        """The location's appointments that start within the period."""
        return Appointment.objects.filter(location=self.location, start__gte=self.since, start__lt=self.until)


# -- utilisation ------------------------------------------------------------------


@dataclass(frozen=True)
class Utilisation:
    practitioner_id: int
    practitioner: str
    working_minutes: int
    booked_minutes: int
    appointments: int

    @property
    def share(self) -> float | None:
        """Booked time over working time; ``None`` without working time."""
        return share_of(self.booked_minutes, self.working_minutes)


def _minutes(span: timedelta | None) -> int:
    return int((span or timedelta()) // timedelta(minutes=1))


def working_minutes(period: Period) -> tuple[dict[int, int], dict[int, str]]:
    """Each practitioner's working time at the location over the period (in
    minutes), and their names: four queries (weekly hours, dated hours, time
    off, closures), whatever the length of the period."""
    location, zone = period.location, period.zone
    hours = (WorkingHours.objects.filter(location=location, practitioner__active=True)
             .values_list("practitioner_id", "practitioner__display_name", "weekday", "starts_at", "ends_at"))
    dated = (DatedHours.objects.filter(location=location, practitioner__active=True,
                                       day__gte=period.first_day, day__lte=period.last_day)
             .values_list("practitioner_id", "practitioner__display_name", "day", "starts_at", "ends_at",
                          "replaces_weekly"))
    rows = CalendarRows()
    names: dict[int, str] = {}
    for practitioner_id, name, weekday, starts_at, ends_at in hours:
        names[practitioner_id] = name
        rows.hours.append((practitioner_id, location.pk, zone, weekday, starts_at, ends_at))
    for practitioner_id, name, day, starts_at, ends_at, replaces in dated:
        names[practitioner_id] = name
        rows.dated.append((practitioner_id, location.pk, zone, day, starts_at, ends_at, replaces))
    works_here = (Q(practitioner_id__in=WorkingHours.objects.filter(location=location).values("practitioner_id"))
                  | Q(practitioner_id__in=DatedHours.objects.filter(location=location).values("practitioner_id")))
    rows.time_off = list(
        TimeOff.objects.filter(works_here, start__lt=period.until + _PAST_MIDNIGHT, end__gt=period.since)
        .values_list("practitioner_id", "start", "end"))
    rows.closures = list(
        Closure.objects.filter(location=location, first_day__lte=period.last_day, last_day__gte=period.first_day)
        .values_list("location_id", "first_day", "last_day"))
    calendar = calendar_from_rows(rows)
    closed = closed_intervals(calendar.closures.get(location.pk, ()), zone)
    minutes = {
        plan.practitioner_id: _minutes(time_outside(
            working_intervals(plan, period.first_day, period.last_day),
            [*calendar.time_off.get(plan.practitioner_id, ()), *closed]))
        for plan in calendar.plans
    }
    return minutes, names


def utilisation(period: Period) -> list[Utilisation]:
    """Per practitioner who worked or was booked at the location: working
    and booked time. Five queries."""
    working, names = working_minutes(period)
    session = ExpressionWrapper(F("end") - F("start"), output_field=DurationField())
    booked = {
        row["practitioner_id"]: row
        for row in period.appointments().filter(status__in=BOOKED_STATUSES)
        .values("practitioner_id", "practitioner__display_name")
        .annotate(booked=Sum(session), count=Count("pk")).order_by()
    }
    for practitioner_id, row in booked.items():
        names.setdefault(practitioner_id, row["practitioner__display_name"])
    rows = [
        Utilisation(
            practitioner_id=practitioner_id,
            practitioner=name,
            working_minutes=working.get(practitioner_id, 0),
            booked_minutes=_minutes(booked[practitioner_id]["booked"]) if practitioner_id in booked else 0,
            appointments=booked[practitioner_id]["count"] if practitioner_id in booked else 0,
        )
        for practitioner_id, name in names.items()
    ]
    return sorted(rows, key=lambda row: (row.practitioner.casefold(), row.practitioner_id))


# -- revenue ------------------------------------------------------------------------


@dataclass(frozen=True)
class Revenue:
    key: int
    name: str
    appointments: int
    revenue: Decimal


def _revenue_by(period: Period, key: str, name: str, *, length: str | None = None) -> list[Revenue]:
    shown = [key, name, *([length] if length else [])]
    rows = (period.appointments().filter(status=AppointmentStatus.COMPLETED)
            .values(*shown).annotate(count=Count("pk"), revenue=Sum("price")).order_by(name, *shown[2:], key))
    return [Revenue(row[key], f"{row[name]} ({row[length]} min)" if length else row[name], row["count"],
                    row["revenue"] or Decimal("0")) for row in rows]


def revenue_by_service(period: Period) -> list[Revenue]:
    """Completed appointments and what they brought, per treatment, named
    with its length as the catalogue does (a 30- and a 60-minute back massage
    share a name): one query."""
    return _revenue_by(period, "service_id", "service__name", length="service__duration_minutes")


def revenue_by_practitioner(period: Period) -> list[Revenue]:
    """The same per practitioner: one query."""
    return _revenue_by(period, "practitioner_id", "practitioner__display_name")


# -- new and returning clients ---------------------------------------------------------


@dataclass(frozen=True)
class ClientMix:
    new_clients: int
    returning_clients: int
    new_visits: int  # completed appointments of the new clients in the period
    returning_visits: int

    @property
    def clients(self) -> int:
        return self.new_clients + self.returning_clients


def client_mix(period: Period) -> ClientMix:
    """The clients with a completed appointment at the location in the
    period, split by whether their first completed appointment ever is in
    it: one query."""
    first_ever = (Appointment.objects.filter(client_id=OuterRef("client_id"), status=AppointmentStatus.COMPLETED)
                  .order_by("start", "pk").values("start")[:1])
    new = Q(first_ever__gte=period.since)
    returning = Q(first_ever__lt=period.since)
    row = (period.appointments().filter(status=AppointmentStatus.COMPLETED)
           .annotate(first_ever=Subquery(first_ever))
           .aggregate(new_clients=Count("client_id", distinct=True, filter=new),
                      returning_clients=Count("client_id", distinct=True, filter=returning),
                      new_visits=Count("pk", filter=new), returning_visits=Count("pk", filter=returning)))
    return ClientMix(**row)


# -- no-shows and late cancellations -----------------------------------------------------


@dataclass(frozen=True)
class Attendance:
    part: str  # "before" or "since" reminders started, or "all"
    due: int
    no_shows: int
    late_cancellations: int

    @property
    def no_show_rate(self) -> float | None:
        return share_of(self.no_shows, self.due)

    @property
    def late_cancel_rate(self) -> float | None:
        return share_of(self.late_cancellations, self.due)


@dataclass(frozen=True)
class AttendanceReport:
    reminders_started: datetime | None  # the location's first reminder sent, if any
    parts: list[Attendance]  # before and since reminders started (when they have), then the whole period


def reminders_started(location: Location) -> datetime | None:
    """When the location's first reminder was sent: one query."""
    return Notification.objects.filter(
        kind=Notification.Kind.REMINDER, state=Notification.State.SENT, appointment__location=location,
    ).aggregate(first=Min("sent_at"))["first"]


def attendance(period: Period) -> AttendanceReport:
    """No-shows and late cancellations out of the appointments that came
    due, before and since reminders started: two queries."""
    started = reminders_started(period.location)
    parts = {"all": Q()}
    if started is not None:
        parts = {"before": Q(start__lt=started), "since": Q(start__gte=started), **parts}
    counts = {}
    for part, when in parts.items():
        counts[f"{part}_due"] = Count("pk", filter=when)
        counts[f"{part}_no_shows"] = Count("pk", filter=when & Q(status=AppointmentStatus.NO_SHOW))
        counts[f"{part}_late"] = Count("pk", filter=when & Q(status=AppointmentStatus.CANCELLED))
    row = period.appointments().filter(CAME_DUE).aggregate(**counts)
    return AttendanceReport(started, [
        Attendance(part, row[f"{part}_due"], row[f"{part}_no_shows"], row[f"{part}_late"]) for part in parts
    ])


# -- reminders: delivered and answered ------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    channel: str
    sent: int
    failed: int

    @property
    def rate(self) -> float | None:
        return share_of(self.sent, self.sent + self.failed)


@dataclass(frozen=True)
class Confirmation:
    reminded: int  # appointments that got a sent reminder
    confirmed: int  # of those, the ones whose client said they are coming

    @property
    def rate(self) -> float | None:
        return share_of(self.confirmed, self.reminded)


@dataclass(frozen=True)
class ReminderReport:
    delivery: list[Delivery]
    confirmation: Confirmation


def reminders(period: Period) -> ReminderReport:
    """Delivery by channel and the confirmations that followed: two queries."""
    sent, failed = Notification.State.SENT, Notification.State.FAILED
    delivery = [
        Delivery(row["channel"], row["sent"], row["failed"])
        for row in Notification.objects.filter(
            kind=Notification.Kind.REMINDER, state__in=[sent, failed], appointment__in=period.appointments(),
        ).values("channel").annotate(sent=Count("pk", filter=Q(state=sent)), failed=Count("pk", filter=Q(state=failed)))
        .order_by("channel")
    ]
    got_one = Notification.objects.filter(appointment=OuterRef("pk"), kind=Notification.Kind.REMINDER, state=sent)
    row = period.appointments().filter(Exists(got_one)).aggregate(
        reminded=Count("pk"), confirmed=Count("pk", filter=Q(client_confirmed_at__isnull=False)))
    return ReminderReport(delivery, Confirmation(row["reminded"], row["confirmed"]))


# -- all of them --------------------------------------------------------------------------


@dataclass(frozen=True)
class Reports:
    period: Period
    utilisation: list[Utilisation]
    revenue_by_service: list[Revenue]
    revenue_by_practitioner: list[Revenue]
    clients: ClientMix
    attendance: AttendanceReport
    reminders: ReminderReport


def all_reports(period: Period) -> Reports:
    """Every report of the period: ``REPORT_QUERIES`` queries."""
    return Reports(
        period=period,
        utilisation=utilisation(period),
        revenue_by_service=revenue_by_service(period),
        revenue_by_practitioner=revenue_by_practitioner(period),
        clients=client_mix(period),
        attendance=attendance(period),
        reminders=reminders(period),
    )


def totals(rows: list[Revenue]) -> tuple[int, Decimal]:
    """Appointments and revenue over ``rows``."""
    return sum(row.appointments for row in rows), sum((row.revenue for row in rows), Decimal("0"))
