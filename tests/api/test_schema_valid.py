"""The OpenAPI schema is a valid document with clean names, and
drf-spectacular builds it without a warning."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from openapi_spec_validator import validate
from rest_framework.test import APIClient


@pytest.fixture
def schema(db) -> dict:
    response = APIClient().get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_passes_the_openapi_validator(schema):
    validate(schema)


def test_no_component_name_repeats_its_last_word(schema):
    """COMPONENT_SPLIT_REQUEST adds "Request" to request bodies, so a
    serializer named ``...Request`` became ``...RequestRequest``."""
    doubled = []
    for name in schema["components"]["schemas"]:
        words = re.findall(r"[A-Z][a-z0-9]*", name)
        if len(words) >= 2 and words[-1] == words[-2]:
            doubled.append(name)
    assert doubled == []


def test_path_parameters_are_declared_only_where_the_path_has_them(schema):
    for path, operations in schema["paths"].items():
        in_path = set(re.findall(r"{(\w+)}", path))
        for method, operation in operations.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == in_path, (method, path)


def test_spectacular_builds_the_schema_without_warnings(tmp_path):
    """As ``manage.py spectacular --validate --fail-on-warn``: any warning or
    error while building the schema fails."""
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
