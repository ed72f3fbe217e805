"""The intake API, walked by every role: the client's own questionnaire and
re-check, and a client's intake and flags for the staff allowed to read
them (404 for anyone else). Bad input is a 400 with field messages, never
a 500; every read and write is in the access log."""

from __future__ import annotations

import pytest

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import AppointmentStatus
from bookings.services import book_appointment, cancel_appointment
from tests.api.conftest import ROLES, api_as
from tests.scenario import local, next_tuesday
from tests.treatments.intake.factories import RuleFactory
from treatments.models import Intake, RecordAccess
from treatments.services.intake import record_intake

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/intake/"
RECHECK = "/api/v1/me/intake/recheck/"
CONSENT = {"consent": True, "consent_text_version": "2026-01"}


def give(client, actor, **answers):
    return record_intake(actor=actor, client=client, consent_method="paper", consent_text_version="v1", **answers)


# -- the client's own ------------------------------------------------------------------

OWN = {"anonymous": 401, "client_a": 200, "client_b": 200, "assigned_practitioner": 404,
       "other_practitioner": 404, "receptionist": 404, "manager": 404}


@pytest.mark.parametrize("role", ROLES)
def test_me_intake_is_the_caller_s_own(role, people, booked, studio):
    give(studio.client, people["manager"], fever=True)
    response = api_as(people[role]).get(ME)
    assert response.status_code == OWN[role]
    if role == "client_a":
        body = response.json()
        assert body["latest"]["version"] == 1 and body["latest"]["fever"] is True
        assert [version["version"] for version in body["versions"]] == [1]
    if role == "client_b":
        assert response.json() == {"latest": None, "versions": []}  # their own: none yet


def test_reading_one_s_own_intake_is_logged(people, studio):
    give(studio.client, people["manager"])
    api_as(people["client_a"]).get(ME)
    row = RecordAccess.objects.latest("pk")
    assert (row.actor, row.action, row.role, row.subject) == (people["client_a"], "read", "client", "intake v1-v1")


@pytest.mark.parametrize("role", ROLES)
def test_posting_a_questionnaire_adds_the_caller_s_next_version(role, people, studio):
    response = api_as(people[role]).post(ME, {**CONSENT, "fever": True}, format="json")
    assert response.status_code == {"anonymous": 401, "client_a": 201, "client_b": 201}.get(role, 404)
    if response.status_code == 201:
        assert response.json()["version"] == 1 and response.json()["consent_method"] == "online"
        assert response.json()["source"] == "questionnaire"
    own = {"client_a": studio.client, "client_b": studio.other_client}.get(role)
    assert Intake.objects.count() == (1 if own else 0)


def test_the_second_questionnaire_is_version_two(people, studio):
    api = api_as(people["client_a"])
    api.post(ME, {**CONSENT, "fever": True}, format="json")
    response = api.post(ME, {**CONSENT, "pain_areas": [{"region": "neck", "intensity": 4}]}, format="json")
    assert response.status_code == 201 and response.json()["version"] == 2
    assert Intake.objects.get(client=studio.client, version=1).fever is True


