"""The staff calendar against the bare queries that fetch its rows.

    .venv/bin/python bench/calendar.py            # SQLite file (embedded default)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic .venv/bin/python bench/calendar.py

Builds a throw-away database (SQLite: var/bench-calendar.sqlite3; on
PostgreSQL: test_<name>) with one location, 10 practitioners working
Monday to Saturday with a break, a day of 150 half-hour appointments among
30 clients, some time off and hours kept on one date. For the day view
(``/admin/calendar/``, a column per practitioner) and the week view
(``/admin/calendar/week/``, a column per day and practitioner, the same 150
appointments) it prints the median server time of the page as the front
desk opens it (Django's test client: the whole middleware stack, the
session, the template), its query count and bytes; the median time of
the bare queries that fetch the same rows (the page's own statements,
captured, replayed on a raw cursor: what the database alone costs); and
the ratio page/queries. Medians of ``BENCH_RUNS`` (25) runs, taken in
turns. Target: page/queries <= 2.

Three last lines, outside the verdict, are floors, each against the full
day's bare queries: the same day view of a second location with nobody
and nothing in it (the panel's frame, the session and the template, no
grid); and Django's own admin page that shows nothing ("password change
done": Django's view and template, none of this project's), through this
project's middleware and through only the middleware of Django's project
template. What an admin page costs before it shows anything.
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

import os  # noqa: E402
import statistics  # noqa: E402
import time as clock  # noqa: E402
from datetime import date, datetime, time, timedelta  # noqa: E402
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings.base")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "b" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DEBUG", "true")  # static files from the app folders, no collectstatic needed

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "25"))
# The middleware of a new project from Django's template (``startproject``).
DJANGO_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
STOCK_PAGE = "/admin/password_change/done/"
TARGET_RATIO = 2.0
PRACTITIONERS, APPOINTMENTS, CLIENTS = 10, 150, 30


def build_database() -> None:
    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = str(ROOT / "var" / "bench-calendar.sqlite3")
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)


def next_tuesday() -> date:
    today = date.today()
    return today + timedelta(days=7 + (1 - today.weekday()) % 7)


def make_clinic(day: date):
    """The location, its team and the day's appointments, written directly
    (they are data, not what is measured)."""
    from django.contrib.auth.models import Group

    from bookings.models import Appointment, DatedHours, TimeOff, WorkingHours
    from clinic import roles
    from clinic.models import Client as Person, Location, Practitioner, Room, User
    from treatments.models import Service

    location = Location.objects.create(name="Bench studio", address="Chennai", time_zone="Asia/Kolkata")
    rooms = Room.objects.bulk_create(Room(location=location, name=f"Room {n}") for n in range(3))
    service = Service.objects.create(name="Bench massage", slug="bench-massage", category="back_massage",
                                     duration_minutes=30, buffer_minutes=0, price=900, description="Bench")
    team = []
    for n in range(PRACTITIONERS):
        user = User.objects.create_user(f"bench-{n}@example.test", "x")
        practitioner = Practitioner.objects.create(user=user, display_name=f"Bench therapist {n:02d}")
        practitioner.services.add(service)
        WorkingHours.objects.bulk_create(
            WorkingHours(practitioner=practitioner, location=location, weekday=weekday, starts_at=start, ends_at=end)
            for weekday in range(6) for start, end in ((time(9), time(13)), (time(14), time(19))))
        team.append(practitioner)
    zone = location.time_zone
    TimeOff.objects.create(practitioner=team[0], start=datetime.combine(day, time(17), tzinfo=zone),
                           end=datetime.combine(day, time(19), tzinfo=zone), reason="Training")
    DatedHours.objects.create(practitioner=team[1], location=location, day=day, starts_at=time(19),
                              ends_at=time(21), reason="Late evening")
    clients = Person.objects.bulk_create(
        Person(full_name=f"Bench client {n}", phone=f"+9198400{n:05d}") for n in range(CLIENTS))
    rows = []
    for n in range(APPOINTMENTS):
        start = datetime.combine(day, time(9), tzinfo=zone) + timedelta(minutes=30 * (n // PRACTITIONERS))
        rows.append(Appointment(
            client=clients[n % CLIENTS], practitioner=team[n % PRACTITIONERS], service=service, location=location,
            room=rooms[n % 3] if n % PRACTITIONERS < 3 else None, start=start, end=start + timedelta(minutes=30),
            buffer_end=start + timedelta(minutes=30), price=900, source="staff", status="confirmed"))
    Appointment.objects.bulk_create(rows)
    desk = User.objects.create_user("bench-desk@example.test", "x", is_staff=True)
    desk.groups.add(Group.objects.get(name=roles.RECEPTIONIST))
    empty = Location.objects.create(name="Bench annexe", address="Chennai", time_zone="Asia/Kolkata")
    return desk, location.pk, empty.pk


def median_seconds(*calls) -> tuple[float, ...]:
    """The median time of each call; the calls take turns, so that a change
    in the machine's speed weighs on each alike."""
    samples: list[list[float]] = [[] for _ in calls]
    for _ in range(RUNS):
        for call, times in zip(calls, samples):
            started = clock.perf_counter()
            call()
            times.append(clock.perf_counter() - started)
    return tuple(statistics.median(times) for times in samples)


