"""The API, the mail and the pages answer in the language asked for
(``Accept-Language``): Tamil when asked, English otherwise."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from rest_framework.test import APIClient

from bookings.api import MAX_AVAILABILITY_DAYS
from tests.api.conftest import api_as
from tests.scenario import MONDAY

pytestmark = pytest.mark.django_db

TAMIL = {"HTTP_ACCEPT_LANGUAGE": "ta"}


def test_a_booking_refusal_comes_in_tamil_with_its_number_filled_in(studio):
    end = MONDAY + timedelta(days=MAX_AVAILABILITY_DAYS + 1)
    response = APIClient().get("/api/v1/availability/", {
        "service": studio.service.pk, "start": str(MONDAY), "end": str(end)}, **TAMIL)
    assert response.status_code == 400
    assert response["Content-Language"] == "ta"
    assert response.json()["fields"]["end"] == [
        f"ஒரே நேரத்தில் அதிகபட்சம் {MAX_AVAILABILITY_DAYS} நாட்களுக்கு மட்டும் கேட்கவும்."]


def test_the_same_refusal_without_a_language_is_english(studio):
    end = MONDAY + timedelta(days=MAX_AVAILABILITY_DAYS + 1)
    response = APIClient().get("/api/v1/availability/", {
        "service": studio.service.pk, "start": str(MONDAY), "end": str(end)})
    assert response["Content-Language"] == "en"
    assert response.json()["fields"]["end"] == [f"Ask for at most {MAX_AVAILABILITY_DAYS} days at a time."]


def test_a_refusal_built_from_phrases_is_tamil_throughout(people, booked):
    response = api_as(people["client_a"]).post(f"/api/v1/appointments/{booked.pk}/check-in/", **TAMIL)
    assert response.status_code == 403
    assert response.json()["detail"] == "இந்த வாடிக்கையாளரின் வருகையைப் பதிவு செய்ய உங்களுக்கு அனுமதி இல்லை."


def test_a_conflict_comes_in_tamil(people):
    response = api_as(people["client_a"]).post("/api/v1/me/intake/recheck/", {"changed": False}, format="json",
                                               **TAMIL)
    assert response.status_code == 409
    assert response.json()["code"] == "no_intake_yet"
    assert response.json()["detail"].startswith("மறுசரிபார்க்க இன்னும் உடல்நலக் கேள்வித்தாள் இல்லை.")


def test_the_frameworks_own_messages_come_in_tamil_too():
    assert APIClient().get("/api/v1/me/", **TAMIL).json()["detail"] == (
        "உள்நுழைவு விவரங்கள் கொடுக்கப்படவில்லை. முதலில் உள்நுழையவும்.")
    refused = APIClient().post("/api/v1/auth/token/", {"email": "a@b.test", "password": "x", "nickname": "x"},
                               format="json", **TAMIL)
    assert refused.json()["fields"]["nickname"][0].startswith("அறியப்படாத புலம்; இந்தக் கோரிக்கை ஏற்கும் புலங்கள்: ")


def test_an_unknown_api_address_answers_in_tamil():
    response = APIClient().get("/api/v1/no-such-thing/", **TAMIL)
    assert response.status_code == 404 and response.json()["detail"] == "கிடைக்கவில்லை."


def test_a_page_that_is_not_there_is_in_tamil(client):
    response = client.get("/no-such-page/", **TAMIL)
    assert response.status_code == 404
    assert "பக்கம் கிடைக்கவில்லை" in response.content.decode() and 'lang="ta"' in response.content.decode()


def test_hindi_is_answered_in_english_until_it_has_a_catalogue():
    response = APIClient().get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="hi")
    assert response["Content-Language"] == "en"
    assert response.json()["detail"] == "Authentication credentials were not provided."


def test_the_password_reset_mail_is_in_the_language_asked_for(people):
    email = people["client_a"].email
    APIClient().post("/api/v1/auth/password/reset/", {"email": email}, format="json", **TAMIL)
    (message,) = mail.outbox
    assert "புதிய கடவுச்சொல்லை அமைக்கவும்" in message.subject and "\n" not in message.subject
    assert "இந்த இணைப்பை 2 மணி நேரத்துக்குள், ஒருமுறை மட்டுமே பயன்படுத்த முடியும்." in message.body
    assert "/reset/" in message.body


def test_the_password_reset_mail_in_english(people):
    APIClient().post("/api/v1/auth/password/reset/", {"email": people["client_a"].email}, format="json")
    (message,) = mail.outbox
    assert message.subject.startswith("Set a new password for ")
    assert "The link works once, within 2 hours." in message.body
