"""A visitor's first visit: the health questionnaire on the booking pages.

A visitor (not signed in) answers it after their details; the answers wait
in the session and are saved on the record the booking makes, in the
booking's transaction, before the booking is screened. So answers that
call for a review hold the booking, and a refused booking keeps nothing.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from bookings import services
from bookings.errors import BookingError
from bookings.models import Appointment, AppointmentStatus
from bookings.views.booking import HEALTH_KEY
from clinic.models import Client as ClientRecord
from tests.bookings.pages.conftest import HEALTH_ANSWERS, answer_health, details, params
from tests.bookings.replies.conftest import appointment_at
from tests.scenario import local, next_tuesday
from tests.treatments.intake.factories import IntakeFactory
from treatments.errors import RecordError
from treatments.models import AccessAction, ConsentMethod, Intake, RecordAccess
from treatments.services.intake import record_first_intake_from_pages

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser() -> Client:
    return Client()


def confirm(browser, studio, **extra):
    return browser.post("/book/confirm/", {**params(studio, **extra), "notes": ""})


def test_details_lead_a_visitor_to_the_questionnaire_numbered_among_six_steps(browser, studio):
    details(browser, studio, health=None)
    review = browser.get("/book/review/", params(studio))
    assert review.status_code == 302 and review["Location"].startswith("/book/health/")
    page = browser.get(review["Location"])
    text = page.content.decode()
    assert page.status_code == 200 and "Step 5 of 6" in text and 'data-testid="field-consent"' in text


def test_the_questionnaire_needs_the_visitors_details_first(browser, studio):
    response = browser.get("/book/health/", params(studio))
    assert response.status_code == 302 and response["Location"].startswith("/book/details/")


def test_answers_wait_in_the_session_and_are_saved_with_the_booking(browser, studio):
    details(browser, studio, health=None)
    answer_health(browser, studio, {**HEALTH_ANSWERS, "conditions": "Mild asthma", "medications": "Inhaler"})
    assert not Intake.objects.exists() and not ClientRecord.objects.filter(full_name="Meena R").exists()
    review = browser.get("/book/review/", params(studio))
    assert review.status_code == 200 and 'data-testid="health-change-link"' in review.content.decode()
    assert "Step 6 of 6" in review.content.decode()

    done = confirm(browser, studio)

    assert done.status_code == 302 and done["Location"].startswith("/booking/")
    client = ClientRecord.objects.get(full_name="Meena R")
    intake = Intake.objects.get(client=client)
    assert (intake.version, intake.conditions, intake.medications) == (1, "Mild asthma", "Inhaler")
    assert intake.consent_method == ConsentMethod.ONLINE and intake.consent_text_version == "web-1"
    assert intake.recorded_by is None
    access = RecordAccess.objects.get(client=client)
    assert (access.actor, access.role, access.actor_name, access.action, access.subject) == (
        None, "client", "Meena R", AccessAction.CREATE, "intake v1")
    assert access.address == "127.0.0.1"
    assert Appointment.objects.get(client=client).status == AppointmentStatus.CONFIRMED
    assert HEALTH_KEY not in browser.session and "booking_visitor" not in browser.session


def test_answers_that_call_for_a_review_hold_the_visitors_booking(browser, studio):
    """The answers are on the record before the booking is screened: a
    visitor with a fever waits for a practitioner like any client would."""
    details(browser, studio, health={**HEALTH_ANSWERS, "fever": "yes"})
    confirm(browser, studio)
    appointment = Appointment.objects.get(client__full_name="Meena R")
    assert appointment.status == AppointmentStatus.PENDING
    assert "Fever" in appointment.review_reason


def test_a_refused_booking_keeps_neither_the_record_nor_the_answers(browser, studio):
    taken = appointment_at(studio, local(next_tuesday(), 10))
    details(browser, studio, practitioner=str(studio.practitioner.pk))
    response = confirm(browser, studio, practitioner=str(studio.practitioner.pk))
    assert response.status_code == 409
    assert not ClientRecord.objects.filter(full_name="Meena R").exists()
    assert not Intake.objects.exists() and not RecordAccess.objects.exists()
    assert list(Appointment.objects.all()) == [taken]
    assert HEALTH_KEY in browser.session  # still there for the next time they choose


def test_confirming_without_answers_asks_them_and_books_nothing(browser, studio):
    details(browser, studio, health=None)
    response = confirm(browser, studio)
    assert response.status_code == 302 and response["Location"].startswith("/book/health/")
    assert not Appointment.objects.exists() and not ClientRecord.objects.filter(full_name="Meena R").exists()


@pytest.mark.parametrize("answers,field,message", [
    ({**HEALTH_ANSWERS, "consent": ""}, "consent", "Tick the box to agree"),
    ({**HEALTH_ANSWERS, "pregnant": "yes"}, "pregnancy_trimester", "trimester"),
    ({**HEALTH_ANSWERS, "fever": "maybe"}, "fever", "Select a valid choice"),
    ({**HEALTH_ANSWERS, "conditions": "x" * 2001}, "conditions", "at most 2000 characters"),
])
def test_each_wrong_answer_is_shown_next_to_its_question_and_nothing_is_kept(browser, studio, answers, field,
                                                                             message):
    details(browser, studio, health=None)
    response = browser.post("/book/health/", {**params(studio), **answers})
    page = response.content.decode()
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in page and message in page
    assert HEALTH_KEY not in browser.session


def test_coming_back_to_the_questionnaire_shows_the_answers_given(browser, studio):
    details(browser, studio, health={**HEALTH_ANSWERS, "fever": "yes", "conditions": "Migraine"})
    page = browser.get("/book/health/", params(studio)).content.decode()
    assert "Migraine" in page
    assert "checked" in tag(page, name="fever", value="yes") and "checked" not in tag(page, name="fever", value="no")
    assert "checked" in tag(page, name="consent")


def tag(page: str, *, name: str, value: str | None = None) -> str:
    """The one input tag of ``name`` (and ``value``)."""
    found = [tag for tag in re.findall(r"<input[^>]*>", page)
             if f'name="{name}"' in tag and (value is None or f'value="{value}"' in tag)]
    assert len(found) == 1, found
    return found[0]


def test_answers_the_records_no_longer_take_are_asked_again(browser, studio):
    details(browser, studio)
    session = browser.session
    session[HEALTH_KEY] = {**session[HEALTH_KEY], "shoe_size": 9}
    session.save()
    response = confirm(browser, studio)
    assert response.status_code == 302 and response["Location"].startswith("/book/health/")
    assert not Appointment.objects.exists() and not ClientRecord.objects.filter(full_name="Meena R").exists()
    assert HEALTH_KEY not in browser.session


def test_a_returning_signed_in_client_is_not_asked_and_has_four_steps(studio, people):
    IntakeFactory(client=studio.client)
    browser = Client()
    browser.force_login(people["client_a"])
    review = browser.get("/book/review/", params(studio))
    assert review.status_code == 200 and "Step 4 of 4" in review.content.decode()


def test_a_signed_in_first_visit_has_the_questionnaire_as_step_four_of_five(studio, people):
    browser = Client()
    browser.force_login(people["client_a"])
    page = browser.get("/book/health/", params(studio))
    assert page.status_code == 200 and "Step 4 of 5" in page.content.decode()


# -- the service and the records' rule -------------------------------------------------


def visitor() -> services.Visitor:
    return services.Visitor(full_name="Devi K", phone="+919876543210", email="")


def test_the_booking_service_refuses_a_visitor_without_answers(studio):
    with pytest.raises(BookingError) as refused:
        services.book_from_pages(user=None, visitor=visitor(), service=studio.service,
                                 start=local(next_tuesday(), 10))
    assert refused.value.code == "intake_missing"
    assert not ClientRecord.objects.filter(full_name="Devi K").exists()


def test_the_booking_service_refuses_a_signed_in_first_visit_without_answers(studio, people):
    with pytest.raises(BookingError) as refused:
        services.book_from_pages(user=people["client_a"], visitor=None, service=studio.service,
                                 start=local(next_tuesday(), 10))
    assert refused.value.code == "intake_missing" and not Appointment.objects.exists()


def answers() -> dict:
    return {"fever": False, "takes_blood_thinners": False}


def test_answers_without_a_login_go_only_on_a_record_nobody_signs_in_to(studio, people):
    """Otherwise anyone typing a booking could rewrite a client's answers."""
    with pytest.raises(RecordError) as refused:
        record_first_intake_from_pages(client=studio.client, consent_text_version="web-1", **answers())
    assert refused.value.code == "not_found" and not Intake.objects.exists()


def test_answers_without_a_login_are_only_ever_the_first_version(studio):
    IntakeFactory(client=studio.other_client)
    with pytest.raises(RecordError) as refused:
        record_first_intake_from_pages(client=studio.other_client, consent_text_version="web-1", **answers())
    assert refused.value.code == "not_found"
    assert Intake.objects.filter(client=studio.other_client).count() == 1


def test_only_the_client_themselves_may_stand_in_the_log_without_a_login(studio):
    with pytest.raises(IntegrityError), transaction.atomic():
        RecordAccess.objects.create(client=studio.client, actor=None, actor_name="Someone", role="receptionist",
                                    action=AccessAction.READ, subject="intake v1", at=timezone.now())
    RecordAccess.objects.create(client=studio.client, actor=None, actor_name=studio.client.full_name,
                                role="client", action=AccessAction.CREATE, subject="intake v1",
                                at=timezone.now() - timedelta(minutes=1))
