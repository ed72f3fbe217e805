"""The booking flow step by step, with the ways each step refuses input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from bookings.models import Appointment, AppointmentStatus, Source
from clinic.models import Client as ClientRecord
from tests.bookings.pages.conftest import answer_health, details, ids_of, params
from tests.scenario import local, next_tuesday

pytestmark = pytest.mark.django_db


def test_home_shows_the_location_hours_and_treatments(browser, studio):
    response = browser.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert studio.location.name in page and studio.service.name in page
    assert "09:00–19:00" in page  # the hours, Monday to Saturday
    assert "₹" in page


def test_treatment_step_lists_services_with_length_and_price(browser, studio):
    response = browser.get("/book/")
    assert ids_of(response, "service-") == [str(studio.service.pk)]
    assert f"{studio.service.duration_minutes} minutes" in response.content.decode()


def test_practitioner_step_offers_anyone_and_each_practitioner(browser, studio):
    response = browser.get("/book/", {"service": studio.service.pk})
    assert set(ids_of(response, "practitioner-")) == {
        "any", str(studio.practitioner.pk), str(studio.other_practitioner.pk)}


def test_day_step_marks_full_days_and_time_step_lists_real_buttons(browser, studio):
    response = browser.get("/book/", {"service": studio.service.pk, "practitioner": "any"})
    page = response.content.decode()
    assert response.status_code == 200
    sunday = next(day for day in ids_of(response, "day-")
                  if timezone.datetime.fromisoformat(day).weekday() == 6)
    assert f'data-testid="day-{sunday}" disabled' in page  # nobody works on Sundays
    response = browser.get("/book/", {"service": studio.service.pk, "practitioner": "any",
                                      "date": next_tuesday().isoformat()})
    assert "0900" in ids_of(response, "slot-")
    assert '<button type="submit" name="start"' in response.content.decode()
    assert "Asia/Kolkata" in response.content.decode()  # the zone named beside the times


def test_slots_fragment_is_the_day_alone(browser, studio):
    response = browser.get("/book/slots/", {"service": studio.service.pk, "practitioner": studio.practitioner.pk,
                                            "date": next_tuesday().isoformat()})
    assert response.status_code == 200
    assert "<html" not in response.content.decode() and "1000" in ids_of(response, "slot-")


@pytest.mark.parametrize("query", [
    {"service": "abc"},
    {"service": str(2**64)},
    {"service": "-1"},
    {"service": "1", "practitioner": "someone"},
    {"service": "{s}", "practitioner": "any", "date": "2026-02-30"},
    {"service": "{s}", "practitioner": "any", "date": "0001-01-01"},
    {"service": "{s}", "practitioner": "any", "date": "2000-01-01"},  # past
    {"service": "{s}", "practitioner": "any", "date": "9999-12-31"},
    {"service": "{s}", "practitioner": str(2**63 - 1)},
    {"service": "999999"},
])
def test_bad_addresses_get_a_friendly_400(browser, studio, query):
    query = {name: value.replace("{s}", str(studio.service.pk)) for name, value in query.items()}
    response = browser.get("/book/", query)
    assert response.status_code == 400
    assert 'data-testid="problem-back"' in response.content.decode()


def test_nul_byte_is_refused_not_a_500(browser, studio):
    response = browser.get("/book/", {"service": "1\x00"})
    assert response.status_code == 400


@pytest.mark.parametrize("start", ["tomorrow", "2026-12-08T10:00", "2026-12-08T10:00:00\x01+05:30",
                                   "99999-12-08T10:00+05:30", "2026-12-08T25:00+05:30"])
def test_bad_start_is_a_400_at_details(browser, studio, start):
    response = browser.get("/book/details/", {**params(studio), "start": start})
    assert response.status_code == 400


def test_details_without_a_time_go_back_to_the_time_step(browser, studio):
    response = browser.get("/book/details/", {"service": studio.service.pk, "practitioner": "any"})
    assert response.status_code == 302 and response["Location"].startswith("/book/?")


@pytest.mark.parametrize("field,value,message", [
    ("full_name", "", "This field is required."),
    ("phone", "12", "Enter a valid phone number"),
    ("email", "not-an-email", "Enter a valid email address."),
    ("full_name", "Meena\x07", "invisible characters"),
])
def test_each_details_error_is_shown_next_to_its_field(browser, studio, field, value, message):
    data = {**params(studio), "full_name": "Meena", "phone": "9876543210", "email": "", field: value}
    response = browser.post("/book/details/", data)
    page = response.content.decode()
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in page and message in page
    assert f'aria-describedby="id_{field}_error' in page and 'aria-invalid="true"' in page
    assert "visitor" not in browser.session.get("booking_visitor", {}) and not ClientRecord.objects.filter(
        full_name="Meena").exists()


def test_visitor_books_through_every_step(browser, studio):
    details(browser, studio)
    review = browser.get("/book/review/", params(studio))
    assert review.status_code == 200 and "Meena R" in review.content.decode()
    before = ClientRecord.objects.count()
    done = browser.post("/book/confirm/", {**params(studio), "notes": "Left shoulder"})
    assert done.status_code == 302 and done["Location"].startswith("/booking/")
    appointment = Appointment.objects.get(source=Source.WEB)
    assert appointment.start == local(next_tuesday(), 10)
    assert appointment.notes_for_practitioner == "Left shoulder"
    assert ClientRecord.objects.count() == before + 1  # a record of its own
    page = browser.get(done["Location"]).content.decode()
    assert "You are booked" in page and 'data-testid="manage-link"' in page and 'data-testid="ics-link"' in page
    assert "booking_visitor" not in browser.session  # the back button cannot book it twice


def test_visitor_with_someones_phone_and_email_gets_a_new_record(browser, studio):
    """Typing a known client's details neither books into their record nor tells whether they are one."""
    known = studio.client
    browser.post("/book/details/", {**params(studio), "full_name": "Someone", "phone": str(known.phone or "9876543210"),
                                    "email": known.email})
    answer_health(browser, studio)
    browser.post("/book/confirm/", params(studio))
    appointment = Appointment.objects.get(source=Source.WEB)
    assert appointment.client_id != known.pk
    assert not known.appointments.exists()


