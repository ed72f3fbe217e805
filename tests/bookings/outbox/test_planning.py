"""What each booking change writes to the outbox, in its own transaction."""

from datetime import time, timedelta

import pytest
from django.test import override_settings

from bookings import outbox, services
from bookings.errors import BookingError
from bookings.models import Appointment, Notification, Source
from tests.scenario import MONDAY, NOW, TUESDAY, local

Kind, Channel, State = Notification.Kind, Notification.Channel, Notification.State
WEDNESDAY = TUESDAY + timedelta(days=1)


def consent(client, *, email=False, sms=False, whatsapp=False):
    client.email_reminders, client.sms_reminders, client.whatsapp_reminders = email, sms, whatsapp
    client.save(update_fields=["email_reminders", "sms_reminders", "whatsapp_reminders"])


def book(studio, start, now=NOW, client=None):
    return services.book_appointment(
        client=client or studio.client, practitioner=studio.practitioner, service=studio.service,
        start=start, source=Source.WEB, actor=None, now=now,
    )


def rows(appointment, **filters):
    return sorted(
        (n.kind, n.channel, n.due_at, n.state)
        for n in Notification.objects.filter(appointment=appointment, **filters)
    )


def waiting(appointment):
    return [(kind, channel, due) for kind, channel, due, state in rows(appointment) if state == State.PENDING]


@pytest.fixture
def studio_with_consent(studio):
    consent(studio.client, email=True, sms=True)
    return studio


