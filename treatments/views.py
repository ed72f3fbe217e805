"""The pain check-in page a client reaches from a message's link, a couple
of days after a session: "how is the pain today, 0 to 10?". Its links are
opened, checked and answered like the booking replies (``bookings.views``):
nothing happens on GET, the POST records the answer once through
``treatments.services.check_ins``."""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from bookings import policies as booking_policies
from bookings import selectors as booking_selectors
from bookings.links import Action
from bookings.views import LinkProblem, open_link, problem_page, render_reply, used_page
from clinic.errors import DomainError
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
    with translation.override(appointment.client.message_language):
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
