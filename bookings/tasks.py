"""Celery tasks of the booking core: thin, each calls one service."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError

from bookings import dispatch as dispatcher

# The task stops sending a little before its soft limit, hands back what it
# did not reach, and is killed at the hard limit; the lease
# (NOTIFICATION_LEASE_SECONDS) is at least twice the hard limit, so a row is
# never taken back from a dispatcher that is still alive.
TIME_LIMIT = settings.NOTIFICATION_TASK_TIME_LIMIT
SOFT_TIME_LIMIT = max(1, TIME_LIMIT * 3 // 4)


@shared_task(
    bind=True, name="bookings.dispatch", ignore_result=True,
    time_limit=TIME_LIMIT, soft_time_limit=SOFT_TIME_LIMIT,
    autoretry_for=(DatabaseError,), max_retries=3, retry_backoff=5, retry_backoff_max=60, retry_jitter=True,
)
def dispatch(self) -> dict[str, int]:
    """Send the notifications that are due (beat runs this every minute).
    A full batch means more may be waiting: queue the next run now, rather
    than leave a backlog to the next tick."""
    counts = dispatcher.dispatch_due(stop_after_seconds=SOFT_TIME_LIMIT * 0.8)
    if counts.claimed >= settings.NOTIFICATION_BATCH_SIZE or counts.released:
        self.apply_async(queue="notifications")
    return counts.as_dict()
