"""The access log of clinical records: one row for each read or write of a
client's clinical content, written in the transaction of that read or
write, never changed afterwards."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from clinic.models import Client
from treatments import policies
from treatments.models import AccessAction, RecordAccess

# The role ``policies.role_of`` gives a client's own login, and the log's
# only role for a row without a login behind it.
CLIENT_ROLE = "client"


def record_access(
    *,
    actor,
    client: Client | int,
    action: AccessAction,
    subject: str,
    address: str | None = None,
    at: datetime | None = None,
) -> RecordAccess:
    """Log that ``actor`` did ``action`` to ``subject`` of ``client``'s
    record. Called inside the transaction of the read or write it logs, so
    one never stands without the other.

    ``actor`` is ``None`` only for what the client gave on the booking
    pages before having a login (``intake.record_first_intake_from_pages``):
    the row then names the client themselves."""
    client_id = client if isinstance(client, int) else client.pk
    if actor is None:
        if not isinstance(client, Client):
            raise TypeError("an access by the client themselves names the client record")
        name, role = client.full_name, CLIENT_ROLE
    else:
        name, role = actor.get_full_name() or actor.email or actor.get_username(), policies.role_of(actor)
    with transaction.atomic():
        return RecordAccess.objects.create(
            client_id=client_id,
            actor=actor,
            actor_name=name[:150],
            role=role,
            action=action,
            subject=subject[:120],
            address=address,
            at=at or timezone.now(),
        )


def record_reads(*, actor, client_ids: list[int], subject: str, address: str | None = None,
                 at: datetime | None = None) -> None:
    """``record_access`` of one read for each of ``client_ids`` (a day's
    calendar, a practitioner's day): the same rows, written in one
    statement, so a page of many clients costs what a page of one does."""
    name = (actor.get_full_name() or actor.email or actor.get_username())[:150]
    role, at = policies.role_of(actor), at or timezone.now()
    RecordAccess.objects.bulk_create([
        RecordAccess(client_id=client_id, actor=actor, actor_name=name, role=role, action=AccessAction.READ,
                     subject=subject[:120], address=address, at=at)
        for client_id in client_ids
    ])
