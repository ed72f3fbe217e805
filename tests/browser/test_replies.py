"""The pages behind the links in a client's messages, in a browser on a
phone: confirm and cancel from a reminder, the pain check-in answered by
keyboard alone, and a link that does not work."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.links import Action
from bookings.models import Appointment, AppointmentStatus, Notification
from tests.bookings.replies.conftest import appointment_at, link, message
from tests.browser.conftest import LIVE, tab_until
from treatments.models import PainCheckIn

pytestmark = LIVE


@pytest.fixture
def reminder(booked) -> Notification:
    return message(booked)


@pytest.fixture
def check_in_message(studio, people) -> Notification:
    """The check-in after client A's session two days ago."""
    start = timezone.now() - timedelta(days=2)
    session = appointment_at(studio, start, status=AppointmentStatus.COMPLETED, checked_in_at=start,
                             completed_at=start + timedelta(hours=1))
    return message(session, kind=Notification.Kind.CHECK_IN)


def reloaded(appointment: Appointment) -> Appointment:
    appointment.refresh_from_db()
    return appointment


def test_a_client_confirms_from_the_reminder(page, step, reminder, booked):
    page.goto(link(reminder, Action.CONFIRM))
    expect(page.get_by_role("heading", level=1)).to_have_text("Are you coming to this appointment?")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("dl.summary")).to_contain_text(booked.service.name)
    expect(page.locator("dl.summary")).to_contain_text("IST")
    step("confirm page")
    assert reloaded(booked).client_confirmed_at is None  # opening the link changes nothing

    page.get_by_role("button", name="Yes, I am coming").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, see you soon")
    step("confirmed")
    assert reloaded(booked).client_confirmed_at is not None

    page.goto(link(reminder, Action.CONFIRM))
    expect(page.get_by_role("heading", level=1)).to_contain_text("used already")
    step("link used again")


def test_a_client_cancels_from_the_reminder(page, step, reminder, booked):
    page.goto(link(reminder, Action.CANCEL))
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel this appointment?")
    expect(page.get_by_role("heading", name="Cancellation policy")).to_be_visible()
    expect(page.locator("#late-warning")).to_have_count(0)
    step("cancel page")

    page.get_by_role("button", name="Cancel my appointment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your appointment is cancelled")
    step("cancelled")
    booked = reloaded(booked)
    assert booked.status == AppointmentStatus.CANCELLED and not booked.late_cancellation


def test_a_late_cancellation_is_announced_before_the_button(page, step, studio, people):
    soon = appointment_at(studio, (timezone.now() + timedelta(hours=3)).replace(second=0, microsecond=0))
    page.goto(link(message(soon), Action.CANCEL))
    warning = page.locator("#late-warning")
    expect(warning).to_be_visible()
    button = page.get_by_role("button", name="Cancel anyway (late cancellation)")
    expect(button).to_have_attribute("aria-describedby", "late-warning")
    step("late cancel page")

    button.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your appointment is cancelled")
    step("cancelled late")
    soon = reloaded(soon)
    assert soon.status == AppointmentStatus.CANCELLED and soon.late_cancellation


def test_the_pain_check_in_is_answered_by_keyboard_alone(page, step, screenshot, check_in_message):
    page.goto(link(check_in_message, Action.CHECK_IN))
    expect(page.get_by_role("heading", level=1)).to_have_text("How is the pain today?")
    step("check-in page")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # the skip link shows itself when focused
    screenshot("skip link focused")

    # Sending with nothing chosen: the error is announced at the field.
    zero = page.get_by_role("radio", name="0", exact=True)
    send = page.get_by_role("button", name="Send my answer")
    tab_until(page, zero)
    page.keyboard.press("Tab")  # the radios are one stop: the next is the button
    expect(send).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_be_visible()
    step("no answer chosen")
    assert not PainCheckIn.objects.exists()

    # A new page: from its top, Tab reaches the radios, and the arrows choose.
    tab_until(page, zero)
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    four = page.get_by_role("radio", name="4", exact=True)
    expect(four).to_be_focused()
    expect(four).to_be_checked()
    screenshot("four chosen")
    page.keyboard.press("Tab")
    expect(send).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your answer")
    expect(page.get_by_text("4 out of 10")).to_be_visible()
    step("answer sent")
    answer = PainCheckIn.objects.get()
    assert answer.pain == 4 and answer.client == check_in_message.appointment.client


def test_a_tampered_link_says_it_does_not_work(page, step):
    response = page.goto("/r/not-a-real-token/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    step("tampered link")


def test_the_not_found_page(page, step):
    response = page.goto("/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    step("not found")
