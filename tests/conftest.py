"""Shared fixtures, and the rules for tests that need PostgreSQL or Redis.

Tests marked ``postgres`` run only when the database is PostgreSQL, tests
marked ``redis`` only when ``REDIS_URL`` is set. In CI (``CI=true``) a
configured PostgreSQL or Redis that does not answer stops the run with an
error: a missing service must never turn into quietly skipped tests.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from bookings import services
from bookings.models import Appointment, Source
from clinic import roles
from tests.clinic.factories import ClientFactory, PractitionerFactory, UserFactory
from tests.scenario import Studio, build_studio, local, next_tuesday


def _unreachable_services() -> list[str]:
    problems = []
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith(("postgres://", "postgresql://", "pgsql://")):
        import psycopg

        conninfo = database_url.replace("pgsql://", "postgresql://", 1)
        try:
            psycopg.connect(conninfo, connect_timeout=3, dbname="postgres").close()
        except psycopg.Error as exc:
            problems.append(f"PostgreSQL at DATABASE_URL does not answer: {exc}")
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        import redis

        try:
            redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
        except redis.RedisError as exc:
            problems.append(f"Redis at REDIS_URL does not answer: {exc}")
    return problems


def pytest_sessionstart(session):
    if os.environ.get("CI", "").lower() == "true":
        problems = _unreachable_services()
        if problems:
            pytest.exit("CI needs its services:\n" + "\n".join(problems), returncode=3)


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    on_postgres = connection.vendor == "postgresql"
    with_redis = bool(os.environ.get("REDIS_URL"))
    keep, drop = [], []
    for item in items:
        if (item.get_closest_marker("postgres") and not on_postgres) or (
            item.get_closest_marker("redis") and not with_redis
        ):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _staff(role: str):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def manager(db):
    return _staff(roles.MANAGER)


@pytest.fixture
def receptionist(db):
    return _staff(roles.RECEPTIONIST)


@pytest.fixture
def practitioner(db):
    practitioner = PractitionerFactory()
    practitioner.user.is_staff = True
    practitioner.user.save(update_fields=["is_staff"])
    practitioner.user.groups.add(Group.objects.get(name=roles.PRACTITIONER))
    return practitioner


@pytest.fixture
def client_user(db):
    """A client with a self-service login."""
    return ClientFactory(user=UserFactory()).user


@pytest.fixture
def outsider(db):
    """A signed-in user with no role and no client record."""
    return UserFactory()


@pytest.fixture
def studio(db) -> Studio:
    """A studio with one room, two practitioners and two clients."""
    return build_studio()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language. A page request activates
    the caller's language for the thread (Django's LocaleMiddleware, and
    ``clinic.middleware.ClientLanguage`` for a Tamil client) and nothing
    resets it until the next request: a server's next request always
    does, but a test's next step may not be a request."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def people(studio, receptionist, manager) -> dict:
    """One login per role; client A owns the appointment, the assigned
    practitioner treats it."""
    for client in (studio.client, studio.other_client):
        client.user = UserFactory(email=f"login-{client.email}")
        client.save(update_fields=["user"])
    practitioner_group = Group.objects.get(name=roles.PRACTITIONER)
    for practitioner in (studio.practitioner, studio.other_practitioner):
        practitioner.user.groups.add(practitioner_group)
    return {
        "anonymous": None,
        "client_a": studio.client.user,
        "client_b": studio.other_client.user,
        "assigned_practitioner": studio.practitioner.user,
        "other_practitioner": studio.other_practitioner.user,
        "receptionist": receptionist,
        "manager": manager,
    }


@pytest.fixture
def booked(studio, people) -> Appointment:
    """Client A's appointment with the assigned practitioner, next Tuesday."""
    return services.book_appointment(
        client=studio.client, practitioner=studio.practitioner, service=studio.service,
        start=local(next_tuesday(), 10), source=Source.APP, actor=None,
    )
