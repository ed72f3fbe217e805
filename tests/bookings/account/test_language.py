"""The language: chosen with the header's switch (or on the profile),
remembered on a signed-in client's profile, and used on their pages."""

from __future__ import annotations

import pytest
from django.test import Client as WebClient

from tests.bookings.account.conftest import web_as

pytestmark = pytest.mark.django_db


def lang_of(response) -> str:
    head = response.content.decode()
    return head.split('<html lang="', 1)[1].split('"', 1)[0]


def test_every_account_page_has_the_switch(client):
    response = client.get("/account/sign-in/")
    assert b'data-testid="language-select"' in response.content
    assert b'action="/i18n/setlang/"' in response.content


def test_anonymous_visitors_follow_the_browser_and_the_cookie(client):
    assert lang_of(client.get("/account/sign-in/", HTTP_ACCEPT_LANGUAGE="ta")) == "ta"
    assert lang_of(client.get("/account/sign-in/", HTTP_ACCEPT_LANGUAGE="en")) == "en"
    client.post("/i18n/setlang/", {"language": "ta", "next": "/account/sign-in/"})
    assert lang_of(client.get("/account/sign-in/", HTTP_ACCEPT_LANGUAGE="en")) == "ta"


def test_a_signed_in_clients_profile_language_wins_over_the_browser(member):
    member.preferred_language = "ta"
    member.save()
    web = web_as(member.user)
    assert lang_of(web.get("/account/", HTTP_ACCEPT_LANGUAGE="en")) == "ta"


def test_the_switch_saves_the_choice_on_the_profile(member):
    web = web_as(member.user)
    response = web.post("/i18n/setlang/", {"language": "ta", "next": "/account/"})
    assert response.status_code == 302 and response["Location"] == "/account/"
    member.refresh_from_db()
    assert member.preferred_language == "ta"
    # Remembered: a new session on another device, with an English browser.
    other = web_as(member.user)
    assert lang_of(other.get("/account/profile/", HTTP_ACCEPT_LANGUAGE="en")) == "ta"
    web.post("/i18n/setlang/", {"language": "en", "next": "/account/"})
    member.refresh_from_db()
    assert member.preferred_language == "en"


def test_a_language_the_site_lacks_is_not_saved(member):
    web_as(member.user).post("/i18n/setlang/", {"language": "fr", "next": "/account/"})
    member.refresh_from_db()
    assert member.preferred_language == "en"


def test_the_switch_changes_no_staff_profile(manager):
    web_as(manager).post("/i18n/setlang/", {"language": "ta", "next": "/"})
    assert not hasattr(manager, "client") or manager.client is None


def test_the_switch_needs_the_csrf_token(member):
    web = web_as(member.user, enforce_csrf_checks=True)
    assert web.post("/i18n/setlang/", {"language": "ta", "next": "/account/"}).status_code == 403
    member.refresh_from_db()
    assert member.preferred_language == "en"


def test_changing_the_language_on_the_profile_switches_the_pages(member):
    web = web_as(member.user)
    web.post("/account/profile/", {"full_name": "Asha Raman", "phone": "+919840011111", "preferred_language": "ta"})
    member.refresh_from_db()
    assert member.preferred_language == "ta"
    assert lang_of(web.get("/account/profile/")) == "ta"


def test_hindi_on_the_profile_falls_back_to_the_browsers_choice(member):
    member.preferred_language = "hi"
    member.save()
    assert lang_of(web_as(member.user).get("/account/", HTTP_ACCEPT_LANGUAGE="ta")) == "ta"


def test_signing_in_sets_the_cookie_so_the_language_outlives_the_session(member):
    member.preferred_language = "ta"
    member.save()
    web = WebClient()
    response = web.post("/account/sign-in/", {"email": "asha@example.test", "password": "pass-for-tests"})
    assert response.cookies["django_language"].value == "ta"
    web.post("/account/sign-out/")
    assert lang_of(web.get("/account/sign-in/", HTTP_ACCEPT_LANGUAGE="en")) == "ta"
