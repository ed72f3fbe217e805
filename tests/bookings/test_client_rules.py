"""A client's own calendar: one appointment at a time, a cap on how many
they hold ahead, and no moving or cancelling once it has started (the
front desk excepted)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from bookings import services
from bookings.errors import BookingError
from bookings.models import Appointment, AppointmentStatus, Source
from tests.bookings.test_booking import book, refused
from tests.bookings.test_concurrency import race
from tests.clinic.factories import UserFactory
from tests.scenario import NOW, TUESDAY, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def login(studio):
    """The studio's client, signed in to the app."""
    studio.client.user = UserFactory()
    studio.client.save(update_fields=["user"])
    return studio.client.user


def no_room(studio):
    studio.service.requires_room = False
    studio.service.save(update_fields=["requires_room"])


class TestOneAppointmentAtATime:
    def test_a_client_cannot_hold_two_overlapping_appointments(self, studio, login):
        no_room(studio)
        book(studio, local(TUESDAY, 10), actor=login, source=Source.APP)
        error = refused("client_overlap", lambda: book(
            studio, local(TUESDAY, 10, 30), practitioner=studio.other_practitioner, actor=login, source=Source.APP))
        assert (error.kind, error.field) == (409, "start")

    def test_nor_can_the_front_desk_book_them_overlapping(self, studio, receptionist):
        no_room(studio)
        book(studio, local(TUESDAY, 10), actor=receptionist)
        refused("client_overlap", lambda: book(
            studio, local(TUESDAY, 10), practitioner=studio.other_practitioner, actor=receptionist))

    def test_back_to_back_is_fine_the_buffer_is_the_room_s_not_the_client_s(self, studio, login):
        no_room(studio)
        book(studio, local(TUESDAY, 10), actor=login)
        book(studio, local(TUESDAY, 11), practitioner=studio.other_practitioner, actor=login)
        assert Appointment.objects.filter(client=studio.client).count() == 2

    def test_a_cancelled_appointment_frees_the_client(self, studio, login):
        no_room(studio)
        first = book(studio, local(TUESDAY, 10), actor=login)
        services.cancel_appointment(appointment=first, actor=login, now=NOW)
        book(studio, local(TUESDAY, 10), practitioner=studio.other_practitioner, actor=login)

    def test_the_check_a_form_runs_refuses_it_too(self, studio, receptionist):
        no_room(studio)
        book(studio, local(TUESDAY, 10), actor=receptionist)
        with pytest.raises(BookingError) as excinfo:
            services.check_booking(client=studio.client, practitioner=studio.other_practitioner,
                                   service=studio.service, start=local(TUESDAY, 10, 15), actor=receptionist, now=NOW)
        assert excinfo.value.code == "client_overlap"

    def test_a_move_onto_another_of_the_client_s_appointments_is_refused(self, studio, login):
        no_room(studio)
        book(studio, local(TUESDAY, 10), actor=login)
        later = book(studio, local(TUESDAY, 14), practitioner=studio.other_practitioner, actor=login)
        refused("client_overlap", lambda: services.reschedule_appointment(
            appointment=later, start=local(TUESDAY, 10, 30), actor=login, now=NOW))
        with pytest.raises(BookingError, match="already has an appointment"):
            services.check_reschedule(appointment=later, start=local(TUESDAY, 10, 30), actor=login, now=NOW)
        # Moving within its own time is not an overlap with itself.
        moved = services.reschedule_appointment(appointment=later, start=local(TUESDAY, 14, 30), actor=login, now=NOW)
        assert moved.start == local(TUESDAY, 14, 30)


@pytest.mark.postgres
class TestTheDatabaseKeepsClientsToOnePlace:
    def test_the_database_refuses_an_overlap_for_one_client(self, studio):
        book(studio, local(TUESDAY, 10))
        with pytest.raises(IntegrityError), transaction.atomic():
            Appointment.objects.create(
                client=studio.client, practitioner=studio.other_practitioner, service=studio.service,
                location=studio.location, start=local(TUESDAY, 10, 30), end=local(TUESDAY, 11, 30),
                buffer_end=local(TUESDAY, 11, 30), price=1, source=Source.STAFF,
            )

    def test_its_refusal_becomes_client_overlap(self, studio, monkeypatch):
        no_room(studio)
        book(studio, local(TUESDAY, 10))
        monkeypatch.setattr(services, "_check_client", lambda **kwargs: None)  # as if a race slipped past
        refused("client_overlap", lambda: book(studio, local(TUESDAY, 10), practitioner=studio.other_practitioner))


