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
from django.db import connections

from bookings import services
from bookings.errors import BookingError
from bookings.models import Appointment, Source
from tests.scenario import NOW, TUESDAY, local
from tests.clinic.factories import ClientFactory

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
