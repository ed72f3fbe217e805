"""A booking for a client with an uncleared flag that stops treatment (do
not treat, needs a doctor's clearance) and affects the service waits for
review as ``pending``, with the reason; flags that only change how to treat
(avoid an area, adapt) leave it confirmed. Whichever way it is booked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookings import screening, services
from bookings.models import AppointmentEvent, AppointmentStatus, Source
from tests.scenario import local, next_tuesday
from tests.treatments.intake.conftest import FEVER, PAIN, rule
from tests.treatments.intake.factories import ClearanceFactory
from tests.treatments.factories import ServiceFactory
from treatments.services.intake import review_reason

pytestmark = pytest.mark.django_db


def book(studio, client=None, service=None, hour=10, actor=None):
    return services.book_appointment(
        client=client or studio.client, practitioner=studio.practitioner, service=service or studio.service,
        start=local(next_tuesday(), hour), source=Source.APP, actor=actor,
    )


HOLDING = {
    "do_not_treat": {"fever": True},
    "needs_clearance": {"pain_areas": [{"region": "lower_back", "intensity": 8}]},
}
NOT_HOLDING = {
    "avoid_area": {"recent_injury_or_surgery": True, "injury_region": "arm"},
    "adapt": {"takes_blood_thinners": True},
}


@pytest.mark.parametrize("tier", HOLDING)
def test_a_flag_that_stops_treatment_holds_the_booking_with_its_reason(studio, answer, tier):
    answer(studio.client, **HOLDING[tier])
    appointment = book(studio)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.PENDING
    assert appointment.review_reason.startswith("Held for review")
    event = AppointmentEvent.objects.get(appointment=appointment)
    assert event.to_status == "pending" and event.details["review_reason"] == appointment.review_reason


def test_the_reason_names_the_tier_the_rule_and_the_answer(studio, answer):
    answer(studio.client, pain_areas=[{"region": "lower_back", "intensity": 8}])
    reason = book(studio).review_reason
    assert "Needs a doctor's clearance" in reason and PAIN in reason and "lower back 8/10" in reason


@pytest.mark.parametrize("tier", NOT_HOLDING)
def test_a_flag_that_only_changes_how_to_treat_leaves_the_booking_confirmed(studio, answer, tier):
    answer(studio.client, **NOT_HOLDING[tier])
    appointment = book(studio)
    assert appointment.status == AppointmentStatus.CONFIRMED and appointment.review_reason == ""
    assert "review_reason" not in AppointmentEvent.objects.get(appointment=appointment).details


def test_no_intake_no_hold(studio):
    appointment = book(studio)
    assert appointment.status == AppointmentStatus.CONFIRMED and appointment.review_reason == ""


def test_a_valid_clearance_lifts_the_hold(studio, answer):
    answer(studio.client, pain_areas=[{"region": "lower_back", "intensity": 8}])
    day = next_tuesday()
    ClearanceFactory(client=studio.client, rule=rule(PAIN), issued_on=day - timedelta(days=30), valid_until=day)
    assert book(studio).status == AppointmentStatus.CONFIRMED


def test_a_clearance_that_ends_before_the_session_does_not(studio, answer):
    answer(studio.client, pain_areas=[{"region": "lower_back", "intensity": 8}])
    day = next_tuesday()
    ClearanceFactory(client=studio.client, rule=rule(PAIN), issued_on=day - timedelta(days=30),
                     valid_until=day - timedelta(days=1))
    assert book(studio).status == AppointmentStatus.PENDING


def test_a_clearance_of_another_rule_does_not(studio, answer):
    answer(studio.client, fever=True)
    ClearanceFactory(client=studio.client, rule=rule(PAIN), issued_on=next_tuesday(), valid_until=next_tuesday())
    assert book(studio).status == AppointmentStatus.PENDING


def test_a_rule_that_lists_other_services_does_not_hold_this_one(studio, answer):
    answer(studio.client, fever=True)
    rule(FEVER).services.add(ServiceFactory())
    assert book(studio).status == AppointmentStatus.CONFIRMED
    rule(FEVER).services.add(studio.service)
    assert book(studio, hour=14).status == AppointmentStatus.PENDING


def test_only_the_client_s_own_flags_count(studio, answer):
    answer(studio.other_client, fever=True)
    assert book(studio).status == AppointmentStatus.CONFIRMED


def test_approving_a_held_booking_confirms_it(studio, answer, people):
    answer(studio.client, fever=True)
    appointment = book(studio)
    approved = services.approve_appointment(appointment=appointment, actor=people["assigned_practitioner"])
    assert approved.status == AppointmentStatus.CONFIRMED
    assert approved.review_reason  # kept: why it was reviewed


def test_a_client_booking_for_themselves_is_held_too(studio, answer, people):
    answer(studio.client, fever=True)
    appointment = book(studio, actor=people["client_a"])
    assert appointment.status == AppointmentStatus.PENDING


def test_the_records_register_their_check_with_the_booking_core(studio, answer):
    """The core holds a booking only because the check is registered: taken
    out, a flagged client's booking is confirmed."""
    assert review_reason in screening.registered()
    answer(studio.client, fever=True)
    screening.unregister(review_reason)
    try:
        assert book(studio).status == AppointmentStatus.CONFIRMED
    finally:
        screening.register(review_reason)
    assert book(studio, hour=14).status == AppointmentStatus.PENDING


