"""The booking rules, through ``bookings.services``."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from bookings import services
from bookings.errors import BookingError
from bookings.models import Appointment, AppointmentEvent, AppointmentStatus, Source
from tests.scenario import MONDAY, NOW, TUESDAY, local
from tests.bookings.factories import ClosureFactory, TimeOffFactory
from tests.clinic.factories import RoomFactory, UserFactory

pytestmark = pytest.mark.django_db
Status = AppointmentStatus


def book(studio, start, *, client=None, practitioner=None, service=None, now=NOW, **extra) -> Appointment:
    return services.book_appointment(
        client=client or studio.client,
        practitioner=practitioner or studio.practitioner,
        service=service or studio.service,
        start=start,
        source=extra.pop("source", Source.WEB),
        actor=extra.pop("actor", None),
        now=now,
        **extra,
    )


def refused(code: str, call) -> BookingError:
    appointments, events = Appointment.objects.count(), AppointmentEvent.objects.count()
    with pytest.raises(BookingError) as excinfo:
        call()
    assert excinfo.value.code == code, excinfo.value.message
    # Nothing half-written.
    assert (Appointment.objects.count(), AppointmentEvent.objects.count()) == (appointments, events)
    return excinfo.value


class TestBooking:
    def test_a_booking_holds_its_time_room_and_price(self, studio):
        appointment = book(studio, local(TUESDAY, 10), notes="Stiff neck since Friday")
        appointment.refresh_from_db()
        assert appointment.status == Status.CONFIRMED
        assert appointment.start == local(TUESDAY, 10)
        assert appointment.end == local(TUESDAY, 11)
        assert appointment.buffer_end == local(TUESDAY, 11, 15)
        assert appointment.room == studio.room
        assert appointment.location == studio.location
        assert appointment.price == studio.service.price
        assert appointment.notes_for_practitioner == "Stiff neck since Friday"
        assert list(appointment.events.values_list("action", "to_status")) == [("booked", "confirmed")]

    def test_the_price_is_a_snapshot(self, studio):
        appointment = book(studio, local(TUESDAY, 10))
        studio.service.price = Decimal("9999.00")
        studio.service.save()
        appointment.refresh_from_db()
        assert appointment.price == Decimal("1500.00")

    def test_a_service_needing_approval_starts_pending(self, studio, manager):
        studio.service.requires_approval = True
        studio.service.save()
        appointment = book(studio, local(TUESDAY, 10))
        assert appointment.status == Status.PENDING
        approved = services.approve_appointment(appointment=appointment, actor=manager, now=NOW)
        assert approved.status == Status.CONFIRMED
        assert approved.events.last().actor == manager

    def test_a_pending_booking_still_holds_the_slot(self, studio):
        studio.service.requires_approval = True
        studio.service.save()
        book(studio, local(TUESDAY, 10))
        refused("slot_unavailable", lambda: book(studio, local(TUESDAY, 10), client=studio.other_client))

    def test_a_service_without_a_room_takes_none(self, studio):
        studio.service.requires_room = False
        studio.service.save()
        assert book(studio, local(TUESDAY, 10)).room is None


class TestRefusals:
    def test_client_missing(self, studio):
        error = refused("client_missing", lambda: services.book_appointment(
            client=None, practitioner=studio.practitioner, service=studio.service,
            start=local(TUESDAY, 10), source=Source.WEB, actor=None, now=NOW))
        assert error.field == "client"

    def test_naive_start(self, studio):
        refused("naive_start", lambda: book(studio, datetime(2026, 12, 8, 10)))

    def test_in_the_past(self, studio):
        refused("in_the_past", lambda: book(studio, local(MONDAY, 7)))

    def test_inactive_service(self, studio):
        studio.service.active = False
        studio.service.save()
        refused("service_inactive", lambda: book(studio, local(TUESDAY, 10)))

    def test_inactive_practitioner(self, studio):
        studio.practitioner.active = False
        studio.practitioner.save()
        refused("practitioner_inactive", lambda: book(studio, local(TUESDAY, 10)))

    def test_practitioner_who_does_not_offer_the_service(self, studio):
        studio.practitioner.services.clear()
        error = refused("service_not_offered", lambda: book(studio, local(TUESDAY, 10)))
        assert error.field == "practitioner"

    def test_off_grid_start(self, studio):
        error = refused("off_grid", lambda: book(studio, local(TUESDAY, 10, 5)))
        assert "every 15 minutes" in error.message

    @pytest.mark.parametrize(("hour", "minute"), [(8, 0), (12, 15), (13, 30), (18, 30)])
    def test_outside_working_hours(self, studio, hour, minute):
        refused("outside_working_hours", lambda: book(studio, local(TUESDAY, hour, minute)))

    def test_sunday(self, studio):
        refused("outside_working_hours", lambda: book(studio, local(MONDAY - timedelta(days=1) + timedelta(days=7), 10)))

    def test_too_soon(self, studio):
        error = refused("too_soon", lambda: book(studio, local(MONDAY, 9, 45)))
        assert "2 hours ahead" in error.message

    def test_too_far(self, studio):
        refused("too_far", lambda: book(studio, local(MONDAY + timedelta(days=63), 10)))

    def test_closure(self, studio):
        ClosureFactory(location=studio.location, first_day=TUESDAY, last_day=TUESDAY, reason="Pongal")
        refused("location_closed", lambda: book(studio, local(TUESDAY, 10)))

    def test_time_off(self, studio):
        TimeOffFactory(practitioner=studio.practitioner, start=local(TUESDAY, 9), end=local(TUESDAY, 12))
        refused("practitioner_away", lambda: book(studio, local(TUESDAY, 10)))
        assert book(studio, local(TUESDAY, 12)).start == local(TUESDAY, 12)

    def test_the_same_slot_twice(self, studio):
        book(studio, local(TUESDAY, 10))
        error = refused("slot_unavailable", lambda: book(studio, local(TUESDAY, 10), client=studio.other_client))
        assert error.is_conflict

    @pytest.mark.parametrize(("hour", "minute"), [(9, 15), (10, 30), (11, 0)])
    def test_overlaps_including_the_buffer(self, studio, hour, minute):
        book(studio, local(TUESDAY, 10))  # holds 10:00-11:15
        refused("slot_unavailable", lambda: book(studio, local(TUESDAY, hour, minute), client=studio.other_client))

    def test_right_after_the_buffer_is_free(self, studio):
        book(studio, local(TUESDAY, 10))
        assert book(studio, local(TUESDAY, 11, 15), client=studio.other_client).pk

    def test_the_only_room_taken_by_another_practitioner(self, studio):
        book(studio, local(TUESDAY, 10))
        refused("no_room", lambda: book(studio, local(TUESDAY, 10), practitioner=studio.other_practitioner,
                                        client=studio.other_client))

    def test_a_second_room_lets_both_work(self, studio):
        second = RoomFactory(location=studio.location, name="Room 2")
        first = book(studio, local(TUESDAY, 10))
        other = book(studio, local(TUESDAY, 10), practitioner=studio.other_practitioner, client=studio.other_client)
        assert {first.room, other.room} == {studio.room, second}


class TestLifeCycle:
    def test_check_in_then_complete(self, studio, receptionist, practitioner):
        appointment = book(studio, local(TUESDAY, 10))
        at = local(TUESDAY, 9, 50)
        appointment = services.check_in(appointment=appointment, actor=receptionist, now=at)
        assert appointment.status == Status.CHECKED_IN and appointment.checked_in_at == at
        appointment = services.complete(appointment=appointment, now=local(TUESDAY, 11))
        assert appointment.status == Status.COMPLETED
        assert list(appointment.events.values_list("action", flat=True)) == ["booked", "checked_in", "completed"]

    def test_transitions_are_idempotent(self, studio):
        appointment = book(studio, local(TUESDAY, 10))
        services.check_in(appointment=appointment, now=local(TUESDAY, 9, 50))
        again = services.check_in(appointment=appointment, now=local(TUESDAY, 9, 55))
        assert again.checked_in_at == local(TUESDAY, 9, 50)
        assert appointment.events.count() == 2

    @pytest.mark.parametrize(
        ("setup", "move", "message"),
        [
            ([], services.complete, "A confirmed appointment cannot be completed."),
            (["complete"], services.cancel_appointment, "A completed appointment cannot be cancelled."),
            (["cancel"], services.check_in, "A cancelled appointment cannot be checked in."),
            (["complete"], services.mark_no_show, "A completed appointment cannot be marked no-show."),
        ],
    )
    def test_illegal_transitions_are_refused(self, studio, setup, move, message):
        appointment = book(studio, local(TUESDAY, 10))
        late = local(TUESDAY, 10, 30)
        for step in setup:
            if step == "complete":
                services.check_in(appointment=appointment, now=late)
                services.complete(appointment=appointment, now=late)
            else:
                services.cancel_appointment(appointment=appointment, now=NOW)
        error = refused("illegal_transition", lambda: move(appointment=appointment, now=late))
        assert error.message == message
        assert error.is_conflict

    def test_check_in_opens_two_hours_before(self, studio):
        appointment = book(studio, local(TUESDAY, 14))
        refused("too_early_to_check_in", lambda: services.check_in(appointment=appointment, now=local(TUESDAY, 11)))
        assert services.check_in(appointment=appointment, now=local(TUESDAY, 12)).status == Status.CHECKED_IN

    def test_no_show_only_once_started(self, studio):
        appointment = book(studio, local(TUESDAY, 10))
        refused("not_started", lambda: services.mark_no_show(appointment=appointment, now=local(TUESDAY, 9, 59)))
        no_show = services.mark_no_show(appointment=appointment, now=local(TUESDAY, 10, 20))
        assert no_show.status == Status.NO_SHOW
        # A no-show no longer holds the practitioner's time.
        assert book(studio, local(TUESDAY, 10, 45), client=studio.other_client, now=local(TUESDAY, 8)).pk


class TestCancel:
    def test_early_cancellation_frees_the_slot(self, studio):
        client_user = UserFactory()
        studio.client.user = client_user
        studio.client.save(update_fields=["user"])
        appointment = book(studio, local(TUESDAY, 10))
        cancelled = services.cancel_appointment(appointment=appointment, actor=client_user, reason=" Fever ", now=NOW)
        assert cancelled.status == Status.CANCELLED
        assert cancelled.cancelled_by == client_user
        assert cancelled.cancellation_reason == "Fever"
        assert cancelled.cancelled_at == NOW
        assert cancelled.late_cancellation is False
        assert book(studio, local(TUESDAY, 10), client=studio.other_client).pk

    def test_inside_the_window_is_late(self, studio):
        appointment = book(studio, local(TUESDAY, 10))
        cancelled = services.cancel_appointment(appointment=appointment, now=local(MONDAY, 10, 1))
        assert cancelled.late_cancellation is True

    def test_cancelling_twice_changes_nothing(self, studio):
        appointment = book(studio, local(TUESDAY, 10))
        services.cancel_appointment(appointment=appointment, reason="first", now=NOW)
        again = services.cancel_appointment(appointment=appointment, reason="second", now=NOW + timedelta(hours=1))
        assert again.cancellation_reason == "first"
        assert appointment.events.filter(action="cancelled").count() == 1


class TestReschedule:
    def test_moving_releases_the_old_time(self, studio, receptionist):
        appointment = book(studio, local(TUESDAY, 10))
        moved = services.reschedule_appointment(appointment=appointment, start=local(TUESDAY, 15), actor=receptionist,
                                                now=NOW)
        assert (moved.start, moved.end, moved.buffer_end) == (local(TUESDAY, 15), local(TUESDAY, 16),
                                                               local(TUESDAY, 16, 15))
        event = moved.events.last()
        assert event.action == "rescheduled"
        assert datetime.fromisoformat(event.details["previous_start"]) == local(TUESDAY, 10)
        assert book(studio, local(TUESDAY, 10), client=studio.other_client).pk

    def test_moving_within_its_own_time_is_allowed(self, studio):
        appointment = book(studio, local(TUESDAY, 10))
        assert services.reschedule_appointment(appointment=appointment, start=local(TUESDAY, 10, 30), now=NOW).pk

    def test_a_taken_target_leaves_the_appointment_where_it_was(self, studio):
        appointment = book(studio, local(TUESDAY, 10))
        book(studio, local(TUESDAY, 15), client=studio.other_client)
        refused("slot_unavailable",
                lambda: services.reschedule_appointment(appointment=appointment, start=local(TUESDAY, 15), now=NOW))
        appointment.refresh_from_db()
        assert appointment.start == local(TUESDAY, 10)
        assert appointment.events.count() == 1

    @pytest.mark.parametrize("code_start", [("outside_working_hours", 20), ("too_soon", None)])
    def test_rules_apply_to_the_new_time(self, studio, code_start):
        code, hour = code_start
        appointment = book(studio, local(TUESDAY, 10))
        start = local(TUESDAY, hour) if hour else local(MONDAY, 9)
        refused(code, lambda: services.reschedule_appointment(appointment=appointment, start=start, now=NOW))

    def test_a_cancelled_appointment_cannot_move(self, studio):
        appointment = book(studio, local(TUESDAY, 10))
        services.cancel_appointment(appointment=appointment, now=NOW)
        refused("illegal_transition",
                lambda: services.reschedule_appointment(appointment=appointment, start=local(TUESDAY, 15), now=NOW))


@pytest.mark.postgres
class TestDatabaseGuarantee:
    def test_the_database_refuses_an_overlap_the_code_let_through(self, studio):
        first = book(studio, local(TUESDAY, 10))
        with pytest.raises(IntegrityError), transaction.atomic():
            Appointment.objects.create(
                client=studio.other_client, practitioner=studio.practitioner, service=studio.service,
                location=studio.location, start=local(TUESDAY, 11), end=local(TUESDAY, 12),
                buffer_end=local(TUESDAY, 12), price=1, source=Source.STAFF,
            )
        with pytest.raises(IntegrityError), transaction.atomic():
            Appointment.objects.create(
                client=studio.other_client, practitioner=studio.other_practitioner, service=studio.service,
                location=studio.location, room=first.room, start=local(TUESDAY, 10, 30), end=local(TUESDAY, 11),
                buffer_end=local(TUESDAY, 11), price=1, source=Source.STAFF,
            )

    def test_a_constraint_violation_becomes_slot_unavailable(self, studio, monkeypatch):
        book(studio, local(TUESDAY, 10))
        # Pretend the service's own check missed the clash (as a race would).
        monkeypatch.setattr(services, "_claim", lambda **kwargs: (studio.practitioner.pk, studio.location.pk, None))
        refused("slot_unavailable", lambda: book(studio, local(TUESDAY, 10), client=studio.other_client))
