"""The staff calendar's grid: which columns a day or a week has, where each
appointment sits in them and what is shaded (working hours, hours kept on
that date, time off, closures). Read-only and free of requests: the panel's
views (``bookings.admin.calendar``) pass in what the policy lets the caller
see, and render what comes out.

Everything is laid out on the location's clocks. A column runs from a
whole local hour before the day's first item (08:00 at the latest) to one
after its last (20:00 at the earliest), and positions are minutes of real
time from the column's top: on the day the clocks change, the hour they
skip is simply not there (01:00 GMT is followed by 02:00 BST) and the hour
they repeat is there twice, each label saying which. Whatever the number
of practitioners, days or appointments, a grid costs the same few queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from bookings.availability import DatedSpan, Interval, WeeklySpan, WorkPlan, local_instant, working_intervals
from bookings.models import Appointment, AppointmentStatus, Closure, DatedHours, TimeOff, WorkingHours
from bookings.selectors import appointments_with_details
from clinic.models import Location, Practitioner, Room

EARLIEST_TOP = time(8)  # a column starts at this hour or earlier
LATEST_BOTTOM = time(20)  # and ends at this hour or later
WEEK = 7


@dataclass(frozen=True)
class Shade:
    """A stretch of a column drawn behind the appointments."""

    kind: str  # "work", "dated" (hours kept on that date), "away" (time off), "closed"
    top: int  # minutes from the column's top
    height: int
    label: str


@dataclass(slots=True)
class Booked:
    """An appointment as a block shows it and the policy asks about it: a
    plain row, read with ``values_list``. Building 150 model instances (and
    their client, service, room and practitioner) cost the grid more than
    laying it out; the policy reads only ``practitioner_id``, ``client_id``
    and ``start``."""

    pk: int
    start: datetime
    end: datetime
    status: str
    client_confirmed_at: datetime | None
    review_reason: str
    practitioner_id: int
    client_id: int
    location_id: int
    room_id: int | None
    service_id: int
    client_name: str
    service_name: str
    room_name: str | None
    practitioner_name: str

    @property
    def id(self) -> int:
        return self.pk


@dataclass(slots=True)
class Block:
    """An appointment in a column; ``lane`` of ``lanes`` side by side when
    appointments overlap (a no-show's time booked again)."""

    appointment: Booked
    top: int
    height: int
    starts: str  # "10:00", on the location's clocks
    ends: str
    lane: int = 0
    lanes: int = 1
    # What the caller adds for the user: the client's health flags (for
    # those who may read them), the links, whether it may be dragged.
    flags: list = field(default_factory=list)
    url: str = ""
    move_url: str = ""
    movable: bool = False


@dataclass
class Column:
    day: date
    origin: datetime  # the instant at the column's top
    length: int  # minutes from top to bottom
    practitioner: Practitioner | None = None
    room: Room | None = None
    blocks: list[Block] = field(default_factory=list)
    shades: list[Shade] = field(default_factory=list)
    now: int | None = None  # minutes from the top where "now" is, when it is in the column
    # What the caller adds for the user: links from empty hours, the hours
    # as "minutes=local time" for the script, a label, the markup inside.
    slots: list[dict] = field(default_factory=list)
    marks: str = ""
    label: str = ""
    html: str = ""
    day_url: str = ""  # the week's: the day view of this column's day
    book_url: str = ""  # the week's: the booking form for this column, the script adds the start

    def works_during(self, top: int, height: int) -> bool:
        """Whether any of ``top``..``top + height`` is working time (weekly or dated hours)."""
        return any(shade.kind in ("work", "dated") and shade.top < top + height and top < shade.top + shade.height
                   for shade in self.shades)

    @property
    def key(self) -> str:
        if self.practitioner is not None:
            return f"p{self.practitioner.pk}"
        return f"r{self.room.pk}" if self.room is not None else "r-"


@dataclass(frozen=True)
class HourMark:
    top: int
    label: str  # "02:00 BST": the zone is named on the hour the clocks change, and on the first


@dataclass
class Grid:
    location: Location
    days: list[date]
    columns: list[Column]
    hours: list[HourMark]
    length: int
    zone_names: list[str]  # the zone's abbreviations over the range ("GMT", "BST")
    by_room: bool = False

    @property
    def zone(self) -> ZoneInfo:
        return self.location.time_zone


# -- the location's clocks ---------------------------------------------------------


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return local_instant(day, time(0), zone)


def _hour_floor(moment: datetime, zone: ZoneInfo) -> time:
    local = moment.astimezone(zone)
    return time(local.hour)


def _hour_ceiling(moment: datetime, day: date, zone: ZoneInfo) -> time | None:
    """The whole local hour at or after ``moment`` on ``day``; ``None``: midnight ending the day."""
    local = moment.astimezone(zone)
    if local.date() > day:
        return None
    if local.minute or local.second or local.microsecond:
        return None if local.hour == 23 else time(local.hour + 1)
    return time(local.hour)


def _window(day: date, zone: ZoneInfo, items: list[Interval]) -> tuple[time, time | None]:
    """The local hours a column of ``day`` spans: 08:00-20:00 widened to
    hold ``items`` (clipped to the day); ``None`` for the end is midnight."""
    top, bottom = EARLIEST_TOP, LATEST_BOTTOM
    day_start, day_end = local_midnight(day, zone), local_midnight(day + timedelta(days=1), zone)
    for item in items:
        start, end = max(item.start, day_start), min(item.end, day_end)
        if start >= end:
            continue
        top = min(top, _hour_floor(start, zone))
        ceiling = _hour_ceiling(end, day, zone)
        if ceiling is None:
            return top, None
        bottom = max(bottom, ceiling)
    return top, bottom


def _bounds(day: date, zone: ZoneInfo, top: time, bottom: time | None) -> tuple[datetime, datetime]:
    end = local_midnight(day + timedelta(days=1), zone) if bottom is None else local_instant(day, bottom, zone)
    return local_instant(day, top, zone), end


def _minutes(moment: datetime, origin: datetime) -> int:
    return round((moment - origin).total_seconds() / 60)


def hour_marks(origin: datetime, end: datetime, zone: ZoneInfo) -> list[HourMark]:
    """A label for each hour of real time from ``origin``: the local time
    it shows, with the zone named on the first and wherever the offset changes."""
    marks, moment, last_name = [], origin, None
    while moment < end:
        local = moment.astimezone(zone)
        name = local.tzname()
        label = f"{local:%H:%M}" if name == last_name else f"{local:%H:%M} {name}"
        marks.append(HourMark(_minutes(moment, origin), label))
        last_name = name
        moment += timedelta(hours=1)
    return marks


def zone_names(first: datetime, last: datetime, zone: ZoneInfo) -> list[str]:
    names = [first.astimezone(zone).tzname(), last.astimezone(zone).tzname()]
    return list(dict.fromkeys(names))


# -- the rows ---------------------------------------------------------------------


def _range(days: list[date], zone: ZoneInfo) -> tuple[datetime, datetime]:
    return local_midnight(days[0], zone), local_midnight(days[-1] + timedelta(days=1), zone)


def _practitioners(location: Location, practitioners: QuerySet[Practitioner], days: list[date],
                   since: datetime, until: datetime) -> list[Practitioner]:
    """Those of ``practitioners`` with hours at the location (weekly, or on
    one of the days) or an appointment there in the range: one query."""
    works_here = Q(active=True) & (
        Q(working_hours__location=location) | Q(dated_hours__location=location, dated_hours__day__in=days)
    )
    booked_here = Q(appointments__location=location, appointments__start__lt=until, appointments__end__gt=since)
    return list(practitioners.filter(works_here | booked_here).distinct().order_by("display_name", "pk"))


def _dated_rows(location: Location, ids: list[int], days: list[date]) -> list[DatedHours]:
    """Hours kept on a date, from the day before the range (a span past midnight)."""
    return list(DatedHours.objects.filter(
        location=location, practitioner_id__in=ids, day__gte=days[0] - timedelta(days=1), day__lte=days[-1]
    ).order_by("day", "starts_at"))


def _plans(location: Location, ids: list[int], dated_rows: list[DatedHours]) -> dict[int, WorkPlan]:
    """Each practitioner's hours at the location, as the engine reads them: one query."""
    weekly: dict[int, list[WeeklySpan]] = defaultdict(list)
    dated: dict[int, list[DatedSpan]] = defaultdict(list)
    for practitioner_id, weekday, starts_at, ends_at in WorkingHours.objects.filter(
        location=location, practitioner_id__in=ids
    ).values_list("practitioner_id", "weekday", "starts_at", "ends_at"):
        weekly[practitioner_id].append(WeeklySpan(weekday, starts_at, ends_at))
    for row in dated_rows:
        dated[row.practitioner_id].append(DatedSpan(row.day, row.starts_at, row.ends_at, row.replaces_weekly))
    return {
        practitioner_id: WorkPlan(practitioner_id, location.pk, location.time_zone, tuple(weekly[practitioner_id]),
                                  tuple(dated[practitioner_id]))
        for practitioner_id in ids
    }


# -- laying out ----------------------------------------------------------------------


def _clip(interval: Interval, column: Column) -> tuple[int, int] | None:
    """``interval`` as (top, height) in ``column``, or ``None`` when it is
    not in the column's window."""
    end = column.origin + timedelta(minutes=column.length)
    start, stop = max(interval.start, column.origin), min(interval.end, end)
    if start >= stop:
        return None
    return _minutes(start, column.origin), max(_minutes(stop, column.origin) - _minutes(start, column.origin), 1)


def _lanes(blocks: list[Block]) -> None:
    """Side by side where blocks overlap: each cluster of overlapping blocks
    shares its width among as many lanes as it needs."""
    blocks.sort(key=lambda block: (block.top, -block.height))
    cluster: list[Block] = []
    lane_ends: list[int] = []
    cluster_end = -1

    def close() -> None:
        for member in cluster:
            member.lanes = len(lane_ends)

    for block in blocks:
        if cluster and block.top >= cluster_end:
            close()
            cluster, lane_ends = [], []
        for lane, lane_end in enumerate(lane_ends):
            if lane_end <= block.top:
                block.lane, lane_ends[lane] = lane, block.top + block.height
                break
        else:
            block.lane = len(lane_ends)
            lane_ends.append(block.top + block.height)
        cluster.append(block)
        cluster_end = max(cluster_end, block.top + block.height)
    if cluster:
        close()


def _block(appointment: Booked, column: Column, zone: ZoneInfo) -> Block | None:
    place = _clip(Interval(appointment.start, appointment.end), column)
    if place is None:
        return None
    starts, ends = appointment.start.astimezone(zone), appointment.end.astimezone(zone)
    return Block(appointment, *place, starts=f"{starts.hour:02}:{starts.minute:02}",
                 ends=f"{ends.hour:02}:{ends.minute:02}")


# What a block shows and the policy asks of an appointment, and no more, in
# the order of ``Booked``'s fields.
BLOCK_FIELDS = (
    "pk", "start", "end", "status", "client_confirmed_at", "review_reason", "practitioner_id", "client_id",
    "location_id", "room_id", "service_id", "client__full_name", "service__name", "room__name",
    "practitioner__display_name",
)


def _shown(appointments: QuerySet[Appointment]) -> list[Booked]:
    rows = appointments.exclude(status=AppointmentStatus.CANCELLED).order_by("start", "pk").values_list(
        *BLOCK_FIELDS)
    return [Booked(*row) for row in rows]


def _overlapping(items: list, start: datetime, stop: datetime) -> list:
    """Those of ``items`` (anything with ``start`` and ``end``) that overlap
    ``start``..``stop``: a week's column is laid out only from what
    touches its own day."""
    return [item for item in items if item.start < stop and item.end > start]


def _week_of(day: date) -> list[date]:
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=n) for n in range(WEEK)]


