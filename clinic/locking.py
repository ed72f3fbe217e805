"""Row locks for the rules that decide on what is free.

``lock_rows`` and ``lock_row`` are the only ways a service takes a lock.
They refuse to run outside a transaction (a lock released at once protects
nothing) and, on PostgreSQL, bound how long the transaction waits for a
lock, so a stuck writer turns into a clear "busy, try again" instead of a
pile of waiting requests. Rows are locked in primary-key order, so two
writers locking overlapping sets cannot deadlock. On SQLite every write
transaction already holds the whole database (they begin IMMEDIATE), and
``select_for_update`` is a no-op there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import OperationalError, connection
from django.db.models import Model, QuerySet

from clinic.errors import CommonError

LOCK_NOT_AVAILABLE = "55P03"


class NotInTransaction(RuntimeError):
    """A lock was asked for outside ``transaction.atomic``."""


def _prepare() -> None:
    if not connection.in_atomic_block:
        raise NotInTransaction("locks are taken inside transaction.atomic(), and held until it ends")
    if connection.vendor == "postgresql":
        timeout_ms = int(settings.LOCK_TIMEOUT_SECONDS * 1000)
        with connection.cursor() as cursor:
            # SET takes no bind parameters; the value is an int we made.
            cursor.execute(f"SET LOCAL lock_timeout = {timeout_ms}")


def lock_rows(*querysets: QuerySet) -> None:
    """Lock every row of each queryset, in the order given, until the
    transaction ends. Only each queryset's own table is locked."""
    _prepare()
    for queryset in querysets:
        list(queryset.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))


def lock_row(queryset: QuerySet, pk) -> Model:
    """Lock one row and return it as it is now (``DoesNotExist`` if gone)."""
    _prepare()
    return queryset.select_for_update(of=("self",)).get(pk=pk)


def _by_ids(model: type[Model], ids, tail: str) -> tuple[str, list]:
    quote = connection.ops.quote_name
    pk = quote(model._meta.pk.column)
    marks = ", ".join(["%s"] * len(ids))
    return f"SELECT {pk} FROM {quote(model._meta.db_table)} WHERE {pk} IN ({marks}) ORDER BY {pk} {tail}", list(ids)


def lock_ids(model: type[Model], ids) -> None:
    """``lock_rows`` for rows known by primary key: one short statement,
    nothing for the ORM to compile (it is on the booking's hot path)."""
    _prepare()
    if ids and connection.features.has_select_for_update:
        with connection.cursor() as cursor:
            cursor.execute(*_by_ids(model, ids, "FOR UPDATE"))


def lock_first_available(model: type[Model], ids):
    """Lock the first of these rows (in primary-key order) that no other
    transaction holds, without waiting for those that do; its id, or
    ``None`` when every one is held. (On SQLite, where no other transaction
    can be writing, simply the first.)"""
    _prepare()
    if not ids:
        return None
    if not connection.features.has_select_for_update_skip_locked:
        return min(ids)
    with connection.cursor() as cursor:
        cursor.execute(*_by_ids(model, ids, "LIMIT 1 FOR UPDATE SKIP LOCKED"))
        row = cursor.fetchone()
    return row[0] if row else None


@contextmanager
def lock_wait_as_busy() -> Iterator[None]:
    """Turn "waited too long for a lock" into the shared ``busy`` error."""
    try:
        yield
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise CommonError("busy") from exc
        raise
