"""The availability answer written from the engine's runs (``slots_json``)
is, byte for byte, what the JSON renderer writes for ``free_slots``'s
slots with each time through ``local_iso``: in zones with half- and
three-quarter-hour offsets and 30-minute clock changes, on the days the
clocks change, for hours that reach or cross midnight, back-to-back starts,
busy time, and several practitioners across two locations."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.renderers import JSONRenderer

from bookings.api import local_iso, slots_json
from bookings.availability import (
    Calendar,
    Engine,
    FreeRun,
    Interval,
    Rules,
    ServiceSpec,
    Slot,
    WeeklySpan,
    WorkPlan,
    in_time_order,
)

MIN = timedelta(minutes=1)
ZONES = ["Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kathmandu", "Asia/Kolkata", "Europe/London",
         "America/New_York", "Africa/Casablanca"]
# Around a change of each zone's offset in 2026 (none in Kolkata or Kathmandu).
DAYS = [date(2026, 3, 29), date(2026, 4, 5), date(2026, 10, 4), date(2026, 9, 27), date(2026, 11, 1),
        date(2026, 2, 15), date(2026, 12, 8)]
NOW = datetime(2026, 1, 1, tzinfo=UTC)
OPEN = dict(min_notice=timedelta(0), horizon=timedelta(days=800))


def rendered(slots: list[Slot], zones: dict[int, ZoneInfo]) -> str:
    """The oracle: the answer as the serializer path wrote it."""
    rows = [
        {"start": local_iso(slot.start, zones[slot.location_id]), "end": local_iso(slot.end, zones[slot.location_id]),
         "practitioner": slot.practitioner_id, "location": slot.location_id}
        for slot in slots
    ]
    return JSONRenderer().render({"slots": rows}).decode()


def answer(engine: Engine, zones, first_day: date, last_day: date) -> tuple[str, str]:
    """What ``slots_json`` writes of the engine's runs, and the oracle's text of its slots."""
    written = slots_json(engine.free_runs(first_day, last_day), zones, engine.service.duration)
    return written, rendered(engine.free_slots(first_day, last_day), zones)


def open_engine(*plans: WorkPlan, duration: timedelta = 60 * MIN, step: timedelta | None = None,
                grid: int = 15) -> Engine:
    """The engine over ``plans`` with no notice and a long horizon."""
    return Engine(calendar=Calendar(plans=list(plans)), service=ServiceSpec(duration=duration, step=step), now=NOW,
                  rules=Rules(grid=grid * MIN, **OPEN))


def every_day(start: time, end: time) -> tuple[WeeklySpan, ...]:
    return tuple(WeeklySpan(weekday, start, end) for weekday in range(7))


def clock(minutes: int) -> time:
    return time(minutes // 60 % 24, minutes % 60)


@st.composite
def weeks(draw):
    """A week of spans, some past midnight (an end not after the start) or
    to midnight (00:00), some on odd minutes."""
    spans = []
    for weekday in range(7):
        if draw(st.booleans()):
            start = draw(st.sampled_from([0, 30, 45, 90, 120, 150, 480, 545, 600, 1260, 1320, 1410]))
            length = draw(st.sampled_from([60, 135, 240, 300, 1440 - start if start else 720]))
            spans.append(WeeklySpan(weekday, clock(start), clock(start + length)))
    return spans


@st.composite
def calendars(draw):
    first_zone, second_zone = draw(st.sampled_from(ZONES)), draw(st.sampled_from(ZONES))
    zones = {1: ZoneInfo(first_zone), 2: ZoneInfo(second_zone)}
    plans, appointments = [], {}
    day = draw(st.sampled_from(DAYS))
    base = datetime.combine(day - timedelta(days=1), time(0), tzinfo=UTC)
    for practitioner_id in range(1, draw(st.integers(1, 3)) + 1):
        week = draw(weeks())
        for location_id in draw(st.sampled_from([[1], [2], [1, 2]])):
            plans.append(WorkPlan(practitioner_id, location_id, zones[location_id], tuple(week)))
        appointments[practitioner_id] = [
            Interval(base + at * 5 * MIN, base + (at + length) * 5 * MIN)
            for at, length in draw(st.lists(st.tuples(st.integers(0, 3 * 24 * 12), st.integers(1, 24)), max_size=6))
        ]
    step = draw(st.sampled_from([None, None, 20, 45, 75]))
    service = ServiceSpec(duration=draw(st.sampled_from([30, 45, 60, 90, 105])) * MIN,
                          step=step * MIN if step else None)
    grid = draw(st.sampled_from([10, 15, 20, 30, 60]))
    engine = Engine(calendar=Calendar(plans=plans, appointments=appointments), service=service, now=NOW,
                    rules=Rules(grid=grid * MIN, **OPEN))
    return engine, zones, day


@settings(max_examples=200, deadline=None)
@given(calendars())
def test_the_runs_are_written_as_the_slots_read(calendar):
    engine, zones, day = calendar
    written, before = answer(engine, zones, day - timedelta(days=1), day + timedelta(days=1))
    assert written == before


def test_a_lord_howe_night_and_a_kolkata_day_read_as_before():
    """Both ways of writing a run: a Kolkata day (one date, one offset) and
    Lord Howe's night of its 30-minute spring change, worked past midnight
    (across the change and the date)."""
    lord_howe, kolkata = ZoneInfo("Australia/Lord_Howe"), ZoneInfo("Asia/Kolkata")
    night, day = every_day(time(22), time(4)), every_day(time(9), time(13))
    engine = open_engine(WorkPlan(1, 1, lord_howe, night), WorkPlan(2, 2, kolkata, day), WorkPlan(3, 2, kolkata, day),
                         grid=30)
    written, before = answer(engine, {1: lord_howe, 2: kolkata}, date(2026, 10, 3), date(2026, 10, 4))
    assert written == before
    assert '"2026-10-04T01:30:00+10:30"' in written and '"2026-10-04T02:30:00+11:00"' in written
    assert '"2026-10-04T00:00:00+10:30"' in written  # past midnight
    assert '"2026-10-03T09:00:00+05:30","end":"2026-10-03T10:00:00+05:30","practitioner":2' in written


def test_a_span_to_midnight_ends_on_the_next_date():
    kolkata = ZoneInfo("Asia/Kolkata")
    engine = open_engine(WorkPlan(1, 1, kolkata, every_day(time(21), time(0))), grid=30)
    written, before = answer(engine, {1: kolkata}, date(2026, 12, 8), date(2026, 12, 8))
    assert written == before
    assert written.endswith('{"start":"2026-12-08T23:00:00+05:30","end":"2026-12-09T00:00:00+05:30",'
                            '"practitioner":1,"location":1}]}')


def test_colleagues_rows_interleave_by_start_as_free_slots_orders_them():
    kolkata = ZoneInfo("Asia/Kolkata")
    day, later = every_day(time(9), time(12)), every_day(time(10), time(12))
    engine = open_engine(WorkPlan(1, 1, kolkata, day), WorkPlan(2, 1, kolkata, later), WorkPlan(3, 1, kolkata, day),
                         grid=30)
    assert not in_time_order(engine.free_runs(date(2026, 12, 8), date(2026, 12, 8)))
    written, before = answer(engine, {1: kolkata}, date(2026, 12, 8), date(2026, 12, 8))
    assert written == before
    practitioners = [int(part.split(",")[0]) for part in written.split('"practitioner":')[1:]]
    assert practitioners == [1, 3, 1, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]


def test_runs_in_time_order():
    start = datetime(2026, 12, 8, 4, tzinfo=UTC)
    one = FreeRun(start, 3, 15 * MIN, 1, 1)
    assert in_time_order([one, FreeRun(start + 30 * MIN, 2, 15 * MIN, 1, 1)])  # touches: 04:30 twice, in order
    assert not in_time_order([one, FreeRun(start + 29 * MIN, 2, 15 * MIN, 2, 1)])
    assert in_time_order([]) and in_time_order([one])


def test_no_run_is_an_empty_list():
    assert slots_json([], {}, 60 * MIN) == rendered([], {}) == '{"slots":[]}'


def test_a_day_in_utc_is_written_with_its_offset():
    utc = ZoneInfo("UTC")
    engine = open_engine(WorkPlan(7, 9, utc, (WeeklySpan(1, time(9), time(10)),)), duration=30 * MIN)
    written, before = answer(engine, {9: utc}, date(2026, 12, 8), date(2026, 12, 8))
    assert written == before == (
        '{"slots":[{"start":"2026-12-08T09:00:00+00:00","end":"2026-12-08T09:30:00+00:00","practitioner":7,'
        '"location":9},{"start":"2026-12-08T09:15:00+00:00","end":"2026-12-08T09:45:00+00:00","practitioner":7,'
        '"location":9},{"start":"2026-12-08T09:30:00+00:00","end":"2026-12-08T10:00:00+00:00","practitioner":7,'
        '"location":9}]}'
    )


def test_the_same_instant_at_two_locations_is_written_in_each_ones_zone():
    """At 09:00 UTC on a summer day London shows 10:00 (+01:00): colleagues'
    runs are shared only within one location."""
    london, utc = ZoneInfo("Europe/London"), ZoneInfo("UTC")
    engine = open_engine(WorkPlan(1, 1, london, every_day(time(10), time(12))),
                         WorkPlan(2, 2, utc, every_day(time(9), time(11))), grid=30)
    written, before = answer(engine, {1: london, 2: utc}, date(2026, 7, 7), date(2026, 7, 7))
    assert written == before
    assert '{"start":"2026-07-07T10:00:00+01:00","end":"2026-07-07T11:00:00+01:00","practitioner":1' in written
    assert '{"start":"2026-07-07T09:00:00+00:00","end":"2026-07-07T10:00:00+00:00","practitioner":2' in written


def test_starts_off_whole_minutes_keep_their_seconds():
    """Back to back from a span that opens at 09:00:30, the seconds are
    shown, as ``local_iso`` shows them."""
    kolkata = ZoneInfo("Asia/Kolkata")
    engine = open_engine(WorkPlan(1, 1, kolkata, every_day(time(9, 0, 30), time(12))), duration=45 * MIN,
                         step=60 * MIN)
    written, before = answer(engine, {1: kolkata}, date(2026, 12, 8), date(2026, 12, 8))
    assert written == before
    assert '"start":"2026-12-08T10:00:30+05:30","end":"2026-12-08T10:45:30+05:30"' in written


def test_a_length_off_whole_minutes_or_seconds_is_written_time_by_time():
    """A session of 45½ minutes, or half a second over 30, for two
    colleagues with the same hours: the ends keep their seconds and
    microseconds, and the rows still interleave by start."""
    kolkata = ZoneInfo("Asia/Kolkata")
    day = every_day(time(9), time(11))
    for length, end in ((timedelta(minutes=45, seconds=30), "09:45:30"),
                        (timedelta(minutes=30, microseconds=500000), "09:30:00.500000")):
        engine = open_engine(WorkPlan(1, 1, kolkata, day), WorkPlan(2, 1, kolkata, day), duration=length, grid=30)
        written, before = answer(engine, {1: kolkata}, date(2026, 12, 8), date(2026, 12, 8))
        assert written == before
        assert f'"start":"2026-12-08T09:00:00+05:30","end":"2026-12-08T{end}+05:30","practitioner":2' in written


def test_a_run_that_meets_london_s_spring_change_shows_both_offsets():
    """On 28 March 2027 London's clocks go from 01:00 to 02:00: the last
    starts before the change end after it, an hour later on the clock."""
    london = ZoneInfo("Europe/London")
    engine = open_engine(WorkPlan(1, 1, london, every_day(time(0), time(4))))
    written, before = answer(engine, {1: london}, date(2027, 3, 28), date(2027, 3, 28))
    assert written == before
    assert '"start":"2027-03-28T00:45:00+00:00","end":"2027-03-28T02:45:00+01:00"' in written
    assert '"start":"2027-03-28T02:00:00+01:00","end":"2027-03-28T03:00:00+01:00"' in written


def test_a_night_that_runs_into_the_next_morning_s_hours_lists_each_start_once_in_order():
    """Monday 22:00-03:00 and Tuesday 01:00-05:00: Monday's night reaches
    past the start of Tuesday's hours. Each start is listed once, in time
    order, by ``free_slots`` and in the answer; booking judges every one
    of them free."""
    kolkata = ZoneInfo("Asia/Kolkata")
    monday, tuesday = date(2026, 12, 7), date(2026, 12, 8)
    listed = []
    for spans, step in (((WeeklySpan(0, time(22), time(3)), WeeklySpan(1, time(1), time(5))), None),
                        ((WeeklySpan(0, time(22), time(3)), WeeklySpan(1, time(1, 30), time(5))), 45 * MIN)):
        engine = open_engine(WorkPlan(1, 1, kolkata, spans), step=step, grid=60)
        assert in_time_order(engine.free_runs(monday, tuesday))
        starts = [slot.start for slot in engine.free_slots(monday, tuesday)]
        assert starts == sorted(set(starts))
        window = [datetime(2026, 12, 6, 18, 30, tzinfo=UTC) + minutes * MIN for minutes in range(0, 48 * 60, 5)]
        assert starts == [moment for moment in window if engine.refusal(practitioner_id=1, start=moment)[0] is None]
        written, before = answer(engine, {1: kolkata}, monday, tuesday)
        assert written == before
        listed.append([start.astimezone(kolkata).strftime("%a %H:%M") for start in starts])
    assert listed[0] == ["Mon 22:00", "Mon 23:00", "Tue 00:00", "Tue 01:00", "Tue 02:00", "Tue 03:00", "Tue 04:00"]


def test_a_run_that_starts_off_whole_seconds_keeps_its_microseconds():
    """Not a start the engine makes (its starts are whole seconds), but a
    run handed over so is written as ``local_iso`` writes it."""
    kolkata = ZoneInfo("Asia/Kolkata")
    start = datetime(2026, 12, 8, 3, 30, 0, 250000, tzinfo=UTC)
    run = FreeRun(start, 3, 15 * MIN, 1, 1)
    slots = [Slot(start + n * 15 * MIN, start + n * 15 * MIN + 60 * MIN, 1, 1) for n in range(3)]
    written = slots_json([run], {1: kolkata}, 60 * MIN)
    assert written == rendered(slots, {1: kolkata})
    assert '"start":"2026-12-08T09:00:00.250000+05:30"' in written
