"""Input that once made a 500, or was silently dropped: every such request is
now a 400 in the common error shape, naming the input at fault."""

from __future__ import annotations

import io
import json

import pytest
from rest_framework.exceptions import ParseError
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from bookings.models import Appointment
from clinic.rest import MAX_JSON_DEPTH, JSONParser
from tests.api.conftest import api_as
from tests.scenario import local, next_tuesday

pytestmark = pytest.mark.django_db

CONTROL_MESSAGE = "control character"
BOUNDS_MESSAGE = "between 1900-01-01 and 2200-12-31"


def nested(depth: int) -> str:
    """A JSON object ``depth`` levels deep: {"a": {"a": ... 1 ...}}."""
    return '{"a":' * (depth - 1) + '{"a": 1' + "}" * depth


# name -> (method, path, needs a signed-in caller): every endpoint that reads a body.
BODY_ENDPOINTS = {
    "register": ("post", "/api/v1/auth/register/", False),
    "token": ("post", "/api/v1/auth/token/", False),
    "refresh": ("post", "/api/v1/auth/token/refresh/", False),
    "book": ("post", "/api/v1/appointments/", True),
    "me-update": ("patch", "/api/v1/me/", True),
    "cancel": ("post", "/api/v1/appointments/{pk}/cancel/", True),
    "reschedule": ("post", "/api/v1/appointments/{pk}/reschedule/", True),
}
CALLERS = ["anonymous", "client_a"]


def send(people, role, booked, endpoint, raw: str):
    """Send ``raw`` as the body; returns the response and whether it had to be a 401."""
    method, path, needs_sign_in = BODY_ENDPOINTS[endpoint]
    response = getattr(api_as(people[role]), method)(path.format(pk=booked.pk), raw, content_type="application/json")
    assert response.status_code != 500
    assert set(response.json()) == {"code", "detail", "fields"}
    return response, needs_sign_in and role == "anonymous"


def assert_refused(response, field: str, fragment: str) -> None:
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "invalid"
    assert any(fragment in message for message in body["fields"][field]), body


# -- the JSON parser -------------------------------------------------------------


@pytest.mark.parametrize("endpoint", BODY_ENDPOINTS)
@pytest.mark.parametrize("role", CALLERS)
def test_json_nested_thousands_deep_is_a_400(endpoint, role, people, booked):
    response, turned_away = send(people, role, booked, endpoint, nested(5000))
    if turned_away:
        assert response.status_code == 401
        return
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert f"nested more than {MAX_JSON_DEPTH} levels" in response.json()["detail"]


def test_the_parser_takes_json_as_deep_as_the_limit_and_no_deeper():
    assert JSONParser().parse(io.BytesIO(nested(MAX_JSON_DEPTH).encode())) is not None
    lists = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert JSONParser().parse(io.BytesIO(lists.encode())) == json.loads(lists)
    with pytest.raises(ParseError):
        JSONParser().parse(io.BytesIO(nested(MAX_JSON_DEPTH + 1).encode()))


def test_brackets_inside_strings_are_not_nesting():
    text = json.dumps({"reason": "[{" * 100, "quoted": '\\"[[[[' * 50})
    assert JSONParser().parse(io.BytesIO(text.encode()))["reason"] == "[{" * 100


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"])
@pytest.mark.parametrize("endpoint", BODY_ENDPOINTS)
@pytest.mark.parametrize("role", CALLERS)
def test_numbers_that_are_not_finite_are_a_400(number, endpoint, role, studio, people, booked):
    raw = (
        '{"service": %s, "start": "2027-01-05T12:00:00+05:30", "email": %s, "password": %s,'
        ' "refresh": %s, "reason": %s, "email_reminders": %s}' % ((number,) * 6)
    )
    response, turned_away = send(people, role, booked, endpoint, raw)
    if turned_away:
        assert response.status_code == 401
        return
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert "finite" in response.json()["detail"]


