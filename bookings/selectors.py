"""Reads for scheduling. ``calendar_for`` fetches everything the engine needs
for a date range in a fixed number of queries, however many days or
practitioners the range covers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from bookings.availability import (
    Calendar,
    DatedSpan,
    Engine,
    FreeRun,
    Interval,
    Rules,
    ServiceSpec,
    Slot,
    WeeklySpan,
    WorkPlan,
)
from bookings.models import (
    BLOCKING_STATUSES,
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    Closure,
    DatedHours,
    Notification,
    TimeOff,
    WorkingHours,
)
from clinic.inputs import LARGEST_ID
from clinic.models import Client, Location, Practitioner, Room
from treatments.models.catalogue import Service

# Wider than any UTC offset, so every local day of the range is covered.
_MARGIN = timedelta(days=1)


def booking_rules(*, with_notice: bool = True) -> Rules:
    """The booking rules; ``with_notice=False`` drops the minimum notice
    for those ``bookings.policies.bound_by_min_notice`` frees of it."""
    return Rules(
        grid=timedelta(minutes=settings.BOOKING_GRID_MINUTES),
        min_notice=timedelta(minutes=settings.BOOKING_MIN_NOTICE_MINUTES if with_notice else 0),
        horizon=timedelta(days=settings.BOOKING_HORIZON_DAYS),
    )


def service_spec(service: Service) -> ServiceSpec:
    return ServiceSpec(
        duration=timedelta(minutes=service.duration_minutes),
        buffer=timedelta(minutes=service.buffer_minutes),
        needs_room=service.requires_room,
        step=timedelta(minutes=service.duration_minutes + service.buffer_minutes) if service.back_to_back else None,
    )


@dataclass(slots=True)
class CalendarRows:
    """The raw rows behind a ``Calendar``, as the database returns them."""

    hours: list[tuple] = field(default_factory=list)
    dated: list[tuple] = field(default_factory=list)
    appointments: list[tuple] = field(default_factory=list)
    time_off: list[tuple] = field(default_factory=list)
    closures: list[tuple] = field(default_factory=list)
    rooms: list[tuple] | None = None
    room_appointments: list[tuple] = field(default_factory=list)


# What listing a service's free times reads of it (``service_spec`` and the
# calendar's statements); ``active_service`` loads these and defers the rest.
LISTING_SERVICE_FIELDS = ("id", "duration_minutes", "buffer_minutes", "requires_room", "back_to_back")


class _CalendarSql:
    """The calendar's five statements, written from the models' own table and
    column names.

    This is the measured hot loop of booking and listing: on a small machine
    the ORM spends about a millisecond compiling each of these queries, six
    to ten times what running them costs (``bench/booking.py``), and a
    booking runs them all under its lock. Values go in and come out through
    the database backend's own adapters and converters, exactly as the ORM
    would pass them. ``tests/bookings/test_calendar_rows.py`` checks the rows
    against the same reads written as querysets."""

    def __init__(self, ops) -> None:
        q = ops.quote_name

        def table(model) -> str:
            return q(model._meta.db_table)

        def column(model, name: str) -> str:
            return q(model._meta.get_field(name).column)

        offers, suits = Practitioner.services.through, Service.rooms.through
        self.ops = ops
        # Resolved once: these run for every row of the hot loop.
        self.read_instant = self._reader("convert_datetimefield_value")
        self.read_day = self._reader("convert_datefield_value")
        self.read_wall = self._reader("convert_timefield_value")
        self.read_flag = self._reader("convert_booleanfield_value")
        self.hours = (
            f"SELECT h.{column(WorkingHours, 'practitioner')}, h.{column(WorkingHours, 'location')},"
            f" l.{column(Location, 'time_zone')}, h.{column(WorkingHours, 'weekday')},"
            f" h.{column(WorkingHours, 'starts_at')}, h.{column(WorkingHours, 'ends_at')}"
            f" FROM {table(WorkingHours)} h"
            f" JOIN {table(Practitioner)} p ON p.{column(Practitioner, 'id')} = h.{column(WorkingHours, 'practitioner')}"
            f" JOIN {table(Location)} l ON l.{column(Location, 'id')} = h.{column(WorkingHours, 'location')}"
            f" WHERE p.{column(Practitioner, 'active')} = %s AND l.{column(Location, 'active')} = %s"
            f" AND EXISTS (SELECT 1 FROM {table(offers)} o"
            f" WHERE o.{column(offers, 'practitioner')} = h.{column(WorkingHours, 'practitioner')}"
            f" AND o.{column(offers, 'service')} = %s)"
        )
        self.hours_of_one = f" AND h.{column(WorkingHours, 'practitioner')} = %s"
        self.dated = (
            f"SELECT h.{column(DatedHours, 'practitioner')}, h.{column(DatedHours, 'location')},"
            f" l.{column(Location, 'time_zone')}, h.{column(DatedHours, 'day')}, h.{column(DatedHours, 'starts_at')},"
            f" h.{column(DatedHours, 'ends_at')}, h.{column(DatedHours, 'replaces_weekly')}"
            f" FROM {table(DatedHours)} h"
            f" JOIN {table(Practitioner)} p ON p.{column(Practitioner, 'id')} = h.{column(DatedHours, 'practitioner')}"
            f" JOIN {table(Location)} l ON l.{column(Location, 'id')} = h.{column(DatedHours, 'location')}"
            f" WHERE p.{column(Practitioner, 'active')} = %s AND l.{column(Location, 'active')} = %s"
            f" AND EXISTS (SELECT 1 FROM {table(offers)} o"
            f" WHERE o.{column(offers, 'practitioner')} = h.{column(DatedHours, 'practitioner')}"
            f" AND o.{column(offers, 'service')} = %s)"
            f" AND h.{column(DatedHours, 'day')} >= %s AND h.{column(DatedHours, 'day')} <= %s"
        )
        self.hours_order = (
            f" ORDER BY h.{column(WorkingHours, 'practitioner')}, h.{column(WorkingHours, 'weekday')},"
            f" h.{column(WorkingHours, 'starts_at')}"
        )
        a_start, a_held = column(Appointment, "start"), column(Appointment, "buffer_end")
        self.booked = (
            f"SELECT a.{column(Appointment, 'practitioner')}, a.{a_start}, a.{a_held} FROM {table(Appointment)} a"
            f" WHERE a.{column(Appointment, 'practitioner')} IN ({{practitioners}})"
            f" AND a.{column(Appointment, 'status')} IN ({{statuses}}) AND a.{a_start} < %s AND a.{a_held} > %s{{ignore}}"
        )
        # Rooms r that suit the service: those it lists, or any where it lists none of the location's.
        suitable = (
            f" AND (EXISTS (SELECT 1 FROM {table(suits)} s WHERE s.{column(suits, 'service')} = %s"
            f" AND s.{column(suits, 'room')} = r.{column(Room, 'id')})"
            f" OR NOT EXISTS (SELECT 1 FROM {table(suits)} s JOIN {table(Room)} sr ON sr.{column(Room, 'id')}"
            f" = s.{column(suits, 'room')} WHERE s.{column(suits, 'service')} = %s"
            f" AND sr.{column(Room, 'location')} = r.{column(Room, 'location')}))"
        )
        self.booked_rooms = (
            f"SELECT a.{column(Appointment, 'room')}, a.{a_start}, a.{a_held} FROM {table(Appointment)} a"
            f" JOIN {table(Room)} r ON r.{column(Room, 'id')} = a.{column(Appointment, 'room')}"
            f" WHERE r.{column(Room, 'location')} IN ({{locations}}) AND r.{column(Room, 'active')} = %s{suitable}"
            f" AND a.{column(Appointment, 'status')} IN ({{statuses}}) AND a.{a_start} < %s AND a.{a_held} > %s{{ignore}}"
        )
        self.booked_ignore = f" AND a.{column(Appointment, 'id')} <> %s"
        self.place = (
            f"SELECT {column(Location, 'id')}, {column(Location, 'name')}, {column(Location, 'time_zone')}"
            f" FROM {table(Location)} WHERE {column(Location, 'id')} = %s"
        )
        self.room_and_place = (
            f"SELECT r.{column(Room, 'id')}, r.{column(Room, 'name')}, l.{column(Location, 'id')},"
            f" l.{column(Location, 'name')}, l.{column(Location, 'time_zone')} FROM {table(Room)} r"
            f" JOIN {table(Location)} l ON l.{column(Location, 'id')} = r.{column(Room, 'location')}"
            f" WHERE r.{column(Room, 'id')} = %s"
        )
        self.rooms_held = (
            f"SELECT DISTINCT a.{column(Appointment, 'room')} FROM {table(Appointment)} a"
            f" WHERE a.{column(Appointment, 'room')} IN ({{rooms}}) AND a.{column(Appointment, 'status')} IN ({{statuses}})"
            f" AND a.{a_start} < %s AND a.{a_held} > %s{{ignore}}"
        )
        self.time_off = (
            f"SELECT {column(TimeOff, 'practitioner')}, {column(TimeOff, 'start')}, {column(TimeOff, 'end')}"
            f" FROM {table(TimeOff)} WHERE {column(TimeOff, 'practitioner')} IN ({{practitioners}})"
            f" AND {column(TimeOff, 'start')} < %s AND {column(TimeOff, 'end')} > %s"
        )
        self.closures = (
            f"SELECT {column(Closure, 'location')}, {column(Closure, 'first_day')}, {column(Closure, 'last_day')}"
            f" FROM {table(Closure)} WHERE {column(Closure, 'location')} IN ({{locations}})"
            f" AND {column(Closure, 'first_day')} <= %s AND {column(Closure, 'last_day')} >= %s"
        )
        self.service = (
            f"SELECT {', '.join(column(Service, name) for name in LISTING_SERVICE_FIELDS)} FROM {table(Service)}"
            f" WHERE {column(Service, 'id')} = %s AND {column(Service, 'active')} = %s"
        )
        self.practitioner = (
            f"SELECT {column(Practitioner, 'id')} FROM {table(Practitioner)}"
            f" WHERE {column(Practitioner, 'id')} = %s AND {column(Practitioner, 'active')} = %s"
        )
        self.rooms = (
            f"SELECT r.{column(Room, 'id')}, r.{column(Room, 'location')} FROM {table(Room)} r"
            f" WHERE r.{column(Room, 'location')} IN ({{locations}}) AND r.{column(Room, 'active')} = %s{suitable}"
            f" ORDER BY r.{column(Room, 'id')}"
        )

    # Values in and out as the ORM passes them (SQLite keeps naive UTC text).
    def instant(self, value: datetime):
        return self.ops.adapt_datetimefield_value(value)

    def day(self, value: date):
        return self.ops.adapt_datefield_value(value)

    def _reader(self, name: str):
        """The backend's converter ``name`` as a one-argument function, or
        the identity where the backend returns the value ready (PostgreSQL)."""
        convert = getattr(self.ops, name, None)
        if convert is None:
            return lambda value: value
        return lambda value: convert(value, None, self.ops.connection)


_STATEMENTS: dict[str, _CalendarSql] = {}


def _calendar_sql() -> _CalendarSql:
    statements = _STATEMENTS.get(connection.vendor)
    if statements is None:
        statements = _STATEMENTS[connection.vendor] = _CalendarSql(connection.ops)
    return statements


def _marks(values) -> str:
    return ", ".join(["%s"] * len(values))


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


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
    six short statements, one when nobody offers the service.

    By default the busy time of the whole date range is fetched. To judge a
    single start, ``busy_between`` narrows time off and the rooms' bookings
    to what meets that interval, and ``bookings_between`` does the same for
    the practitioners' own bookings: a busy day then costs no more to
    judge than a quiet one.
    """
    sql = _calendar_sql()
    with connection.cursor() as cursor:
        hours_sql, params = sql.hours, [True, True, service.pk]
        if practitioner is not None:
            hours_sql, params = hours_sql + sql.hours_of_one, [*params, practitioner.pk]
        cursor.execute(hours_sql + sql.hours_order, params)
        rows = CalendarRows(
            hours=[
                (practitioner_id, location_id, _zone(zone), weekday, sql.read_wall(starts), sql.read_wall(ends))
                for practitioner_id, location_id, zone, weekday, starts, ends in cursor.fetchall()
            ]
        )
        # Hours on a date, from the day before the range (a span past midnight).
        dated_sql, params = sql.dated, [True, True, service.pk, sql.day(first_day - _MARGIN), sql.day(last_day)]
        if practitioner is not None:
            dated_sql, params = dated_sql + sql.hours_of_one, [*params, practitioner.pk]
        cursor.execute(dated_sql, params)
        rows.dated = [
            (practitioner_id, location_id, _zone(zone), sql.read_day(day), sql.read_wall(starts),
             sql.read_wall(ends), bool(sql.read_flag(replaces)))
            for practitioner_id, location_id, zone, day, starts, ends, replaces in cursor.fetchall()
        ]
        if not rows.hours and not rows.dated:
            return rows

        practitioner_ids = sorted({row[0] for row in rows.hours} | {row[0] for row in rows.dated})
        location_ids = sorted({row[1] for row in rows.hours} | {row[1] for row in rows.dated})
        whole_range = (
            datetime.combine(first_day, time(0), tzinfo=UTC) - _MARGIN,
            datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=UTC) + _MARGIN,
        )
        busy_from, busy_until = busy_between or whole_range
        bookings_from, bookings_until = bookings_between or busy_between or whole_range

        ignore, ignored = ("", []) if ignore_appointment_id is None else (sql.booked_ignore, [ignore_appointment_id])
        statuses = _marks(BLOCKING_STATUSES)
        cursor.execute(
            sql.booked.format(practitioners=_marks(practitioner_ids), statuses=statuses, ignore=ignore),
            [*practitioner_ids, *BLOCKING_STATUSES, sql.instant(bookings_until), sql.instant(bookings_from), *ignored],
        )
        rows.appointments = [
            (practitioner_id, sql.read_instant(start), sql.read_instant(held_until))
            for practitioner_id, start, held_until in cursor.fetchall()
        ]
        cursor.execute(
            sql.time_off.format(practitioners=_marks(practitioner_ids)),
            [*practitioner_ids, sql.instant(busy_until), sql.instant(busy_from)],
        )
        rows.time_off = [
            (practitioner_id, sql.read_instant(start), sql.read_instant(end))
            for practitioner_id, start, end in cursor.fetchall()
        ]
        cursor.execute(
            sql.closures.format(locations=_marks(location_ids)),
            [*location_ids, sql.day(last_day + _MARGIN), sql.day(first_day - _MARGIN)],
        )
        rows.closures = [
            (location_id, sql.read_day(first), sql.read_day(last)) for location_id, first, last in cursor.fetchall()
        ]
        if service.requires_room:
            suitable = [*location_ids, True, service.pk, service.pk]
            cursor.execute(sql.rooms.format(locations=_marks(location_ids)), suitable)
            rows.rooms = [tuple(row) for row in cursor.fetchall()]
            cursor.execute(
                sql.booked_rooms.format(locations=_marks(location_ids), statuses=statuses, ignore=ignore),
                [*suitable, *BLOCKING_STATUSES, sql.instant(busy_until), sql.instant(busy_from), *ignored],
            )
            rows.room_appointments = [
                (room_id, sql.read_instant(start), sql.read_instant(held_until))
                for room_id, start, held_until in cursor.fetchall()
            ]
    return rows


