"""Availability: the API view against ``bookings.selectors.free_slots``.

    .venv/bin/python bench/availability.py            # SQLite file (embedded default)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic .venv/bin/python bench/availability.py

Builds a throw-away database (SQLite: var/bench-availability.sqlite3; on
PostgreSQL: test_<name>), fills it, and for each case prints the median wall
time of ``free_slots`` (fetch + engine: "engine" below), its query count, the
median time of the bare fetch (``fetch_calendar_rows``, the rows with nothing
built from them), the engine's ratio to it, the slot count, the captured SQL
replayed on a raw cursor (without Django's type conversion, for scale), then
the median time of ``GET /api/v1/availability/`` for the same calendar,
in process (the view called with a request from DRF's ``APIRequestFactory``
and its response rendered to JSON bytes, without the middleware), its query
count, and ``view/engine``. Target: view/engine <= 1.5 in every case.
A last line, outside the verdict, is a floor: the view's frame alone (its
dispatch, the query validated, an empty answer) against the first case's
engine run.
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

import json
import os
import statistics
import time as clock
from datetime import date, datetime, time, timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings.base")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "b" * 40)
# The view is asked hundreds of times a minute; the throttles must not answer instead.
os.environ.setdefault("API_THROTTLE_ANON", "1000000/minute")
os.environ.setdefault("API_THROTTLE_USER", "1000000/minute")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "25"))
FIRST_DAY = date.today() + timedelta(days=1)
TARGET_RATIO = 1.5


def build_database() -> None:
    if connection.vendor == "sqlite":
        path = ROOT / "var" / "bench-availability.sqlite3"
        connection.settings_dict["TEST"]["NAME"] = str(path)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)


def make_team(size: int, tag: str):
    from bookings.models import WorkingHours
    from clinic.models import Location, Practitioner, Room, User
    from treatments.models import Service

    location = Location.objects.create(name=f"Bench studio {tag}", address="Chennai", time_zone="Asia/Kolkata")
    Room.objects.bulk_create(Room(location=location, name=f"Room {n}") for n in range(3))
    service = Service.objects.create(
        name=f"Bench massage {tag}", slug=f"bench-massage-{tag}", category="back_massage", duration_minutes=60,
        buffer_minutes=15, price=1500, description="Bench", requires_room=True,
    )
    filler = Service.objects.create(
        name=f"Bench quick {tag}", slug=f"bench-quick-{tag}", category="acupressure", duration_minutes=15,
        buffer_minutes=0, price=500, description="Bench", requires_room=False,
    )
    team = []
    for n in range(size):
        user = User.objects.create_user(f"bench-{tag}-{n}@example.test", "x")
        practitioner = Practitioner.objects.create(user=user, display_name=f"Bench {tag} {n}")
        practitioner.services.add(service, filler)
        WorkingHours.objects.bulk_create(
            WorkingHours(practitioner=practitioner, location=location, weekday=weekday, starts_at=start, ends_at=end)
            for weekday in range(7)
            for start, end in ((time(9), time(13)), (time(14), time(19)))
        )
        team.append(practitioner)
    return location, service, filler, team


def book_filler(location, filler, practitioners, per_practitioner: int, days: int, already: int = 0) -> None:
    """Quarter-hour appointments on the grid, inside working hours, spread
    evenly over the range, written directly (they are data, not the test)."""
    from bookings.models import Appointment
    from clinic.models import Client

    # One client per practitioner: a client is never in two places at once.
    clients = {
        practitioner.pk: Client.objects.get_or_create(
            full_name=f"Bench client {practitioner.pk}", phone=f"+9198400{practitioner.pk:05d}"
        )[0]
        for practitioner in practitioners
    }
    tz = location.time_zone
    quarters = [datetime.combine(date(2000, 1, 1), time(9)) + timedelta(minutes=15 * q) for q in range(40)]
    quarters = [q.time() for q in quarters if not (13 <= q.hour < 14)]
    rows = []
    for practitioner in practitioners:
        for n in range(already, already + per_practitioner):
            day = FIRST_DAY + timedelta(days=n % days)
            start = datetime.combine(day, quarters[(n // days) % len(quarters)], tzinfo=tz)
            rows.append(Appointment(
                client=clients[practitioner.pk], practitioner=practitioner, service=filler, location=location,
                start=start,
                end=start + timedelta(minutes=15), buffer_end=start + timedelta(minutes=15), price=500,
                source="staff", status="confirmed",
            ))
    Appointment.objects.bulk_create(rows, batch_size=500)


def median_seconds(*calls) -> float | tuple[float, ...]:
    """The median time of each call; several calls take turns, so that a
    change in the machine's speed weighs on each alike."""
    samples: list[list[float]] = [[] for _ in calls]
    for _ in range(RUNS):
        for call, times in zip(calls, samples):
            started = clock.perf_counter()
            call()
            times.append(clock.perf_counter() - started)
    medians = tuple(statistics.median(times) for times in samples)
    return medians[0] if len(calls) == 1 else medians


