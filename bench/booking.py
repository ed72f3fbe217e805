"""Booking over HTTP: throughput, latency and SQL of ``POST /api/v1/appointments/``.

    .venv/bin/python bench/booking.py
    BENCH_PRACTITIONERS=40 BENCH_REQUESTS=3200 .venv/bin/python bench/booking.py

PostgreSQL only (``DATABASE_URL``, default postgres://postgres@127.0.0.1:5432/clinic;
the database itself is not touched: the run builds and drops ``bench_booking``
beside it). On SQLite it refuses to run.

What it does:

* Builds the throw-away database, migrates it and seeds one studio in
  Asia/Kolkata: N practitioners (``BENCH_PRACTITIONERS``, default 20) and as
  many rooms, each practitioner offering one 60-minute service with a
  15-minute buffer that needs a room, working 09:00-19:00 every day; one
  client with a login (and a JWT access token) per load thread, plus one for
  the in-process measurements.
* Starts gunicorn on a free port of 127.0.0.1 against that database
  (``--workers 2 --threads 8 --worker-class gthread`` by default; see
  ``BENCH_WORKERS``, ``BENCH_THREADS``, ``BENCH_WORKER_CLASS``), with DEBUG
  off, persistent database connections (``BENCH_CONN_MAX_AGE``, default
  3600) and Redis as the cache for the throttle counters
  (``BENCH_REDIS_URL``, default redis://127.0.0.1:6379/15; empty for
  in-process memory), as docker-compose.yml deploys it (there connections
  live 60 s; here an hour, so that the database backends' CPU can be
  followed over a whole run). The throttle rate is raised so that it never
  refuses, but the throttle still runs on every request.
* Loads it from ``BENCH_CONCURRENCY`` threads (default 16), each with its own
  keep-alive connection and its own client's token, in three runs of
  ``BENCH_REQUESTS`` requests (default 1600) after ``BENCH_WARMUP`` (default
  64) unmeasured ones:

  bare     ``POST /bench/bare/`` (``bench/bare_urls.py``): the same stack
           (middleware, DRF, JWT, throttles, IsAuthenticated, JSON) around a
           single INSERT. The baseline.
  booking  bookings naming a practitioner; every request asks for a
           different free (practitioner, start), so every one should be 201.
  anyone   bookings without a practitioner; each start time is asked for
           exactly N times, so at every request someone is still free and
           every one should be 201. A 409 there is an "anyone" refusal while
           someone was free (warm-up included in that count).

  Starts are on the 15-minute grid, 75 minutes apart (09:00, 10:15, ...,
  17:45), from tomorrow on; the named run and the "anyone" run use different
  days.

Figures, per run: requests, successes, status codes (with the error code of
any refusal), throughput (requests / wall time), latency p50/p95/p99. Then
the CPU each party spent per request, and how many cores that kept busy: the
gunicorn processes, the PostgreSQL backends serving them (only with
persistent connections), this process (the load generator) and everything
else on the machine (a busy machine makes a run slower without any change in
the code). On a 2-core machine they all share the same cores. Beside them,
how many of the server's database sessions were, on average, waiting for a
row lock, and how many were running a statement: a run whose cores are not
busy while sessions queue for a lock is limited by the lock, not the CPU.
Then ``booking/bare`` and ``anyone/bare`` (throughput ratios; target for
booking/bare: at least 0.25) and the refusal count (target: 0).

Last, in this process (no HTTP server, one thread): one named and one
"anyone" booking through DRF's ``APIClient`` with a real token, every SQL
statement captured and listed (first 80 characters), and the median time of
a few bookings of each kind beside the part of it spent inside
``cursor.execute`` (sending the statement and waiting for the database;
turning the rows into Python values comes after, and counts as Python).
``BENCH_PROFILE=<n>`` also profiles n named bookings with cProfile.

Nothing is asserted: the figures are printed, with the targets beside them.
If the project's code changes while it runs (someone editing, a mutation
tool), it says so at the end: run it again. ``BENCH_KEEP_DB=1`` leaves the
database in place; the next run replaces it.
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

import cProfile
import hashlib
import http.client
import itertools
import json
import math
import os
import pstats
import resource
import socket
import statistics
import subprocess
import tempfile
import threading
import time as clock
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo


import environ  # noqa: E402

# whitenoise warns on every start that there is no collectstatic output; the
# API does not serve static files.
STATIC_WARNING = "No directory at"
warnings.filterwarnings("ignore", message=STATIC_WARNING, category=UserWarning)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/clinic"
DATABASE_URL = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
if "postgresql" not in environ.Env.db_url_config(DATABASE_URL)["ENGINE"]:
    sys.exit(
        f"bench/booking.py measures PostgreSQL only (row locks, exclusion constraints, a real server);"
        f" DATABASE_URL is {DATABASE_URL!r}. Point it at PostgreSQL, e.g. {DEFAULT_DATABASE_URL}"
    )

BENCH_DB = "bench_booking"
PRACTITIONERS = int(os.environ.get("BENCH_PRACTITIONERS", "20"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "16"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1600"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "64"))
WORKERS = os.environ.get("BENCH_WORKERS", "4")
THREADS = os.environ.get("BENCH_THREADS", "4")
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "gthread")
CONN_MAX_AGE = os.environ.get("BENCH_CONN_MAX_AGE", "3600")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
PROFILE_BOOKINGS = int(os.environ.get("BENCH_PROFILE", "0"))
KEEP_DB = os.environ.get("BENCH_KEEP_DB", "") not in ("", "0")

TARGET_BOOKING_RATIO = 0.25
ROUNDS = max(1, int(os.environ.get("BENCH_ROUNDS", "3")))
KOLKATA = ZoneInfo("Asia/Kolkata")
# The service holds 75 minutes (60 + 15 buffer): one practitioner's starts
# sit 75 minutes apart, all on the 15-minute grid, inside 09:00-19:00.
DAY_STARTS = [time(9 + minutes // 60, minutes % 60) for minutes in range(0, 10 * 60 - 75 + 1, 75)]
FIRST_DAY = datetime.now(KOLKATA).date() + timedelta(days=1)


def days_for(slots_needed: int) -> int:
    return math.ceil(slots_needed / len(DAY_STARTS))


# Days: named bookings (warm-up and measured), then "anyone" bookings, then
# one day each for the in-process named and "anyone" bookings, then those
# profiled, if any.
ANYONE_WARMUP_STARTS = max(1, math.ceil(WARMUP / PRACTITIONERS))
ANYONE_STARTS = max(1, math.ceil(REQUESTS / PRACTITIONERS))
NAMED_DAYS = days_for(math.ceil((WARMUP + REQUESTS) / PRACTITIONERS))
ANYONE_DAYS = days_for(ANYONE_WARMUP_STARTS + ANYONE_STARTS)
IN_PROCESS_SAMPLES = min(20, PRACTITIONERS * len(DAY_STARTS) - 2)
PROFILE_DAYS = days_for(math.ceil(PROFILE_BOOKINGS / PRACTITIONERS))
TOTAL_DAYS = NAMED_DAYS + ANYONE_DAYS + 2 + PROFILE_DAYS

# The settings both this process and the server read. The horizon covers
# every start the run books; starts begin tomorrow, so no notice is needed.
SHARED_ENV = {
    "DJANGO_SETTINGS_MODULE": "bench.bare_settings",
    "DATABASE_URL": DATABASE_URL,
    "DEBUG": "false",
    "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-" + "k" * 40,
    "ALLOWED_HOSTS": "127.0.0.1",
    "CONN_MAX_AGE": CONN_MAX_AGE,
    "REDIS_URL": REDIS_URL,
    "JWT_ACCESS_MINUTES": os.environ.get("JWT_ACCESS_MINUTES", "720"),
    "API_THROTTLE_USER": "1000000/minute",
    "BOOKING_MIN_NOTICE_MINUTES": "0",
    "BOOKING_HORIZON_DAYS": str(TOTAL_DAYS + 2),
    # Each load client books hundreds of times; the cap on a client's
    # upcoming bookings would turn the run into refusals.
    "BOOKING_MAX_UPCOMING_PER_CLIENT": "0",
    "LOG_LEVEL": "ERROR",  # a refusal (4xx) is logged as a warning; only errors are of interest
    "PYTHONWARNINGS": f"ignore:{STATIC_WARNING}:UserWarning",
}
os.environ.update(SHARED_ENV)

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.bare_urls import BARE_TABLE_SQL  # noqa: E402

BARE_PATH = "/bench/bare/"
BOOKING_PATH = "/api/v1/appointments/"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# -- the database -----------------------------------------------------------------


@dataclass
class Seed:
    service_id: int
    practitioner_ids: list[int]
    tokens: list[str]  # one client login per load thread, then one for in-process use


def build_database() -> str:
    """Create (replacing any left over) and migrate ``bench_booking``; return
    the name of the database the URL named, for the drop at the end."""
    original = connection.settings_dict["NAME"]
    connection.settings_dict["TEST"]["NAME"] = BENCH_DB
    with connection._nodb_cursor() as cursor:  # a left-over from a kept or interrupted run goes first
        cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(BENCH_DB)} WITH (FORCE)")
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=False)
    with connection.cursor() as cursor:
        cursor.execute(BARE_TABLE_SQL)
    return original


def seed() -> Seed:
    from django.contrib.auth.hashers import make_password
    from rest_framework_simplejwt.tokens import RefreshToken

    from bookings.models import WorkingHours
    from clinic.models import Client, Location, Practitioner, Room, User
    from treatments.models import Service

    location = Location.objects.create(name="Bench studio", address="Chennai", time_zone="Asia/Kolkata")
    Room.objects.bulk_create(Room(location=location, name=f"Room {n + 1}") for n in range(PRACTITIONERS))
    service = Service.objects.create(
        name="Bench massage", slug="bench-massage", category="back_massage", duration_minutes=60,
        buffer_minutes=15, price=1500, description="Bench", requires_room=True,
    )
    unusable = make_password(None)  # logins by token only: no password hashing while seeding
    staff = User.objects.bulk_create(
        User(email=f"practitioner-{n}@bench.test", password=unusable) for n in range(PRACTITIONERS)
    )
    practitioners = Practitioner.objects.bulk_create(
        Practitioner(user=user, display_name=f"Practitioner {n:03d}") for n, user in enumerate(staff)
    )
    Practitioner.services.through.objects.bulk_create(
        Practitioner.services.through(practitioner_id=practitioner.pk, service_id=service.pk)
        for practitioner in practitioners
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(practitioner=practitioner, location=location, weekday=weekday, starts_at=time(9), ends_at=time(19))
        for practitioner in practitioners
        for weekday in range(7)
    )
    logins = User.objects.bulk_create(
        User(email=f"client-{n}@bench.test", password=unusable) for n in range(CONCURRENCY + 1)
    )
    Client.objects.bulk_create(
        Client(user=user, full_name=f"Bench client {n}", email=user.email) for n, user in enumerate(logins)
    )
    tokens = [str(RefreshToken.for_user(user).access_token) for user in logins]
    return Seed(service.pk, [practitioner.pk for practitioner in practitioners], tokens)


def starts_on(first: date, days: int) -> list[str]:
    """Every start of the bench's day plan over ``days`` days from ``first``,
    in time order, as ISO strings with the +05:30 offset."""
    return [
        datetime.combine(first + timedelta(days=offset), start, tzinfo=KOLKATA).isoformat()
        for offset in range(days)
        for start in DAY_STARTS
    ]


def named_bodies(seed: Seed, first: date, days: int) -> list[bytes]:
    """One booking per free (practitioner, start) pair, start by start."""
    return [
        json.dumps({"service": seed.service_id, "practitioner": practitioner_id, "start": start, "notes": ""}).encode()
        for start in starts_on(first, days)
        for practitioner_id in seed.practitioner_ids
    ]


def anyone_bodies(seed: Seed, starts: list[str]) -> list[bytes]:
    """Each start asked for once per practitioner: someone is always free."""
    return [
        json.dumps({"service": seed.service_id, "start": start, "notes": ""}).encode()
        for start in starts
        for _ in seed.practitioner_ids
    ]


# -- where the CPU goes, and who waits for a lock ----------------------------------

SAMPLER_NAME = "bench-booking-sampler"


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process (all its threads) so far."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # from field 3 (state) on
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if parent == pid:
                found.append(int(entry.name))
    return found


def server_cpu(master: int) -> dict[int, float]:
    pids = [master, *children_of(master)]
    return {pid: cpu for pid in pids if (cpu := cpu_seconds(pid)) is not None}


def database_cpu() -> dict[int, float]:
    """CPU of the PostgreSQL backends serving the bench database (the
    server's), leaving out this process's own connections."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND application_name <> %s",
            [SAMPLER_NAME],
        )
        pids = [pid for (pid,) in cursor.fetchall()]
    return {pid: cpu for pid in pids if (cpu := cpu_seconds(pid)) is not None}