@pytest.mark.django_db(transaction=True)
def test_one_client_racing_for_two_practitioners_gets_one(studio):
    no_room(studio)
    practitioners = [studio.practitioner, studio.other_practitioner, studio.add_practitioner()]
    outcomes = race([
        (lambda p=p: services.book_appointment(client=studio.client, practitioner=p, service=studio.service,
                                               start=local(TUESDAY, 17), source=Source.APP, actor=None, now=NOW))
        for p in practitioners
    ])
    assert outcomes["ok"] == 1, outcomes
    assert outcomes["client_overlap"] == len(practitioners) - 1, outcomes
    assert Appointment.objects.filter(client=studio.client).count() == 1


class TestCapOnUpcomingBookings:
    @pytest.fixture(autouse=True)
    def cap(self, settings):
        settings.BOOKING_MAX_UPCOMING_PER_CLIENT = 2

    def test_a_client_holds_at_most_the_cap(self, studio, login):
        book(studio, local(TUESDAY, 10), actor=login)
        book(studio, local(TUESDAY, 14), actor=login)
        error = refused("too_many_bookings", lambda: book(studio, local(TUESDAY, 16), actor=login))
        assert "2" in error.message and error.kind == 409

    def test_past_and_cancelled_appointments_do_not_count(self, studio, login):
        first = book(studio, local(TUESDAY, 10), actor=login)
        book(studio, local(TUESDAY, 14), actor=login)
        services.cancel_appointment(appointment=first, actor=login, now=NOW)
        book(studio, local(TUESDAY, 16), actor=login)
        # A day later the 14:00 one is in the past: room again for one more.
        later = NOW + timedelta(days=1, hours=8)
        book(studio, local(TUESDAY + timedelta(days=1), 16), actor=login, now=later)

    def test_the_front_desk_may_book_a_course_beyond_it(self, studio, receptionist):
        for hour in (10, 12, 14, 16):
            book(studio, local(TUESDAY, hour), actor=receptionist)
        assert Appointment.objects.filter(client=studio.client).count() == 4

    def test_zero_means_no_cap(self, studio, login, settings):
        settings.BOOKING_MAX_UPCOMING_PER_CLIENT = 0
        for hour in (10, 12, 14):
            book(studio, local(TUESDAY, hour), actor=login)

    def test_moving_an_appointment_is_not_a_new_booking(self, studio, login):
        book(studio, local(TUESDAY, 10), actor=login)
        second = book(studio, local(TUESDAY, 14), actor=login)
        services.reschedule_appointment(appointment=second, start=local(TUESDAY, 16), actor=login, now=NOW)


class TestAfterTheStart:
    @pytest.fixture
    def started(self, studio, login):
        appointment = book(studio, local(TUESDAY, 10), actor=login)
        return appointment, local(TUESDAY, 10, 5)

    @pytest.mark.parametrize("who", ["client", "practitioner"])
    def test_only_the_front_desk_moves_or_cancels_once_it_has_started(self, studio, login, started, who):
        appointment, now = started
        actor = login if who == "client" else studio.practitioner.user
        error = refused("permission_denied", lambda: services.reschedule_appointment(
            appointment=appointment, start=local(TUESDAY, 16), actor=actor, now=now))
        assert error.kind == 403 and "started" in error.message
        refused("permission_denied", lambda: services.cancel_appointment(appointment=appointment, actor=actor, now=now))
        with pytest.raises(BookingError):
            services.check_reschedule(appointment=appointment, start=local(TUESDAY, 16), actor=actor, now=now)

    def test_a_minute_before_the_start_the_client_still_may(self, studio, login, started):
        appointment, _ = started
        cancelled = services.cancel_appointment(appointment=appointment, actor=login, now=local(TUESDAY, 9, 59))
        assert cancelled.status == AppointmentStatus.CANCELLED

    def test_the_front_desk_may(self, studio, started, receptionist):
        appointment, now = started
        cancelled = services.cancel_appointment(appointment=appointment, actor=receptionist, now=now)
        assert cancelled.status == AppointmentStatus.CANCELLED

    def test_a_no_show_cannot_be_erased_by_the_client(self, studio, login, started):
        appointment, now = started
        services.mark_no_show(appointment=appointment, actor=studio.practitioner.user, now=now)
        appointment.refresh_from_db()
        refused("permission_denied", lambda: services.reschedule_appointment(
            appointment=appointment, start=local(TUESDAY, 16), actor=login, now=now))
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.NO_SHOW
