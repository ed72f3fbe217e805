"""``GET /api/v1/me/record-access/``: a client sees who accessed their
clinical record (their own rows only, newest first, on the clinic's clocks
with the zone); nobody else has such a log."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.api.conftest import ROLES, api_as
from tests.scenario import KOLKATA
from tests.treatments.records.factories import RecordAccessFactory
from treatments.models import AccessAction

pytestmark = pytest.mark.django_db

PATH = "/api/v1/me/record-access/"


@pytest.fixture
def log(studio, people, manager):
    practitioner = people["assigned_practitioner"]
    practitioner.first_name, practitioner.last_name = "Meena", "Iyer"
    practitioner.save(update_fields=["first_name", "last_name"])
    return {
        "a_read": RecordAccessFactory(client=studio.client, actor=practitioner, actor_name="Meena Iyer",
                                      role="practitioner", action=AccessAction.READ, subject="session note 3",
                                      at=datetime(2026, 11, 2, 10, 15, tzinfo=KOLKATA)),
        "a_export": RecordAccessFactory(client=studio.client, actor=manager, actor_name="Asha Rao", role="manager",
                                        action=AccessAction.EXPORT, subject="everything held (data rights export)",
                                        at=datetime(2026, 11, 3, 18, tzinfo=KOLKATA)),
        "b_read": RecordAccessFactory(client=studio.other_client, actor=practitioner, actor_name="Meena Iyer",
                                      action=AccessAction.READ, subject="clinical record",
                                      at=datetime(2026, 11, 4, 9, tzinfo=KOLKATA)),
    }


EXPECTED = {
    "anonymous": 401,
    "client_a": ["a_export", "a_read"],
    "client_b": ["b_read"],
    "assigned_practitioner": 404,
    "other_practitioner": 404,
    "receptionist": 404,
    "manager": 404,
}


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_which_log(role, people, log):
    response = api_as(people[role]).get(PATH)
    expected = EXPECTED[role]
    if isinstance(expected, int):
        assert response.status_code == expected
        assert response.json()["code"] in ("not_authenticated", "not_found")
        return
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [log[name].pk for name in expected]


def test_each_row_says_who_what_and_when_on_the_clinic_s_clocks(people, log):
    body = api_as(people["client_a"]).get(PATH).json()
    assert body["count"] == 2
    assert body["results"][1] == {
        "id": log["a_read"].pk, "role": "practitioner", "staff_member": "Meena Iyer", "action": "read",
        "action_label": "Read", "what": "session note 3", "at": "2026-11-02T10:15:00+05:30",
        "time_zone": "Asia/Kolkata",
    }
    assert "address" not in body["results"][0]


def test_it_is_paginated_like_the_rest(studio, people, manager):
    start = datetime(2026, 1, 1, 9, tzinfo=KOLKATA)
    for n in range(7):
        RecordAccessFactory(client=studio.client, actor=manager, at=start + timedelta(days=n))
    api = api_as(people["client_a"])
    first = api.get(PATH, {"page_size": 3}).json()
    assert (first["count"], len(first["results"])) == (7, 3)
    assert first["next"] and first["previous"] is None
    last = api.get(PATH, {"page_size": 3, "page": 3}).json()
    assert len(last["results"]) == 1
    assert api.get(PATH, {"page": 99}).status_code == 404
    assert api.get(PATH, {"page": "x\x00"}).status_code == 400


def test_it_is_read_only(people, log):
    api = api_as(people["client_a"])
    assert api.post(PATH, {}, format="json").status_code == 405
    assert api.delete(PATH).status_code == 405


def test_the_schema_documents_it():
    from rest_framework.test import APIClient

    schema = APIClient().get("/api/v1/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/me/record-access/"]["get"]
    assert {"200", "401", "404"} <= set(operation["responses"])
    assert "RecordAccess" in schema["components"]["schemas"]
