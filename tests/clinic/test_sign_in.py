"""Password guessing is stopped, whatever the caller writes in its headers:
django-axes pauses sign-in per account and per address, in the API and the
staff panel alike, and the throttles count the same addresses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from clinic.signin import account, client_address
from tests.clinic.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "Right-password-2026"
TOKEN = "/api/v1/auth/token/"


@pytest.fixture
def login(db):
    user = UserFactory(email="priya@mail.test")
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(email: str, password: str, *, address: str = "203.0.113.5", forwarded: str | None = None):
    headers = {"REMOTE_ADDR": address}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return APIClient().post(TOKEN, {"email": email, "password": password}, format="json", **headers)


def fail(times: int, email: str, **where) -> list[int]:
    return [sign_in(email, "wrong-guess", **where).status_code for _ in range(times)]


class TestTheApiLocksAnAccount:
    def test_the_fifth_failure_pauses_sign_in_even_with_the_right_password(self, login, settings):
        limit = settings.LOCKOUT_FAILURES
        assert fail(limit, login.email) == [401] * (limit - 1) + [429]
        response = sign_in(login.email, PASSWORD)
        assert response.status_code == 429
        body = response.json()
        assert body["code"] == "locked_out" and str(settings.LOCKOUT_MINUTES) in body["detail"]
        assert "access" not in body

    def test_a_new_forwarded_header_for_every_try_does_not_help(self, login):
        for n in range(5):
            sign_in(login.email, "wrong-guess", forwarded=f"198.51.100.{n}")
        assert sign_in(login.email, PASSWORD, forwarded="198.51.100.99").status_code == 429

    def test_nor_does_a_new_address_the_account_is_locked_itself(self, login):
        for n in range(5):
            sign_in(login.email, "wrong-guess", address=f"192.0.2.{n}")
        assert sign_in(login.email, PASSWORD, address="192.0.2.200").status_code == 429

    def test_nor_does_writing_the_email_in_capitals(self, login):
        for n in range(5):
            sign_in(login.email.upper() if n % 2 else login.email, "wrong-guess", address=f"192.0.2.{n}")
        assert sign_in(login.email, PASSWORD, address="192.0.2.77").status_code == 429

    def test_one_address_guessing_many_accounts_is_paused_too(self, login):
        for n in range(5):
            sign_in(f"someone{n}@mail.test", "wrong-guess")
        assert sign_in(login.email, PASSWORD).status_code == 429
        assert sign_in(login.email, PASSWORD, address="203.0.113.6").status_code == 200

    def test_the_pause_ends_after_the_cool_off(self, login, settings):
        fail(5, login.email)
        AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.first().attempt_time
                                     - timedelta(minutes=settings.LOCKOUT_MINUTES + 1))
        assert sign_in(login.email, PASSWORD).status_code == 200

    def test_a_success_clears_the_account_s_failures(self, login):
        fail(4, login.email)
        assert sign_in(login.email, PASSWORD).status_code == 200
        fail(4, login.email)
        assert sign_in(login.email, PASSWORD).status_code == 200
        login.refresh_from_db()
        assert login.last_login is not None


class TestThePanelLocksAnAccount:
    def panel_sign_in(self, client, email, password):
        return client.post(reverse("admin:login"), {"username": email, "password": password, "next": "/admin/"},
                           REMOTE_ADDR="203.0.113.9")

    def test_after_five_failures_the_right_password_gets_the_paused_page(self, client, manager):
        manager.set_password(PASSWORD)
        manager.save()
        answers = [self.panel_sign_in(client, manager.email, "wrong-guess").status_code for _ in range(5)]
        assert answers == [200] * 4 + [429]
        response = self.panel_sign_in(client, manager.email, PASSWORD)
        assert response.status_code == 429
        assert "Too many failed sign-ins" in response.content.decode()
        assert client.get(reverse("admin:index")).status_code == 302  # not signed in

    def test_failures_in_the_api_count_for_the_panel_too(self, client, manager):
        manager.set_password(PASSWORD)
        manager.save()
        fail(5, manager.email)
        assert self.panel_sign_in(client, manager.email, PASSWORD).status_code == 429

    def test_the_sign_in_page_offers_a_password_reset(self, client):
        page = client.get(reverse("admin:login")).content.decode()
        assert reverse("admin_password_reset") in page


class TestWhoseAddress:
    def request(self, remote: str, forwarded: str | None = None):
        headers = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            headers["HTTP_X_FORWARDED_FOR"] = forwarded
        return RequestFactory().get("/", **headers)

    def test_without_proxies_forwarded_headers_are_ignored(self, settings):
        assert client_address(self.request("203.0.113.5", "1.2.3.4")) == "203.0.113.5"

    def test_behind_one_proxy_the_address_it_saw_counts_not_what_the_caller_wrote(self, monkeypatch):
        from rest_framework.settings import api_settings

        monkeypatch.setattr(api_settings, "NUM_PROXIES", 1)
        assert client_address(self.request("10.0.0.2", "1.2.3.4, 198.51.100.7")) == "198.51.100.7"
        assert client_address(self.request("10.0.0.2", "198.51.100.7")) == "198.51.100.7"

    def test_the_lockout_counts_the_address_the_proxy_saw(self, login, monkeypatch):
        from rest_framework.settings import api_settings

        monkeypatch.setattr(api_settings, "NUM_PROXIES", 1)
        for n in range(5):  # one caller behind the clinic's proxy guesses
            sign_in(f"someone{n}@mail.test", "wrong-guess", address="10.0.0.2", forwarded="198.51.100.7")
        # Another caller behind the same proxy is not paused with them ...
        assert sign_in(login.email, PASSWORD, address="10.0.0.2", forwarded="198.51.100.8").status_code == 200
        # ... and the guesser cannot step around it by writing another address first.
        assert sign_in(login.email, PASSWORD, address="10.0.0.2", forwarded="1.1.1.1, 198.51.100.7").status_code == 429

    def test_the_settings_give_the_api_s_throttles_the_same_count(self, settings):
        assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.NUM_PROXIES == 0

    def test_the_account_key_is_the_stored_form_of_the_email(self):
        assert account(None, {"email": " Priya@Mail.Test "}) == "priya@mail.test"
        assert account(None, {"username": "Front@Desk.test"}) == "front@desk.test"
        assert account(None, {}) is None


class TestThrottlesCannotBeSidestepped:
    @pytest.mark.parametrize(("path", "limit"), [("/api/v1/auth/register/", 20), ("/api/v1/auth/password/reset/", 10)])
    def test_a_forwarded_header_per_request_does_not_reset_the_count(self, path, limit):
        api = APIClient()
        answers = [api.post(path, {}, format="json", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
                   for n in range(limit + 1)]
        assert answers[:limit] == [400] * limit
        assert answers[limit] == 429
