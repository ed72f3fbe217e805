"""Availability costs a fixed number of queries, whatever the range."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookings import selectors
from bookings.models import Appointment, Source
from tests.scenario import MONDAY, NOW, give_hours, local
from tests.bookings.factories import ClosureFactory, TimeOffFactory
from tests.clinic.factories import ClientFactory, PractitionerFactory

pytestmark = pytest.mark.django_db
MOST_QUERIES = 7  # weekly hours, hours on a date, bookings, time off, closures, rooms, room bookings


def fill(studio, practitioners, days: int) -> None:
    """An appointment each morning and an afternoon off for everyone."""
    rows = []
    for practitioner in practitioners:
        client = ClientFactory()  # one client at a time: each practitioner's own
        for day in range(days):
            start = local(MONDAY + timedelta(days=day), 9)
            rows.append(Appointment(
                client=client, practitioner=practitioner, service=studio.service, location=studio.location,
                start=start, end=start + timedelta(hours=1), buffer_end=start + timedelta(hours=1, minutes=15),
                price=1, source=Source.STAFF,
            ))
        TimeOffFactory(practitioner=practitioner, start=local(MONDAY, 15), end=local(MONDAY, 17))
    Appointment.objects.bulk_create(rows)
    ClosureFactory(location=studio.location, first_day=MONDAY + timedelta(days=3), last_day=MONDAY + timedelta(days=3))


def count_queries(django_assert_max_num_queries, **kwargs) -> tuple[int, int]:
    with django_assert_max_num_queries(MOST_QUERIES) as captured:
        slots = selectors.free_slots(now=NOW, **kwargs)
    return len(captured.captured_queries), len(slots)


def test_one_practitioner_for_thirty_days_and_ten_for_fourteen_cost_the_same(studio, django_assert_max_num_queries):
    team = [studio.practitioner, studio.other_practitioner]
    for _ in range(8):
        practitioner = PractitionerFactory()
        practitioner.services.add(studio.service)
        give_hours(practitioner, studio.location)
        team.append(practitioner)
    fill(studio, team, days=30)

    one, one_slots = count_queries(
        django_assert_max_num_queries, service=studio.service, practitioner=studio.practitioner,
        first_day=MONDAY, last_day=MONDAY + timedelta(days=29),
    )
    ten, ten_slots = count_queries(
        django_assert_max_num_queries, service=studio.service, first_day=MONDAY, last_day=MONDAY + timedelta(days=13)
    )
    assert one == ten
    assert one_slots > 0 and ten_slots > one_slots / 2


def test_the_count_does_not_grow_with_the_data(studio, django_assert_max_num_queries):
    empty, _ = count_queries(django_assert_max_num_queries, service=studio.service, first_day=MONDAY,
                             last_day=MONDAY + timedelta(days=29))
    fill(studio, [studio.practitioner, studio.other_practitioner], days=30)
    busy, _ = count_queries(django_assert_max_num_queries, service=studio.service, first_day=MONDAY,
                            last_day=MONDAY + timedelta(days=29))
    assert busy == empty


def test_no_practitioner_costs_two_queries(studio, django_assert_num_queries):
    studio.service.practitioners.clear()
    with django_assert_num_queries(2):  # nobody has weekly hours, nor hours on a date
        assert selectors.free_slots(service=studio.service, first_day=MONDAY, last_day=MONDAY, now=NOW) == []
