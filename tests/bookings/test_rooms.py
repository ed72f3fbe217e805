"""Rooms that suit a service (``Service.rooms``): a service that lists
rooms is booked only into those of them at the location; one that lists
none of a location's rooms may use any of them."""

from __future__ import annotations

from collections import Counter

import pytest

from bookings import selectors, services
from bookings.errors import BookingError
from bookings.models import Appointment, Source
from tests.bookings.test_concurrency import booking, race
from tests.clinic.factories import ClientFactory, LocationFactory, RoomFactory
from tests.scenario import NOW, TUESDAY, local
from tests.treatments.factories import ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lounge(studio):
    """A second room at the studio, the only one the service lists; the
    studio's first room (``studio.room``, the lower id) stays free."""
    room = RoomFactory(location=studio.location, name="Foot care lounge")
    studio.service.rooms.add(room)
    return room


def book(studio, start, *, practitioner=None, client=None, anyone=False):
    return services.book_appointment(
        client=client or studio.client,
        practitioner=None if anyone else practitioner or studio.practitioner,
        service=studio.service, start=start, source=Source.APP, actor=None, now=NOW,
    )


def refused(code: str, call) -> None:
    with pytest.raises(BookingError) as refusal:
        call()
    assert refusal.value.code == code, refusal.value.message


def test_a_service_limited_to_one_room_books_only_that_room_even_when_others_are_free(studio, lounge):
    assert book(studio, local(TUESDAY, 10)).room == lounge
    refused("no_room", lambda: book(studio, local(TUESDAY, 10), practitioner=studio.other_practitioner,
                                     client=studio.other_client))
    assert not Appointment.objects.filter(room=studio.room).exists()


def test_anyone_picks_a_practitioner_but_never_an_unsuitable_room(studio, lounge):
    first = book(studio, local(TUESDAY, 10), anyone=True)
    assert first.room == lounge
    assert first.practitioner in (studio.practitioner, studio.other_practitioner)
    refused("no_room", lambda: book(studio, local(TUESDAY, 10), client=studio.other_client, anyone=True))
    assert Appointment.objects.get() == first


def test_a_move_keeps_to_the_suitable_rooms(studio, lounge):
    moving = book(studio, local(TUESDAY, 10))
    book(studio, local(TUESDAY, 12), practitioner=studio.other_practitioner, client=studio.other_client)
    refused("no_room", lambda: services.reschedule_appointment(appointment=moving, start=local(TUESDAY, 12),
                                                               now=NOW))
    moving.refresh_from_db()
    assert (moving.start, moving.room) == (local(TUESDAY, 10), lounge)


def test_no_slot_is_listed_when_the_only_suitable_room_is_taken_though_others_are_free(studio, lounge):
    book(studio, local(TUESDAY, 10))
    taken = local(TUESDAY, 10)

    def starts(practitioner=None):
        slots = selectors.free_slots(service=studio.service, first_day=TUESDAY, last_day=TUESDAY,
                                     practitioner=practitioner, now=NOW)
        return {slot.start for slot in slots}

    assert taken not in starts()
    assert taken not in starts(studio.other_practitioner)
    assert local(TUESDAY, 12) in starts(studio.other_practitioner)  # the lounge is free again by then


def test_a_service_with_no_rooms_listed_still_uses_any_room(studio):
    other_room = RoomFactory(location=studio.location, name="Room 2")
    ServiceFactory().rooms.add(other_room)  # another service's choice is not this one's
    first = book(studio, local(TUESDAY, 10))
    second = book(studio, local(TUESDAY, 10), practitioner=studio.other_practitioner, client=studio.other_client)
    assert {first.room, second.room} == {studio.room, other_room}


def test_a_room_listed_at_another_location_is_ignored_at_this_one(studio):
    elsewhere = RoomFactory(location=LocationFactory(name="Velachery studio"), name="Foot care lounge")
    studio.service.rooms.add(elsewhere)
    assert book(studio, local(TUESDAY, 10)).room == studio.room
    slots = selectors.free_slots(service=studio.service, first_day=TUESDAY, last_day=TUESDAY, now=NOW)
    assert local(TUESDAY, 11, 30) in {slot.start for slot in slots}


# -- many at once ------------------------------------------------------------------


@pytest.fixture
def crowded(studio, lounge):
    """Ten practitioners, and a room for each, but one room suits."""
    team = [studio.practitioner, studio.other_practitioner] + [studio.add_practitioner() for _ in range(8)]
    for n in range(len(team) - 2):
        RoomFactory(location=studio.location, name=f"Room {n + 2}")
    return team


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_practitioners_racing_for_the_one_suitable_room(studio, lounge, crowded):
    clients = ClientFactory.create_batch(len(crowded))
    outcomes = race([booking(studio, client, local(TUESDAY, 17), practitioner)
                     for client, practitioner in zip(clients, crowded, strict=True)])
    assert outcomes == Counter({"ok": 1, "no_room": len(crowded) - 1})
    assert Appointment.objects.get().room == lounge


@pytest.mark.django_db(transaction=True)
def test_anyone_requests_racing_for_the_one_suitable_room(studio, lounge, crowded):
    clients = ClientFactory.create_batch(6)
    outcomes = race([lambda client=client: book(studio, local(TUESDAY, 17), client=client, anyone=True)
                     for client in clients])
    assert outcomes == Counter({"ok": 1, "no_room": len(clients) - 1})
    assert Appointment.objects.get().room == lounge
