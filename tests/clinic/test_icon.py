"""The clinic's icon: every page links it, and ``/favicon.ico``, which
browsers ask for unprompted, leads to it instead of a 404 page."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db


def linked_icon(html: str) -> str:
    found = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)
    assert found, "the page links no icon"
    return found.group(1)


ROLES = ["anonymous", "client_a", "client_b", "assigned_practitioner", "other_practitioner", "receptionist",
         "manager"]


@pytest.mark.parametrize("role", ROLES)
def test_favicon_ico_leads_every_role_to_the_icon_the_pages_link(people, role):
    web = Client()
    if people[role] is not None:
        web.force_login(people[role])
    response = web.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == linked_icon(web.get("/book/").content.decode())
    assert finders.find("site/icon.svg"), "the icon is not among the static files"


@pytest.mark.parametrize("path", ["/book/", "/account/sign-in/", "/admin/login/"])
def test_client_pages_and_the_panel_link_the_icon(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert linked_icon(response.content.decode()).endswith(".svg")


def test_a_panel_page_behind_the_login_links_it_too(admin_client):
    assert linked_icon(admin_client.get("/admin/").content.decode())
