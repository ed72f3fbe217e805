"""The availability engine, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookings.availability import (
    Calendar,
    Engine,
    Interval,
    Refusal,
    Rules,
    ServiceSpec,
    WeeklySpan,
    WorkPlan,
    local_instant,
)

KOLKATA = ZoneInfo("Asia/Kolkata")
LONDON = ZoneInfo("Europe/London")
MONDAY = date(2026, 12, 7)
HOUR = timedelta(hours=1)
MIN = timedelta(minutes=1)
MASSAGE = ServiceSpec(duration=60 * MIN)
RELAXED = Rules(min_notice=timedelta(0), horizon=timedelta(days=365))


def at(day: date, hh: int, mm: int = 0, tz: ZoneInfo = KOLKATA) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=tz)


def plan(practitioner_id: int = 1, tz: ZoneInfo = KOLKATA, spans=None, location_id: int = 1) -> WorkPlan:
    if spans is None:
        spans = [WeeklySpan(day, time(9), time(13)) for day in range(6)]
        spans += [WeeklySpan(day, time(14), time(19)) for day in range(6)]
    return WorkPlan(practitioner_id, location_id, tz, tuple(spans))


def engine(calendar: Calendar, service: ServiceSpec = MASSAGE, now: datetime | None = None, rules=RELAXED) -> Engine:
    return Engine(calendar=calendar, service=service, now=now or at(MONDAY, 0), rules=rules)


def local_starts(slots, tz=KOLKATA) -> list[str]:
    return [slot.start.astimezone(tz).strftime("%H:%M") for slot in slots]


def quarter_hours(first: str, last: str) -> list[str]:
    start = datetime.strptime(first, "%H:%M")
    end = datetime.strptime(last, "%H:%M")
    out = []
    while start <= end:
        out.append(start.strftime("%H:%M"))
        start += 15 * MIN
    return out


class TestWorkingHours:
    def test_two_spans_with_a_lunch_break(self):
        slots = engine(Calendar(plans=[plan()])).free_slots(MONDAY, MONDAY)
        assert local_starts(slots) == quarter_hours("09:00", "12:00") + quarter_hours("14:00", "18:00")
        assert all(slot.end - slot.start == HOUR for slot in slots)

    def test_nothing_on_a_day_off(self):
        sunday = MONDAY - timedelta(days=1)
        e = engine(Calendar(plans=[plan()]), now=at(sunday, 0))
        assert e.free_slots(sunday, sunday) == []
        assert e.refusal(practitioner_id=1, start=at(sunday, 10)) == (Refusal.NOT_WORKING, None)

    def test_a_session_may_not_run_into_the_break(self):
        e = engine(Calendar(plans=[plan()]))
        assert e.refusal(practitioner_id=1, start=at(MONDAY, 12, 15))[0] == Refusal.NOT_WORKING
        assert e.refusal(practitioner_id=1, start=at(MONDAY, 12)) == (None, 1)

    def test_slots_are_returned_in_utc(self):
        slot = engine(Calendar(plans=[plan()])).free_slots(MONDAY, MONDAY)[0]
        assert slot.start.astimezone(UTC) == datetime(2026, 12, 7, 3, 30, tzinfo=UTC)


class TestBusyTime:
    def test_buffers_of_both_appointments_are_kept_free(self):
        existing = Interval(at(MONDAY, 10), at(MONDAY, 11, 15))  # 60 min + 15 buffer
        service = ServiceSpec(duration=60 * MIN, buffer=15 * MIN)
        e = engine(Calendar(plans=[plan()], appointments={1: [existing]}), service=service)
        starts = local_starts(e.free_slots(MONDAY, MONDAY))
        assert "09:00" not in starts  # its own buffer would run into 10:00
        assert "11:00" not in starts
        assert starts[0] == "11:15"
        assert e.refusal(practitioner_id=1, start=at(MONDAY, 9))[0] == Refusal.TAKEN

    def test_the_last_session_may_clean_up_after_hours(self):
        service = ServiceSpec(duration=60 * MIN, buffer=15 * MIN)
        starts = local_starts(engine(Calendar(plans=[plan()]), service=service).free_slots(MONDAY, MONDAY))
        assert starts[-1] == "18:00"

    def test_time_off_blocks_its_span(self):
        away = Interval(at(MONDAY, 15), at(MONDAY, 17))
        e = engine(Calendar(plans=[plan()], time_off={1: [away]}))
        starts = local_starts(e.free_slots(MONDAY, MONDAY))
        assert "14:00" in starts and "14:15" not in starts and "16:45" not in starts and "17:00" in starts
        assert e.refusal(practitioner_id=1, start=at(MONDAY, 16))[0] == Refusal.TIME_OFF

    def test_a_closure_empties_whole_local_days(self):
        e = engine(Calendar(plans=[plan()], closures={1: [(MONDAY, MONDAY + timedelta(days=1))]}))
        assert e.free_slots(MONDAY, MONDAY + timedelta(days=1)) == []
        assert local_starts(e.free_slots(MONDAY + timedelta(days=2), MONDAY + timedelta(days=2)))[0] == "09:00"
        assert e.refusal(practitioner_id=1, start=at(MONDAY, 10))[0] == Refusal.CLOSED

    def test_another_practitioners_appointment_does_not_block(self):
        busy = Interval(at(MONDAY, 9), at(MONDAY, 19))
        e = engine(Calendar(plans=[plan(1), plan(2)], appointments={2: [busy]}))
        assert {slot.practitioner_id for slot in e.free_slots(MONDAY, MONDAY)} == {1}


class TestNoticeHorizonGrid:
    def test_minimum_notice(self):
        rules = Rules(min_notice=2 * HOUR, horizon=timedelta(days=60))
        e = engine(Calendar(plans=[plan()]), now=at(MONDAY, 8, 20), rules=rules)
        assert local_starts(e.free_slots(MONDAY, MONDAY))[0] == "10:30"
        assert e.refusal(practitioner_id=1, start=at(MONDAY, 10, 15))[0] == Refusal.TOO_SOON

    def test_horizon(self):
        rules = Rules(min_notice=timedelta(0), horizon=timedelta(days=1))
        e = engine(Calendar(plans=[plan()]), now=at(MONDAY, 12), rules=rules)
        slots = e.free_slots(MONDAY, MONDAY + timedelta(days=5))
        assert max(slot.start for slot in slots) == at(MONDAY + timedelta(days=1), 12)
        assert e.refusal(practitioner_id=1, start=at(MONDAY + timedelta(days=2), 10))[0] == Refusal.TOO_FAR

    def test_half_hour_grid(self):
        rules = Rules(grid=30 * MIN, min_notice=timedelta(0), horizon=timedelta(days=9))
        starts = local_starts(engine(Calendar(plans=[plan()]), rules=rules).free_slots(MONDAY, MONDAY))
        assert starts[:3] == ["09:00", "09:30", "10:00"]
        assert all(s.endswith((":00", ":30")) for s in starts)

    def test_spans_off_the_grid_start_at_the_next_grid_point(self):
        odd = plan(spans=[WeeklySpan(0, time(9, 10), time(11))])
        assert local_starts(engine(Calendar(plans=[odd])).free_slots(MONDAY, MONDAY)) == ["09:15", "09:30", "09:45", "10:00"]

    def test_off_grid_start_is_refused(self):
        e = engine(Calendar(plans=[plan()]))
        assert e.refusal(practitioner_id=1, start=at(MONDAY, 9, 10))[0] == Refusal.OFF_GRID
        assert e.refusal(practitioner_id=1, start=at(MONDAY, 9, 15) + timedelta(seconds=1))[0] == Refusal.OFF_GRID

    @pytest.mark.parametrize("minutes", [0, 7, 45, 90])
    def test_grid_must_divide_an_hour(self, minutes):
        with pytest.raises(ValueError):
            Rules(grid=minutes * MIN)

    def test_naive_now_is_refused(self):
        with pytest.raises(ValueError):
            Engine(calendar=Calendar(plans=[]), service=MASSAGE, now=datetime(2026, 1, 1))


class TestAnyPractitionerAndRooms:
    def test_any_practitioner_merges_by_time(self):
        late = plan(2, spans=[WeeklySpan(0, time(10), time(12))])
        slots = engine(Calendar(plans=[plan(1), late])).free_slots(MONDAY, MONDAY)
        at_ten = [slot.practitioner_id for slot in slots if slot.start == at(MONDAY, 10)]
        assert at_ten == [1, 2]
        assert [s.start for s in slots] == sorted(s.start for s in slots)

    def test_unknown_practitioner_is_not_working(self):
        assert engine(Calendar(plans=[plan()])).refusal(practitioner_id=9, start=at(MONDAY, 10))[0] == Refusal.NOT_WORKING

    def test_a_room_service_needs_a_free_room(self):
        service = ServiceSpec(duration=60 * MIN, needs_room=True)
        room_busy = {7: [Interval(at(MONDAY, 9), at(MONDAY, 12))]}
        e = engine(Calendar(plans=[plan()], rooms={1: room_busy}), service=service)
        starts = local_starts(e.free_slots(MONDAY, MONDAY))
        assert starts[0] == "12:00"
        assert e.refusal(practitioner_id=1, start=at(MONDAY, 10))[0] == Refusal.NO_ROOM

    def test_a_second_room_frees_the_slot(self):
        service = ServiceSpec(duration=60 * MIN, needs_room=True)
        rooms = {7: [Interval(at(MONDAY, 9), at(MONDAY, 12))], 8: []}
        e = engine(Calendar(plans=[plan()], rooms={1: rooms}), service=service)
        assert local_starts(e.free_slots(MONDAY, MONDAY))[0] == "09:00"

    @pytest.mark.parametrize("busy_room", [7, 8])
    def test_either_room_being_free_is_enough(self, busy_room):
        service = ServiceSpec(duration=60 * MIN, needs_room=True)
        rooms = {7: [], 8: [], busy_room: [Interval(at(MONDAY, 9), at(MONDAY, 12))]}
        e = engine(Calendar(plans=[plan()], rooms={1: rooms}), service=service)
        assert local_starts(e.free_slots(MONDAY, MONDAY))[0] == "09:00"
        assert e.free_rooms(location_id=1, start=at(MONDAY, 9)) == [15 - busy_room]

    def test_a_location_without_rooms_cannot_host_a_room_service(self):
        e = engine(Calendar(plans=[plan()]), service=ServiceSpec(duration=60 * MIN, needs_room=True))
        assert e.free_slots(MONDAY, MONDAY) == []


class TestDaylightSaving:
    SPRING = date(2027, 3, 28)  # clocks go 01:00 -> 02:00 in London
    AUTUMN = date(2027, 10, 31)  # clocks go 02:00 -> 01:00 in London

    def night_plan(self):
        return plan(tz=LONDON, spans=[WeeklySpan(6, time(0, 30), time(3, 30)), WeeklySpan(6, time(9), time(10))])

    def test_spring_forward_shortens_the_span(self):
        e = engine(Calendar(plans=[self.night_plan()]), now=datetime(2027, 3, 27, tzinfo=UTC))
        slots = [s for s in e.free_slots(self.SPRING, self.SPRING) if s.start.hour < 5]
        assert local_starts(slots, LONDON) == ["00:30", "00:45", "02:00", "02:15", "02:30"]
        assert slots[2].start == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)

    def test_fall_back_lengthens_the_span(self):
        e = engine(Calendar(plans=[self.night_plan()]), now=datetime(2027, 10, 30, tzinfo=UTC))
        slots = [s for s in e.free_slots(self.AUTUMN, self.AUTUMN) if s.start.astimezone(LONDON).hour < 5]
        assert len(slots) == 13  # three wall-clock hours lasting four
        assert slots[0].start == datetime(2027, 10, 30, 23, 30, tzinfo=UTC)
        assert slots[-1].start == datetime(2027, 10, 31, 2, 30, tzinfo=UTC)
        assert len({s.start for s in slots}) == 13

    def test_daytime_hours_follow_the_offset(self):
        e = engine(Calendar(plans=[self.night_plan()]), now=datetime(2027, 3, 20, tzinfo=UTC))
        before = [s for s in e.free_slots(self.SPRING - timedelta(days=7), self.SPRING - timedelta(days=7)) if s.start.hour >= 5]
        after = [s for s in e.free_slots(self.SPRING, self.SPRING) if s.start.hour >= 5]
        assert before[0].start.astimezone(UTC).hour == 9  # GMT
        assert after[0].start.astimezone(UTC).hour == 8  # BST
        assert local_starts(before, LONDON) == local_starts(after, LONDON) == ["09:00"]

    def test_a_skipped_wall_time_resolves_after_the_gap(self):
        assert local_instant(self.SPRING, time(1, 30), LONDON) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
        assert local_instant(self.AUTUMN, time(1, 30), LONDON) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)

    def test_kolkata_has_no_change(self):
        days = [date(2027, 3, 28 + offset) for offset in range(3)]
        e = engine(Calendar(plans=[plan()]), now=datetime(2027, 3, 1, tzinfo=UTC))
        firsts = [e.free_slots(day, day)[0].start.astimezone(UTC).time() for day in days if day.weekday() < 6]
        assert set(firsts) == {time(3, 30)}


# -- properties ----------------------------------------------------------

BASE = datetime(2027, 3, 22, tzinfo=UTC)  # a Monday; the week holds London's spring change
ZONES = [KOLKATA, LONDON, ZoneInfo("America/New_York")]


def _clock(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def _minutes(clock: time) -> int:
    return clock.hour * 60 + clock.minute


def _week(draw) -> list[WeeklySpan]:
    spans = []
    for weekday in range(7):
        # Up to three separate spans a day, as the schedule model allows.
        edges = sorted(set(draw(st.lists(st.integers(0, 24 * 4 - 1), max_size=6))))
        for start, end in zip(edges[::2], edges[1::2]):
            spans.append(WeeklySpan(weekday, _clock(start * 15), _clock(end * 15)))
    return spans


@st.composite
def scenarios(draw):
    tz = draw(st.sampled_from(ZONES))
    first_week = _week(draw)
    # A colleague with the same hours (the engine shares work between them)
    # or hours of their own.
    second_week = first_week if draw(st.booleans()) else _week(draw)

    def intervals(max_size):
        return draw(st.lists(
            st.tuples(st.integers(0, 8 * 24 * 12), st.integers(1, 48)).map(
                lambda p: Interval(BASE + p[0] * 5 * MIN, BASE + (p[0] + p[1]) * 5 * MIN)
            ),
            max_size=max_size,
        ))

    needs_room = draw(st.booleans())
    service = ServiceSpec(
        duration=draw(st.sampled_from([30, 45, 60, 90])) * MIN,
        buffer=draw(st.sampled_from([0, 10, 15])) * MIN,
        needs_room=needs_room,
    )
    rules = Rules(
        grid=draw(st.sampled_from([5, 10, 15, 30])) * MIN,
        min_notice=draw(st.integers(0, 48)) * HOUR,
        horizon=draw(st.integers(1, 10)) * timedelta(days=1),
    )
    closure_day = draw(st.none() | st.integers(0, 6))
    rooms = {1: {room: intervals(25) for room in range(draw(st.integers(1, 3)))}} if needs_room else {}
    calendar = Calendar(
        plans=[WorkPlan(1, 1, tz, tuple(first_week)), WorkPlan(2, 1, tz, tuple(second_week))],
        appointments={1: intervals(15), 2: intervals(15)},
        time_off={1: intervals(3), 2: intervals(3)},
        closures={1: [] if closure_day is None else [(BASE.date() + timedelta(days=closure_day),) * 2]},
        rooms=rooms,
    )
    now = BASE + draw(st.integers(-24, 72)) * HOUR
    return calendar, service, rules, now


def overlaps(a_start, a_end, b: Interval) -> bool:
    return a_start < b.end and b.start < a_end


def oracle(calendar: Calendar, service: ServiceSpec, rules: Rules, now: datetime, first: date, last: date):
    """The rules spelled out naively, grid point by grid point."""
    expected = set()
    for work in calendar.plans:
        who = work.practitioner_id
        tz = work.time_zone
        day = first
        while day <= last:
            midnight = local_instant(day, time(0), tz)
            next_midnight = local_instant(day + timedelta(days=1), time(0), tz)
            t = midnight
            while t < next_midnight:
                local = t.astimezone(tz)
                on_grid = (local.hour * 60 + local.minute) % int(rules.grid / MIN) == 0
                end = t + service.duration
                held = end + service.buffer
                inside = any(
                    span.weekday == day.weekday()
                    and local_instant(day, span.start, tz) <= t
                    and end <= local_instant(day, span.end, tz)
                    for span in work.spans
                )
                closed = any(
                    overlaps(t, end, Interval(local_instant(a, time(0), tz), local_instant(b + timedelta(days=1), time(0), tz)))
                    for a, b in calendar.closures[1]
                )
                room_free = not service.needs_room or any(
                    not any(overlaps(t, held, busy) for busy in room)
                    for room in calendar.rooms[1].values()
                )
                free = (
                    on_grid
                    and inside
                    and not closed
                    and room_free
                    and now + rules.min_notice <= t <= now + rules.horizon
                    and not any(overlaps(t, end, i) for i in calendar.time_off[who])
                    and not any(overlaps(t, held, i) for i in calendar.appointments[who])
                )
                if free:
                    expected.add((t, who))
                t += 5 * MIN
            day += timedelta(days=1)
    return expected


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_slots_are_exactly_the_free_grid_points(scenario):
    calendar, service, rules, now = scenario
    e = Engine(calendar=calendar, service=service, now=now, rules=rules)
    first, last = BASE.date(), BASE.date() + timedelta(days=6)
    slots = e.free_slots(first, last)
    keys = [(slot.start, slot.practitioner_id) for slot in slots]
    assert keys == sorted(keys)
    assert len(keys) == len(set(keys))
    for slot in slots:
        who = slot.practitioner_id
        held = slot.end + service.buffer
        assert slot.end - slot.start == service.duration
        assert not any(overlaps(slot.start, held, busy) for busy in calendar.appointments[who])
        assert not any(overlaps(slot.start, slot.end, away) for away in calendar.time_off[who])
        assert e.refusal(practitioner_id=who, start=slot.start) == (None, 1)
        if service.needs_room:
            room = next(iter(e.free_rooms(location_id=1, start=slot.start)), None)
            assert room is not None
            assert not any(overlaps(slot.start, held, busy) for busy in calendar.rooms[1][room])
    assert set(keys) == oracle(calendar, service, rules, now, first, last)