def bare_fetch(queries: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in queries:
            cursor.execute(sql)
            cursor.fetchall()


def measure(browser: Client, label: str, url: str, blocks: int = APPOINTMENTS, bare: list[str] | None = None):
    """The page at ``url`` against the bare queries: its own SELECTs, or
    ``bare`` (another page's) when given."""
    def page():
        response = browser.get(url)
        assert response.status_code == 200, response.content[:300]
        return response

    page()  # warm the template cache and the connection
    with CaptureQueriesContext(connection) as captured:
        response = page()
    assert response.content.count(b'data-testid="block"') == blocks, "the page does not show every appointment"
    statements = [query["sql"] for query in captured.captured_queries if query["sql"].lstrip().upper().startswith("SELECT")]
    page_time, bare_time = median_seconds(page, lambda: bare_fetch(bare or statements))
    return label, page_time, len(captured.captured_queries), len(response.content), bare_time, page_time / bare_time, \
        statements


def main() -> int:
    build_database()
    day = next_tuesday()
    desk, studio, empty = make_clinic(day)
    browser = Client()
    browser.force_login(desk)
    results = [
        measure(browser, f"day: {PRACTITIONERS} practitioners, {APPOINTMENTS} appointments",
                f"/admin/calendar/?location={studio}&date={day.isoformat()}"),
        measure(browser, f"week: {PRACTITIONERS * 7} columns, {APPOINTMENTS} appointments",
                f"/admin/calendar/week/?location={studio}&date={day.isoformat()}"),
    ]
    # The floor: the same day view of a location with nobody and nothing in
    # it (the panel's frame, the session, the template), against the full
    # day's bare queries. Not part of the verdict; it shows what no grid costs.
    day_queries = results[0][-1]
    floors = [measure(browser, "floor: the day of an empty location", f"/admin/calendar/?location={empty}"
                      f"&date={day.isoformat()}", blocks=0, bare=day_queries),
              measure(browser, "floor: Django's empty admin page", STOCK_PAGE, blocks=0, bare=day_queries)]
    with override_settings(MIDDLEWARE=DJANGO_MIDDLEWARE):
        plain = Client()  # a new client loads the middleware of the moment
        plain.force_login(desk)
        floors.append(measure(plain, "floor: the same, Django's middleware only", STOCK_PAGE, blocks=0,
                              bare=day_queries))
    print(f"calendar benchmark on {connection.vendor}, median of {RUNS} runs")
    print(f"{'case':44} {'page ms':>8} {'queries':>7} {'KB':>6} {'bare queries ms':>15} {'page/queries':>12}")
    for label, page_time, queries, size, bare_time, ratio, _statements in [*results, *floors]:
        print(f"{label:44} {page_time * 1000:8.2f} {queries:7d} {size / 1024:6.1f} {bare_time * 1000:15.2f}"
              f" {ratio:12.2f}")
    worst = max(result[5] for result in results)
    verdict = "meets" if worst <= TARGET_RATIO else "MISSES"
    print(f"worst page/queries {worst:.2f}: {verdict} the target of {TARGET_RATIO}"
          f" (an empty location's page alone: {floors[0][5]:.2f}; Django's empty admin page:"
          f" {floors[1][5]:.2f}, {floors[2][5]:.2f} with Django's middleware only)")
    connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
