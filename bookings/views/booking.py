"""The public booking pages: the studio's home page and the booking flow.

Each step is a GET whose state is in the address, so the Back button and
a shared link always land on a working page::

    /book/                                  choose a treatment
    /book/?service=3                        choose a practitioner or "anyone"
    /book/?service=3&practitioner=any       choose a day (14 days ahead) ...
    ...&date=2026-12-08                     ... and a time that day
    /book/details/?service&practitioner&start   name, phone, email (visitors)
    /book/health/?...                       first visit: the health questionnaire
                                            (treatments.views); a signed-in
                                            client's is saved at once, a
                                            visitor's with the booking
    /book/review/?...                       the summary and the confirm button
    POST /book/confirm/                     books, then redirects to the
                                            manage page (/booking/<token>/?new=1)
    /book/slots/?service&practitioner&date  the times of one day, as an HTML
                                            fragment for site/book.js

The details form POSTs (CSRF) and keeps what was typed in the session,
never in the address; so does a visitor's questionnaire, until the booking
saves it on the record it makes (``services.book_from_pages``) and the
session forgets both. A signed-in client skips the details: a time goes
straight to the review, so "book again" is three screens (day and time,
review, confirmation). Rules are the services' and the policies'; a page
only shows what they answer.

Stable hooks for the browser tests (ids and ``data-testid``):

- ``service-<id>`` (link per treatment), ``practitioner-any``,
  ``practitioner-<id>``
- ``day-<YYYY-MM-DD>`` (day buttons; ``aria-current="date"`` on the chosen
  one, ``disabled`` when full), ``slot-<HHMM>`` (time buttons), ``slots``
  (the list), ``nearest-<HHMM>`` (nearest free times after a taken slot)
- ``field-full_name``, ``field-phone``, ``field-email``, ``field-notes``
  (inputs, ids ``id_<name>``), errors ``error-<name>`` (ids
  ``id_<name>_error``, referenced by ``aria-describedby``)
- ``details-submit``, ``confirm-submit``, ``manage-link``, ``ics-link``,
  ``reschedule-link``, ``cancel-link``, ``cancel-submit``,
  ``late-warning``, ``language-select``, ``language-submit``
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from phonenumber_field.formfields import PhoneNumberField

from bookings import links, policies, screening, selectors, services
from bookings.errors import BookingError
from bookings.models import Appointment
from bookings.views.limits import over_limit
from clinic.errors import DomainError
from clinic.inputs import CONTROL_CHARACTER, EARLIEST, LARGEST_ID, LATEST
from clinic.models import Client, Practitioner
from clinic.signin import client_address
from treatments.models.catalogue import Service

DAYS_SHOWN = 14
ANY = "any"
TAKEN = frozenset({"slot_unavailable", "all_taken", "no_room"})
VISITOR_KEY = "booking_visitor"
# A visitor's questionnaire answers (``treatments.views`` writes them).
HEALTH_KEY = "booking_health"


# -- reading the address ----------------------------------------------------------


class StepQuery(forms.Form):
    """The state of the flow, as the address carries it."""

    service = forms.IntegerField(required=False, min_value=1, max_value=LARGEST_ID)
    practitioner = forms.RegexField(required=False, regex=r"^(any|[0-9]{1,19})$", max_length=19)
    date = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    start = forms.CharField(required=False, max_length=40)

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day is not None and not EARLIEST <= day <= LATEST:
            raise forms.ValidationError(_("Choose a day from the list."))
        return day

    def clean_start(self):
        text = self.cleaned_data["start"]
        if not text:
            return None
        if CONTROL_CHARACTER.search(text):
            raise forms.ValidationError(_("Choose a time from the list."))
        try:
            moment = parse_datetime(text)
        except ValueError:
            moment = None
        if moment is None or timezone.is_naive(moment) or not EARLIEST <= moment.date() <= LATEST:
            raise forms.ValidationError(_("Choose a time from the list."))
        return moment


@dataclass
class Choice:
    """What the client has chosen so far."""

    service: Service | None = None
    practitioner: Practitioner | None = None
    anyone: bool = False
    day: date | None = None
    start: datetime | None = None
    signed_in: bool = False  # a signed-in client skips the details step

    @property
    def practitioner_param(self) -> str:
        return ANY if self.anyone else (str(self.practitioner.pk) if self.practitioner else "")

    def params(self, *, day: bool = True, start: bool = True) -> dict[str, str]:
        values = {"service": self.service.pk if self.service else "", "practitioner": self.practitioner_param}
        if day and self.day:
            values["date"] = self.day.isoformat()
        if start and self.start:
            values["start"] = self.start.isoformat()
        return {name: value for name, value in values.items() if value != ""}

    def url(self, name: str = "book", **kwargs) -> str:
        query = urlencode(self.params(**kwargs))
        return reverse(name) + (f"?{query}" if query else "")


class BadStep(Exception):
    def __init__(self, message: str, back: str):
        super().__init__(message)
        self.message, self.back = str(message), back


def read_choice(params) -> Choice:
    """The choice the address names; ``BadStep`` for one that is malformed,
    names nothing on offer, or a day outside what can be booked."""
    query = StepQuery(params)
    if not query.is_valid():
        raise BadStep(_("This address is not one our pages made. Please start again from the list."),
                      reverse("book"))
    data = query.cleaned_data
    choice = Choice()
    if data["service"] is None:
        return choice
    choice.service = selectors.bookable_services().filter(pk=data["service"]).first()
    if choice.service is None:
        raise BadStep(_("This treatment is not offered at the moment. Please choose another."), reverse("book"))
    if data["practitioner"] == ANY:
        choice.anyone = True
    elif data["practitioner"]:
        choice.practitioner = selectors.practitioners_offering(choice.service).filter(
            pk=int(data["practitioner"])).first()
        if choice.practitioner is None:
            raise BadStep(_("This practitioner does not offer this treatment. Please choose again."),
                          choice.url(day=False, start=False))
    if not (choice.anyone or choice.practitioner):
        return choice
    today = timezone.localdate(timezone=_zone())
    if data["date"] is not None:
        if not today <= data["date"] <= today + timedelta(days=settings.BOOKING_HORIZON_DAYS):
            raise BadStep(_("That day cannot be booked online. Please choose a day from the list."),
                          choice.url(day=False, start=False))
        choice.day = data["date"]
    if data["start"] is not None:
        choice.start = data["start"]
        choice.day = choice.day or timezone.localtime(choice.start, _zone()).date()
    return choice


def _zone():
    location = selectors.public_location()
    return location.time_zone if location else timezone.get_default_timezone()


def problem(request, error: BadStep, status: int = 400) -> HttpResponse:
    return render(request, "bookings/book/problem.html", {"message": error.message, "back": error.back,
                                                           "location": selectors.public_location()}, status=status)


def signed_in_client(request) -> Client | None:
    return policies.page_client(request.user)


# -- the home page ---------------------------------------------------------------


def grouped(services) -> list[tuple[str, list[Service]]]:
    groups: dict[str, list[Service]] = {}
    for service in services:
        groups.setdefault(service.get_category_display(), []).append(service)
    return list(groups.items())


@require_GET
def home(request) -> HttpResponse:
    location = selectors.public_location()
    client = signed_in_client(request)
    again = selectors.treatments_to_book_again(client.pk, timezone.now()) if client else []
    return render(request, "bookings/book/home.html", {
        "location": location,
        "hours": selectors.opening_hours(location) if location else [],
        "groups": grouped(selectors.bookable_services()),
        "again": again,
        "currency": settings.CLINIC_CURRENCY,
    })


# -- the steps ---------------------------------------------------------------------


def when_context(choice: Choice, *, now: datetime | None = None, moving: Appointment | None = None) -> dict:
    """The day buttons and, for the chosen day, its times: one calendar
    read. ``moving``: the times are for moving that appointment."""
    zone = _zone()
    today = timezone.localdate(now or timezone.now(), timezone=zone)
    days, zone = selectors.free_days(service=choice.service, practitioner=choice.practitioner, first_day=today,
                                     days=DAYS_SHOWN, now=now, moving=moving)
    chosen = next((day for day in days if day.day == choice.day), None)
    return {
        "days": days, "chosen": chosen, "zone_name": str(zone), "zone": zone,
        "slot_action": reverse("book_review" if choice.signed_in else "book_details"),
    }


def steps_of(client: Client | None) -> dict[str, int]:
    """Which screens this client's flow has, numbered: a visitor types
    their details; a first visit answers the questionnaire."""
    asked = screening.asks_visitors() if client is None else screening.needs_intake(client.pk)
    names = ["service", "practitioner", "when", *(["details"] if client is None else []),
             *(["health"] if asked else []), "review"]
    return {**{name: number for number, name in enumerate(names, start=1)}, "total": len(names)}


def step_context(request, choice: Choice, **extra) -> dict:
    client = signed_in_client(request)
    return {"choice": choice, "location": selectors.public_location(), "currency": settings.CLINIC_CURRENCY,
            "signed_in_client": client, "zone_name": str(_zone()),
            # Read only by the pages that number their step.
            "steps": SimpleLazyObject(lambda: steps_of(client)), **extra}


@require_GET
def book(request) -> HttpResponse:
    """Treatment, then practitioner, then day and time: whichever the
    address has not chosen yet."""
    try:
        choice = read_choice(request.GET)
    except BadStep as error:
        return problem(request, error)
    choice.signed_in = signed_in_client(request) is not None
    if choice.service is None:
        return render(request, "bookings/book/service.html", step_context(
            request, choice, groups=grouped(selectors.bookable_services())))
    if not (choice.anyone or choice.practitioner):
        return render(request, "bookings/book/practitioner.html", step_context(
            request, choice, practitioners=selectors.practitioners_offering(choice.service)))
    return render(request, "bookings/book/when.html", step_context(request, choice, **when_context(choice)))


@require_GET
def slots_fragment(request) -> HttpResponse:
    """One day's times as an HTML fragment, for ``site/book.js``."""
    try:
        choice = read_choice(request.GET)
    except BadStep as error:
        return HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")
    if choice.service is None or not (choice.anyone or choice.practitioner) or choice.day is None:
        return HttpResponse(status=400)
    choice.signed_in = signed_in_client(request) is not None
    return render(request, "bookings/book/_slots.html", step_context(request, choice, **when_context(choice)))


