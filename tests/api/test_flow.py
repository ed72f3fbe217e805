"""A new client, from sign-up to cancellation, as the mobile app would go."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from rest_framework.test import APIClient

from bookings.models import Appointment, AppointmentEvent
from tests.api.conftest import api_as
from tests.scenario import KOLKATA, local, next_tuesday

pytestmark = pytest.mark.django_db


def sign_up_and_in(api: APIClient, email: str = "asha@example.com") -> None:
    response = api.post("/api/v1/auth/register/", {
        "full_name": "Asha Raman", "email": email, "phone": "98400 12345", "password": "knead-the-knots-42",
        "sms_reminders": True,
    }, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["phone"] == "+919840012345"
    tokens = api.post("/api/v1/auth/token/", {"email": email, "password": "knead-the-knots-42"}, format="json")
    assert tokens.status_code == 200
    assert set(tokens.json()) == {"access", "refresh"}
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}")


def test_register_book_list_reschedule_cancel(studio):
    api = APIClient()
    sign_up_and_in(api)
    me = api.get("/api/v1/me/").json()
    assert me["full_name"] == "Asha Raman" and me["sms_reminders"] is True

    services = api.get("/api/v1/services/").json()["results"]
    service = next(s for s in services if s["id"] == studio.service.pk)
    assert service["currency"] == "INR" and service["duration_minutes"] == 60

    practitioners = api.get("/api/v1/practitioners/", {"service": service["id"]}).json()["results"]
    assert {p["id"] for p in practitioners} == {studio.practitioner.pk, studio.other_practitioner.pk}

    tuesday = next_tuesday()
    slots = api.get("/api/v1/availability/", {
        "service": service["id"], "start": tuesday, "end": tuesday, "practitioner": studio.practitioner.pk,
    }).json()["slots"]
    first = slots[0]
    assert first["start"] == local(tuesday, 9).isoformat()  # shown with the studio's +05:30 offset
    assert datetime.fromisoformat(first["end"]) - datetime.fromisoformat(first["start"]) == timedelta(hours=1)

    booking = api.post("/api/v1/appointments/", {
        "service": service["id"], "practitioner": first["practitioner"], "start": first["start"],
        "notes": "Stiff neck",
    }, format="json")
    assert booking.status_code == 201, booking.json()
    appointment = booking.json()
    assert appointment["status"] == "confirmed" and appointment["start"] == first["start"]
    assert appointment["source"] == "app"

    # The booking blocks the slot for everyone at once.
    again = api.get("/api/v1/availability/", {"service": service["id"], "start": tuesday, "end": tuesday,
                                              "practitioner": studio.practitioner.pk}).json()["slots"]
    assert first["start"] not in [slot["start"] for slot in again]

    listed = api.get("/api/v1/appointments/", {"upcoming": "true"}).json()
    assert [row["id"] for row in listed["results"]] == [appointment["id"]]

    moved = api.post(f"/api/v1/appointments/{appointment['id']}/reschedule/",
                     {"start": local(tuesday, 16).isoformat()}, format="json")
    assert moved.status_code == 200, moved.json()
    assert moved.json()["start"] == local(tuesday, 16).isoformat()

    cancelled = api.post(f"/api/v1/appointments/{appointment['id']}/cancel/", {"reason": "Fever"}, format="json")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["late_cancellation"] is False
    assert list(AppointmentEvent.objects.filter(appointment_id=appointment["id"]).values_list("action", flat=True)) == [
        "booked", "rescheduled", "cancelled"]
    assert api.get("/api/v1/appointments/", {"status": "cancelled"}).json()["count"] == 1


def test_booking_with_anyone_takes_a_free_practitioner(studio, people):
    start = local(next_tuesday(), 11)
    response = api_as(people["client_a"]).post("/api/v1/appointments/", {
        "service": studio.service.pk, "start": start.isoformat()}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["practitioner"] in {studio.practitioner.pk, studio.other_practitioner.pk}


def test_idempotent_booking_replayed_three_times_books_once(studio, people):
    api = api_as(people["client_a"])
    body = {"service": studio.service.pk, "practitioner": studio.practitioner.pk,
            "start": local(next_tuesday(), 10).isoformat()}
    answers = [api.post("/api/v1/appointments/", body, format="json", HTTP_IDEMPOTENCY_KEY="tap-7f3a") for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert "Idempotent-Replayed" not in answers[0] and answers[2]["Idempotent-Replayed"] == "true"
    assert Appointment.objects.count() == 1


def test_an_idempotency_key_reused_for_another_booking_is_refused(studio, people):
    api = api_as(people["client_a"])
    body = {"service": studio.service.pk, "practitioner": studio.practitioner.pk,
            "start": local(next_tuesday(), 10).isoformat()}
    assert api.post("/api/v1/appointments/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1").status_code == 201
    other = {**body, "start": local(next_tuesday(), 15).isoformat()}
    response = api.post("/api/v1/appointments/", other, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert Appointment.objects.count() == 1


def test_keys_are_per_user(studio, people):
    for role, hour in (("client_a", 10), ("client_b", 15)):
        body = {"service": studio.service.pk, "start": local(next_tuesday(), hour).isoformat()}
        api = api_as(people[role])
        assert api.post("/api/v1/appointments/", body, format="json", HTTP_IDEMPOTENCY_KEY="same").status_code == 201
    assert Appointment.objects.count() == 2


def test_a_taken_slot_is_a_409_with_the_common_shape(studio, people, booked):
    response = api_as(people["client_b"]).post("/api/v1/appointments/", {
        "service": studio.service.pk, "practitioner": studio.practitioner.pk,
        "start": booked.start.isoformat()}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "code": "slot_unavailable",
        "detail": "That time has just been taken. Please choose another.",
        "fields": {"start": ["That time has just been taken. Please choose another."]},
    }


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"start": "2026-12-08T10:00:00"}, "start", "invalid"),
        ({"start": "tomorrow"}, "start", "invalid"),
        ({"service": 99999}, "service", "invalid"),
        ({"start": "LOCAL_OFF_GRID"}, "start", "off_grid"),
        ({"start": "LOCAL_SUNDAY"}, "start", "outside_working_hours"),
    ],
)
def test_bad_booking_input_gets_field_messages(studio, people, body, field, code):
    tuesday = next_tuesday()
    start = body.get("start")
    if start == "LOCAL_OFF_GRID":
        start = local(tuesday, 10, 7).isoformat()
    elif start == "LOCAL_SUNDAY":
        start = local(tuesday + timedelta(days=5), 10).isoformat()
    request = {"service": studio.service.pk, "practitioner": studio.practitioner.pk,
               "start": local(tuesday, 10).isoformat(), **body, **({"start": start} if start else {})}
    response = api_as(people["client_a"]).post("/api/v1/appointments/", request, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert field in response.json()["fields"]
    assert Appointment.objects.count() == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2027-01-10", "end": "2027-01-01"}, "end"),
        ({"start": "2027-01-01", "end": "2027-03-01"}, "end"),
        ({"start": "not-a-date", "end": "2027-01-01"}, "start"),
        ({"start": "2027-01-01"}, "end"),
    ],
)
def test_availability_refuses_bad_ranges(studio, query, field):
    response = APIClient().get("/api/v1/availability/", {"service": studio.service.pk, **query})
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_availability_for_an_unknown_service_is_a_field_error(db):
    response = APIClient().get("/api/v1/availability/", {"service": 4242, "start": "2027-01-01", "end": "2027-01-02"})
    assert response.status_code == 400 and "service" in response.json()["fields"]


def test_duplicate_email_is_a_field_error(studio):
    api = APIClient()
    sign_up_and_in(api, "twice@example.com")
    response = APIClient().post("/api/v1/auth/register/", {
        "full_name": "Someone Else", "email": "TWICE@example.com", "phone": "+919840055555",
        "password": "another-long-pass-9"}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["email"] == ["An account with this email address already exists."]


def test_weak_password_is_a_field_error(db):
    response = APIClient().post("/api/v1/auth/register/", {
        "full_name": "Weak", "email": "weak@example.com", "password": "12345678"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()["fields"]


def test_profile_rules_hold_on_update(people):
    api = api_as(people["client_a"])
    response = api.patch("/api/v1/me/", {"phone": "", "sms_reminders": True}, format="json")
    assert response.status_code == 400
    assert "SMS reminders need a phone number." in response.json()["detail"]
    refused = api.patch("/api/v1/me/", {"email": "new@example.com"}, format="json")
    assert refused.status_code == 400 and refused.json()["fields"] == {"email": ["This field is read-only."]}
    assert api.get("/api/v1/me/").json()["email"] != "new@example.com"


def test_a_client_chooses_whatsapp_reminders_which_need_a_phone(people):
    api = api_as(people["client_a"])
    response = api.patch("/api/v1/me/", {"whatsapp_reminders": True}, format="json")
    assert response.status_code == 200 and response.json()["whatsapp_reminders"] is True
    refused = api.patch("/api/v1/me/", {"phone": ""}, format="json")
    assert refused.status_code == 400
    assert "WhatsApp reminders need a phone number." in refused.json()["detail"]
    assert api.get("/api/v1/me/").json()["phone"] != ""


def test_wrong_password_and_bad_token_are_401(people):
    api = APIClient()
    wrong = api.post("/api/v1/auth/token/", {"email": people["client_a"].email, "password": "nope"}, format="json")
    assert wrong.status_code == 401 and wrong.json()["code"] == "no_active_account"
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    response = api.get("/api/v1/me/")
    assert response.status_code == 401 and set(response.json()) == {"code", "detail", "fields"}


def test_sign_in_is_throttled_even_when_it_succeeds(people):
    """Each sign-in costs a password hash: ten a minute per address, right or
    wrong (wrong ones are locked out sooner: tests/clinic/test_sign_in.py)."""
    login = people["client_a"]
    login.set_password("Right-password-2026")
    login.save()
    api = APIClient()
    answers = [api.post("/api/v1/auth/token/", {"email": login.email, "password": "Right-password-2026"},
                        format="json") for _ in range(11)]
    assert [a.status_code for a in answers[:10]] == [200] * 10
    assert answers[10].status_code == 429
    assert answers[10].json()["code"] == "throttled"


def test_times_are_shown_in_the_studio_zone(studio, people, booked):
    data = api_as(people["client_a"]).get(f"/api/v1/appointments/{booked.pk}/").json()
    assert data["start"].endswith("+05:30")
    assert datetime.fromisoformat(data["start"]) == booked.start
    assert data["time_zone"] == str(KOLKATA)


def test_an_impossible_time_is_a_400_not_a_500(studio, people):
    """Found by the schema fuzzing: minute 99 once crashed the parser."""
    response = api_as(people["client_a"]).post("/api/v1/appointments/", {
        "service": studio.service.pk, "start": "2027-01-05T12:99:00+05:30"}, format="json")
    assert response.status_code == 400
    assert "start" in response.json()["fields"]


@pytest.mark.parametrize("path", ["/api/v1/appointments/0.5/", "/api/v1/nowhere/"])
def test_unknown_api_paths_answer_in_json(db, client, path):
    """Found by the schema fuzzing: unmatched API paths answered in HTML."""
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found.", "fields": {}}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/practitioners/?service=7916394579982868807680",
        "/api/v1/availability/?service=7916394579982868807680&start=2027-01-01&end=2027-01-02",
        "/api/v1/practitioners/?service=-1",
    ],
)
def test_out_of_range_ids_are_client_errors(db, path):
    """Found by the schema fuzzing: an id beyond 64 bits crashed SQLite."""
    response = APIClient().get(path)
    assert response.status_code in (200, 400)
    assert response.status_code == 400 or response.json()["results"] == []


def test_the_api_speaks_json_only(db):
    response = APIClient().post("/api/v1/auth/register/", {"full_name": "Form"})  # multipart
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_malformed_json_is_a_400(db):
    response = APIClient().post("/api/v1/auth/register/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_an_api_booking_shows_at_once_in_the_staff_panel(client, studio, people, manager):
    response = api_as(people["client_a"]).post("/api/v1/appointments/", {
        "service": studio.service.pk, "start": local(next_tuesday(), 11).isoformat()}, format="json")
    assert response.status_code == 201
    client.force_login(manager)
    page = client.get("/admin/bookings/appointment/", {"day": "upcoming"})  # the list opens on today
    assert [a.pk for a in page.context["cl"].result_list] == [response.json()["id"]]


def test_the_demo_client_signs_in_and_sees_her_home_care(db):
    from clinic.demo import CLIENT_EMAIL, DEMO_PASSWORD, load_demo

    load_demo()
    api = APIClient()
    tokens = api.post("/api/v1/auth/token/", {"email": CLIENT_EMAIL, "password": DEMO_PASSWORD}, format="json").json()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    plan = api.get("/api/v1/me/home-care/").json()["results"]
    assert [item["equipment"] for item in plan] == ["hands"]
    assert [step["position"] for step in plan[0]["steps"]] == [1, 2, 3, 4]
    assert "doctor" in plan[0]["safety_note"]


def test_cors_answers_listed_origins_only(db, client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.clinic.example.com"]
    preflight = {"HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST"}
    allowed = client.options("/api/v1/appointments/", HTTP_ORIGIN="https://app.clinic.example.com", **preflight)
    assert allowed["Access-Control-Allow-Origin"] == "https://app.clinic.example.com"
    other = client.options("/api/v1/appointments/", HTTP_ORIGIN="https://evil.example.net", **preflight)
    assert "Access-Control-Allow-Origin" not in other
    admin = client.options("/admin/", HTTP_ORIGIN="https://app.clinic.example.com", **preflight)
    assert "Access-Control-Allow-Origin" not in admin
