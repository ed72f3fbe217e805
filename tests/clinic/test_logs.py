"""What the app logs about requests (``LOGGING`` in clinic/settings/base.py,
``clinic.logs``): nothing of its own for a 4xx, the access log has that
line; a 5xx once, with its traceback."""

from __future__ import annotations

import io
import logging

import pytest
from django.urls import path, reverse

from tests.api.conftest import api_as

pytestmark = pytest.mark.django_db


def boom(request):
    raise RuntimeError("boom for the log test")


urlpatterns = [path("boom/", boom)]


@pytest.fixture
def printed(settings):
    """Everything the handlers on django.request's way up to the root would
    print, in one text (pytest's capture handlers left out)."""
    text = io.StringIO()
    swapped = []
    logger = logging.getLogger("django.request")
    while logger:
        for handler in logger.handlers:
            if type(handler) is logging.StreamHandler:
                swapped.append((handler, handler.setStream(text)))
        logger = logger.parent if logger.propagate else None
    assert swapped, "no console handler configured"
    yield text
    for handler, stream in swapped:
        handler.setStream(stream)


def test_a_forbidden_panel_page_logs_no_traceback(client, receptionist, printed):
    client.force_login(receptionist)
    assert client.get(reverse("admin:clinic_user_changelist")).status_code == 403  # PermissionDenied in the view
    assert printed.getvalue() == ""


def test_api_refusals_log_nothing(people, booked, printed):
    assert api_as().get("/api/v1/me/").status_code == 401
    assert api_as().post("/api/v1/auth/token/", {}, format="json").status_code == 400
    assert api_as(people["assigned_practitioner"]).post("/api/v1/appointments/", {}, format="json").status_code == 403
    assert api_as(people["client_b"]).get(f"/api/v1/appointments/{booked.pk}/").status_code == 404
    assert api_as().get("/nowhere/").status_code == 404
    assert printed.getvalue() == ""


def test_a_refused_host_keeps_its_line_but_no_traceback(client, printed):
    assert client.get("/healthz", HTTP_HOST="evil.example").status_code == 400
    assert printed.getvalue().count("Invalid HTTP_HOST header") == 1
    assert "Traceback" not in printed.getvalue()


@pytest.mark.parametrize("debug", [False, True])
def test_a_server_error_is_logged_once_with_its_traceback(client, settings, printed, debug):
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = debug
    client.raise_request_exception = False
    assert client.get("/boom/").status_code == 500
    logged = printed.getvalue()
    assert logged.count("Internal Server Error: /boom/") == 1
    assert logged.count("Traceback (most recent call last)") == 1
    assert "RuntimeError: boom for the log test" in logged
