"""The manage page of one appointment, reached without an account through
the signed link on the confirmation page and in the client's messages
(``bookings.links.make_manage_token``): see it, add it to a calendar,
move it to another free time with the same practitioner, or cancel it.

The link stands for the appointment's client. What it may still do is
``policies.manage_link_refusal``: seeing, always; moving and cancelling,
only while the appointment is open and ahead. The writes go through
``bookings.services`` as the client's login when there is one
(``policies.link_actor``), so the client's own rules apply too. Nothing
changes on GET; every change is a POST with its CSRF token, and counted
against the caller's rate limit.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from bookings import links, policies, selectors, services
from bookings.messages import appointment_calendar_file, cancellation_policy
from bookings.models import Appointment, AppointmentStatus
from bookings.policies import Act
from bookings.views.booking import TAKEN, Choice, StepQuery, when_context
from bookings.views.limits import over_limit
from bookings.views.replies import problem_page
from clinic.errors import DomainError

# Stored in English; shown translated (``services.shown_cancellation_reason``).
LINK_CANCEL_REASON = services.MANAGE_LINK_CANCEL_REASON


class Unusable(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def open_manage_link(token: str) -> Appointment:
    """The appointment a manage link names; ``Unusable`` for one altered
    or no longer the client's."""
    try:
        appointment_id, client_id = links.read_manage_token(token)
    except links.BadLink:
        raise Unusable("link_tampered") from None
    appointment = selectors.appointment_for_link(appointment_id, client_id)
    if appointment is None:
        raise Unusable("link_tampered")
    return appointment


def page(request, template: str, appointment: Appointment, token: str, status: int = 200, **context) -> HttpResponse:
    now = timezone.now()
    zone = appointment.location.time_zone
    with timezone.override(zone):
        response = render(request, template, {
            "appointment": appointment, "location": appointment.location, "zone_name": str(zone), "token": token,
            "may_move": policies.manage_link_refusal(appointment, Act.RESCHEDULE, now) is None,
            "may_cancel": policies.manage_link_refusal(appointment, Act.CANCEL, now) is None,
            "policy": cancellation_policy(appointment.location), **context,
        }, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def slow_down(request, appointment: Appointment) -> HttpResponse:
    return render(request, "bookings/book/slow_down.html", {"location": appointment.location}, status=429)


def _open_to(request, token: str, act: Act | None = None) -> Appointment | HttpResponse:
    """The appointment a manage link names, when the link may still ``act``
    on it (with no act: see it, which a sound link always may) and a POST
    is within the caller's rate limit; else the response that stands
    instead."""
    try:
        appointment = open_manage_link(token)
    except Unusable as bad:
        return problem_page(request, bad.code)
    refusal = None if act is None else policies.manage_link_refusal(appointment, act, timezone.now())
    if refusal is not None:
        return problem_page(request, refusal)
    if request.method == "POST" and over_limit(request, "manage", settings.MANAGE_PAGE_RATE):
        return slow_down(request, appointment)
    return appointment


@never_cache
@require_GET
def manage(request, token: str) -> HttpResponse:
    appointment = _open_to(request, token)
    if isinstance(appointment, HttpResponse):
        return appointment
    return page(request, "bookings/manage/view.html", appointment, token, new=request.GET.get("new") == "1",
                manage_url=links.manage_url(appointment.pk, appointment.client_id))


@never_cache
@require_GET
def calendar_file(request, token: str) -> HttpResponse:
    """The appointment as an ICS file ("add to calendar")."""
    appointment = _open_to(request, token)
    if isinstance(appointment, HttpResponse):
        return appointment
    text = appointment_calendar_file(appointment, moves=selectors.moves_of(appointment.pk),
                                     cancelled=appointment.status == AppointmentStatus.CANCELLED, now=timezone.now())
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def cancel(request, token: str) -> HttpResponse:
    """The policy and, when it applies, the late-cancellation warning come
    first; the POST cancels."""
    appointment = _open_to(request, token, Act.CANCEL)
    if isinstance(appointment, HttpResponse):
        return appointment
    now = timezone.now()
    if request.method == "POST":
        try:
            services.cancel_appointment(appointment=appointment, actor=policies.link_actor(appointment),
                                        reason=LINK_CANCEL_REASON, now=now)
        except DomainError as error:
            return problem_page(request, error=error)
        return redirect("manage", token=token)
    return page(request, "bookings/manage/cancel.html", appointment, token,
                late=services.is_late_cancellation(start=appointment.start, now=now),
                window_hours=settings.CANCELLATION_WINDOW_HOURS)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def reschedule(request, token: str) -> HttpResponse:
    """Another day and time with the same practitioner: the days and times
    as on the booking pages; the POST moves it."""
    appointment = _open_to(request, token, Act.RESCHEDULE)
    if isinstance(appointment, HttpResponse):
        return appointment
    query = StepQuery(request.POST if request.method == "POST" else request.GET)
    if not query.is_valid():
        return page(request, "bookings/manage/reschedule.html", appointment, token, status=400,
                    **_when(appointment, None, None), bad=True)
    day, start = query.cleaned_data["date"], query.cleaned_data["start"]
    if request.method == "POST":
        if start is None:
            return page(request, "bookings/manage/reschedule.html", appointment, token, status=400,
                        **_when(appointment, day, None), bad=True)
        try:
            services.reschedule_appointment(appointment=appointment, start=start,
                                            actor=policies.link_actor(appointment))
        except DomainError as error:
            if error.code in TAKEN or error.code in {"outside_working_hours", "off_grid", "practitioner_away"}:
                nearest, _zone = selectors.nearest_free(service=appointment.service,
                                                        practitioner=appointment.practitioner, around=start,
                                                        zone=appointment.location.time_zone, moving=appointment)
                return page(request, "bookings/manage/reschedule.html", appointment, token, status=409,
                            **_when(appointment, start.astimezone(appointment.location.time_zone).date(), start),
                            taken=error.message, nearest=nearest)
            return page(request, "bookings/manage/reschedule.html", appointment, token, status=400,
                        **_when(appointment, day, start), refusal=error.message)
        return redirect("manage", token=token)
    return page(request, "bookings/manage/reschedule.html", appointment, token, **_when(appointment, day, start))


def _when(appointment: Appointment, day, start) -> dict:
    choice = Choice(service=appointment.service, practitioner=appointment.practitioner, day=day, start=start)
    context = when_context(choice, moving=appointment)
    return {**context, "choice": choice}
