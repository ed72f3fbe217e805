"""The home-care routines shared with the client: /account/home-care/."""

from __future__ import annotations

from datetime import date

import pytest

from tests.bookings.account.conftest import web_as
from treatments.models import HomeCareAssignment, HomeCareRoutine

pytestmark = pytest.mark.django_db
URL = "/account/home-care/"


@pytest.fixture
def routine() -> HomeCareRoutine:
    routine = HomeCareRoutine.objects.filter(active=True).order_by("pk").first()
    step = routine.steps.order_by("position").first()
    step.hold_seconds, step.repetitions = 30, 3
    step.save()
    return routine


def test_the_client_sees_steps_holds_repetitions_and_the_safety_note(people, studio, routine):
    assignment = HomeCareAssignment.objects.create(client=studio.client, routine=routine, note="Gently, please.",
                                                   assigned_by=studio.practitioner, assigned_on=date(2026, 11, 2))
    response = web_as(people["client_a"]).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-testid="routine-{assignment.pk}"' in html and routine.name in html
    for step in routine.steps.all():
        assert f'data-testid="step-{step.pk}"' in html
    assert "Hold for 30 seconds" in html and "Repeat 3 times" in html
    assert f'data-testid="safety-note-{assignment.pk}"' in html
    assert routine.safety_note.split("\n")[0][:40] in html.replace("&#x27;", "'").replace("&quot;", '"')
    assert "Gently, please." in html and studio.practitioner.display_name in html


def test_ended_routines_and_other_clients_routines_are_not_shown(people, studio, routine):
    ended = HomeCareAssignment.objects.create(client=studio.client, routine=routine, active=False,
                                              assigned_on=date(2026, 11, 2))
    theirs = HomeCareAssignment.objects.create(client=studio.other_client, routine=routine,
                                               assigned_on=date(2026, 11, 2))
    html = web_as(people["client_a"]).get(URL).content.decode()
    assert f"routine-{ended.pk}" not in html and f"routine-{theirs.pk}" not in html
    assert 'data-testid="no-routines"' in html


def test_the_page_costs_a_fixed_number_of_queries(people, studio, django_assert_max_num_queries):
    for routine in HomeCareRoutine.objects.all():
        HomeCareAssignment.objects.create(client=studio.client, routine=routine, assigned_on=date(2026, 11, 2))
    web = web_as(people["client_a"])
    with django_assert_max_num_queries(8):
        response = web.get(URL)
    assert response.content.count(b'data-testid="routine-') == HomeCareRoutine.objects.count()
