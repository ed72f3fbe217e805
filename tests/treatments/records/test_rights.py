"""Data rights (India's DPDP Act): a manager exports everything held about
one client, logged; managers record and close correction requests through
the service."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from tests.treatments.records.conftest import PANEL_ROLES
from tests.treatments.records.factories import CorrectionRequestFactory, RecordAccessFactory
from treatments.errors import RecordError
from treatments.models import AccessAction, CorrectionRequest, CorrectionState, RecordAccess
from treatments.services import rights

pytestmark = pytest.mark.django_db


def export_url(client) -> str:
    return reverse("admin:clinic_client_export", args=[client.pk])


@pytest.fixture
def holdings(studio, panel, history):
    RecordAccessFactory(client=studio.client, actor=panel["assigned_practitioner"], subject="session note 1")
    CorrectionRequestFactory(client=studio.client, recorded_by=panel["manager"], received_on=date(2026, 11, 2))
    CorrectionRequestFactory(client=studio.other_client, recorded_by=panel["manager"], request="Not A's.")
    return history


def test_the_export_holds_everything_about_the_client_and_nothing_else(studio, panel, holdings):
    document = rights.export_client(client=studio.client, actor=panel["manager"], address="10.0.0.9")
    json.dumps(document)  # JSON as it is
    assert document["format"] == "clinic-client-export/1"
    assert document["profile"]["full_name"] == studio.client.full_name
    assert document["profile"]["app_login"] == studio.client.user.email
    assert [intake["version"] for intake in document["intake_versions"]] == [1, 2]
    assert document["intake_versions"][1]["conditions"] == "Mild asthma; migraine"
    assert [a["id"] for a in document["appointments"]] == [note.appointment_id for note in holdings.notes]
    notes = document["session_notes"]
    assert [note["id"] for note in notes] == [note.pk for note in holdings.notes]
    first = notes[0]
    assert (first["subjective"], first["pain_before"], first["pain_after"]) == ("Session 1: stiff lower back.", 7, 3)
    assert first["techniques"] == [{"technique": "Effleurage", "minutes": 10}, {"technique": "Kneading", "minutes": 20}]
    assert first["points"][0]["code"] == "GB20"
    assert [a["text"] for a in first["amendments"]] == ["Pain before was 7, not 6."]
    assert notes[-1]["body_chart"]["marks"][0]["intensity"] == 8
    assert len(document["home_care"]) == 1
    assert [entry["what"] for entry in document["access_log"]] == ["session note 1"]
    assert [c["request"] for c in document["correction_requests"]] == ["My date of birth is wrong."]
    assert document["appointments"][0]["start"].endswith("+05:30")
    logged = RecordAccess.objects.get(action=AccessAction.EXPORT)
    assert (logged.client, logged.actor, logged.subject, logged.address) == (
        studio.client, panel["manager"], rights.EXPORT_SUBJECT, "10.0.0.9")


@pytest.mark.parametrize("role", ["client_a", "assigned_practitioner", "receptionist"])
def test_only_managers_export(role, studio, panel, holdings):
    with pytest.raises(RecordError) as refused:
        rights.export_client(client=studio.client, actor=panel[role])
    assert refused.value.code == "permission_denied"
    with pytest.raises(RecordError):
        rights.export_client(client=studio.client, actor=AnonymousUser())
    assert not RecordAccess.objects.filter(action=AccessAction.EXPORT).exists()


EXPORT_ANSWERS = {"anonymous": 302, "client_a": 302, "client_b": 302, "assigned_practitioner": 403,
                  "other_practitioner": 404, "receptionist": 403, "manager": 200}


@pytest.mark.parametrize("role", PANEL_ROLES)
def test_the_panel_download(role, client, studio, panel, holdings):
    if panel[role] is not None:
        client.force_login(panel[role])
    response = client.post(export_url(studio.client))
    assert response.status_code == EXPORT_ANSWERS[role]
    exported = RecordAccess.objects.filter(action=AccessAction.EXPORT)
    if role == "manager":
        assert response["Content-Disposition"].startswith(f'attachment; filename="client-{studio.client.pk}-')
        assert "no-store" in response["Cache-Control"]
        assert json.loads(response.content)["profile"]["full_name"] == studio.client.full_name
        assert exported.count() == 1
    else:
        assert not exported.exists()


def test_the_download_is_a_post(client, studio, panel, holdings):
    client.force_login(panel["manager"])
    assert client.get(export_url(studio.client)).status_code == 405
    assert not RecordAccess.objects.filter(action=AccessAction.EXPORT).exists()


# -- correction requests -------------------------------------------------------


def test_a_request_is_recorded_then_closed_once(studio, panel):
    manager = panel["manager"]
    correction = rights.record_correction_request(client=studio.client, received_on=date(2026, 11, 20),
                                                  request="  Phone number is old.  ", actor=manager)
    assert (correction.state, correction.request, correction.recorded_by) == ("open", "Phone number is old.", manager)
    closed = rights.close_correction_request(correction=correction, state="corrected", outcome="Updated the phone.",
                                             actor=manager)
    assert closed.state == CorrectionState.CORRECTED and closed.closed_at is not None
    again = rights.close_correction_request(correction=correction, state="corrected", outcome="Updated the phone.",
                                            actor=manager)
    assert again.closed_at == closed.closed_at  # the same close twice changes nothing
    with pytest.raises(RecordError) as refused:
        rights.close_correction_request(correction=correction, state="declined", outcome="No.", actor=manager)
    assert refused.value.code == "correction_closed"


@pytest.mark.parametrize(("state", "outcome", "code"), [
    ("corrected", "   ", "correction_needs_outcome"),
    ("open", "Looked at it.", "correction_state_invalid"),
    ("lost", "Looked at it.", "correction_state_invalid"),
])
def test_a_close_must_say_how_and_what(state, outcome, code, studio, panel):
    correction = CorrectionRequestFactory(client=studio.client, recorded_by=panel["manager"])
    with pytest.raises(RecordError) as refused:
        rights.close_correction_request(correction=correction, state=state, outcome=outcome, actor=panel["manager"])
    assert refused.value.code == code
    correction.refresh_from_db()
    assert correction.state == "open"


@pytest.mark.parametrize("role", ["client_a", "assigned_practitioner", "receptionist"])
def test_only_managers_keep_correction_requests(role, studio, panel):
    correction = CorrectionRequestFactory(client=studio.client, recorded_by=panel["manager"])
    with pytest.raises(RecordError):
        rights.record_correction_request(client=studio.client, received_on=date(2026, 11, 20), request="x",
                                         actor=panel[role])
    with pytest.raises(RecordError):
        rights.close_correction_request(correction=correction, state="declined", outcome="x", actor=panel[role])


CORRECTION_PAGES = {"anonymous": 302, "client_a": 302, "client_b": 302, "assigned_practitioner": 403,
                    "other_practitioner": 403, "receptionist": 403, "manager": 200, "superuser": 200}


@pytest.mark.parametrize("role", [*PANEL_ROLES, "superuser"])
def test_the_correction_pages_by_role(role, client, studio, panel):
    if panel[role] is not None:
        client.force_login(panel[role])
    for page in ("changelist", "add"):
        assert client.get(reverse(f"admin:treatments_correctionrequest_{page}")).status_code == CORRECTION_PAGES[role]


def test_a_manager_adds_and_closes_a_request_in_the_panel(client, studio, panel):
    client.force_login(panel["manager"])
    response = client.post(reverse("admin:treatments_correctionrequest_add"), {
        "client": studio.client.pk, "received_on": "2026-11-20", "request": "My email changed."})
    assert response.status_code == 302, response.context["adminform"].form.errors
    correction = CorrectionRequest.objects.get()
    assert (correction.request, correction.recorded_by) == ("My email changed.", panel["manager"])
    change = reverse("admin:treatments_correctionrequest_change", args=[correction.pk])
    refused = client.post(change, {"state": "declined", "outcome": ""})
    assert refused.status_code == 200 and "outcome" in refused.context["adminform"].form.errors
    assert client.post(change, {"state": "declined", "outcome": "It was right; told the client."}).status_code == 302
    correction.refresh_from_db()
    assert (correction.state, correction.outcome) == ("declined", "It was right; told the client.")
    # Closed: the page is read-only and a post changes nothing.
    assert client.post(change, {"state": "corrected", "outcome": "Changed my mind."}).status_code == 403
    correction.refresh_from_db()
    assert correction.state == "declined"
    assert client.post(reverse("admin:treatments_correctionrequest_delete", args=[correction.pk]),
                       {"post": "yes"}).status_code == 403


@pytest.mark.parametrize("received_on", ["9999-12-31", "1-1-1", "2026-13-01", ""])
def test_a_bad_date_is_a_field_error(received_on, client, studio, panel):
    client.force_login(panel["manager"])
    response = client.post(reverse("admin:treatments_correctionrequest_add"), {
        "client": studio.client.pk, "received_on": received_on, "request": "x"})
    assert response.status_code == 200
    assert "received_on" in response.context["adminform"].form.errors
    assert not CorrectionRequest.objects.exists()