def client_booked_between(
    *, client_id: int, start: datetime, end: datetime, ignore_appointment_id: int | None = None
) -> bool:
    """Whether the client has an appointment in session during [start, end)."""
    overlapping = Appointment.objects.filter(
        client_id=client_id, status__in=BLOCKING_STATUSES, start__lt=end, end__gt=start
    )
    if ignore_appointment_id is not None:
        overlapping = overlapping.exclude(pk=ignore_appointment_id)
    return overlapping.exists()


def upcoming_count(*, client_id: int, now: datetime) -> int:
    """How many appointments the client holds from ``now`` on."""
    return Appointment.objects.filter(client_id=client_id, status__in=BLOCKING_STATUSES, start__gte=now).count()


def rooms_held(
    *, room_ids: list[int], start: datetime, end: datetime, ignore_appointment_id: int | None = None
) -> set[int]:
    """Which of these rooms a booking holds at some moment of [start, end)
    (buffers included). The booking's re-check of the room it locked."""
    sql = _calendar_sql()
    params = [*room_ids, *BLOCKING_STATUSES, sql.instant(end), sql.instant(start)]
    ignore = ""
    if ignore_appointment_id is not None:
        ignore = sql.booked_ignore
        params.append(ignore_appointment_id)
    with connection.cursor() as cursor:
        cursor.execute(sql.rooms_held.format(rooms=_marks(room_ids), statuses=_marks(BLOCKING_STATUSES), ignore=ignore),
                       params)
        return {room_id for (room_id,) in cursor.fetchall()}


