"""Who read the client's record, and when: /account/record-access/."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.bookings.account.conftest import web_as
from treatments.models import AccessAction
from treatments.services.audit import record_access

pytestmark = pytest.mark.django_db
URL = "/account/record-access/"


def test_the_client_sees_who_read_their_record_on_the_clinics_clock(people, studio):
    entry = record_access(actor=people["assigned_practitioner"], client=studio.client, action=AccessAction.READ,
                          subject="session note 12", at=datetime(2026, 11, 2, 4, 30, tzinfo=ZoneInfo("UTC")))
    response = web_as(people["client_a"]).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-testid="access-{entry.pk}"' in html and "session note 12" in html and entry.actor_name in html
    assert "10:00" in html or "10 a.m." in html  # 04:30 UTC is 10:00 in Asia/Kolkata
    assert "Asia/Kolkata" in html


def test_another_clients_log_never_shows(people, studio):
    entry = record_access(actor=people["manager"], client=studio.other_client, action=AccessAction.READ,
                          subject="intake 3")
    html = web_as(people["client_a"]).get(URL).content.decode()
    assert f"access-{entry.pk}" not in html and 'data-testid="no-access"' in html


def test_a_long_log_is_paged(people, studio):
    for number in range(55):
        record_access(actor=people["manager"], client=studio.client, action=AccessAction.READ,
                      subject=f"note {number}")
    web = web_as(people["client_a"])
    first = web.get(URL).content.decode()
    assert len(re.findall(r'data-testid="access-\d', first)) == 50 and 'rel="next"' in first
    second = web.get(URL, {"page": 2}).content.decode()
    assert len(re.findall(r'data-testid="access-\d', second)) == 5
    assert web.get(URL, {"page": "nonsense"}).status_code == 200


def test_roles_are_named_in_the_clients_language_and_their_own_answers_as_theirs(people, studio):
    record_access(actor=people["assigned_practitioner"], client=studio.client, action=AccessAction.READ,
                  subject="session note 12")
    record_access(actor=None, client=studio.client, action=AccessAction.CREATE, subject="intake v1")
    english = web_as(people["client_a"]).get(URL).content.decode()
    assert "(practitioner)" in english and "(you)" in english
    studio.client.preferred_language = "ta"
    studio.client.save(update_fields=["preferred_language"])
    tamil = web_as(people["client_a"]).get(URL).content.decode()
    assert "(practitioner)" not in tamil and "(you)" not in tamil
