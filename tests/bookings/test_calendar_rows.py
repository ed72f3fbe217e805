"""``fetch_calendar_rows`` writes its five statements by hand (it is the hot
loop of booking and listing); here the same reads written as querysets are
the oracle, on a calendar with every kind of row it must take or leave."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db.models import Q

from bookings import selectors
from bookings.models import Appointment, AppointmentStatus, Closure, DatedHours, Source, TimeOff, WorkingHours
from clinic.models import Room
from tests.bookings.factories import ClosureFactory, TimeOffFactory
from tests.clinic.factories import ClientFactory, LocationFactory, PractitionerFactory, RoomFactory
from tests.scenario import MONDAY, TUESDAY, give_hours, local

pytestmark = pytest.mark.django_db
MARGIN = timedelta(days=1)


def oracle(*, service, first_day, last_day, practitioner=None, ignore_appointment_id=None, busy_between=None,
           bookings_between=None) -> dict:
    hours = WorkingHours.objects.filter(
        practitioner__active=True, practitioner__services=service, location__active=True
    )
    if practitioner is not None:
        hours = hours.filter(practitioner=practitioner)
    found = {"hours": sorted(hours.values_list(
        "practitioner_id", "location_id", "location__time_zone", "weekday", "starts_at", "ends_at"), key=str)}
    dated = DatedHours.objects.filter(
        practitioner__active=True, practitioner__services=service, location__active=True,
        day__gte=first_day - MARGIN, day__lte=last_day,
    )
    if practitioner is not None:
        dated = dated.filter(practitioner=practitioner)
    found["dated"] = sorted(dated.values_list(
        "practitioner_id", "location_id", "location__time_zone", "day", "starts_at", "ends_at", "replaces_weekly"),
        key=str)
    practitioners = {row[0] for row in found["hours"]} | {row[0] for row in found["dated"]}
    locations = {row[1] for row in found["hours"]} | {row[1] for row in found["dated"]}
    whole = (datetime.combine(first_day, time(0), tzinfo=UTC) - MARGIN,
             datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=UTC) + MARGIN)
    busy_from, busy_until = busy_between or whole
    own_from, own_until = bookings_between or busy_between or whole
    booked = Appointment.objects.blocking()
    if ignore_appointment_id is not None:
        booked = booked.exclude(pk=ignore_appointment_id)
    found["appointments"] = sorted(booked.filter(
        practitioner_id__in=practitioners, start__lt=own_until, buffer_end__gt=own_from,
    ).values_list("practitioner_id", "start", "buffer_end"))
    found["time_off"] = sorted(TimeOff.objects.filter(
        practitioner_id__in=practitioners, start__lt=busy_until, end__gt=busy_from,
    ).values_list("practitioner_id", "start", "end"))
    found["closures"] = sorted(Closure.objects.filter(
        location_id__in=locations, first_day__lte=last_day + MARGIN, last_day__gte=first_day - MARGIN,
    ).values_list("location_id", "first_day", "last_day"))
    if service.requires_room:
        listed = Room.objects.filter(services=service)  # a listed room suits wherever it is; elsewhere any room
        rooms = Room.objects.filter(location_id__in=locations, active=True).filter(
            Q(pk__in=listed) | ~Q(location_id__in=listed.values("location_id"))
        ).order_by("pk")
        found["rooms"] = list(rooms.values_list("id", "location_id"))
        found["room_appointments"] = sorted(booked.filter(
            Q(room__in=rooms), start__lt=busy_until, buffer_end__gt=busy_from,
        ).values_list("room_id", "start", "buffer_end"))
    else:
        found["rooms"], found["room_appointments"] = None, []
    return found


def fetched(**kwargs) -> dict:
    rows = selectors.fetch_calendar_rows(**kwargs)
    return {
        "hours": sorted(rows.hours, key=str),
        "dated": sorted(rows.dated, key=str),
        "appointments": sorted(rows.appointments),
        "time_off": sorted(rows.time_off),
        "closures": sorted(rows.closures),
        "rooms": rows.rooms,
        "room_appointments": sorted(rows.room_appointments),
    }


@pytest.fixture
def calendar(studio):
    """Two studios; someone inactive, someone who does not offer the
    service, an inactive room, cancelled and live bookings in and out of
    the window, time off and closures near and far; at the second studio
    the service lists one of its two rooms, a booking in the other."""
    other_studio = LocationFactory(name="Velachery studio", time_zone="Asia/Kolkata")
    closed_studio = LocationFactory(name="Closed studio", time_zone="Asia/Kolkata")
    closed_studio.active = False
    closed_studio.save()
    studio.service.rooms.add(RoomFactory(location=other_studio, name="Foot lounge"))
    unsuited = RoomFactory(location=other_studio, name="Massage room")
    RoomFactory(location=studio.location, name="Spare room").__class__.objects.filter(name="Spare room").update(
        active=False)
    travelling = studio.add_practitioner()
    give_hours(travelling, other_studio)
    give_hours(travelling, closed_studio)
    resting = studio.add_practitioner()
    resting.active = False
    resting.save()
    not_offering = PractitionerFactory()
    give_hours(not_offering, studio.location)
    client = ClientFactory()
    spare = Room.objects.get(name="Spare room")

    def appointment(practitioner, start, *, room=None, status=AppointmentStatus.CONFIRMED, who=client):
        return Appointment.objects.create(
            client=who, practitioner=practitioner, service=studio.service, location=studio.location, room=room,
            start=start, end=start + timedelta(hours=1), buffer_end=start + timedelta(hours=1, minutes=15),
            price=1, source=Source.STAFF, status=status,
            cancelled_at=start if status == AppointmentStatus.CANCELLED else None,
        )

    kept = appointment(studio.practitioner, local(TUESDAY, 10), room=studio.room)
    appointment(studio.practitioner, local(TUESDAY, 15), room=studio.room, status=AppointmentStatus.CANCELLED)
    appointment(studio.other_practitioner, local(TUESDAY, 11), room=spare)
    appointment(not_offering, local(TUESDAY, 12), room=studio.room)
    appointment(travelling, local(TUESDAY + timedelta(days=9), 10))
    appointment(travelling, local(TUESDAY, 10, 30), room=unsuited, who=ClientFactory())
    appointment(studio.other_practitioner, local(TUESDAY, 17), status=AppointmentStatus.PENDING)
    TimeOffFactory(practitioner=studio.practitioner, start=local(TUESDAY, 14), end=local(TUESDAY, 16))
    camper = studio.add_practitioner()  # hours on a date only, at the other studio
    camper.working_hours.all().delete()
    for who, where, day, replaces in ((camper, other_studio, TUESDAY, False),
                                      (studio.practitioner, studio.location, MONDAY - timedelta(days=1), True),
                                      (studio.practitioner, studio.location, TUESDAY + timedelta(days=9), False),
                                      (not_offering, studio.location, TUESDAY, False),
                                      (resting, studio.location, TUESDAY, False)):
        DatedHours.objects.create(practitioner=who, location=where, day=day, starts_at=time(20), ends_at=time(1),
                                  replaces_weekly=replaces, reason="Camp")
    TimeOffFactory(practitioner=travelling, start=local(MONDAY + timedelta(days=20), 9),
                   end=local(MONDAY + timedelta(days=21), 9))
    ClosureFactory(location=studio.location, first_day=TUESDAY, last_day=TUESDAY, reason="Pongal")
    ClosureFactory(location=other_studio, first_day=TUESDAY + timedelta(days=30), last_day=TUESDAY + timedelta(days=31),
                   reason="Repairs")
    return {"studio": studio, "travelling": travelling, "kept": kept}


def held(hour: int, minute: int = 0) -> tuple[datetime, datetime]:
    start = local(TUESDAY, hour, minute)
    return start, start + timedelta(minutes=75)


@pytest.mark.parametrize(
    "shape",
    [
        {},
        {"named": True},
        {"busy_between": held(10)},
        {"busy_between": held(11, 30), "named": True},
        {"busy_between": held(9)},
        {"ignore": True, "busy_between": held(10)},
        {"no_room": True},
        {"days": 30},
        {"nothing_listed": True},
        {"listed_here": True, "busy_between": held(10)},
    ],
    ids=["range", "named", "one-start", "one-start-named", "anyone-ranking-window", "ignoring-one", "no-room",
         "a-month", "no-room-listed", "a-room-listed-here"],
)
def test_the_rows_are_those_the_querysets_read(calendar, shape):
    studio = calendar["studio"]
    if shape.get("no_room"):
        studio.service.requires_room = False
        studio.service.save()
    if shape.get("nothing_listed"):
        studio.service.rooms.clear()
    if shape.get("listed_here"):
        studio.service.rooms.add(RoomFactory(location=studio.location, name="Quiet room"))
    first_day: date = TUESDAY - timedelta(days=1)
    kwargs = {
        "service": studio.service,
        "first_day": first_day,
        "last_day": first_day + timedelta(days=shape.get("days", 2)),
        "practitioner": studio.practitioner if shape.get("named") else None,
        "ignore_appointment_id": calendar["kept"].pk if shape.get("ignore") else None,
        "busy_between": shape.get("busy_between"),
        "bookings_between": shape.get("busy_between") if shape.get("named") else None,
    }
    assert fetched(**kwargs) == oracle(**kwargs)


def test_the_calendar_has_something_to_compare(calendar):
    """The oracle is not comparing empty lists."""
    found = oracle(service=calendar["studio"].service, first_day=MONDAY, last_day=TUESDAY + timedelta(days=1))
    assert found["appointments"] and found["room_appointments"] and found["time_off"] and found["closures"]
    assert len(found["dated"]) == 2  # the camp, and the replaced Sunday before the range
    assert len({row[1] for row in found["hours"]}) == 2  # the closed studio's hours are left out
    suited = {room_id for room_id, _ in found["rooms"]}
    assert {"Room 1", "Foot lounge"} == set(Room.objects.filter(pk__in=suited).values_list("name", flat=True))
    assert Appointment.objects.filter(room__name="Massage room").exists()  # and is left out


def test_nobody_offering_costs_two_queries(studio, django_assert_num_queries):
    studio.practitioner.services.clear()
    studio.other_practitioner.services.clear()
    with django_assert_num_queries(2):  # the weekly hours and the hours on a date
        rows = selectors.fetch_calendar_rows(service=studio.service, first_day=MONDAY, last_day=TUESDAY)
    assert rows.hours == []


@pytest.mark.parametrize("needs_room", [True, False])
def test_a_new_appointment_is_shown_with_its_place_in_one_statement(studio, needs_room, django_assert_num_queries):
    from bookings import services

    studio.service.requires_room = needs_room
    studio.service.save()
    appointment = services.book_appointment(
        client=studio.client, practitioner=studio.practitioner, service=studio.service, start=local(TUESDAY, 10),
        source=Source.APP, actor=None, now=local(MONDAY, 8),
    )
    fresh = Appointment.objects.get(pk=appointment.pk)
    with django_assert_num_queries(1):
        shown = selectors.with_place(fresh)
        assert (shown.location.name, str(shown.location.time_zone)) == (studio.location.name, "Asia/Kolkata")
        assert (shown.room.name if shown.room else None) == (studio.room.name if needs_room else None)
    assert shown.location.address == studio.location.address  # a field not read is loaded when asked for