def test_registering_twice_keeps_one():
    before = screening.registered()
    screening.register(review_reason)
    assert screening.registered() == before


# -- a move is screened again ------------------------------------------------------------


def test_a_move_past_the_clearance_s_last_day_holds_the_appointment_again(studio, answer, people):
    answer(studio.client, pain_areas=[{"region": "lower_back", "intensity": 8}])
    day = next_tuesday()
    ClearanceFactory(client=studio.client, rule=rule(PAIN), issued_on=day - timedelta(days=30), valid_until=day)
    appointment = book(studio)
    assert appointment.status == AppointmentStatus.CONFIRMED
    moved = services.reschedule_appointment(appointment=appointment, start=local(day + timedelta(days=7), 10),
                                            actor=people["receptionist"])
    moved.refresh_from_db()
    assert moved.status == AppointmentStatus.PENDING and PAIN in moved.review_reason
    event = AppointmentEvent.objects.filter(appointment=moved).latest("pk")
    assert (event.from_status, event.to_status) == ("confirmed", "pending")
    assert event.details["review_reason"] == moved.review_reason


def test_a_move_the_clearance_still_covers_stays_confirmed(studio, answer, people):
    answer(studio.client, pain_areas=[{"region": "lower_back", "intensity": 8}])
    day = next_tuesday()
    ClearanceFactory(client=studio.client, rule=rule(PAIN), issued_on=day - timedelta(days=30),
                     valid_until=day + timedelta(days=7))
    moved = services.reschedule_appointment(appointment=book(studio), start=local(day + timedelta(days=7), 10),
                                            actor=people["receptionist"])
    moved.refresh_from_db()
    assert moved.status == AppointmentStatus.CONFIRMED and moved.review_reason == ""
    assert "review_reason" not in AppointmentEvent.objects.filter(appointment=moved).latest("pk").details


def test_an_approved_booking_moved_while_its_flag_stands_is_reviewed_again(studio, answer, people):
    answer(studio.client, fever=True)
    approved = services.approve_appointment(appointment=book(studio), actor=people["assigned_practitioner"])
    moved = services.reschedule_appointment(appointment=approved, start=local(next_tuesday(), 14),
                                            actor=people["receptionist"])
    moved.refresh_from_db()
    assert moved.status == AppointmentStatus.PENDING and FEVER in moved.review_reason


def test_a_move_clear_of_flags_does_not_approve_a_held_booking(studio, answer, people):
    """Only a person approves: a held booking moved to a day its clearance
    covers stays pending, with the reason it was held."""
    answer(studio.client, pain_areas=[{"region": "lower_back", "intensity": 8}])
    day = next_tuesday()
    ClearanceFactory(client=studio.client, rule=rule(PAIN), issued_on=day + timedelta(days=1),
                     valid_until=day + timedelta(days=30))
    held = book(studio)
    assert held.status == AppointmentStatus.PENDING
    moved = services.reschedule_appointment(appointment=held, start=local(day + timedelta(days=7), 10),
                                            actor=people["receptionist"])
    moved.refresh_from_db()
    assert moved.status == AppointmentStatus.PENDING and PAIN in moved.review_reason
