"""The booking rules, through ``bookings.services``."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from bookings import selectors, services
from bookings.errors import BookingError
from bookings.models import Appointment, AppointmentEvent, AppointmentStatus, IdempotencyKey, Source
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


class TestBoundaries:
    """Each rule's edge, exactly: a test here goes red if ``<`` becomes ``<=``."""

    def test_a_start_exactly_now_is_not_in_the_past(self, studio, settings):
        settings.BOOKING_MIN_NOTICE_MINUTES = 0
        now = local(TUESDAY, 10)
        appointment = book(studio, now, now=now)
        assert appointment.start == now and appointment.status == Status.CONFIRMED

    def test_a_start_a_moment_ago_is_in_the_past(self, studio, settings):
        settings.BOOKING_MIN_NOTICE_MINUTES = 0
        refused("in_the_past", lambda: book(studio, local(TUESDAY, 10), now=local(TUESDAY, 10) + timedelta(seconds=1)))

    def test_cancelling_exactly_at_the_window_edge_is_not_late(self, studio, settings):
        settings.CANCELLATION_WINDOW_HOURS = 24
        appointment = book(studio, local(TUESDAY, 10))
        cancelled = services.cancel_appointment(appointment=appointment, now=local(MONDAY, 10))
        assert cancelled.late_cancellation is False

    def test_cancelling_a_second_inside_the_window_is_late(self, studio, settings):
        settings.CANCELLATION_WINDOW_HOURS = 24
        appointment = book(studio, local(TUESDAY, 10))
        cancelled = services.cancel_appointment(appointment=appointment, now=local(MONDAY, 10) + timedelta(seconds=1))
        assert cancelled.late_cancellation is True

    def test_a_no_show_may_be_marked_at_the_very_start(self, studio):
        appointment = book(studio, local(TUESDAY, 10))
        assert services.mark_no_show(appointment=appointment, now=local(TUESDAY, 10)).status == Status.NO_SHOW

    def test_check_in_opens_exactly_at_its_window(self, studio, settings):
        settings.CHECK_IN_OPENS_MINUTES = 120
        appointment = book(studio, local(TUESDAY, 14))
        refused("too_early_to_check_in", lambda: services.check_in(
            appointment=appointment, now=local(TUESDAY, 12) - timedelta(seconds=1)))
        assert services.check_in(appointment=appointment, now=local(TUESDAY, 12)).status == Status.CHECKED_IN


class TestMovesFromEachState:
    """Which moves each status allows; a refused move writes nothing."""

    def checked_in(self, studio) -> Appointment:
        appointment = book(studio, local(TUESDAY, 10))
        return services.check_in(appointment=appointment, now=local(TUESDAY, 9, 50))

    def pending(self, studio) -> Appointment:
        studio.service.requires_approval = True
        studio.service.save()
        return book(studio, local(TUESDAY, 10))

    def test_a_checked_in_appointment_cannot_be_cancelled(self, studio):
        appointment = self.checked_in(studio)
        error = refused("illegal_transition", lambda: services.cancel_appointment(
            appointment=appointment, now=local(TUESDAY, 9, 55)))
        assert error.message == "A checked in appointment cannot be cancelled."
        appointment.refresh_from_db()
        assert appointment.status == Status.CHECKED_IN and appointment.cancelled_at is None

    def test_a_checked_in_appointment_cannot_be_moved(self, studio):
        appointment = self.checked_in(studio)
        refused("illegal_transition", lambda: services.reschedule_appointment(
            appointment=appointment, start=local(TUESDAY, 15), now=local(TUESDAY, 9, 55)))
        appointment.refresh_from_db()
        assert appointment.start == local(TUESDAY, 10)

    def test_a_pending_appointment_cannot_be_a_no_show(self, studio):
        appointment = self.pending(studio)
        refused("illegal_transition", lambda: services.mark_no_show(appointment=appointment, now=local(TUESDAY, 11)))
        appointment.refresh_from_db()
        assert appointment.status == Status.PENDING

    def test_a_pending_appointment_can_be_cancelled_and_moved(self, studio):
        appointment = self.pending(studio)
        moved = services.reschedule_appointment(appointment=appointment, start=local(TUESDAY, 15), now=NOW)
        assert moved.start == local(TUESDAY, 15) and moved.status == Status.PENDING
        assert services.cancel_appointment(appointment=moved, now=NOW).status == Status.CANCELLED

    def test_approving_twice_changes_nothing(self, studio, manager):
        appointment = self.pending(studio)
        services.approve_appointment(appointment=appointment, actor=manager, now=NOW)
        services.approve_appointment(appointment=appointment, actor=manager, now=NOW)
        assert list(appointment.events.values_list("action", flat=True)) == ["booked", "approved"]


