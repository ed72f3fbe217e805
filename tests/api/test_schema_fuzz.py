"""Schemathesis drives the API from its own OpenAPI schema: generated
requests, valid and not, must never meet a server error or an answer the
schema does not describe."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


# Read at collection: serving the schema touches no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())


@pytest.fixture
def wsgi_in_test_transaction():
    """The WSGI handler closes the database connection after each request;
    inside a test that would end the test's transaction. Django's own test
    client switches this off the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(people) -> dict[str, str]:
    return {"Authorization": f"Bearer {RefreshToken.for_user(people['client_a']).access_token}"}


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_honours_its_schema(case, bearer, booked, wsgi_in_test_transaction):
    """Signed in as a client who has an appointment, so that ids in paths
    sometimes exist; the throttles' 429 is part of the schema too."""
    case.call_and_validate(headers=bearer, checks=CHECKS)
