"""The shared base: one domain error type, and the lock helper."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from rest_framework.test import APIRequestFactory

from bookings.errors import BookingError
from clinic.errors import ClinicError, CommonError, DomainError, ErrorKind
from clinic.locking import NotInTransaction, lock_first_available, lock_ids, lock_row, lock_rows
from clinic.models import Location
from clinic.rest import exception_handler


def handled(error: DomainError):
    request = APIRequestFactory().get("/api/v1/")
    response = exception_handler(error, {"request": request})
    return response.status_code, response.data


@pytest.mark.parametrize(
    ("error", "status", "fields"),
    [
        (BookingError("naive_start", field="start"), 400, {"start": ["Give the start time with its time zone offset."]}),
        (BookingError("permission_denied", action="do that"), 403, {}),
        (ClinicError("not_found"), 404, {}),
        (BookingError("slot_unavailable", field="start"), 409, {"start": [str(BookingError.messages["slot_unavailable"][1])]}),
        (CommonError("busy"), 503, {}),
    ],
    ids=["invalid", "forbidden", "not-found", "conflict", "busy"],
)
def test_the_handler_knows_only_the_kind(error, status, fields):
    code, body = handled(error)
    assert code == status == int(error.kind)
    assert body == {"code": error.code, "detail": error.message, "fields": fields}


def test_every_app_error_extends_the_one_base():
    assert issubclass(BookingError, DomainError) and issubclass(ClinicError, DomainError)


@pytest.mark.parametrize("error_type", [BookingError, ClinicError, CommonError])
def test_every_message_has_a_kind(error_type):
    for code, (kind, message) in error_type.messages.items():
        assert isinstance(kind, ErrorKind), code
        assert str(message).strip(), code


def test_a_model_refusal_keeps_its_fields_and_its_general_message():
    error = ClinicError.from_validation(
        "invalid_profile",
        ValidationError({"phone": ["Enter a valid phone number."], "__all__": ["SMS reminders need a phone number."]}),
    )
    assert error.message == "SMS reminders need a phone number."
    assert error.field_messages == {"phone": ["Enter a valid phone number."]}


def test_an_unknown_code_is_a_programming_error():
    with pytest.raises(KeyError):
        BookingError("no_such_code")


@pytest.mark.django_db(transaction=True)
def test_a_lock_outside_a_transaction_is_refused():
    with pytest.raises(NotInTransaction):
        lock_rows(Location.objects.all())
    with pytest.raises(NotInTransaction):
        lock_row(Location.objects.all(), 1)
    with pytest.raises(NotInTransaction):
        lock_ids(Location, [1])
    with pytest.raises(NotInTransaction):
        lock_first_available(Location, [1])


@pytest.mark.django_db(transaction=True)
def test_a_lock_inside_a_transaction_returns_the_row():
    location = Location.objects.create(name="Lock test", address="Chennai", time_zone="Asia/Kolkata")
    with transaction.atomic():
        assert lock_row(Location.objects.all(), location.pk) == location
        lock_rows(Location.objects.filter(pk=location.pk))
        lock_ids(Location, [location.pk])
        assert lock_first_available(Location, [location.pk]) == location.pk
        assert lock_first_available(Location, []) is None