def test_large_but_finite_numbers_still_parse():
    assert JSONParser().parse(io.BytesIO(b'{"n": 1e308, "m": -2.5}')) == {"n": 1e308, "m": -2.5}


# -- dates and times -------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("0001-01-01", "0001-01-02", "start"),
        ("1899-12-31", "1900-01-02", "start"),
        ("9999-12-31", "9999-12-31", "end"),
        ("9999-12-01", "9999-12-02", "end"),
        ("2200-12-30", "2201-01-01", "end"),
    ],
)
@pytest.mark.parametrize("role", CALLERS)
def test_availability_outside_the_bounds_is_a_400(start, end, field, role, studio, people):
    response = api_as(people[role]).get(
        "/api/v1/availability/", {"service": studio.service.pk, "start": start, "end": end}
    )
    assert_refused(response, field, BOUNDS_MESSAGE)


def test_availability_on_the_last_day_within_bounds_answers(studio, people):
    response = APIClient().get("/api/v1/availability/", {"service": studio.service.pk,
                                                         "start": "2200-12-31", "end": "2200-12-31"})
    assert response.status_code == 200 and response.json() == {"slots": []}


FAR_STARTS = [
    "9999-12-31T10:00:00+05:30",
    "9999-12-31T18:00:00+00:00",
    "9999-12-31T23:59:00-12:00",
    "0001-01-01T00:00:00+00:00",
    "2201-01-05T10:00:00+05:30",
]


@pytest.mark.parametrize("start", FAR_STARTS)
@pytest.mark.parametrize("role", ["client_a", "receptionist"])
def test_booking_far_outside_the_bounds_is_a_400(start, role, studio, people):
    before = Appointment.objects.count()
    response = api_as(people[role]).post("/api/v1/appointments/", {
        "service": studio.service.pk, "start": start, "client": studio.client.pk}, format="json")
    assert response.status_code == 400 and "start" in response.json()["fields"], response.json()
    assert Appointment.objects.count() == before


@pytest.mark.parametrize("start", FAR_STARTS)
@pytest.mark.parametrize("role", ["client_a", "assigned_practitioner"])
def test_rescheduling_far_outside_the_bounds_is_a_400(start, role, people, booked):
    response = api_as(people[role]).post(f"/api/v1/appointments/{booked.pk}/reschedule/", {"start": start},
                                         format="json")
    assert response.status_code == 400 and "start" in response.json()["fields"], response.json()
    booked.refresh_from_db()
    assert booked.start == local(next_tuesday(), 10)


def test_a_birth_date_outside_the_bounds_is_a_400(people):
    for day in ("0001-01-01", "9999-12-31"):
        assert_refused(api_as(people["client_a"]).patch("/api/v1/me/", {"date_of_birth": day}, format="json"),
                       "date_of_birth", BOUNDS_MESSAGE)


CONTROL_CHARACTERS = ["\x00", "\x0b", "\x1f", "\x7f", "\n", "\t"]


@pytest.mark.parametrize("char", CONTROL_CHARACTERS, ids=repr)
def test_control_characters_in_a_date_time_are_a_400(char, studio, people, booked):
    api = api_as(people["client_a"])
    tuesday = next_tuesday()
    for text in (f"{tuesday}T10:00{char}:00+05:30", f"{tuesday}T15:00:00+05:30{char}", f"{char}{tuesday}T15:00:00+05:30"):
        assert_refused(api.post("/api/v1/appointments/", {"service": studio.service.pk, "start": text}, format="json"),
                       "start", CONTROL_MESSAGE)
        assert_refused(api.post(f"/api/v1/appointments/{booked.pk}/reschedule/", {"start": text}, format="json"),
                       "start", CONTROL_MESSAGE)
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize("char", CONTROL_CHARACTERS, ids=repr)
@pytest.mark.parametrize("role", CALLERS)
def test_control_characters_in_a_date_are_a_400(char, role, studio, people):
    tuesday = next_tuesday()
    response = api_as(people[role]).get(
        "/api/v1/availability/", {"service": studio.service.pk, "start": f"{tuesday}{char}", "end": str(tuesday)}
    )
    assert_refused(response, "start", CONTROL_MESSAGE)
    if role != "anonymous":
        assert_refused(api_as(people[role]).patch("/api/v1/me/", {"date_of_birth": f"1980-01-02{char}"},
                                                  format="json"), "date_of_birth", CONTROL_MESSAGE)


