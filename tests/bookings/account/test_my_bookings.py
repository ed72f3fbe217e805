"""My bookings (/account/): upcoming and past, on the location's clocks,
cancel and book again; and the cancel page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from bookings import links, services
from bookings.models import Appointment, AppointmentStatus, Source
from tests.bookings.account.conftest import web_as
from tests.scenario import local, next_tuesday

pytestmark = pytest.mark.django_db


@pytest.fixture
def past(studio, people) -> Appointment:
    appointment = services.book_appointment(
        client=studio.client, practitioner=studio.practitioner, service=studio.service,
        start=local(next_tuesday(), 15), source=Source.APP, actor=None,
    )
    # Moved into the past as a completed session (the services refuse to book there).
    start = timezone.now() - timedelta(days=20)
    Appointment.objects.filter(pk=appointment.pk).update(
        start=start, end=start + timedelta(hours=1), buffer_end=start + timedelta(hours=1, minutes=15),
        status=AppointmentStatus.COMPLETED)
    return Appointment.objects.get(pk=appointment.pk)


def test_upcoming_and_past_in_local_time_with_the_zone(booked, past, people):
    response = web_as(people["client_a"]).get("/account/")
    assert response.status_code == 200
    html = response.content.decode()
    upcoming, past_part = html.split('data-testid="past-list"')
    assert f'data-testid="booking-{booked.pk}"' in upcoming and f'data-testid="booking-{past.pk}"' in past_part
    local_start = timezone.localtime(booked.start, booked.location.time_zone)
    assert f"{local_start:%A} {local_start.day} {local_start:%B %Y}, 10:00 IST</time>" in upcoming
    assert "(Asia/Kolkata time)" in upcoming
    assert f'data-testid="cancel-link-{booked.pk}"' in upcoming
    assert f'data-testid="cancel-link-{past.pk}"' not in html
    assert (f'href="/book/?service={booked.service_id}&amp;practitioner={booked.practitioner_id}" '
            f'data-testid="rebook-link-{booked.pk}"') in html
    assert f'data-testid="rebook-link-{past.pk}"' in html


def test_empty_lists_say_so(member):
    response = web_as(member.user).get("/account/")
    assert b'data-testid="no-upcoming"' in response.content and b'data-testid="no-past"' in response.content


def test_another_clients_bookings_never_show(booked, people):
    response = web_as(people["client_b"]).get("/account/")
    assert f'booking-{booked.pk}"'.encode() not in response.content
    assert b'data-testid="no-upcoming"' in response.content


def test_dates_follow_the_clients_language(booked, people, studio):
    studio.client.preferred_language = "ta"
    studio.client.save()
    response = web_as(people["client_a"]).get("/account/")
    assert response.content.startswith(b'<!doctype html>\n<html lang="ta">')
    weekday = timezone.localtime(booked.start, booked.location.time_zone)
    from django.utils import translation
    from django.utils.dateformat import format as date_format

    with translation.override("ta"):
        expected = date_format(weekday, "l")
    assert expected != "Tuesday" and expected in response.content.decode()


def test_the_client_cancels_their_appointment(booked, people):
    web = web_as(people["client_a"])
    page = web.get(f"/account/bookings/{booked.pk}/cancel/")
    assert page.status_code == 200 and b'data-testid="cancel-form"' in page.content
    response = web.post(f"/account/bookings/{booked.pk}/cancel/")
    assert response.status_code == 302 and response["Location"] == "/account/"
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.CANCELLED and booked.cancelled_by == people["client_a"]
    assert booked.events.filter(action="cancelled").count() == 1


def test_a_late_cancellation_is_warned_about_first(booked, people, settings):
    settings.CANCELLATION_WINDOW_HOURS = 24 * 60
    response = web_as(people["client_a"]).get(f"/account/bookings/{booked.pk}/cancel/")
    assert b'data-testid="late-warning"' in response.content


def test_a_started_appointment_cannot_be_cancelled_here(booked, people):
    start = timezone.now() - timedelta(minutes=5)
    Appointment.objects.filter(pk=booked.pk).update(start=start, end=start + timedelta(hours=1),
                                                    buffer_end=start + timedelta(hours=1, minutes=15))
    web = web_as(people["client_a"])
    assert web.get("/account/").content.count(f'cancel-link-{booked.pk}'.encode()) == 0
    page = web.get(f"/account/bookings/{booked.pk}/cancel/")
    assert page.status_code == 403 and b'data-testid="cancel-error"' in page.content
    assert web.post(f"/account/bookings/{booked.pk}/cancel/").status_code == 403
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.CONFIRMED


def test_a_closed_appointment_has_nothing_to_cancel(past, people):
    web = web_as(people["client_a"])
    assert web.get(f"/account/bookings/{past.pk}/cancel/").status_code == 409
    assert web.post(f"/account/bookings/{past.pk}/cancel/").status_code in (403, 409)  # the service says why
    past.refresh_from_db()
    assert past.status == AppointmentStatus.COMPLETED


@pytest.mark.parametrize("role", ["client_b"])
def test_another_clients_appointment_is_not_found(booked, people, role):
    web = web_as(people[role])
    assert web.get(f"/account/bookings/{booked.pk}/cancel/").status_code == 404
    assert web.post(f"/account/bookings/{booked.pk}/cancel/").status_code == 404
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.CONFIRMED


def test_cancelling_needs_the_csrf_token(booked, people):
    web = web_as(people["client_a"], enforce_csrf_checks=True)
    assert web.post(f"/account/bookings/{booked.pk}/cancel/").status_code == 403
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.CONFIRMED


def test_the_list_costs_a_fixed_number_of_queries(booked, past, people, django_assert_max_num_queries):
    web = web_as(people["client_a"])
    with django_assert_max_num_queries(9):  # one of them the frame's studio name and phone
        assert web.get("/account/").status_code == 200


def _time_shown(html: str) -> str:
    """The text of the first ``<time>`` element and the zone after it."""
    start = html.index("<time ")
    return re.sub(r"\s+", " ", html[start:html.index("</span>", start)])


def test_my_bookings_show_the_time_as_the_appointment_page_does(booked, people):
    """Found by a new-user pass: the list read "Tuesday, Dec. 8, 2026, 10
    a.m. (Asia/Kolkata)", the appointment's own page "Tuesday 8 December
    2026, 10:00 IST (Asia/Kolkata time)"; one client, one way of writing it."""
    mine = web_as(people["client_a"]).get("/account/").content.decode()
    own_page = web_as(people["client_a"]).get(links.manage_url(booked.pk, booked.client_id)).content.decode()
    assert _time_shown(mine.split(f'data-testid="booking-{booked.pk}"')[1]) == _time_shown(own_page)
