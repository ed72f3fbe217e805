"""The dispatch task (bookings/tasks.py) and its Celery wiring: a named
queue, a schedule in code that beat's database scheduler takes up, and a
full batch queueing the next run at once instead of waiting for beat."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import ModelEntry

from bookings import tasks
from bookings.models import Notification
from clinic.celery import app
from tests.bookings.notifications.conftest import delivered, later
from tests.bookings.notifications.test_dispatch import _due_reminders

State = Notification.State
pytestmark = pytest.mark.django_db


@pytest.fixture
def daytime(monkeypatch):
    """The scenario's Monday, a minute past 08:00 in Chennai, for the tests
    that run the task as beat would (on ``timezone.now``): on the real clock
    a run at night in Chennai falls in the studio's quiet hours (21:00 to
    08:00), which rightly hold every message back."""
    clock = later(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: clock)
    return clock


def test_the_task_is_routed_to_the_notifications_queue_with_limits_inside_the_lease():
    task = app.tasks["bookings.dispatch"]
    assert app.amqp.router.route({}, "bookings.dispatch")["queue"].name == "notifications"
    assert {queue for queue in app.amqp.queues} == {"default", "notifications"}
    assert task.time_limit * 2 <= settings.NOTIFICATION_LEASE_SECONDS
    assert task.soft_time_limit < task.time_limit
    assert app.conf.task_acks_late and app.conf.accept_content == ["json"]


def test_beat_runs_it_every_minute_from_a_schedule_the_staff_panel_can_edit():
    entry = settings.CELERY_BEAT_SCHEDULE["dispatch-notifications"]
    assert (entry["task"], entry["schedule"], entry["options"]["queue"]) == ("bookings.dispatch", 60.0,
                                                                             "notifications")
    # What beat's DatabaseScheduler does with each entry of the schedule at start-up.
    for name, fields in app.conf.beat_schedule.items():
        ModelEntry.from_entry(name, app=app, **fields)
    stored = PeriodicTask.objects.get(name="dispatch-notifications")
    assert (stored.task, stored.interval.every, stored.interval.period, stored.queue) == (
        "bookings.dispatch", 60, "seconds", "notifications")


def test_a_full_batch_queues_the_next_run_at_once_and_a_partial_one_does_not(studio, outbox, settings, monkeypatch,
                                                                              daytime):
    settings.NOTIFICATION_BATCH_SIZE = 3
    _due_reminders(studio, 5)
    Notification.objects.filter(state=State.PENDING).update(not_before=daytime - timedelta(minutes=1))
    queued = []
    monkeypatch.setattr(tasks.dispatch, "apply_async", lambda *args, **kwargs: queued.append(kwargs))
    first = tasks.dispatch.apply().get()
    assert (first["claimed"], first["sent"], queued) == (3, 3, [{"queue": "notifications"}])
    second = tasks.dispatch.apply().get()
    assert (second["claimed"], second["sent"], len(queued)) == (2, 2, 1)
    assert len(delivered(outbox)) == 5


def test_run_eagerly_a_backlog_drains_in_one_call(studio, outbox, settings, daytime):
    settings.NOTIFICATION_BATCH_SIZE = 2
    _due_reminders(studio, 5)
    Notification.objects.filter(state=State.PENDING).update(not_before=daytime - timedelta(minutes=1))
    app.conf.task_always_eager = True
    try:
        tasks.dispatch.delay()
    finally:
        app.conf.task_always_eager = False
    assert Notification.objects.filter(state=State.SENT).count() == 5
    assert len(delivered(outbox)) == 5
