"""The availability engine: which start times are free.

A pure module over plain data: no ORM, no settings, no clock. The selectors
fetch a date range's rows in a fixed number of queries and hand them over as
the dataclasses below; the same rules then answer both "list the free starts"
(``free_slots``) and "why can't this start be booked" (``refusal``), so the
booking pages and the booking service can never disagree.

Times are aware datetimes, compared in UTC. Working hours and closures are
local wall-clock values of a location's time zone: a local day or span is
turned into UTC per date, so a daylight-saving change shortens or lengthens
that day's span instead of shifting it. A wall time that does not exist (the
hour skipped in spring) moves forward by the gap (01:30 becomes 02:30); an
ambiguous one (the hour repeated in autumn) means its first occurrence.
"""

from __future__ import annotations

import enum
import operator
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, repeat
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class Interval:
    """A half-open span of time ``[start, end)``."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class WeeklySpan:
    """Local working time on one weekday (0 = Monday)."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    duration: timedelta
    buffer: timedelta = timedelta(0)
    needs_room: bool = False


@dataclass(frozen=True, slots=True)
class Rules:
    grid: timedelta = timedelta(minutes=15)
    min_notice: timedelta = timedelta(hours=2)
    horizon: timedelta = timedelta(days=60)

    def __post_init__(self) -> None:
        minutes = self.grid / timedelta(minutes=1)
        if minutes <= 0 or minutes != int(minutes) or 60 % int(minutes):
            raise ValueError("The booking grid must be a whole number of minutes that divides an hour.")


@dataclass(frozen=True, slots=True)
class WorkPlan:
    """One practitioner's weekly hours at one location."""

    practitioner_id: int
    location_id: int
    time_zone: ZoneInfo
    spans: tuple[WeeklySpan, ...]


class Slot(NamedTuple):
    """A free start. A tuple, so that thousands are cheap to make and sort."""

    start: datetime
    end: datetime
    practitioner_id: int
    location_id: int


@dataclass(slots=True)
class Calendar:
    """Everything the engine needs for one range, as fetched by a selector.

    ``appointments`` and ``time_off`` are keyed by practitioner; ``closures``
    (inclusive local date ranges) and ``rooms`` (each room's occupied
    intervals) by location. Intervals need not be sorted or disjoint.
    """

    plans: Sequence[WorkPlan]
    appointments: Mapping[int, Sequence[Interval]] = field(default_factory=dict)
    time_off: Mapping[int, Sequence[Interval]] = field(default_factory=dict)
    closures: Mapping[int, Sequence[tuple[date, date]]] = field(default_factory=dict)
    rooms: Mapping[int, Mapping[int, Sequence[Interval]]] = field(default_factory=dict)


class Refusal(enum.StrEnum):
    """Why a start time cannot be booked, in the order the rules are tried."""

    OFF_GRID = "off_grid"
    TOO_SOON = "too_soon"
    TOO_FAR = "too_far"
    NOT_WORKING = "outside_working_hours"
    CLOSED = "location_closed"
    TIME_OFF = "practitioner_away"
    TAKEN = "slot_unavailable"
    NO_ROOM = "no_room"


_RULE_ORDER = {refusal: index for index, refusal in enumerate(Refusal)}


def local_instant(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """The UTC instant a wall clock in ``tz`` shows ``wall`` on ``day``."""
    # fold=0 reads a repeated wall time as its first occurrence, and a skipped
    # one with the offset from before the change, i.e. moved forward by the gap.
    return datetime.combine(day, wall, tzinfo=tz).replace(fold=0).astimezone(UTC)


def local_day(day: date, tz: ZoneInfo) -> Interval:
    return Interval(local_instant(day, time(0), tz), local_instant(day + timedelta(days=1), time(0), tz))


class _Timeline:
    """Sorted, merged intervals with a fast overlap test."""

    __slots__ = ("starts", "ends")

    def __init__(self, intervals: Iterable[Interval]):
        merged: list[list[datetime]] = []
        for interval in sorted(intervals, key=lambda i: i.start):
            if interval.end <= interval.start:
                continue
            if merged and interval.start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], interval.end)
            else:
                merged.append([interval.start, interval.end])
        self.starts = [start for start, _ in merged]
        self.ends = [end for _, end in merged]

    def overlaps(self, start: datetime, end: datetime) -> bool:
        # The last interval starting before ``end`` is the only candidate,
        # as the intervals are disjoint and sorted.
        index = bisect_left(self.starts, end) - 1
        return index >= 0 and self.ends[index] > start


