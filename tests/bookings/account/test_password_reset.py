"""Password reset by email on the client pages: /account/password-reset/."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.bookings.account.conftest import errors_of

pytestmark = pytest.mark.django_db


def link_in(message) -> str:
    return re.search(r"https?://[^/]+(/\S+)", message.body).group(1)


def test_a_client_is_mailed_a_link_to_the_client_pages(client, member):
    response = client.post("/account/password-reset/", {"email": "asha@example.test"})
    assert response.status_code == 302 and response["Location"] == "/account/password-reset/sent/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["asha@example.test"]
    assert link_in(mail.outbox[0]).startswith("/account/reset/")


def test_the_mail_is_in_the_clients_language(client, member):
    member.preferred_language = "ta"
    member.save()
    client.post("/account/password-reset/", {"email": "asha@example.test"}, HTTP_ACCEPT_LANGUAGE="en")
    english = "Someone asked to set a new password"
    body = mail.outbox[0].body
    from django.utils import translation

    with translation.override("ta"):
        tamil = translation.gettext("Hello,")
    assert tamil != "Hello," and body.startswith(tamil)
    assert english not in body or translation.gettext(english) == english


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client):
    response = client.post("/account/password-reset/", {"email": "nobody@example.test"})
    assert response.status_code == 302 and response["Location"] == "/account/password-reset/sent/"
    assert mail.outbox == []


def test_a_bad_address_is_said_next_to_the_field(client):
    response = client.post("/account/password-reset/", {"email": "nope"})
    assert response.status_code == 400 and "email" in errors_of(response)


def test_following_the_link_sets_a_new_password(client, member):
    client.post("/account/password-reset/", {"email": "asha@example.test"})
    response = client.get(link_in(mail.outbox[0]))
    assert response.status_code == 302  # Django hides the token behind a session step
    form_url = response["Location"]
    page = client.get(form_url)
    assert page.status_code == 200 and b'data-testid="new-password-form"' in page.content
    bad = client.post(form_url, {"new_password1": "a-quiet-morning-walk", "new_password2": "different-words-here"})
    assert bad.status_code == 400 and "new_password2" in errors_of(bad)
    response = client.post(form_url, {"new_password1": "a-quiet-morning-walk", "new_password2": "a-quiet-morning-walk"})
    assert response.status_code == 302 and response["Location"] == "/account/reset/done/"
    member.user.refresh_from_db()
    assert member.user.check_password("a-quiet-morning-walk")
    # The link works once.
    again = client.get(link_in(mail.outbox[0]), follow=True)
    assert b'data-testid="reset-link-invalid"' in again.content


def test_staff_keep_the_panels_link(client, manager):
    client.post("/account/password-reset/", {"email": manager.email})
    assert link_in(mail.outbox[0]).startswith("/reset/")


def test_csrf_is_enforced(member):
    from django.test import Client as WebClient

    assert WebClient(enforce_csrf_checks=True).post("/account/password-reset/",
                                                    {"email": "asha@example.test"}).status_code == 403
    assert mail.outbox == []
