"""Reads for scheduling. ``calendar_for`` fetches everything the engine needs
for a date range in a fixed number of queries, however many days or
practitioners the range covers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from bookings.availability import Calendar, Engine, Interval, Rules, ServiceSpec, Slot, WeeklySpan, WorkPlan
from bookings.models import Appointment, Closure, TimeOff, WorkingHours
from clinic.models import Location, Practitioner, Room
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
    busy_between: tuple[datetime, datetime] | None = None,
    bookings_between: tuple[datetime, datetime] | None = None,
) -> CalendarRows:
    """Working hours, bookings, time off, closures and rooms for the
    practitioners who offer ``service`` (or just ``practitioner``): at most
    five queries, one when nobody offers the service.

    By default the busy time of the whole date range is fetched. To judge a
    single start, ``busy_between`` narrows time off and the rooms' bookings
    to what meets that interval, and ``bookings_between`` does the same for
    the practitioners' own bookings: a busy day then costs no more to
    judge than a quiet one.
    """
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
    whole_range = (
        datetime.combine(first_day, time(0), tzinfo=UTC) - _MARGIN,
        datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=UTC) + _MARGIN,
    )
    busy_from, busy_until = busy_between or whole_range
    bookings_from, bookings_until = bookings_between or busy_between or whole_range

    # One query for the bookings that hold the practitioners' time and, when
    # the service needs a room, those that hold the location's rooms.
    holds = Q(practitioner_id__in=practitioner_ids, start__lt=bookings_until, buffer_end__gt=bookings_from)
    if service.requires_room:
        holds |= Q(room__location_id__in=location_ids, start__lt=busy_until, buffer_end__gt=busy_from)
    booked = Appointment.objects.blocking().filter(holds)
    if ignore_appointment_id is not None:
        booked = booked.exclude(pk=ignore_appointment_id)
    for practitioner_id, room_id, start, held_until in booked.values_list(
        "practitioner_id", "room_id", "start", "buffer_end"
    ):
        if practitioner_id in practitioner_ids and start < bookings_until and held_until > bookings_from:
            rows.appointments.append((practitioner_id, start, held_until))
        if room_id is not None and start < busy_until and held_until > busy_from:
            rows.room_appointments.append((room_id, start, held_until))
    rows.time_off = list(
        TimeOff.objects.filter(
            practitioner_id__in=practitioner_ids, start__lt=busy_until, end__gt=busy_from
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
        active = {room_id for room_id, _ in rows.rooms}
        rows.room_appointments = [row for row in rows.room_appointments if row[0] in active]
    else:
        rows.room_appointments = []
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
    """The engine as the booking rules use it to judge one start: the hours
    and closures of the days around it (a day either side covers every UTC
    offset), and only the busy time that meets the time it would hold. For
    "anyone" (no ``practitioner``) each practitioner's bookings of those
    days come too, to rank them by how busy their day is."""
    day = start.date()
    held = (start, start + timedelta(minutes=service.duration_minutes + service.buffer_minutes))
    calendar = calendar_for(
        service=service,
        first_day=day - timedelta(days=1),
        last_day=day + timedelta(days=1),
        practitioner=practitioner,
        ignore_appointment_id=ignore_appointment_id,
        busy_between=held,
        bookings_between=held if practitioner is not None else None,
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


def with_place(appointment: Appointment) -> Appointment:
    """Load the location and room of a just-booked appointment in one query,
    for showing it."""
    if appointment.room_id is not None:
        room = Room.objects.select_related("location").get(pk=appointment.room_id)
        appointment.room, appointment.location = room, room.location
    else:
        appointment.location = Location.objects.get(pk=appointment.location_id)
    return appointment