class TestAuditTrail:
    """Every change leaves one event naming who, when, from and to."""

    def test_each_move_records_its_actor_and_both_statuses(self, studio, receptionist, manager):
        appointment = book(studio, local(TUESDAY, 10), actor=receptionist)
        services.check_in(appointment=appointment, actor=receptionist, now=local(TUESDAY, 9, 50))
        services.complete(appointment=appointment, actor=manager, now=local(TUESDAY, 11))
        events = list(appointment.events.values_list("action", "from_status", "to_status", "actor", "at"))
        assert events == [
            ("booked", "", "confirmed", receptionist.pk, NOW),
            ("checked_in", "confirmed", "checked_in", receptionist.pk, local(TUESDAY, 9, 50)),
            ("completed", "checked_in", "completed", manager.pk, local(TUESDAY, 11)),
        ]

    def test_a_no_show_records_who_marked_it(self, studio, receptionist):
        appointment = book(studio, local(TUESDAY, 10))
        services.mark_no_show(appointment=appointment, actor=receptionist, now=local(TUESDAY, 10, 20))
        event = appointment.events.last()
        assert (event.action, event.from_status, event.to_status, event.actor) == (
            "no_show", "confirmed", "no_show", receptionist)

    def test_a_cancellation_records_who_and_from_what(self, studio, receptionist):
        appointment = book(studio, local(TUESDAY, 10))
        services.cancel_appointment(appointment=appointment, actor=receptionist, now=NOW)
        event = appointment.events.last()
        assert (event.action, event.from_status, event.to_status, event.actor) == (
            "cancelled", "confirmed", "cancelled", receptionist)

    def test_a_move_records_from_and_to(self, studio, receptionist):
        appointment = book(studio, local(TUESDAY, 10))
        services.reschedule_appointment(appointment=appointment, start=local(TUESDAY, 15), actor=receptionist, now=NOW)
        event = appointment.events.last()
        assert (event.action, event.from_status, event.to_status, event.actor) == (
            "rescheduled", "confirmed", "confirmed", receptionist)
        assert datetime.fromisoformat(event.details["new_start"]) == local(TUESDAY, 15)

    def test_the_booking_event_records_where_it_came_from(self, studio, receptionist):
        assert book(studio, local(TUESDAY, 10), source=Source.APP).events.get().details == {"source": "app"}
        staff = book(studio, local(TUESDAY, 15), source=Source.APP, actor=receptionist)
        assert staff.source == Source.STAFF
        assert staff.events.get().details == {"source": "staff"}


class TestRescheduleChecks:
    def test_moving_to_the_same_start_changes_nothing(self, studio):
        appointment = book(studio, local(TUESDAY, 10))
        before = Appointment.objects.get(pk=appointment.pk)
        same = services.reschedule_appointment(appointment=appointment, start=local(TUESDAY, 10), now=NOW)
        assert same.start == local(TUESDAY, 10)
        assert Appointment.objects.get(pk=appointment.pk).updated_at == before.updated_at
        assert list(appointment.events.values_list("action", flat=True)) == ["booked"]

    def test_moving_into_the_past_is_refused(self, studio):
        appointment = book(studio, local(TUESDAY, 10))
        refused("in_the_past", lambda: services.reschedule_appointment(
            appointment=appointment, start=local(MONDAY, 7), now=NOW))

    def test_moving_to_a_time_without_its_zone_is_refused(self, studio):
        appointment = book(studio, local(TUESDAY, 10))
        refused("naive_start", lambda: services.reschedule_appointment(
            appointment=appointment, start=datetime(2026, 12, 8, 15), now=NOW))

    def test_moving_keeps_the_length_and_the_buffer(self, studio):
        appointment = book(studio, local(TUESDAY, 10))
        moved = services.reschedule_appointment(appointment=appointment, start=local(TUESDAY, 14, 30), now=NOW)
        moved.refresh_from_db()
        assert (moved.end - moved.start, moved.buffer_end - moved.end) == (timedelta(hours=1), timedelta(minutes=15))


