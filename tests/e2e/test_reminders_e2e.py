"""End to end: a real Celery worker and beat (subprocesses, the project's
settings) send due reminders through the file outbox; the worker is killed
with SIGKILL in the middle of a batch and started again, and every
reminder is still delivered exactly once.

Runs on the embedded broker (kombu's filesystem transport, in a folder of
its own) in every run, and on Redis when ``REDIS_URL`` is set (CI's second
pass). The subprocesses use the test database itself (a SQLite file, or
PostgreSQL's test database), which is why the tests take
``transactional_db``: what they write is committed where the worker sees it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import time as clock_time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from bookings.models import Appointment, AppointmentStatus, Notification, Source
from tests.clinic.factories import ClientFactory, LocationFactory, PractitionerFactory
from tests.treatments.factories import ServiceFactory

ROOT = Path(__file__).resolve().parents[2]
State = Notification.State
LEASE_SECONDS = 4
BATCH = 20


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(settings['NAME']).resolve()}"
    user, host, port = settings["USER"], settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


class Celery:
    """A worker and a beat, started and stopped by the test, their output
    kept in files to show when something goes wrong."""

    def __init__(self, folder: Path, broker: dict[str, str]):
        self.folder = folder
        self.outbox = folder / "outbox"
        self.env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DATABASE_URL")}
        self.env.update(
            DJANGO_SETTINGS_MODULE="clinic.settings.base", DEBUG="false",
            SECRET_KEY="e2e-only-" + "e" * 40, DATABASE_URL=database_url(),
            SMS_BACKEND="tests.e2e.slow_outbox.SlowFileOutbox", NOTIFICATION_OUTBOX_DIR=str(self.outbox),
            NOTIFICATION_LEASE_SECONDS=str(LEASE_SECONDS), NOTIFICATION_DISPATCH_SECONDS="1",
            NOTIFICATION_BATCH_SIZE=str(BATCH), LOG_LEVEL="WARNING", **broker,
        )
        self.processes: dict[str, subprocess.Popen] = {}
        self.starts = 0

    def start(self, name: str) -> subprocess.Popen:
        self.starts += 1
        if name == "worker":
            args = ["worker", "--queues=default,notifications", "--pool=solo", "--without-gossip",
                    "--without-mingle", "--without-heartbeat", "-n", f"e2e-{uuid.uuid4().hex[:8]}@%h"]
        else:
            args = ["beat", "--pidfile=", f"--schedule={self.folder / 'beat-schedule'}"]
        log = open(self.folder / f"{name}-{self.starts}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "clinic", *args, "--loglevel=WARNING"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )
        self.processes[name] = process
        return process

    def kill(self, name: str) -> None:
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        for name in list(self.processes):
            process = self.processes.pop(name)
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def logs(self) -> str:
        return "\n".join(f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
                         for path in sorted(self.folder.glob("*.log")))

    def delivered_keys(self) -> list[str]:
        if not self.outbox.exists():
            return []
        return [json.loads(path.read_text())["key"] for path in self.outbox.glob("notification-*.json")]

    def duplicate_tries(self) -> int:
        return len(list((self.outbox / "duplicates").glob("*.json"))) if (self.outbox / "duplicates").exists() else 0


def book_due_reminders(count: int, *, first: int = 0) -> list[int]:
    """``count`` confirmed appointments, each with an SMS reminder due a
    minute ago, at a studio that keeps no quiet hours (the real clock may be
    at any hour)."""
    location = LocationFactory(name="E2E studio", quiet_from=clock_time(0), quiet_until=clock_time(0))
    practitioner = PractitionerFactory()
    service = ServiceFactory(duration_minutes=30, buffer_minutes=0, requires_room=False)
    now = timezone.now()
    appointments = []
    for n in range(first, first + count):
        start = now + timedelta(hours=3 + n)
        appointments.append(Appointment(
            client=ClientFactory(sms_reminders=True), practitioner=practitioner, service=service, location=location,
            start=start, end=start + timedelta(minutes=30), buffer_end=start + timedelta(minutes=30),
            price=service.price, status=AppointmentStatus.CONFIRMED, source=Source.STAFF,
        ))
    Appointment.objects.bulk_create(appointments)
    created = Appointment.objects.filter(location=location, start__gte=now + timedelta(hours=3 + first))
    Notification.objects.bulk_create(
        Notification(appointment=appointment, kind=Notification.Kind.REMINDER, channel=Notification.Channel.SMS,
                     due_at=now - timedelta(minutes=1), not_before=now - timedelta(minutes=1),
                     for_start=appointment.start, offset_minutes=120)
        for appointment in created
    )
    return list(Notification.objects.filter(appointment__in=created).values_list("id", flat=True))


def wait_for(condition, *, seconds: float, celery: Celery, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}\n{celery.logs()}")


def sent_count(ids) -> int:
    return Notification.objects.filter(id__in=ids, state=State.SENT).count()


KILL_ATTEMPTS = 5


def deliver_every_reminder_once_through_a_killed_worker(celery: Celery) -> None:
    celery.start("beat")
    celery.start("worker")

    # First, a handful: each is delivered once.
    first = book_due_reminders(5)
    wait_for(lambda: sent_count(first) == len(first), seconds=30, celery=celery, what="the first reminders")
    assert sorted(celery.delivered_keys()) == sorted(f"notification-{pk}" for pk in first)

    # Then a backlog, and the worker killed while it works through it.
    backlog = book_due_reminders(150, first=10)
    # Kill it while it holds a batch (rows claimed, "sending"), not in the
    # pause between two batches. The batch may end between seeing it and
    # the kill landing (it did once in CI): then the worker is started
    # again and killed again, a few times at most.
    for _attempt in range(KILL_ATTEMPTS):
        wait_for(lambda: len(celery.delivered_keys()) >= len(first) + 40
                 and Notification.objects.filter(id__in=backlog, state=State.SENDING).exists(),
                 seconds=30, celery=celery, what="the backlog to be going out")
        celery.kill("worker")
        in_flight = Notification.objects.filter(id__in=backlog, state=State.SENDING).count()
        if in_flight:
            break
        celery.start("worker")
    assert in_flight > 0, f"the worker was not killed in the middle of a batch in {KILL_ATTEMPTS} tries"
    assert sent_count(backlog) < len(backlog)

    celery.start("worker")
    wait_for(lambda: sent_count(backlog) == len(backlog), seconds=45, celery=celery,
             what="the backlog after the restart")
    every = first + backlog
    keys = celery.delivered_keys()
    assert sorted(keys) == sorted(f"notification-{pk}" for pk in every)  # each once, none missing
    # Only the row being sent when the worker died can have been tried twice
    # (same key: recorded as a repeat, not delivered again).
    assert celery.duplicate_tries() <= 1
    assert not Notification.objects.filter(id__in=every).exclude(state=State.SENT).exists()


@pytest.fixture
def celery_on(transactional_db, tmp_path):
    started = []

    def start(broker: dict[str, str]) -> Celery:
        celery = Celery(tmp_path, broker)
        started.append(celery)
        return celery

    yield start
    for celery in started:
        celery.stop()


def test_every_reminder_is_delivered_once_on_the_embedded_broker(celery_on, tmp_path):
    deliver_every_reminder_once_through_a_killed_worker(celery_on({"CELERY_BROKER_DIR": str(tmp_path / "broker")}))


@pytest.mark.redis
def test_every_reminder_is_delivered_once_on_redis(celery_on):
    import redis

    url = os.environ["REDIS_URL"]
    # Tasks left in this Redis database by an earlier run would only be extra
    # dispatcher runs, but start clean so that the run says what it did.
    redis.Redis.from_url(url).delete("notifications", "default", "unacked", "unacked_index")
    deliver_every_reminder_once_through_a_killed_worker(celery_on({"REDIS_URL": url}))
