"""Lists cost the same number of queries however long the page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from bookings.models import Appointment, Source
from tests.api.conftest import api_as
from tests.clinic.factories import PractitionerFactory
from tests.treatments.factories import ServiceFactory
from treatments.models import HomeCareAssignment, HomeCareRoutine

pytestmark = pytest.mark.django_db


def many_appointments(studio, count: int) -> None:
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(days=30)
    Appointment.objects.bulk_create(
        Appointment(
            client=studio.client, practitioner=studio.practitioner, service=studio.service,
            location=studio.location, room=studio.room, price=1, source=Source.APP,
            start=start + timedelta(hours=2 * n), end=start + timedelta(hours=2 * n + 1),
            buffer_end=start + timedelta(hours=2 * n + 1),
        )
        for n in range(count)
    )


def queries_for(user, path, page_size, django_assert_max_num_queries) -> int:
    """Queries of one request, made as a fresh request would be (nothing
    cached on the user object from an earlier one)."""
    fresh = type(user).objects.get(pk=user.pk) if user is not None else None
    with django_assert_max_num_queries(12) as captured:
        response = api_as(fresh).get(path, {"page_size": page_size})
    assert response.status_code == 200
    assert len(response.json()["results"]) == page_size
    return len(captured.captured_queries)


@pytest.mark.parametrize("role", ["client_a", "assigned_practitioner", "manager"])
def test_appointment_list(role, studio, people, django_assert_max_num_queries):
    many_appointments(studio, 60)
    user = people[role]
    small = queries_for(user, "/api/v1/appointments/", 5, django_assert_max_num_queries)
    large = queries_for(user, "/api/v1/appointments/", 60, django_assert_max_num_queries)
    assert small == large


def test_service_and_practitioner_lists(studio, django_assert_max_num_queries):
    for n in range(40):
        practitioner = PractitionerFactory()
        practitioner.services.add(ServiceFactory(), studio.service)
    anonymous = None
    assert queries_for(anonymous, "/api/v1/services/", 5, django_assert_max_num_queries) == queries_for(
        anonymous, "/api/v1/services/", 40, django_assert_max_num_queries)
    assert queries_for(anonymous, "/api/v1/practitioners/", 5, django_assert_max_num_queries) == queries_for(
        anonymous, "/api/v1/practitioners/", 40, django_assert_max_num_queries)


def test_home_care_list(studio, people, django_assert_max_num_queries):
    for routine in HomeCareRoutine.objects.all():
        HomeCareAssignment.objects.create(client=studio.client, routine=routine, assigned_by=studio.practitioner,
                                          assigned_on=date.today())
    user = people["client_a"]
    assert queries_for(user, "/api/v1/me/home-care/", 1, django_assert_max_num_queries) == queries_for(
        user, "/api/v1/me/home-care/", 3, django_assert_max_num_queries)


def test_page_size_is_capped(studio, people):
    many_appointments(studio, 5)
    response = api_as(people["manager"]).get("/api/v1/appointments/", {"page_size": 1000})
    assert response.status_code == 200 and response.json()["count"] == 5
