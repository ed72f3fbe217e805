"""The staff panel: every model is there for a manager, and each role sees
only what its group allows."""

import pytest
from django.contrib import admin
from django.urls import reverse

from clinic.demo import load_demo
from tests.clinic.factories import ClientFactory

pytestmark = pytest.mark.django_db

OUR_APPS = {"clinic", "treatments", "bookings"}
OUR_MODELS = [model for model in admin.site._registry if model._meta.app_label in OUR_APPS]


def admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


@pytest.fixture
def demo(db):
    load_demo()


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda m: m._meta.label)
def test_manager_can_list_search_add_and_open_every_model(client, rf, manager, demo, model):
    client.force_login(manager)
    assert client.get(admin_url(model, "changelist")).status_code == 200
    assert client.get(admin_url(model, "changelist"), {"q": "a"}).status_code == 200
    request = rf.get("/")
    request.user = manager
    addable = admin.site._registry[model].has_add_permission(request)
    assert client.get(admin_url(model, "add")).status_code == (200 if addable else 403)
    first = admin.site._registry[model].get_queryset(request).first()
    assert first is not None, f"demo data shows a manager no {model._meta.label}"
    assert client.get(admin_url(model, "change", first.pk)).status_code == 200


def test_catalogue_is_visible_in_the_staff_panel(client, manager):
    client.force_login(manager)
    page = client.get(reverse("admin:treatments_service_changelist")).content.decode()
    assert "Back massage" in page and "Foot reflexology" in page and "Neck &amp; back acupressure" in page
    assert "₹2,000.00" in page


def test_client_list_costs_the_same_queries_for_more_rows(client, manager, django_assert_max_num_queries):
    ClientFactory.create_batch(3)
    client.force_login(manager)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("admin:clinic_client_changelist"))
    ClientFactory.create_batch(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("admin:clinic_client_changelist"))


def test_receptionist_manages_clients_but_not_the_catalogue(client, receptionist):
    target = ClientFactory()
    client.force_login(receptionist)
    assert client.get(reverse("admin:clinic_client_changelist")).status_code == 200
    assert client.get(reverse("admin:clinic_client_add")).status_code == 200
    assert client.get(reverse("admin:clinic_client_delete", args=[target.pk])).status_code == 403
    assert client.get(reverse("admin:treatments_service_changelist")).status_code == 200
    assert client.get(reverse("admin:treatments_service_add")).status_code == 403
    assert client.get(reverse("admin:clinic_user_changelist")).status_code == 403


def test_receptionist_can_register_a_walk_in(client, receptionist):
    client.force_login(receptionist)
    response = client.post(
        reverse("admin:clinic_client_add"),
        {"full_name": "Walk-in Ravi", "phone": "98400 55555", "email": "", "preferred_language": "ta"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    from clinic.models import Client

    assert str(Client.objects.get(full_name="Walk-in Ravi").phone) == "+919840055555"


def test_a_client_form_without_contact_shows_the_reason(client, receptionist):
    client.force_login(receptionist)
    response = client.post(
        reverse("admin:clinic_client_add"), {"full_name": "Ghost", "phone": "", "email": "", "preferred_language": "en"}
    )
    assert response.status_code == 200
    assert "Give a phone number or an email address" in response.content.decode()


@pytest.mark.parametrize("who", ["anonymous", "client_user", "outsider"])
def test_people_without_a_staff_role_are_sent_to_the_login(client, request, who):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("admin:clinic_client_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
