"""The NUL guard: PostgreSQL cannot take text holding NUL, so no request
carrying one reaches a filter, a search or a form."""

import pytest
from django.urls import reverse

from tests.api.conftest import api_as

pytestmark = pytest.mark.django_db


def test_a_nul_in_an_api_query_is_a_400_in_the_api_s_shape(people):
    response = api_as(people["client_a"]).get("/api/v1/appointments/", {"status": "confirmed\x00"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_a_nul_in_a_panel_form_is_a_400_and_nothing_is_saved(client, manager, studio):
    client.force_login(manager)
    response = client.post(reverse("admin:clinic_client_change", args=[studio.client.pk]), {
        "full_name": "Evil\x00Name", "phone": "+919840012345", "preferred_language": "en"})
    assert response.status_code == 400
    studio.client.refresh_from_db()
    assert "\x00" not in studio.client.full_name


def test_a_nul_in_the_path_is_a_400(client, manager):
    client.force_login(manager)
    assert client.get("/admin/clinic/client/\x00/change/").status_code == 400


def test_ordinary_requests_pass(client, manager):
    client.force_login(manager)
    assert client.get(reverse("admin:clinic_client_changelist"), {"q": "Priya"}).status_code == 200


def test_the_schema_says_every_operation_may_answer_400_and_429(people):
    schema = api_as(people["client_a"]).get("/api/v1/schema/?format=json").json()
    answers = {(method, path): set(operation["responses"])
               for path, operations in schema["paths"].items() for method, operation in operations.items()}
    assert answers and all({"400", "429"} <= codes for codes in answers.values()), answers
