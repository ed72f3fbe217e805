"""The catalogue in the staff panel: the rooms that suit a service."""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from tests.clinic.factories import LocationFactory, RoomFactory
from tests.treatments.factories import ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rooms():
    studio = LocationFactory(name="Anna Nagar studio")
    closed = LocationFactory(name="Old studio", active=False)
    return {
        "room": RoomFactory(location=studio, name="Room 1"),
        "lounge": RoomFactory(location=studio, name="Foot care lounge"),
        "resting": RoomFactory(location=studio, name="Store room", active=False),
        "elsewhere": RoomFactory(location=closed, name="Back room"),
    }


def change_page(client, service):
    return client.get(reverse("admin:treatments_service_change", args=[service.pk]))


def test_a_manager_picks_the_rooms_that_suit_a_service(client, manager, rooms):
    service = ServiceFactory(name="Hand reflexology")
    client.force_login(manager)
    data = {**model_to_dict(service, exclude=["id", "rooms"]), "rooms": [rooms["lounge"].pk]}
    response = client.post(reverse("admin:treatments_service_change", args=[service.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(service.rooms.all()) == [rooms["lounge"]]


def test_the_rooms_offered_are_those_in_use_and_those_listed(client, manager, rooms):
    service = ServiceFactory()
    client.force_login(manager)
    offered = set(change_page(client, service).context["adminform"].form.fields["rooms"].queryset)
    assert offered == {rooms["room"], rooms["lounge"]}

    service.rooms.add(rooms["resting"])  # closed for a while: saving the page must not drop it
    offered = set(change_page(client, service).context["adminform"].form.fields["rooms"].queryset)
    assert offered == {rooms["room"], rooms["lounge"], rooms["resting"]}


def test_the_room_list_shows_the_services_that_list_each_room(client, manager, rooms):
    ServiceFactory(name="Hand reflexology", duration_minutes=25).rooms.add(rooms["lounge"])
    client.force_login(manager)
    page = client.get(reverse("admin:clinic_room_changelist")).content.decode()
    assert "Hand reflexology (25 min)" in page