class TestBooking:
    def test_a_confirmation_now_and_a_reminder_at_each_offset(self, studio_with_consent):
        appointment = book(studio_with_consent, local(TUESDAY, 10))
        start = appointment.start
        assert waiting(appointment) == sorted([
            (Kind.CONFIRMATION, Channel.EMAIL, NOW),  # email carries the calendar file
            (Kind.REMINDER, Channel.SMS, start - timedelta(hours=24)),
            (Kind.REMINDER, Channel.SMS, start - timedelta(hours=2)),
        ])
        reminder = Notification.objects.get(appointment=appointment, kind=Kind.REMINDER, offset_minutes=120)
        assert reminder.for_start == start and reminder.not_before == reminder.due_at

    def test_reminders_already_past_at_booking_time_are_not_planned(self, studio_with_consent):
        # Booked at 08:00 for 14:00 the same day: 24 h before is gone, 2 h before is not.
        appointment = book(studio_with_consent, local(MONDAY, 14))
        assert [due for kind, _, due in waiting(appointment) if kind == Kind.REMINDER] == [local(MONDAY, 12)]

    @override_settings(BOOKING_MIN_NOTICE_MINUTES=60)
    def test_inside_the_last_reminder_window_only_the_confirmation(self, studio_with_consent):
        appointment = book(studio_with_consent, local(MONDAY, 10), now=local(MONDAY, 8, 30))
        assert waiting(appointment) == [(Kind.CONFIRMATION, Channel.EMAIL, local(MONDAY, 8, 30))]

    def test_no_consent_no_messages(self, studio):
        consent(studio.client)
        appointment = book(studio, local(TUESDAY, 10))
        assert not Notification.objects.filter(appointment=appointment).exists()

    def test_the_best_consented_channel_carries_each_message(self, studio):
        consent(studio.client, sms=True, whatsapp=True)
        appointment = book(studio, local(TUESDAY, 10))
        assert {channel for _, channel, _ in waiting(appointment)} == {Channel.WHATSAPP}

    @override_settings(NOTIFICATION_CHANNELS=["email", "sms", "whatsapp"])
    def test_the_clinic_orders_the_channels(self, studio):
        consent(studio.client, email=True, sms=True)
        appointment = book(studio, local(TUESDAY, 10))
        assert {channel for _, channel, _ in waiting(appointment)} == {Channel.EMAIL}

    @override_settings(REMINDER_HOURS=[48, 1])
    def test_the_offsets_are_configurable(self, studio_with_consent):
        appointment = book(studio_with_consent, local(WEDNESDAY, 15))
        assert sorted(n.offset_minutes for n in Notification.objects.filter(kind=Kind.REMINDER)) == [60, 2880]
        assert appointment.start - timedelta(hours=48) in [due for _, _, due in waiting(appointment)]

    def test_a_reminder_that_would_fall_in_quiet_hours_goes_before_them(self, studio_with_consent):
        studio_with_consent.location.quiet_from, studio_with_consent.location.quiet_until = time(21), time(10)
        studio_with_consent.location.save()
        appointment = book(studio_with_consent, local(TUESDAY, 11))
        # 2 h before 11:00 is 09:00, inside the quiet night: 20:45 the evening before.
        reminders = [due for kind, _, due in waiting(appointment) if kind == Kind.REMINDER]
        assert reminders == [local(MONDAY, 11), local(MONDAY, 20, 45)]

    def test_two_reminders_that_land_on_one_moment_are_one(self, studio_with_consent):
        studio_with_consent.location.quiet_from, studio_with_consent.location.quiet_until = time(9), time(13)
        studio_with_consent.location.save()
        with override_settings(REMINDER_HOURS=[3, 2]):
            appointment = book(studio_with_consent, local(TUESDAY, 12))
        # 09:00 and 10:00 are both quiet: one reminder at 08:45.
        assert [due for kind, _, due in waiting(appointment) if kind == Kind.REMINDER] == [local(TUESDAY, 8, 45)]

    def test_a_booking_made_at_night_is_confirmed_in_the_morning(self, studio_with_consent):
        night = local(MONDAY, 22, 30)
        appointment = book(studio_with_consent, local(WEDNESDAY, 10), now=night)
        assert (Kind.CONFIRMATION, Channel.EMAIL, local(TUESDAY, 8)) in waiting(appointment)

    def test_planning_twice_writes_no_second_row(self, studio_with_consent):
        appointment = book(studio_with_consent, local(TUESDAY, 10))
        before = rows(appointment)
        outbox.plan_booked(appointment, client=studio_with_consent.client, location=studio_with_consent.location,
                           now=NOW)
        assert rows(appointment) == before

    def test_a_refused_booking_leaves_no_message(self, studio_with_consent):
        book(studio_with_consent, local(TUESDAY, 10))
        with pytest.raises(BookingError):
            book(studio_with_consent, local(TUESDAY, 10), client=studio_with_consent.other_client)
        assert Appointment.objects.count() == 1
        assert not Notification.objects.exclude(appointment__client=studio_with_consent.client).exists()

    def test_a_failure_while_planning_undoes_the_booking(self, studio_with_consent, monkeypatch):
        def broken(*args, **kwargs):
            raise RuntimeError("outbox unavailable")

        monkeypatch.setattr(outbox, "plan_booked", broken)
        with pytest.raises(RuntimeError):
            book(studio_with_consent, local(TUESDAY, 10))
        assert not Appointment.objects.exists()


