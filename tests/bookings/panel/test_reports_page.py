"""The reports page and its CSV downloads: who may open them (managers;
every other role refused), what they show of the hand-computed week
(``reports_data.py``), and bad input answered on the form."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from bookings import policies
from bookings.admin.reports import MAX_DAYS, TABLES
from bookings.models import AppointmentStatus, Notification
from clinic.models import User
from tests.bookings.panel.reports_data import FIRST_DAY, LAST_DAY, appointment, build_week, ist
from tests.bookings.test_policies import staff  # noqa: F401  (fixture)
from tests.clinic.factories import ClientFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "client_a", "client_b", "assigned_practitioner", "other_practitioner", "receptionist",
         "manager", "superuser"]
# What each role gets from the page and every download.
EXPECTED = {
    "anonymous": "sign_in", "client_a": "sign_in", "client_b": "sign_in",
    "assigned_practitioner": 403, "other_practitioner": 403, "receptionist": 403,
    "manager": 200, "superuser": 200,
}


@pytest.fixture
def people_and_root(staff):  # noqa: F811
    staff["superuser"] = User.objects.create_superuser(email="root@reports.test", password="x-long-enough-1")
    return staff


@pytest.fixture
def week():
    return build_week()


def query(week, **changes) -> dict:
    return {"location": week.location.pk, "start": FIRST_DAY.isoformat(), "end": LAST_DAY.isoformat(), **changes}


def open_as(client, user, path, data=None):
    if user is not None:
        client.force_login(user)
    return client.get(path, data or {})


@pytest.mark.parametrize("role", ROLES)
def test_only_managers_may_see_reports(role, people_and_root):
    user = people_and_root[role] or AnonymousUser()
    assert policies.may_see_reports(user) is (EXPECTED[role] == 200)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", [None, *TABLES])
def test_who_may_open_the_page_and_each_download(role, name, client, people_and_root, week):
    path = reverse("admin:reports") if name is None else reverse("admin:reports_csv", args=[name])
    response = open_as(client, people_and_root[role], path, query(week))
    expected = EXPECTED[role]
    if expected == "sign_in":
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        return
    assert response.status_code == expected
    if expected == 200:
        assert "no-store" in response["Cache-Control"]
        if name is not None:
            assert response["Content-Type"].startswith("text/csv")
    else:
        assert b"5,300" not in response.content


def test_the_page_shows_the_hand_computed_figures(client, people_and_root, week):
    response = open_as(client, people_and_root["manager"], reverse("admin:reports"), query(week))
    assert response.status_code == 200
    page = response.content.decode()
    tables = {table.name: table for table in response.context["tables"]}
    assert list(tables) == list(TABLES)
    assert [[cell.replace("\u00a0", " ") for cell in row] for row in tables["utilisation"].rows] == [
        ["Asha", "25 h 00 min", "3 h 45 min", "4", "15.0%"], ["Bala", "14 h 00 min", "3 h 15 min", "4", "23.2%"]]
    assert tables["revenue-by-service"].rows == [["Back rub (60 min)", "2", "₹2,900.00"],
                                                 ["Foot rub (45 min)", "2", "₹2,400.00"]]
    assert tables["revenue-by-service"].footer == ["Total", "4", "₹5,300.00"]
    assert tables["revenue-by-practitioner"].rows == [["Asha", "2", "₹2,700.00"], ["Bala", "2", "₹2,600.00"]]
    assert tables["clients"].rows == [["New clients", "1", "33.3%", "2"], ["Returning clients", "2", "66.7%", "2"]]
    assert tables["attendance"].rows == [
        ["Before reminders started", "4", "1", "25.0%", "0", "0.0%"],
        ["Since reminders started", "4", "1", "25.0%", "1", "25.0%"],
        ["The whole period", "8", "2", "25.0%", "1", "12.5%"]]
    assert "Reminders started here on Wed 03 Feb 2027, 08:00 IST" in page
    assert tables["reminders"].rows == [["Email", "2", "1", "66.7%"], ["SMS", "1", "1", "50.0%"],
                                        ["WhatsApp", "1", "0", "100.0%"]]
    assert "2 of 4 appointments that got a reminder were confirmed by the client (50.0%)." in page
    # The rules behind the figures are on the page.
    assert "no-shows count nothing" in page and "7 days on the location's clocks (Asia/Kolkata)" in page
    # A chart beside each table, named for screen readers, a bar per row.
    assert page.count('class="bar-chart"') == len(TABLES)
    assert 'aria-labelledby="chart-utilisation-title chart-utilisation-desc"' in page
    assert 'data-label="Asha" data-value="15.0%"' in page


def test_each_download_holds_the_raw_figures(client, people_and_root, week):
    client.force_login(people_and_root["manager"])

    def rows(name):
        response = client.get(reverse("admin:reports_csv", args=[name]), query(week))
        assert response.status_code == 200
        assert f'filename="{name}-{week.location.pk}-2027-02-01-2027-02-07.csv"' in response["Content-Disposition"]
        return list(csv.reader(io.StringIO(response.content.decode())))

    assert rows("utilisation") == [["practitioner", "working_minutes", "booked_minutes", "appointments",
                                    "utilisation"], ["Asha", "1500", "225", "4", "0.1500"],
                                   ["Bala", "840", "195", "4", "0.2321"]]
    assert rows("revenue-by-service")[1:] == [["Back rub (60 min)", "2", "2900.00"], ["Foot rub (45 min)", "2", "2400.00"]]
    assert rows("revenue-by-practitioner")[1:] == [["Asha", "2", "2700.00"], ["Bala", "2", "2600.00"]]
    assert rows("clients")[1:] == [["new", "1", "2"], ["returning", "2", "2"]]
    assert rows("attendance")[1:] == [["before", "4", "1", "0.2500", "0", "0.0000"],
                                      ["since", "4", "1", "0.2500", "1", "0.2500"],
                                      ["all", "8", "2", "0.2500", "1", "0.1250"]]
    # Every row in the columns its header names: the confirmations too (they were
    # written under "sent" and "failed", so a spreadsheet read 4 reminders as failed).
    assert rows("reminders") == [["measure", "channel", "count", "out_of", "rate"],
                                 ["delivered", "email", "2", "3", "0.6667"], ["delivered", "sms", "1", "2", "0.5000"],
                                 ["delivered", "whatsapp", "1", "1", "1.0000"], ["confirmed", "", "2", "4", "0.5000"]]


def test_a_name_that_would_run_as_a_formula_is_written_as_text(client, people_and_root, week):
    week.asha.display_name = "=HYPERLINK(\"x\")"
    week.asha.save(update_fields=["display_name"])
    client.force_login(people_and_root["manager"])
    body = client.get(reverse("admin:reports_csv", args=["utilisation"]), query(week)).content.decode()
    assert "'=HYPERLINK" in body


def test_without_a_query_the_page_shows_the_last_30_days_of_the_first_open_location(client, people_and_root, week):
    response = open_as(client, people_and_root["manager"], reverse("admin:reports"))
    assert response.status_code == 200
    period = response.context["period"]
    assert period.location.name == "Adyar studio" and period.days == 30


@pytest.mark.parametrize(("changes", "field"), [
    ({"end": "2027-01-01"}, "end"),  # before the start
    ({"start": "9999-12-31", "end": "9999-12-31"}, "start"),
    ({"start": "0001-01-01"}, "start"),
    ({"start": "2027-02-01\n"}, "start"),
    ({"start": "\x00"}, None),  # refused before the page, by the panel's middleware
    ({"start": "2027-02-30"}, "start"),
    ({"start": "2020-01-01", "end": "2027-01-01"}, "end"),  # longer than MAX_DAYS
    ({"location": "99999999999999999999"}, "location"),
    ({"location": "x"}, "location"),
    ({"location": ""}, "location"),
])
def test_bad_input_is_answered_on_the_form(changes, field, client, people_and_root, week):
    client.force_login(people_and_root["manager"])
    for path in (reverse("admin:reports"), reverse("admin:reports_csv", args=["utilisation"])):
        response = client.get(path, query(week, **changes))
        assert response.status_code == 400
        if field is None:
            continue
        assert field in response.context["form"].errors
        assert response.context["tables"] == []


def test_the_longest_period_is_allowed(client, people_and_root, week):
    client.force_login(people_and_root["manager"])
    from datetime import timedelta
    response = client.get(reverse("admin:reports"), query(
        week, end=(FIRST_DAY + timedelta(days=MAX_DAYS - 1)).isoformat()))
    assert response.status_code == 200


def test_an_unknown_report_is_a_404(client, people_and_root, week):
    client.force_login(people_and_root["manager"])
    assert client.get("/admin/reports/nothing.csv", query(week)).status_code == 404


def test_the_page_costs_the_same_queries_however_busy_the_period(client, people_and_root, week):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        fresh = User.objects.get(pk=people_and_root["manager"].pk)
        client.force_login(fresh)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("admin:reports"), query(week)).status_code == 200
        return len(captured.captured_queries)

    before = queries()
    for day in range(1, 5):
        appointment(week, practitioner=week.bala, service=week.foot, start=ist(day, 13),
                    status=AppointmentStatus.COMPLETED, client=ClientFactory())
    assert queries() == before


def test_a_quiet_period_shows_empty_tables_and_says_reminders_never_started(client, people_and_root, week):
    client.force_login(people_and_root["manager"])
    response = client.get(reverse("admin:reports"), query(week, start="2030-01-01", end="2030-01-31"))
    assert response.status_code == 200
    page = response.content.decode()
    tables = {table.name: table for table in response.context["tables"]}
    assert tables["revenue-by-service"].rows == [] and "Nothing in this period." in page
    assert "Nothing to show for this period" in page
    quiet = client.get(reverse("admin:reports"), query(week, location=week.elsewhere.pk)).content.decode()
    assert "No reminder has been sent at this location yet, so there is no before and after." not in quiet
    Notification.objects.filter(appointment__location=week.elsewhere).delete()
    quiet = client.get(reverse("admin:reports"), query(week, location=week.elsewhere.pk)).content.decode()
    assert "No reminder has been sent at this location yet, so there is no before and after." in quiet