@pytest.mark.parametrize(("body", "field"), [
    ({"fever": True}, "consent"),
    ({**CONSENT, "consent": False}, "consent"),
    ({**CONSENT, "pain_areas": [{"region": "tail", "intensity": 2}]}, "pain_areas"),
    ({**CONSENT, "pain_areas": [{"region": "neck", "intensity": 10 ** 40}]}, "pain_areas"),
    ({**CONSENT, "pain_areas": [{"region": "neck", "intensity": "7"}, {"region": "neck", "intensity": 3}]},
     "pain_areas"),
    ({**CONSENT, "pain_areas": {"region": "neck"}}, "pain_areas"),
    ({**CONSENT, "pain_areas": [{"region": "neck", "intensity": 3, "side": "left"}]}, "pain_areas"),
    ({**CONSENT, "avoid_areas": ["neck", 7]}, "avoid_areas"),
    ({**CONSENT, "avoid_areas": ["neck"] * 13}, "avoid_areas"),
    ({**CONSENT, "pregnant": True}, "pregnancy_trimester"),
    ({**CONSENT, "pregnancy_trimester": 2}, "pregnancy_trimester"),
    ({**CONSENT, "pregnant": True, "pregnancy_trimester": 99999999999999999999}, "pregnancy_trimester"),
    ({**CONSENT, "injury_region": "leg"}, "injury_region"),
    ({**CONSENT, "recent_injury_or_surgery": True, "injury_date": "9999-12-31"}, "injury_date"),
    ({**CONSENT, "recent_injury_or_surgery": True, "injury_date": "2026-02-30"}, "injury_date"),
    ({**CONSENT, "conditions": "asthma\x00"}, "conditions"),
    ({**CONSENT, "conditions": ["asthma"]}, "conditions"),
    ({**CONSENT, "goals": "x" * 5000}, "goals"),
    ({**CONSENT, "fever": "perhaps"}, "fever"),
    ({**CONSENT, "fever": None}, "fever"),
    ({**CONSENT, "pressure_preference": "crushing"}, "pressure_preference"),
    ({**CONSENT, "version": 7}, "version"),
    ({**CONSENT, "client": 1}, "client"),
])
def test_bad_answers_are_a_400_on_their_field(people, studio, body, field):
    response = api_as(people["client_a"]).post(ME, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    assert not Intake.objects.exists()


@pytest.mark.parametrize("body", ['[]', '"x"', '{"consent": true, "consent_text_version": "v", "pain_areas": 1e999}',
                                  '{', "null", '{"consent": true, "consent_text_version": "v", "fever": 1}'])
def test_bodies_out_of_shape_are_a_400(people, studio, body):
    response = api_as(people["client_a"]).post(ME, body, content_type="application/json")
    assert response.status_code in (400, 201) and response.status_code < 500
    if body.endswith('"fever": 1}'):
        assert response.status_code == 201  # JSON's 1 is a yes, as for every boolean of the API
    else:
        assert response.status_code == 400


# -- the re-check ------------------------------------------------------------------------


def test_a_recheck_before_any_questionnaire_is_a_409(people, studio):
    response = api_as(people["client_a"]).post(RECHECK, {"changed": False}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "no_intake_yet"


def test_a_recheck_with_nothing_changed_adds_nothing(people, studio):
    give(studio.client, people["manager"], conditions="Diabetes")
    response = api_as(people["client_a"]).post(RECHECK, {"changed": False}, format="json")
    assert response.status_code == 200 and response.json()["version"] == 1
    assert Intake.objects.count() == 1
    assert RecordAccess.objects.latest("pk").subject == "re-check: intake v1 unchanged"


def test_a_recheck_with_a_change_adds_a_version(people, studio):
    give(studio.client, people["manager"], conditions="Diabetes")
    response = api_as(people["client_a"]).post(
        RECHECK, {"changed": True, "pregnant": True, "pregnancy_trimester": 2}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["version"], body["source"], body["pregnant"], body["conditions"]) == (2, "recheck", True, "Diabetes")


@pytest.mark.parametrize(("body", "status"), [
    ({}, 400), ({"changed": True}, 400), ({"changed": False, "fever": True}, 400),
    ({"changed": True, "goals": "relax"}, 400), ({"changed": True, "pain_areas": [{"region": "x", "intensity": 1}]}, 400),
    ({"changed": "sometimes"}, 400),
])
def test_a_recheck_out_of_shape_is_a_400(people, studio, body, status):
    give(studio.client, people["manager"])
    assert api_as(people["client_a"]).post(RECHECK, body, format="json").status_code == status
    assert Intake.objects.count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_only_clients_recheck_and_only_their_own(role, people, studio):
    give(studio.client, people["manager"])
    response = api_as(people[role]).post(RECHECK, {"changed": True, "fever": True}, format="json")
    expected = {"anonymous": 401, "client_a": 201, "client_b": 409}.get(role, 404)
    assert response.status_code == expected
    assert Intake.objects.filter(client=studio.client).count() == (2 if role == "client_a" else 1)


# -- a client's intake and flags, for staff ---------------------------------------------------

# Practitioners read the records of clients booked with them; managers every one; the client their own intake.
CLIENT_INTAKE = {"anonymous": 401, "client_a": 200, "client_b": 404, "assigned_practitioner": 200,
                 "other_practitioner": 404, "receptionist": 404, "manager": 200}
CLIENT_FLAGS = {**CLIENT_INTAKE, "client_a": 404}


@pytest.mark.parametrize("role", ROLES)
def test_a_client_s_intake_for_those_allowed(role, people, booked, studio):
    give(studio.client, people["manager"], fever=True)
    before = RecordAccess.objects.count()
    response = api_as(people[role]).get(f"/api/v1/clients/{studio.client.pk}/intake/")
    assert response.status_code == CLIENT_INTAKE[role]
    if response.status_code == 200:
        assert response.json()["latest"]["fever"] is True
        assert RecordAccess.objects.latest("pk").actor == people[role]
    assert RecordAccess.objects.count() == before + (response.status_code == 200)


@pytest.mark.parametrize("role", ROLES)
def test_a_client_s_flags_for_those_who_read_their_record(role, people, booked, studio):
    give(studio.client, people["manager"], fever=True, takes_blood_thinners=True)
    before = RecordAccess.objects.count()
    response = api_as(people[role]).get(f"/api/v1/clients/{studio.client.pk}/flags/")
    assert response.status_code == CLIENT_FLAGS[role]
    if response.status_code == 200:
        flags = response.json()["flags"]
        assert [(flag["tier"], flag["holds_bookings"]) for flag in flags] == [("do_not_treat", True),
                                                                              ("adapt", False)]
        assert flags[0]["reason"] == "Fever" and flags[0]["service_ids"] == []
        row = RecordAccess.objects.latest("pk")
        assert (row.actor, row.action, row.subject) == (people[role], "read", "flags")
    assert RecordAccess.objects.count() == before + (response.status_code == 200)


def test_a_practitioner_whose_booking_was_cancelled_reads_no_more(people, booked, studio):
    cancel_appointment(appointment=booked, actor=None)
    response = api_as(people["assigned_practitioner"]).get(f"/api/v1/clients/{studio.client.pk}/flags/")
    assert response.status_code == 404


@pytest.mark.parametrize("client_id", ["0", "99999999", "99999999999999999999999", "x", "-1"])
def test_unknown_clients_are_a_404(people, client_id):
    response = api_as(people["manager"]).get(f"/api/v1/clients/{client_id}/flags/")
    assert response.status_code == 404


def test_flag_reads_cost_the_same_queries_whatever_the_rules(people, booked, studio):
    give(studio.client, people["manager"], fever=True)
    api = api_as(people["manager"])
    path = f"/api/v1/clients/{studio.client.pk}/flags/"
    with CaptureQueriesContext(connection) as few:
        api.get(path)
    for _ in range(10):
        RuleFactory(answer="fever", tier="adapt")
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(path).json()["flags"]) == 11
    assert len(few) == len(many)


# -- a booking held for review, through the API ----------------------------------------------------


def test_a_booking_through_the_api_is_held_and_says_why(people, studio):
    give(studio.client, people["manager"], fever=True)
    response = api_as(people["client_a"]).post("/api/v1/appointments/", {
        "service": studio.service.pk, "practitioner": studio.practitioner.pk,
        "start": f"{next_tuesday().isoformat()}T10:00:00+05:30"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == AppointmentStatus.PENDING and "Fever" in body["review_reason"]


@pytest.mark.parametrize("role", ROLES)
def test_review_reason_is_on_the_appointment_for_whoever_sees_it(role, people, studio):
    give(studio.client, people["manager"], fever=True)
    appointment = book_appointment(client=studio.client, practitioner=studio.practitioner, service=studio.service,
                                   start=local(next_tuesday(), 10), source="app", actor=None)
    response = api_as(people[role]).get(f"/api/v1/appointments/{appointment.pk}/")
    sees = role in ("client_a", "assigned_practitioner", "receptionist", "manager")
    assert response.status_code == (200 if sees else 401 if role == "anonymous" else 404)
    if sees:
        assert response.json()["review_reason"].startswith("Held for review")
