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

A span whose end is not after its start runs past midnight (22:00-02:00) and
belongs to the day it starts on; an end of 00:00 is midnight (24:00). Where
it reaches into the next day's hours, a start both hold is listed once. Hours
for a date (``DatedSpan``) add to that weekday's hours, or replace them.

Where a service starts: on the clinic's grid of the local clock (every 15
minutes: 10:00, 10:15, ...), so a start is valid when the wall clock shows a
grid point, whatever the zone's offset; or, with ``ServiceSpec.step``, every
``step`` from the start of each working span (back to back: 10:00, 11:30,
13:00 for a 75-minute session with 15 minutes of clean-up).
"""

from __future__ import annotations

import enum
import math
import operator
from bisect import bisect_left, bisect_right
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
class DatedSpan:
    """Local working time on one date: added to that weekday's hours, or
    (``replaces``) instead of them. Any one replacing span of a date makes
    that date's dated spans its only hours."""

    day: date
    start: time
    end: time
    replaces: bool = False


MIN_STEP = timedelta(minutes=5)
MAX_STEP = timedelta(hours=4)


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    duration: timedelta
    buffer: timedelta = timedelta(0)
    needs_room: bool = False
    # None: starts on the clinic's grid; else every ``step`` from each span's start.
    step: timedelta | None = None

    def __post_init__(self) -> None:
        if self.step is not None and not MIN_STEP <= self.step <= MAX_STEP:
            raise ValueError("A start step runs from 5 minutes to 4 hours.")


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
    dated: tuple[DatedSpan, ...] = ()


class Slot(NamedTuple):
    """A free start. A tuple, so that thousands are cheap to make and sort."""

    start: datetime
    end: datetime
    practitioner_id: int
    location_id: int


class FreeRun(NamedTuple):
    """``count`` free starts, every ``step`` from ``start``, for one
    practitioner at one location: the slots of a stretch of working time
    with nothing in the way, before they are written out one by one."""

    start: datetime
    count: int
    step: timedelta
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


DAY = 24 * 3600
_TICK = timedelta(microseconds=1)  # just before an instant (starts are whole seconds)

# A day's hours: (from, to) in seconds after the local midnight of the day
# they belong to; ``to`` may pass 86,400 (the span runs past midnight).
Hours = tuple[tuple[int, int], ...]


def _seconds(wall: time) -> int:
    return wall.hour * 3600 + wall.minute * 60 + wall.second


def span_seconds(start: time, end: time) -> tuple[int, int]:
    """An end not after the start is on the next day (00:00 is midnight)."""
    low, high = _seconds(start), _seconds(end)
    return low, high if high > low else high + DAY


def _joined(spans: Iterable[tuple[int, int]]) -> Hours:
    """Sorted, with spans that touch or overlap joined."""
    day: list[tuple[int, int]] = []
    for low, high in sorted(spans):
        if day and low <= day[-1][1]:
            day[-1] = (day[-1][0], max(day[-1][1], high))
        else:
            day.append((low, high))
    return tuple(day)


def _weekly_hours(plan: WorkPlan) -> tuple[Hours, ...]:
    week: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for span in plan.spans:
        week[span.weekday].append(span_seconds(span.start, span.end))
    return tuple(_joined(day) for day in week)


def _dated_hours(plan: WorkPlan, weekly: tuple[Hours, ...]) -> dict[date, Hours]:
    """The hours of each date that has dated spans."""
    by_day: dict[date, list[DatedSpan]] = {}
    for span in plan.dated:
        by_day.setdefault(span.day, []).append(span)
    hours = {}
    for day, spans in by_day.items():
        dated = [span_seconds(span.start, span.end) for span in spans]
        kept = [] if any(span.replaces for span in spans) else list(weekly[day.weekday()])
        hours[day] = _joined(kept + dated)
    return hours


def _lead(wall: time, grid: timedelta) -> timedelta:
    step = int(grid.total_seconds())
    remainder = _seconds(wall) % step
    return timedelta(seconds=step - remainder) if remainder else timedelta(0)


