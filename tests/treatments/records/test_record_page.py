"""The client's clinical record in the staff panel: what each role sees,
that showing clinical content is logged, and that the page costs the same
number of queries however many notes the client has."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import AppointmentStatus
from clinic.models import User
from tests.scenario import MONDAY, local
from tests.treatments.records.conftest import PANEL_ROLES, add_sessions
from tests.treatments.records.factories import SessionNoteFactory, session
from treatments.models import AccessAction, RecordAccess

pytestmark = pytest.mark.django_db

# What each role gets: the page (with content, or only that notes exist),
# the sign-in page (no panel for clients), or nothing (a client they never see).
EXPECTED = {
    "anonymous": "sign_in",
    "client_a": "sign_in",
    "client_b": "sign_in",
    "assigned_practitioner": "full",
    "other_practitioner": "not_found",
    "receptionist": "existence",
    "manager": "full",
    "superuser": "full",
}


def record_url(client) -> str:
    return reverse("admin:clinic_client_record", args=[client.pk])


def open_as(client, user, path):
    if user is not None:
        client.force_login(user)
    return client.get(path)


@pytest.mark.parametrize("role", [*PANEL_ROLES, "superuser"])
def test_what_each_role_sees_of_client_a_s_record(role, client, panel, studio, history):
    response = open_as(client, panel[role], record_url(studio.client))
    expected = EXPECTED[role]
    reads = RecordAccess.objects.filter(client=studio.client, action=AccessAction.READ)
    if expected == "sign_in":
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        assert not reads.exists()
        return
    if expected == "not_found":
        assert response.status_code == 404
        assert not reads.exists()
        return
    assert response.status_code == 200
    page = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    notes = response.context["notes"]
    assert [note.pk for note, _ in notes] == [note.pk for note in reversed(history.notes)]
    assert "Appointments" in page and studio.service.name in page
    if expected == "full":
        assert {view for _, view in notes} == {"full"}
        assert "Session 1: stiff lower back." in page
        assert "Version 2; 2 versions on file." in page and "Mild asthma; migraine" in page
        assert "Lower back 7/10" in page and "<dd>Abdomen</dd>" in page
        assert 'class="pain-chart"' in page and 'data-pain="7"' in page
        assert 'class="body-chart"' in page and 'data-intensity="8"' in page
        assert "Pain before was 7, not 6." in page  # the amendment
        # Lower back 7/10 in the latest answers meets the shipped pain rule.
        assert 'id="flags"' in page and "Significant pain: a doctor first" in page
        entry = reads.get()
        assert (entry.actor, entry.subject, entry.role) == (
            panel[role], "clinical record", {"manager": "manager", "superuser": "superuser"}.get(role, "practitioner"))
    else:
        assert {view for _, view in notes} == {"existence"}
        for secret in ("Session 1: stiff lower back.", "Mild asthma", "Pain before was 7", "Effleurage",
                       "pain-chart", "body-chart", "Tight paraspinal", 'id="flags"', "Significant pain"):
            assert secret not in page
        assert "Signed" in page
        assert not reads.exists()


def test_a_page_with_no_notes_shows_nothing_clinical_and_still_logs_the_intake_read(client, panel, studio):
    response = open_as(client, panel["manager"], record_url(studio.client))
    assert response.status_code == 200
    assert "No session notes yet." in response.content.decode()
    assert "No health questionnaire on file." in response.content.decode()
    assert RecordAccess.objects.filter(client=studio.client, action=AccessAction.READ).count() == 1


def test_a_practitioner_whose_booking_was_cancelled_sees_only_their_own_note(client, panel, studio):
    """No longer booked with the client: no intake, no other practitioner's
    notes; their own note still in full (``note_view``), and that read logged."""
    own = SessionNoteFactory(appointment=session(studio, start=local(MONDAY, 10), practitioner=studio.other_practitioner,
                                                 status=AppointmentStatus.CANCELLED), subjective="Their own words.")
    SessionNoteFactory(appointment=session(studio, start=local(MONDAY, 12)), subjective="Somebody else's words.")
    response = open_as(client, panel["other_practitioner"], record_url(studio.client))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Their own words." in page and "Somebody else's words." not in page
    assert [(note.pk, view) for note, view in response.context["notes"]] == [(own.pk, "full")]
    assert response.context["clinical"] is False
    assert RecordAccess.objects.filter(client=studio.client, actor=panel["other_practitioner"]).count() == 1


@pytest.mark.parametrize("object_id", ["x", "99999999999", "1%20OR%201=1", "-1"])
def test_an_address_of_no_client_is_a_404(client, panel, object_id):
    client.force_login(panel["manager"])
    assert client.get(f"/admin/clinic/client/{object_id}/record/").status_code == 404


@pytest.mark.parametrize("role", ["assigned_practitioner", "receptionist", "manager"])
def test_the_record_costs_the_same_queries_for_one_note_or_ten(role, client, panel, studio):
    def queries(count: int) -> int:
        fresh = User.objects.get(pk=panel[role].pk)
        client.force_login(fresh)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(record_url(studio.client))
        assert response.status_code == 200
        assert len(response.context["notes"]) == count
        return len(captured.captured_queries)

    add_sessions(studio, 1)
    one = queries(1)
    add_sessions(studio, 9, first_day=MONDAY - timedelta(days=200))
    ten = queries(10)
    assert one == ten


def test_the_client_page_links_to_the_record_and_offers_managers_the_export(client, panel, studio, history):
    page = reverse("admin:clinic_client_change", args=[studio.client.pk])
    client.force_login(panel["manager"])
    body = client.get(page).content.decode()
    assert record_url(studio.client) in body
    assert reverse("admin:clinic_client_export", args=[studio.client.pk]) in body
    client.force_login(panel["receptionist"])
    body = client.get(page).content.decode()
    assert record_url(studio.client) in body
    assert reverse("admin:clinic_client_export", args=[studio.client.pk]) not in body