class TestAnyone:
    """``practitioner=None``: whoever is free, chosen under the lock."""

    def anyone(self, studio, start, *, client=None, now=NOW) -> Appointment:
        return services.book_appointment(
            client=client or studio.client, service=studio.service, start=start, source=Source.WEB, actor=None,
            now=now,
        )

    def test_a_practitioner_taken_since_the_listing_leaves_the_client_with_the_colleague(self, studio):
        second = RoomFactory(location=studio.location, name="Room 2")
        listed = selectors.free_slots(service=studio.service, first_day=TUESDAY, last_day=TUESDAY, now=NOW)
        at_ten = {slot.practitioner_id for slot in listed if slot.start == local(TUESDAY, 10)}
        assert at_ten == {studio.practitioner.pk, studio.other_practitioner.pk}
        taken = book(studio, local(TUESDAY, 10), client=studio.other_client)  # between listing and booking
        appointment = self.anyone(studio, local(TUESDAY, 10))
        assert taken.practitioner == studio.practitioner
        assert appointment.practitioner_id == studio.other_practitioner.pk
        assert {taken.room_id, appointment.room_id} == {studio.room.pk, second.pk}

    def test_the_least_booked_practitioner_that_day_comes_first(self, studio):
        RoomFactory(location=studio.location, name="Room 2")
        book(studio, local(TUESDAY, 9), practitioner=studio.other_practitioner, client=studio.other_client)
        book(studio, local(TUESDAY, 15), practitioner=studio.other_practitioner, client=studio.other_client)
        book(studio, local(TUESDAY, 17), practitioner=studio.practitioner, client=studio.other_client)
        assert self.anyone(studio, local(TUESDAY, 11)).practitioner_id == studio.practitioner.pk

    def test_a_tie_goes_to_the_first_in_id_order(self, studio):
        first = min(studio.practitioner.pk, studio.other_practitioner.pk)
        assert self.anyone(studio, local(TUESDAY, 10)).practitioner_id == first

    def test_bookings_on_other_days_do_not_count(self, studio):
        RoomFactory(location=studio.location, name="Room 2")
        wednesday = TUESDAY + timedelta(days=1)
        for hour in (9, 11, 15):
            book(studio, local(wednesday, hour), practitioner=studio.practitioner, client=studio.other_client)
        book(studio, local(TUESDAY, 15), practitioner=studio.other_practitioner, client=studio.other_client)
        assert self.anyone(studio, local(TUESDAY, 10)).practitioner_id == studio.practitioner.pk

    def test_the_chosen_practitioner_offers_the_service_and_works_then(self, studio):
        RoomFactory(location=studio.location, name="Room 2")
        studio.other_practitioner.services.clear()
        for start in (local(TUESDAY, 10), local(TUESDAY, 15)):
            assert self.anyone(studio, start).practitioner_id == studio.practitioner.pk
        refused("all_taken", lambda: self.anyone(studio, local(TUESDAY, 10, 30), client=studio.other_client))

    def test_everyone_booked_is_a_conflict_that_says_so(self, studio):
        RoomFactory(location=studio.location, name="Room 2")
        self.anyone(studio, local(TUESDAY, 10))
        self.anyone(studio, local(TUESDAY, 10), client=studio.other_client)
        error = refused("all_taken", lambda: self.anyone(studio, local(TUESDAY, 10), client=studio.other_client))
        assert error.is_conflict and error.field == "start"
        assert "Everyone who offers this treatment is booked" in error.message

    def test_no_free_room_says_so(self, studio):
        self.anyone(studio, local(TUESDAY, 10))
        refused("no_room", lambda: self.anyone(studio, local(TUESDAY, 10), client=studio.other_client))

    @pytest.mark.parametrize(
        ("when", "code"),
        [
            (lambda: local(TUESDAY, 22), "nobody_working"),
            (lambda: local(TUESDAY, 13, 30), "nobody_working"),
            (lambda: local(MONDAY, 9), "too_soon"),
            (lambda: local(MONDAY + timedelta(days=70), 10), "too_far"),
            (lambda: local(TUESDAY, 10, 5), "off_grid"),
        ],
        ids=["late-evening", "lunch-break", "too-soon", "too-far", "off-grid"],
    )
    def test_a_refusal_names_the_real_reason(self, studio, when, code):
        error = refused(code, lambda: self.anyone(studio, when()))
        assert not error.is_conflict

    def test_everyone_away_means_nobody_works_then(self, studio):
        for practitioner in (studio.practitioner, studio.other_practitioner):
            TimeOffFactory(practitioner=practitioner, start=local(TUESDAY, 9), end=local(TUESDAY, 13))
        refused("nobody_working", lambda: self.anyone(studio, local(TUESDAY, 10)))

    def test_a_closed_studio_says_it_is_closed(self, studio):
        ClosureFactory(location=studio.location, first_day=TUESDAY, last_day=TUESDAY, reason="Pongal")
        refused("location_closed", lambda: self.anyone(studio, local(TUESDAY, 10)))

    def test_a_treatment_nobody_offers(self, studio):
        studio.practitioner.services.clear()
        studio.other_practitioner.services.clear()
        error = refused("nobody_offers", lambda: self.anyone(studio, local(TUESDAY, 10)))
        assert error.field == "service"

    def test_an_inactive_practitioner_is_never_chosen(self, studio):
        RoomFactory(location=studio.location, name="Room 2")
        studio.practitioner.active = False
        studio.practitioner.save()
        assert self.anyone(studio, local(TUESDAY, 10)).practitioner_id == studio.other_practitioner.pk
        refused("all_taken", lambda: self.anyone(studio, local(TUESDAY, 10), client=studio.other_client))


