"""The baseline task of ``bench/reminders.py``: does nothing but count
itself in Redis, so the bench can tell when the last one ran."""

from __future__ import annotations

import os

import redis

from clinic.celery import app

COUNTER = "bench:reminders:noop"
_redis = None


@app.task(name="bench.noop", ignore_result=True)
def noop() -> None:
    global _redis
    if _redis is None:
        _redis = redis.Redis.from_url(os.environ["REDIS_URL"])
    _redis.incr(COUNTER)
