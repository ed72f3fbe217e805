"""The report figures against the week worked out by hand in
``reports_data.py``, the local dates they are counted in (Kolkata, and
London over its clock changes), and their fixed cost in queries."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bookings import reports
from bookings.models import AppointmentStatus, Notification
from tests.bookings.factories import WorkingHoursFactory
from tests.bookings.panel.reports_data import FIRST_DAY, LAST_DAY, appointment, build_week, ist, message
from tests.clinic.factories import ClientFactory, LocationFactory, PractitionerFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def week():
    return build_week()


@pytest.fixture
def period(week):
    return reports.Period(week.location, FIRST_DAY, LAST_DAY)


def test_the_period_is_the_location_s_local_days(period):
    # Midnight in Kolkata is 18:30 UTC the evening before.
    assert period.since == datetime(2027, 1, 31, 18, 30, tzinfo=ZoneInfo("UTC"))
    assert period.until == datetime(2027, 2, 7, 18, 30, tzinfo=ZoneInfo("UTC"))
    assert period.days == 7


def test_utilisation_is_booked_over_working_minutes(period):
    rows = {row.practitioner: row for row in reports.utilisation(period)}
    assert list(rows) == ["Asha", "Bala"]
    # Asha: 480 + (480 - 120 time off) + 480 + 180 (Thursday's own hours) + 0 (closed) = 1500;
    # booked #1 60 + #2 45 + #3 60 (no-show) + #6 60 = 225.
    assert (rows["Asha"].working_minutes, rows["Asha"].booked_minutes, rows["Asha"].appointments) == (1500, 225, 4)
    assert rows["Asha"].share == pytest.approx(0.15)
    # Bala: 360 + 360 + 0 (closed) + 120 (Saturday's added hours) = 840; booked 60 + 45 + 45 + 45 = 195.
    assert (rows["Bala"].working_minutes, rows["Bala"].booked_minutes, rows["Bala"].appointments) == (840, 195, 4)
    assert rows["Bala"].share == pytest.approx(195 / 840)


def test_revenue_is_the_booked_price_of_completed_appointments(period):
    by_service = [(row.name, row.appointments, row.revenue) for row in reports.revenue_by_service(period)]
    assert by_service == [("Back rub (60 min)", 2, Decimal("2900")), ("Foot rub (45 min)", 2, Decimal("2400"))]
    by_practitioner = [(row.name, row.appointments, row.revenue) for row in reports.revenue_by_practitioner(period)]
    assert by_practitioner == [("Asha", 2, Decimal("2700")), ("Bala", 2, Decimal("2600"))]
    assert reports.totals(reports.revenue_by_service(period)) == (4, Decimal("5300"))


def test_new_clients_had_their_first_completed_appointment_ever_in_the_period(period):
    # X: first completed #1 (new, visits #1 #8); Y (31 Jan) and Z (elsewhere, 20 Jan) returning.
    assert reports.client_mix(period) == reports.ClientMix(
        new_clients=1, returning_clients=2, new_visits=2, returning_visits=2)


def test_no_show_and_late_cancel_rates_before_and_since_reminders_started(period, week):
    report = reports.attendance(period)
    assert report.reminders_started == week.reminders_started
    parts = {part.part: part for part in report.parts}
    assert list(parts) == ["before", "since", "all"]
    assert (parts["before"].due, parts["before"].no_shows, parts["before"].late_cancellations) == (4, 1, 0)
    assert (parts["since"].due, parts["since"].no_shows, parts["since"].late_cancellations) == (4, 1, 1)
    assert (parts["all"].due, parts["all"].no_shows, parts["all"].late_cancellations) == (8, 2, 1)
    assert parts["all"].no_show_rate == 0.25 and parts["all"].late_cancel_rate == 0.125
    assert parts["before"].late_cancel_rate == 0 and parts["since"].late_cancel_rate == 0.25


def test_without_a_reminder_sent_there_is_no_before_and_after(period, week):
    Notification.objects.filter(kind=Notification.Kind.REMINDER, appointment__location=week.location,
                                state=Notification.State.SENT).update(state=Notification.State.SKIPPED)
    report = reports.attendance(period)
    assert report.reminders_started is None
    assert [(part.part, part.due, part.no_shows) for part in report.parts] == [("all", 8, 2)]


def test_reminder_delivery_by_channel_and_the_confirmations_that_followed(period):
    report = reports.reminders(period)
    assert [(row.channel, row.sent, row.failed) for row in report.delivery] == [
        ("email", 2, 1), ("sms", 1, 1), ("whatsapp", 1, 0)]
    assert [row.rate for row in report.delivery] == [pytest.approx(2 / 3), 0.5, 1.0]
    assert (report.confirmation.reminded, report.confirmation.confirmed) == (4, 2)
    assert report.confirmation.rate == 0.5


def test_the_last_minutes_of_the_last_day_count_and_the_next_midnight_does_not(week):
    """#10 at 23:30 on Sunday is in; #11 at 00:00 on Monday (18:30 UTC on
    Sunday, a UTC date inside the period) is out."""
    sunday_only = reports.Period(week.location, LAST_DAY, LAST_DAY)
    assert [(part.part, part.due, part.no_shows) for part in reports.attendance(sunday_only).parts] == [
        ("before", 0, 0), ("since", 1, 1), ("all", 1, 1)]
    monday = reports.Period(week.location, LAST_DAY + timedelta(days=1), LAST_DAY + timedelta(days=1))
    assert reports.attendance(monday).parts[-1].no_shows == 1  # #11 counts on its own day


def test_the_first_day_of_the_period_starts_at_local_midnight(week):
    """#12 (23:30 on 31 Jan, Kolkata) belongs to 31 Jan, though it is the
    same UTC date (the 31st) as the period's own first instant."""
    first_day_only = reports.Period(week.location, FIRST_DAY, FIRST_DAY)
    assert [row.revenue for row in reports.revenue_by_practitioner(first_day_only)] == [
        Decimal("2700"), Decimal("1400")]
    january = reports.Period(week.location, date(2027, 1, 31), date(2027, 1, 31))
    assert [(row.name, row.revenue) for row in reports.revenue_by_practitioner(january)] == [
        ("Asha", Decimal("1500"))]


