"""Every staff-panel page, opened by every role with hostile addresses:
whatever the role and whatever the query string, no page answers 500.

Each role walks every registered page (lists, with filters and searches
holding garbage, years the calendar cannot reach and NUL characters; add,
change, history and delete pages of a row it may or may not see; the
search behind each autocomplete box) on the demo studio's data.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from django.core.exceptions import ValidationError

from bookings.models import Appointment, TimeOff
from clinic.demo import load_demo
from clinic.models import User
from tests.bookings.test_policies import staff  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

HOSTILE_VALUES = ["\x00", "99999999999999999999999", "' OR 1=1 --"]


def url(model, action: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def filter_names(model_admin) -> list[str]:
    names = []
    for entry in model_admin.list_filter:
        name = entry if isinstance(entry, str) else getattr(entry, "parameter_name", None) or entry[0]
        names += [name, f"{name}__exact", f"{name}__id__exact", f"{name}__gte"]
    return names


def list_queries(model_admin) -> list[dict]:
    queries = [{"q": value} for value in HOSTILE_VALUES]
    queries += [{name: "9999-99-99"} for name in filter_names(model_admin)]
    queries += [{"o": "99.-99"}, {"p": "99999"}, {"all": ""}, {"_to_field": "password"}, {"e": "1"},
                {"\x00": "x"}, {"id__in": "1,x"}]
    if model_admin.date_hierarchy:
        field = model_admin.date_hierarchy
        for year, month, day in (("9999", "12", "31"), ("1", "1", "1"), ("0", None, None), ("2026", "13", None),
                                 ("2026", "2", "30"), ("x", None, None), ("99999", None, None)):
            query = {f"{field}__year": year}
            if month:
                query[f"{field}__month"] = month
            if day:
                query[f"{field}__day"] = day
            queries.append(query)
    return queries


# The calendar's pages (``admin.site.add_page``), and what their query
# strings may hold.
PAGES = ["admin:bookings_calendar", "admin:bookings_calendar_week", "admin:bookings_calendar_rooms",
         "admin:bookings_calendar_move"]
PAGE_QUERIES = [{"date": value} for value in [*HOSTILE_VALUES, "9999-12-31", "1900-01-01", "2026-02-30", ""]]
PAGE_QUERIES += [{"location": value} for value in [*HOSTILE_VALUES, "0"]]
PAGE_QUERIES += [{"practitioner": value} for value in [*HOSTILE_VALUES, "0"]]
PAGE_QUERIES += [{"practitioner": ["1", "x"]}, {"date": "2200-12-31"}]


@pytest.fixture
def demo_and_staff(staff):
    load_demo()
    staff["superuser"] = User.objects.create_superuser(email="root@studio.test", password="x-long-enough-1")
    return staff


def crawl(client, user) -> list[str]:
    if user is not None:
        client.force_login(user)
    failures = []

    def visit(path, query=None):
        response = client.get(path, query or {})
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {path} {query!r}")

    visit(reverse("admin:index"))
    for page in PAGES:
        for query in [{}, *PAGE_QUERIES]:
            visit(reverse(page), query)
    for path in (reverse("admin:reports"), reverse("admin:reports_csv", args=["utilisation"]),
                 reverse("admin:reports_csv", args=["no-such-report"])):
        visit(path)
        for value in [*HOSTILE_VALUES, "2026-02-30", "9999-12-31"]:
            for name in ("location", "start", "end"):
                visit(path, {name: value})
        visit(path, {"location": "1", "start": "1900-01-01", "end": "2200-12-31"})
    for model, model_admin in admin.site._registry.items():
        changelist = url(model, "changelist")
        visit(changelist)
        for query in list_queries(model_admin):
            visit(changelist, query)
        visit(url(model, "add"))
        instance = model._default_manager.order_by("pk").first()
        for action in ("change", "history", "delete"):
            for pk in ([instance.pk] if instance else []) + ["x", "99999999999999999999"]:
                try:
                    visit(url(model, action, pk))
                except NoReverseMatch:
                    pass
        for name in getattr(model_admin, "crawled_pages", ()):
            for pk in ([instance.pk] if instance else []) + ["x", "99999999999999999999"]:
                for query in [{}, *list_queries(model_admin)[:3], {"day": "9999-99-99"}, {"next": "//evil"}]:
                    visit(reverse(f"admin:{name}", args=[pk]), query)
        for field in model_admin.autocomplete_fields:
            for term in ("", "\x00", "a" * 500):
                visit(reverse("admin:autocomplete"), {
                    "app_label": model._meta.app_label, "model_name": model._meta.model_name,
                    "field_name": field, "term": term})
    # The pages that belong to no model (the home page, the walk-in, ...).
    for page in admin.site._pages:
        if "<" in page.route:
            continue
        for query in [{}, *({"q": value, "phone": value, "day": value} for value in HOSTILE_VALUES)]:
            visit(reverse(f"admin:{page.name}"), query)
    return failures


ROLES = ["anonymous", "client_a", "assigned_practitioner", "other_practitioner", "receptionist", "manager",
         "superuser"]


@pytest.mark.parametrize("role", ROLES)
def test_no_panel_page_answers_500_to_any_role(client, demo_and_staff, role):
    assert Appointment.objects.exists()
    assert crawl(client, demo_and_staff[role]) == []


def test_a_year_past_the_calendar_is_an_invalid_filter_not_a_crash(client, demo_and_staff):
    client.force_login(demo_and_staff["manager"])
    response = client.get(reverse("admin:bookings_appointment_changelist"), {"start__year": "9999"})
    assert response.status_code == 302 and response["Location"].endswith("?e=1")
    assert client.get(reverse("admin:bookings_appointment_changelist"), {"start__year": "2026"}).status_code == 200


def test_a_nul_character_is_refused_before_any_filter(client, demo_and_staff):
    client.force_login(demo_and_staff["manager"])
    response = client.get(reverse("admin:clinic_client_changelist"), {"q": "Pri\x00ya"})
    assert response.status_code == 400


def test_a_date_past_the_calendar_in_a_form_is_a_field_error_not_a_crash(client, demo_and_staff, studio):
    client.force_login(demo_and_staff["manager"])
    before = Appointment.objects.count()
    response = client.post(reverse("admin:bookings_appointment_add"), {
        "client": studio.client.pk, "practitioner": studio.practitioner.pk, "service": studio.service.pk,
        "start_0": "9999-12-31", "start_1": "23:45:00", "notes_for_practitioner": "",
        "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0"})
    assert response.status_code == 200
    assert "start" in response.context["adminform"].form.errors
    assert Appointment.objects.count() == before


def test_inline_dates_are_bounded_too(client, demo_and_staff, studio):
    client.force_login(demo_and_staff["manager"])
    page = reverse("admin:clinic_practitioner_change", args=[studio.practitioner.pk])
    inlines = client.get(page).context["inline_admin_formsets"]
    time_off = next(inline.formset for inline in inlines if inline.formset.model is TimeOff)
    field = time_off.empty_form.fields["start"]
    with pytest.raises(ValidationError):
        field.clean(["9999-12-31", "10:00"])
