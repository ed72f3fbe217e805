"""The one error type of the bookings app, and every message it shows."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    # Shape of the request
    "client_missing": _("Choose the client the appointment is for."),
    "naive_start": _("Give the start time with its time zone offset."),
    "in_the_past": _("That time has already passed."),
    "invalid_range": _("The end date must be on or after the start date."),
    "range_too_long": _("Ask for at most %(days)s days at a time."),
    # What is offered
    "service_inactive": _("This treatment is not offered at the moment."),
    "practitioner_inactive": _("This practitioner is not taking bookings."),
    "service_not_offered": _("This practitioner does not offer this treatment."),
    # The slot
    "off_grid": _("Appointments start every %(minutes)s minutes; choose one of the offered times."),
    "too_soon": _("That is too soon: book at least %(hours)s hours ahead."),
    "too_far": _("That is too far ahead: bookings open %(days)s days in advance."),
    "outside_working_hours": _("The practitioner does not work at that time."),
    "location_closed": _("The clinic is closed that day."),
    "practitioner_away": _("The practitioner is away at that time."),
    "slot_unavailable": _("That time has just been taken. Please choose another."),
    "no_room": _("No treatment room is free at that time."),
    # The life cycle
    "illegal_transition": _("A %(status)s appointment cannot be %(action)s."),
    "too_early_to_check_in": _("Check-in opens %(hours)s hours before the appointment."),
    "not_started": _("An appointment can be marked as a no-show only once it has started."),
}

# The codes that mean "the state of things changed under you" rather than
# "the request was malformed": the API answers them with 409.
CONFLICT_CODES = frozenset({"slot_unavailable", "no_room", "illegal_transition"})


class BookingError(Exception):
    """A booking rule said no. ``code`` is stable for programs, ``message``
    is for people; ``field`` names the input at fault, when there is one."""

    def __init__(self, code: str, *, field: str | None = None, **params):
        self.code = code
        self.field = field
        self.message = str(MESSAGES[code] % params) if params else str(MESSAGES[code])
        super().__init__(self.message)

    @property
    def is_conflict(self) -> bool:
        return self.code in CONFLICT_CODES
