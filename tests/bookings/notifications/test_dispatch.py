"""The dispatcher (bookings/dispatch.py): claims, re-checks at send time,
sends once, retries, falls back. The clock is fixed: Monday 7 December
2026, 08:00 IST; appointments are on Tuesday."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction

from bookings import dispatch, outbox, services
from bookings.models import AppointmentStatus, Notification
from tests.bookings.notifications import backends
from tests.bookings.notifications.conftest import book, delivered, later, rows, run
from tests.scenario import NOW, TUESDAY, local
from tests.treatments.factories import ServiceFactory
from treatments.models.catalogue import HomeCareAssignment, HomeCareRoutine

Kind, Channel, State = Notification.Kind, Notification.Channel, Notification.State
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _forget_calls():
    backends.CALLS.clear()


def states(appointment) -> list[tuple[str, str]]:
    return [(row.kind, row.state) for row in rows(appointment)]


# -- what a booking plans, and each message going once ---------------------------------


def test_a_booking_gets_a_confirmation_now_and_a_reminder_at_each_offset(studio, consenting):
    appointment = book(studio)
    planned = rows(appointment)
    assert [(row.kind, row.channel, row.due_at, row.offset_minutes) for row in planned] == [
        (Kind.CONFIRMATION, Channel.EMAIL, NOW, None),
        (Kind.REMINDER, Channel.EMAIL, local(TUESDAY, 10) - timedelta(hours=24), 1440),
        (Kind.REMINDER, Channel.EMAIL, local(TUESDAY, 8), 120),
    ]


def test_each_message_goes_when_due_and_only_once(studio, consenting):
    appointment = book(studio)
    assert run(NOW).sent == 1
    assert [m.subject for m in mail.outbox] == [f"Booked: {studio.service.name} on Tuesday 8 December"]
    assert run(NOW).claimed == 0  # a second run finds nothing left to do
    assert run(later(hours=2)).sent == 1  # the 24-hour reminder (Monday 10:00)
    assert run(later(hours=2)).claimed == 0
    assert run(later(hours=24)).sent == 1  # the 2-hour reminder (Tuesday 08:00)
    assert run(later(hours=30)).claimed == 0
    assert len(mail.outbox) == 3
    assert [m.extra_headers["Message-ID"].split("@")[0] for m in mail.outbox] == [
        f"<notification-{row.pk}" for row in rows(appointment)
    ]
    assert states(appointment) == [(Kind.CONFIRMATION, State.SENT), (Kind.REMINDER, State.SENT),
                                   (Kind.REMINDER, State.SENT)]


def test_running_the_dispatcher_twice_at_once_changes_nothing_more(studio, consenting):
    appointment = book(studio)
    first = run(later(hours=2))
    snapshot = [(row.pk, row.state, row.sent_at, row.provider_id, row.attempts) for row in rows(appointment)]
    second = run(later(hours=2))
    assert (first.sent, second.claimed, second.sent) == (2, 0, 0)
    assert [(row.pk, row.state, row.sent_at, row.provider_id, row.attempts) for row in rows(appointment)] == snapshot
    assert len(mail.outbox) == 2


def test_booked_inside_the_reminder_window_gets_no_reminder_for_a_passed_offset(studio, consenting, settings):
    # Booked Tuesday 08:50 for 11:00: the 24-hour reminder had passed, the
    # 2-hour one (09:00) has not.
    appointment = book(studio, start=local(TUESDAY, 11), now=local(TUESDAY, 8, 50))
    assert [(row.kind, row.offset_minutes) for row in rows(appointment)] == [
        (Kind.CONFIRMATION, None), (Kind.REMINDER, 120)]
    # With an hour's notice allowed, booked 14:30 for 16:00: 14:00 has passed, so no reminder at all.
    settings.BOOKING_MIN_NOTICE_MINUTES = 60
    late = book(studio, start=local(TUESDAY, 16), now=local(TUESDAY, 14, 30))
    assert [row.kind for row in rows(late)] == [Kind.CONFIRMATION]


def test_the_unique_guard_a_second_plan_for_the_same_moment_writes_no_second_row(studio, consenting):
    appointment = book(studio)
    before = [row.pk for row in rows(appointment)]
    outbox.plan_booked(appointment, client=studio.client, location=studio.location, now=NOW)
    assert [row.pk for row in rows(appointment)] == before
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(appointment=appointment, kind=Kind.CONFIRMATION, channel=Channel.EMAIL,
                                    due_at=NOW, not_before=NOW, for_start=appointment.start)


# -- re-checked at send time -------------------------------------------------------------


def test_a_cancelled_appointment_gets_only_its_cancellation_notice(studio, consenting):
    appointment = book(studio)
    run(NOW)
    services.cancel_appointment(appointment=appointment, now=later(hours=1))
    # Even a reminder the planner failed to set aside is not sent.
    Notification.objects.filter(appointment=appointment, kind=Kind.REMINDER).update(state=State.PENDING, last_error="")
    counts = run(later(hours=30))
    assert (counts.sent, counts.skipped) == (1, 2)
    assert [m.subject for m in mail.outbox][-1].startswith("Cancelled: ")
    reminders = rows(appointment, kind=Kind.REMINDER)
    assert {(row.state, row.last_error) for row in reminders} == {(State.SKIPPED, "cancelled")}
    assert "METHOD:CANCEL" in mail.outbox[-1].attachments[0][1]


def test_a_moved_appointment_skips_the_old_times_messages_and_its_reminders_follow(studio, consenting):
    appointment = book(studio)
    run(NOW)
    services.reschedule_appointment(appointment=appointment, start=local(TUESDAY, 15), now=later(minutes=30))
    # The old time's reminder, put back as if the planner had missed it.
    old = Notification.objects.get(appointment=appointment, kind=Kind.REMINDER, offset_minutes=1440,
                                   for_start=local(TUESDAY, 10))
    Notification.objects.filter(pk=old.pk).update(state=State.PENDING, last_error="")
    run(later(hours=2))
    old.refresh_from_db()
    assert (old.state, old.last_error) == (State.SKIPPED, "moved")
    moved_notice = Notification.objects.get(appointment=appointment, kind=Kind.RESCHEDULED)
    assert moved_notice.state == State.SENT
    ics = mail.outbox[-1].attachments[0][1]
    assert "SEQUENCE:1" in ics and "DTSTART:20261208T093000Z" in ics  # 15:00 IST
    new_reminders = rows(appointment, kind=Kind.REMINDER, for_start=local(TUESDAY, 15))
    assert [row.due_at for row in new_reminders] == [local(TUESDAY, 15) - timedelta(hours=24), local(TUESDAY, 13)]
    run(later(hours=7))  # Monday 15:00
    run(later(hours=29))  # Tuesday 13:00
    assert {row.state for row in rows(appointment, kind=Kind.REMINDER, for_start=local(TUESDAY, 15))} == {
        State.SENT}


def test_consent_withdrawn_after_booking_stops_the_message(studio, consenting):
    appointment = book(studio)
    consenting.email_reminders = False
    consenting.save()
    counts = run(NOW)
    assert (counts.sent, counts.skipped, len(mail.outbox)) == (0, 1, 0)
    assert rows(appointment)[0].last_error == "consent withdrawn"


def test_a_reminder_waiting_for_review_is_skipped_with_its_reason(studio, consenting):
    appointment = book(studio)
    run(NOW)
    type(appointment).objects.filter(pk=appointment.pk).update(status=AppointmentStatus.PENDING)
    run(later(hours=2))
    reminder = rows(appointment, kind=Kind.REMINDER)[0]
    assert (reminder.state, reminder.last_error) == (State.SKIPPED, "awaiting review")


def test_a_reminder_that_comes_due_after_the_start_is_skipped(studio, consenting):
    appointment = book(studio)
    run(NOW)
    counts = run(local(TUESDAY, 10, 5))
    assert counts.sent == 0 and len(mail.outbox) == 1
    assert {row.last_error for row in rows(appointment, kind=Kind.REMINDER)} == {
        "too late: the appointment has started", "superseded"}


def test_an_older_confirmation_is_superseded_by_the_approvals(studio, consenting):
    studio.service.requires_approval = True
    studio.service.save()
    appointment = book(studio)
    assert appointment.status == AppointmentStatus.PENDING
    services.approve_appointment(appointment=appointment, now=later(minutes=5))
    counts = run(later(minutes=10))
    confirmations = rows(appointment, kind=Kind.CONFIRMATION)
    assert [(row.state, row.last_error) for row in confirmations] == [(State.SKIPPED, "superseded"),
                                                                      (State.SENT, "")]
    assert counts.sent == 1 and len(mail.outbox) == 1


def test_a_held_booking_gets_no_confirmation_before_it_is_approved(studio, consenting):
    studio.service.requires_approval = True
    studio.service.save()
    appointment = book(studio)
    run(NOW)
    assert rows(appointment, kind=Kind.CONFIRMATION)[0].last_error == "awaiting review"
    assert mail.outbox == []


# -- quiet hours -------------------------------------------------------------------------------


def test_a_late_dispatcher_inside_quiet_hours_holds_a_reminder_until_morning_and_sends_one(studio, consenting):
    appointment = book(studio)
    run(NOW)
    night = local(studio_day := NOW.date(), 22)  # Monday 22:00: the 24-hour reminder was due at 10:00
    counts = run(night)
    assert (counts.deferred, counts.sent) == (1, 0)
    held = rows(appointment, kind=Kind.REMINDER)[0]
    assert (held.state, held.not_before) == (State.PENDING, local(TUESDAY, 8))
    assert run(local(studio_day, 23)).claimed == 0
    counts = run(local(TUESDAY, 8))
    # Both reminders are due now: only the one nearest the start goes.
    assert (counts.sent, counts.skipped) == (1, 1)
    assert [(row.offset_minutes, row.state) for row in rows(appointment, kind=Kind.REMINDER)] == [
        (1440, State.SKIPPED), (120, State.SENT)]
    assert "today at 10:00 IST" in mail.outbox[-1].body


def test_a_reminder_caught_in_quiet_hours_that_last_until_the_start_is_skipped(studio, consenting):
    location = studio.location
    location.quiet_from, location.quiet_until = time(21), time(9, 30)
    location.save()
    appointment = book(studio, start=local(TUESDAY, 9), now=local(NOW.date(), 12))
    reminder = rows(appointment, kind=Kind.REMINDER)[0]
    assert reminder.due_at == local(NOW.date(), 20, 45)  # moved before the quiet hours by the planner
    run(local(NOW.date(), 12))
    counts = run(local(NOW.date(), 21, 30))  # the dispatcher was down until the quiet hours began
    reminder.refresh_from_db()
    assert (counts.skipped, reminder.state, reminder.last_error) == (1, State.SKIPPED,
                                                                     "quiet hours last until the start")
    assert len(mail.outbox) == 1  # the confirmation only


def test_a_notice_due_in_quiet_hours_waits_for_the_morning(studio, consenting):
    appointment = book(studio)
    run(NOW)
    services.cancel_appointment(appointment=appointment, now=later(hours=10))  # 18:00
    counts = run(local(NOW.date(), 21, 15))
    notice = rows(appointment, kind=Kind.CANCELLED)[0]
    assert (counts.deferred, notice.state, notice.not_before) == (1, State.PENDING, local(TUESDAY, 8))
    assert run(local(TUESDAY, 8)).sent == 1


# -- failures: retries with backoff, then failed, then another channel -----------------------


@pytest.fixture
def sms_client(studio, outbox, settings):
    client = studio.client
    client.email_reminders, client.sms_reminders, client.whatsapp_reminders = False, True, False
    client.save()
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 60
    return client


def test_a_transient_failure_is_retried_with_exponential_backoff_then_fails(studio, sms_client, settings):
    settings.SMS_BACKEND = "tests.bookings.notifications.backends.AlwaysTransient"
    appointment = book(studio)
    confirmation = rows(appointment, kind=Kind.CONFIRMATION)[0]
    assert confirmation.channel == Channel.SMS
    assert run(NOW).retried == 1
    confirmation.refresh_from_db()
    assert (confirmation.state, confirmation.attempts, confirmation.not_before) == (
        State.PENDING, 1, NOW + timedelta(seconds=60))
    assert confirmation.last_error == "provider timed out"
    assert run(NOW + timedelta(seconds=59)).claimed == 0
    assert run(NOW + timedelta(seconds=60)).retried == 1
    confirmation.refresh_from_db()
    assert (confirmation.attempts, confirmation.not_before) == (2, NOW + timedelta(seconds=60 + 120))
    counts = run(NOW + timedelta(seconds=180))
    confirmation.refresh_from_db()
    assert (counts.failed, counts.fallbacks, confirmation.state, confirmation.attempts) == (1, 0, State.FAILED, 3)
    assert confirmation.last_error.startswith("gave up after 3 tries")
    assert backends.CALLS == [f"notification-{confirmation.pk}"] * 3


def test_a_failed_channel_falls_back_to_another_the_client_agreed_to(studio, sms_client, settings):
    settings.SMS_BACKEND = "tests.bookings.notifications.backends.AlwaysPermanent"
    sms_client.email_reminders = True
    sms_client.save()
    appointment = book(studio, now=NOW)
    # A confirmation prefers email; the reminders take the first channel agreed to: SMS.
    Notification.objects.filter(appointment=appointment, kind=Kind.CONFIRMATION).update(state=State.SKIPPED)
    counts = run(later(hours=2))
    assert (counts.failed, counts.fallbacks) == (1, 1)
    failed = rows(appointment, kind=Kind.REMINDER, channel=Channel.SMS)[0]
    replacement = failed.fallback
    assert (failed.state, replacement.channel, replacement.state, replacement.due_at) == (
        State.FAILED, Channel.EMAIL, State.PENDING, failed.due_at)
    assert run(later(hours=2)).sent == 1
    assert mail.outbox[-1].subject == f"See you tomorrow at 10:00 IST: {studio.service.name}"
    assert "tomorrow at 10:00 IST" in mail.outbox[-1].body


def test_no_fallback_without_another_consented_channel(studio, sms_client, settings):
    settings.SMS_BACKEND = "tests.bookings.notifications.backends.AlwaysPermanent"
    appointment = book(studio)
    counts = run(NOW)
    assert (counts.failed, counts.fallbacks) == (1, 0)
    assert Notification.objects.filter(appointment=appointment, fallback_of__isnull=False).count() == 0


def test_an_unexpected_error_counts_as_a_try_and_the_batch_goes_on(studio, sms_client, settings):
    settings.SMS_BACKEND = "tests.bookings.notifications.backends.Broken"
    appointment = book(studio)
    studio.other_client.email_reminders = True
    studio.other_client.save()
    other = services.book_appointment(client=studio.other_client, practitioner=studio.practitioner,
                                      service=studio.service, start=local(TUESDAY, 12), source="staff", actor=None,
                                      now=NOW)
    counts = run(NOW)
    assert (counts.retried, counts.sent) == (1, 1)  # the SMS broke; the other client's email went after it
    broken = rows(appointment, kind=Kind.CONFIRMATION)[0]
    assert (broken.state, broken.attempts) == (State.PENDING, 1)
    assert broken.last_error == "RuntimeError: a bug in a provider's library"
    assert rows(other, kind=Kind.CONFIRMATION)[0].state == State.SENT


# -- a worker that died mid-batch ---------------------------------------------------------------


def test_a_row_left_sending_is_taken_back_after_the_lease_and_sent_with_the_same_key(studio, sms_client, settings):
    settings.SMS_BACKEND = "bookings.channels.FileOutbox"
    settings.NOTIFICATION_LEASE_SECONDS = 300
    appointment = book(studio)
    row = rows(appointment, kind=Kind.CONFIRMATION)[0]
    # A worker claims it, sends, and is killed before it marks the row.
    assert dispatch.claim_batch(now=NOW, limit=10, claim="dead-worker") == 1
    from bookings import channels, messages

    row.refresh_from_db()
    channels.send(messages.render(row, now=NOW), key=dispatch.idempotency_key(row.pk))
    assert run(NOW + timedelta(seconds=299)).claimed == 0  # still leased
    counts = run(NOW + timedelta(seconds=301))
    row.refresh_from_db()
    assert (counts.sent, row.state, row.provider_id) == (1, State.SENT, f"file:notification-{row.pk}")
    folder = settings.NOTIFICATION_OUTBOX_DIR
    assert [message["key"] for message in delivered(folder)] == [f"notification-{row.pk}"]
    assert len(list((folder / "duplicates").glob("*.json"))) == 1


def test_a_claim_race_lost_between_reading_and_updating_takes_nothing(studio, consenting):
    book(studio)
    ids = list(Notification.objects.filter(state=State.PENDING).values_list("id", flat=True))
    # Two dispatchers read the same ids; the first UPDATE wins the two that
    # are due (the 2-hour reminder is not), the second wins nothing.
    assert dispatch.take(ids, now=later(hours=3), claim="first") == 2
    assert dispatch.take(ids, now=later(hours=3), claim="second") == 0
    assert sorted(Notification.objects.values_list("claim", flat=True)) == ["", "first", "first"]


def test_a_dispatcher_whose_row_was_taken_back_cannot_mark_it(studio, consenting, settings):
    appointment = book(studio)
    dispatch.claim_batch(now=NOW, limit=10, claim="slow-worker")
    run(NOW + timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS + 1))
    row = rows(appointment, kind=Kind.CONFIRMATION)[0]
    assert row.state == State.SENT
    assert dispatch._mark(row, "slow-worker", state=State.FAILED) is False
    row.refresh_from_db()
    assert row.state == State.SENT


def test_rows_not_reached_in_time_go_back_to_pending(studio, consenting):
    book(studio)
    book(studio, start=local(TUESDAY, 12))
    counts = run(later(hours=3), stop_after_seconds=0)
    assert counts.released == counts.claimed - 1 > 0
    assert Notification.objects.filter(state=State.SENDING).count() == 0


# -- home care and the check-in ------------------------------------------------------------------


def completed_session(studio):
    appointment = book(studio)
    services.check_in(appointment=appointment, now=local(TUESDAY, 9, 50))
    services.complete(appointment=appointment, now=local(TUESDAY, 11))
    return appointment


def test_home_care_follow_up_lists_the_routines_given_that_day(studio, consenting):
    appointment = completed_session(studio)
    routine = HomeCareRoutine.objects.order_by("name").first()
    HomeCareAssignment.objects.create(client=studio.client, routine=routine, assigned_on=TUESDAY)
    run(local(TUESDAY, 11))
    mail.outbox.clear()
    counts = run(local(TUESDAY, 11) + timedelta(hours=24))
    assert counts.sent == 1
    assert routine.name in mail.outbox[0].body
    assert rows(appointment, kind=Kind.HOME_CARE)[0].state == State.SENT


def test_no_home_care_follow_up_without_routines_given_since_the_session(studio, consenting):
    appointment = completed_session(studio)
    routine = HomeCareRoutine.objects.order_by("name").first()
    HomeCareAssignment.objects.create(client=studio.client, routine=routine, assigned_on=NOW.date())  # before
    run(local(TUESDAY, 11) + timedelta(hours=24))
    row = rows(appointment, kind=Kind.HOME_CARE)[0]
    assert (row.state, row.last_error) == (State.SKIPPED, "no home-care routines given")


def test_the_check_in_carries_its_link_and_is_not_sent_once_answered(studio, consenting):
    first = completed_session(studio)
    run(local(TUESDAY, 11) + timedelta(hours=48))
    assert "/r/" in mail.outbox[-1].body
    check_in = rows(first, kind=Kind.CHECK_IN)[0]
    assert check_in.state == State.SENT
    # An answered check-in (from a link sent before, say) is not asked again.
    Notification.objects.filter(pk=check_in.pk).update(state=State.PENDING, answered_at=NOW)
    run(local(TUESDAY, 11) + timedelta(hours=49))
    check_in.refresh_from_db()
    assert (check_in.state, check_in.last_error) == (State.SKIPPED, "already answered")


def test_no_follow_up_for_a_session_that_did_not_happen(studio, consenting):
    appointment = book(studio)
    for kind in (Kind.HOME_CARE, Kind.CHECK_IN):
        Notification.objects.create(appointment=appointment, kind=kind, channel=Channel.EMAIL, due_at=NOW,
                                    not_before=NOW, for_start=appointment.start)
    run(NOW)
    assert {row.last_error for row in rows(appointment) if row.kind in (Kind.HOME_CARE, Kind.CHECK_IN)} == {
        "appointment is confirmed"}


# -- a batch's cost ------------------------------------------------------------------------------


def _due_reminders(studio, count: int) -> None:
    """``count`` appointments with an SMS reminder due, for other clients."""
    from tests.clinic.factories import ClientFactory

    service = ServiceFactory(duration_minutes=30, buffer_minutes=0, requires_room=False)
    studio.practitioner.services.add(service)
    for n in range(count):
        client = ClientFactory(sms_reminders=True)
        appointment = services.book_appointment(
            client=client, practitioner=studio.practitioner, service=service,
            start=local(TUESDAY, 9) + timedelta(minutes=30 * n), source="staff", actor=None, now=NOW,
        )
        Notification.objects.filter(appointment=appointment).exclude(offset_minutes=1440).delete()
        Notification.objects.filter(appointment=appointment).update(not_before=later(minutes=1))


@pytest.mark.parametrize("count", [2, 7])
def test_a_batch_reads_in_a_fixed_number_of_queries_and_writes_one_mark_per_row(studio, outbox, count,
                                                                                  django_assert_num_queries):
    _due_reminders(studio, count)
    due = Notification.objects.filter(state=State.PENDING, not_before__lte=later(minutes=1)).count()
    assert due == count
    # The due ids, then the UPDATE that claims them; on PostgreSQL they are
    # one transaction (FOR UPDATE SKIP LOCKED), a savepoint and its release
    # inside the test's own transaction.
    claim = 4 if connection.features.has_select_for_update_skip_locked else 2
    reads = 2  # the claimed rows with what they refer to; the check for newer rows of the same sort
    with django_assert_num_queries(claim + reads + due):  # + one mark per row, each committed alone
        counts = dispatch.dispatch_due(now=later(minutes=1))
    assert counts.sent == count
    assert len(delivered(outbox)) == count


def test_confirmation_and_reminder_emails_carry_the_manage_link(studio, consenting):
    from bookings.links import read_manage_token

    appointment = book(studio)
    run(NOW)
    run(later(hours=2))
    assert len(mail.outbox) == 2
    for sent in mail.outbox:
        path = sent.body.split("/booking/")[1].split("/")[0]
        assert read_manage_token(path) == (appointment.pk, appointment.client_id)
