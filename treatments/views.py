"""The records' client pages.

The pain check-in page a client reaches from a message's link, a couple
of days after a session: "how is the pain today, 0 to 10?". Its links are
opened, checked and answered like the booking replies (``bookings.views``):
nothing happens on GET, the POST records the answer once through
``treatments.services.check_ins``.

Two pages of the client's account (``bookings.views.account`` draws the
rest, and its docstring lists the ``data-testid``s): the home-care
routines shared with them, and who accessed their record. Both are the
signed-in client's own, read through the same selectors and policies as
the API's ``me/home-care/`` and ``me/record-access/``."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from bookings import policies as booking_policies
from bookings import selectors as booking_selectors
from bookings.links import Action
from bookings.views import LinkProblem, open_link, problem_page, render_reply, used_page
from bookings.views.account import client_page
from clinic.errors import DomainError
from treatments import policies, selectors
from treatments.errors import RecordError
from treatments.services.check_ins import PAIN_MAX, record_check_in

SCALE = [(value, str(value)) for value in range(PAIN_MAX + 1)]


class CheckInForm(forms.Form):
    pain = forms.TypedChoiceField(
        label=_("How is the pain today?"),
        choices=SCALE, coerce=int, widget=forms.RadioSelect,
        error_messages={
            "required": RecordError.messages["check_in_pain"][1],
            "invalid_choice": RecordError.messages["check_in_pain"][1],
        },
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def check_in(request, token: str) -> HttpResponse:
    try:
        notification, action = open_link(token)
    except LinkProblem as problem:
        return problem_page(request, problem.code, notification=problem.notification)
    if action is not Action.CHECK_IN:
        return redirect("reply", token=token)
    if notification.answered_at is not None:
        return used_page(request, notification)
    now = timezone.now()
    refusal = booking_policies.link_refusal(notification, action, now)
    if refusal is not None:
        return problem_page(request, refusal, notification=notification)
    appointment = notification.appointment
    status = 200
    with translation.override(appointment.client.preferred_language):
        form = CheckInForm(request.POST if request.method == "POST" else None)
        if form.is_bound:
            if form.is_valid():
                try:
                    answer = record_check_in(notification=notification, pain=form.cleaned_data["pain"], now=now)
                except RecordError as error:
                    if error.field != "pain":
                        return problem_page(request, notification=notification, error=error)
                    form.add_error("pain", error.message)
                except DomainError as error:  # the link's own refusals, or a busy database
                    if error.code == "link_used":
                        return used_page(request, booking_selectors.notification_for_reply(notification.pk))
                    return problem_page(request, notification=notification, error=error)
                else:
                    return render_reply(request, "treatments/check_in/thanks.html", {"answer": answer},
                                        appointment=appointment)
            status = 400
    return render_reply(request, "treatments/check_in/form.html", {"form": form, "max": PAIN_MAX},
                        appointment=appointment, status=status)


# -- the client's account: what their records hold for them --------------------------


@client_page
@require_http_methods(["GET", "HEAD"])
def home_care(request, client) -> HttpResponse:
    """The home-care routines the client's therapists shared with them: the
    steps with their hold times and repetitions, and the safety note."""
    return render(request, "treatments/account/home_care.html", {
        "client": client, "nav": "home_care", "assignments": list(selectors.client_home_care(client)),
    })


ACCESS_PAGE_SIZE = 50


@client_page
@require_http_methods(["GET", "HEAD"])
def record_access(request, client) -> HttpResponse:
    """Who read or wrote the client's clinical record, and when, newest
    first, on the clinic's clocks."""
    if not policies.may_read_access_log(request.user, client):
        raise Http404
    entries = Paginator(selectors.client_access_log(client), ACCESS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "treatments/account/record_access.html", {
        "client": client, "nav": "record_access", "entries": entries, "zone": timezone.get_default_timezone_name(),
    })
