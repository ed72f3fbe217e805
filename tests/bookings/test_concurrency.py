"""Many clients at once, each on its own database connection.

Each thread waits at a barrier, then books (or moves) through the booking
service. Whatever the interleaving, exactly one wins and the others are
told the slot is taken.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connections, transaction

from bookings import services
from bookings.errors import BookingError
from bookings.models import Appointment, Source
from tests.scenario import NOW, TUESDAY, local
from clinic.errors import CommonError
from clinic.models import Practitioner, Room
from tests.clinic.factories import ClientFactory, RoomFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 50
SQLITE_THREADS = 12


def race(calls: list[Callable[[], object]]) -> Counter:
    """Run every call at the same moment in its own thread; count outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(call):
        try:
            barrier.wait(timeout=30)
            call()
            outcome = "ok"
        except BookingError as error:
            outcome = error.code
        except Exception as error:  # a crash must show in the counts, not vanish
            outcome = f"crash: {type(error).__name__}: {error}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return Counter(outcomes)


def booking(studio, client, start, practitioner=None):
    return lambda: services.book_appointment(
        client=client,
        practitioner=practitioner or studio.practitioner,
        service=studio.service,
        start=start,
        source=Source.APP, actor=None,
        now=NOW,
    )


@pytest.mark.postgres
def test_fifty_clients_book_the_same_slot(studio):
    clients = ClientFactory.create_batch(THREADS)
    outcomes = race([booking(studio, client, local(TUESDAY, 17)) for client in clients])
    assert outcomes == Counter({"ok": 1, "slot_unavailable": THREADS - 1})
    assert Appointment.objects.count() == 1


@pytest.mark.postgres
def test_fifty_clients_book_overlapping_slots(studio):
    clients = ClientFactory.create_batch(THREADS)
    # 17:00, 17:15, 17:30, 17:45: every pair overlaps once buffers count.
    starts = [local(TUESDAY, 17, 15 * (n % 4)) for n in range(THREADS)]
    studio.service.requires_room = False
    studio.service.save()
    outcomes = race([booking(studio, client, start) for client, start in zip(clients, starts, strict=True)])
    assert outcomes == Counter({"ok": 1, "slot_unavailable": THREADS - 1})
    assert Appointment.objects.count() == 1


@pytest.mark.postgres
def test_many_practitioners_race_for_the_last_room(studio):
    practitioners = [studio.practitioner, studio.other_practitioner] + [studio.add_practitioner() for _ in range(8)]
    clients = ClientFactory.create_batch(len(practitioners))
    outcomes = race(
        [booking(studio, client, local(TUESDAY, 17), p) for client, p in zip(clients, practitioners, strict=True)]
    )
    assert outcomes == Counter({"ok": 1, "no_room": len(practitioners) - 1})
    assert Appointment.objects.filter(room=studio.room).count() == 1


@pytest.mark.postgres
def test_a_reschedule_races_new_bookings_for_its_target(studio):
    moving = services.book_appointment(
        client=studio.client, practitioner=studio.practitioner, service=studio.service,
        start=local(TUESDAY, 10), source=Source.STAFF, actor=None, now=NOW,
    )
    clients = ClientFactory.create_batch(THREADS - 1)
    calls = [booking(studio, client, local(TUESDAY, 17)) for client in clients]
    calls.insert(THREADS // 2, lambda: services.reschedule_appointment(
        appointment=moving, start=local(TUESDAY, 17), now=NOW))
    outcomes = race(calls)
    assert outcomes == Counter({"ok": 1, "slot_unavailable": THREADS - 1})
    at_five = Appointment.objects.blocking().filter(start=local(TUESDAY, 17))
    assert at_five.count() == 1
    moving.refresh_from_db()
    if at_five.get().pk == moving.pk:
        assert Appointment.objects.count() == 1  # it moved; 10:00 is free again
    else:
        assert moving.start == local(TUESDAY, 10)  # it stayed where it was
        assert Appointment.objects.count() == 2


def test_concurrent_bookings_on_either_database(studio):
    """On SQLite the IMMEDIATE transaction serialises the writers; the
    re-check inside it turns every later one away."""
    clients = ClientFactory.create_batch(SQLITE_THREADS)
    outcomes = race([booking(studio, client, local(TUESDAY, 17)) for client in clients])
    assert outcomes == Counter({"ok": 1, "slot_unavailable": SQLITE_THREADS - 1})
    assert Appointment.objects.count() == 1


