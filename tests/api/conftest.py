"""What the API tests share: the roles in order, and an API client per person.
The people themselves and their appointment are fixtures of ``tests/conftest.py``."""

from __future__ import annotations

from rest_framework.test import APIClient


ROLES = ["anonymous", "client_a", "client_b", "assigned_practitioner", "other_practitioner", "receptionist", "manager"]


def api_as(user=None) -> APIClient:
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api
