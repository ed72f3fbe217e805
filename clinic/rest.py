"""What every API view shares: one error shape, pagination, and the guards
at the edge (the JSON parser, checked date fields, strict request
serializers, cache headers).

Every error leaves the API as ``{"code", "detail", "fields"}``: ``code`` is
stable for programs, ``detail`` is for people, ``fields`` maps inputs to
their messages (empty when no single input is at fault).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from itertools import accumulate

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.http import Http404
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, parsers, renderers, serializers
from rest_framework.fields import empty
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from clinic import inputs
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
    # Imported here: rest_framework.views reads the parser and renderer
    # settings, which name this module, when it is first imported.
    from rest_framework.views import exception_handler as drf_exception_handler

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
        detail = messages[0] if messages else _("Some of the input is not valid; see the fields.")
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


# -- the JSON parser ----------------------------------------------------------

MAX_JSON_DEPTH = 32

_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")


def json_depth(text: str) -> int:
    """How deep arrays and objects nest in ``text``; brackets inside strings do not count."""
    brackets = _NOT_A_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(accumulate(1 if bracket in "[{" else -1 for bracket in brackets), default=0)


def _not_finite(text: str):
    raise exceptions.ParseError(_("Numbers must be finite: NaN, Infinity and numbers too large for a float "
                                  "(such as 1e999) are not accepted."))


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        _not_finite(text)
    return number


class JSONParser(parsers.JSONParser):
    """JSON bodies; a 400 (``parse_error``) for what would crash the decoder
    or the code after it: nesting deeper than MAX_JSON_DEPTH (the decoder
    recurses once per level, and a few thousand levels exhaust the stack)
    and numbers that are not finite."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            text = stream.read().decode(parsers.get_encoding(parser_context or {}))
        except ValueError as error:
            raise exceptions.ParseError(_("JSON parse error - %(error)s") % {"error": error}) from error
        if json_depth(text) > MAX_JSON_DEPTH:
            raise exceptions.ParseError(
                _("The JSON is nested more than %(levels)s levels deep.") % {"levels": MAX_JSON_DEPTH}
            )
        try:
            return json.loads(text, parse_constant=_not_finite, parse_float=_finite_float)
        except ValueError as error:
            raise exceptions.ParseError(_("JSON parse error - %(error)s") % {"error": error}) from error


# -- what a cache may keep ------------------------------------------------------


class EncodedJSON:
    """A response body already written as JSON text, for an answer of
    thousands of rows built from a few distinct parts (the availability
    list): encoding each row again would cost more than computing it. The
    text must be what ``JSONRenderer`` would write for the same data."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class JSONRenderer(renderers.JSONRenderer):
    """JSON out. Only an anonymous read may be kept by a cache: whatever is
    answered to a signed-in caller (JWT or session), and any answer to a
    write (tokens, a new profile), is ``Cache-Control: private, no-store``.
    An ``EncodedJSON`` body is written as it is."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        context = renderer_context or {}
        request, response = context.get("request"), context.get("response")
        if request is not None and response is not None and not _anonymous_read(request):
            patch_cache_control(response, private=True, no_store=True)
        if isinstance(data, EncodedJSON):
            return data.text.encode()
        return super().render(data, accepted_media_type, renderer_context)


def _anonymous_read(request) -> bool:
    try:
        signed_in = request.user.is_authenticated
    except exceptions.APIException:  # credentials were sent, if not good ones
        signed_in = True
    return request.method in SAFE_METHODS and not signed_in


# -- dates and times in requests -------------------------------------------------


def _as_drf(check, value) -> None:
    try:
        check(value)
    except DjangoValidationError as error:
        raise serializers.ValidationError(error.messages, code=error.code) from error


class _CheckedInput:
    """Text free of control characters, and a value within clinic.inputs' bounds."""

    def run_validation(self, data=empty):
        if isinstance(data, str):
            _as_drf(inputs.refuse_control_characters, data)
        value = super().run_validation(data)
        if value is not None:
            _as_drf(inputs.within_bounds, value)
        return value


class SafeDateField(_CheckedInput, serializers.DateField):
    pass


class SafeDateTimeField(_CheckedInput, serializers.DateTimeField):
    pass


# -- strict request serializers -------------------------------------------------


class StrictFields:
    """For serializers of requests: a field the request may not send is a
    400 naming it, never silently dropped. Read-only fields are refused
    too: sent back, they would seem to change what cannot change."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            writable = [name for name, field in self.fields.items() if not field.read_only]
            refused = {
                name: [_("This field is read-only.") if name in self.fields
                       else _("Unknown field; this request takes: %(fields)s.") % {"fields": ", ".join(writable)}]
                for name in data if name not in writable
            }
            if refused:
                raise serializers.ValidationError(refused)
        return super().to_internal_value(data)


class StrictSerializer(StrictFields, serializers.Serializer):
    pass


class StrictModelSerializer(StrictFields, serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateField: SafeDateField,
        models.DateTimeField: SafeDateTimeField,
    }


def every_operation_may_refuse(result, generator, request, public):
    """drf-spectacular hook: any operation may answer 400 (a query holding a
    NUL character is refused before any view runs) and 429 (the throttles
    count every request), so the schema says so for each."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for code in (400, 429):
                responses.setdefault(str(code), {
                    "description": ERROR_MEANINGS[code],
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                })
    return result
