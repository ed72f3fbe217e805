"""What the records tests share: the people of the permission tests with
panel access, and client A's history with the assigned practitioner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from clinic.models import User
from tests.bookings.test_policies import staff  # noqa: F401  (fixture)
from tests.scenario import MONDAY, local
from tests.treatments.records.factories import AmendmentFactory, IntakeFactory, SessionNoteFactory, session, used
from treatments.models import HomeCareAssignment, HomeCareRoutine, SessionNote

PANEL_ROLES = ["anonymous", "client_a", "client_b", "assigned_practitioner", "other_practitioner", "receptionist",
               "manager"]
BODY_CHART = {
    "regions": [{"side": "back", "region": "lower_back"}, {"side": "front", "region": "shoulder"}],
    "marks": [{"side": "back", "x": 0.45, "y": 0.42, "intensity": 8},
              {"side": "back", "x": 0.55, "y": 0.44, "intensity": 5},
              {"side": "front", "x": 0.3, "y": 0.21, "intensity": 2}],
}


@dataclass
class History:
    notes: list[SessionNote]


@pytest.fixture
def panel(staff):  # noqa: F811
    """One login per role (``tests/conftest.py``'s people), the
    practitioners with panel access, and a superuser."""
    staff["superuser"] = User.objects.create_superuser(email="root@records.test", password="x-long-enough-1")
    return staff


def add_sessions(studio, count: int, *, first_day=MONDAY - timedelta(days=70)) -> list[SessionNote]:
    """``count`` signed sessions of client A with the assigned practitioner,
    a week apart, each with techniques, a point, home care and an amendment,
    so every part of a full note has something to fetch."""
    routine = HomeCareRoutine.objects.order_by("pk").first()
    assignment, _ = HomeCareAssignment.objects.get_or_create(
        client=studio.client, routine=routine, active=True,
        defaults={"assigned_by": studio.practitioner, "assigned_on": first_day})
    notes = []
    for n in range(count):
        appointment = session(studio, start=local(first_day + timedelta(days=7 * n), 10))
        note = SessionNoteFactory(appointment=appointment, pain_before=7 - n % 4, pain_after=3 - n % 3,
                                  body_chart=BODY_CHART if n == count - 1 else {},
                                  subjective=f"Session {n + 1}: stiff lower back.")
        note = used(note, techniques=[("Effleurage", 10), ("Kneading", 20)], points=["GB20"], home_care=[assignment],
                    then_sign=True)
        AmendmentFactory(note=note)
        notes.append(note)
    return notes


@pytest.fixture
def history(studio, people) -> History:
    """Client A: two intake versions and three signed sessions with the
    assigned practitioner, the last with a body chart."""
    IntakeFactory(client=studio.client, version=1)
    IntakeFactory(client=studio.client, version=2, conditions="Mild asthma; migraine",
                  pain_areas=[{"region": "lower_back", "intensity": 7}], avoid_areas=["abdomen"])
    return History(add_sessions(studio, 3))
