"""The slot page of the booking flow against the availability API.

    .venv/bin/python bench/pages.py            # SQLite file (embedded default)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic .venv/bin/python bench/pages.py

Builds a throw-away database (SQLite: var/bench-pages.sqlite3; on
PostgreSQL: test_<name>) with one location, a 60-minute treatment and 1 or
10 practitioners who work Monday to Saturday. For each team it prints the
median server time of the slot page (``GET /book/?service&practitioner=any
&date``: 14 day buttons and the chosen day's times, rendered through the
whole middleware stack by Django's test client), the bytes it sends (HTML,
plus the stylesheet and script it loads), its query count, and beside them
the median time of ``GET /api/v1/availability/`` for the same 14 days and
the ratio page/API. Medians of ``BENCH_RUNS`` (25) runs, taken in turns.
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
import statistics
import time as clock
from datetime import date, time, timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings.base")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "b" * 40)
os.environ.setdefault("API_THROTTLE_ANON", "1000000/minute")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DEBUG", "true")  # static files from the app folders, no collectstatic needed

import django  # noqa: E402

django.setup()

from django.contrib.staticfiles import finders  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "25"))
DAYS = 14


def build_database() -> None:
    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = str(ROOT / "var" / "bench-pages.sqlite3")
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)


def make_team(size: int, tag: str):
    from bookings.models import WorkingHours
    from clinic.models import Location, Practitioner, User
    from treatments.models import Service

    location = Location.objects.create(name=f"Bench {tag}", address="1 Bench Road, Chennai",
                                       time_zone="Asia/Kolkata", active=tag == "10")
    service = Service.objects.create(name=f"Bench massage {tag}", slug=f"bench-{tag}", category="back_massage",
                                     duration_minutes=60, buffer_minutes=15, price=1500,
                                     description="Bench treatment.")
    for n in range(size):
        user = User.objects.create_user(email=f"bench-{tag}-{n}@example.com")
        practitioner = Practitioner.objects.create(user=user, display_name=f"Therapist {tag}-{n}")
        practitioner.services.add(service)
        for weekday in range(6):
            for start, end in ((time(9), time(13)), (time(14), time(19))):
                WorkingHours.objects.create(practitioner=practitioner, location=location, weekday=weekday,
                                            starts_at=start, ends_at=end)
    return location, service


def timed(call) -> tuple[float, object]:
    started = clock.perf_counter()
    result = call()
    return (clock.perf_counter() - started) * 1000, result


def main() -> None:
    from clinic.models import Location

    setup_test_environment()
    build_database()
    static = sum(len(open(finders.find(name), "rb").read()) for name in ("site/site.css", "site/book.js"))
    browser = Client()
    first = date.today() + timedelta(days=1)
    print(f"{connection.vendor}: slot page vs availability API, {DAYS} days, medians of {RUNS} runs")
    for size in (1, 10):
        tag = str(size)
        Location.objects.update(active=False)
        location, service = make_team(size, tag)
        Location.objects.filter(pk=location.pk).update(active=True)
        page_url = f"/book/?service={service.pk}&practitioner=any&date={first.isoformat()}"
        api_url = (f"/api/v1/availability/?service={service.pk}&start={date.today().isoformat()}"
                   f"&end={(date.today() + timedelta(days=DAYS - 1)).isoformat()}")
        page_times, api_times = [], []
        browser.get(page_url), browser.get(api_url)  # warm up
        for _ in range(RUNS):
            ms, page = timed(lambda: browser.get(page_url))
            page_times.append(ms)
            ms, api = timed(lambda: browser.get(api_url))
            api_times.append(ms)
        assert page.status_code == 200 and api.status_code == 200, (page.status_code, api.status_code)
        with CaptureQueriesContext(connection) as queries:
            browser.get(page_url)
        page_ms, api_ms = statistics.median(page_times), statistics.median(api_times)
        print(f"{size:>2} practitioner(s): page {page_ms:7.1f} ms, {len(page.content) + static:>6} bytes "
              f"(HTML {len(page.content)} + CSS/JS {static}), {len(queries)} queries | "
              f"API {api_ms:7.1f} ms | page/API {page_ms / api_ms:.2f}")
    connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
