"""Signing up on the client pages: /account/sign-up/."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clinic.models import Client, User
from tests.bookings.account.conftest import errors_of

URL = "/account/sign-up/"
GOOD = {"full_name": "Meena Iyer", "email": "Meena@Example.test", "phone": "98400 22222",
        "password": "a-long-walk-by-the-sea", "preferred_language": "ta", "sms_reminders": "on"}

pytestmark = pytest.mark.django_db


def test_the_page_shows_the_form(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert b'data-testid="sign-up-form"' in response.content
    assert b'autocomplete="new-password"' in response.content


def test_signing_up_makes_the_login_and_client_and_signs_in(client):
    response = client.post(URL, GOOD)
    assert response.status_code == 302 and response["Location"] == reverse("account")
    created = Client.objects.get(email="meena@example.test")
    assert created.user.email == "meena@example.test"
    assert str(created.phone) == "+919840022222"
    assert created.preferred_language == "ta" and created.sms_reminders and not created.email_reminders
    assert client.get(reverse("account")).status_code == 200
    # The language the client chose is the site's for them from now on.
    assert response.cookies["django_language"].value == "ta"


@pytest.mark.parametrize("field, value, expected", [
    ("full_name", "", "This field is required."),
    ("email", "not-an-email", "Enter a valid email address."),
    ("phone", "12", "Enter a phone number"),
    ("password", "", "This field is required."),
    ("preferred_language", "fr", "Select a valid choice."),
])
def test_each_bad_input_is_named_next_to_its_field(client, field, value, expected):
    response = client.post(URL, {**GOOD, field: value})
    assert response.status_code == 400
    assert expected in " ".join(errors_of(response)[field])
    assert f'data-testid="field-error-{field}"'.encode() in response.content
    assert b'data-testid="error-summary"' in response.content and b'role="alert"' in response.content
    assert b'aria-invalid="true"' in response.content
    assert not User.objects.filter(email="meena@example.test").exists()


def test_a_weak_password_is_refused_on_the_password_field(client):
    response = client.post(URL, {**GOOD, "password": "12345678"})
    assert response.status_code == 400
    assert errors_of(response)["password"]
    assert not User.objects.filter(email="meena@example.test").exists()


def test_a_taken_email_is_refused_on_the_email_field(client, member):
    response = client.post(URL, {**GOOD, "email": "ASHA@example.test"})
    assert response.status_code == 400
    assert "already exists" in errors_of(response)["email"][0]
    assert Client.objects.filter(email__iexact="asha@example.test").count() == 1


def test_a_reminder_consent_without_its_address_is_refused_next_to_the_consent(client):
    response = client.post(URL, {**GOOD, "phone": "", "whatsapp_reminders": "on", "sms_reminders": ""})
    assert response.status_code == 400
    assert errors_of(response)["whatsapp_reminders"] == ["WhatsApp reminders need a phone number."]
    assert not User.objects.filter(email="meena@example.test").exists()


def test_csrf_is_enforced(member):
    from django.test import Client as WebClient

    assert WebClient(enforce_csrf_checks=True).post(URL, GOOD).status_code == 403
    assert not User.objects.filter(email="meena@example.test").exists()


def test_one_address_opens_only_so_many_accounts_an_hour(settings):
    """Past ``SIGN_UP_PAGE_RATE`` the page asks to wait and opens nothing,
    so nobody fills the client list (and the messages) from one place."""
    from django.test import Client as Browser

    settings.SIGN_UP_PAGE_RATE = "2/hour"
    for number in range(2):
        browser = Browser()
        done = browser.post(URL, {**GOOD, "email": f"person{number}@example.test", "phone": f"9840022{number:03d}"})
        assert done.status_code == 302
    refused = Browser().post(URL, {**GOOD, "email": "person9@example.test", "phone": "9840022999"})
    assert refused.status_code == 429 and "Please wait a little" in refused.content.decode()
    assert not User.objects.filter(email="person9@example.test").exists()
    assert Client.objects.filter(email__startswith="person").count() == 2
