"""Booking on a phone, in a browser: a new client from ``/`` to the
confirmation, in English and in Tamil; the keyboard alone; a client
cancelling through the manage link; a signed-in client moving a booking.
The pages' hooks are the ``data-testid``s documented in
``bookings/views/booking.py`` and ``bookings/views/managing.py``; the
data is the demo studio (``clinic.demo.load_demo``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client as DjangoClient
from django.utils import timezone
from playwright.sync_api import Page, expect

from bookings import links, services
from bookings.models import Appointment, AppointmentStatus, Source
from bookings.selectors import free_slots
from clinic.demo import CLIENT_EMAIL, load_demo
from clinic.models import Client, Practitioner
from tests.browser.conftest import LIVE
from treatments.models import Service

pytestmark = LIVE

NEW_CLIENT = {"full_name": "Kavya Raman", "phone": "9876501234", "email": "kavya@example.com"}


@pytest.fixture
def demo():
    return load_demo()


def free_day(page: Page, *, last: bool = False) -> str:
    """The testid of the first (or ``last``) day after today that has times
    (today's first times may fall inside the least notice while the test runs)."""
    today = f"day-{timezone.localdate():%Y-%m-%d}"
    days = page.locator("[data-testid^='day-']:not([disabled])")
    expect(days.first).to_be_visible()
    testids = [day.get_attribute("data-testid") for day in days.all()]
    later = [testid for testid in testids if testid != today]
    return later[-1] if last else later[0]


def choose_day_and_time(page: Page, step, *, last_day: bool = False) -> str:
    """Choose the first (or last) free day and its first time; returns the time's testid."""
    page.get_by_test_id(free_day(page, last=last_day)).click()
    slot = page.locator("[data-testid='slots'] [data-testid^='slot-']").first
    expect(slot).to_be_visible()
    step("day chosen")
    chosen = slot.get_attribute("data-testid")
    slot.click()
    return chosen


def book_from_home(page: Page, step, *, language: str = "en") -> Client:
    """A visitor's booking from ``/`` to the confirmation page, by the testids."""
    page.goto("/")
    expect(page.get_by_test_id("book-start")).to_be_visible()
    if language != "en":
        page.get_by_test_id("language-select").select_option(language)
        page.get_by_test_id("language-submit").click()
        expect(page.locator("html")).to_have_attribute("lang", language)
    step("home")
    page.get_by_test_id("book-start").click()
    expect(page.locator("[data-testid^='service-']").first).to_be_visible()
    step("treatments")
    service = Service.objects.get(slug="back-massage-60")
    page.get_by_test_id(f"service-{service.pk}").click()
    expect(page.get_by_test_id("practitioner-any")).to_be_visible()
    step("practitioners")
    page.get_by_test_id("practitioner-any").click()
    step("days")
    choose_day_and_time(page, step)

    expect(page.get_by_test_id("field-full_name")).to_be_visible()
    step("details")
    for name, value in NEW_CLIENT.items():
        page.get_by_test_id(f"field-{name}").fill(value)
    page.get_by_test_id("details-submit").click()
    # A first visit: the health questions (nothing to report), and consent.
    expect(page.get_by_test_id("field-consent")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", language)
    step("health questions")
    page.get_by_test_id("field-conditions").fill("Stiff neck after long hours at a desk")
    page.get_by_test_id("field-consent").check()
    page.get_by_test_id("intake-submit").click()
    expect(page.get_by_test_id("confirm-submit")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", language)
    step("review")
    page.get_by_test_id("confirm-submit").click()
    expect(page.get_by_role("status")).to_be_visible()  # "You are booked"
    expect(page.get_by_test_id("manage-link")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", language)
    step("confirmation")
    client = Client.objects.get(email=NEW_CLIENT["email"])
    assert client.appointments.get().service == service
    assert client.intakes.get().conditions == "Stiff neck after long hours at a desk"
    return client


def test_a_new_client_books_from_the_home_page_in_english(page, step, demo):
    client = book_from_home(page, step)
    expect(page.get_by_role("status")).to_have_text("You are booked")
    assert client.preferred_language == "en"
    assert client.appointments.get().status == AppointmentStatus.CONFIRMED


def test_a_new_client_books_from_the_home_page_in_tamil(page, step, demo):
    client = book_from_home(page, step, language="ta")
    assert client.preferred_language == "ta"
    assert client.appointments.get().status == AppointmentStatus.CONFIRMED


def tab_to(page: Page, testid: str, limit: int = 80) -> None:
    """Press Tab until the element with ``testid`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(id) => document.activeElement?.dataset?.testid === id", testid):
            return
    raise AssertionError(f"{limit} presses of Tab never reached {testid} on {page.url}")


def tab_to_first(page: Page, prefix: str, limit: int = 80, *, not_: str = "") -> str:
    """Press Tab until an element whose testid starts with ``prefix`` (and
    is not ``not_``) has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        testid = page.evaluate("() => document.activeElement?.dataset?.testid || ''")
        if testid.startswith(prefix) and testid != not_:
            return testid
    raise AssertionError(f"{limit} presses of Tab never reached {prefix}... on {page.url}")


def test_the_keyboard_alone_completes_a_booking(page, step, screenshot, demo):
    page.goto("/")
    step("home")
    tab_to(page, "book-start")
    page.keyboard.press("Enter")
    expect(page.locator("[data-testid^='service-']").first).to_be_visible()
    tab_to_first(page, "service-")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("practitioner-any")).to_be_visible()
    tab_to(page, "practitioner-any")
    page.keyboard.press("Enter")
    step("days")
    # Full days are disabled, so Tab passes them by; today is passed over
    # too (its first times may fall inside the least notice meanwhile).
    tab_to_first(page, "day-", not_=f"day-{timezone.localdate():%Y-%m-%d}")
    screenshot("day focused")
    page.keyboard.press("Enter")
    expect(page.locator("[data-testid='slots'] [data-testid^='slot-']").first).to_be_visible()
    step("times")
    tab_to_first(page, "slot-")
    page.keyboard.press("Enter")

    expect(page.get_by_test_id("field-full_name")).to_be_visible()
    step("details")
    for name, value in NEW_CLIENT.items():
        tab_to(page, f"field-{name}")
        page.keyboard.type(value)
    screenshot("details typed")
    tab_to(page, "details-submit")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("field-consent")).to_be_visible()
    step("health questions")
    tab_to(page, "field-consent")
    page.keyboard.press("Space")
    tab_to(page, "intake-submit")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("confirm-submit")).to_be_visible()
    step("review")
    tab_to(page, "confirm-submit")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_be_visible()
    step("confirmation")
    assert Client.objects.get(email=NEW_CLIENT["email"]).appointments.count() == 1


def book_next_free(client: Client, service: Service) -> Appointment:
    """Book ``client`` at the first free time two days ahead or later (outside
    the cancellation window), through the service."""
    first_day = timezone.localdate() + timedelta(days=2)
    slot = free_slots(service=service, first_day=first_day, last_day=first_day + timedelta(days=7))[0]
    return services.book_appointment(
        client=client, practitioner=Practitioner.objects.get(pk=slot.practitioner_id), service=service,
        start=slot.start, source=Source.WEB, actor=None,
    )


def test_a_client_cancels_through_the_manage_link(page, step, demo):
    client = Client.objects.create(full_name="Ravi Kumar", phone="+919876509876", email="ravi@example.com")
    appointment = book_next_free(client, Service.objects.get(slug="back-massage-60"))
    page.goto(links.manage_path(appointment.pk, client.pk))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    step("manage page")
    page.get_by_test_id("cancel-link").click()
    expect(page.get_by_test_id("cancel-submit")).to_be_visible()
    expect(page.get_by_test_id("late-warning")).to_have_count(0)
    step("cancel page")
    page.get_by_test_id("cancel-submit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your appointment")
    expect(page.get_by_text("Status: Cancelled")).to_be_visible()
    expect(page.get_by_test_id("cancel-link")).to_have_count(0)
    step("cancelled")
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED


def sign_in(page: Page, live_server, user) -> None:
    """The browser holds a session of ``user`` (the sign-in pages are
    another branch's; this is what they end in)."""
    django_client = DjangoClient()
    django_client.force_login(user)
    cookie = django_client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}])


