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
from bookings.views.booking import HEALTH_KEY, PageForm, choice_or_page, step_context, visitor_answers, visitor_of
from bookings.views.replies import open_for_page, problem_page, render_reply, used_since
from bookings.views.account import client_page
from clinic.errors import DomainError
from treatments import policies, selectors
from treatments.errors import RecordError
from clinic.signin import client_address
from treatments.models import ConsentMethod
from treatments.services.check_ins import PAIN_MAX, record_check_in
from treatments.services.intake import check_answers, has_intake, record_intake

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
    opened = open_for_page(request, token, page="check_in_reply")
    if isinstance(opened, HttpResponse):
        return opened
    notification, now = opened.notification, opened.now
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
                        return used_since(request, notification)
                    return problem_page(request, notification=notification, error=error)
                else:
                    return render_reply(request, "treatments/check_in/thanks.html", {"answer": answer},
                                        appointment=appointment)
            status = 400
    return render_reply(request, "treatments/check_in/form.html", {"form": form, "max": PAIN_MAX},
                        appointment=appointment, status=status)


# -- the booking pages' first-visit questionnaire ----------------------------------

# The consent a client gives on the booking pages; its version is saved
# with the answers, so a later wording is a new version.
CONSENT_TEXT_VERSION = "web-1"
YES_NO = [("no", _("No")), ("yes", _("Yes"))]


def _yes(value: str) -> bool:
    return value == "yes"


class IntakeForm(PageForm):
    """The questionnaire's main questions, as a signed-in client answers
    them before a first visit; the practitioner asks the rest in person."""

    conditions = forms.CharField(label=_("Health conditions we should know about (optional)"), required=False,
                                 max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    medications = forms.CharField(label=_("Medicines you take (optional)"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    takes_blood_thinners = forms.TypedChoiceField(label=_("Do you take blood thinners?"), choices=YES_NO,
                                                  coerce=_yes, widget=forms.RadioSelect, initial="no")
    pregnant = forms.TypedChoiceField(label=_("Are you pregnant?"), choices=YES_NO, coerce=_yes,
                                      widget=forms.RadioSelect, initial="no")
    pregnancy_trimester = forms.TypedChoiceField(
        label=_("If so, which trimester?"), required=False, coerce=int, empty_value=None,
        choices=[("", "—"), ("1", "1"), ("2", "2"), ("3", "3")])
    recent_injury_or_surgery = forms.TypedChoiceField(label=_("An injury or surgery in the last three months?"),
                                                      choices=YES_NO, coerce=_yes, widget=forms.RadioSelect,
                                                      initial="no")
    fever = forms.TypedChoiceField(label=_("Do you have a fever today?"), choices=YES_NO, coerce=_yes,
                                   widget=forms.RadioSelect, initial="no")
    skin_condition_or_infection = forms.TypedChoiceField(label=_("A skin condition or infection?"), choices=YES_NO,
                                                         coerce=_yes, widget=forms.RadioSelect, initial="no")
    consent = forms.BooleanField(
        label=_("I agree that the clinic keeps these answers and the notes of my sessions, to treat me safely."),
        error_messages={"required": _("Tick the box to agree, or call the clinic to talk it through.")})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def booking_intake(request) -> HttpResponse:
    """A step of the booking pages (``bookings.views.booking``), kept here
    because the booking core never imports the records: the first-visit
    questionnaire, then on to the review, the choice kept in the address.

    A signed-in client's answers are saved at once through
    ``record_intake``. A visitor has no record yet: their answers, checked
    by the same form, wait in the session until the booking makes the
    record and saves them on it (``record_visitor_answers``), so a visitor
    who never books leaves nothing in the records."""
    choice, other = choice_or_page(request)
    if other is not None:
        return other
    client = booking_policies.page_client(request.user)
    review = choice.url("book_review")
    if client is None:
        return _visitor_intake(request, choice, review)
    if has_intake(client.pk):
        return redirect(review)
    form = IntakeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            record_intake(actor=request.user, client=client, consent_method=ConsentMethod.ONLINE,
                          consent_text_version=CONSENT_TEXT_VERSION, address=client_address(request),
                          **_answers(form))
        except RecordError as error:
            _show(error, form)
        else:
            return redirect(review)
    return _intake_page(request, choice, form)


def _answers(form: IntakeForm) -> dict:
    return {name: value for name, value in form.cleaned_data.items() if name != "consent"}


def _visitor_intake(request, choice, review: str) -> HttpResponse:
    if visitor_of(request) is None:
        return redirect(choice.url("book_details"))
    kept = visitor_answers(request)
    if request.method == "POST":
        form = IntakeForm(request.POST)
    else:  # coming back to change them: what they answered, ticked box included
        form = IntakeForm(initial=_as_typed(kept) if kept else None)
    if form.is_bound and form.is_valid():
        try:
            check_answers(**_answers(form))
        except RecordError as error:
            _show(error, form)
        else:
            request.session[HEALTH_KEY] = {**_answers(form), "consent_text_version": CONSENT_TEXT_VERSION}
            return redirect(review)
    return _intake_page(request, choice, form)


def _show(error: RecordError, form: IntakeForm) -> None:
    """The records' refusal on the questions it names."""
    for field, messages in error.field_messages.items():
        form.add_error(field if field in form.fields else None, messages)


def _as_typed(answers: dict) -> dict:
    """Kept answers as the form shows them again."""
    typed = {name: ("yes" if value else "no") if isinstance(value, bool) else value
             for name, value in answers.items() if name in IntakeForm.base_fields}
    return {**typed, "consent": True}


def _intake_page(request, choice, form: IntakeForm) -> HttpResponse:
    return render(request, "treatments/book/intake.html", step_context(request, choice, form=form),
                  status=400 if form.is_bound else 200)


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
# The roles the log records (``policies.role_of``), as the client reads them.
ROLE_LABELS = {
    "manager": _("manager"), "receptionist": _("receptionist"), "practitioner": _("practitioner"),
    "superuser": _("administrator"), "client": _("you"), "user": _("staff login"),
}


@client_page
@require_http_methods(["GET", "HEAD"])
def record_access(request, client) -> HttpResponse:
    """Who read or wrote the client's clinical record, and when, newest
    first, on the clinic's clocks."""
    if not policies.may_read_access_log(request.user, client):
        raise Http404
    entries = Paginator(selectors.client_access_log(client), ACCESS_PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in entries:
        entry.role_label = ROLE_LABELS.get(entry.role, entry.role)
    return render(request, "treatments/account/record_access.html", {
        "client": client, "nav": "record_access", "entries": entries, "zone": timezone.get_default_timezone_name(),
    })
