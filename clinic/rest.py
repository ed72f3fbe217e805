"""What every API view shares: one error shape and pagination.

Every error leaves the API as ``{"code", "detail", "fields"}``: ``code`` is
stable for programs, ``detail`` is for people, ``fields`` maps inputs to
their messages (empty when no single input is at fault).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from clinic.errors import DomainError


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _flatten(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _flatten(value)]
    return [str(detail)]


def _fields(detail) -> dict[str, list[str]]:
    if not isinstance(detail, dict):
        return {}
    return {name: _flatten(value) for name, value in detail.items() if name != "non_field_errors"}


def error_body(code: str, detail: str, fields: dict[str, list[str]] | None = None) -> dict:
    return {"code": code, "detail": detail, "fields": fields or {}}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.field_messages), status=int(exc.kind))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields(exc.detail)
        messages = _flatten(exc.detail.get("non_field_errors", [])) if isinstance(exc.detail, dict) else _flatten(
            exc.detail
        )
        detail = messages[0] if messages else "Some of the input is not valid; see the fields."
        response.data = error_body("invalid", detail, fields)
    else:
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        response.data = error_body(code, str(exc.detail))
    return response


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, for programs: e.g. invalid, not_found, slot_unavailable.")
    detail = serializers.CharField(help_text="For people.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), help_text="Messages per input field."
    )


ERROR_MEANINGS = {
    400: "The input is not valid.",
    401: "Sign in first, or the token has expired.",
    403: "Signed in, but not allowed to do this.",
    404: "Not found, or not yours to see.",
    409: "The request conflicts with the current state (e.g. the slot was taken).",
    429: "Too many requests; wait and retry.",
    503: "Too busy to decide now; retry shortly.",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """Schema entries for the errors an endpoint may answer with."""
    return {code: OpenApiResponse(ErrorSerializer, description=ERROR_MEANINGS[code]) for code in statuses}
