"""The session-notes API against every role: the practitioner's day, and
start, read, edit, sign and amend a note.

Columns: anonymous, client A (whose appointment it is), client B, the
appointment's practitioner, another practitioner not booked with client A,
the same other practitioner once booked with client A, a receptionist, a
manager. What a caller may not see is a 404, what they see but may not do
a 403, a signed note a 409."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import AppointmentStatus
from tests.api.conftest import ROLES, api_as
from tests.treatments.notes.factories import appointment, full_draft, signed_note
from treatments.models import AccessAction, Amendment, RecordAccess, SessionNote
from treatments.services import notes
from treatments.services.intake import record_intake

pytestmark = pytest.mark.django_db

ALL = [*ROLES[:5], "other_practitioner_booked", *ROLES[5:]]
ADDRESS = "203.0.113.7"
CLINICAL = {"subjective", "objective", "assessment", "client_response", "body_chart", "techniques", "points",
            "pain_before", "pain_after", "amendments"}


@pytest.fixture
def caller(request, people, studio, booked):
    """The login of a column; ``other_practitioner_booked`` is the other
    practitioner with an appointment of their own with client A."""
    role = request.param
    if role == "other_practitioner_booked":
        appointment(studio, client=studio.client, practitioner=studio.other_practitioner,
                    start=booked.start + timedelta(days=1))
        return people["other_practitioner"]
    return people[role]


def by_role(**answers) -> list:
    return [pytest.param(role, answers[role], id=role) for role in ALL]


def call(user, method: str, path: str, body=None):
    return getattr(api_as(user), method)(path, body, format="json", REMOTE_ADDR=ADDRESS)


def path(appointment_id: int, tail: str = "") -> str:
    return f"/api/v1/appointments/{appointment_id}/note/{tail}"


def reads() -> list[RecordAccess]:
    return list(RecordAccess.objects.filter(action=AccessAction.READ))


# -- starting ------------------------------------------------------------------------------


@pytest.mark.parametrize(("caller", "expected"), by_role(
    anonymous=401, client_a=403, client_b=404, assigned_practitioner=201, other_practitioner=404,
    other_practitioner_booked=404, receptionist=403, manager=403), indirect=["caller"])
def test_start(caller, expected, booked):
    response = call(caller, "post", path(booked.pk))
    assert response.status_code == expected
    assert SessionNote.objects.exists() is (expected == 201)
    if expected == 201:
        assert response.json()["view"] == "full" and response.json()["status"] == "draft"
        assert RecordAccess.objects.get(action=AccessAction.CREATE).address == ADDRESS


def test_starting_again_answers_the_same_note(booked, people):
    author = people["assigned_practitioner"]
    first = call(author, "post", path(booked.pk))
    again = call(author, "post", path(booked.pk))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and SessionNote.objects.count() == 1


def test_no_note_for_a_cancelled_appointment(booked, people):
    from bookings.services import cancel_appointment

    cancel_appointment(appointment=booked, actor=None)
    response = call(people["assigned_practitioner"], "post", path(booked.pk))
    assert response.status_code == 409 and response.json()["code"] == "no_note_for_appointment"


def test_an_appointment_that_does_not_exist_is_a_404(people, db):
    assert call(people["assigned_practitioner"], "post", path(999999)).status_code == 404
    assert call(people["assigned_practitioner"], "get", path(999999)).status_code == 404
    for tail in ("", "sign/", "amendments/"):
        assert call(people["assigned_practitioner"], "post", path(2**100, tail)).status_code == 404
    assert call(people["assigned_practitioner"], "patch", path(2**100), {}).status_code == 404


# -- reading -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("caller", "expected"), by_role(
    anonymous=401, client_a=404, client_b=404, assigned_practitioner="full", other_practitioner=404,
    other_practitioner_booked="full", receptionist="existence", manager="full"), indirect=["caller"])
def test_read_a_draft(caller, expected, booked):
    full_draft(booked)
    response = call(caller, "get", path(booked.pk))
    assert response.status_code == (expected if isinstance(expected, int) else 200)
    if isinstance(expected, int):
        assert "Stiff neck" not in response.content.decode() and not reads()
        return
    body = response.json()
    assert body["view"] == expected
    if expected == "full":
        assert body["subjective"].startswith("Stiff neck") and len(body["techniques"]) == 2
        assert body["points"][0]["code"] in ("GB20", "GB21") and body["body_chart"]["regions"]
        [read] = reads()
        assert (read.actor, read.address, read.client_id) == (caller, ADDRESS, booked.client_id)
    else:
        assert set(body) == {"view", "id", "appointment", "status", "created_at", "signed_at"}
        assert not reads()


@pytest.mark.parametrize(("caller", "expected"), by_role(
    anonymous=401, client_a="shared", client_b=404, assigned_practitioner="full", other_practitioner=404,
    other_practitioner_booked="full", receptionist="existence", manager="full"), indirect=["caller"])
def test_read_a_signed_shared_note(caller, expected, booked):
    signed_note(booked)
    response = call(caller, "get", path(booked.pk))
    assert response.status_code == (expected if isinstance(expected, int) else 200)
    if expected == "shared":
        body = response.json()
        assert set(body) == {"view", "id", "appointment", "status", "plan", "home_care", "signed_at"}
        assert body["plan"].startswith("Two more sessions") and body["home_care"][0]["routine_name"]
        assert reads()[0].actor == caller
    if expected in ("shared", "existence"):
        assert not CLINICAL & set(response.json())
        assert "Stiff neck" not in response.content.decode()


def test_a_signed_note_not_shared_is_not_the_client_s_to_see(booked, people):
    signed_note(booked, shared_with_client=False)
    assert call(people["client_a"], "get", path(booked.pk)).status_code == 404


def test_the_full_view_shows_amendments(booked, people):
    note = signed_note(booked)
    notes.amend_note(actor=people["manager"], note=note, text="Left shoulder too.", reason="Left out.")
    [amendment] = call(people["assigned_practitioner"], "get", path(booked.pk)).json()["amendments"]
    assert amendment["text"] == "Left shoulder too." and amendment["reason"] == "Left out."


# -- editing the draft --------------------------------------------------------------------------------


@pytest.mark.parametrize(("caller", "expected"), by_role(
    anonymous=401, client_a=404, client_b=404, assigned_practitioner=200, other_practitioner=404,
    other_practitioner_booked=403, receptionist=403, manager=403), indirect=["caller"])
def test_edit_a_draft(caller, expected, booked):
    note = full_draft(booked)
    response = call(caller, "patch", path(booked.pk), {"plan": "Changed.", "points": ["BL23"]})
    assert response.status_code == expected
    note.refresh_from_db()
    assert (note.plan == "Changed.") is (expected == 200)
    if expected == 200:
        assert [p["code"] for p in response.json()["points"]] == ["BL23"]
        assert RecordAccess.objects.filter(action=AccessAction.UPDATE).latest("pk").address == ADDRESS


def test_every_part_of_a_draft_goes_in_as_data(booked, people):
    author = people["assigned_practitioner"]
    call(author, "post", path(booked.pk))
    body = {
        "subjective": "Lower back ache.", "objective": "Tight erector spinae.", "assessment": "Strain.",
        "plan": "Heat, rest.", "pressure": "firm", "pain_before": 7, "pain_after": 4, "client_response": "Better.",
        "body_chart": {"regions": [{"side": "back", "region": "lower_back"}],
                       "marks": [{"side": "back", "x": 0.5, "y": 0.62, "intensity": 7}]},
        "shared_with_client": True, "techniques": [{"technique": 1, "minutes": 20}], "points": ["BL23", "BL25"],
        "home_care": [2],
    }
    response = call(author, "patch", path(booked.pk), body)
    assert response.status_code == 200, response.json()
    answer = response.json()
    assert {name: answer[name] for name in ("subjective", "pressure", "pain_before", "pain_after", "body_chart",
                                            "shared_with_client")} == {
        name: body[name] for name in ("subjective", "pressure", "pain_before", "pain_after", "body_chart",
                                      "shared_with_client")}
    assert [(t["technique"], t["minutes"]) for t in answer["techniques"]] == [(1, 20)]
    assert [h["routine"] for h in answer["home_care"]] == [2]


@pytest.mark.parametrize("body", [
    {"pain_before": 11}, {"pain_before": "seven"}, {"pain_before": 10**40}, {"pain_after": 1.5},
    {"pressure": "crushing"}, {"plan": "a\x00b"}, {"plan": "x" * 10_001}, {"plan": ["x"]},
    {"subjective": None},
    {"body_chart": "neck"}, {"body_chart": []}, {"body_chart": {"regions": [{"side": "up", "region": "neck"}]}},
    {"body_chart": {"marks": [{"side": "back", "x": 2, "y": 0, "intensity": 1}]}},
    {"body_chart": {"marks": [{"side": "back", "x": 1e308, "y": 0, "intensity": 1}]}},
    {"body_chart": {"marks": [{"side": "back", "x": 0.1, "y": 0.1, "intensity": 99999999999999999999}]}},
    {"body_chart": {"regions": [{"side": "back", "region": "neck\x00"}]}},
    {"body_chart": {"\x00": []}},
    {"techniques": [{"technique": 1, "minutes": 0}]}, {"techniques": [{"technique": 99999, "minutes": 5}]},
    {"techniques": [{"technique": 1, "minutes": 5}, {"technique": 1, "minutes": 6}]},
    {"techniques": [{"technique": 10**30, "minutes": 5}]}, {"techniques": "effleurage"},
    {"techniques": [{"technique": 1}]}, {"techniques": [{"technique": 1, "minutes": 5, "extra": 1}]},
    {"points": ["XX1"]}, {"points": ["G\x00"]}, {"points": [None]}, {"points": "GB20"},
    {"home_care": [999999]}, {"home_care": ["x"]}, {"home_care": [10**30]},
    {"shared_with_client": "perhaps"}, {"status": "signed"}, {"signed_at": "2026-01-01T00:00:00Z"},
    {"unknown": 1},
])
def test_bad_input_is_a_400_with_its_field(booked, people, body):
    note = full_draft(booked)
    before = notes.note_content(SessionNote.objects.get(pk=note.pk))
    response = call(people["assigned_practitioner"], "patch", path(booked.pk), body)
    assert response.status_code == 400, response.content
    answer = response.json()
    assert answer["code"] in ("invalid",) or answer["code"].endswith("_invalid") or answer["code"] in (
        "pain_out_of_scale", "not_a_choice", "text_not_printable", "text_too_long")
    assert set(answer["fields"]) == set(body), answer
    assert notes.note_content(SessionNote.objects.get(pk=note.pk)) == before


def test_a_body_nested_too_deep_is_a_400(booked, people):
    full_draft(booked)
    api = api_as(people["assigned_practitioner"])
    deep = '{"body_chart": ' + "[" * 5000 + "]" * 5000 + "}"
    response = api.patch(path(booked.pk), deep, content_type="application/json")
    assert response.status_code == 400


def test_a_signed_note_is_not_changed_through_the_api(booked, people):
    note = signed_note(booked)
    before = notes.note_content(SessionNote.objects.get(pk=note.pk))
    response = call(people["assigned_practitioner"], "patch", path(booked.pk), {"plan": "Changed after."})
    assert response.status_code == 409 and response.json()["code"] == "note_signed"
    assert notes.note_content(SessionNote.objects.get(pk=note.pk)) == before


# -- signing and amending ----------------------------------------------------------------------------


@pytest.mark.parametrize(("caller", "expected"), by_role(
    anonymous=401, client_a=404, client_b=404, assigned_practitioner=200, other_practitioner=404,
    other_practitioner_booked=403, receptionist=403, manager=403), indirect=["caller"])
def test_sign(caller, expected, booked):
    note = full_draft(booked)
    response = call(caller, "post", path(booked.pk, "sign/"))
    assert response.status_code == expected
    note.refresh_from_db()
    assert note.is_signed is (expected == 200)
    if expected == 200:
        assert response.json()["status"] == "signed"
        assert RecordAccess.objects.get(action=AccessAction.SIGN).address == ADDRESS


def test_signing_twice_answers_the_signed_note(booked, people):
    full_draft(booked)
    author = people["assigned_practitioner"]
    assert call(author, "post", path(booked.pk, "sign/")).status_code == 200
    assert call(author, "post", path(booked.pk, "sign/")).status_code == 200


def test_an_empty_draft_is_not_signed(booked, people):
    call(people["assigned_practitioner"], "post", path(booked.pk))
    response = call(people["assigned_practitioner"], "post", path(booked.pk, "sign/"))
    assert response.status_code == 400 and response.json()["code"] == "note_empty"


@pytest.mark.parametrize(("caller", "expected"), by_role(
    anonymous=401, client_a=403, client_b=404, assigned_practitioner=201, other_practitioner=404,
    other_practitioner_booked=403, receptionist=403, manager=201), indirect=["caller"])
def test_amend(caller, expected, booked):
    signed_note(booked)
    response = call(caller, "post", path(booked.pk, "amendments/"), {"text": "Pain after: 4.", "reason": "Typo."})
    assert response.status_code == expected
    assert Amendment.objects.exists() is (expected == 201)
    if expected == 201:
        assert response.json()["text"] == "Pain after: 4."
        assert RecordAccess.objects.get(action=AccessAction.AMEND).address == ADDRESS


@pytest.mark.parametrize("body", [{}, {"text": "", "reason": "x"}, {"text": "x"}, {"text": "x", "reason": "r" * 301},
                                  {"text": "a\x00", "reason": "x"}, {"text": ["x"], "reason": "x"},
                                  {"text": "x", "reason": "y", "author": 1}])
def test_an_amendment_needs_text_and_reason(booked, people, body):
    signed_note(booked)
    response = call(people["assigned_practitioner"], "post", path(booked.pk, "amendments/"), body)
    assert response.status_code == 400 and not Amendment.objects.exists()


def test_a_draft_takes_no_amendment(booked, people):
    full_draft(booked)
    response = call(people["assigned_practitioner"], "post", path(booked.pk, "amendments/"),
                    {"text": "x", "reason": "y"})
    assert response.status_code == 409 and response.json()["code"] == "note_not_signed"


# -- the practitioner's day ---------------------------------------------------------------------------


@pytest.fixture
def today(studio, booked):
    """Client A today with the assigned practitioner, after a signed note;
    a cancelled one, one yesterday and one of the other practitioner's."""
    signed_note(booked, assessment="Strain of the upper trapezius. " * 20)
    now = timezone.now().replace(microsecond=0)
    kept = appointment(studio, client=studio.client, practitioner=studio.practitioner, start=now)
    appointment(studio, client=studio.other_client, practitioner=studio.practitioner, start=now - timedelta(days=1))
    appointment(studio, client=studio.other_client, practitioner=studio.other_practitioner, start=now)
    appointment(studio, client=studio.other_client, practitioner=studio.practitioner, start=now,
                status=AppointmentStatus.CANCELLED, cancelled_at=now)
    return kept


