"""Reads about people."""

from __future__ import annotations

from clinic.errors import ClinicError
from clinic.models import Client, Practitioner


def client_of(user) -> Client | None:
    """The client record a login belongs to, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.client
    except Client.DoesNotExist:
        return None


def practitioner_of(user) -> Practitioner | None:
    """The practitioner record a login belongs to, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.practitioner
    except Practitioner.DoesNotExist:
        return None


def require_client_of(user) -> Client:
    """The caller's client record, or ``not_found`` (a 404)."""
    client = client_of(user)
    if client is None:
        raise ClinicError("not_found")
    return client
