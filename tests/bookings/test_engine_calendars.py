"""The engine, second pass: every zone's clock, hours that reach or cross
midnight, hours for one date, and starts back to back.

The property test holds listing and booking to one definition of a valid
start in zones whose offsets are half or three quarters of an hour and whose
clocks move by 30 minutes (Lord Howe), across every change of 2026.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookings.availability import (
    Calendar,
    DatedSpan,
    Engine,
    Interval,
    Refusal,
    Rules,
    ServiceSpec,
    WeeklySpan,
    WorkPlan,
    local_day,
)

MIN = timedelta(minutes=1)
ZONES = ["Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kathmandu", "Asia/Kolkata", "Europe/London",
         "America/New_York"]
GRIDS = [10, 15, 20, 30, 60]
NOW = datetime(2025, 12, 1, tzinfo=UTC)
OPEN = dict(min_notice=timedelta(0), horizon=timedelta(days=800))


def offset_change_days(zone: ZoneInfo, year: int = 2026) -> list[date]:
    days = []
    day = date(year, 1, 1)
    while day.year == year:
        if local_day(day, zone).end - local_day(day, zone).start != timedelta(days=1):
            days.append(day)
        day += timedelta(days=1)
    return days


CHANGE_DAYS = {name: offset_change_days(ZoneInfo(name)) for name in ZONES}


def every_day(start: time, end: time) -> tuple[WeeklySpan, ...]:
    return tuple(WeeklySpan(weekday, start, end) for weekday in range(7))


def engine(spans, zone, *, grid=15, service=ServiceSpec(duration=60 * MIN), dated=(), calendar_extra=None):
    calendar = Calendar(plans=[WorkPlan(1, 1, zone, tuple(spans), tuple(dated))], **(calendar_extra or {}))
    return Engine(calendar=calendar, service=service, now=NOW, rules=Rules(grid=grid * MIN, **OPEN))


def accepted(eng: Engine, first: datetime, last: datetime) -> set[datetime]:
    """Every start ``refusal`` accepts from ``first`` to ``last``, tried
    every five minutes (all grids, offsets and steps here are multiples)."""
    found, moment = set(), first
    while moment < last:
        if eng.refusal(practitioner_id=1, start=moment)[0] is None:
            found.add(moment)
        moment += 5 * MIN
    return found


@st.composite
def clocks(draw):
    name = draw(st.sampled_from(ZONES))
    zone = ZoneInfo(name)
    day = draw(st.sampled_from(CHANGE_DAYS[name] or [date(2026, 3, 29)]))
    grid = draw(st.sampled_from(GRIDS))
    opening = draw(st.sampled_from([time(0), time(0, 30), time(1), time(1, 45), time(2), time(2, 30), time(8)]))
    closing = draw(st.sampled_from([time(4), time(5, 15), time(12), time(23, 30), time(0)]))  # 00:00 = midnight
    minutes = draw(st.sampled_from([15, 30, 45, 60, 90]))
    step = draw(st.sampled_from([None, None, 20, 45, 75, 105]))
    service = ServiceSpec(duration=minutes * MIN, step=step * MIN if step else None)
    return name, zone, day, grid, opening, closing, service


@settings(max_examples=120, deadline=None)
@given(clocks())
def test_listing_and_booking_agree_in_every_zone(clock):
    name, zone, day, grid, opening, closing, service = clock
    if closing != time(0) and closing <= opening:
        closing = time(0)
    eng = engine(every_day(opening, closing), zone, grid=grid, service=service)
    first_day, last_day = day - timedelta(days=1), day + timedelta(days=1)
    listed = {slot.start for slot in eng.free_slots(first_day, last_day)}
    window = accepted(eng, local_day(first_day, zone).start, local_day(last_day, zone).end)
    assert listed == window, (name, day, grid, opening, closing, service, sorted(listed ^ window)[:4])


def test_lord_howe_spring_change_on_an_hour_grid():
    """The case that disagreed: on 2026-10-04 Lord Howe's clocks go from
    02:00 to 02:30. Listed starts are whole hours of the wall clock."""
    zone = ZoneInfo("Australia/Lord_Howe")
    eng = engine(every_day(time(0), time(6)), zone, grid=60)
    starts = [slot.start.astimezone(zone).strftime("%H:%M") for slot in eng.free_slots(date(2026, 10, 4),
                                                                                         date(2026, 10, 4))]
    assert starts == ["00:00", "01:00", "03:00", "04:00", "05:00"]


class TestMidnight:
    def test_hours_may_end_at_midnight(self):
        zone = ZoneInfo("Asia/Kolkata")
        eng = engine(every_day(time(20), time(0)), zone, grid=60)
        starts = [s.start.astimezone(zone).strftime("%H:%M") for s in eng.free_slots(date(2026, 12, 8),
                                                                                      date(2026, 12, 8))]
        assert starts == ["20:00", "21:00", "22:00", "23:00"]

    def test_a_shift_past_midnight_belongs_to_the_day_it_starts_on(self):
        zone = ZoneInfo("Asia/Kolkata")
        tuesday = date(2026, 12, 8)
        eng = engine([WeeklySpan(tuesday.weekday(), time(22), time(2))], zone, grid=60)
        slots = eng.free_slots(tuesday, tuesday)
        assert [s.start.astimezone(zone).strftime("%a %H:%M") for s in slots] == [
            "Tue 22:00", "Tue 23:00", "Wed 00:00", "Wed 01:00"]
        assert eng.free_slots(tuesday + timedelta(days=1), tuesday + timedelta(days=1)) == []
        wednesday_one = datetime(2026, 12, 9, 1, tzinfo=zone)
        assert eng.refusal(practitioner_id=1, start=wednesday_one) == (None, 1)
        assert eng.refusal(practitioner_id=1, start=wednesday_one + 60 * MIN)[0] is Refusal.NOT_WORKING

    def test_a_session_across_midnight_inside_the_shift(self):
        zone = ZoneInfo("Europe/London")
        eng = engine(every_day(time(22), time(2)), zone, grid=30, service=ServiceSpec(duration=90 * MIN))
        assert eng.refusal(practitioner_id=1, start=datetime(2026, 12, 8, 23, 30, tzinfo=zone)) == (None, 1)

    def test_a_booking_after_midnight_blocks_the_slots_around_it(self):
        zone = ZoneInfo("Asia/Kolkata")
        booked = datetime(2026, 12, 9, 0, 30, tzinfo=zone)
        eng = engine(every_day(time(22), time(2)), zone, grid=30, calendar_extra={
            "appointments": {1: [Interval(booked, booked + 60 * MIN)]}})
        starts = {s.start.astimezone(zone).strftime("%d %H:%M") for s in eng.free_slots(date(2026, 12, 8),
                                                                                          date(2026, 12, 8))}
        assert starts == {"08 22:00", "08 22:30", "08 23:00", "08 23:30"}


class TestHoursForADate:
    zone = ZoneInfo("Asia/Kolkata")
    sunday = date(2026, 12, 13)
    friday = date(2026, 12, 11)

    def starts(self, eng, day):
        return [s.start.astimezone(self.zone).strftime("%H:%M") for s in eng.free_slots(day, day)]

    def weekdays(self):
        return [WeeklySpan(weekday, time(9), time(12)) for weekday in range(6)]  # Sundays closed

    def test_an_extra_sunday_for_a_camp(self):
        eng = engine(self.weekdays(), self.zone, grid=60, dated=[DatedSpan(self.sunday, time(10), time(13))])
        assert self.starts(eng, self.sunday) == ["10:00", "11:00", "12:00"]
        assert self.starts(eng, self.sunday + timedelta(days=7)) == []

    def test_a_late_evening_added_before_a_festival(self):
        eng = engine(self.weekdays(), self.zone, grid=60, dated=[DatedSpan(self.friday, time(18), time(21))])
        assert self.starts(eng, self.friday) == ["09:00", "10:00", "11:00", "18:00", "19:00", "20:00"]

    def test_a_shortened_day_replaces_the_weekly_hours(self):
        eng = engine(self.weekdays(), self.zone, grid=60,
                     dated=[DatedSpan(self.friday, time(9), time(10), replaces=True)])
        assert self.starts(eng, self.friday) == ["09:00"]
        assert eng.refusal(practitioner_id=1, start=datetime(2026, 12, 11, 10, tzinfo=self.zone))[0] is (
            Refusal.NOT_WORKING)
        assert self.starts(eng, self.friday - timedelta(days=1)) == ["09:00", "10:00", "11:00"]


class TestBackToBack:
    zone = ZoneInfo("Asia/Kolkata")
    tuesday = date(2026, 12, 8)

    def test_ninety_minute_sessions_back_to_back_from_the_start_of_the_shift(self):
        service = ServiceSpec(duration=75 * MIN, buffer=15 * MIN, step=90 * MIN)
        eng = engine(every_day(time(10), time(16)), self.zone, service=service)
        starts = [s.start.astimezone(self.zone).strftime("%H:%M") for s in eng.free_slots(self.tuesday,
                                                                                          self.tuesday)]
        assert starts == ["10:00", "11:30", "13:00", "14:30"]
        assert eng.refusal(practitioner_id=1, start=datetime(2026, 12, 8, 10, 15, tzinfo=self.zone))[0] is (
            Refusal.OFF_GRID)

    def test_a_booking_pushes_the_next_start_to_the_following_step(self):
        booked = datetime(2026, 12, 8, 11, 30, tzinfo=self.zone)
        service = ServiceSpec(duration=45 * MIN, step=45 * MIN)
        eng = engine(every_day(time(10), time(14)), self.zone, service=service, calendar_extra={
            "appointments": {1: [Interval(booked, booked + 45 * MIN)]}})
        starts = [s.start.astimezone(self.zone).strftime("%H:%M") for s in eng.free_slots(self.tuesday,
                                                                                          self.tuesday)]
        assert starts == ["10:00", "10:45", "12:15", "13:00"]

    @pytest.mark.parametrize("minutes", [4, 241])
    def test_steps_run_from_five_minutes_to_four_hours(self, minutes):
        with pytest.raises(ValueError):
            ServiceSpec(duration=60 * MIN, step=minutes * MIN)

    def test_back_to_back_across_a_daylight_saving_change_counts_real_time(self):
        zone = ZoneInfo("Europe/London")
        service = ServiceSpec(duration=60 * MIN, step=60 * MIN)
        eng = engine(every_day(time(0), time(5)), zone, grid=60, service=service)
        starts = [s.start.astimezone(zone).strftime("%H:%M") for s in eng.free_slots(date(2026, 3, 29),
                                                                                      date(2026, 3, 29))]
        # 00:00-05:00 on the wall clock is four real hours that night.
        assert starts == ["00:00", "02:00", "03:00", "04:00"]
