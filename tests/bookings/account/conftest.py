"""What the account pages' tests share: a web client signed in as each
role, and the roles in the order the permission tests walk them."""

from __future__ import annotations

import pytest
from django.test import Client as WebClient

from clinic.models import Client
from tests.clinic.factories import ClientFactory, UserFactory

PASSWORD = "pass-for-tests"
ROLES = ["anonymous", "client_a", "client_b", "assigned_practitioner", "other_practitioner", "receptionist",
         "manager"]
STAFF = ["assigned_practitioner", "other_practitioner", "receptionist", "manager"]


def web_as(user=None, **options) -> WebClient:
    web = WebClient(**options)
    if user is not None:
        web.force_login(user)
    return web


@pytest.fixture
def member(db) -> Client:
    """A client with a login, a phone and an email, English by default."""
    return ClientFactory(user=UserFactory(email="asha@example.test"), email="asha@example.test",
                         phone="+919840011111", full_name="Asha Raman")


def errors_of(response) -> dict:
    return dict(response.context["form"].errors)