def _active_row(statement: str, pk: int) -> tuple | None:
    """The row ``statement`` finds for the active ``pk``; none for an id no
    key can hold (SQLite refuses to bind one)."""
    if not 0 < pk <= LARGEST_ID:
        return None
    with connection.cursor() as cursor:
        cursor.execute(statement, [pk, True])
        return cursor.fetchone()


def active_service(pk: int) -> Service | None:
    """The active service ``pk`` as listing its free times needs it (the
    fields of ``LISTING_SERVICE_FIELDS``; reading another loads it), or
    ``None``. One hand-written statement: the availability API asks for it
    on every call, and the ORM took longer to write the query than the
    database to answer it."""
    row = _active_row(_calendar_sql().service, pk)
    return None if row is None else Service.from_db(connection.alias, LISTING_SERVICE_FIELDS, row)


def active_practitioner(pk: int) -> Practitioner | None:
    """The active practitioner ``pk`` with only its id loaded (reading
    another field loads it), or ``None``: in one hand-written statement,
    as ``active_service``."""
    row = _active_row(_calendar_sql().practitioner, pk)
    return None if row is None else Practitioner.from_db(connection.alias, ["id"], row)


def calendar_from_rows(rows: CalendarRows) -> Calendar:
    spans: dict[tuple[int, int], list[WeeklySpan]] = defaultdict(list)
    dated: dict[tuple[int, int], list[DatedSpan]] = defaultdict(list)
    zones = {}
    for practitioner_id, location_id, zone, weekday, starts_at, ends_at in rows.hours:
        spans[practitioner_id, location_id].append(WeeklySpan(weekday, starts_at, ends_at))
        zones[location_id] = zone
    for practitioner_id, location_id, zone, day, starts_at, ends_at, replaces in rows.dated:
        dated[practitioner_id, location_id].append(DatedSpan(day, starts_at, ends_at, replaces))
        zones[location_id] = zone
    plans = [
        WorkPlan(practitioner_id, location_id, zones[location_id], tuple(spans[practitioner_id, location_id]),
                 tuple(dated[practitioner_id, location_id]))
        for practitioner_id, location_id in sorted(spans.keys() | dated.keys())
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
    with_notice: bool = True,
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
    return Engine(calendar=calendar, service=service_spec(service), now=now, rules=booking_rules(with_notice=with_notice))


def free_slots(
    *,
    service: Service,
    first_day: date,
    last_day: date,
    practitioner: Practitioner | None = None,
    now: datetime | None = None,
    with_notice: bool = True,
) -> list[Slot]:
    """Free start times for ``service`` between two local dates, inclusive."""
    slots, _ = free_slots_and_zones(service=service, first_day=first_day, last_day=last_day,
                                    practitioner=practitioner, now=now, with_notice=with_notice)
    return slots


def _listing_engine(
    *,
    service: Service,
    first_day: date,
    last_day: date,
    practitioner: Practitioner | None,
    now: datetime | None,
    with_notice: bool,
    ignore_appointment_id: int | None = None,
) -> tuple[Engine, dict[int, ZoneInfo]]:
    """The engine over a range's calendar, and each location's zone: the
    calendar's working hours carry it, so showing each time in its zone
    costs no query of its own."""
    calendar = calendar_for(service=service, first_day=first_day, last_day=last_day, practitioner=practitioner,
                            ignore_appointment_id=ignore_appointment_id)
    engine = Engine(calendar=calendar, service=service_spec(service), now=now or timezone.now(),
                    rules=booking_rules(with_notice=with_notice))
    return engine, {plan.location_id: plan.time_zone for plan in calendar.plans}


def free_slots_and_zones(
    *,
    service: Service,
    first_day: date,
    last_day: date,
    practitioner: Practitioner | None = None,
    now: datetime | None = None,
    with_notice: bool = True,
    moving: Appointment | None = None,
) -> tuple[list[Slot], dict[int, ZoneInfo]]:
    """``free_slots``, with the time zone of each location they are at.

    ``moving``: the times are for moving that appointment, so its own time
    is not busy (as the booking service judges a move: a late client's
    session can slide by a quarter of an hour) and its current start, which
    it holds already, is not offered."""
    engine, zones = _listing_engine(service=service, first_day=first_day, last_day=last_day,
                                    practitioner=practitioner, now=now, with_notice=with_notice,
                                    ignore_appointment_id=moving.pk if moving is not None else None)
    slots = engine.free_slots(first_day, last_day)
    if moving is not None:
        slots = [slot for slot in slots if (slot.start, slot.practitioner_id) != (moving.start, moving.practitioner_id)]
    return slots, zones


def free_runs_and_zones(
    *,
    service: Service,
    first_day: date,
    last_day: date,
    practitioner: Practitioner | None = None,
    now: datetime | None = None,
    with_notice: bool = True,
) -> tuple[list[FreeRun], dict[int, ZoneInfo]]:
    """``free_slots_and_zones`` as the engine's runs of free starts
    (``Engine.free_runs``), for the availability API, which writes them out
    without making each slot."""
    engine, zones = _listing_engine(service=service, first_day=first_day, last_day=last_day,
                                    practitioner=practitioner, now=now, with_notice=with_notice)
    return engine.free_runs(first_day, last_day), zones


def appointments_with_details() -> QuerySet[Appointment]:
    """Appointments with what a list or a page shows of each, in time order.
    Who may see which is ``bookings.policies.visible_appointments``."""
    return Appointment.objects.select_related("service", "practitioner", "client", "location", "room").order_by(
        "start", "pk"
    )


def with_place(appointment: Appointment) -> Appointment:
    """Give a just-booked appointment its location and room, as showing it
    needs them (names and the location's zone), in one short statement.
    Fields not read here stay deferred: reading one loads it."""
    sql = _calendar_sql()
    with connection.cursor() as cursor:
        if appointment.room_id is not None:
            cursor.execute(sql.room_and_place, [appointment.room_id])
            room_id, room_name, location_id, location_name, zone = cursor.fetchone()
            # from_db takes the values in the model's field order.
            appointment.room = Room.from_db(connection.alias, ["id", "location_id", "name"],
                                            (room_id, location_id, room_name))
        else:
            cursor.execute(sql.place, [appointment.location_id])
            location_id, location_name, zone = cursor.fetchone()
    appointment.location = Location.from_db(connection.alias, ["id", "name", "time_zone"],
                                            (location_id, location_name, _zone(zone)))
    if appointment.room is not None:
        appointment.room.location = appointment.location
    return appointment


# -- the staff panel's clocks ---------------------------------------------------


def working_zones(practitioner_id: int | None) -> list[ZoneInfo]:
    """The time zones of the open locations where the practitioner has
    working hours, by name: the clocks their times are read on."""
    if practitioner_id is None:
        return []
    return list(
        Location.objects.filter(active=True, working_hours__practitioner_id=practitioner_id)
        .order_by("time_zone").values_list("time_zone", flat=True).distinct()
    )


def with_working_zone(time_off: QuerySet[TimeOff]) -> QuerySet[TimeOff]:
    """``time_off`` with ``working_zone``: the first of its practitioner's
    ``working_zones`` (``None`` when they have none), to show it in."""
    first = Location.objects.filter(active=True, working_hours__practitioner_id=OuterRef("practitioner_id"))
    return time_off.annotate(working_zone=Subquery(first.order_by("time_zone").values("time_zone")[:1]))


# -- messages (the outbox) ----------------------------------------------------------


def notification_for_reply(notification_id: int) -> Notification | None:
    """A message with everything its reply page shows about the appointment."""
    return (
        Notification.objects.select_related(
            "appointment__client", "appointment__practitioner", "appointment__service", "appointment__location",
        )
        .filter(pk=notification_id)
        .first()
    )


def notifications(queryset: QuerySet[Notification] | None = None) -> QuerySet[Notification]:
    """Messages with their appointment, its client and its location's clock."""
    queryset = Notification.objects.all() if queryset is None else queryset
    return queryset.select_related("appointment__client", "appointment__location", "appointment__service")


@dataclass(frozen=True)
class OutboxState:
    due_unsent: int  # due now and not sent yet (waiting or being sent)
    oldest_due_seconds: int  # how long the oldest of them has been due; 0 when none
    failed: int  # given up on, waiting for the front desk


def outbox_state(now: datetime) -> OutboxState:
    """One query, on the (state, not_before) index."""
    unsent = Q(state__in=[Notification.State.PENDING, Notification.State.SENDING], not_before__lte=now)
    row = Notification.objects.aggregate(
        due_unsent=Count("pk", filter=unsent),
        oldest=Min("not_before", filter=unsent),
        failed=Count("pk", filter=Q(state=Notification.State.FAILED)),
    )
    oldest = max(0, int((now - row["oldest"]).total_seconds())) if row["oldest"] is not None else 0
    return OutboxState(due_unsent=row["due_unsent"], oldest_due_seconds=oldest, failed=row["failed"])


# -- the public booking pages -------------------------------------------------------


def public_location() -> Location | None:
    """The location the public pages present (the first open one)."""
    return Location.objects.filter(active=True).order_by("name", "pk").first()


def opening_hours(location: Location) -> list[tuple[int, time, time]]:
    """Per weekday (0 = Monday) the earliest start and latest end anyone
    works at ``location``: one query."""
    rows = (
        WorkingHours.objects.filter(location=location, practitioner__active=True)
        .values("weekday").annotate(opens=Min("starts_at"), closes=Max("ends_at")).order_by("weekday")
    )
    return [(row["weekday"], row["opens"], row["closes"]) for row in rows]


def bookable_services() -> QuerySet[Service]:
    """Active treatments someone active offers, in the pages' order."""
    offered = WorkingHours.objects.filter(practitioner__active=True, location__active=True).values("practitioner_id")
    return (
        Service.objects.active().filter(practitioners__in=offered).distinct()
        .order_by("category", "position", "name")
    )


def practitioners_offering(service: Service) -> QuerySet[Practitioner]:
    offered = WorkingHours.objects.filter(location__active=True).values("practitioner_id")
    return Practitioner.objects.filter(active=True, services=service, pk__in=offered).order_by("display_name", "pk")


@dataclass(frozen=True)
class DaySlots:
    """The free start times of one local day, each once (for "anyone", the
    practitioners free then are not told apart: the booking picks one)."""

    day: date
    starts: list[datetime]


def free_days(
    *, service: Service, practitioner: Practitioner | None, first_day: date, days: int, now: datetime | None = None,
    with_notice: bool = True, moving: Appointment | None = None,
) -> tuple[list[DaySlots], ZoneInfo]:
    """Each day of the range with its free starts, shown on the location's
    clock, and that zone: the calendar's own fixed number of queries,
    however many practitioners or days. ``moving`` as for ``free_slots_and_zones``."""
    last_day = first_day + timedelta(days=days - 1)
    slots, zones = free_slots_and_zones(service=service, first_day=first_day, last_day=last_day,
                                        practitioner=practitioner, now=now, with_notice=with_notice, moving=moving)
    location = public_location() if not zones else None
    zone = next(iter(zones.values())) if zones else (location.time_zone if location else ZoneInfo(settings.TIME_ZONE))
    by_day: dict[date, dict[datetime, None]] = defaultdict(dict)
    for start, *_rest in slots:
        local_start = start.astimezone(zone)
        by_day[local_start.date()][local_start] = None
    return [DaySlots(first_day + timedelta(days=n), sorted(by_day.get(first_day + timedelta(days=n), {})))
            for n in range(days)], zone


def nearest_free(
    *, service: Service, practitioner: Practitioner | None, around: datetime, zone: ZoneInfo, limit: int = 6,
    days: int = 7, now: datetime | None = None, with_notice: bool = True, moving: Appointment | None = None,
) -> tuple[list[datetime], ZoneInfo]:
    """Free starts near ``around`` (read on ``zone``'s clock) for a client
    who just lost it: that day's closest first, then the following days in
    order. ``moving`` as for ``free_slots_and_zones``."""
    zone_days, zone = free_days(service=service, practitioner=practitioner,
                                first_day=around.astimezone(zone).date(), days=days, now=now,
                                with_notice=with_notice, moving=moving)
    local = around.astimezone(zone)
    same_day = [start for start in zone_days[0].starts if start != local] if zone_days else []
    same_day.sort(key=lambda start: abs(start - local))
    later = [start for day in zone_days[1:] for start in day.starts]
    return (same_day + later)[:limit], zone


def appointment_for_link(appointment_id: int, client_id: int) -> Appointment | None:
    """The appointment a manage link names, if it still belongs to the
    client the link was made for."""
    return (
        appointments_with_details().filter(pk=appointment_id, client_id=client_id).first()
    )


def moves_of(appointment_id: int) -> int:
    """How many times the appointment has moved: its calendar entry's SEQUENCE."""
    return AppointmentEvent.objects.filter(
        appointment_id=appointment_id, action=AppointmentEvent.Action.RESCHEDULED
    ).count()


def treatments_to_book_again(client_id: int, now: datetime, limit: int = 3) -> list[Appointment]:
    """The client's latest past appointment of each treatment still offered,
    newest first: "book again" starts from these."""
    seen: dict[int, Appointment] = {}
    past = (
        Appointment.objects.filter(client_id=client_id, start__lt=now, service__active=True)
        .select_related("service", "practitioner").order_by("-start")[:50]
    )
    for appointment in past:
        seen.setdefault(appointment.service_id, appointment)
        if len(seen) >= limit:
            break
    return list(seen.values())


# -- the front desk (the panel's home page, its lists and its walk-ins) ---------------


def desk_zone() -> ZoneInfo:
    """The zone the desk's "today" is read in: that of the location the
    clinic presents first, or the server's when it has none yet."""
    location = public_location()
    return location.time_zone if location else ZoneInfo(settings.TIME_ZONE)


def on_local_days(queryset: QuerySet[Appointment], first_day: date, last_day: date) -> QuerySet[Appointment]:
    """The appointments of ``queryset`` starting on ``first_day`` to
    ``last_day`` (inclusive) on their own location's clocks: "today" at a
    studio in Kolkata is not today in London. One query for the locations,
    folded into the one filter."""
    on_those_days = Q(pk__in=[])
    for location_id, zone in Location.objects.values_list("pk", "time_zone"):
        zone = _zone(str(zone))
        since = datetime.combine(first_day, time(0), tzinfo=zone)
        until = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=zone)
        on_those_days |= Q(location_id=location_id, start__gte=since, start__lt=until)
    return queryset.filter(on_those_days)


