"""The client's details and consents: /account/profile/."""

from __future__ import annotations

import pytest

from tests.bookings.account.conftest import errors_of, web_as

URL = "/account/profile/"
pytestmark = pytest.mark.django_db


def form(**changes) -> dict:
    data = {"full_name": "Asha Raman", "phone": "+919840011111", "date_of_birth": "1990-04-02",
            "preferred_language": "en", "email_reminders": "on", "sms_reminders": "",
            "whatsapp_reminders": "on", "emergency_contact_name": "Ravi", "emergency_contact_phone": "98400 33333"}
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_the_page_shows_the_clients_details(member):
    response = web_as(member.user).get(URL)
    assert response.status_code == 200
    assert b'value="Asha Raman"' in response.content and b'data-testid="profile-form"' in response.content


def test_saving_goes_through_the_service_and_keeps_the_history(member):
    response = web_as(member.user).post(URL, form())
    assert response.status_code == 302 and response["Location"] == URL
    member.refresh_from_db()
    assert member.email_reminders and member.whatsapp_reminders and not member.sms_reminders
    assert str(member.emergency_contact_phone) == "+919840033333"
    assert str(member.date_of_birth) == "1990-04-02"
    assert member.history.count() == 2  # created, then changed: simple_history saw the service's save


@pytest.mark.parametrize("field, value", [
    ("full_name", ""),
    ("phone", "12"),
    ("date_of_birth", "2 April"),
    ("preferred_language", "xx"),
    ("emergency_contact_phone", "abc"),
])
def test_each_bad_input_is_named_next_to_its_field(member, field, value):
    response = web_as(member.user).post(URL, form(**{field: value}) | ({field: value} if value == "" else {}))
    assert response.status_code == 400
    assert field in errors_of(response)
    assert f'data-testid="field-error-{field}"'.encode() in response.content
    member.refresh_from_db()
    assert member.full_name == "Asha Raman" and not member.email_reminders


@pytest.mark.parametrize("consent, message", [
    ("sms_reminders", "SMS reminders need a phone number."),
    ("whatsapp_reminders", "WhatsApp reminders need a phone number."),
])
def test_a_consent_needing_a_phone_is_refused_next_to_the_consent(member, consent, message):
    response = web_as(member.user).post(URL, form(**{"phone": "", "whatsapp_reminders": "", "sms_reminders": "", consent: "on"}))
    assert response.status_code == 400
    assert errors_of(response)[consent] == [message]
    member.refresh_from_db()
    assert str(member.phone) == "+919840011111"  # nothing half-written


def test_email_reminders_need_an_email(member):
    member.email = ""
    member.save()
    response = web_as(member.user).post(URL, form())
    assert response.status_code == 400
    assert errors_of(response)["email_reminders"] == ["Email reminders need an email address."]


def test_the_email_cannot_be_changed_here(member):
    web_as(member.user).post(URL, form(email="new@example.test"))
    member.refresh_from_db()
    assert member.email == "asha@example.test"


def test_saving_needs_the_csrf_token(member):
    response = web_as(member.user, enforce_csrf_checks=True).post(URL, form(full_name="Changed"))
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.full_name == "Asha Raman"