def choice_or_page(request) -> tuple[Choice | None, HttpResponse | None]:
    """The choice of a step that needs a time; or the page to show instead."""
    try:
        choice = read_choice(request.GET if request.method == "GET" else request.POST)
    except BadStep as error:
        return None, problem(request, error)
    choice.signed_in = signed_in_client(request) is not None
    if choice.service is None or not (choice.anyone or choice.practitioner) or choice.start is None:
        return None, redirect(choice.url())
    return choice, None


class PageForm(forms.Form):
    """A form of the client pages: each input has its test hook, and one
    in error is marked invalid and points at its message."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("data-testid", f"field-{name}")

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                field = self.fields[name]
                described = [f"id_{name}_error"] + ([f"id_{name}_help"] if field.help_text else [])
                field.widget.attrs.update({"aria-invalid": "true", "aria-describedby": " ".join(described)})


class DetailsForm(PageForm):
    full_name = forms.CharField(label=_("Your name"), max_length=150, strip=True)
    phone = PhoneNumberField(label=_("Mobile number"), region=settings.PHONENUMBER_DEFAULT_REGION,
                             help_text=_("We send the booking and reminders to this number."))
    email = forms.EmailField(label=_("Email (optional)"), required=False, max_length=254,
                             help_text=_("For the confirmation with a calendar file."))

    def clean_full_name(self):
        name = self.cleaned_data["full_name"]
        if CONTROL_CHARACTER.search(name):
            raise forms.ValidationError(_("Remove the invisible characters from your name."))
        return name


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def details(request) -> HttpResponse:
    choice, other = choice_or_page(request)
    if other is not None:
        return other
    if choice.signed_in:
        return redirect(choice.url("book_review"))
    saved = request.session.get(VISITOR_KEY) or None
    form = DetailsForm(request.POST if request.method == "POST" else None, initial=saved)
    if form.is_bound and form.is_valid():
        request.session[VISITOR_KEY] = {"full_name": form.cleaned_data["full_name"],
                                        "phone": str(form.cleaned_data["phone"]),
                                        "email": form.cleaned_data["email"]}
        if screening.asks_visitors() and visitor_answers(request) is None:
            return redirect(choice.url("book_health"))
        return redirect(choice.url("book_review"))
    status = 400 if form.is_bound else 200
    sign_in = "/account/sign-in/?" + urlencode({"next": choice.url("book_review")})
    return render(request, "bookings/book/details.html", step_context(request, choice, form=form, sign_in=sign_in),
                  status=status)


def visitor_of(request) -> services.Visitor | None:
    saved = request.session.get(VISITOR_KEY)
    if not isinstance(saved, dict):
        return None
    language = translation.get_language() if translation.get_language() in Client.Language.values else "en"
    return services.Visitor(full_name=saved.get("full_name", ""), phone=saved.get("phone", ""),
                            email=saved.get("email", ""), preferred_language=language)


def visitor_answers(request) -> dict | None:
    """The questionnaire a visitor answered in this session, if any."""
    saved = request.session.get(HEALTH_KEY)
    return saved if isinstance(saved, dict) else None


def forget_visitor(request) -> None:
    """What the session kept of a visitor's booking, once it is made: their
    details and, above all, their health answers."""
    request.session.pop(VISITOR_KEY, None)
    request.session.pop(HEALTH_KEY, None)


def taken_page(request, choice: Choice, error: DomainError) -> HttpResponse:
    """The time step again for the day of a time just taken, with the
    nearest free times."""
    nearest, zone = selectors.nearest_free(service=choice.service, practitioner=choice.practitioner,
                                           around=choice.start, zone=_zone())
    context = step_context(request, choice, **when_context(choice), taken=error.message, nearest=nearest)
    return render(request, "bookings/book/when.html", context, status=409)


class NotesForm(PageForm):
    notes = forms.CharField(label=_("Anything the practitioner should know? (optional)"), required=False,
                            max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


def review_page(request, choice: Choice, *, client, visitor, form, health_answered: bool,
                refusal: DomainError | None = None, status: int = 200) -> HttpResponse:
    """The summary and the confirm button; with the rules' ``refusal``
    above them (409 for a conflict, else 400)."""
    if refusal is not None:
        status = 409 if refusal.is_conflict else 400
    return render(request, "bookings/book/review.html", step_context(
        request, choice, client=client, visitor=visitor, form=form, health_answered=health_answered,
        refusal=refusal.message if refusal is not None else None), status=status)


@never_cache
@require_GET
def review(request) -> HttpResponse:
    choice, other = choice_or_page(request)
    if other is not None:
        return other
    client = signed_in_client(request)
    visitor = None
    if client is None:
        visitor = visitor_of(request)
        if visitor is None:
            return redirect(choice.url("book_details"))
        if screening.asks_visitors() and visitor_answers(request) is None:
            return redirect(choice.url("book_health"))
    elif screening.needs_intake(client.pk):
        return redirect(choice.url("book_health"))
    health_answered = visitor is not None and visitor_answers(request) is not None
    try:
        services.check_page_booking(user=request.user, service=choice.service, start=choice.start,
                                    practitioner=choice.practitioner)
    except BookingError as error:
        if error.code in TAKEN:
            return taken_page(request, choice, error)
        return review_page(request, choice, client=client, visitor=visitor, form=NotesForm(),
                           health_answered=health_answered, refusal=error)
    return review_page(request, choice, client=client, visitor=visitor, form=NotesForm(),
                       health_answered=health_answered)


@never_cache
@require_POST
def confirm(request) -> HttpResponse:
    choice, other = choice_or_page(request)
    if other is not None:
        return other
    if over_limit(request, "book", settings.BOOKING_PAGE_RATE):
        return render(request, "bookings/book/slow_down.html", {"location": selectors.public_location()},
                      status=429)
    client = signed_in_client(request)
    visitor = None if client else visitor_of(request)
    if client is None and visitor is None:
        return redirect(choice.url("book_details"))
    answers = visitor_answers(request) if visitor else None
    if visitor and answers is None and screening.asks_visitors():
        return redirect(choice.url("book_health"))
    form = NotesForm(request.POST)
    if not form.is_valid():
        return review_page(request, choice, client=client, visitor=visitor, form=form,
                           health_answered=answers is not None, status=400)
    try:
        appointment = services.book_from_pages(
            user=request.user, visitor=visitor, service=choice.service, start=choice.start,
            practitioner=choice.practitioner, notes=form.cleaned_data["notes"], intake=answers,
            address=client_address(request),
        )
    except DomainError as error:
        if error.code in TAKEN:
            return taken_page(request, choice, error)
        if error.code in ("intake_missing", "invalid_intake"):
            # Answers the records no longer take (kept across a change of the
            # questionnaire, say): ask them again rather than refuse.
            request.session.pop(HEALTH_KEY, None)
            return redirect(choice.url("book_health"))
        return review_page(request, choice, client=client, visitor=visitor, form=form,
                           health_answered=answers is not None, refusal=error)
    forget_visitor(request)
    return redirect(links.manage_path(appointment.pk, appointment.client_id) + "?new=1")
