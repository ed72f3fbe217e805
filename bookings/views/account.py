"""The client's account pages, under ``/account/``: sign up, sign in (email
and password, or a one-time code by SMS), sign out, password reset by
email, "my bookings" (upcoming and past, cancel, book again) and the
profile (contact details, reminder consents, language). The home-care
routines and the record's access log are the records' pages
(``treatments.views``), drawn in the same frame.

Every page works without JavaScript; every form is CSRF-checked; an
error is shown next to its field (and listed, announced, at the top).
Signing in with a password goes through ``authenticate(request=...)``,
so django-axes counts failures and pauses sign-in (``LOCKOUT_*``);
asking for codes is limited per number and per address
(``SIGN_IN_CODES_PER_*``). A staff login is refused here with a pointer
to the staff panel; it never acts as a client.

Stable ``data-testid``s for the browser tests:

- every form: ``field-<name>`` on each input (``field-email``,
  ``field-password``, ``field-phone``, ``field-code``, ...),
  ``field-error-<name>`` on the message next to it, ``error-summary`` on
  the announced list of errors at the top
- sign-in: ``sign-in-form``, ``sign-in-submit``, ``sign-in-code-link``,
  ``sign-up-link``, ``password-reset-link``, ``staff-panel-link``
- sign-up: ``sign-up-form``, ``sign-up-submit``
- code: ``code-request-form``, ``code-request-submit``, ``code-form``,
  ``code-submit``, ``code-resend-link``
- my bookings: ``upcoming-list``, ``past-list``, ``booking-<id>`` (one
  appointment), ``booking-time-<id>``, ``cancel-link-<id>``,
  ``rebook-link-<id>``, ``no-upcoming``, ``no-past``
- cancel: ``cancel-form``, ``cancel-submit``, ``late-warning``,
  ``cancel-error``
- profile: ``profile-form``, ``profile-submit``
- frame: ``account-nav``, ``nav-bookings``, ``nav-profile``,
  ``nav-home-care``, ``nav-record-access``, ``sign-out-form``,
  ``sign-out-submit``, ``flash``, ``language-form``, ``language-select``,
  ``language-submit``, ``staff-refused``
- password reset: ``reset-form``, ``reset-submit``, ``new-password-form``,
  ``new-password-submit``, ``reset-link-invalid``
- home care (``treatments.views``): ``routine-<id>``, ``step-<id>``,
  ``safety-note-<id>``, ``no-routines``
- record access (``treatments.views``): ``access-log``, ``access-<id>``,
  ``no-access``
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from bookings import policies, selectors, services
from bookings.errors import BookingError
from bookings.models import AppointmentStatus
from bookings.policies import Act
from bookings.views.limits import over_limit
from bookings.views.account_forms import (
    AccountForm,
    CodeForm,
    CodeRequestForm,
    NewPasswordForm,
    ProfileForm,
    ResetRequestForm,
    SignInForm,
    SignUpForm,
)
from clinic import services as people
from clinic.errors import ClinicError, DomainError
from clinic.signin import client_address

SESSION_PHONE = "account_code_phone"
OPEN_STATUSES = frozenset({AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED})
BOOK_AGAIN_PATH = "/book/"
GET_POST = ["GET", "HEAD", "POST"]


# -- the frame ----------------------------------------------------------------------


def page(request, template: str, context: dict | None = None, *, status: int = 200) -> HttpResponse:
    return render(request, template, context or {}, status=status)


def form_page(request, template: str, form: AccountForm, context: dict | None = None, *,
              status: int | None = None) -> HttpResponse:
    """A form's page: 400 when it came back with errors (a refusal may say
    429 or 409)."""
    if status is None:
        status = 400 if form.is_bound and form.errors else 200
    return page(request, template, {"form": form, **(context or {})}, status=status)


def refused(request) -> HttpResponse:
    """A signed-in login that is not a client's: staff use the panel."""
    user = request.user
    code = "staff_login" if (user.is_staff or user.is_superuser or user.groups.exists()) else "not_found"
    return page(request, "bookings/account/refused.html", {"message": ClinicError(code).message}, status=403)


def client_page(view):
    """The page is the signed-in client's own: anyone else signs in first
    (and comes back here), a staff login is refused. The view is given the
    client record."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("account_sign_in"))
        if not people.is_client_login(request.user):
            return refused(request)
        return view(request, request.user.client, *args, **kwargs)

    return never_cache(wrapped)


def next_url(request) -> str:
    """Where to go after signing in: the ``next`` asked for when it is a
    page of this site, else "my bookings"."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse("account")


def signed_in(request, user) -> HttpResponse:
    """Sign ``user`` in and go on, the language cookie set to theirs so the
    pages stay in it after they sign out."""
    login(request, user, backend=getattr(user, "backend", "django.contrib.auth.backends.ModelBackend"))
    response = redirect(next_url(request))
    language = user.client.preferred_language
    if language in dict(settings.LANGUAGES):
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
                            path=settings.LANGUAGE_COOKIE_PATH, samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                            secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY)
    return response