def practitioner_grid(
    *,
    location: Location,
    day: date,
    practitioners: QuerySet[Practitioner],
    appointments: QuerySet[Appointment],
    time_off: QuerySet[TimeOff],
    now: datetime,
    week: bool = False,
) -> Grid:
    """The day (or the Monday-to-Sunday week holding ``day``) at
    ``location``, a column per practitioner (per day and practitioner for
    a week). ``practitioners``, ``appointments`` and ``time_off`` are what
    the caller may see; cancelled appointments are left out. Six queries."""
    zone = location.time_zone
    days = _week_of(day) if week else [day]
    since, until = _range(days, zone)
    people = _practitioners(location, practitioners, days, since, until)
    ids = [person.pk for person in people]
    dated_rows = _dated_rows(location, ids, days)
    plans = _plans(location, ids, dated_rows)
    booked = _shown(appointments.filter(location=location, practitioner_id__in=ids, start__lt=until, end__gt=since))
    away = list(time_off.filter(practitioner_id__in=ids, start__lt=until, end__gt=since).order_by("start"))
    closures = list(Closure.objects.filter(location=location, first_day__lte=days[-1], last_day__gte=days[0]))

    work = {pk: working_intervals(plan, days[0] - timedelta(days=1), days[-1]) for pk, plan in plans.items()}
    dated_work: dict[tuple[int, date], list[tuple[Interval, DatedHours]]] = defaultdict(list)
    for row in dated_rows:
        only = WorkPlan(row.practitioner_id, location.pk, zone, (), (DatedSpan(row.day, row.starts_at, row.ends_at),))
        for interval in working_intervals(only, row.day, row.day):
            # Shown on its own day and, past midnight, on the next.
            for on in (row.day, row.day + timedelta(days=1)):
                dated_work[row.practitioner_id, on].append((interval, row))

    # One window for every column: the widest any day needs.
    items = [Interval(a.start, a.end) for a in booked] + [i for spans in work.values() for i in spans]
    top, bottom = EARLIEST_TOP, LATEST_BOTTOM
    for on in days:
        day_top, day_bottom = _window(on, zone, _overlapping(items, *_range([on], zone)))
        top = min(top, day_top)
        bottom = None if bottom is None or day_bottom is None else max(bottom, day_bottom)

    booked_by: dict[int, list[Booked]] = defaultdict(list)
    for appointment in booked:
        booked_by[appointment.practitioner_id].append(appointment)
    away_by: dict[int, list[TimeOff]] = defaultdict(list)
    for leave in away:
        away_by[leave.practitioner_id].append(leave)
    columns: list[Column] = []
    for on in days:
        origin, end = _bounds(on, zone, top, bottom)
        length = _minutes(end, origin)
        shut = [closure for closure in closures if closure.first_day <= on <= closure.last_day]
        for person in people:
            column = Column(on, origin, length, practitioner=person)
            for interval in _overlapping(work.get(person.pk, []), origin, end):
                if (place := _clip(interval, column)) is not None:
                    column.shades.append(Shade("work", *place, ""))
            for interval, row in dated_work.get((person.pk, on), []):
                if (place := _clip(interval, column)) is not None:
                    column.shades.append(Shade("dated", *place, row.reason))
            for leave in _overlapping(away_by[person.pk], origin, end):
                if (place := _clip(Interval(leave.start, leave.end), column)) is not None:
                    column.shades.append(Shade("away", *place, leave.reason))
            for closure in shut:
                column.shades.append(Shade("closed", 0, column.length, closure.reason))
            column.blocks = [block for appointment in _overlapping(booked_by[person.pk], origin, end)
                             if (block := _block(appointment, column, zone)) is not None]
            _lanes(column.blocks)
            column.now = _now_in(column, now)
            columns.append(column)
    first_origin, first_end = _bounds(days[0], zone, top, bottom)
    return Grid(location=location, days=days, columns=columns, hours=hour_marks(first_origin, first_end, zone),
                length=_minutes(first_end, first_origin), zone_names=zone_names(since, until, zone))