def desk_day(day: date, *, practitioner_id: int | None = None) -> list[Appointment]:
    """The day's appointments in time order, everyone's or one
    practitioner's, with what the desk shows of each: two queries."""
    queryset = appointments_with_details()
    if practitioner_id is not None:
        queryset = queryset.filter(practitioner_id=practitioner_id)
    return list(on_local_days(queryset, day, day))


@dataclass(frozen=True)
class Gap:
    """A practitioner's free run on the day: every grid start from
    ``first`` to ``last`` can take the shortest treatment they offer."""

    practitioner_id: int
    first: datetime
    last: datetime


def gaps_on(day: date, *, now: datetime, practitioner_id: int | None = None) -> list[Gap]:
    """Free runs left today, per practitioner, judged with the shortest
    active treatment each offers (what a walk-in could still have) and
    without the minimum notice, as the desk books. Consecutive starts one
    grid step apart make one run."""
    grid = timedelta(minutes=settings.BOOKING_GRID_MINUTES)
    practitioners = Practitioner.objects.filter(active=True).prefetch_related("services")
    if practitioner_id is not None:
        practitioners = practitioners.filter(pk=practitioner_id)
    shortest: dict[int, Service] = {}
    for practitioner in practitioners:
        offered = [service for service in practitioner.services.all() if service.active]
        if offered:
            shortest[practitioner.pk] = min(offered, key=lambda service: (service.duration_minutes, service.pk))
    gaps: list[Gap] = []
    for service in {service.pk: service for service in shortest.values()}.values():
        for_whom = [pk for pk, chosen in shortest.items() if chosen.pk == service.pk]
        starts: dict[int, list[datetime]] = defaultdict(list)
        for slot in free_slots(service=service, first_day=day, last_day=day, now=now, with_notice=False):
            if slot.practitioner_id in for_whom:
                starts[slot.practitioner_id].append(slot.start)
        for pk, found in starts.items():
            found = sorted(set(found))
            first = last = found[0]
            for start in found[1:]:
                if start - last > grid:
                    gaps.append(Gap(pk, first, last))
                    first = start
                last = start
            gaps.append(Gap(pk, first, last))
    return sorted(gaps, key=lambda gap: (gap.first, gap.practitioner_id))