def test_a_signed_in_client_books_and_moves_the_booking(page, step, live_server, demo):
    client = Client.objects.get(email=CLIENT_EMAIL)
    sign_in(page, live_server, client.user)
    service = Service.objects.get(slug="back-massage-60")
    before = set(client.appointments.values_list("pk", flat=True))

    page.goto("/book/")
    page.get_by_test_id(f"service-{service.pk}").click()
    page.get_by_test_id("practitioner-any").click()
    step("days")
    choose_day_and_time(page, step, last_day=True)  # the demo client's own bookings are in the next days
    # A signed-in client skips the details: the time goes to the review.
    expect(page.get_by_test_id("confirm-submit")).to_be_visible()
    expect(page.get_by_test_id("field-full_name")).to_have_count(0)
    step("review")
    page.get_by_test_id("confirm-submit").click()
    expect(page.get_by_role("status")).to_be_visible()
    step("booked")
    appointment = client.appointments.exclude(pk__in=before).get()
    first_start = appointment.start

    page.get_by_test_id("reschedule-link").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    step("move page")
    page.get_by_test_id(free_day(page)).click()
    slots = page.locator("[data-testid='slots'] [data-testid^='slot-']")
    expect(slots.first).to_be_visible()
    step("move day chosen")
    slots.last.click()  # the day's last time: never the one already held
    expect(page.get_by_role("heading", level=1)).to_have_text("Your appointment")
    expect(page.get_by_test_id("reschedule-link")).to_be_visible()
    step("moved")
    appointment.refresh_from_db()
    assert appointment.start != first_start and appointment.status != AppointmentStatus.CANCELLED