def _weekly_hours(plan: WorkPlan, grid: timedelta) -> tuple[tuple[tuple[time, time, timedelta], ...], ...]:
    """A plan's spans per weekday in wall-clock time, sorted, with spans that
    touch or overlap joined; each with the lead from its start to the first
    grid point."""
    week: list[list[tuple[time, time]]] = [[] for _ in range(7)]
    for span in sorted(plan.spans, key=lambda span: (span.weekday, span.start)):
        if span.start >= span.end:
            continue
        day = week[span.weekday]
        if day and span.start <= day[-1][1]:
            day[-1] = (day[-1][0], max(day[-1][1], span.end))
        else:
            day.append((span.start, span.end))
    return tuple(tuple((start, end, _lead(start, grid)) for start, end in day) for day in week)


def _lead(wall: time, grid: timedelta) -> timedelta:
    step = int(grid.total_seconds())
    remainder = (wall.hour * 3600 + wall.minute * 60 + wall.second) % step
    return timedelta(seconds=step - remainder) if remainder else timedelta(0)


def _merge_open(spans: list[tuple[datetime, datetime]]) -> tuple[list[datetime], list[datetime]]:
    """Merge open intervals; two that only touch stay apart, as the point
    between them belongs to neither."""
    lows: list[datetime] = []
    highs: list[datetime] = []
    for low, high in sorted(spans):
        if low >= high:
            continue
        if highs and low < highs[-1]:
            highs[-1] = max(highs[-1], high)
        else:
            lows.append(low)
            highs.append(high)
    return lows, highs


