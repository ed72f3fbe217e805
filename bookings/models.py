"""When: working hours, time off, closures, and appointments with their
life cycle."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _

from bookings.availability import span_seconds
from bookings.constraints import PostgresExclusionConstraint
from clinic.clock import wall_clock


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


def _overlapping(spans, start, end) -> object | None:
    """The first of ``spans`` (with ``starts_at``/``ends_at``) that overlaps
    ``start``-``end``; an end not after the start runs past midnight."""
    low, high = span_seconds(start, end)
    for span in spans:
        other_low, other_high = span_seconds(span.starts_at, span.ends_at)
        if other_low < high and low < other_high:
            return span
    return None


SPAN_ENDS_HELP = _("An end earlier than the start runs past midnight (22:00 to 02:00); 00:00 is midnight.")


class WorkingHours(models.Model):
    """One span of a practitioner's regular week at a location, in the
    location's local time. Several spans a day leave breaks between them; a
    span that runs past midnight belongs to the day it starts on."""

    practitioner = models.ForeignKey("clinic.Practitioner", on_delete=models.CASCADE, related_name="working_hours")
    location = models.ForeignKey("clinic.Location", on_delete=models.PROTECT, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts_at = models.TimeField()
    ends_at = models.TimeField(help_text=SPAN_ENDS_HELP)

    class Meta:
        ordering = ["practitioner", "weekday", "starts_at"]
        verbose_name_plural = _("working hours")
        constraints = [
            models.CheckConstraint(
                condition=~Q(starts_at=F("ends_at")),
                name="working_hours_start_is_not_end",
                violation_error_message=_("Working hours must not end when they start."),
            ),
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="working_hours_weekday_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.practitioner}: {self.get_weekday_display()} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    def clean(self) -> None:
        super().clean()
        if self.starts_at is not None and self.ends_at is not None and self.practitioner_id is not None:
            same_day = WorkingHours.objects.filter(practitioner_id=self.practitioner_id, weekday=self.weekday)
            clash = _overlapping(same_day.exclude(pk=self.pk), self.starts_at, self.ends_at)
            if clash:
                raise ValidationError(_("This overlaps another span on the same day: %(span)s.") % {"span": clash})


class DatedHours(models.Model):
    """Working time on one date, in the location's local time: added to that
    day's weekly hours (a late evening before a festival, a Sunday camp), or
    instead of them (a shorter day)."""

    practitioner = models.ForeignKey("clinic.Practitioner", on_delete=models.CASCADE, related_name="dated_hours")
    location = models.ForeignKey("clinic.Location", on_delete=models.PROTECT, related_name="dated_hours")
    day = models.DateField()
    starts_at = models.TimeField()
    ends_at = models.TimeField(help_text=SPAN_ENDS_HELP)
    replaces_weekly = models.BooleanField(
        default=False,
        help_text=_("Instead of the weekly hours of that date at this location; otherwise added to them."),
    )
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["-day", "starts_at"]
        verbose_name = _("day with its own hours")
        verbose_name_plural = _("days with their own hours")
        constraints = [
            models.CheckConstraint(
                condition=~Q(starts_at=F("ends_at")),
                name="dated_hours_start_is_not_end",
                violation_error_message=_("Working hours must not end when they start."),
            ),
        ]
        indexes = [models.Index(fields=["practitioner", "day"], name="dated_hours_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.practitioner}: {self.day} {self.starts_at:%H:%M}–{self.ends_at:%H:%M} ({self.reason})"

    def clean(self) -> None:
        super().clean()
        if self.starts_at is not None and self.ends_at is not None and self.practitioner_id is not None:
            same_day = DatedHours.objects.filter(practitioner_id=self.practitioner_id, day=self.day)
            clash = _overlapping(same_day.exclude(pk=self.pk), self.starts_at, self.ends_at)
            if clash:
                raise ValidationError(_("This overlaps other hours on that date: %(span)s.") % {"span": clash})


class TimeOff(models.Model):
    """Leave, training or any time a practitioner cannot be booked."""

    practitioner = models.ForeignKey("clinic.Practitioner", on_delete=models.CASCADE, related_name="time_off")
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-start"]
        verbose_name_plural = _("time off")
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")),
                name="time_off_start_before_end",
                violation_error_message=_("Time off must end after it starts."),
            ),
        ]
        indexes = [models.Index(fields=["practitioner", "start", "end"], name="time_off_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.practitioner}: {self.reason or _('time off')}"


class Closure(models.Model):
    """Days a location is shut (holidays, maintenance), in local dates."""

    location = models.ForeignKey("clinic.Location", on_delete=models.CASCADE, related_name="closures")
    first_day = models.DateField()
    last_day = models.DateField()
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["-first_day"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_day__lte=F("last_day")),
                name="closure_days_ordered",
                violation_error_message=_("A closure cannot end before it begins."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.location}: {self.reason} ({self.first_day}–{self.last_day})"


class AppointmentStatus(models.TextChoices):
    PENDING = "pending", _("Pending approval")
    CONFIRMED = "confirmed", _("Confirmed")
    CHECKED_IN = "checked_in", _("Checked in")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


# Appointments in these states hold their practitioner's (and room's) time.
BLOCKING_STATUSES = (
    AppointmentStatus.PENDING,
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.COMPLETED,
)


class Source(models.TextChoices):
    WEB = "web", _("Booking pages")
    APP = "app", _("Mobile app")
    STAFF = "staff", _("Staff")


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class AppointmentQuerySet(models.QuerySet):
    def blocking(self) -> AppointmentQuerySet:
        return self.filter(status__in=BLOCKING_STATUSES)

    def overlapping(self, start, end) -> AppointmentQuerySet:
        """Appointments whose held time (session and buffer) meets [start, end)."""
        return self.filter(start__lt=end, buffer_end__gt=start)


class Appointment(models.Model):
    client = models.ForeignKey("clinic.Client", on_delete=models.PROTECT, related_name="appointments")
    practitioner = models.ForeignKey("clinic.Practitioner", on_delete=models.PROTECT, related_name="appointments")
    service = models.ForeignKey("treatments.Service", on_delete=models.PROTECT, related_name="appointments")
    location = models.ForeignKey("clinic.Location", on_delete=models.PROTECT, related_name="appointments")
    room = models.ForeignKey(
        "clinic.Room", on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    buffer_end = models.DateTimeField(help_text=_("End of the clean-up time after the session."))
    price = models.DecimalField(max_digits=8, decimal_places=2, help_text=_("The price when booked."))
    status = models.CharField(max_length=16, choices=AppointmentStatus.choices, default=AppointmentStatus.CONFIRMED)
    source = models.CharField(max_length=8, choices=Source.choices)
    notes_for_practitioner = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancellation_reason = models.CharField(max_length=300, blank=True)
    late_cancellation = models.BooleanField(
        default=False, help_text=_("Cancelled inside the cancellation window.")
    )
    review_reason = models.CharField(
        max_length=500, blank=True,
        help_text=_("Why the booking waits for a practitioner's review (from the client's health answers)."),
    )
    client_confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the client said, from a reminder's link, that they are coming.")
    )

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")) & Q(end__lte=F("buffer_end")),
                name="appointment_times_ordered",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="appointment_price_not_negative"),
            models.CheckConstraint(
                condition=Q(status__in=AppointmentStatus.values), name="appointment_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=AppointmentStatus.CANCELLED) | Q(cancelled_at__isnull=False),
                name="appointment_cancellation_recorded",
            ),
            PostgresExclusionConstraint(
                name="appointment_practitioner_no_overlap",
                expressions=[
                    (TsTzRange("start", "buffer_end", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("practitioner", RangeOperators.EQUAL),
                ],
                condition=Q(status__in=BLOCKING_STATUSES),
                violation_error_code="slot_unavailable",
                violation_error_message=_("The practitioner is already booked at that time."),
            ),
            PostgresExclusionConstraint(
                name="appointment_room_no_overlap",
                expressions=[
                    (TsTzRange("start", "buffer_end", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("room", RangeOperators.EQUAL),
                ],
                condition=Q(status__in=BLOCKING_STATUSES, room__isnull=False),
                violation_error_code="slot_unavailable",
                violation_error_message=_("The room is already taken at that time."),
            ),
            PostgresExclusionConstraint(
                name="appointment_client_no_overlap",
                expressions=[
                    (TsTzRange("start", "end", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("client", RangeOperators.EQUAL),
                ],
                condition=Q(status__in=BLOCKING_STATUSES),
                violation_error_code="client_overlap",
                violation_error_message=_("This client already has an appointment at that time."),
            ),
        ]
        indexes = [
            models.Index(fields=["practitioner", "start"], name="appointment_practitioner_idx"),
            models.Index(fields=["location", "start"], name="appointment_location_idx"),
            models.Index(fields=["client", "start"], name="appointment_client_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.service.name} for {self.client} with {self.practitioner} at {self.local(self.start)}"

    def local(self, moment) -> str:
        """``moment`` on this appointment's location's clocks, with the zone."""
        return wall_clock(moment, self.location.time_zone)

    @property
    def is_blocking(self) -> bool:
        return self.status in BLOCKING_STATUSES


class AppointmentEvent(models.Model):
    """The audit trail of an appointment's life: one row per change, written
    in the same transaction as the change."""

    class Action(models.TextChoices):
        BOOKED = "booked", _("Booked")
        APPROVED = "approved", _("Approved")
        RESCHEDULED = "rescheduled", _("Rescheduled")
        CHECKED_IN = "checked_in", _("Checked in")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("Marked no-show")
        CLIENT_CONFIRMED = "client_confirmed", _("Client confirmed they are coming")
        MESSAGE_RETRIED = "message_retried", _("Failed message sent again")
        NOTES_CHANGED = "notes_changed", _("Notes for the practitioner changed")

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=16, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField()
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} at {self.appointment.local(self.at)}"


class IdempotencyKey(models.Model):
    """A booking asked for with an ``Idempotency-Key``: a retry with the same
    key and request gets this appointment back instead of booking again.

    The row is claimed before the booking is made and given its appointment
    in the same transaction, so a committed row always has one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]

    def __str__(self) -> str:
        return self.key


