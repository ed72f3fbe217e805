"""Sessions end when they should: a refresh token is used once, signing out
ends it (or every session), and a password change or reset ends every
earlier token, whichever way the password changed."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from tests.api.conftest import ROLES, api_as
from tests.clinic.factories import ClientFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "Right-password-2026"
NEW_PASSWORD = "Brand-new-secret-77"


@pytest.fixture
def login(db):
    user = UserFactory(email="priya@mail.test")
    user.set_password(PASSWORD)
    user.save()
    ClientFactory(user=user, email=user.email)
    return user


def signed_in(email: str = "priya@mail.test", password: str = PASSWORD) -> dict:
    response = APIClient().post("/api/v1/auth/token/", {"email": email, "password": password}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def me(access: str) -> int:
    return APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {access}").status_code


def refresh(token: str):
    return APIClient().post("/api/v1/auth/token/refresh/", {"refresh": token}, format="json")


class TestRefreshTokensAreUsedOnce:
    def test_refreshing_returns_a_new_pair_and_the_old_refresh_token_is_refused(self, login):
        first = signed_in()
        renewed = refresh(first["refresh"])
        assert renewed.status_code == 200 and set(renewed.json()) == {"access", "refresh"}
        assert renewed.json()["refresh"] != first["refresh"]
        assert refresh(first["refresh"]).status_code == 401
        assert refresh(renewed.json()["refresh"]).status_code == 200


class TestSigningOut:
    def test_signing_out_ends_the_refresh_token(self, login):
        tokens = signed_in()
        response = APIClient().post("/api/v1/auth/logout/", {"refresh": tokens["refresh"]}, format="json")
        assert response.status_code == 204
        assert refresh(tokens["refresh"]).status_code == 401

    def test_everywhere_ends_every_device_s_session(self, login):
        phone, tablet = signed_in(), signed_in()
        APIClient().post("/api/v1/auth/logout/", {"refresh": phone["refresh"], "everywhere": True}, format="json")
        assert refresh(tablet["refresh"]).status_code == 401

    def test_signing_out_one_device_leaves_the_others(self, login):
        phone, tablet = signed_in(), signed_in()
        APIClient().post("/api/v1/auth/logout/", {"refresh": phone["refresh"]}, format="json")
        assert refresh(tablet["refresh"]).status_code == 200

    def test_a_token_that_no_longer_works_signs_out_quietly(self, login):
        tokens = signed_in()
        for _ in range(2):
            answer = APIClient().post("/api/v1/auth/logout/", {"refresh": tokens["refresh"]}, format="json")
            assert answer.status_code == 204
        assert APIClient().post("/api/v1/auth/logout/", {"refresh": "garbage"}, format="json").status_code == 204
        assert APIClient().post("/api/v1/auth/logout/", {}, format="json").status_code == 400


class TestChangingThePassword:
    def test_the_api_change_ends_every_earlier_token_and_answers_new_ones(self, login):
        phone, tablet = signed_in(), signed_in()
        response = APIClient().post("/api/v1/auth/password/change/", {
            "old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json",
            HTTP_AUTHORIZATION=f"Bearer {phone['access']}")
        assert response.status_code == 200
        for earlier in (phone, tablet):
            assert me(earlier["access"]) == 401
            assert refresh(earlier["refresh"]).status_code == 401
        assert me(response.json()["access"]) == 200
        assert refresh(response.json()["refresh"]).status_code == 200
        login.refresh_from_db()
        assert login.check_password(NEW_PASSWORD)

    def test_the_current_password_must_be_right(self, login):
        tokens = signed_in()
        response = APIClient().post("/api/v1/auth/password/change/", {
            "old_password": "not-it", "new_password": NEW_PASSWORD}, format="json",
            HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
        assert response.status_code == 400 and list(response.json()["fields"]) == ["old_password"]
        assert me(tokens["access"]) == 200

    def test_a_weak_new_password_is_refused_on_its_field(self, login):
        tokens = signed_in()
        response = APIClient().post("/api/v1/auth/password/change/", {
            "old_password": PASSWORD, "new_password": "12345678"}, format="json",
            HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
        assert response.status_code == 400 and "new_password" in response.json()["fields"]
        login.refresh_from_db()
        assert login.check_password(PASSWORD)

    def test_anonymous_may_not_change_a_password(self, login):
        response = APIClient().post("/api/v1/auth/password/change/", {
            "old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json")
        assert response.status_code == 401

    def test_a_change_in_the_staff_panel_ends_app_tokens_too(self, client, manager):
        manager.set_password(PASSWORD)
        manager.save()
        tokens = signed_in(manager.email)
        client.force_login(manager)
        response = client.post(reverse("admin:password_change"), {
            "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        assert response.status_code == 302
        assert refresh(tokens["refresh"]).status_code == 401
        assert APIClient().get("/api/v1/appointments/",
                               HTTP_AUTHORIZATION=f"Bearer {tokens['access']}").status_code == 401

    def test_a_manager_setting_a_receptionist_s_password_ends_their_sessions(self, client, manager, receptionist):
        receptionist.set_password(PASSWORD)
        receptionist.save()
        tokens = signed_in(receptionist.email)
        client.force_login(manager)
        client.post(reverse("admin:auth_user_password_change", args=[receptionist.pk]), {
            "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
        assert refresh(tokens["refresh"]).status_code == 401

    def test_a_deactivated_login_s_tokens_stop_working(self, login):
        tokens = signed_in()
        login.is_active = False
        login.save()
        assert me(tokens["access"]) == 401
        assert refresh(tokens["refresh"]).status_code == 401


def reset_link() -> tuple[str, str]:
    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    match = re.search(r"/reset/(?P<uid>[^/\s]+)/(?P<token>[^/\s]+)/", mail.outbox[0].body)
    assert match, mail.outbox[0].body
    return match["uid"], match["token"]


class TestResettingThePassword:
    def ask(self, email: str):
        return APIClient().post("/api/v1/auth/password/reset/", {"email": email}, format="json")

    def test_the_api_mails_a_link_that_sets_a_new_password_and_ends_every_session(self, login):
        tokens = signed_in()
        assert self.ask("Priya@Mail.test").status_code == 202
        uid, token = reset_link()
        assert mail.outbox[0].to == [login.email]
        confirm = APIClient().post("/api/v1/auth/password/reset/confirm/", {
            "uid": uid, "token": token, "new_password": NEW_PASSWORD}, format="json")
        assert confirm.status_code == 204
        assert me(tokens["access"]) == 401 and refresh(tokens["refresh"]).status_code == 401
        signed_in(password=NEW_PASSWORD)
        again = APIClient().post("/api/v1/auth/password/reset/confirm/", {
            "uid": uid, "token": token, "new_password": "Yet-another-one-55"}, format="json")
        assert again.status_code == 400 and again.json()["code"] == "reset_link_invalid"

    def test_an_unknown_address_gets_the_same_answer_and_no_mail(self, login):
        known, unknown = self.ask(login.email), self.ask("nobody@mail.test")
        assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
        assert len(mail.outbox) == 1

    def test_one_address_gets_a_few_mails_an_hour_at_most(self, login, settings):
        for _ in range(settings.PASSWORD_RESET_MAILS_PER_HOUR + 2):
            assert self.ask(login.email).status_code == 202
        assert len(mail.outbox) == settings.PASSWORD_RESET_MAILS_PER_HOUR

    @pytest.mark.parametrize("uid,token", [("x", "y"), ("MTIzNDU2Nzg5MDEyMzQ1Njc4OTA", "abc"), ("", "")])
    def test_a_forged_link_is_refused(self, login, uid, token):
        response = APIClient().post("/api/v1/auth/password/reset/confirm/", {
            "uid": uid, "token": token, "new_password": NEW_PASSWORD}, format="json")
        assert response.status_code == 400
        login.refresh_from_db()
        assert login.check_password(PASSWORD)

    def test_the_web_flow_from_the_panel_s_sign_in_page_ends_sessions_too(self, client, manager):
        manager.set_password(PASSWORD)
        manager.save()
        tokens = signed_in(manager.email)
        response = client.post(reverse("admin_password_reset"), {"email": manager.email})
        assert response.status_code == 302
        uid, token = reset_link()
        form_page = client.get(f"/reset/{uid}/{token}/", follow=True)
        assert form_page.status_code == 200
        response = client.post(form_page.redirect_chain[-1][0], {
            "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        assert response.status_code == 302
        manager.refresh_from_db()
        assert manager.check_password(NEW_PASSWORD)
        assert refresh(tokens["refresh"]).status_code == 401


@pytest.mark.parametrize("role", ROLES)
def test_who_reaches_the_session_endpoints(role, people, client):
    """Each acts on the caller's own login only: no endpoint names another."""
    user = people[role]
    api = api_as(user)
    change = api.post("/api/v1/auth/password/change/", {"old_password": "not-it", "new_password": NEW_PASSWORD},
                      format="json")
    assert change.status_code == (401 if user is None else 400)
    assert api.post("/api/v1/auth/logout/", {"refresh": "expired-or-garbage"}, format="json").status_code == 204
    assert api.post("/api/v1/auth/password/reset/", {"email": "nobody@mail.test"}, format="json").status_code == 202
    if user is not None:
        user.is_staff = role not in {"client_a", "client_b"}
        user.save(update_fields=["is_staff"])
        client.force_login(user)
    page = client.get(reverse("admin:password_change"))
    assert page.status_code == (200 if user is not None and user.is_staff else 302)
