"""The pages a client reaches from a link in a message: confirm or cancel
an appointment (here), and answer the pain check-in (``treatments.views``,
which opens its links with the helpers below).

Nothing happens on GET: mail scanners and chat apps open links to preview
them before the client does. GET shows what the link would do, with a
button; the POST (CSRF-checked like every form) does it through
``bookings.services``, which checks the link again under a lock and marks
it used. Pages speak the client's preferred language and show times on
the location's clocks, the zone named.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from bookings import links, policies, selectors, services
from bookings.errors import BookingError
from bookings.links import Action
from bookings.models import Appointment, Notification
from clinic.errors import DomainError

# Refusals that mean the link has run its course (410 Gone), as opposed to
# one that never was valid (404) or a rule that said no this time.
GONE = frozenset({"link_expired", "link_moved", "link_cancelled", "link_started", "link_closed",
                  "link_not_completed"})
HEADINGS = {
    404: _("This link does not work"),
    410: _("This link can no longer be used"),
}
DEFAULT_HEADING = _("That did not work")
# Another message about the same session was answered first: nothing to do,
# and nothing wrong either.
ANSWERED_BEFORE = frozenset({"check_in_answered"})
ALREADY_HEADING = _("Already answered")


class LinkProblem(Exception):
    """A link that cannot be used, with the ``BookingError`` code that says why."""

    def __init__(self, code: str, notification: Notification | None = None):
        super().__init__(code)
        self.code = code
        self.notification = notification


def open_link(token: str) -> tuple[Notification, Action]:
    """The message a link names and what it asks; raises ``LinkProblem``
    for a link that was altered, is too old, or names no message."""
    try:
        notification_id, action = links.read_token(token)
    except links.BadLink as bad:
        raise LinkProblem("link_tampered" if bad.reason == "tampered" else "link_expired") from None
    notification = selectors.notification_for_reply(notification_id)
    if notification is None:
        raise LinkProblem("link_tampered")
    return notification, action


@dataclass(frozen=True)
class OpenedLink:
    notification: Notification
    action: Action
    now: datetime


def open_for_page(request, token: str, *, page: str) -> OpenedLink | HttpResponse:
    """The steps every reply page takes before its own: read the link, send
    it to its page (``"reply"`` for confirm and cancel, ``"check_in_reply"``
    for the check-in), and stop at a link used before or one the policy
    refuses now. Returns the link ready for the page, or the response that
    stands instead."""
    try:
        notification, action = open_link(token)
    except LinkProblem as problem:
        return problem_page(request, problem.code, notification=problem.notification)
    belongs = "check_in_reply" if action is Action.CHECK_IN else "reply"
    if belongs != page:
        return redirect(belongs, token=token)
    if notification.answered_at is not None:
        return used_page(request, notification)
    now = timezone.now()
    refusal = policies.link_refusal(notification, action, now)
    if refusal is not None:
        return problem_page(request, refusal, notification=notification)
    return OpenedLink(notification, action, now)


def used_since(request, notification: Notification) -> HttpResponse:
    """The link was used in another tab a moment ago: show what it did."""
    return used_page(request, selectors.notification_for_reply(notification.pk))


def render_reply(request, template: str, context: dict, *, appointment: Appointment | None, status: int = 200):
    """A reply page in the client's language, on the location's clocks."""
    language = appointment.client.message_language if appointment else translation.get_language()
    zone = appointment.location.time_zone if appointment else timezone.get_current_timezone()
    with translation.override(language), timezone.override(zone):
        response = render(request, template, {
            **context, "appointment": appointment, "zone_name": str(zone),
            "location": appointment.location if appointment else None,
        }, status=status)
    # The address carries the token: keep it out of search engines.
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def status_of(code: str, kind: int) -> int:
    if code in GONE:
        return 410
    if code in ANSWERED_BEFORE:
        return 200
    return int(kind)


def problem_page(request, code: str | None = None, *, notification: Notification | None = None,
                 error: DomainError | None = None) -> HttpResponse:
    """Why the link did nothing: the refusal ``error`` (raised while the
    client's language was active), or the booking refusal ``code``."""
    if error is not None:
        code, kind, message = error.code, error.kind, error.message
    else:
        kind, message = BookingError.messages[code]
    status = status_of(code, kind)
    heading = ALREADY_HEADING if code in ANSWERED_BEFORE else HEADINGS.get(status, DEFAULT_HEADING)
    return render_reply(request, "bookings/reply/problem.html", {"heading": heading, "message": message},
                        appointment=notification.appointment if notification else None, status=status)


def used_page(request, notification: Notification) -> HttpResponse:
    """A link used before: what it did, and when; nothing changes."""
    return render_reply(request, "bookings/reply/used.html", {"notification": notification},
                        appointment=notification.appointment)


def cancellation_policy(appointment: Appointment) -> str:
    """The location's own policy (its words, as written), or ours in the
    client's language."""
    if appointment.location.cancellation_policy.strip():
        return appointment.location.cancellation_policy
    hours = settings.CANCELLATION_WINDOW_HOURS
    with translation.override(appointment.client.message_language):
        return ngettext(
            "Please cancel at least %(hours)s hour before your appointment: a cancellation closer to the time "
            "counts as a late cancellation.",
            "Please cancel at least %(hours)s hours before your appointment: a cancellation closer to the time "
            "counts as a late cancellation.",
            hours,
        ) % {"hours": hours}


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def reply(request, token: str) -> HttpResponse:
    """Confirm or cancel an appointment from a message's link."""
    opened = open_for_page(request, token, page="reply")
    if isinstance(opened, HttpResponse):
        return opened
    notification, action, now = opened.notification, opened.action, opened.now
    appointment = notification.appointment
    late = services.is_late_cancellation(start=appointment.start, now=now)
    if request.method == "POST":
        with translation.override(appointment.client.message_language):
            try:
                appointment = services.reply_by_link(notification=notification, action=action, now=now)
            except DomainError as error:  # the booking rules, or a calendar too busy to answer now
                if error.code == "link_used":  # the other tab, a second later
                    return used_since(request, notification)
                return problem_page(request, notification=notification, error=error)
        return render_reply(request, "bookings/reply/done.html", {
            "action": str(action), "late": appointment.late_cancellation,
        }, appointment=appointment)
    return render_reply(request, f"bookings/reply/{action}.html", {
        "late": late, "policy": cancellation_policy(appointment),
        "window_hours": settings.CANCELLATION_WINDOW_HOURS,
    }, appointment=appointment)