def spent(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (not idle, not waiting on I/O)."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]
    return (sum(ticks[:8]) - idle) / CLOCK_TICKS


class LockSampler:
    """Counts, every 25 ms, the server's backends that wait for a lock (a
    booking queued behind another's row locks) and those running a query."""

    def __init__(self) -> None:
        self.waiting: list[int] = []
        self.active: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> LockSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        from django.db import connection as own  # this thread's own connection

        try:
            with own.cursor() as cursor:
                cursor.execute("SET application_name = %s", [SAMPLER_NAME])
                while not self._stop.wait(0.025):
                    cursor.execute(
                        "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'),"
                        " count(*) FILTER (WHERE state = 'active' AND wait_event_type IS DISTINCT FROM 'Lock')"
                        " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                        " AND application_name <> %s",
                        [SAMPLER_NAME],
                    )
                    waiting, active = cursor.fetchone()
                    self.waiting.append(waiting)
                    self.active.append(active)
        finally:
            own.close()

    def mean(self, samples: list[int]) -> float:
        return statistics.fmean(samples) if samples else float("nan")


# -- the server ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, output: list[str]) -> Iterator[tuple[int, subprocess.Popen]]:
    """Run the project under gunicorn against the bench database until the
    block ends; yields the port and the master process, and appends what the
    server wrote (errors only) to ``output``."""
    port = free_port()
    env = {
        **os.environ,
        **SHARED_ENV,
        "DATABASE_URL": database_url,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    command = [
        sys.executable, "-m", "gunicorn", "clinic.wsgi:application",
        "--bind", f"127.0.0.1:{port}",
        "--workers", WORKERS, "--threads", THREADS, "--worker-class", WORKER_CLASS,
        "--keep-alive", "30", "--log-level", "warning",
    ]
    log = tempfile.NamedTemporaryFile(prefix="bench-booking-gunicorn-", suffix=".log", delete=False)
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_answering(port, process, Path(log.name))
        yield port, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        if errors := Path(log.name).read_text(errors="replace").strip():
            output.append(f"gunicorn wrote (full log: {log.name}):\n{errors[-3000:]}")
        else:
            os.unlink(log.name)


def wait_until_answering(port: int, process: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    deadline = clock.monotonic() + timeout
    while clock.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            probe.request("GET", "/healthz")
            response = probe.getresponse()
            body = response.read()
            probe.close()
            if response.status != 200:
                print(f"note: /healthz answered {response.status}: {body[:200]!r}")
            return
        except OSError:
            clock.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s:\n{log.read_text(errors='replace')}")


# -- the load --------------------------------------------------------------------


@dataclass
class Shot:
    status: int  # 0: the connection failed
    seconds: float
    code: str = ""  # the API's error code, for anything but 201


@dataclass
class Load:
    seconds: float
    shots: list[Shot]


def fire(port: int, path: str, bodies: list[bytes], tokens: list[str]) -> Load:
    """POST every body once, from one thread per token, each on its own
    keep-alive connection, taking the next body as soon as it is free."""
    shots: list[Shot | None] = [None] * len(bodies)
    taken = itertools.count()
    taking = threading.Lock()
    ready = threading.Barrier(len(tokens) + 1)

    def next_index() -> int:
        with taking:
            return next(taken)

    def client(token: str) -> None:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept": "application/json"}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.connect()
        ready.wait()
        while (index := next_index()) < len(bodies):
            started = clock.perf_counter()
            try:
                conn.request("POST", path, body=bodies[index], headers=headers)
                response = conn.getresponse()
                payload = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                shots[index] = Shot(0, clock.perf_counter() - started, type(exc).__name__)
                continue
            seconds = clock.perf_counter() - started
            shots[index] = Shot(status, seconds, "" if status == 201 else error_code(payload))
        conn.close()

    threads = [threading.Thread(target=client, args=(token,), daemon=True) for token in tokens]
    for thread in threads:
        thread.start()
    ready.wait()
    started = clock.perf_counter()
    for thread in threads:
        thread.join()
    return Load(clock.perf_counter() - started, [shot for shot in shots if shot is not None])


def error_code(payload: bytes) -> str:
    try:
        return str(json.loads(payload).get("code", "?"))
    except (ValueError, AttributeError):
        return payload[:60].decode(errors="replace")


@dataclass
class Run:
    label: str
    load: Load
    warmup: Load
    server_cpu: float  # seconds, gunicorn master and workers
    database_cpu: float | None  # seconds, the server's PostgreSQL backends; None without persistent connections
    client_cpu: float  # seconds, this process
    machine_cpu: float  # seconds, everything on the machine
    lock_waiting: float  # backends waiting for a lock, mean over the samples
    active: float  # backends running a statement, mean over the samples

    @property
    def requests(self) -> int:
        return len(self.load.shots)

    @property
    def successes(self) -> int:
        return sum(shot.status == 201 for shot in self.load.shots)

    @property
    def throughput(self) -> float:
        return self.requests / self.load.seconds

    def latency_ms(self, percent: int) -> float:
        ordered = sorted(shot.seconds for shot in self.load.shots)
        return 1000 * ordered[min(len(ordered) - 1, math.ceil(percent / 100 * len(ordered)) - 1)]

    def per_request_ms(self, seconds: float) -> float:
        return 1000 * seconds / self.requests

    def cores(self, seconds: float) -> float:
        return seconds / self.load.seconds

    def cost(self, seconds: float | None) -> str:
        """``ms per request (cores busy)``, 13 characters wide."""
        if seconds is None:
            return f"{'n/a':>13}"
        return f"{self.per_request_ms(seconds):6.2f} ({self.cores(seconds):4.2f})"

    @property
    def others_cpu(self) -> float:
        """What the rest of the machine used meanwhile (other programs)."""
        return self.machine_cpu - self.server_cpu - (self.database_cpu or 0.0) - self.client_cpu

    def statuses(self) -> str:
        counts = Counter(shot.status for shot in self.load.shots)
        return " ".join(f"{status}x{count}" for status, count in sorted(counts.items()))

    def refusals(self) -> Counter[str]:
        return Counter(
            f"{shot.status} {shot.code}" for shot in self.warmup.shots + self.load.shots if shot.status != 201
        )


def measure(label: str, port: int, master: int, path: str, warmup: list[bytes], bodies: list[bytes],
            tokens: list[str]) -> Run:
    warm = fire(port, path, warmup, tokens)
    server_before, database_before = server_cpu(master), database_cpu()
    client_before, machine_before = own_cpu(), machine_busy()
    with LockSampler() as sampler:
        load = fire(port, path, bodies, tokens)
    client_after, machine_after = own_cpu(), machine_busy()
    database_after, server_after = database_cpu(), server_cpu(master)
    persistent = int(CONN_MAX_AGE) != 0
    return Run(
        label, load, warm,
        server_cpu=spent(server_before, server_after),
        database_cpu=spent(database_before, database_after) if persistent else None,
        client_cpu=client_after - client_before,
        machine_cpu=machine_after - machine_before,
        lock_waiting=sampler.mean(sampler.waiting),
        active=sampler.mean(sampler.active),
    )


def print_runs(runs: list[Run]) -> None:
    print(f"{'run':8} {'requests':>8} {'201':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}  status codes")
    for run in runs:
        print(f"{run.label:8} {run.requests:8d} {run.successes:6d} {run.throughput:7.1f}"
              f" {run.latency_ms(50):7.1f} {run.latency_ms(95):7.1f} {run.latency_ms(99):7.1f}  {run.statuses()}")
        for refusal, count in sorted(run.refusals().items()):
            print(f"         {run.label} refused (warm-up included): {refusal} x{count}")
    print("\nCPU ms per request (and cores kept busy) while each run was measured; 'db' is the server's")
    print("PostgreSQL backends, 'client' this load generator, 'others' the rest of the machine; 'waiting'")
    print("and 'running' are how many of the server's database sessions, on average, waited for a lock")
    print("or ran a statement:")
    print(f"{'run':8} {'server':>13} {'db':>13} {'client':>13} {'others':>13} {'waiting':>8} {'running':>8}")
    for run in runs:
        cells = [run.cost(seconds) for seconds in (run.server_cpu, run.database_cpu, run.client_cpu, run.others_cpu)]
        print(f"{run.label:8} {' '.join(cells)} {run.lock_waiting:8.2f} {run.active:8.2f}")


# -- in process: the SQL of one booking -----------------------------------------


@dataclass
class InProcess:
    label: str
    statements: list[str] = field(default_factory=list)
    status: int = 0
    milliseconds: float = 0.0  # median over the samples
    sql_milliseconds: float = 0.0  # of which inside cursor.execute (median)


class SqlTimer:
    """An execute wrapper adding up the time spent inside the database calls."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = clock.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += clock.perf_counter() - started


def in_process(label: str, api, path: str, bodies: list[bytes]) -> InProcess:
    """Send the first body uncounted (warm), the second with its SQL captured,
    then time them all, one at a time."""
    result = InProcess(label)
    api.post(path, bodies[0], content_type="application/json")
    with CaptureQueriesContext(connection) as captured:
        response = api.post(path, bodies[1], content_type="application/json")
    result.status = response.status_code
    result.statements = [" ".join(query["sql"].split())[:80] for query in captured.captured_queries]
    totals, sql = [], []
    for body in bodies[2:]:
        timer = SqlTimer()
        with connection.execute_wrapper(timer):
            started = clock.perf_counter()
            api.post(path, body, content_type="application/json")
            totals.append(clock.perf_counter() - started)
        sql.append(timer.seconds)
    result.milliseconds = 1000 * statistics.median(totals)
    result.sql_milliseconds = 1000 * statistics.median(sql)
    return result


def measure_in_process(seed: Seed, first: date) -> list[InProcess]:
    from rest_framework.test import APIClient

    api = APIClient(HTTP_HOST="127.0.0.1")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {seed.tokens[-1]}")
    samples = IN_PROCESS_SAMPLES + 2
    named = named_bodies(seed, first, 1)[:samples]
    anyone = anyone_bodies(seed, starts_on(first + timedelta(days=1), 1))[:samples]
    bare = named[:1] * samples
    return [
        in_process("bare", api, BARE_PATH, bare),
        in_process("booking", api, BOOKING_PATH, named),
        in_process("anyone", api, BOOKING_PATH, anyone),
    ]


def print_in_process(results: list[InProcess]) -> None:
    print(f"\nin process (APIClient, one thread, no HTTP server), median of {IN_PROCESS_SAMPLES}:")
    print(f"{'request':8} {'status':>6} {'statements':>10} {'ms':>7} {'in SQL ms':>9}")
    for result in results:
        print(f"{result.label:8} {result.status:6d} {len(result.statements):10d} {result.milliseconds:7.2f}"
              f" {result.sql_milliseconds:9.2f}")
    for result in results:
        print(f"\nSQL statements per {result.label} request: {len(result.statements)}")
        for number, statement in enumerate(result.statements, 1):
            print(f"  {number:2d}. {statement}")


def profile_bookings(seed: Seed, first: date, count: int) -> None:
    """cProfile over ``count`` named bookings in process, top functions by
    own time and by cumulative time."""
    from rest_framework.test import APIClient

    api = APIClient(HTTP_HOST="127.0.0.1")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {seed.tokens[-1]}")
    bodies = named_bodies(seed, first, PROFILE_DAYS)[:count]
    profiler = cProfile.Profile()
    profiler.enable()
    for body in bodies:
        api.post(BOOKING_PATH, body, content_type="application/json")
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    print(f"\ncProfile of {count} named bookings in process:")
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)


# -- the run ---------------------------------------------------------------------

WATCHED = ("bookings", "clinic", "treatments")


def source_digest() -> str:
    """A fingerprint of the project's code, to notice edits made mid-run."""
    digest = hashlib.sha256()
    for package in WATCHED:
        for path in sorted((ROOT / package).rglob("*.py")):
            digest.update(path.read_bytes())
    return digest.hexdigest()


def uncommitted() -> list[str]:
    try:
        listed = subprocess.run(["git", "status", "--porcelain", "--", *WATCHED], cwd=ROOT, capture_output=True,
                                text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return []
    return [line[3:] for line in listed.stdout.splitlines()]



def main() -> int:
    started = clock.perf_counter()
    code_at_start = source_digest()
    original = build_database()
    try:
        seed_data = seed()
        database_url = urlsplit(DATABASE_URL)._replace(path=f"/{BENCH_DB}").geturl()
        client_tokens = seed_data.tokens[:CONCURRENCY]

        named = named_bodies(seed_data, FIRST_DAY, NAMED_DAYS)
        anyone_first = FIRST_DAY + timedelta(days=NAMED_DAYS)
        anyone_starts = starts_on(anyone_first, ANYONE_DAYS)
        anyone_warmup = anyone_bodies(seed_data, anyone_starts[:ANYONE_WARMUP_STARTS])
        anyone = anyone_bodies(seed_data, anyone_starts[ANYONE_WARMUP_STARTS:ANYONE_WARMUP_STARTS + ANYONE_STARTS])
        bare = [named[0]] * (WARMUP + REQUESTS)  # the same body size as a booking; parsed, not used

        print(f"booking benchmark on PostgreSQL ({BENCH_DB}): {PRACTITIONERS} practitioners and rooms,"
              f" {CONCURRENCY} client threads, gunicorn --workers {WORKERS} --threads {THREADS}"
              f" --worker-class {WORKER_CLASS}, CONN_MAX_AGE={CONN_MAX_AGE}, cache {REDIS_URL or 'in process memory'};"
              f" {WARMUP} warm-up requests, then {REQUESTS} measured per run ({len(anyone)} for anyone)")
        runs: list[Run] = []
        server_output: list[str] = []
        # Bare and booking take turns, ROUNDS times: the machine's speed drifts
        # over a run (other tenants, clocks), and a ratio of two runs measured
        # side by side is steadier than one of two runs a minute apart.
        chunk = REQUESTS // ROUNDS
        measured = named[WARMUP:]
        with gunicorn(database_url, server_output) as (port, process):
            for n in range(ROUNDS):
                first = n == 0
                runs.append(measure(f"bare{n + 1}", port, process.pid, BARE_PATH, bare[:WARMUP] if first else [],
                                    bare[WARMUP:WARMUP + chunk], client_tokens))
                runs.append(measure(f"booking{n + 1}", port, process.pid, BOOKING_PATH, named[:WARMUP] if first else [],
                                    measured[n * chunk:(n + 1) * chunk], client_tokens))
            runs.append(measure("anyone", port, process.pid, BOOKING_PATH, anyone_warmup, anyone, client_tokens))
        print()
        print_runs(runs)

        bare_runs, booking_runs, anyone_run = runs[0:-1:2], runs[1:-1:2], runs[-1]
        ratios = [booking.throughput / bare.throughput for bare, booking in zip(bare_runs, booking_runs, strict=True)]
        booking_ratio = statistics.median(ratios)
        anyone_ratio = anyone_run.throughput / bare_runs[-1].throughput
        refused = sum(count for refusal, count in anyone_run.refusals().items() if refusal.startswith("409"))
        print()
        print(f"booking/bare per round: {', '.join(f'{ratio:.2f}' for ratio in ratios)}")
        print(f"booking/bare: {booking_ratio:.2f}  (median of {ROUNDS} rounds; target >= {TARGET_BOOKING_RATIO:.2f}:"
              f" {'meets' if booking_ratio >= TARGET_BOOKING_RATIO else 'MISSES'})")
        print(f"anyone/bare: {anyone_ratio:.2f}  (against the last bare round)")
        # The machine's two cores are shared by the server, PostgreSQL and this
        # load generator, so once every run keeps them busy, throughput follows
        # the CPU a request costs: a second view of the same ratio.

        def cpu_per_request(chosen: list[Run]) -> float:
            spent = sum(run.server_cpu + (run.database_cpu or 0.0) + run.client_cpu for run in chosen)
            return spent / sum(run.requests for run in chosen)

        print(f"booking/bare by CPU per request: {cpu_per_request(bare_runs) / cpu_per_request(booking_runs):.2f}"
              f"  (anyone: {cpu_per_request(bare_runs) / cpu_per_request([anyone_run]):.2f})")
        print(f"anyone refusals while someone was free: {refused}  (target 0: {'meets' if refused == 0 else 'MISSES'})")

        in_process_first = anyone_first + timedelta(days=ANYONE_DAYS)
        print_in_process(measure_in_process(seed_data, in_process_first))
        if PROFILE_BOOKINGS:
            profile_bookings(seed_data, in_process_first + timedelta(days=2), PROFILE_BOOKINGS)
        for text in server_output:
            print(f"\n{text}")
    finally:
        if KEEP_DB:
            print(f"\nkept database {BENCH_DB}")
        else:
            connection.close()
            connection.creation.destroy_test_db(original, verbosity=0)
    print(f"\ntotal run time {clock.perf_counter() - started:.0f} s")
    if changed := uncommitted():
        print(f"note: the code measured differs from the last commit in: {', '.join(changed)}")
    if source_digest() != code_at_start:
        print("WARNING: the project's code changed during the run; the figures may mix versions. Run it again.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
