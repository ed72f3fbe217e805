"""The manage link, CSRF, rate limits, the language switch, size and queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import timezone

from bookings import messages
from bookings.links import make_manage_token, manage_path
from bookings.models import Appointment, AppointmentStatus, Source
from tests.bookings.pages.conftest import details, ids_of, params
from tests.bookings.replies.conftest import appointment_at
from tests.scenario import local, next_tuesday

pytestmark = pytest.mark.django_db


def link(appointment: Appointment) -> str:
    return manage_path(appointment.pk, appointment.client_id)


def test_manage_link_shows_its_own_appointment(browser, booked):
    response = browser.get(link(booked))
    page = response.content.decode()
    assert response.status_code == 200 and booked.service.name in page
    assert 'data-testid="cancel-link"' in page and 'data-testid="reschedule-link"' in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"


@pytest.mark.parametrize("token", ["nonsense", "", "x" * 300])
def test_tampered_manage_link_is_a_404(browser, booked, token):
    good = make_manage_token(booked.pk, booked.client_id)
    for bad in (token or good[:-2] + "zz", good.replace(good.split(":")[0], good.split(":")[0][::-1])):
        response = browser.get(f"/booking/{bad}/")
        assert response.status_code == 404


def test_link_for_one_appointment_never_opens_another(browser, studio, booked):
    other = appointment_at(studio, booked.start + timedelta(days=1), client=studio.other_client) \
        if False else Appointment.objects.create(
            client=studio.other_client, practitioner=studio.other_practitioner, service=studio.service,
            location=studio.location, start=booked.start, end=booked.end, buffer_end=booked.buffer_end,
            price=booked.price, source=Source.STAFF, status=AppointmentStatus.CONFIRMED)
    # A link signed for A's client but naming B's appointment does not open it.
    response = browser.get(f"/booking/{make_manage_token(other.pk, booked.client_id)}/")
    assert response.status_code == 404
    # Nor does any role's login widen what a link can open.
    assert other.pk != booked.pk


@pytest.mark.parametrize("role", ["anonymous", "client_a", "client_b", "assigned_practitioner", "receptionist",
                                  "manager"])
def test_past_appointment_link_shows_but_cannot_change(studio, people, role):
    past = appointment_at(studio, timezone.now() - timedelta(hours=3))
    browser = Client()
    if people[role]:
        browser.force_login(people[role])
    assert browser.get(link(past)).status_code == 200
    assert 'data-testid="cancel-link"' not in browser.get(link(past)).content.decode()
    assert browser.post(link(past) + "cancel/").status_code == 410
    assert browser.post(link(past) + "move/", {"start": local(next_tuesday(), 11).isoformat()}).status_code == 410
    past.refresh_from_db()
    assert past.status == AppointmentStatus.CONFIRMED


def test_cancelled_appointment_link_cannot_cancel_again(browser, booked):
    browser.post(link(booked) + "cancel/")
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.CANCELLED
    assert browser.get(link(booked) + "cancel/").status_code == 410
    assert "cancel-link" not in browser.get(link(booked)).content.decode()


def test_late_cancel_warning_comes_before_the_cancel(browser, studio):
    soon = appointment_at(studio, timezone.now() + timedelta(hours=5))
    page = browser.get(link(soon) + "cancel/").content.decode()
    assert 'data-testid="late-warning"' in page and "late cancellation" in page
    soon.refresh_from_db()
    assert soon.status == AppointmentStatus.CONFIRMED  # nothing on GET
    browser.post(link(soon) + "cancel/")
    soon.refresh_from_db()
    assert soon.status == AppointmentStatus.CANCELLED and soon.late_cancellation


def test_early_cancel_has_no_warning(browser, booked):
    assert 'data-testid="late-warning"' not in browser.get(link(booked) + "cancel/").content.decode()


def test_reschedule_to_a_free_time(browser, booked):
    new = local(next_tuesday(), 15)
    response = browser.post(link(booked) + "move/", {"start": new.isoformat()})
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.start == new


def test_reschedule_to_a_taken_time_offers_the_nearest(browser, studio, booked):
    from bookings import services
    services.book_appointment(client=studio.other_client, practitioner=studio.practitioner, service=studio.service,
                              start=local(next_tuesday(), 15), source=Source.APP, actor=None)
    response = browser.post(link(booked) + "move/", {"start": local(next_tuesday(), 15).isoformat()})
    assert response.status_code == 409 and ids_of(response, "nearest-")
    booked.refresh_from_db()
    assert booked.start == local(next_tuesday(), 10)


def test_the_move_page_offers_times_overlapping_its_own_but_not_the_start_it_has(browser, booked):
    """Moving by a quarter of an hour: the appointment's own time is not busy
    for its move (the booking service judges it so), and the start it has
    already is no choice."""
    day = next_tuesday()
    offered = ids_of(browser.get(link(booked) + "move/", {"date": day.isoformat()}), "slot-")
    assert "1015" in offered and "1000" not in offered
    response = browser.post(link(booked) + "move/", {"start": local(day, 10, 15).isoformat()})
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.start == local(day, 10, 15)


def test_reschedule_with_a_bad_time_is_a_400(browser, booked):
    assert browser.post(link(booked) + "move/", {"start": "nonsense"}).status_code == 400
    assert browser.get(link(booked) + "move/", {"date": "2026-13-01"}).status_code == 400


def test_ics_download(browser, booked):
    response = browser.get(link(booked) + "calendar.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in response.content and booked.service.name.encode() in response.content


def test_the_downloaded_calendar_entry_is_the_one_the_emails_carry(browser, booked, settings):
    # One UID whatever the address the page was reached at, so a client who
    # downloads the entry and later gets a moved notice updates one event.
    settings.SITE_URL = "https://bookings.clinic.example"
    settings.ALLOWED_HOSTS = ["testserver", "10.0.0.5"]
    downloaded = browser.get(link(booked) + "calendar.ics", HTTP_HOST="10.0.0.5:8000").content
    emailed = messages.appointment_calendar_file(booked, moves=0, cancelled=False, now=booked.created_at)
    uid = f"UID:appointment-{booked.pk}@bookings.clinic.example".encode()
    assert uid in downloaded and uid in emailed


def test_csrf_is_enforced_on_every_write(studio, booked):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/book/details/", {**params(studio), "full_name": "A", "phone": "9876543210"}).status_code == 403
    assert strict.post("/book/confirm/", params(studio)).status_code == 403
    assert strict.post(link(booked) + "cancel/").status_code == 403
    assert strict.post(link(booked) + "move/", {"start": local(next_tuesday(), 15).isoformat()}).status_code == 403
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.CONFIRMED and booked.start == local(next_tuesday(), 10)


def test_booking_rate_limit(browser, studio, settings):
    settings.BOOKING_PAGE_RATE = "2/hour"
    details(browser, studio)
    assert browser.post("/book/confirm/", params(studio, hh=11)).status_code in (302, 400, 409)
    details(browser, studio)
    browser.post("/book/confirm/", params(studio, hh=12))
    details(browser, studio)
    response = browser.post("/book/confirm/", params(studio, hh=14))
    assert response.status_code == 429
    assert not Appointment.objects.filter(start=local(next_tuesday(), 14)).exists()


def test_manage_rate_limit(browser, booked, settings):
    settings.MANAGE_PAGE_RATE = "1/hour"
    browser.post(link(booked) + "move/", {"start": "bad"})
    assert browser.post(link(booked) + "cancel/").status_code == 429
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.CONFIRMED


def test_language_switch_keeps_the_step(browser, studio):
    step = f"/book/?service={studio.service.pk}&practitioner=any"
    response = browser.post("/i18n/setlang/", {"language": "ta", "next": step})
    assert response.status_code == 302 and response["Location"] == step
    page = browser.get(step).content.decode()
    assert '<html lang="ta">' in page
    assert 'data-testid="language-select"' in page


def test_slot_page_is_under_100_kb_with_its_css_and_js(browser, studio):
    for _ in range(8):
        studio.add_practitioner()
    page = browser.get("/book/", {"service": studio.service.pk, "practitioner": "any",
                                  "date": next_tuesday().isoformat()}).content
    css = open(finders.find("site/site.css"), "rb").read()
    js = open(finders.find("site/book.js"), "rb").read()
    assert len(page) + len(css) + len(js) < 100_000


def test_slot_page_queries_do_not_grow_with_practitioners(browser, studio, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    query = {"service": studio.service.pk, "practitioner": "any", "date": next_tuesday().isoformat()}
    with CaptureQueriesContext(connection) as one:
        browser.get("/book/", query)
    for _ in range(9):
        studio.add_practitioner()
    with CaptureQueriesContext(connection) as ten:
        browser.get("/book/", query)
    assert len(one) == len(ten)