def test_every_report_costs_the_same_queries_however_much_the_period_holds(period, week,
                                                                           django_assert_num_queries):
    with django_assert_num_queries(reports.REPORT_QUERIES):
        reports.all_reports(period)
    for day in range(1, 5):
        for hour in (13, 16):
            extra = appointment(week, practitioner=week.bala, service=week.foot, start=ist(day, hour),
                                status=AppointmentStatus.COMPLETED, client=ClientFactory())
            message(extra, Notification.Kind.REMINDER, Notification.Channel.SMS, Notification.State.SENT,
                    ist(day, hour - 2))
    other = PractitionerFactory(display_name="Chitra")
    WorkingHoursFactory(practitioner=other, location=week.location, weekday=1, starts_at=time(9), ends_at=time(17))
    with django_assert_num_queries(reports.REPORT_QUERIES):
        everything = reports.all_reports(period)
    assert [row.practitioner for row in everything.utilisation] == ["Asha", "Bala", "Chitra"]
    longer = reports.Period(week.location, date(2026, 1, 1), date(2027, 12, 31))
    with django_assert_num_queries(reports.REPORT_QUERIES):
        reports.all_reports(longer)


def test_someone_booked_without_hours_shows_no_share(week, period):
    guest = PractitionerFactory(display_name="Guest")
    appointment(week, practitioner=guest, service=week.back, start=ist(6, 15), status=AppointmentStatus.COMPLETED,
                client=week.z)
    row = next(row for row in reports.utilisation(period) if row.practitioner == "Guest")
    assert (row.working_minutes, row.booked_minutes, row.share) == (0, 60, None)


# -- a zone with summer time -----------------------------------------------------


@pytest.fixture
def london():
    location = LocationFactory(name="London studio", time_zone="Europe/London")
    practitioner = PractitionerFactory(display_name="Dee")
    # Sundays midnight to noon: the clocks change at 01:00 on a Sunday.
    WorkingHoursFactory(practitioner=practitioner, location=location, weekday=6, starts_at=time(0), ends_at=time(12))
    return location, practitioner


@pytest.mark.parametrize(("day", "minutes"), [
    (date(2027, 3, 28), 11 * 60),  # the clocks go forward: an hour shorter
    (date(2027, 10, 31), 13 * 60),  # they go back: an hour longer
    (date(2027, 4, 4), 12 * 60),
])
def test_working_minutes_follow_the_clocks_on_the_day_they_change(london, day, minutes):
    location, practitioner = london
    period = reports.Period(location, day, day)
    assert reports.working_minutes(period)[0] == {practitioner.pk: minutes}


def test_a_london_day_starts_at_its_own_midnight_in_summer_time(london):
    """00:30 BST on Sunday 31 October is 23:30 UTC on the Saturday: it
    belongs to the Sunday, and the week of the change adds up to 780 + 0."""
    location, practitioner = london
    from tests.treatments.factories import ServiceFactory

    service = ServiceFactory(duration_minutes=60)
    week = type("W", (), {"location": location})
    appointment(week, practitioner=practitioner, service=service,
                start=datetime(2027, 10, 31, 0, 30, tzinfo=LONDON), status=AppointmentStatus.COMPLETED,
                client=ClientFactory())
    sunday = reports.Period(location, date(2027, 10, 31), date(2027, 10, 31))
    assert sunday.since == datetime(2027, 10, 30, 23, 0, tzinfo=ZoneInfo("UTC"))
    (row,) = reports.utilisation(sunday)
    assert (row.working_minutes, row.booked_minutes) == (780, 60)
    saturday = reports.Period(location, date(2027, 10, 30), date(2027, 10, 30))
    assert reports.utilisation(saturday)[0].booked_minutes == 0


def test_two_lengths_of_one_treatment_are_two_rows_named_apart(week, period):
    """The catalogue has a 30- and a 60-minute back massage: a row each, and
    the reader can tell which is which."""
    from tests.treatments.factories import ServiceFactory

    short = ServiceFactory(name="Back rub", duration_minutes=30, price=Decimal("800"))
    appointment(week, practitioner=week.asha, service=short, start=ist(2, 4, 15), status=AppointmentStatus.COMPLETED,
                client=week.x)
    names = [row.name for row in reports.revenue_by_service(period)]
    assert names == ["Back rub (30 min)", "Back rub (60 min)", "Foot rub (45 min)"]