def _intersect(
    first: list[tuple[datetime, datetime]], second: list[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """Where two sorted lists of disjoint intervals overlap."""
    out = []
    i = j = 0
    while i < len(first) and j < len(second):
        low = max(first[i][0], second[j][0])
        high = min(first[i][1], second[j][1])
        if low < high:
            out.append((low, high))
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return out


@dataclass(slots=True)
class _PlanView:
    plan: WorkPlan
    appointments: _Timeline
    time_off: _Timeline
    closed: _Timeline
    rooms: list[_Timeline] | None
    room_ids: list[int]
    weekly: tuple[tuple[tuple[time, time, timedelta], ...], ...]


class Engine:
    """The rules over one ``Calendar``, for one service, at one moment."""

    def __init__(self, *, calendar: Calendar, service: ServiceSpec, now: datetime, rules: Rules = Rules()):
        if now.tzinfo is None:
            raise ValueError("now must be an aware datetime")
        self.service = service
        self.now = now
        self.rules = rules
        self.earliest = now + rules.min_notice
        self.latest = now + rules.horizon
        plans = sorted(calendar.plans, key=lambda plan: (plan.practitioner_id, plan.location_id))
        # Rooms belong to a location, shared by everyone working there.
        rooms = {
            location_id: [_Timeline(busy) for busy in by_room.values()]
            for location_id, by_room in calendar.rooms.items()
        }
        self._views = [self._view(calendar, plan, rules, rooms.get(plan.location_id)) for plan in plans]
        self._rooms_busy: dict[int, list[tuple[datetime, datetime]]] = {}

    @property
    def practitioner_ids(self) -> list[int]:
        """Everyone with working hours in the calendar, in id order."""
        return sorted({view.plan.practitioner_id for view in self._views})

    @staticmethod
    def _view(calendar: Calendar, plan: WorkPlan, rules: Rules, rooms: list[_Timeline] | None) -> _PlanView:
        closed = [
            Interval(local_day(first, plan.time_zone).start, local_day(last, plan.time_zone).end)
            for first, last in calendar.closures.get(plan.location_id, ())
        ]
        return _PlanView(
            plan=plan,
            appointments=_Timeline(calendar.appointments.get(plan.practitioner_id, ())),
            time_off=_Timeline(calendar.time_off.get(plan.practitioner_id, ())),
            closed=_Timeline(closed),
            rooms=rooms,
            room_ids=list(calendar.rooms.get(plan.location_id, ())),
            weekly=_weekly_hours(plan, rules.grid),
        )

    # -- the rules --------------------------------------------------------

    def on_grid(self, start: datetime, tz: ZoneInfo) -> bool:
        local = start.astimezone(tz)
        return local.microsecond == 0 and not _lead(local.time(), self.rules.grid)

    @staticmethod
    def working_spans(view: _PlanView, day: date) -> list[Interval]:
        """The plan's working intervals on a local date, in UTC; spans that
        touch or overlap count as one."""
        tz = view.plan.time_zone
        return [
            Interval(local_instant(day, start, tz), local_instant(day, end, tz))
            for start, end, _ in view.weekly[day.weekday()]
        ]

    def _refusal_in_span(self, view: _PlanView, start: datetime) -> Refusal | None:
        """The rules after "is it inside working hours", for a start that is."""
        end = start + self.service.duration
        held_until = end + self.service.buffer
        if view.closed.overlaps(start, end):
            return Refusal.CLOSED
        if view.time_off.overlaps(start, end):
            return Refusal.TIME_OFF
        if view.appointments.overlaps(start, held_until):
            return Refusal.TAKEN
        if self.service.needs_room and not self._room_free(view, start, held_until):
            return Refusal.NO_ROOM
        return None

    @staticmethod
    def _room_free(view: _PlanView, start: datetime, end: datetime) -> bool:
        return bool(view.rooms) and any(not room.overlaps(start, end) for room in view.rooms)

    def _within(self, view: _PlanView, start: datetime) -> bool:
        end = start + self.service.duration
        local_date = start.astimezone(view.plan.time_zone).date()
        return any(span.start <= start and end <= span.end for span in self.working_spans(view, local_date))

    # -- answers ----------------------------------------------------------

    def refusal(self, *, practitioner_id: int, start: datetime) -> tuple[Refusal | None, int | None]:
        """Why ``start`` cannot be booked with this practitioner, or ``None``
        and the location where it can."""
        views = [view for view in self._views if view.plan.practitioner_id == practitioner_id]
        if not views:
            return Refusal.NOT_WORKING, None
        if not any(self.on_grid(start, view.plan.time_zone) for view in views):
            return Refusal.OFF_GRID, None
        if start < self.earliest:
            return Refusal.TOO_SOON, None
        if start > self.latest:
            return Refusal.TOO_FAR, None
        working = [view for view in views if self._within(view, start)]
        if not working:
            return Refusal.NOT_WORKING, None
        refusal = None
        for view in working:
            refusal = self._refusal_in_span(view, start)
            if refusal is None:
                return None, view.plan.location_id
        return refusal, None

    def anyone(self, start: datetime) -> tuple[list[tuple[int, int]], Refusal | None]:
        """Who could take ``start`` ("anyone" on the booking pages): every
        free (practitioner, location), the least booked that local day first,
        then by id. When nobody is free, the refusal of whoever came closest
        to taking it (the rule tried last), so the client hears the real
        reason: nobody works then, or everyone who does is booked."""
        free: list[tuple[timedelta, int, int]] = []
        closest: Refusal | None = None
        for practitioner_id in self.practitioner_ids:
            refusal, location_id = self.refusal(practitioner_id=practitioner_id, start=start)
            if refusal is None:
                free.append((self.booked_time(practitioner_id=practitioner_id, around=start), practitioner_id, location_id))
            elif closest is None or _RULE_ORDER[refusal] > _RULE_ORDER[closest]:
                closest = refusal
        if free:
            return [(practitioner_id, location_id) for _, practitioner_id, location_id in sorted(free)], None
        return [], closest or Refusal.NOT_WORKING

    def booked_time(self, *, practitioner_id: int, around: datetime) -> timedelta:
        """How much of the local day that holds ``around`` the practitioner
        is already booked (buffers included)."""
        view = next(view for view in self._views if view.plan.practitioner_id == practitioner_id)
        day = local_day(around.astimezone(view.plan.time_zone).date(), view.plan.time_zone)
        timeline = view.appointments
        return sum(
            (
                min(end, day.end) - max(start, day.start)
                for start, end in zip(timeline.starts, timeline.ends, strict=True)
                if start < day.end and end > day.start
            ),
            timedelta(),
        )

    def free_rooms(self, *, location_id: int, start: datetime) -> list[int]:
        """The rooms at the location free for the whole held time, in the
        order they were set up."""
        held_until = start + self.service.duration + self.service.buffer
        for view in self._views:
            if view.plan.location_id == location_id and view.rooms:
                return [
                    room_id
                    for room_id, timeline in zip(view.room_ids, view.rooms, strict=True)
                    if not timeline.overlaps(start, held_until)
                ]
        return []

    def free_slots(self, first_day: date, last_day: date) -> list[Slot]:
        """Every free start from ``first_day`` to ``last_day`` (local dates,
        inclusive), ordered by time, then practitioner.

        Rather than testing each grid point against every rule, this turns
        the busy time into the open intervals of starts it forbids and walks
        each working span once, jumping over them. ``refusal`` spells out the
        same rules one start at a time; the tests hold the two to each other.
        """
        slots: list[Slot] = []
        # Colleagues often keep the same hours: their wall-clock conversions
        # and runs of free starts are computed once.
        instants: dict[tuple[date, time, ZoneInfo], datetime] = {}
        runs: dict[tuple[datetime, int], tuple[list[datetime], list[datetime]]] = {}

        def instant(day: date, wall: time, tz: ZoneInfo) -> datetime:
            key = (day, wall, tz)
            found = instants.get(key)
            if found is None:
                found = instants[key] = local_instant(day, wall, tz)
            return found

        for view in self._views:
            forbidden = self._forbidden_starts(view)
            if forbidden is None:
                continue
            cursor = 0
            tz = view.plan.time_zone
            day = first_day
            while day <= last_day:
                for start_wall, end_wall, lead in view.weekly[day.weekday()]:
                    # The lead to the first grid point is measured on the wall
                    # clock; whole grid steps from there keep local alignment
                    # across a DST change, because the grid divides an hour.
                    first = instant(day, start_wall, tz) + lead
                    end = instant(day, end_wall, tz)
                    cursor = self._walk_span(view, first, end, forbidden, cursor, slots, runs)
                day += timedelta(days=1)
        if len(self._views) > 1:
            # Stable, so equal starts keep the views' practitioner order.
            slots.sort(key=operator.itemgetter(0))
        return slots

    def _forbidden_starts(self, view: _PlanView) -> tuple[list[datetime], list[datetime]] | None:
        """The open intervals ``(a, b)`` of starts that would clash, merged
        and sorted; ``None`` when a needed room cannot exist at all."""
        session = self.service.duration
        held = session + self.service.buffer
        spans = [
            (start - held, end) for start, end in zip(view.appointments.starts, view.appointments.ends, strict=True)
        ]
        for timeline in (view.time_off, view.closed):
            spans += [(start - session, end) for start, end in zip(timeline.starts, timeline.ends, strict=True)]
        if self.service.needs_room:
            if not view.rooms:
                return None
            spans += self._all_rooms_busy(view.plan.location_id, view.rooms)
        return _merge_open(spans)

    def _all_rooms_busy(self, location_id: int, rooms: list[_Timeline]) -> list[tuple[datetime, datetime]]:
        """Starts for which no room of the location is free, worked out once
        per location and shared by everyone who works there."""
        found = self._rooms_busy.get(location_id)
        if found is None:
            held = self.service.duration + self.service.buffer
            for room in rooms:
                busy = [(start - held, end) for start, end in zip(room.starts, room.ends, strict=True)]
                found = busy if found is None else _intersect(found, busy)
            self._rooms_busy[location_id] = found
        return found

    def _walk_span(
        self,
        view: _PlanView,
        first: datetime,
        span_end: datetime,
        forbidden: tuple[list[datetime], list[datetime]],
        cursor: int,
        slots: list[Slot],
        runs: dict[tuple[datetime, int], tuple[list[datetime], list[datetime]]],
    ) -> int:
        """Add the free slots from the grid point ``first`` to ``span_end``;
        returns where the scan of ``forbidden`` stopped, for the next span."""
        grid = self.rules.grid
        duration = self.service.duration
        practitioner_id, location_id = view.plan.practitioner_id, view.plan.location_id
        lows, highs = forbidden
        count = len(lows)
        start = self._next_grid_point_at_or_after(self.earliest, first)
        last = min(span_end - duration, self.latest)
        while start <= last:
            while cursor < count and highs[cursor] <= start:
                cursor += 1
            if cursor < count and lows[cursor] < start:
                start = self._next_grid_point_at_or_after(highs[cursor], start)
                continue
            # Every grid point up to the next forbidden interval is free.
            until = min(last, lows[cursor]) if cursor < count else last
            steps = (until - start) // grid + 1
            # Built by C loops (accumulate, map, tuple.__new__): thousands of
            # slots then cost less than the queries that fetched their calendar.
            run = runs.get((start, steps))
            if run is None:  # colleagues with the same hours share their runs
                starts = list(accumulate(repeat(grid, steps - 1), operator.add, initial=start))
                run = runs[start, steps] = (starts, list(map(operator.add, starts, repeat(duration))))
            starts, ends = run
            fields = zip(starts, ends, repeat(practitioner_id), repeat(location_id))
            slots.extend(map(tuple.__new__, repeat(Slot), fields))
            start = starts[-1] + grid
        return cursor

    def _next_grid_point_at_or_after(self, instant: datetime, aligned: datetime) -> datetime:
        if instant <= aligned:
            return aligned
        steps = -((aligned - instant) // self.rules.grid)
        return aligned + steps * self.rules.grid
