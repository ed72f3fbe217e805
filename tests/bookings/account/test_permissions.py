"""Every account page, walked by every role: anonymous visitors are sent
to sign in (and brought back), a client sees only their own, and staff
are refused with a pointer to the panel."""

from __future__ import annotations

import pytest

from tests.bookings.account.conftest import ROLES, STAFF, web_as

PAGES = ["/account/", "/account/profile/", "/account/home-care/", "/account/record-access/"]
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", PAGES + ["/account/bookings/{pk}/cancel/"])
@pytest.mark.parametrize("role", ROLES)
def test_each_role_on_each_page(people, booked, role, url):
    url = url.format(pk=booked.pk)
    response = web_as(people[role]).get(url)
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/account/sign-in/?next=")
    elif role in STAFF:
        assert response.status_code == 403
        assert b'data-testid="staff-refused"' in response.content and b"staff panel" in response.content
    elif role == "client_b" and "cancel" in url:
        assert response.status_code == 404
    else:
        assert response.status_code == 200
        assert b'data-testid="account-nav"' in response.content


def test_a_login_with_no_client_record_is_refused(outsider):
    for url in PAGES:
        response = web_as(outsider).get(url)
        assert response.status_code == 403 and b"no client profile" in response.content


@pytest.mark.parametrize("role", STAFF)
def test_staff_cannot_post_as_a_client(people, booked, role):
    web = web_as(people[role])
    assert web.post(f"/account/bookings/{booked.pk}/cancel/").status_code == 403
    assert web.post("/account/profile/", {"full_name": "X", "preferred_language": "en"}).status_code == 403
    booked.refresh_from_db()
    assert booked.status == "confirmed"


def test_the_pages_are_not_cached(people):
    response = web_as(people["client_a"]).get("/account/")
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_a_staff_login_bound_to_a_client_record_is_still_refused(studio, manager):
    """The panel's forms never bind a client record to a staff login, but an
    older row might: the role decides, not the record."""
    studio.client.user = manager
    studio.client.save(update_fields=["user"])
    for url in PAGES:
        assert web_as(manager).get(url).status_code == 403
    response = web_as().post("/account/sign-in/", {"email": manager.email, "password": "pass-for-tests"})
    assert response.status_code == 403 and b"staff panel" in response.content
