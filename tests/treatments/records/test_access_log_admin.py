"""The access log in the staff panel: managers read, filter and export it;
nobody (a superuser neither) adds, changes or removes a row; the export is
itself logged."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from tests.scenario import KOLKATA
from tests.treatments.records.conftest import PANEL_ROLES
from tests.treatments.records.factories import RecordAccessFactory
from treatments.models import AccessAction, RecordAccess

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:treatments_recordaccess_changelist"
READERS = {"manager", "superuser"}


@pytest.fixture
def log(studio, panel):
    practitioner = panel["assigned_practitioner"]
    return [
        RecordAccessFactory(client=studio.client, actor=practitioner, role="practitioner", action=AccessAction.READ,
                            subject="clinical record", at=datetime(2026, 11, 2, 10, tzinfo=KOLKATA)),
        RecordAccessFactory(client=studio.client, actor=panel["manager"], role="manager", action=AccessAction.EXPORT,
                            subject="=HYPERLINK(\"http://evil.test\")", at=datetime(2026, 11, 3, 0, 30, tzinfo=KOLKATA)),
        RecordAccessFactory(client=studio.other_client, actor=practitioner, role="practitioner",
                            action=AccessAction.SIGN, subject="session note 7",
                            at=datetime(2026, 11, 4, 9, tzinfo=KOLKATA)),
    ]


@pytest.mark.parametrize("role", [*PANEL_ROLES, "superuser"])
def test_who_reads_the_log(role, client, panel, log):
    user = panel[role]
    if user is not None:
        client.force_login(user)
    response = client.get(reverse(CHANGELIST))
    if role in READERS:
        assert response.status_code == 200
        assert response.context["cl"].result_count == 3
    elif role in ("anonymous", "client_a", "client_b"):
        assert response.status_code == 302
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ["manager", "superuser"])
def test_nobody_adds_changes_or_removes_a_row(role, client, panel, log):
    client.force_login(panel[role])
    entry = log[0]
    assert client.get(reverse("admin:treatments_recordaccess_add")).status_code == 403
    assert client.post(reverse("admin:treatments_recordaccess_add"), {"subject": "x"}).status_code == 403
    change = reverse("admin:treatments_recordaccess_change", args=[entry.pk])
    assert client.get(change).status_code == 200  # read-only view
    client.post(change, {"subject": "tampered", "actor_name": "nobody"})
    assert client.post(reverse("admin:treatments_recordaccess_delete", args=[entry.pk]), {"post": "yes"}
                       ).status_code == 403
    entry.refresh_from_db()
    assert (entry.subject, entry.actor_name) == ("clinical record", panel["assigned_practitioner"].get_full_name()
                                                 or panel["assigned_practitioner"].email)
    actions = client.get(reverse(CHANGELIST)).context["action_form"].fields["action"].choices
    assert [name for name, _ in actions if name] == ["export_csv"]
    response = client.post(reverse(CHANGELIST), {"action": "delete_selected", "_selected_action": [entry.pk],
                                                 "post": "yes"})
    assert response.status_code in (200, 302)
    assert RecordAccess.objects.count() == 3


@pytest.mark.parametrize(("query", "expected"), [
    ({"role": "manager"}, [1]),
    ({"action__exact": "sign"}, [2]),
    ({"at__gte": "2026-11-03 00:00:00+05:30", "at__lt": "2026-11-04 00:00:00+05:30"}, [1]),  # 00:30 in Chennai is still the 3rd there
    ({"at__year": "2026", "at__month": "11", "at__day": "2"}, [0]),
    ({"q": "session note"}, [2]),
])
def test_filters(query, expected, client, panel, log):
    client.force_login(panel["manager"])
    response = client.get(reverse(CHANGELIST), query)
    assert response.status_code == 200
    assert sorted(entry.pk for entry in response.context["cl"].result_list) == sorted(log[i].pk for i in expected)


def test_filter_by_client(client, panel, log, studio):
    client.force_login(panel["manager"])
    response = client.get(reverse(CHANGELIST), {"client__id__exact": studio.other_client.pk})
    assert [entry.pk for entry in response.context["cl"].result_list] == [log[2].pk]


def test_the_log_shows_the_clinic_s_local_time(client, panel, log):
    client.force_login(panel["manager"])
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert "03 Nov 2026, 00:30 IST" in page


def test_export_as_csv_is_logged_for_each_client_it_holds(client, panel, log, studio):
    client.force_login(panel["manager"])
    response = client.post(reverse(CHANGELIST), {"action": "export_csv",
                                                 "_selected_action": [entry.pk for entry in log]})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["at", "client_id", "client", "staff_member", "role", "action", "what", "address"]
    assert [row[0] for row in rows[1:]] == ["2026-11-04T09:00:00+05:30", "2026-11-03T00:30:00+05:30",
                                            "2026-11-02T10:00:00+05:30"]
    assert rows[2][6] == "'=HYPERLINK(\"http://evil.test\")"  # never a formula in a spreadsheet
    exports = RecordAccess.objects.filter(action=AccessAction.EXPORT, subject="access log")
    assert sorted(exports.values_list("client_id", flat=True)) == sorted([studio.client.pk, studio.other_client.pk])
    assert {entry.actor for entry in exports} == {panel["manager"]}


@pytest.mark.parametrize("query", [{"q": "\x00"}, {"at__gte": "9999-99-99"}, {"at__year": "99999"},
                                   {"client__id__exact": "x"}, {"role": "' OR 1=1 --"}, {"o": "99"}])
def test_hostile_filters_are_never_a_500(query, client, panel, log):
    client.force_login(panel["manager"])
    assert client.get(reverse(CHANGELIST), query).status_code < 500


def test_a_week_of_rows_stays_newest_first(client, panel, studio):
    start = datetime(2026, 11, 1, 9, tzinfo=KOLKATA)
    for day in range(7):
        RecordAccessFactory(client=studio.client, actor=panel["manager"], at=start + timedelta(days=day))
    client.force_login(panel["manager"])
    listed = client.get(reverse(CHANGELIST)).context["cl"].result_list
    assert [entry.at for entry in listed] == sorted((entry.at for entry in listed), reverse=True)