class Notification(models.Model):
    """One message to a client about one appointment, written in the same
    transaction as the booking change that calls for it (an outbox). The
    dispatcher claims due rows, checks them again, sends, and marks each
    once; nothing is ever scheduled far ahead in the broker."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", _("Booking confirmation")
        REMINDER = "reminder", _("Reminder")
        RESCHEDULED = "rescheduled", _("Moved notice")
        CANCELLED = "cancelled", _("Cancellation notice")
        HOME_CARE = "home_care", _("Home-care follow-up")
        CHECK_IN = "check_in", _("Pain check-in")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")
        WHATSAPP = "whatsapp", _("WhatsApp")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent")

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="notifications")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    due_at = models.DateTimeField(help_text=_("When it was planned to go out."))
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    for_start = models.DateTimeField(
        help_text=_("The appointment's start when this was planned; a moved appointment's old messages are not sent.")
    )
    offset_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("For a reminder: how long before the start it was meant to go out.")
    )
    not_before = models.DateTimeField(help_text=_("Not sent before this: the due time, later after a failure."))
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True, help_text=_("The dispatcher batch that holds it."))
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=200, blank=True)
    fallback_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="fallback",
        help_text=_("The message on another channel that failed, which this one replaces."),
    )
    answered_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the client used this message's link (each link works once).")
    )
    answer = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "kind", "channel", "due_at"], name="notification_once_per_kind_channel_time"
            ),
            models.CheckConstraint(condition=Q(state__in=[
                "pending", "sending", "sent", "failed", "skipped"]), name="notification_state_valid"),
            models.CheckConstraint(
                condition=~Q(state="sent") | Q(sent_at__isnull=False), name="notification_sent_has_time"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "not_before"], name="notification_due_idx"),
            models.Index(fields=["appointment", "kind"], name="notification_appointment_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.get_channel_display()} for appointment {self.appointment_id}"
