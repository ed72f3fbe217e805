"""Shared steps of the booking pages' tests: the studio's treatment, a
free time next Tuesday, and a visitor who has typed their details."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.scenario import local, next_tuesday


def params(studio, practitioner="any", hh=10, mm=0, **extra) -> dict:
    values = {"service": studio.service.pk, "practitioner": practitioner,
              "start": local(next_tuesday(), hh, mm).isoformat()}
    values.update(extra)
    return values


def details(browser: Client, studio, **extra) -> None:
    """Type a visitor's details for the 10:00 slot."""
    response = browser.post("/book/details/", {**params(studio, **extra), "full_name": "Meena R",
                                                "phone": "9876543210", "email": "meena@example.com"})
    assert response.status_code == 302, response.content.decode()[:2000]


def ids_of(response, prefix: str) -> list[str]:
    return re.findall(rf'data-testid="{prefix}([^"]+)"', response.content.decode())


@pytest.fixture
def browser() -> Client:
    return Client()
