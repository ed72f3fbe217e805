"""The calendar costs the same number of queries whatever it shows: one
practitioner or ten, no appointment or 150, a day or a week. The health
flags a manager sees are read and logged for every client at once."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import Appointment, Source
from tests.clinic.factories import ClientFactory, LocationFactory, PractitionerFactory
from tests.scenario import KOLKATA, give_hours
from tests.treatments.factories import ServiceFactory
from tests.treatments.intake.factories import IntakeFactory
from treatments.models import RecordAccess

pytestmark = pytest.mark.django_db

DAY = date(2026, 12, 8)  # a Tuesday
PAGES = {"day": reverse("admin:bookings_calendar"), "week": reverse("admin:bookings_calendar_week"),
         "rooms": reverse("admin:bookings_calendar_rooms")}


class Clinic:
    def __init__(self):
        self.location = LocationFactory(time_zone="Asia/Kolkata")
        self.service = ServiceFactory(duration_minutes=30, buffer_minutes=0)
        self.practitioners = []
        self.clients = []

    def add_practitioners(self, count: int) -> None:
        for _ in range(count):
            practitioner = PractitionerFactory()
            give_hours(practitioner, self.location)
            self.practitioners.append(practitioner)

    def add_clients(self, count: int) -> None:
        for n in range(count):
            client = ClientFactory()
            if n % 3 == 0:
                IntakeFactory(client=client, fever=True)
            self.clients.append(client)

    def book(self, count: int, *, first: int = 0) -> None:
        """``count`` half-hour appointments from 09:00, across the practitioners
        (written straight to the table: the layout is what is measured)."""
        rows = []
        for n in range(first, first + count):
            practitioner = self.practitioners[n % len(self.practitioners)]
            start = datetime.combine(DAY, time(9), tzinfo=KOLKATA) + timedelta(minutes=30 * (n // len(self.practitioners)))
            rows.append(Appointment(
                client=self.clients[n % len(self.clients)], practitioner=practitioner, service=self.service,
                location=self.location, start=start, end=start + timedelta(minutes=30),
                buffer_end=start + timedelta(minutes=30), price=Decimal("900"), source=Source.STAFF))
        Appointment.objects.bulk_create(rows)


def shown(client, page: str) -> int:
    response = client.get(PAGES[page], {"date": DAY.isoformat()})
    assert response.status_code == 200
    return sum(len(column.blocks) for column in response.context["grid"].columns)


@pytest.mark.parametrize("page", ["day", "week", "rooms"])
def test_the_front_desk_s_calendar_costs_the_same_for_1_practitioner_and_no_appointment_as_for_10_and_150(
        client, receptionist, page, django_assert_num_queries):
    clinic = Clinic()
    clinic.add_practitioners(1)
    client.force_login(receptionist)
    with CaptureQueriesContext(connection) as empty:
        assert shown(client, page) == 0
    clinic.add_practitioners(9)
    clinic.add_clients(30)
    clinic.book(150)
    with django_assert_num_queries(len(empty)):
        assert shown(client, page) == 150


@pytest.mark.parametrize("page", ["day", "week"])
def test_a_manager_s_calendar_with_flags_costs_the_same_for_1_appointment_as_for_150(
        client, manager, page, django_assert_num_queries):
    """The flags are read only when there is an appointment to show them
    on, so the smallest calendar measured here holds one."""
    clinic = Clinic()
    clinic.add_practitioners(1)
    clinic.add_clients(1)
    clinic.book(1)
    client.force_login(manager)
    with CaptureQueriesContext(connection) as one:
        assert shown(client, page) == 1
    clinic.add_practitioners(9)
    clinic.add_clients(29)
    clinic.book(149, first=1)
    logged = RecordAccess.objects.count()
    with django_assert_num_queries(len(one)):
        assert shown(client, page) == 150
    assert RecordAccess.objects.count() - logged == 30  # each client's flags read, each read logged


def test_a_manager_s_empty_calendar_reads_no_flags(client, manager):
    clinic = Clinic()
    clinic.add_practitioners(1)
    client.force_login(manager)
    assert shown(client, "day") == 0
    assert not RecordAccess.objects.exists()
