"""``/healthz`` reports the outbox: what is due and unsent, how long the
oldest has waited, how many failed; a backlog never turns it 503."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import Notification
from tests.bookings.replies.conftest import message

pytestmark = pytest.mark.django_db

State = Notification.State


def outbox(client) -> tuple[int, dict]:
    response = client.get(reverse("healthz"))
    return response.status_code, response.json()["outbox"]


def test_an_empty_outbox_is_ok(client, db):
    assert outbox(client) == (200, {"ok": True, "due_unsent": 0, "oldest_due_seconds": 0, "failed": 0})


def test_the_numbers(client, booked, settings):
    settings.OUTBOX_LAG_ALERT_SECONDS = 600
    now = timezone.now()
    message(booked, state=State.PENDING, sent_at=None, not_before=now - timedelta(minutes=5))
    message(booked, state=State.SENDING, sent_at=None, due_at=now - timedelta(minutes=1),
            not_before=now - timedelta(minutes=2))
    message(booked, state=State.PENDING, sent_at=None, due_at=now + timedelta(hours=1),
            not_before=now + timedelta(hours=1))  # not due yet
    message(booked, state=State.FAILED, sent_at=None, due_at=now - timedelta(hours=2))
    message(booked, state=State.SENT, due_at=now - timedelta(hours=3))
    status, report = outbox(client)
    assert status == 200 and report["ok"] is True
    assert report["due_unsent"] == 2 and report["failed"] == 1
    assert 300 <= report["oldest_due_seconds"] < 330


def test_an_old_backlog_is_reported_not_fatal(client, booked, settings):
    settings.OUTBOX_LAG_ALERT_SECONDS = 600
    message(booked, state=State.PENDING, sent_at=None, not_before=timezone.now() - timedelta(hours=1))
    status, report = outbox(client)
    assert status == 200 and report["ok"] is False and report["oldest_due_seconds"] >= 3600


def test_it_costs_one_query_beyond_the_database_check(client, booked, django_assert_num_queries, settings):
    settings.CELERY_BROKER_URL = "memory://"  # no broker query to count
    message(booked, state=State.FAILED, sent_at=None)
    with django_assert_num_queries(2):
        client.get(reverse("healthz"))