def test_review_without_details_goes_to_the_details_step(browser, studio):
    response = browser.get("/book/review/", params(studio))
    assert response.status_code == 302 and response["Location"].startswith("/book/details/")


def test_confirm_without_details_books_nothing(browser, studio):
    response = browser.post("/book/confirm/", params(studio))
    assert response.status_code == 302 and not Appointment.objects.exists()


def test_too_soon_is_refused_on_the_review_page(browser, studio):
    soon = (timezone.now() + timedelta(minutes=30)).astimezone(studio.location.time_zone)
    soon = soon.replace(second=0, microsecond=0, minute=soon.minute - soon.minute % 15)
    browser.post("/book/details/", {**params(studio), "start": soon.isoformat(), "full_name": "A",
                                    "phone": "9876543210", "email": ""})
    answer_health(browser, studio, start=soon.isoformat())
    response = browser.post("/book/confirm/", {**params(studio), "start": soon.isoformat()})
    assert response.status_code in (400, 409)
    assert 'data-testid="refusal"' in response.content.decode() or 'id="taken"' in response.content.decode()
    assert not Appointment.objects.exists() and not ClientRecord.objects.filter(full_name="A").exists()


def test_taken_slot_shows_the_nearest_free_times(browser, studio):
    details(browser, studio, practitioner=str(studio.practitioner.pk))
    from bookings import services
    services.book_appointment(client=studio.other_client, practitioner=studio.practitioner, service=studio.service,
                              start=local(next_tuesday(), 10), source=Source.APP, actor=None)
    records = ClientRecord.objects.count()
    response = browser.post("/book/confirm/", params(studio, practitioner=str(studio.practitioner.pk)))
    page = response.content.decode()
    assert response.status_code == 409
    assert "Just taken" in page and 'id="taken"' in page
    nearest = ids_of(response, "nearest-")
    assert nearest and "1000" not in nearest and nearest[0] in {"0845", "1115", "0900", "1100", "1130"}
    assert ClientRecord.objects.count() == records  # nothing half-written


def test_signed_in_client_rebooks_in_three_screens(studio, people):
    from bookings import services
    from tests.bookings.replies.conftest import appointment_at
    appointment_at(studio, timezone.now() - timedelta(days=10), status=AppointmentStatus.COMPLETED)
    browser = Client()
    browser.force_login(people["client_a"])
    home = browser.get("/")
    assert f"again-{studio.service.pk}" in home.content.decode()
    # 1: day and time (the slot buttons lead straight to the review)
    when = browser.get("/book/", {"service": studio.service.pk, "practitioner": studio.practitioner.pk,
                                  "date": next_tuesday().isoformat()})
    assert 'action="/book/review/"' in when.content.decode()
    # 2: review (a returning client's questionnaire is on file)
    from tests.treatments.intake.factories import IntakeFactory
    IntakeFactory(client=studio.client)
    review = browser.get("/book/review/", params(studio, practitioner=str(studio.practitioner.pk)))
    assert review.status_code == 200 and studio.client.full_name in review.content.decode()
    # 3: confirmation
    done = browser.post("/book/confirm/", params(studio, practitioner=str(studio.practitioner.pk)))
    assert done.status_code == 302
    booked = Appointment.objects.get(source=Source.WEB)
    assert booked.client_id == studio.client.pk and booked.created_by == people["client_a"]
    assert services  # imported for the fixture's appointment


def test_first_visit_of_a_signed_in_client_asks_the_questionnaire(studio, people):
    from treatments.models import Intake
    browser = Client()
    browser.force_login(people["client_a"])
    review = browser.get("/book/review/", params(studio))
    assert review.status_code == 302 and review["Location"].startswith("/book/health/")
    missing = browser.post(review["Location"].split("?")[0], {**params(studio), "takes_blood_thinners": "no",
                                                              "pregnant": "no", "recent_injury_or_surgery": "no",
                                                              "fever": "no", "skin_condition_or_infection": "no"})
    assert missing.status_code == 400 and 'id="id_consent_error"' in missing.content.decode()
    assert not Intake.objects.exists()
    saved = browser.post("/book/health/", {**params(studio), "takes_blood_thinners": "no", "pregnant": "no",
                                           "recent_injury_or_surgery": "no", "fever": "no",
                                           "skin_condition_or_infection": "no", "consent": "on"})
    assert saved.status_code == 302 and saved["Location"].startswith("/book/review/")
    intake = Intake.objects.get(client=studio.client)
    assert intake.consent_method == "online" and intake.recorded_by == people["client_a"]
    assert browser.get(saved["Location"]).status_code == 200


def test_a_staff_login_books_on_the_public_pages_as_the_public(studio, people):
    browser = Client()
    browser.force_login(people["receptionist"])
    details(browser, studio)
    browser.post("/book/confirm/", params(studio))
    booked = Appointment.objects.get()
    assert booked.client.full_name == "Meena R" and booked.source == Source.WEB