def bare_fetch(queries: list[dict]) -> None:
    with connection.cursor() as cursor:
        for query in queries:
            cursor.execute(query["sql"]) if not query.get("params") else cursor.execute(query["sql"], query["params"])
            cursor.fetchall()


def frame_view():
    """The availability view without its work: DRF's dispatch with the same
    authentication, throttles and renderer, the query read and validated,
    and an empty list for an answer. What the view costs before the engine
    runs or a slot is written."""
    from rest_framework.response import Response

    from bookings.api import AvailabilityQuery, AvailabilityView
    from clinic.rest import EncodedJSON

    class Frame(AvailabilityView):
        def get(self, request):
            AvailabilityQuery(data=request.query_params).is_valid(raise_exception=True)
            return Response(EncodedJSON('{"slots":[]}'))

    return Frame.as_view()


def view_call(service, practitioner, days: int, view=None):
    """A call that asks the availability view (or ``view``) for the same
    range as ``free_slots`` and returns the rendered response."""
    from rest_framework.test import APIRequestFactory

    from bookings.api import AvailabilityView

    view = view or AvailabilityView.as_view()
    query = {"service": service.pk, "start": FIRST_DAY.isoformat(),
             "end": (FIRST_DAY + timedelta(days=days - 1)).isoformat()}
    if practitioner is not None:
        query["practitioner"] = practitioner.pk
    factory = APIRequestFactory()

    def call():
        response = view(factory.get("/api/v1/availability/", query))
        response.render()
        assert response.status_code == 200, response.content[:500]
        return response

    return call


def measure(label: str, service, practitioner, days: int) -> tuple:
    from bookings.selectors import fetch_calendar_rows, free_slots

    arguments = {
        "service": service,
        "first_day": FIRST_DAY,
        "last_day": FIRST_DAY + timedelta(days=days - 1),
        "practitioner": practitioner,
    }
    free_slots(**arguments)  # warm caches and connections for every measurement
    with CaptureQueriesContext(connection) as captured:
        slots = free_slots(**arguments)
    raw = [{"sql": q["sql"]} for q in captured.captured_queries]
    fetch = median_seconds(lambda: fetch_calendar_rows(**arguments))
    raw_sql = median_seconds(lambda: bare_fetch(raw))

    ask_view = view_call(service, practitioner, days)
    cache.clear()  # each case's throttle history starts empty
    with CaptureQueriesContext(connection) as captured:
        response = ask_view()
    assert response.status_code == 200, response.content[:500]
    assert len(json.loads(response.content)["slots"]) == len(slots), "the view and free_slots disagree"
    total, view = median_seconds(lambda: free_slots(**arguments), ask_view)
    return (label, total, len(raw), fetch, total / fetch, len(slots), raw_sql, view,
            len(captured.captured_queries), view / total)


def main() -> int:
    build_database()
    vendor = connection.vendor
    location, service, filler, (solo,) = make_team(1, "solo")
    results = [measure("1 practitioner x 30 days, 0 appointments", service, solo, 30)]
    frame = median_seconds(view_call(service, solo, 30, view=frame_view()))
    book_filler(location, filler, [solo], 200, 30)
    results.append(measure("1 practitioner x 30 days, 200 appointments", service, solo, 30))
    book_filler(location, filler, [solo], 800, 30, already=200)
    results.append(measure("1 practitioner x 30 days, 1000 appointments", service, solo, 30))

    location, service, filler, team = make_team(10, "team")
    results.append(measure("10 practitioners x 14 days, 0 appointments", service, None, 14))
    book_filler(location, filler, team, 100, 14)
    results.append(measure("10 practitioners x 14 days, 1000 appointments", service, None, 14))

    print(f"availability benchmark on {vendor}, median of {RUNS} runs")
    print(f"{'case':48} {'engine ms':>9} {'queries':>7} {'fetch ms':>9} {'e/fetch':>7} {'slots':>6}"
          f" {'raw SQL ms':>10} {'view ms':>8} {'queries':>7}")
    worst = 0.0
    for label, total, queries, fetch, ratio, slots, raw_sql, view, view_queries, view_ratio in results:
        worst = max(worst, view_ratio)
        print(f"{label:48} {total * 1000:9.2f} {queries:7d} {fetch * 1000:9.2f} {ratio:7.2f} {slots:6d}"
              f" {raw_sql * 1000:10.2f} {view * 1000:8.2f} {view_queries:7d} view/engine: {view_ratio:.2f}")
    smallest = results[0][1]
    print(f"floor: the view's frame alone (DRF's dispatch, the query validated, an empty answer) {frame * 1000:.2f} ms,"
          f" {frame / smallest:.2f} of the first case's engine run")
    verdict = "meets" if worst <= TARGET_RATIO else "MISSES"
    print(f"worst view/engine {worst:.2f}: {verdict} the target of {TARGET_RATIO}")
    connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
