"""Signing in and out with email and password: /account/sign-in/."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client as WebClient
from django.test import override_settings
from django.urls import reverse

from clinic import roles
from tests.bookings.account.conftest import PASSWORD, errors_of, web_as
from tests.clinic.factories import UserFactory

URL = "/account/sign-in/"

pytestmark = pytest.mark.django_db


def signed_in_user(web):
    return web.session.get("_auth_user_id")


def test_the_page_shows_both_ways_in(client):
    response = client.get(URL)
    assert response.status_code == 200
    for testid in ("sign-in-form", "sign-in-code-link", "sign-up-link", "password-reset-link", "field-email"):
        assert f'data-testid="{testid}"'.encode() in response.content


def test_a_client_signs_in_and_lands_on_my_bookings(client, member):
    response = client.post(URL, {"email": " Asha@Example.test ", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("account")
    assert signed_in_user(client) == str(member.user.pk)


def test_a_wrong_password_is_said_next_to_the_password(client, member):
    response = client.post(URL, {"email": "asha@example.test", "password": "nope"})
    assert response.status_code == 400
    assert errors_of(response)["password"] == ["The email address or the password is not right."]
    assert signed_in_user(client) is None


@pytest.mark.parametrize("field, data", [
    ("email", {"email": "", "password": "x"}),
    ("email", {"email": "nobody", "password": "x"}),
    ("password", {"email": "asha@example.test", "password": ""}),
])
def test_missing_or_malformed_input(client, member, field, data):
    response = client.post(URL, data)
    assert response.status_code == 400
    assert field in errors_of(response)


@pytest.mark.parametrize("target, followed", [
    ("/account/profile/", True),
    ("/book/?service=1", True),
    ("https://evil.example/steal", False),
    ("//evil.example/steal", False),
    ("http://testserver.evil.example/", False),
    ("javascript:alert(1)", False),
    ("/\\evil.example", False),
])
def test_next_is_followed_only_within_the_site(client, member, target, followed):
    response = client.post(URL, {"email": "asha@example.test", "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert response["Location"] == (target if followed else reverse("account"))


def test_next_is_carried_through_the_form(client):
    response = client.get(URL, {"next": "/account/profile/"})
    assert b'name="next" value="/account/profile/"' in response.content
    response = client.get(URL, {"next": "https://evil.example/"})
    # (The language switch carries the whole address back, and checks it itself.)
    assert b'name="next" value="https://evil' not in response.content
    assert b"?next=https" not in response.content.split(b'data-testid="sign-in-form"')[1]


@pytest.mark.parametrize("role", [roles.RECEPTIONIST, roles.MANAGER, roles.PRACTITIONER])
def test_staff_are_refused_and_pointed_to_the_panel(client, role):
    staff = UserFactory(is_staff=True)
    staff.groups.add(Group.objects.get(name=role))
    response = client.post(URL, {"email": staff.email, "password": PASSWORD})
    assert response.status_code == 403
    assert "staff panel" in response.content.decode()
    assert b'data-testid="staff-panel-link"' in response.content
    assert signed_in_user(client) is None


def test_a_login_without_a_client_record_is_refused(client, outsider):
    response = client.post(URL, {"email": outsider.email, "password": PASSWORD})
    assert response.status_code == 403
    assert "no client profile" in response.content.decode()
    assert signed_in_user(client) is None


@override_settings(LOCKOUT_FAILURES=3, AXES_FAILURE_LIMIT=3)
def test_failures_pause_sign_in_even_with_the_right_password(client, member):
    for _ in range(3):
        client.post(URL, {"email": "asha@example.test", "password": "wrong"})
    response = client.post(URL, {"email": "asha@example.test", "password": PASSWORD})
    assert response.status_code == 429
    assert b'data-testid="locked-out"' in response.content
    assert b"site.css" in response.content  # the client pages' frame, not the panel's
    assert signed_in_user(client) is None


def test_csrf_is_enforced(member):
    web = WebClient(enforce_csrf_checks=True)
    assert web.post(URL, {"email": "asha@example.test", "password": PASSWORD}).status_code == 403
    assert signed_in_user(web) is None


def test_sign_out_is_a_post(member):
    web = web_as(member.user)
    assert web.get("/account/sign-out/").status_code == 405
    assert signed_in_user(web) is not None
    response = web.post("/account/sign-out/")
    assert response.status_code == 302 and response["Location"] == reverse("account_sign_in")
    assert signed_in_user(web) is None


def test_sign_out_needs_the_csrf_token(member):
    web = web_as(member.user, enforce_csrf_checks=True)
    assert web.post("/account/sign-out/").status_code == 403
    assert signed_in_user(web) is not None


def test_a_signed_in_client_skips_the_sign_in_page(member):
    response = web_as(member.user).get(URL)
    assert response.status_code == 302 and response["Location"] == reverse("account")