class TestWhoBooksForWhom:
    def test_the_front_desk_books_for_the_client_it_names(self, studio, receptionist):
        appointment = book(studio, local(TUESDAY, 10), actor=receptionist, client=studio.other_client)
        assert appointment.client == studio.other_client
        assert appointment.created_by == receptionist

    def test_the_front_desk_must_name_a_client(self, studio, receptionist):
        error = refused("client_missing", lambda: services.book_appointment(
            client=None, practitioner=studio.practitioner, service=studio.service, start=local(TUESDAY, 10),
            source=Source.STAFF, actor=receptionist, now=NOW))
        assert error.field == "client"

    def test_a_client_books_for_themselves_whoever_they_name(self, studio):
        login = UserFactory()
        studio.client.user = login
        studio.client.save(update_fields=["user"])
        appointment = book(studio, local(TUESDAY, 10), actor=login, client=studio.other_client, source=Source.APP)
        assert appointment.client == studio.client
        assert appointment.source == Source.APP

    def test_a_practitioner_may_not_book(self, studio):
        error = refused("permission_denied", lambda: book(studio, local(TUESDAY, 10), actor=studio.practitioner.user))
        assert error.kind == 403

    def test_a_login_with_no_role_may_not_book(self, studio):
        refused("permission_denied", lambda: book(studio, local(TUESDAY, 10), actor=UserFactory()))


class TestIdempotency:
    def once(self, studio, actor, key, start=None, **extra):
        return services.book_once(
            idempotency_key=key, actor=actor, client=extra.pop("client", None), service=studio.service,
            practitioner=extra.pop("practitioner", studio.practitioner), start=start or local(TUESDAY, 10),
            source=Source.APP, now=NOW, **extra,
        )

    @pytest.fixture
    def login(self, studio):
        user = UserFactory()
        studio.client.user = user
        studio.client.save(update_fields=["user"])
        return user

    def test_a_replay_returns_the_first_appointment(self, studio, login):
        first = self.once(studio, login, "k-1")
        again = self.once(studio, login, "k-1")
        assert (first.replayed, again.replayed) == (False, True)
        assert again.appointment.pk == first.appointment.pk
        assert Appointment.objects.count() == 1
        assert IdempotencyKey.objects.get().appointment_id == first.appointment.pk

    def test_a_replay_of_an_anyone_booking_returns_it_too(self, studio, login):
        first = self.once(studio, login, "k-any", practitioner=None)
        again = self.once(studio, login, "k-any", practitioner=None)
        assert again.replayed and again.appointment.pk == first.appointment.pk

    def test_the_same_key_for_another_request_is_refused(self, studio, login):
        self.once(studio, login, "k-2")
        refused("idempotency_key_reused", lambda: self.once(studio, login, "k-2", start=local(TUESDAY, 15)))
        refused("idempotency_key_reused", lambda: self.once(studio, login, "k-2", notes="Another note"))

    def test_a_refused_booking_keeps_no_key(self, studio, login):
        refused("outside_working_hours", lambda: self.once(studio, login, "k-3", start=local(TUESDAY, 22)))
        assert not IdempotencyKey.objects.exists()
        assert self.once(studio, login, "k-3").replayed is False

    def test_keys_belong_to_their_user(self, studio, login, receptionist):
        mine = self.once(studio, login, "shared")
        theirs = self.once(studio, receptionist, "shared", client=studio.other_client, start=local(TUESDAY, 15))
        assert not theirs.replayed and theirs.appointment.pk != mine.appointment.pk

    def test_an_overlong_key_is_a_field_error(self, studio, login):
        error = refused("idempotency_key_too_long", lambda: self.once(studio, login, "k" * 256))
        assert error.field == "Idempotency-Key"
