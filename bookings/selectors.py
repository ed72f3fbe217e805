"""Reads for scheduling. ``calendar_for`` fetches everything the engine needs
for a date range in a fixed number of queries, however many days or
practitioners the range covers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from bookings.availability import Calendar, Engine, Interval, Rules, ServiceSpec, Slot, WeeklySpan, WorkPlan
from bookings.models import Appointment, Closure, TimeOff, WorkingHours
from clinic.models import Practitioner, Room
from treatments.models import Service

# Wider than any UTC offset, so every local day of the range is covered.
_MARGIN = timedelta(days=1)


def booking_rules() -> Rules:
    return Rules(
        grid=timedelta(minutes=settings.BOOKING_GRID_MINUTES),
        min_notice=timedelta(minutes=settings.BOOKING_MIN_NOTICE_MINUTES),
        horizon=timedelta(days=settings.BOOKING_HORIZON_DAYS),
    )


def service_spec(service: Service) -> ServiceSpec:
    return ServiceSpec(
        duration=timedelta(minutes=service.duration_minutes),
        buffer=timedelta(minutes=service.buffer_minutes),
        needs_room=service.requires_room,
    )


@dataclass(slots=True)
class CalendarRows:
    """The raw rows behind a ``Calendar``, as the database returns them."""

    hours: list[tuple] = field(default_factory=list)
    appointments: list[tuple] = field(default_factory=list)
    time_off: list[tuple] = field(default_factory=list)
    closures: list[tuple] = field(default_factory=list)
    rooms: list[tuple] | None = None
    room_appointments: list[tuple] = field(default_factory=list)


def fetch_calendar_rows(
    *,
    service: Service,
    first_day: date,
    last_day: date,
    practitioner: Practitioner | None = None,
    ignore_appointment_id: int | None = None,
) -> CalendarRows:
    """Working hours, bookings, time off, closures and rooms for the
    practitioners who offer ``service`` (or just ``practitioner``): at most
    six queries, one when nobody offers the service."""
    hours = WorkingHours.objects.filter(
        practitioner__active=True, practitioner__services=service, location__active=True
    )
    if practitioner is not None:
        hours = hours.filter(practitioner=practitioner)
    rows = CalendarRows(
        hours=list(
            hours.values_list("practitioner_id", "location_id", "location__time_zone", "weekday", "starts_at", "ends_at")
        )
    )
    if not rows.hours:
        return rows

    practitioner_ids = {row[0] for row in rows.hours}
    location_ids = {row[1] for row in rows.hours}
    window_start = datetime.combine(first_day, time(0), tzinfo=UTC) - _MARGIN
    window_end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=UTC) + _MARGIN
    booked = Appointment.objects.blocking().overlapping(window_start, window_end)
    if ignore_appointment_id is not None:
        booked = booked.exclude(pk=ignore_appointment_id)

    rows.appointments = list(
        booked.filter(practitioner_id__in=practitioner_ids).values_list("practitioner_id", "start", "buffer_end")
    )
    rows.time_off = list(
        TimeOff.objects.filter(
            practitioner_id__in=practitioner_ids, start__lt=window_end, end__gt=window_start
        ).values_list("practitioner_id", "start", "end")
    )
    rows.closures = list(
        Closure.objects.filter(
            location_id__in=location_ids, first_day__lte=last_day + _MARGIN, last_day__gte=first_day - _MARGIN
        ).values_list("location_id", "first_day", "last_day")
    )
    if service.requires_room:
        rows.rooms = list(
            Room.objects.filter(location_id__in=location_ids, active=True).order_by("pk").values_list("id", "location_id")
        )
        rows.room_appointments = list(
            booked.filter(room_id__in=[room_id for room_id, _ in rows.rooms]).values_list(
                "room_id", "start", "buffer_end"
            )
        )
    return rows


def calendar_from_rows(rows: CalendarRows) -> Calendar:
    spans: dict[tuple[int, int], list[WeeklySpan]] = defaultdict(list)
    zones = {}
    for practitioner_id, location_id, zone, weekday, starts_at, ends_at in rows.hours:
        spans[practitioner_id, location_id].append(WeeklySpan(weekday, starts_at, ends_at))
        zones[location_id] = zone
    plans = [
        WorkPlan(practitioner_id, location_id, zones[location_id], tuple(week))
        for (practitioner_id, location_id), week in spans.items()
    ]
    appointments: dict[int, list[Interval]] = defaultdict(list)
    for practitioner_id, start, held_until in rows.appointments:
        appointments[practitioner_id].append(Interval(start, held_until))
    time_off: dict[int, list[Interval]] = defaultdict(list)
    for practitioner_id, start, end in rows.time_off:
        time_off[practitioner_id].append(Interval(start, end))
    closures: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for location_id, first, last in rows.closures:
        closures[location_id].append((first, last))
    rooms: dict[int, dict[int, list[Interval]]] = {}
    if rows.rooms is not None:
        room_location = dict(rows.rooms)
        for room_id, location_id in rows.rooms:
            rooms.setdefault(location_id, {})[room_id] = []
        for room_id, start, held_until in rows.room_appointments:
            rooms[room_location[room_id]][room_id].append(Interval(start, held_until))
    return Calendar(plans=plans, appointments=appointments, time_off=time_off, closures=closures, rooms=rooms)


def calendar_for(**kwargs) -> Calendar:
    """``fetch_calendar_rows`` (same arguments), shaped for the engine."""
    return calendar_from_rows(fetch_calendar_rows(**kwargs))


def engine_around(
    *,
    service: Service,
    start: datetime,
    now: datetime,
    practitioner: Practitioner | None = None,
    ignore_appointment_id: int | None = None,
) -> Engine:
    """The engine over the days around one start time, as the booking rules
    use it to judge that start (a day either side covers every UTC offset)."""
    day = start.date()
    calendar = calendar_for(
        service=service,
        first_day=day - timedelta(days=1),
        last_day=day + timedelta(days=1),
        practitioner=practitioner,
        ignore_appointment_id=ignore_appointment_id,
    )
    return Engine(calendar=calendar, service=service_spec(service), now=now, rules=booking_rules())


def free_slots(
    *,
    service: Service,
    first_day: date,
    last_day: date,
    practitioner: Practitioner | None = None,
    now: datetime | None = None,
) -> list[Slot]:
    """Free start times for ``service`` between two local dates, inclusive."""
    calendar = calendar_for(service=service, first_day=first_day, last_day=last_day, practitioner=practitioner)
    engine = Engine(calendar=calendar, service=service_spec(service), now=now or timezone.now(), rules=booking_rules())
    return engine.free_slots(first_day, last_day)


def appointments_with_details() -> QuerySet[Appointment]:
    """Appointments with what a list or a page shows of each, in time order.
    Who may see which is ``bookings.policies.visible_appointments``."""
    return Appointment.objects.select_related("service", "practitioner", "client", "location", "room").order_by(
        "start", "pk"
    )