def carried_next(request) -> dict:
    """The ``next`` to keep through a form, only when it would be followed."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    return {"next": target if target and next_url(request) == target else ""}


# -- signing up, in and out ------------------------------------------------------------


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(GET_POST)
def sign_up(request) -> HttpResponse:
    if request.user.is_authenticated and people.is_client_login(request.user):
        return redirect("account")
    form = SignUpForm(request.POST or None, initial={"preferred_language": request.LANGUAGE_CODE})
    if form.is_bound and form.is_valid():
        if over_limit(request, "sign-up", settings.SIGN_UP_PAGE_RATE):
            return render(request, "bookings/book/slow_down.html", status=429)
        data = dict(form.cleaned_data)
        data["phone"] = str(data.get("phone") or "")
        try:
            client = people.register_client(**data)
        except ClinicError as error:
            form.show_refusal(error)
        else:
            user = authenticate(request=request, email=client.email, password=data["password"])
            if user is None:  # sign-in paused for this address: the account is made all the same
                messages.success(request, _("Your account is ready. Sign in to continue."))
                return redirect("account_sign_in")
            messages.success(request, _("Welcome! Your account is ready."))
            return signed_in(request, user)
    return form_page(request, "bookings/account/sign_up.html", form, carried_next(request))


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(GET_POST)
def sign_in(request) -> HttpResponse:
    if request.user.is_authenticated and people.is_client_login(request.user):
        return redirect(next_url(request))
    form = SignInForm(request.POST or None)
    if form.is_bound and form.is_valid():
        # Through authenticate(request=...), so django-axes counts a failure
        # and refuses (its own page) while sign-in is paused.
        user = authenticate(request=request, email=form.cleaned_data["email"].strip().lower(),
                            password=form.cleaned_data["password"])
        if user is None:
            form.add_error("password", _("The email address or the password is not right."))
        elif not people.is_client_login(user):
            code = "staff_login" if (user.is_staff or user.is_superuser or user.groups.exists()) else "not_found"
            form.add_error(None, ClinicError(code).message)
            return form_page(request, "bookings/account/sign_in.html", form,
                             {**carried_next(request), "staff": code == "staff_login"}, status=403)
        else:
            return signed_in(request, user)
    return form_page(request, "bookings/account/sign_in.html", form, carried_next(request))


@never_cache
@require_http_methods(GET_POST)
def code_request(request) -> HttpResponse:
    """Step one of signing in by SMS: the mobile number."""
    form = CodeRequestForm(request.POST or None)
    if form.is_bound and form.is_valid():
        phone = str(form.cleaned_data["phone"])
        try:
            services.send_sign_in_code(phone=phone, address=client_address(request))
        except ClinicError as error:
            form.add_error("phone", error.message)
            return form_page(request, "bookings/account/code_request.html", form, carried_next(request),
                             status=int(error.kind))
        request.session[SESSION_PHONE] = phone
        query = carried_next(request)
        return redirect(reverse("account_code_enter") + (f"?{urlencode(query)}" if query["next"] else ""))
    return form_page(request, "bookings/account/code_request.html", form, carried_next(request))


@never_cache
@require_http_methods(GET_POST)
def code_enter(request) -> HttpResponse:
    """Step two: the code from the text message."""
    phone = request.session.get(SESSION_PHONE)
    if not phone:
        return redirect("account_code_request")
    form = CodeForm(request.POST or None)
    if form.is_bound and form.is_valid():
        try:
            user = people.verify_sign_in_code(phone=phone, code=form.cleaned_data["code"], now=timezone.now())
        except ClinicError as error:
            form.add_error("code", error.message)
            return form_page(request, "bookings/account/code_enter.html", form,
                             {**carried_next(request), "phone": phone, "code_minutes": settings.SIGN_IN_CODE_MINUTES},
                             status=int(error.kind))
        del request.session[SESSION_PHONE]
        return signed_in(request, user)
    return form_page(request, "bookings/account/code_enter.html", form, {**carried_next(request), "phone": phone,
                                                                        "code_minutes": settings.SIGN_IN_CODE_MINUTES})


@require_POST
def sign_out(request) -> HttpResponse:
    logout(request)
    messages.success(request, _("You are signed out."))
    return redirect("account_sign_in")


# -- password reset by email (Django's views, in the client pages' frame) ---------------


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a link by email; the answer is the same whether or not an
    account uses the address, and the mail is in the client's language."""

    template_name = "bookings/account/password_reset_form.html"
    form_class = ResetRequestForm
    success_url = reverse_lazy("account_password_reset_sent")

    def form_valid(self, form):
        people.send_password_reset(email=form.cleaned_data["email"], request=self.request, profile_language=True)
        return HttpResponseRedirect(self.get_success_url())

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "bookings/account/password_reset_sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "bookings/account/password_reset_confirm.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("account_password_reset_complete")

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "bookings/account/password_reset_complete.html"


