"""A small studio in Chennai: one room, therapists working Monday to
Saturday 09:00-13:00 and 14:00-19:00, and a clock fixed on a Monday
morning."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from clinic.models import Client, Location, Practitioner, Room
from tests.bookings.factories import WorkingHoursFactory
from tests.clinic.factories import ClientFactory, LocationFactory, PractitionerFactory, RoomFactory
from tests.treatments.factories import ServiceFactory
from treatments.models import Service

KOLKATA = ZoneInfo("Asia/Kolkata")
MONDAY = date(2026, 12, 7)
TUESDAY = MONDAY + timedelta(days=1)
NOW = datetime.combine(MONDAY, time(8), tzinfo=KOLKATA)


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=KOLKATA)


def give_hours(practitioner: Practitioner, location: Location) -> None:
    for weekday in range(6):
        for starts_at, ends_at in ((time(9), time(13)), (time(14), time(19))):
            WorkingHoursFactory(
                practitioner=practitioner, location=location, weekday=weekday, starts_at=starts_at, ends_at=ends_at
            )


@dataclass
class Studio:
    location: Location
    room: Room
    service: Service
    practitioner: Practitioner
    other_practitioner: Practitioner
    client: Client
    other_client: Client

    def add_practitioner(self) -> Practitioner:
        practitioner = PractitionerFactory()
        practitioner.services.add(self.service)
        give_hours(practitioner, self.location)
        return practitioner


def build_studio() -> Studio:
    location = LocationFactory(name="Chennai studio", time_zone="Asia/Kolkata")
    room = RoomFactory(location=location, name="Room 1")
    service = ServiceFactory(duration_minutes=60, buffer_minutes=15, requires_room=True)
    practitioners = []
    for _ in range(2):
        practitioner = PractitionerFactory()
        practitioner.services.add(service)
        give_hours(practitioner, location)
        practitioners.append(practitioner)
    return Studio(location, room, service, *practitioners, ClientFactory(), ClientFactory())


def next_tuesday() -> date:
    """A Tuesday at least a week ahead of the real today, for tests that go
    through the API, where the clock is not ours to fix."""
    today = date.today()
    return today + timedelta(days=7 + (1 - today.weekday()) % 7)