# -- "anyone" -------------------------------------------------------------------


def anyone(studio, client, start):
    return lambda: services.book_appointment(
        client=client, service=studio.service, start=start, source=Source.APP, actor=None, now=NOW,
    )


def team_with_rooms(studio, size: int) -> list:
    """``size`` practitioners who offer the service, and a room for each."""
    team = [studio.practitioner, studio.other_practitioner] + [studio.add_practitioner() for _ in range(size - 2)]
    for n in range(size - 1):
        RoomFactory(location=studio.location, name=f"Room {n + 2}")
    return team


@pytest.mark.parametrize("size", [8])
def test_as_many_anyone_requests_as_practitioners_all_succeed(studio, size):
    """Each request is given a different practitioner: deciding "anyone"
    under the lock means no client is refused while a colleague is free."""
    team = team_with_rooms(studio, size)
    clients = ClientFactory.create_batch(size)
    outcomes = race([anyone(studio, client, local(TUESDAY, 17)) for client in clients])
    assert outcomes == Counter({"ok": size})
    booked = Appointment.objects.filter(start=local(TUESDAY, 17))
    assert sorted(booked.values_list("practitioner_id", flat=True)) == sorted(p.pk for p in team)
    assert booked.values("room_id").distinct().count() == size


def test_one_more_anyone_request_than_practitioners_is_told_all_are_taken(studio):
    size = 4
    team_with_rooms(studio, size)
    clients = ClientFactory.create_batch(size + 1)
    outcomes = race([anyone(studio, client, local(TUESDAY, 17)) for client in clients])
    assert outcomes == Counter({"ok": size, "all_taken": 1})


@pytest.mark.postgres
def test_anyone_and_named_bookings_race_for_one_start(studio):
    """Named bookings of each practitioner and "anyone" requests at once:
    every practitioner ends up with exactly one appointment at that start."""
    size = 6
    team = team_with_rooms(studio, size)
    clients = ClientFactory.create_batch(3 * size)
    calls = [booking(studio, clients[n], local(TUESDAY, 17), practitioner) for n, practitioner in enumerate(team)]
    calls += [anyone(studio, client, local(TUESDAY, 17)) for client in clients[size:]]
    outcomes = race(calls)
    assert outcomes["ok"] == size
    assert set(outcomes) <= {"ok", "slot_unavailable", "all_taken"}
    booked = Appointment.objects.filter(start=local(TUESDAY, 17))
    assert sorted(booked.values_list("practitioner_id", flat=True)) == sorted(p.pk for p in team)


# -- idempotency ------------------------------------------------------------------


def twin(studio, user, key: str, practitioner=None):
    return lambda: services.book_once(
        idempotency_key=key, actor=user, client=None, service=studio.service, practitioner=practitioner,
        start=local(TUESDAY, 17), source=Source.APP, now=NOW,
    )


@pytest.mark.parametrize("named", [True, False], ids=["named", "anyone"])
def test_twin_requests_with_one_key_book_once(studio, named):
    """A phone's retry racing its first try: one appointment, and every
    twin is answered with it rather than with an error."""
    team_with_rooms(studio, 3)
    login = UserFactory()
    studio.client.user = login
    studio.client.save(update_fields=["user"])
    results: list = []
    calls = [twin(studio, login, "retry-1", studio.practitioner if named else None) for _ in range(6)]
    outcomes = race([lambda call=call: results.append(call()) for call in calls])
    assert outcomes == Counter({"ok": 6})
    assert Appointment.objects.count() == 1
    assert {booked.appointment.pk for booked in results} == {Appointment.objects.get().pk}
    assert sorted(booked.replayed for booked in results) == [False] + [True] * 5


# -- the locks themselves (PostgreSQL: SQLite's whole-database lock hides them) ----


