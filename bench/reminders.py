"""Reminders: 10,000 due reminders dispatched by a real Celery worker on
Redis, against 10,000 no-op tasks through the same worker and broker.

    REDIS_URL=redis://127.0.0.1:6379/11 .venv/bin/python bench/reminders.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic REDIS_URL=redis://127.0.0.1:6379/11 \\
        .venv/bin/python bench/reminders.py

Builds a throw-away database (SQLite: var/bench-reminders.sqlite3; on
PostgreSQL: test_<name>, dropped at the end) with BENCH_REMINDERS (10,000)
confirmed appointments, each with an SMS reminder due now, then starts one
worker as ``make run`` does (``--pool=solo``, both queues) with SMS going to
the file outbox in a temporary folder. It times:

- dispatch: one ``bookings.dispatch`` task queued, until every reminder is
  marked sent (the task takes a batch of NOTIFICATION_BATCH_SIZE, 200, and
  queues the next at once while batches come back full);
- no-op: BENCH_REMINDERS ``bench.noop`` tasks queued on the same queue,
  until the last has run (each adds one to a Redis counter, which is how
  the bench knows).

and prints both, their ratio (target: at most 2) and the duplicates: files
written twice for one key, plus keys missing or rows not sent (target: 0).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on the path, where
# calendar.py would stand in for the standard library's ``calendar`` (which
# the email and http packages import): the folder leaves the path first,
# and the project's root comes in its place.
HERE, ROOT = Path(__file__).resolve().parent, Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]

import os
import subprocess
import tempfile
import time
from datetime import time as clock_time
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings.base")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "b" * 40)
if not os.environ.get("REDIS_URL"):
    sys.exit("bench/reminders.py measures the worker on Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379/11).")

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

COUNT = int(os.environ.get("BENCH_REMINDERS", "10000"))
TARGET_RATIO = 2.0


def build_database() -> str:
    """A fresh database; its URL for the worker."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        path = ROOT / "var" / "bench-reminders.sqlite3"
        settings["TEST"]["NAME"] = str(path)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    return (f"postgres://{settings['USER']}{password}@{settings['HOST'] or '127.0.0.1'}:"
            f"{settings['PORT'] or 5432}/{settings['NAME']}")


def seed(count: int) -> None:
    from bookings.models import Appointment, AppointmentStatus, Notification, Source
    from clinic.models import Client, Location, Practitioner, User
    from treatments.models import Service

    # No quiet hours: the bench may run at any hour of the real clock.
    location = Location.objects.create(name="Bench studio", address="12 Bench Road, Chennai",
                                       time_zone="Asia/Kolkata", quiet_from=clock_time(0), quiet_until=clock_time(0))
    service = Service.objects.create(name="Bench massage", slug="bench-massage", category="back_massage",
                                     duration_minutes=30, buffer_minutes=0, price=1000, description="Bench")
    practitioners = [
        Practitioner.objects.create(user=User.objects.create_user(f"bench-{n}@example.test", "x"),
                                    display_name=f"Bench therapist {n}")
        for n in range(10)
    ]
    Client.objects.bulk_create(
        Client(full_name=f"Client {n}", phone=f"+9198{n:08d}", sms_reminders=True) for n in range(count))
    clients = list(Client.objects.order_by("id"))
    now = timezone.now()
    Appointment.objects.bulk_create((
        Appointment(client=client, practitioner=practitioners[n % 10], service=service, location=location,
                    start=now + timedelta(hours=3 + n // 10), end=now + timedelta(hours=3 + n // 10, minutes=30),
                    buffer_end=now + timedelta(hours=3 + n // 10, minutes=30), price=1000,
                    status=AppointmentStatus.CONFIRMED, source=Source.STAFF)
        for n, client in enumerate(clients)
    ), batch_size=1000)
    due = now - timedelta(minutes=1)
    Notification.objects.bulk_create((
        Notification(appointment_id=pk, kind="reminder", channel="sms", due_at=due, not_before=due, for_start=start,
                     offset_minutes=120)
        for pk, start in Appointment.objects.values_list("id", "start")
    ), batch_size=1000)


def wait(condition, *, seconds: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > seconds:
            sys.exit(f"gave up waiting for {what}")
        time.sleep(0.02)
    return time.monotonic() - started


def main() -> None:
    from bookings.models import Notification
    from clinic.celery import app

    database_url = build_database()
    seed(COUNT)
    outbox = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    broker = redis.Redis.from_url(os.environ["REDIS_URL"])
    broker.delete("notifications", "default", "unacked", "unacked_index", "bench:reminders:noop")
    env = {**os.environ, "DATABASE_URL": database_url, "SMS_BACKEND": "bookings.channels.FileOutbox",
           "NOTIFICATION_OUTBOX_DIR": str(outbox), "LOG_LEVEL": "WARNING", "DEBUG": "false"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "clinic", "worker", "--queues=default,notifications", "--pool=solo",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-I", "bench.noop_tasks",
         "--loglevel=WARNING", "-n", "bench-reminders@%h"], cwd=ROOT, env=env,
    )
    try:
        app.send_task("bench.noop", queue="notifications")  # the worker is up when this has run
        wait(lambda: int(broker.get("bench:reminders:noop") or 0) == 1, seconds=60, what="the worker")
        broker.delete("bench:reminders:noop")
        print(f"{COUNT} reminders due, database {connection.vendor}, broker {os.environ['REDIS_URL']}, "
              f"batch {os.environ.get('NOTIFICATION_BATCH_SIZE', '200')}, worker --pool=solo")

        sent = Notification.objects.filter(state="sent")
        started = time.monotonic()
        app.send_task("bookings.dispatch", queue="notifications")
        wait(lambda: sent.count() >= COUNT, seconds=1800, what="the reminders")
        dispatch_seconds = time.monotonic() - started

        started = time.monotonic()
        with app.producer_pool.acquire(block=True) as producer:
            for _ in range(COUNT):
                app.send_task("bench.noop", queue="notifications", producer=producer)
        wait(lambda: int(broker.get("bench:reminders:noop") or 0) >= COUNT, seconds=1800, what="the no-op tasks")
        noop_seconds = time.monotonic() - started
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    keys = {path.stem for path in outbox.glob("notification-*.json")}
    expected = {f"notification-{pk}" for pk in Notification.objects.values_list("id", flat=True)}
    repeats = len(list((outbox / "duplicates").glob("*.json"))) if (outbox / "duplicates").exists() else 0
    duplicates = repeats + len(expected - keys) + Notification.objects.exclude(state="sent").count()
    ratio = dispatch_seconds / noop_seconds
    print(f"dispatch {COUNT} reminders: {dispatch_seconds:.2f} s ({COUNT / dispatch_seconds:.0f}/s)")
    print(f"{COUNT} no-op tasks:        {noop_seconds:.2f} s ({COUNT / noop_seconds:.0f}/s)")
    print(f"ratio dispatch/no-op: {ratio:.2f} (target <= {TARGET_RATIO:g})")
    print(f"duplicates: {duplicates} (repeated keys {repeats}, missing {len(expected - keys)}; target 0)")
    connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
