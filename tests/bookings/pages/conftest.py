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


# A first visit's questionnaire, answered with nothing to report.
HEALTH_ANSWERS = {"takes_blood_thinners": "no", "pregnant": "no", "recent_injury_or_surgery": "no", "fever": "no",
                  "skin_condition_or_infection": "no", "consent": "on"}


def details(browser: Client, studio, *, health: dict | None = HEALTH_ANSWERS, **extra) -> None:
    """Type a visitor's details for the 10:00 slot, then (unless ``health``
    is None) answer the first visit's questionnaire."""
    response = browser.post("/book/details/", {**params(studio, **extra), "full_name": "Meena R",
                                                "phone": "9876543210", "email": "meena@example.com"})
    assert response.status_code == 302, response.content.decode()[:2000]
    if health is not None:
        answer_health(browser, studio, health, **extra)


def answer_health(browser: Client, studio, answers: dict = HEALTH_ANSWERS, **extra) -> None:
    response = browser.post("/book/health/", {**params(studio, **extra), **answers})
    assert response.status_code == 302 and response["Location"].startswith("/book/review/"), \
        response.content.decode()[:2000]


def ids_of(response, prefix: str) -> list[str]:
    return re.findall(rf'data-testid="{prefix}([^"]+)"', response.content.decode())


@pytest.fixture
def browser() -> Client:
    return Client()