def room_grid(
    *,
    location: Location,
    day: date,
    appointments: QuerySet[Appointment],
    now: datetime,
) -> Grid:
    """The day at ``location`` with a column per room (and one for
    appointments without a room, when there are any): three queries."""
    zone = location.time_zone
    days = [day]
    since, until = _range(days, zone)
    rooms = list(Room.objects.filter(location=location, active=True).order_by("name", "pk"))
    booked = _shown(appointments.filter(location=location, start__lt=until, end__gt=since))
    closures = list(Closure.objects.filter(location=location, first_day__lte=day, last_day__gte=day))
    top, bottom = _window(day, zone, [Interval(a.start, a.end) for a in booked])
    origin, end = _bounds(day, zone, top, bottom)
    length = _minutes(end, origin)
    shown_rooms: list[Room | None] = [*rooms]
    known = {room.pk for room in rooms}
    # A room no longer open that still holds an appointment: its column is
    # named from the row (no query for it).
    shown_rooms += [None if room_id is None else Room(pk=room_id, location=location, name=name)
                    for room_id, name in {a.room_id: a.room_name for a in booked if a.room_id not in known}.items()]
    columns = []
    for room in shown_rooms:
        column = Column(day, origin, length, room=room)
        room_id = room.pk if room is not None else None
        column.blocks = [block for appointment in booked if appointment.room_id == room_id
                         and (block := _block(appointment, column, zone)) is not None]
        for closure in closures:
            column.shades.append(Shade("closed", 0, length, closure.reason))
        _lanes(column.blocks)
        column.now = _now_in(column, now)
        columns.append(column)
    return Grid(location=location, days=days, columns=columns, hours=hour_marks(origin, end, zone), length=length,
                zone_names=zone_names(since, until, zone), by_room=True)


def _now_in(column: Column, now: datetime) -> int | None:
    minutes = (now - column.origin).total_seconds() / 60
    return round(minutes) if 0 <= minutes < column.length else None


def shown_locations() -> list[Location]:
    """The open locations, by name: the calendar's choice of place."""
    return list(Location.objects.filter(active=True).order_by("name", "pk"))


def appointments_for_grid() -> QuerySet[Appointment]:
    """The appointments a grid may hold, before the policy narrows them."""
    return appointments_with_details()


def today_at(location: Location, now: datetime) -> date:
    return now.astimezone(location.time_zone).date()



def practitioner_by_id(practitioner_id: int) -> Practitioner | None:
    """The practitioner a block was dropped on (active or not: the booking
    service says why an inactive one cannot take it)."""
    return Practitioner.objects.filter(pk=practitioner_id).first()
