"""Quiet hours as a location's clocks show them: a DST zone (London) and a
half-hour one (Kolkata)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookings.quiet_hours import after_quiet, before_quiet, quiet_period

KOLKATA, LONDON = ZoneInfo("Asia/Kolkata"), ZoneInfo("Europe/London")
NIGHT = (time(21), time(8))
MARGIN = timedelta(minutes=15)


def at(zone, *parts):
    return datetime(*parts, tzinfo=zone)


@pytest.mark.parametrize(("moment", "quiet"), [
    (at(KOLKATA, 2026, 12, 7, 20, 59), False),
    (at(KOLKATA, 2026, 12, 7, 21, 0), True),
    (at(KOLKATA, 2026, 12, 8, 0, 30), True),
    (at(KOLKATA, 2026, 12, 8, 7, 59), True),
    (at(KOLKATA, 2026, 12, 8, 8, 0), False),
    (at(KOLKATA, 2026, 12, 8, 12, 0), False),
])
def test_the_night_is_quiet_on_local_clocks(moment, quiet):
    assert (quiet_period(moment, KOLKATA, *NIGHT) is not None) is quiet


def test_a_period_that_wraps_midnight_belongs_to_its_evening():
    start, end = quiet_period(at(KOLKATA, 2026, 12, 8, 3, 0), KOLKATA, *NIGHT)
    assert start == at(KOLKATA, 2026, 12, 7, 21, 0)
    assert end == at(KOLKATA, 2026, 12, 8, 8, 0)
    # Kolkata is 5 h 30 min ahead of UTC: 21:00 there is 15:30 UTC.
    assert start.astimezone(UTC) == datetime(2026, 12, 7, 15, 30, tzinfo=UTC)


def test_a_period_inside_one_day():
    lunch = (time(13), time(14))
    assert quiet_period(at(KOLKATA, 2026, 12, 8, 13, 30), KOLKATA, *lunch) == (
        at(KOLKATA, 2026, 12, 8, 13), at(KOLKATA, 2026, 12, 8, 14))
    assert quiet_period(at(KOLKATA, 2026, 12, 8, 21, 30), KOLKATA, *lunch) is None


def test_the_same_time_for_both_means_no_quiet_hours():
    assert quiet_period(at(KOLKATA, 2026, 12, 8, 3, 0), KOLKATA, time(21), time(21)) is None


def test_a_reminder_in_quiet_hours_goes_out_before_them():
    due = at(KOLKATA, 2026, 12, 8, 6, 30)  # 2 h before an 08:30 visit
    assert before_quiet(due, KOLKATA, *NIGHT, margin=MARGIN) == at(KOLKATA, 2026, 12, 7, 20, 45)


def test_a_notice_in_quiet_hours_waits_for_the_morning():
    assert after_quiet(at(KOLKATA, 2026, 12, 7, 22, 10), KOLKATA, *NIGHT) == at(KOLKATA, 2026, 12, 8, 8, 0)
    outside = at(KOLKATA, 2026, 12, 7, 19, 0)
    assert after_quiet(outside, KOLKATA, *NIGHT) == before_quiet(outside, KOLKATA, *NIGHT, margin=MARGIN) == outside


def test_the_night_the_clocks_go_back_is_an_hour_longer_in_utc():
    # London, 25 Oct 2026: 02:00 BST becomes 01:00 GMT inside the night.
    start, end = quiet_period(at(LONDON, 2026, 10, 25, 3, 0), LONDON, *NIGHT)
    assert start.astimezone(UTC) == datetime(2026, 10, 24, 20, 0, tzinfo=UTC)  # 21:00 BST
    assert end.astimezone(UTC) == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)  # 08:00 GMT
    assert end - start == timedelta(hours=12)


def test_the_night_the_clocks_go_forward_is_an_hour_shorter_in_utc():
    # London, 28 Mar 2027: 01:00 GMT becomes 02:00 BST.
    start, end = quiet_period(at(LONDON, 2027, 3, 28, 1, 30), LONDON, *NIGHT)
    assert end - start == timedelta(hours=10)
    assert end.astimezone(UTC) == datetime(2027, 3, 28, 7, 0, tzinfo=UTC)  # 08:00 BST
