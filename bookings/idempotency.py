"""At most one booking per ``Idempotency-Key``.

A phone on a bad connection retries a booking it never saw answered. With
the same key and the same body, the retry gets the first answer back and
nothing is booked twice; with the same key and another body it is refused.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from bookings.errors import BookingError
from bookings.models import Appointment, IdempotencyKey

MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict
    replayed: bool


class KeyReused(Exception):
    """The key was used before for a different request."""


def request_digest(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _stored(user, key: str, digest: str) -> Outcome | None:
    record = IdempotencyKey.objects.filter(user=user, key=key).first()
    if record is None:
        return None
    if record.request_hash != digest:
        raise KeyReused(key)
    return Outcome(record.response_status, record.response_body, replayed=True)


def book_once(
    *,
    user,
    key: str | None,
    payload: dict,
    book: Callable[[], Appointment],
    render: Callable[[Appointment], dict],
    status: int = 201,
) -> Outcome:
    """Run ``book`` unless this user's ``key`` already did; store its answer."""
    if not key:
        return Outcome(status, render(book()), replayed=False)
    digest = request_digest(payload)
    earlier = _stored(user, key, digest)
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            appointment = book()
            body = render(appointment)
            IdempotencyKey.objects.create(
                user=user, key=key, request_hash=digest, response_status=status, response_body=body,
                appointment=appointment,
            )
    except (BookingError, IntegrityError):
        # A twin request with this key may have booked first: answer as it did.
        earlier = _stored(user, key, digest)
        if earlier is not None:
            return earlier
        raise
    return Outcome(status, body, replayed=False)