@dataclass(frozen=True)
class WeekFigures:
    """What a manager reads of a week at a glance."""

    first_day: date
    last_day: date
    booked: int  # appointments in the week not cancelled
    completed: int
    no_shows: int
    late_cancellations: int
    revenue: Decimal  # the price of the completed ones
    booked_minutes: int  # session time of those booked (buffers left out)


def week_figures(first_day: date, *, days: int = 7) -> WeekFigures:
    """The figures of the ``days`` local days from ``first_day``, counted by
    when each appointment starts: two queries, however many rows."""
    last_day = first_day + timedelta(days=days - 1)
    week = on_local_days(Appointment.objects.all(), first_day, last_day)
    held = ~Q(status=AppointmentStatus.CANCELLED)
    figures = week.aggregate(
        booked=Count("pk", filter=held),
        completed=Count("pk", filter=Q(status=AppointmentStatus.COMPLETED)),
        no_shows=Count("pk", filter=Q(status=AppointmentStatus.NO_SHOW)),
        late_cancellations=Count("pk", filter=Q(status=AppointmentStatus.CANCELLED, late_cancellation=True)),
        revenue=Sum("price", filter=Q(status=AppointmentStatus.COMPLETED)),
        booked_time=Sum(ExpressionWrapper(F("end") - F("start"), output_field=DurationField()), filter=held),
    )
    booked_time = figures.pop("booked_time") or timedelta(0)
    return WeekFigures(
        first_day=first_day, last_day=last_day, revenue=figures.pop("revenue") or Decimal("0"),
        booked_minutes=int(booked_time.total_seconds() // 60), **figures,
    )


def clients_with_phone(phone: str, *, queryset: QuerySet[Client] | None = None) -> QuerySet[Client]:
    """The clients whose number is ``phone`` (E.164): families share one,
    so there may be several."""
    queryset = Client.objects.all() if queryset is None else queryset
    return queryset.filter(phone=phone).order_by("full_name", "pk") if phone else queryset.none()


def practitioner_names(practitioner_ids) -> dict[int, str]:
    return dict(Practitioner.objects.filter(pk__in=set(practitioner_ids)).values_list("pk", "display_name"))
