"""The client's account pages on a phone, in a browser: signing up (and a
first booking with its health questions), signing out and in (password,
or a code by SMS), "my bookings" with a cancel (early and late) and a
booking again, the profile (Tamil and back), the home-care routines and
the record's access log, a password reset from the emailed link, and a
staff login turned away.

Every page reached gets the screenshot and the axe-core check of
``tests/browser/conftest.py``, and must not scroll sideways on a 360 px
phone (the narrowest the clinic's clients commonly have). The hooks are
the ``data-testid``s listed in ``bookings/views/account.py``; the data is
the demo studio (``clinic.demo.load_demo``)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db.models import Q
from django.utils import timezone
from playwright.sync_api import Page, expect

from bookings.models import Appointment, AppointmentStatus, Source
from clinic.demo import CLIENT_EMAIL, DEMO_PASSWORD, RECEPTIONIST_EMAIL, load_demo
from clinic.models import Client, Practitioner
from tests.browser.conftest import LIVE, PHONE
from tests.browser.test_booking import book_next_free, choose_day_and_time, sign_in
from treatments.models import Service
from treatments.services.intake import has_intake

pytestmark = LIVE

NARROW = {"width": 360, "height": 780}
DEMO_PHONE = "98400 12345"  # the demo client's mobile, as a person types it
NEW_CLIENT = {"full_name": "Priya Sundaram", "email": "priya@example.com", "phone": "98401 55555",
              "password": "quiet-harbour-walk-42"}


class Texts:
    """An SMS backend that keeps what it is handed, so the test reads the
    code the client would read on their phone."""

    sent: list = []

    def send(self, message, *, key):
        self.sent.append(message)
        return f"kept:{key}"


@pytest.fixture
def demo():
    return load_demo()


@pytest.fixture
def texts(settings) -> list:
    settings.SMS_BACKEND = f"{__name__}.Texts"
    Texts.sent = []
    return Texts.sent


@pytest.fixture
def visit(page: Page, step):
    """A page of the account reached: the screenshot and axe-core (``step``),
    then no sideways scrolling at 360 px."""

    def check(name: str) -> list[dict]:
        violations = step(name)
        page.set_viewport_size(NARROW)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        page.set_viewport_size(PHONE)
        assert width <= NARROW["width"], f"{name} ({page.url}) scrolls sideways at 360 px: {width} px wide"
        return violations

    return check


def lang(page: Page, code: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", code)


def sign_in_with_password(page: Page, email: str, password: str) -> None:
    page.get_by_test_id("field-email").fill(email)
    page.get_by_test_id("field-password").fill(password)
    page.get_by_test_id("sign-in-submit").click()


def test_a_new_client_signs_up_books_a_first_visit_and_signs_out(page, visit, demo):
    page.goto("/account/sign-in/")
    expect(page.get_by_test_id("sign-in-form")).to_be_visible()
    page.get_by_test_id("sign-up-link").click()
    expect(page.get_by_test_id("sign-up-form")).to_be_visible()
    visit("sign up")

    # A weak password is refused next to its field, and the summary says so.
    for name, value in NEW_CLIENT.items():
        page.get_by_test_id(f"field-{name}").fill(value)
    page.get_by_test_id("field-password").fill("12345678")
    page.get_by_test_id("sign-up-submit").click()
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    expect(page.get_by_test_id("field-error-password")).to_be_visible()
    expect(page.get_by_test_id("field-password")).to_have_attribute("aria-invalid", "true")
    visit("sign up refused")
    assert not Client.objects.filter(email=NEW_CLIENT["email"]).exists()

    page.get_by_test_id("field-password").fill(NEW_CLIENT["password"])
    page.get_by_test_id("field-email_reminders").check()
    page.get_by_test_id("sign-up-submit").click()
    expect(page.get_by_test_id("flash")).to_be_visible()
    expect(page.get_by_test_id("no-upcoming")).to_be_visible()
    expect(page.get_by_test_id("no-past")).to_be_visible()
    visit("my bookings empty")
    client = Client.objects.get(email=NEW_CLIENT["email"])
    assert client.user is not None and client.email_reminders and str(client.phone) == "+919840155555"
    assert not has_intake(client.pk)

    # The home page and the booking start, signed in.
    page.goto("/")
    expect(page.get_by_test_id("account-link")).to_have_text("My bookings")
    visit("home signed in")
    page.get_by_test_id("book-start").click()
    service = Service.objects.get(slug="back-massage-60")
    expect(page.get_by_test_id(f"service-{service.pk}")).to_be_visible()
    visit("book start signed in")
    page.get_by_test_id(f"service-{service.pk}").click()
    page.get_by_test_id("practitioner-any").click()
    choose_day_and_time(page, visit)

    # A first visit: the health questions before the review, no details form.
    expect(page).to_have_url(re.compile(r"/book/health/\?"))
    expect(page.get_by_test_id("field-full_name")).to_have_count(0)
    expect(page.get_by_test_id("intake-submit")).to_be_visible()
    # The yes/no answers are radios beside their words, not stretched like text boxes.
    no = page.get_by_role("group", name="Do you take blood thinners?").get_by_role("radio", name="No")
    expect(no).to_be_checked()
    assert no.bounding_box()["width"] < 40
    visit("health questions")
    page.get_by_test_id("intake-submit").click()  # without the consent: refused at the box
    expect(page.get_by_test_id("error-consent")).to_be_visible()
    visit("health questions refused")
    page.get_by_test_id("field-conditions").fill("Mild asthma")
    page.get_by_test_id("field-consent").check()
    page.get_by_test_id("intake-submit").click()
    expect(page.get_by_test_id("confirm-submit")).to_be_visible()
    visit("review")
    assert has_intake(client.pk)
    page.get_by_test_id("confirm-submit").click()
    expect(page.get_by_role("status")).to_be_visible()
    visit("booked")
    appointment = client.appointments.get()

    page.get_by_test_id("account-link").click()
    expect(page.get_by_test_id(f"booking-{appointment.pk}")).to_be_visible()
    expect(page.get_by_test_id("upcoming-list")).to_contain_text(service.name)
    visit("my bookings with the first visit")

    page.get_by_test_id("sign-out-submit").click()
    expect(page.get_by_test_id("sign-in-form")).to_be_visible()
    expect(page.get_by_test_id("flash")).to_have_text("You are signed out.")
    visit("signed out")
    page.goto("/account/")
    expect(page).to_have_url(re.compile(r"/account/sign-in/\?next=/account/$"))


def test_a_client_signs_in_with_email_and_password(page, visit, demo):
    page.goto("/account/profile/")
    expect(page).to_have_url(re.compile(r"/account/sign-in/\?next="))
    visit("sign in")

    sign_in_with_password(page, CLIENT_EMAIL, "not-the-password")
    expect(page.get_by_test_id("field-error-password")).to_be_visible()
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    visit("wrong password")

    sign_in_with_password(page, CLIENT_EMAIL, DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/account/profile/$"))  # back where they were going
    expect(page.get_by_test_id("profile-form")).to_be_visible()
    page.get_by_test_id("nav-bookings").click()
    expect(page.get_by_test_id("upcoming-list")).to_be_visible()
    expect(page.get_by_test_id("past-list")).to_be_visible()
    expect(page.get_by_test_id("nav-bookings")).to_have_attribute("aria-current", "page")
    visit("my bookings")


def test_a_client_signs_in_with_a_code_by_sms(page, visit, demo, texts):
    page.goto("/account/sign-in/")
    page.get_by_test_id("sign-in-code-link").click()
    expect(page.get_by_test_id("code-request-form")).to_be_visible()
    visit("code request")
    page.get_by_test_id("field-phone").fill(DEMO_PHONE)
    page.get_by_test_id("code-request-submit").click()
    expect(page.get_by_test_id("code-form")).to_be_visible()
    visit("code enter")

    assert len(texts) == 1 and texts[0].to == "+919840012345"
    code = re.search(r"\b(\d{6})\b", texts[0].text).group(1)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    page.get_by_test_id("field-code").fill(wrong)
    page.get_by_test_id("code-submit").click()
    expect(page.get_by_test_id("field-error-code")).to_be_visible()
    visit("wrong code")

    page.get_by_test_id("field-code").fill(code)
    page.get_by_test_id("code-submit").click()
    expect(page.get_by_test_id("account-nav")).to_be_visible()
    expect(page.get_by_test_id("upcoming-list")).to_be_visible()
    visit("signed in by code")


def free_practitioner_at(start, end, service: Service) -> Practitioner:
    """A practitioner of ``service`` with nothing booked around ``start``."""
    busy = Appointment.objects.filter(Q(start__lt=end + timedelta(minutes=30)) & Q(buffer_end__gt=start))
    return service.practitioners.exclude(pk__in=busy.values("practitioner")).order_by("pk").first()


def booked_soon(client: Client, service: Service, location) -> Appointment:
    """The client's appointment three hours from now, inside the cancellation
    window, written directly (the booking rules may refuse a time this close)."""
    start = (timezone.now() + timedelta(hours=3)).replace(second=0, microsecond=0)
    end = start + timedelta(minutes=service.duration_minutes)
    return Appointment.objects.create(
        client=client, practitioner=free_practitioner_at(start, end, service), service=service, location=location,
        start=start, end=end, buffer_end=end + timedelta(minutes=service.buffer_minutes), price=service.price,
        source=Source.STAFF, status=AppointmentStatus.CONFIRMED,
    )


def test_my_bookings_cancel_early_and_late_then_book_again(page, visit, live_server, demo):
    client = Client.objects.get(email=CLIENT_EMAIL)
    service = Service.objects.get(slug="back-massage-60")
    later = book_next_free(client, service)
    soon = booked_soon(client, service, later.location)
    sign_in(page, live_server, client.user)

    page.goto("/account/")
    upcoming = page.get_by_test_id("upcoming-list")
    expect(upcoming.get_by_test_id(f"booking-{later.pk}")).to_be_visible()
    expect(upcoming.get_by_test_id(f"booking-{soon.pk}")).to_be_visible()
    expect(page.get_by_test_id(f"booking-time-{later.pk}")).to_contain_text("Asia/Kolkata")
    past = page.get_by_test_id("past-list")
    expect(past.locator("[data-testid^='booking-']").first).to_be_visible()  # last week's session
    visit("my bookings")

    # Two days ahead: no warning.
    page.get_by_test_id(f"cancel-link-{later.pk}").click()
    expect(page.get_by_test_id("cancel-form")).to_be_visible()
    expect(page.get_by_test_id("late-warning")).to_have_count(0)
    expect(page.get_by_test_id(f"cancel-link-{later.pk}")).to_have_count(0)  # no link back to this very page
    visit("cancel")
    page.get_by_test_id("cancel-submit").click()
    expect(page.get_by_test_id("flash")).to_have_text("Your appointment is cancelled.")
    expect(page.get_by_test_id("past-list").get_by_test_id(f"booking-{later.pk}")).to_contain_text("Cancelled")
    expect(page.get_by_test_id(f"cancel-link-{later.pk}")).to_have_count(0)
    visit("cancelled")
    later.refresh_from_db()
    assert later.status == AppointmentStatus.CANCELLED and not later.late_cancellation

    # Three hours ahead: the late-cancellation warning comes before the button.
    page.get_by_test_id(f"cancel-link-{soon.pk}").click()
    expect(page.get_by_test_id("late-warning")).to_be_visible()
    expect(page.get_by_test_id("late-warning")).to_contain_text("late cancellation")
    visit("late cancel")
    page.get_by_test_id("cancel-submit").click()
    expect(page.get_by_test_id("past-list").get_by_test_id(f"booking-{soon.pk}")).to_contain_text(
        "late cancellation")
    visit("cancelled late")
    soon.refresh_from_db()
    assert soon.status == AppointmentStatus.CANCELLED and soon.late_cancellation

    # Book the cancelled one again: same treatment and practitioner, straight to the days.
    before = set(client.appointments.values_list("pk", flat=True))
    page.get_by_test_id(f"rebook-link-{later.pk}").click()
    expect(page).to_have_url(re.compile(rf"/book/\?service={service.pk}&practitioner={later.practitioner_id}"))
    visit("book again")
    choose_day_and_time(page, visit, last_day=True)
    expect(page.get_by_test_id("confirm-submit")).to_be_visible()  # her questionnaire is on file
    visit("review")
    page.get_by_test_id("confirm-submit").click()
    expect(page.get_by_role("status")).to_be_visible()
    visit("booked again")
    again = client.appointments.exclude(pk__in=before).get()
    assert again.service == service and again.practitioner_id == later.practitioner_id

    page.goto("/account/")
    expect(page.get_by_test_id("upcoming-list").get_by_test_id(f"booking-{again.pk}")).to_be_visible()
    visit("my bookings after")


def test_the_profile_contact_details_reminders_and_language(page, visit, live_server, demo):
    client = Client.objects.get(email=CLIENT_EMAIL)
    sign_in(page, live_server, client.user)
    page.goto("/account/")
    page.get_by_test_id("nav-profile").click()
    expect(page.get_by_test_id("profile-form")).to_be_visible()
    expect(page.get_by_test_id("field-full_name")).to_have_value(client.full_name)
    expect(page.get_by_label("Reminders by SMS", exact=True)).to_be_checked()  # a tick box's words end without a colon
    visit("profile")

    # A consent that needs a number, with the number cleared: refused at the box.
    page.get_by_test_id("field-phone").fill("")
    page.get_by_test_id("profile-submit").click()
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    visit("profile refused")
    client.refresh_from_db()
    assert str(client.phone) == "+919840012345"

    page.get_by_test_id("field-phone").fill("98400 67890")
    page.get_by_test_id("field-emergency_contact_name").fill("Narayanan K.")
    page.get_by_test_id("field-emergency_contact_phone").fill("98400 24680")
    page.get_by_test_id("field-sms_reminders").uncheck()
    page.get_by_test_id("field-whatsapp_reminders").check()
    page.get_by_test_id("field-preferred_language").select_option("ta")
    page.get_by_test_id("profile-submit").click()
    lang(page, "ta")
    expect(page.get_by_test_id("flash")).to_have_text("உங்கள் விவரங்கள் சேமிக்கப்பட்டன.")  # in the new language
    expect(page.get_by_role("heading", level=1)).to_have_text("என் விவரங்கள்")
    visit("profile in tamil")
    client.refresh_from_db()
    assert (str(client.phone), client.emergency_contact_name, str(client.emergency_contact_phone)) == (
        "+919840067890", "Narayanan K.", "+919840024680")
    assert (client.sms_reminders, client.whatsapp_reminders, client.preferred_language) == (False, True, "ta")

    page.get_by_test_id("nav-bookings").click()
    lang(page, "ta")
    expect(page.get_by_role("heading", level=1)).to_have_text("என் முன்பதிவுகள்")
    visit("my bookings in tamil")

    # Back to English with the header's switch, which saves it on the profile too.
    page.get_by_test_id("language-select").select_option("en")
    page.get_by_test_id("language-submit").click()
    lang(page, "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("My bookings")
    visit("back in english")
    client.refresh_from_db()
    assert client.preferred_language == "en"


def test_home_care_and_the_record_access_log(page, visit, live_server, demo):
    client = Client.objects.get(email=CLIENT_EMAIL)
    sign_in(page, live_server, client.user)
    page.goto("/account/")
    page.get_by_test_id("nav-home-care").click()
    expect(page.get_by_test_id("nav-home-care")).to_have_attribute("aria-current", "page")
    routine = page.locator("[data-testid^='routine-']").first
    expect(routine).to_be_visible()
    expect(page.locator("[data-testid^='step-']").first).to_be_visible()
    visit("home care")

    page.get_by_test_id("nav-record-access").click()
    expect(page.get_by_test_id("nav-record-access")).to_have_attribute("aria-current", "page")
    expect(page.get_by_test_id("access-log").or_(page.get_by_test_id("no-access"))).to_be_visible()
    visit("record access")


def test_a_password_reset_from_the_emailed_link(page, visit, demo):
    new_password = "monsoon-evening-tea-73"
    page.goto("/account/sign-in/")
    page.get_by_test_id("password-reset-link").click()
    expect(page.get_by_test_id("reset-form")).to_be_visible()
    visit("reset request")
    page.get_by_test_id("field-email").fill(CLIENT_EMAIL)
    page.get_by_test_id("reset-submit").click()
    expect(page).to_have_url(re.compile(r"/account/password-reset/sent/$"))
    visit("reset sent")

    assert len(mail.outbox) == 1 and mail.outbox[0].to == [CLIENT_EMAIL]
    link = re.search(r"https?://[^/\s]+(/account/reset/\S+)", mail.outbox[0].body).group(1)
    page.goto(link)
    expect(page.get_by_test_id("new-password-form")).to_be_visible()
    # The password rules are the field's description, the whole list of them.
    expect(page.get_by_test_id("field-new_password1")).to_have_accessible_description(
        re.compile("at least 8 characters"))
    visit("new password")
    page.get_by_test_id("field-new_password1").fill(new_password)
    page.get_by_test_id("field-new_password2").fill(new_password + "x")
    page.get_by_test_id("new-password-submit").click()
    expect(page.get_by_test_id("field-error-new_password2")).to_be_visible()
    visit("new passwords differ")
    page.get_by_test_id("field-new_password1").fill(new_password)
    page.get_by_test_id("field-new_password2").fill(new_password)
    page.get_by_test_id("new-password-submit").click()
    expect(page).to_have_url(re.compile(r"/account/reset/done/$"))
    visit("password saved")

    page.goto(link)
    expect(page.get_by_test_id("reset-link-invalid")).to_be_visible()
    visit("link used")

    page.goto("/account/sign-in/")
    sign_in_with_password(page, CLIENT_EMAIL, new_password)
    expect(page.get_by_test_id("account-nav")).to_be_visible()
    visit("signed in with the new password")


def test_a_staff_login_is_turned_away_from_the_client_pages(page, visit, live_server, demo):
    page.goto("/account/sign-in/")
    sign_in_with_password(page, RECEPTIONIST_EMAIL, DEMO_PASSWORD)
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    expect(page.get_by_test_id("staff-panel-link")).to_be_visible()
    expect(page.get_by_test_id("account-nav")).to_have_count(0)
    visit("staff refused at sign in")

    # A staff session (from the panel) opening the client pages.
    sign_in(page, live_server, get_user_model().objects.get(email=RECEPTIONIST_EMAIL))
    response = page.goto("/account/")
    assert response.status == 403
    expect(page.get_by_test_id("staff-refused")).to_be_visible()
    expect(page.get_by_test_id("account-nav")).to_have_count(0)
    visit("staff refused on my bookings")