def _wall_instant(day: date, seconds: int, tz: ZoneInfo) -> datetime:
    """``local_instant`` for a time given in seconds after ``day``'s midnight."""
    days, seconds = divmod(seconds, DAY)
    return local_instant(day + timedelta(days=days), time(seconds // 3600, seconds // 60 % 60, seconds % 60), tz)


def offset_changes(start: datetime, end: datetime, tz: ZoneInfo) -> list[datetime]:
    """The instants in ``(start, end]`` where ``tz``'s offset changes, in
    order. The range is looked at a day at a time and a day whose two ends
    disagree is bisected over whole seconds: no zone changes its offset and
    changes it back within one day, though some (Morocco's around Ramadan)
    do within a month."""

    def offset(second: int) -> timedelta | None:
        return datetime.fromtimestamp(second, tz).utcoffset()

    first, last = math.ceil(start.timestamp()), math.floor(end.timestamp())
    changes = []
    low, low_offset = first, offset(first)
    while low < last:
        high = min(low + DAY, last)
        high_offset = offset(high)
        before = low  # a change within (before, high] makes the two ends differ
        while low_offset != high_offset:
            after = high  # the first change is in (before, after]
            while after - before > 1:
                middle = (before + after) // 2
                if offset(middle) == low_offset:
                    before = middle
                else:
                    after = middle
            changes.append(datetime.fromtimestamp(after, UTC))
            before, low_offset = after, offset(after)
        low = high
    return changes


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
    weekly: tuple[Hours, ...]
    dated: dict[date, Hours]

    def hours(self, day: date) -> Hours:
        return self.dated.get(day, self.weekly[day.weekday()])


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
        weekly = _weekly_hours(plan)
        return _PlanView(
            plan=plan,
            appointments=_Timeline(calendar.appointments.get(plan.practitioner_id, ())),
            time_off=_Timeline(calendar.time_off.get(plan.practitioner_id, ())),
            closed=_Timeline(closed),
            rooms=rooms,
            room_ids=list(calendar.rooms.get(plan.location_id, ())),
            weekly=weekly,
            dated=_dated_hours(plan, weekly),
        )

    # -- the rules --------------------------------------------------------

    def on_grid(self, start: datetime, tz: ZoneInfo) -> bool:
        local = start.astimezone(tz)
        return local.microsecond == 0 and not _lead(local.time(), self.rules.grid)

    @staticmethod
    def working_spans(view: _PlanView, day: date) -> list[Interval]:
        """The plan's working intervals that begin on a local date, in UTC;
        spans that touch or overlap count as one."""
        tz = view.plan.time_zone
        return [Interval(_wall_instant(day, low, tz), _wall_instant(day, high, tz)) for low, high in view.hours(day)]

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

    def _spans_holding(self, view: _PlanView, start: datetime) -> list[Interval]:
        """The working spans the session from ``start`` fits in: those of its
        local date, or of the day before when that one runs past midnight."""
        end = start + self.service.duration
        local_date = start.astimezone(view.plan.time_zone).date()
        return [
            span
            for day in (local_date - timedelta(days=1), local_date)
            for span in self.working_spans(view, day)
            if span.start <= start and end <= span.end
        ]

    def _on_step(self, span: Interval, start: datetime) -> bool:
        return not (start - span.start) % self.service.step

    # -- answers ----------------------------------------------------------

    def refusal(self, *, practitioner_id: int, start: datetime) -> tuple[Refusal | None, int | None]:
        """Why ``start`` cannot be booked with this practitioner, or ``None``
        and the location where it can."""
        views = [view for view in self._views if view.plan.practitioner_id == practitioner_id]
        if not views:
            return Refusal.NOT_WORKING, None
        on_grid = self.service.step is None
        if on_grid and not any(self.on_grid(start, view.plan.time_zone) for view in views):
            return Refusal.OFF_GRID, None
        if start < self.earliest:
            return Refusal.TOO_SOON, None
        if start > self.latest:
            return Refusal.TOO_FAR, None
        holding = [(view, self._spans_holding(view, start)) for view in views]
        working = [view for view, spans in holding if spans]
        if not working:
            return Refusal.NOT_WORKING, None
        if not on_grid:
            working = [view for view, spans in holding if any(self._on_step(span, start) for span in spans)]
            if not working:
                return Refusal.OFF_GRID, None
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

        ``refusal`` spells out the same rules one start at a time; the tests
        hold the two to each other."""
        slots: list[Slot] = []
        duration = self.service.duration
        # Colleagues often keep the same hours: their runs' starts are made once.
        made: dict[tuple[datetime, int, timedelta], tuple[list[datetime], list[datetime]]] = {}
        in_order, latest = True, None  # in_time_order, on the starts at hand
        for start, count, step, practitioner_id, location_id in self.free_runs(first_day, last_day):
            found = made.get((start, count, step))
            if found is None:
                # Built by C loops (accumulate, map, tuple.__new__): thousands of
                # slots then cost less than the queries that fetched their calendar.
                starts = list(accumulate(repeat(step, count - 1), operator.add, initial=start))
                found = made[start, count, step] = (starts, list(map(operator.add, starts, repeat(duration))))
            starts, ends = found
            fields = zip(starts, ends, repeat(practitioner_id), repeat(location_id))
            slots.extend(map(tuple.__new__, repeat(Slot), fields))
            if latest is not None and start < latest:
                in_order = False
            latest = starts[-1]
        if not in_order:
            # Stable, so equal starts keep the views' practitioner order.
            slots.sort(key=operator.itemgetter(0))
        return slots

    def free_runs(self, first_day: date, last_day: date) -> list[FreeRun]:
        """``free_slots`` as runs of evenly spaced starts: practitioner by
        practitioner (the order ``free_slots`` keeps for equal starts), each
        one's in time order. For a caller that writes thousands of slots out
        (the availability API) and need not make each one first.

        Rather than testing each grid point against every rule, this turns
        the busy time into the open intervals of starts it forbids and walks
        each working span once, jumping over them."""
        runs: list[FreeRun] = []
        # Colleagues often keep the same hours: their wall-clock conversions
        # and offset changes are computed once.
        instants: dict[tuple[date, int, ZoneInfo], datetime] = {}
        changes: dict[tuple[datetime, datetime, ZoneInfo], list[datetime]] = {}

        def instant(day: date, seconds: int, tz: ZoneInfo) -> datetime:
            key = (day, seconds, tz)
            found = instants.get(key)
            if found is None:
                found = instants[key] = _wall_instant(day, seconds, tz)
            return found

        grid, step = self.rules.grid, self.service.step
        for view in self._views:
            forbidden = self._forbidden_starts(view)
            if forbidden is None:
                continue
            tz = view.plan.time_zone
            day = first_day
            own, reach, overlapping = len(runs), None, False
            while day <= last_day:
                for low, high in view.hours(day):
                    start, end = instant(day, low, tz), instant(day, high, tz)
                    # A night's hours can reach into the next day's (22:00-03:00,
                    # then 01:00-05:00): the same starts would be found twice.
                    overlapping = overlapping or (reach is not None and start < reach)
                    reach = end if reach is None else max(reach, end)
                    if step is not None:
                        self._walk_span(view, start, end, end, step, forbidden, runs)
                        continue
                    # On the wall clock's grid. A change of offset that is not
                    # a whole number of grid steps (Lord Howe moves by 30
                    # minutes) shifts the grid, so each stretch between
                    # changes finds its own first grid point on the wall clock.
                    key = (start, end, tz)
                    if key not in changes:
                        changes[key] = offset_changes(start, end, tz)
                    bounds = [start, *changes[key], end]
                    for stretch_start, stretch_end in zip(bounds, bounds[1:]):
                        first = stretch_start + _lead(stretch_start.astimezone(tz).time(), grid)
                        self._walk_span(view, first, stretch_end, end, grid, forbidden, runs)
                day += timedelta(days=1)
            if overlapping and len(runs) > own:
                runs[own:] = _each_start_once(runs[own:])
        return runs

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
        before: datetime,
        span_end: datetime,
        step: timedelta,
        forbidden: tuple[list[datetime], list[datetime]],
        runs: list[FreeRun],
    ) -> None:
        """Add the runs of free starts from ``first`` on, every ``step``,
        that start before ``before`` and end by ``span_end``."""
        practitioner_id, location_id = view.plan.practitioner_id, view.plan.location_id
        lows, highs = forbidden
        count = len(lows)
        start = _next_step_at_or_after(self.earliest, first, step)
        last = min(span_end - self.service.duration, self.latest, before - _TICK)
        cursor = bisect_right(highs, start)
        while start <= last:
            while cursor < count and highs[cursor] <= start:
                cursor += 1
            if cursor < count and lows[cursor] < start:
                start = _next_step_at_or_after(highs[cursor], start, step)
                continue
            # Every step up to the next forbidden interval is free.
            until = min(last, lows[cursor]) if cursor < count else last
            steps = (until - start) // step + 1
            runs.append(tuple.__new__(FreeRun, (start, steps, step, practitioner_id, location_id)))
            start += steps * step


def _each_start_once(runs: list[FreeRun]) -> list[FreeRun]:
    """One practitioner's runs at one location (one step), whose spans
    overlap: their starts in order, each once, as runs again."""
    step, practitioner_id, location_id = runs[0].step, runs[0].practitioner_id, runs[0].location_id
    starts = sorted({
        start for run in runs for start in accumulate(repeat(step, run.count - 1), operator.add, initial=run.start)
    })
    regrouped: list[FreeRun] = []
    for start in starts:
        if regrouped and regrouped[-1].start + regrouped[-1].count * step == start:
            regrouped[-1] = regrouped[-1]._replace(count=regrouped[-1].count + 1)
        else:
            regrouped.append(FreeRun(start, 1, step, practitioner_id, location_id))
    return regrouped


def in_time_order(runs: Sequence[FreeRun]) -> bool:
    """Whether the runs' starts, one after the other, never go back: one
    practitioner's usually do, several practitioners' never."""
    return all(
        earlier.start + (earlier.count - 1) * earlier.step <= later.start for earlier, later in zip(runs, runs[1:])
    )


def _next_step_at_or_after(instant: datetime, aligned: datetime, step: timedelta) -> datetime:
    """The first of ``aligned``, ``aligned + step``, ... not before ``instant``."""
    if instant <= aligned:
        return aligned
    return aligned + -((aligned - instant) // step) * step


# -- working time, for the reports -------------------------------------------


def working_intervals(plan: WorkPlan, first_day: date, last_day: date) -> list[Interval]:
    """The plan's working spans that begin on each local date from
    ``first_day`` to ``last_day`` (inclusive), in UTC, by the same rules the
    engine books by: weekly hours, or a date's own hours (added or
    replacing), a span past midnight kept with the day it starts on,
    touching spans joined, each span turned into instants on its own date,
    so a change of clocks makes that day's span shorter or longer. What the
    reports count as working time and the staff calendar shades."""
    weekly = _weekly_hours(plan)
    dated = _dated_hours(plan, weekly)
    tz = plan.time_zone
    spans = []
    day = first_day
    while day <= last_day:
        for low, high in dated.get(day, weekly[day.weekday()]):
            spans.append(Interval(_wall_instant(day, low, tz), _wall_instant(day, high, tz)))
        day += timedelta(days=1)
    return spans


def closed_intervals(closures: Iterable[tuple[date, date]], tz: ZoneInfo) -> list[Interval]:
    """Closures (inclusive local dates) as the instants they cover."""
    return [Interval(local_day(first, tz).start, local_day(last, tz).end) for first, last in closures]


def time_outside(spans: Iterable[Interval], away: Iterable[Interval]) -> timedelta:
    """How much of ``spans`` lies outside every interval of ``away``; time
    covered twice (overlapping spans) counts once."""
    kept, gone = _Timeline(spans), _Timeline(away)
    total = timedelta()
    for start, end in zip(kept.starts, kept.ends, strict=True):
        total += end - start
        # Both are merged and sorted: the first away interval that ends
        # after this span starts, then each one that meets the span.
        index = bisect_right(gone.ends, start)
        while index < len(gone.starts) and gone.starts[index] < end:
            total -= min(end, gone.ends[index]) - max(start, gone.starts[index])
            index += 1
    return total
