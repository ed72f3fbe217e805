"""The project's URLs plus ``POST /bench/bare/``: the baseline the booking
benchmark compares against.

The baseline goes through the same stack as a booking request (middleware,
DRF, JWT authentication as configured in ``REST_FRAMEWORK``, the default
throttles, ``IsAuthenticated``, JSON parsing and rendering) and writes one
row with a single INSERT into ``bench_bare``, a table the benchmark creates
in its throw-away database. Whatever a booking costs beyond this is the
booking itself.
"""

from __future__ import annotations

from django.db import connection
from django.urls import path
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.urls import handler404, handler500  # noqa: F401  (the same error pages)
from clinic.urls import urlpatterns as clinic_urlpatterns

BARE_TABLE_SQL = (
    "CREATE TABLE IF NOT EXISTS bench_bare "
    "(id bigserial PRIMARY KEY, user_id bigint, at timestamptz NOT NULL DEFAULT now())"
)


class BareView(APIView):
    """Authenticate, parse the body, INSERT one row, answer 201."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        request.data  # parse the JSON body, as a booking request does  # noqa: B018
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_bare (user_id) VALUES (%s) RETURNING id", [request.user.pk])
            (row_id,) = cursor.fetchone()
        return Response({"id": row_id}, status=status.HTTP_201_CREATED)


urlpatterns = [*clinic_urlpatterns, path("bench/bare/", BareView.as_view(), name="bench-bare")]
