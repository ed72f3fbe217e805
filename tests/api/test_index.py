"""``/api/v1/`` tells a program where everything is."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import api_as

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["anonymous", "client_a"])
def test_the_index_names_the_api_and_links_its_parts(role, people):
    response = api_as(people[role]).get("/api/v1/")
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["version"]) == ("Clinic booking API", "1.0.0")
    links = body["links"]
    assert links["schema"] == "http://testserver/api/v1/schema/"
    assert links["docs"] == "http://testserver/api/v1/docs/"
    for name in ("services", "practitioners", "availability", "appointments", "me"):
        assert links[name] == f"http://testserver/api/v1/{name}/"


def test_every_link_of_the_index_leads_somewhere(people):
    """GET on each: the sign-up, sign-in, sign-out and password links take
    only POST, and availability asks for its parameters."""
    api = api_as(people["client_a"])
    answers = {name: api.get(link).status_code for name, link in api.get("/api/v1/").json()["links"].items()}
    post_only = ("register", "token", "token_refresh", "logout", "password_change", "password_reset",
                 "password_reset_confirm")
    expected = {name: 200 for name in answers} | dict.fromkeys(post_only, 405) | {"availability": 400}
    assert answers == expected


def test_the_index_is_read_only(db):
    assert APIClient().post("/api/v1/", {}, format="json").status_code == 405
    assert APIClient().delete("/api/v1/").status_code == 405


def test_the_index_is_in_the_schema(db):
    operations = APIClient().get("/api/v1/schema/?format=json").json()["paths"]["/api/v1/"]
    assert set(operations) == {"get"}
    assert {} in operations["get"]["security"]  # anyone may read it
