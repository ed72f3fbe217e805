"""``bookings.calendar``: where the grid puts things, on the location's
clocks. Blocks and shades are minutes of real time from a column's top, and
the hour labels say what the clocks show: on the days London's clocks
change, the hour they skip is missing and the hour they repeat is there
twice; Kolkata's half-hour offset changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bookings import calendar
from bookings.models import Appointment, AppointmentStatus, DatedHours, Source, TimeOff
from tests.bookings.factories import ClosureFactory, WorkingHoursFactory
from tests.clinic.factories import ClientFactory, LocationFactory, PractitionerFactory, RoomFactory
from tests.treatments.factories import ServiceFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
KOLKATA = ZoneInfo("Asia/Kolkata")
SPRING_FORWARD = date(2027, 3, 28)  # a Sunday: 01:00 GMT becomes 02:00 BST
FALL_BACK = date(2026, 10, 25)  # a Sunday: 02:00 BST becomes 01:00 GMT
FAR_AWAY = datetime(2020, 1, 1, tzinfo=UTC)  # "now", nowhere near the grids below


def appointment(practitioner, location, start: datetime, minutes: int = 60, **fields) -> Appointment:
    service = fields.pop("service", None) or ServiceFactory(duration_minutes=minutes, buffer_minutes=0)
    return Appointment.objects.create(
        client=fields.pop("client", None) or ClientFactory(), practitioner=practitioner, service=service,
        location=location, start=start, end=start + timedelta(minutes=minutes),
        buffer_end=start + timedelta(minutes=minutes), price=Decimal("1000"), source=Source.STAFF, **fields)


def place(zone: str):
    location = LocationFactory(time_zone=zone)
    practitioner = PractitionerFactory()
    return location, practitioner


def grid(location, day, *, now=FAR_AWAY, week=False, practitioners=None):
    from clinic.models import Practitioner

    return calendar.practitioner_grid(
        location=location, day=day, practitioners=practitioners or Practitioner.objects.all(),
        appointments=Appointment.objects.all(), time_off=TimeOff.objects.all(), now=now, week=week)


def labels(result) -> list[tuple[int, str]]:
    return [(mark.top, mark.label) for mark in result.hours]


def test_spring_forward_in_london_skips_the_lost_hour():
    location, practitioner = place("Europe/London")
    WorkingHoursFactory(practitioner=practitioner, location=location, weekday=6, starts_at=time(0),
                        ends_at=time(6))
    # 02:30 BST is 01:30 UTC: an hour and a half after midnight GMT.
    booked = appointment(practitioner, location, datetime(2027, 3, 28, 2, 30, tzinfo=LONDON))
    result = grid(location, SPRING_FORWARD)
    assert labels(result)[:4] == [(0, "00:00 GMT"), (60, "02:00 BST"), (120, "03:00"), (180, "04:00")]
    [column] = result.columns
    [block] = column.blocks
    assert block.appointment.pk == booked.pk
    assert (block.top, block.height, block.starts, block.ends) == (90, 60, "02:30", "03:30")
    # Working 00:00-06:00 on the clocks is five hours of real time that day.
    [work] = [shade for shade in column.shades if shade.kind == "work"]
    assert (work.top, work.height) == (0, 300)
    # The day ends at 20:00 BST, 19 hours of real time after midnight GMT.
    assert result.length == column.length == 19 * 60
    assert result.zone_names == ["GMT", "BST"]


def test_fall_back_in_london_shows_the_repeated_hour_twice():
    location, practitioner = place("Europe/London")
    WorkingHoursFactory(practitioner=practitioner, location=location, weekday=6, starts_at=time(0),
                        ends_at=time(6))
    # 02:00 GMT, after the clocks went back: three hours after midnight BST.
    appointment(practitioner, location, datetime(2026, 10, 25, 2, 0, tzinfo=LONDON))
    result = grid(location, FALL_BACK)
    assert labels(result)[:5] == [(0, "00:00 BST"), (60, "01:00"), (120, "01:00 GMT"), (180, "02:00"),
                                  (240, "03:00")]
    [block] = result.columns[0].blocks
    assert (block.top, block.starts) == (180, "02:00")
    [work] = [shade for shade in result.columns[0].shades if shade.kind == "work"]
    assert work.height == 7 * 60  # six hours on the clocks, seven of real time
    assert result.length == 21 * 60


def test_kolkata_half_hour_offset_keeps_whole_local_hours():
    location, practitioner = place("Asia/Kolkata")
    day = date(2026, 12, 8)
    WorkingHoursFactory(practitioner=practitioner, location=location, weekday=day.weekday(),
                        starts_at=time(9), ends_at=time(13))
    appointment(practitioner, location, datetime(2026, 12, 8, 10, 15, tzinfo=KOLKATA), minutes=45)
    result = grid(location, day)
    assert labels(result)[:3] == [(0, "08:00 IST"), (60, "09:00"), (120, "10:00")]
    assert result.columns[0].origin == datetime(2026, 12, 8, 2, 30, tzinfo=UTC)
    [block] = result.columns[0].blocks
    assert (block.top, block.height, block.starts, block.ends) == (135, 45, "10:15", "11:00")
    assert result.length == 12 * 60  # 08:00 to 20:00
    assert result.zone_names == ["IST"]


def test_hours_past_the_usual_window_widen_every_column():
    location, practitioner = place("Asia/Kolkata")
    day = date(2026, 12, 8)
    WorkingHoursFactory(practitioner=practitioner, location=location, weekday=day.weekday(),
                        starts_at=time(6, 30), ends_at=time(22))
    result = grid(location, day)
    assert labels(result)[0] == (0, "06:00 IST")
    assert result.length == 16 * 60


def test_a_span_past_midnight_runs_to_the_end_of_its_day_and_on_into_the_next():
    location, practitioner = place("Asia/Kolkata")
    day = date(2026, 12, 8)
    WorkingHoursFactory(practitioner=practitioner, location=location, weekday=day.weekday(),
                        starts_at=time(22), ends_at=time(2))
    today = grid(location, day)
    assert today.length == 16 * 60  # 08:00 to midnight
    [work] = [shade for shade in today.columns[0].shades if shade.kind == "work"]
    assert (work.top, work.height) == (14 * 60, 120)
    tomorrow = grid(location, day + timedelta(days=1))
    assert labels(tomorrow)[0] == (0, "00:00 IST")
    [work] = [shade for shade in tomorrow.columns[0].shades if shade.kind == "work"]
    assert (work.top, work.height) == (0, 120)


def test_dated_hours_time_off_and_closures_are_shaded_with_their_reasons():
    location, practitioner = place("Asia/Kolkata")
    day = date(2026, 12, 13)  # a Sunday with no weekly hours
    DatedHours.objects.create(practitioner=practitioner, location=location, day=day, starts_at=time(10),
                              ends_at=time(14), reason="Sunday camp")
    TimeOff.objects.create(practitioner=practitioner, start=datetime(2026, 12, 13, 12, tzinfo=KOLKATA),
                           end=datetime(2026, 12, 13, 13, tzinfo=KOLKATA), reason="Dentist")
    kinds = {(shade.kind, shade.top, shade.height, shade.label) for shade in grid(location, day).columns[0].shades}
    assert kinds == {("work", 120, 240, ""), ("dated", 120, 240, "Sunday camp"), ("away", 240, 60, "Dentist")}
    ClosureFactory(location=location, first_day=day, last_day=day, reason="Pongal")
    closed = [shade for shade in grid(location, day).columns[0].shades if shade.kind == "closed"]
    assert [(shade.top, shade.height, shade.label) for shade in closed] == [(0, 12 * 60, "Pongal")]


def test_dated_hours_that_replace_the_week_replace_its_shading():
    location, practitioner = place("Asia/Kolkata")
    day = date(2026, 12, 8)
    WorkingHoursFactory(practitioner=practitioner, location=location, weekday=day.weekday(),
                        starts_at=time(9), ends_at=time(19))
    DatedHours.objects.create(practitioner=practitioner, location=location, day=day, starts_at=time(9),
                              ends_at=time(12), replaces_weekly=True, reason="Short day")
    work = [(shade.top, shade.height) for shade in grid(location, day).columns[0].shades if shade.kind == "work"]
    assert work == [(60, 180)]


def test_overlapping_blocks_share_the_width():
    location, practitioner = place("Asia/Kolkata")
    day = date(2026, 12, 8)
    at = datetime(2026, 12, 8, 10, tzinfo=KOLKATA)
    appointment(practitioner, location, at, status=AppointmentStatus.NO_SHOW)
    appointment(practitioner, location, at + timedelta(minutes=30))
    appointment(practitioner, location, at + timedelta(hours=3))
    blocks = sorted(grid(location, day).columns[0].blocks, key=lambda block: block.top)
    assert [(block.lane, block.lanes) for block in blocks] == [(0, 2), (1, 2), (0, 1)]


def test_cancelled_appointments_and_other_locations_stay_off_the_grid():
    location, practitioner = place("Asia/Kolkata")
    elsewhere = LocationFactory(name="Elsewhere")
    day = date(2026, 12, 8)
    WorkingHoursFactory(practitioner=practitioner, location=location, weekday=day.weekday(),
                        starts_at=time(9), ends_at=time(19))
    at = datetime(2026, 12, 8, 10, tzinfo=KOLKATA)
    appointment(practitioner, location, at, status=AppointmentStatus.CANCELLED, cancelled_at=at)
    appointment(practitioner, elsewhere, at + timedelta(hours=2))
    kept = appointment(practitioner, location, at + timedelta(hours=4))
    assert [block.appointment.pk for block in grid(location, day).columns[0].blocks] == [kept.pk]


def test_only_the_practitioners_given_get_columns_and_only_those_working_here():
    location, practitioner = place("Asia/Kolkata")
    colleague, idle = PractitionerFactory(), PractitionerFactory()
    day = date(2026, 12, 8)
    for person in (practitioner, colleague):
        WorkingHoursFactory(practitioner=person, location=location, weekday=day.weekday(),
                            starts_at=time(9), ends_at=time(19))
    from clinic.models import Practitioner

    everyone = grid(location, day)
    assert {column.practitioner for column in everyone.columns} == {practitioner, colleague}
    assert idle not in {column.practitioner for column in everyone.columns}
    mine = grid(location, day, practitioners=Practitioner.objects.filter(pk=practitioner.pk))
    assert [column.practitioner for column in mine.columns] == [practitioner]


def test_the_week_runs_monday_to_sunday_with_a_column_per_day_and_practitioner():
    location, practitioner = place("Asia/Kolkata")
    colleague = PractitionerFactory()
    for person in (practitioner, colleague):
        WorkingHoursFactory(practitioner=person, location=location, weekday=2, starts_at=time(9), ends_at=time(19))
    thursday = date(2026, 12, 10)
    booked = appointment(colleague, location, datetime(2026, 12, 12, 11, tzinfo=KOLKATA))
    result = grid(location, thursday, week=True)
    assert result.days == [date(2026, 12, 7) + timedelta(days=n) for n in range(7)]
    assert len(result.columns) == 14
    [holder] = [column for column in result.columns if column.blocks]
    assert (holder.day, holder.practitioner, holder.blocks[0].appointment.pk) == (date(2026, 12, 12), colleague,
                                                                           booked.pk)
    assert holder.blocks[0].top == 180


def test_now_is_marked_only_in_the_column_of_today_within_its_hours():
    location, practitioner = place("Asia/Kolkata")
    day = date(2026, 12, 8)
    WorkingHoursFactory(practitioner=practitioner, location=location, weekday=day.weekday(),
                        starts_at=time(9), ends_at=time(19))
    now = datetime(2026, 12, 8, 12, 40, tzinfo=KOLKATA)
    assert grid(location, day, now=now).columns[0].now == 4 * 60 + 40
    assert grid(location, day + timedelta(days=1), now=now).columns[0].now is None
    week = grid(location, day, now=now, week=True)
    assert [column.day for column in week.columns if column.now is not None] == [day]


def test_the_room_view_has_a_column_per_room_and_one_for_no_room():
    location, practitioner = place("Asia/Kolkata")
    first, second = RoomFactory(location=location, name="A"), RoomFactory(location=location, name="B")
    RoomFactory(location=LocationFactory(name="Elsewhere"), name="Elsewhere")
    at = datetime(2026, 12, 8, 10, tzinfo=KOLKATA)
    in_b = appointment(practitioner, location, at, room=second)
    no_room = appointment(practitioner, location, at + timedelta(hours=2))
    result = calendar.room_grid(location=location, day=at.date(), appointments=Appointment.objects.all(),
                                now=FAR_AWAY)
    assert [column.room for column in result.columns] == [first, second, None]
    assert [[block.appointment.pk for block in column.blocks] for column in result.columns] == [
        [], [in_b.pk], [no_room.pk]]
    assert result.by_room