def held_lock(queryset, ready: threading.Event, release: threading.Event):
    """In another connection: lock the rows, then hold them until released."""

    def hold():
        try:
            with transaction.atomic():
                list(queryset.select_for_update(of=("self",)))
                ready.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    assert ready.wait(timeout=10)
    return thread


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("locked", "named"),
    [("practitioner", True), ("rooms", True), ("practitioner", False), ("rooms", False)],
    ids=["named-practitioner", "named-rooms", "anyone-practitioner", "anyone-rooms"],
)
def test_a_booking_waits_for_the_calendar_it_reads(studio, settings, locked, named):
    """While another transaction holds the practitioner's row (or, for a
    service that needs a room, every room), a booking waits; with a short
    lock timeout it answers ``busy`` and writes nothing."""
    settings.LOCK_TIMEOUT_SECONDS = 0.3
    rows = (Practitioner.objects.filter(pk=studio.practitioner.pk) if locked == "practitioner"
            else Room.objects.filter(location=studio.location))
    ready, release = threading.Event(), threading.Event()
    holder = held_lock(rows, ready, release)
    try:
        call = booking(studio, studio.client, local(TUESDAY, 17)) if named else anyone(
            studio, studio.client, local(TUESDAY, 17))
        with pytest.raises(CommonError) as refusal:
            call()
        assert refusal.value.code == "busy" and refusal.value.kind == 503
    finally:
        release.set()
        holder.join(timeout=30)
    assert not Appointment.objects.exists()


@pytest.mark.postgres
def test_a_move_waits_for_the_appointment_it_moves(studio, settings):
    settings.LOCK_TIMEOUT_SECONDS = 0.3
    appointment = booking(studio, studio.client, local(TUESDAY, 10))()
    ready, release = threading.Event(), threading.Event()
    holder = held_lock(Appointment.objects.filter(pk=appointment.pk), ready, release)
    try:
        with pytest.raises(CommonError):
            services.reschedule_appointment(appointment=appointment, start=local(TUESDAY, 15), now=NOW)
    finally:
        release.set()
        holder.join(timeout=30)
    appointment.refresh_from_db()
    assert appointment.start == local(TUESDAY, 10)


@pytest.mark.postgres
def test_a_room_held_by_a_booking_in_flight_is_passed_over(studio, settings):
    """Two rooms: while another booking holds the first, a booking with a
    colleague takes the second at once instead of waiting."""
    settings.LOCK_TIMEOUT_SECONDS = 0.3
    second = RoomFactory(location=studio.location, name="Room 2")
    ready, release = threading.Event(), threading.Event()
    holder = held_lock(Room.objects.filter(pk=studio.room.pk), ready, release)
    try:
        appointment = booking(studio, studio.client, local(TUESDAY, 17), studio.other_practitioner)()
    finally:
        release.set()
        holder.join(timeout=30)
    assert appointment.room_id == second.pk


@pytest.mark.postgres
def test_bookings_with_different_practitioners_do_not_wait_for_each_other(studio, settings):
    """Rooms, not the location, are locked: a booking in flight with one
    practitioner does not hold up a colleague's booking at the same studio."""
    settings.LOCK_TIMEOUT_SECONDS = 0.3
    RoomFactory(location=studio.location, name="Room 2")
    started, release, done = threading.Event(), threading.Event(), threading.Event()
    outcome = {}

    def first_booking_stays_open():
        try:
            with transaction.atomic():
                outcome["first"] = booking(studio, studio.client, local(TUESDAY, 17))()
                started.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=first_booking_stays_open)
    thread.start()
    try:
        assert started.wait(timeout=10)
        second = booking(studio, studio.other_client, local(TUESDAY, 17), studio.other_practitioner)()
    finally:
        release.set()
        thread.join(timeout=30)
    assert second.room_id != outcome["first"].room_id
    assert Appointment.objects.filter(start=local(TUESDAY, 17)).count() == 2


@pytest.mark.postgres
def test_lock_first_available_passes_over_held_rows(studio):
    """What the room claim stands on: a row another transaction holds is
    skipped, not waited for, and a held set answers None."""
    from clinic.locking import lock_first_available

    second = RoomFactory(location=studio.location, name="Room 2")
    ready, release = threading.Event(), threading.Event()
    holder = held_lock(Room.objects.filter(pk=studio.room.pk), ready, release)
    try:
        with transaction.atomic():
            assert lock_first_available(Room, [studio.room.pk, second.pk]) == second.pk
            assert lock_first_available(Room, [studio.room.pk]) is None
    finally:
        release.set()
        holder.join(timeout=30)
