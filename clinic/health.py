"""``GET /healthz``: does the process reach its database and its broker,
and how is the outbox of messages to clients doing?

The outbox never turns the answer 503. A backlog means the dispatcher
(another process) is behind or stopped; restarting or unrouting this web
process would not send a single message and would take the booking pages
down with it. So the answer stays 200 and ``outbox.ok`` turns false when
the oldest due message has waited longer than ``OUTBOX_LAG_ALERT_SECONDS``:
a monitor alerts on that. Failed messages wait for the front desk (the
panel's "Failed" list) and are counted, not judged."""

from __future__ import annotations

import os

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from bookings.selectors import outbox_state

BROKER_TIMEOUT_SECONDS = 2


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not healthy", never a 500
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "vendor": connection.vendor}


def check_broker() -> dict:
    url = settings.CELERY_BROKER_URL
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    if url.startswith("filesystem://"):
        # The folder broker has no server to ask: it answers if its folders do.
        folders = [options.get(key, "") for key in ("data_folder_in", "data_folder_out", "control_folder")]
        if not all(os.access(folder, os.W_OK | os.X_OK) for folder in folders):
            return {"ok": False, "error": "broker folder missing or not writable"}
        return {"ok": True, "transport": "filesystem"}
    try:
        with Connection(
            url,
            connect_timeout=BROKER_TIMEOUT_SECONDS,
            transport_options=options,
        ) as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
            transport = conn.transport.driver_name
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "transport": str(transport)}


def check_outbox() -> dict:
    """One query on the outbox's own index."""
    try:
        state = outbox_state(timezone.now())
    except Exception as exc:  # the database check says why; this stays a report
        return {"ok": False, "error": type(exc).__name__}
    return {
        "ok": state.oldest_due_seconds <= settings.OUTBOX_LAG_ALERT_SECONDS,
        "due_unsent": state.due_unsent,
        "oldest_due_seconds": state.oldest_due_seconds,
        "failed": state.failed,
    }


@never_cache
@require_GET
def healthz(request):
    checks = {"database": check_database(), "broker": check_broker()}
    healthy = all(check["ok"] for check in checks.values())
    report = {"status": "ok" if healthy else "unavailable", **checks}
    if checks["database"]["ok"]:
        report["outbox"] = check_outbox()
    return JsonResponse(report, status=200 if healthy else 503)