class TestChanges:
    def test_cancelling_sets_everything_aside_but_the_notice(self, studio_with_consent):
        appointment = book(studio_with_consent, local(TUESDAY, 10))
        later = NOW + timedelta(hours=1)
        services.cancel_appointment(appointment=appointment, now=later)
        assert waiting(appointment) == [(Kind.CANCELLED, Channel.SMS, later)]
        assert set(Notification.objects.filter(state=State.SKIPPED).values_list("last_error", flat=True)) == {
            "cancelled"}

    def test_moving_sends_a_notice_and_the_reminders_follow(self, studio_with_consent, receptionist):
        appointment = book(studio_with_consent, local(TUESDAY, 10))
        moved = services.reschedule_appointment(appointment=appointment, start=local(WEDNESDAY, 15),
                                                actor=receptionist, now=NOW)
        assert waiting(moved) == sorted([
            (Kind.RESCHEDULED, Channel.SMS, NOW),
            (Kind.REMINDER, Channel.SMS, local(TUESDAY, 15)),
            (Kind.REMINDER, Channel.SMS, local(WEDNESDAY, 13)),
        ])
        old = Notification.objects.filter(appointment=moved, state=State.SKIPPED)
        assert {n.for_start for n in old} == {local(TUESDAY, 10)} and old.count() == 3
        assert set(old.values_list("last_error", flat=True)) == {"moved"}

    def test_moving_away_and_back_brings_the_same_reminders_back(self, studio_with_consent, receptionist):
        appointment = book(studio_with_consent, local(TUESDAY, 10))
        first = set(Notification.objects.filter(kind=Kind.REMINDER).values_list("pk", flat=True))
        services.reschedule_appointment(appointment=appointment, start=local(TUESDAY, 15), actor=receptionist,
                                        now=NOW)
        services.reschedule_appointment(appointment=appointment, start=local(TUESDAY, 10), actor=receptionist,
                                        now=NOW + timedelta(minutes=5))
        back = Notification.objects.filter(kind=Kind.REMINDER, state=State.PENDING)
        assert set(back.values_list("pk", flat=True)) == first
        assert {n.for_start for n in back} == {local(TUESDAY, 10)}

    def test_a_reminder_already_sent_is_never_planned_again(self, studio_with_consent, receptionist):
        appointment = book(studio_with_consent, local(TUESDAY, 10))
        sent = Notification.objects.get(kind=Kind.REMINDER, offset_minutes=24 * 60)
        Notification.objects.filter(pk=sent.pk).update(state=State.SENT, sent_at=sent.due_at)
        services.reschedule_appointment(appointment=appointment, start=local(TUESDAY, 15), actor=receptionist,
                                        now=NOW)
        services.reschedule_appointment(appointment=appointment, start=local(TUESDAY, 10), actor=receptionist,
                                        now=NOW + timedelta(minutes=5))
        sent.refresh_from_db()
        assert sent.state == State.SENT
        assert Notification.objects.filter(kind=Kind.REMINDER, due_at=sent.due_at).count() == 1

    def test_approving_a_held_booking_confirms_it(self, studio_with_consent, manager):
        studio_with_consent.service.requires_approval = True
        studio_with_consent.service.save()
        appointment = book(studio_with_consent, local(TUESDAY, 10))
        later = NOW + timedelta(hours=1)
        services.approve_appointment(appointment=appointment, actor=manager, now=later)
        confirmations = [due for kind, _, due in waiting(appointment) if kind == Kind.CONFIRMATION]
        assert confirmations == [NOW, later]

    def test_a_completed_session_plans_the_follow_up_and_the_check_in(self, studio_with_consent):
        appointment = book(studio_with_consent, local(TUESDAY, 10))
        services.check_in(appointment=appointment, now=local(TUESDAY, 9, 50))
        done = local(TUESDAY, 11, 5)
        services.complete(appointment=appointment, now=done)
        assert (Kind.HOME_CARE, Channel.SMS, done + timedelta(hours=24)) in waiting(appointment)
        assert (Kind.CHECK_IN, Channel.SMS, done + timedelta(hours=48)) in waiting(appointment)

    def test_a_follow_up_due_at_night_waits_for_the_morning(self, studio_with_consent):
        appointment = book(studio_with_consent, local(TUESDAY, 18))
        services.check_in(appointment=appointment, now=local(TUESDAY, 17, 50))
        services.complete(appointment=appointment, now=local(TUESDAY, 21, 30))
        follow_ups = {kind: due for kind, _, due in waiting(appointment) if kind in (Kind.HOME_CARE, Kind.CHECK_IN)}
        assert follow_ups == {Kind.HOME_CARE: local(WEDNESDAY + timedelta(days=1), 8),
                              Kind.CHECK_IN: local(WEDNESDAY + timedelta(days=2), 8)}

    def test_a_no_show_is_not_reminded_any_more(self, studio_with_consent):
        with override_settings(REMINDER_HOURS=[24, 2, -1]):
            appointment = book(studio_with_consent, local(TUESDAY, 10))
        services.mark_no_show(appointment=appointment, now=local(TUESDAY, 10, 20))
        assert not [kind for kind, _, _ in waiting(appointment) if kind == Kind.REMINDER]