# -- my bookings ------------------------------------------------------------------------


def _row(appointment, *, user, now) -> dict:
    zone = appointment.location.time_zone
    return {
        "appointment": appointment,
        "start": timezone.localtime(appointment.start, zone),
        "end": timezone.localtime(appointment.end, zone),
        "zone": str(zone),
        "may_cancel": appointment.status in OPEN_STATUSES and policies.may(user, Act.CANCEL, appointment, now),
        "rebook": f"{BOOK_AGAIN_PATH}?{urlencode({'service': appointment.service_id, 'practitioner': appointment.practitioner_id})}",
    }


@client_page
@require_http_methods(["GET", "HEAD"])
def my_bookings(request, client) -> HttpResponse:
    now = timezone.now()
    appointments = policies.visible_appointments(request.user, selectors.appointments_with_details().filter(client=client))
    upcoming = [a for a in appointments.filter(end__gt=now, status__in=OPEN_STATUSES | {AppointmentStatus.CHECKED_IN})]
    past = list(appointments.exclude(pk__in=[a.pk for a in upcoming]).order_by("-start", "-pk")[:50])
    return page(request, "bookings/account/bookings.html", {
        "client": client, "nav": "bookings",
        "upcoming": [_row(a, user=request.user, now=now) for a in upcoming],
        "past": [_row(a, user=request.user, now=now) for a in past],
    })


@client_page
@require_http_methods(GET_POST)
def cancel(request, client, pk: int) -> HttpResponse:
    """Cancel one of one's own appointments (``bookings.services``), after
    a page that says whether it would count as late."""
    now = timezone.now()
    appointment = get_object_or_404(
        policies.visible_appointments(request.user, selectors.appointments_with_details().filter(client=client)), pk=pk)
    row = _row(appointment, user=request.user, now=now)
    context = {
        "client": client, "nav": "bookings", "row": row, "late": services.is_late_cancellation(start=appointment.start, now=now),
        "policy": appointment.location.cancellation_policy, "window_hours": settings.CANCELLATION_WINDOW_HOURS,
    }
    if request.method == "POST":
        try:
            services.cancel_appointment(appointment=appointment, actor=request.user, now=now,
                                        reason="cancelled by the client on their account page")
        except DomainError as error:  # started, closed, or a calendar too busy to answer now
            return page(request, "bookings/account/cancel.html", {**context, "error": error.message},
                        status=int(error.kind))
        messages.success(request, _("Your appointment is cancelled."))
        return redirect("account")
    if appointment.status not in OPEN_STATUSES:
        message = _("This appointment is not open any more, so there is nothing to cancel.")
        return page(request, "bookings/account/cancel.html", {**context, "error": message}, status=409)
    try:
        policies.require(request.user, Act.CANCEL, appointment, now)
    except BookingError as error:  # it has started: only the front desk may now
        return page(request, "bookings/account/cancel.html", {**context, "error": error.message},
                    status=int(error.kind))
    return page(request, "bookings/account/cancel.html", context)


# -- the profile and the language ----------------------------------------------------------


@client_page
@require_http_methods(GET_POST)
def profile(request, client) -> HttpResponse:
    initial = {name: getattr(client, name) for name in people.PROFILE_FIELDS}
    form = ProfileForm(request.POST or None, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            client = people.update_client_profile(client=client, **form.changes())
        except ClinicError as error:
            form.show_refusal(error)
        else:
            # In the language just chosen: the next page is drawn in it.
            with translation.override(client.preferred_language):
                messages.success(request, _("Your details are saved."))
            response = redirect("account_profile")
            if client.preferred_language in dict(settings.LANGUAGES):
                response.set_cookie(settings.LANGUAGE_COOKIE_NAME, client.preferred_language,
                                    max_age=settings.LANGUAGE_COOKIE_AGE, samesite=settings.LANGUAGE_COOKIE_SAMESITE)
            return response
    return form_page(request, "bookings/account/profile.html", form, {"client": client, "nav": "profile"})


def set_language(request) -> HttpResponse:
    """Django's language switch (the header's form), which also saves the
    choice on a signed-in client's profile, so it follows them to every
    device and to their messages."""
    response = i18n.set_language(request)
    language = request.POST.get("language") if request.method == "POST" else None
    if (language in dict(settings.LANGUAGES) and request.user.is_authenticated
            and people.is_client_login(request.user)):
        try:
            people.update_client_profile(client=request.user.client, preferred_language=language)
        except ClinicError:  # an older record another rule now refuses: the cookie still holds the choice
            pass
    return response
