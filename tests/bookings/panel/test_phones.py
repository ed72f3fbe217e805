"""A phone number typed the way people say it finds the client, and a
second client with the same number is saved with a warning, not refused
(families share one)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clinic.admin import typed_phone
from clinic.models import Client
from tests.bookings.panel.test_front_desk import clock, day  # noqa: F401  (fixtures)
from tests.bookings.test_policies import staff  # noqa: F401  (fixture)
from tests.clinic.factories import ClientFactory

pytestmark = pytest.mark.django_db

LAKSHMI = "+919840012345"
CLIENTS = reverse("admin:clinic_client_changelist")
ADD_CLIENT = reverse("admin:clinic_client_add")


@pytest.mark.parametrize("typed", [
    "09840012345", "9840012345", "+919840012345", "919840012345", "+91 98400 12345", "098400-12345",
    "(098400) 12345", "0091 98400 12345", " 98400 12345 ", "+91-98400-12345",
])
def test_every_common_way_of_typing_an_indian_mobile_reads_the_same(typed):
    assert typed_phone(typed) == LAKSHMI


def test_a_landline_with_its_std_code_reads_too():
    assert typed_phone("044 2626 1234") == "+914426261234"


@pytest.mark.parametrize("typed", ["", "   ", "98400", "Lakshmi", "+1 202", "0" * 50, "12345678901234567890"])
def test_what_is_no_number_reads_as_none(typed):
    assert typed_phone(typed) is None


@pytest.mark.parametrize("typed", ["09840012345", "+91 98400 12345", "919840012345", "98400"])
def test_the_client_list_finds_the_client_however_the_number_is_typed(client, receptionist, typed):
    lakshmi = ClientFactory(full_name="Lakshmi N.", phone=LAKSHMI)
    ClientFactory(full_name="Someone else", phone="+919884054321")
    client.force_login(receptionist)
    found = client.get(CLIENTS, {"q": typed}).context["cl"].result_list
    assert [row.pk for row in found] == [lakshmi.pk]


def test_the_appointment_list_finds_a_client_s_appointments_by_a_typed_number(client, staff, day, studio):  # noqa: F811
    studio.client.phone = LAKSHMI
    studio.client.save(update_fields=["phone"])
    client.force_login(staff["receptionist"])
    found = client.get(reverse("admin:bookings_appointment_changelist"), {"q": "098400 12345"}).context["cl"]
    assert [row.pk for row in found.result_list] == [day["due"].pk]


def new_client(**fields) -> dict:
    return {"full_name": "Suresh N.", "phone": "098400 12345", "email": "", "date_of_birth": "",
            "preferred_language": "en", "emergency_contact_name": "", "emergency_contact_phone": "",
            "staff_remarks": "", **fields}


def warnings_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"] if message.level_tag == "warning"]


def test_a_second_client_with_the_same_phone_is_saved_with_a_warning(client, receptionist):
    lakshmi = ClientFactory(full_name="Lakshmi N.", phone=LAKSHMI)
    client.force_login(receptionist)
    response = client.post(ADD_CLIENT, new_client(), follow=True)
    assert response.status_code == 200
    suresh = Client.objects.get(full_name="Suresh N.")
    assert str(suresh.phone) == LAKSHMI
    [warning] = warnings_of(response)
    assert "Lakshmi N." in warning and reverse("admin:clinic_client_change", args=[lakshmi.pk]) in warning


def test_a_number_of_its_own_saves_without_a_warning(client, receptionist):
    ClientFactory(full_name="Lakshmi N.", phone=LAKSHMI)
    client.force_login(receptionist)
    response = client.post(ADD_CLIENT, new_client(phone="+91 98840 54321"), follow=True)
    assert Client.objects.filter(full_name="Suresh N.").exists() and warnings_of(response) == []


def test_changing_to_a_shared_number_warns_and_keeping_it_does_not_again(client, receptionist):
    ClientFactory(full_name="Lakshmi N.", phone=LAKSHMI)
    suresh = ClientFactory(full_name="Suresh N.", phone="+919884054321", email="")
    client.force_login(receptionist)
    change = reverse("admin:clinic_client_change", args=[suresh.pk])
    assert len(warnings_of(client.post(change, new_client(), follow=True))) == 1
    assert warnings_of(client.post(change, new_client(full_name="Suresh Narayanan"), follow=True)) == []
