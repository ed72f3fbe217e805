"""The signature chain's arithmetic, written once: what of a signed record
is hashed, in which form, and how each link holds the one before it.

Signing (``treatments.services.notes``) and verifying (``manage.py
verify_records``) both build a record's content with these functions from
the rows as they are stored, so the two can never disagree about what was
signed. Pure: plain values in, text out; the caller reads the rows.

A link's ``content_hash`` is the SHA-256 of the record's canonical JSON
(keys sorted, no spaces, UTF-8) followed by the previous link's hash (empty
for a client's first link), so changing any signed record, or removing or
reordering a link, breaks every later hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

NOTE, AMENDMENT = "note", "amendment"


def moment(value: datetime | None) -> str | None:
    """A stored instant in UTC, to the microsecond, as the databases keep it."""
    return None if value is None else value.astimezone(UTC).isoformat(timespec="microseconds")


def note_content(
    note: Any,
    *,
    techniques: Iterable[tuple[int, int]],
    points: Iterable[int],
    home_care: Iterable[int],
) -> dict:
    """A signed session note's clinical content: the note's own fields (read
    as attributes of ``note``), the (technique id, minutes) used, the ids of
    the points worked and of the home-care assignments given."""
    return {
        "record": NOTE,
        "id": note.pk,
        "appointment": note.appointment_id,
        "client": note.client_id,
        "practitioner": note.practitioner_id,
        "author": note.signed_by_id,
        "signed_at": moment(note.signed_at),
        "subjective": note.subjective,
        "objective": note.objective,
        "assessment": note.assessment,
        "plan": note.plan,
        "pressure": note.pressure,
        "pain_before": note.pain_before,
        "pain_after": note.pain_after,
        "client_response": note.client_response,
        "body_chart": note.body_chart,
        "shared_with_client": note.shared_with_client,
        "techniques": sorted([technique, minutes] for technique, minutes in techniques),
        "points": sorted(points),
        "home_care": sorted(home_care),
    }


def amendment_content(amendment: Any) -> dict:
    return {
        "record": AMENDMENT,
        "id": amendment.pk,
        "note": amendment.note_id,
        "text": amendment.text,
        "reason": amendment.reason,
        "author": amendment.author_id,
        "created_at": moment(amendment.created_at),
    }


def canonical(content: Mapping) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def chain_hash(content: Mapping, previous_hash: str) -> str:
    """The hash a link stores for ``content`` after a link holding ``previous_hash``."""
    return hashlib.sha256(canonical(content) + previous_hash.encode("ascii")).hexdigest()