@pytest.mark.parametrize(("caller", "expected"), by_role(
    anonymous=401, client_a=403, client_b=403, assigned_practitioner=200, other_practitioner=200,
    other_practitioner_booked=200, receptionist=403, manager=403), indirect=["caller"])
def test_today_is_for_practitioners(caller, expected, today):
    assert call(caller, "get", "/api/v1/practitioner/today/").status_code == expected


def test_today_lists_the_day_with_the_last_signed_note(today, people, studio):
    before = len(reads())
    response = call(people["assigned_practitioner"], "get", "/api/v1/practitioner/today/")
    [row] = response.json()
    assert row["id"] == today.pk and row["client_name"] == studio.client.full_name
    assert row["service_name"] == studio.service.name and row["status"] == "confirmed"
    assert row["start"] == today.start.astimezone(studio.location.time_zone).isoformat()
    assert row["start"].endswith("+05:30") and row["time_zone"] == "Asia/Kolkata"
    summary = row["last_signed_note"]
    assert summary["plan"].startswith("Two more sessions")
    assert len(summary["assessment"]) <= 280 and summary["assessment"].endswith("…")
    assert row["note"] is None and row["flags"] == []
    new_reads = reads()[: len(reads()) - before]
    assert sorted((r.subject.split()[0], r.actor, r.address, r.client_id) for r in new_reads) == [
        ("flags", people["assigned_practitioner"], ADDRESS, studio.client.pk),
        ("session", people["assigned_practitioner"], ADDRESS, studio.client.pk)]


def test_today_shows_the_client_s_flags_and_logs_reading_them(today, people, studio, manager):
    """A fever in the client's latest answers: the practitioner sees the
    do-not-treat flag beside the appointment."""
    record_intake(actor=manager, client=studio.client, consent_method="paper", consent_text_version="2026-01",
                  fever=True)
    [row] = call(people["assigned_practitioner"], "get", "/api/v1/practitioner/today/").json()
    assert [(flag["tier"], flag["holds_bookings"]) for flag in row["flags"]] == [("do_not_treat", True)]
    assert RecordAccess.objects.filter(client=studio.client, subject="flags",
                                       actor=people["assigned_practitioner"]).count() == 1


def test_another_practitioner_s_day_is_their_own(today, people, studio):
    [row] = call(people["other_practitioner"], "get", "/api/v1/practitioner/today/").json()
    assert row["client"] == studio.other_client.pk and row["last_signed_note"] is None


def test_a_day_with_nothing_booked_is_empty(people, db):
    assert call(people["other_practitioner"], "get", "/api/v1/practitioner/today/").json() == []
