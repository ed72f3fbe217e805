"""``note_views`` (many notes at once) says what ``note_view`` says of
each, for every role, in a fixed number of queries."""

from __future__ import annotations

import shutil

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import AppointmentStatus
from clinic.models import User
from tests.scenario import MONDAY, local
from tests.test_architecture import ROOT, lint
from tests.treatments.records.conftest import PANEL_ROLES
from tests.treatments.records.factories import SessionNoteFactory, session
from treatments import policies
from treatments.models import SessionNote

pytestmark = pytest.mark.django_db


@pytest.fixture
def notes(studio, panel):
    """Client A: a signed shared note, a signed private one, a draft; one of
    the other practitioner's on a cancelled booking; client B: a signed
    shared note with the other practitioner."""
    made = [
        SessionNoteFactory(appointment=session(studio, start=local(MONDAY, 9)), signed=True, shared_with_client=True),
        SessionNoteFactory(appointment=session(studio, start=local(MONDAY, 11)), signed=True),
        SessionNoteFactory(appointment=session(studio, start=local(MONDAY, 14))),
        SessionNoteFactory(appointment=session(studio, start=local(MONDAY, 16), practitioner=studio.other_practitioner,
                                               status=AppointmentStatus.CANCELLED)),
        SessionNoteFactory(appointment=session(studio, start=local(MONDAY, 18), client=studio.other_client,
                                               practitioner=studio.other_practitioner), signed=True,
                           shared_with_client=True),
    ]
    return list(SessionNote.objects.filter(pk__in=[note.pk for note in made]).order_by("pk"))


@pytest.mark.parametrize("role", [*PANEL_ROLES, "superuser"])
def test_many_at_once_agrees_with_one_at_a_time(role, panel, notes):
    user = panel[role] or AnonymousUser()
    one_by_one = {note.pk: policies.note_view(user, note) for note in notes}
    assert policies.note_views(user, notes) == one_by_one
    assert len(set(one_by_one.values())) > 1 or role in ("anonymous", "manager", "superuser", "receptionist")


@pytest.mark.parametrize("role", ["assigned_practitioner", "other_practitioner", "receptionist", "client_a"])
def test_many_at_once_costs_a_fixed_number_of_queries(role, panel, notes):
    few, all_ = notes[:1], notes

    def cost(chosen) -> int:
        fresh = User.objects.get(pk=panel[role].pk)
        with CaptureQueriesContext(connection) as captured:
            policies.note_views(fresh, chosen)
        return len(captured.captured_queries)

    assert cost(few) == cost(all_)


def test_the_charts_stay_pure(tmp_path):
    """Django inside ``treatments/charts.py`` breaks the import contract."""
    for package in ("clinic", "bookings", "treatments"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    with (tmp_path / "treatments" / "charts.py").open("a") as source:
        source.write("\nfrom django.utils.html import escape  # noqa\n")
    result = lint(tmp_path)
    assert result.returncode != 0
    report = " ".join(result.stdout.split())
    assert "the record charts" in report.split("Broken contracts", 1)[1]