# -- fields the endpoint does not take -----------------------------------------------


def test_the_response_name_of_the_note_is_refused_when_booking(studio, people):
    response = api_as(people["client_a"]).post("/api/v1/appointments/", {
        "service": studio.service.pk, "start": local(next_tuesday(), 15).isoformat(),
        "notes_for_practitioner": "Left shoulder, please."}, format="json")
    assert_refused(response, "notes_for_practitioner", "Unknown field")
    assert list(response.json()["fields"]) == ["notes_for_practitioner"]
    assert not Appointment.objects.exists()


def unknown_field_cases(studio, people, booked) -> dict[str, tuple]:
    """name -> (caller, method, path, body, the field to be refused, the fragment of its message)."""
    tuesday = next_tuesday()
    appointment = f"/api/v1/appointments/{booked.pk}/"
    return {
        "register": (None, "post", "/api/v1/auth/register/", {
            "full_name": "Asha", "email": "asha@example.com", "password": "a long pass phrase 42",
            "is_staff": True}, "is_staff", "Unknown field"),
        "token": (None, "post", "/api/v1/auth/token/", {
            "email": people["client_a"].email, "password": "x", "username": "x"}, "username", "Unknown field"),
        "refresh": (None, "post", "/api/v1/auth/token/refresh/", {
            "refresh": str(RefreshToken.for_user(people["client_a"])), "access": "x"}, "access", "read-only"),
        "me-unknown": (people["client_a"], "patch", "/api/v1/me/", {"nickname": "A"}, "nickname", "Unknown field"),
        "me-read-only": (people["client_a"], "patch", "/api/v1/me/", {"email": "new@example.com"}, "email",
                         "read-only"),
        "book": (people["receptionist"], "post", "/api/v1/appointments/", {
            "service": studio.service.pk, "start": local(tuesday, 15).isoformat(), "client": studio.client.pk,
            "room": 1}, "room", "Unknown field"),
        "cancel": (people["client_a"], "post", f"{appointment}cancel/", {"reason": "Ill", "late": True}, "late",
                   "Unknown field"),
        "reschedule": (people["client_a"], "post", f"{appointment}reschedule/", {
            "start": local(tuesday, 15).isoformat(), "practitioner": studio.other_practitioner.pk},
            "practitioner", "Unknown field"),
    }


@pytest.mark.parametrize(
    "case", ["register", "token", "refresh", "me-unknown", "me-read-only", "book", "cancel", "reschedule"]
)
def test_a_field_the_endpoint_does_not_take_is_a_400_naming_it(case, studio, people, booked):
    caller, method, path, body, field, fragment = unknown_field_cases(studio, people, booked)[case]
    response = getattr(api_as(caller), method)(path, body, format="json")
    assert_refused(response, field, fragment)
    booked.refresh_from_db()
    assert (booked.status, booked.start) == ("confirmed", local(next_tuesday(), 10))
    assert Appointment.objects.count() == 1


def test_an_unknown_availability_parameter_is_a_400(studio, people):
    """``practitioner_id`` for ``practitioner`` would otherwise answer with everyone's slots."""
    tuesday = next_tuesday()
    response = APIClient().get("/api/v1/availability/", {
        "service": studio.service.pk, "start": tuesday, "end": tuesday, "practitioner_id": studio.practitioner.pk})
    assert_refused(response, "practitioner_id", "Unknown field")
