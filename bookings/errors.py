"""The bookings app's refusals, and every message it shows."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from clinic.errors import Catalogue, DomainError, ErrorKind

INVALID, FORBIDDEN, CONFLICT = ErrorKind.INVALID, ErrorKind.FORBIDDEN, ErrorKind.CONFLICT
NOT_FOUND = ErrorKind.NOT_FOUND


class BookingError(DomainError):
    """A booking rule said no."""

    messages: Catalogue = {
        # Shape of the request
        "client_missing": (INVALID, _("Choose the client the booking is for.")),
        "intake_missing": (INVALID, _("Answer the health questions before booking a first visit.")),
        "naive_start": (INVALID, _("Give the start time with its time zone offset.")),
        "in_the_past": (INVALID, _("That time has already passed.")),
        "invalid_range": (INVALID, _("The end date must be on or after the start date.")),
        "range_too_long": (INVALID, _("Ask for at most %(days)s days at a time.")),
        # Who may (the code is the API's for every 403)
        "permission_denied": (FORBIDDEN, _("You are not allowed to %(action)s.")),
        # What is offered
        "service_inactive": (INVALID, _("This treatment is not offered at the moment.")),
        "practitioner_inactive": (INVALID, _("This practitioner is not taking bookings.")),
        "service_not_offered": (INVALID, _("This practitioner does not offer this treatment.")),
        "nobody_offers": (INVALID, _("Nobody offers this treatment at the moment.")),
        # The slot
        "off_grid": (INVALID, _("Appointments start every %(minutes)s minutes; choose one of the offered times.")),
        "too_soon": (INVALID, _("That is too soon: book at least %(hours)s hours ahead.")),
        "too_far": (INVALID, _("That is too far ahead: bookings open %(days)s days in advance.")),
        "outside_working_hours": (INVALID, _("The practitioner does not work at that time.")),
        "nobody_working": (INVALID, _("Nobody who offers this treatment works at that time.")),
        "location_closed": (INVALID, _("The clinic is closed that day.")),
        "practitioner_away": (INVALID, _("The practitioner is away at that time.")),
        "slot_unavailable": (CONFLICT, _("That time has just been taken. Please choose another.")),
        "all_taken": (CONFLICT, _("Everyone who offers this treatment is booked at that time. Please choose another.")),
        "no_room": (CONFLICT, _("No treatment room is free at that time.")),
        "client_overlap": (CONFLICT, _("This client already has an appointment at that time.")),
        "too_many_bookings": (
            CONFLICT, _("At most %(limit)s upcoming appointments can be booked online; the front desk can book more.")
        ),
        "idempotency_key_too_long": (INVALID, _("Use at most %(length)s characters.")),
        "idempotency_key_reused": (CONFLICT, _("This Idempotency-Key was used for a different booking.")),
        # The life cycle
        "illegal_transition": (CONFLICT, _("A %(status)s appointment cannot be %(action)s.")),
        "too_early_to_check_in": (INVALID, _("Check-in opens %(hours)s hours before the appointment.")),
        "not_started": (INVALID, _("An appointment can be marked as a no-show only once it has started.")),
        "attendance_not_open": (CONFLICT, _("Only an upcoming appointment can be confirmed.")),
        # Replies from a message's link (shown to the client on the reply page)
        "link_tampered": (NOT_FOUND, _(
            "We could not read this link. Part of it may have been lost when it was copied: open it again from "
            "the message itself.")),
        "link_not_for_this": (NOT_FOUND, _("This link does not belong to the message it claims to come from.")),
        "link_used": (CONFLICT, _("This link has been used already.")),
        "link_expired": (CONFLICT, _("This link is too old to use now. Please contact the clinic.")),
        "link_moved": (CONFLICT, _(
            "The appointment has been moved since this message was sent, so its link no longer applies. "
            "A newer message has the new time.")),
        "link_cancelled": (CONFLICT, _("This appointment has been cancelled, so there is nothing left to do here.")),
        "link_started": (CONFLICT, _("The appointment time has passed, so this link no longer works.")),
        "link_closed": (CONFLICT, _("This appointment is already under way or over, so this link no longer works.")),
        "link_not_completed": (CONFLICT, _("This session was not completed, so there is no check-in to answer.")),
        # The outbox
        "message_not_failed": (CONFLICT, _("Only a failed message can be sent again; this one is %(state)s.")),
    }
