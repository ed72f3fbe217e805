"""What a cache may keep: nothing answered to a signed-in caller, nor any
answer to a write (tokens, a new profile); the public catalogue read
anonymously carries no caller's data, so it stays cacheable."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from tests.api.test_permissions import EXPECTED, request_for

pytestmark = pytest.mark.django_db

# The schema and its docs page are the same public documents for everyone.
SIGNED_IN_ENDPOINTS = ["index", *(name for name in EXPECTED if name not in {"schema", "docs"})]
PUBLIC_READS = ["/api/v1/", "/api/v1/services/", "/api/v1/practitioners/"]


def signed_in(how: str, user, client) -> APIClient:
    if how == "session":
        client.force_login(user)
        return client
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return api


def call(api, endpoint: str, studio, booked):
    if endpoint == "index":
        return api.get("/api/v1/")
    method, path, body = request_for(endpoint, studio, booked)
    if body is None:
        return getattr(api, method)(path)
    return getattr(api, method)(path, body, content_type="application/json")


def no_store(response) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


@pytest.mark.parametrize("endpoint", SIGNED_IN_ENDPOINTS)
@pytest.mark.parametrize(("how", "role"), [("jwt", "client_a"), ("jwt", "manager"), ("session", "client_a")])
def test_answers_to_a_signed_in_caller_are_not_stored(endpoint, how, role, studio, people, booked, client):
    response = call(signed_in(how, people[role], client), endpoint, studio, booked)
    assert response.status_code < 500
    assert no_store(response), (response.status_code, response.get("Cache-Control"))


def test_errors_to_a_signed_in_caller_are_not_stored_either(people, booked):
    api = APIClient()
    api.force_authenticate(people["client_b"])
    answer = api.get(f"/api/v1/appointments/{booked.pk}/")
    assert answer.status_code == 404 and no_store(answer)


@pytest.mark.parametrize("path", PUBLIC_READS)
def test_anonymous_catalogue_reads_stay_cacheable(path, db):
    response = APIClient().get(path)
    assert response.status_code == 200
    assert not no_store(response)


def test_availability_read_anonymously_stays_cacheable(studio):
    response = APIClient().get("/api/v1/availability/", {"service": studio.service.pk,
                                                         "start": "2030-01-01", "end": "2030-01-01"})
    assert response.status_code == 200 and not no_store(response)


def test_tokens_and_new_profiles_are_never_stored(people):
    password = "a long pass phrase 42"
    people["client_a"].set_password(password)
    people["client_a"].save()
    api = APIClient()
    token = api.post("/api/v1/auth/token/", {"email": people["client_a"].email, "password": password}, format="json")
    refresh = api.post("/api/v1/auth/token/refresh/", {"refresh": token.json()["refresh"]}, format="json")
    register = api.post("/api/v1/auth/register/", {"full_name": "Asha", "email": "asha@example.com",
                                                   "password": password}, format="json")
    assert [r.status_code for r in (token, refresh, register)] == [200, 200, 201]
    assert all(no_store(r) for r in (token, refresh, register))
