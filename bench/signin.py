"""Sign-ins against everything else: how slow ``GET /api/v1/services/`` gets
while clients sign in, under the old image's gunicorn and under the new one.

    .venv/bin/python bench/signin.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic .venv/bin/python bench/signin.py

A sign-in spends most of a second hashing its password (Django's default
PBKDF2 hasher, real here: no fast test hasher). The run builds a throw-away
database (a SQLite file in a temporary folder; with ``DATABASE_URL`` on
PostgreSQL, the database ``bench_signin`` beside the one named, dropped at
the end), migrates it (the catalogue comes with the migrations) and adds one
login. Then it starts gunicorn twice on a free port of 127.0.0.1, with the
production settings (DEBUG off; no HTTPS redirect, there is no proxy here)
and sign-in and anonymous throttles raised so that they never refuse:

  baseline  ``gunicorn clinic.wsgi:application``: one sync worker, the old
            image's command.
  config    ``gunicorn clinic.wsgi:application --config python:clinic.gunicorn_conf``:
            the defaults of ``WEB_WORKERS`` and ``WEB_THREADS`` (or what the
            environment sets), as `make run`, the image and compose run it.

Against each: ``BENCH_PROBES`` (default 30) ``GET /api/v1/services/`` one
after the other, each on a new connection, alone; then the same, for at
least ``BENCH_MIN_SECONDS`` (20) and at most ``BENCH_MAX_SECONDS`` (90),
while ``BENCH_SIGNERS`` (default 10) clients, each on its own connection,
sign in over and over through ``POST /api/v1/auth/token/`` with the right
password. It prints the probes' median and p95, the rate and median of the
sign-ins that ended while the probes ran, and the ratios: loaded / alone for
each server, baseline / config for each figure. Nothing is asserted.
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

import http.client
import json
import os
import socket
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit


import environ  # noqa: E402

PROBES = int(os.environ.get("BENCH_PROBES", "30"))
SIGNERS = int(os.environ.get("BENCH_SIGNERS", "10"))
MIN_SECONDS = float(os.environ.get("BENCH_MIN_SECONDS", "20"))
MAX_SECONDS = float(os.environ.get("BENCH_MAX_SECONDS", "90"))
BENCH_DB = "bench_signin"
EMAIL, PASSWORD = "signin@bench.test", "bench-signin-password-2026"
SIGN_IN = json.dumps({"email": EMAIL, "password": PASSWORD}).encode()

given_url = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = bool(given_url) and "postgresql" in environ.Env.db_url_config(given_url)["ENGINE"]
folder = tempfile.mkdtemp(prefix="bench-signin-")
DATABASE_URL = (
    urlsplit(given_url)._replace(path=f"/{BENCH_DB}").geturl() if ON_POSTGRES else f"sqlite:///{folder}/bench.sqlite3"
)
SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "clinic.settings.production",
    "DEBUG": "false",
    "SECRET_KEY": "bench-signin-only-" + "k" * 40,
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "DATABASE_URL": DATABASE_URL,
    "API_THROTTLE_AUTH": "1000000/minute",
    "API_THROTTLE_ANON": "1000000/minute",
    "LOG_LEVEL": "WARNING",
}
os.environ.pop("REDIS_URL", None)  # each server counts its throttles in memory; nothing else needs Redis here
os.environ.update(SERVER_ENV)


def postgres(*statements: str) -> None:
    """Run statements on the server's maintenance database (the one named
    in DATABASE_URL need not exist)."""
    import psycopg

    url = given_url.replace("pgsql://", "postgresql://", 1)
    with psycopg.connect(url, dbname="postgres", autocommit=True) as admin:
        for statement in statements:
            admin.execute(statement)


def prepare() -> str:
    """Migrate the throw-away database and add the login; return the name of
    the password hasher the servers will use."""
    import django

    django.setup()
    from django.contrib.auth.hashers import get_hasher
    from django.core.management import call_command
    from django.db import connections

    from clinic.models import User

    call_command("migrate", verbosity=0)
    User.objects.create_user(EMAIL, PASSWORD)
    connections.close_all()
    hasher = get_hasher()
    return f"{hasher.algorithm}, {getattr(hasher, 'iterations', '?'):,} iterations"


# -- the servers ---------------------------------------------------------------


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(options: list[str]) -> Iterator[int]:
    """gunicorn with these options until the block ends; yields its port."""
    port = unused_port()
    command = [sys.executable, "-m", "gunicorn", "clinic.wsgi:application", *options, "--bind", f"127.0.0.1:{port}"]
    log = tempfile.NamedTemporaryFile(prefix="bench-signin-gunicorn-", suffix=".log", dir=folder, delete=False)
    server = subprocess.Popen(command, cwd=ROOT, env=os.environ, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while request(port, "GET", "/healthz")[0] != 200:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{Path(log.name).read_text()}")
            time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def request(port: int, method: str, path: str, body: bytes | None = None,
            connection: http.client.HTTPConnection | None = None) -> tuple[int, float]:
    """(status, seconds); status 0 when the connection failed. With a
    connection given, it is reused (kept alive where the server allows)."""
    own = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Content-Type": "application/json"} if body else {}
    started = time.perf_counter()
    try:
        own.request(method, path, body=body, headers=headers)
        response = own.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    except OSError:
        own.close()
        return 0, time.perf_counter() - started
    finally:
        if connection is None:
            own.close()


# -- the load --------------------------------------------------------------------


@dataclass
class SignIns:
    """Clients signing in over and over until stopped."""

    port: int
    done: list[tuple[float, int, float]] = field(default_factory=list)  # (ended at, status, seconds)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> SignIns:
        self._threads = [threading.Thread(target=self._client, daemon=True) for _ in range(SIGNERS)]
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _client(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        while not self._stop.is_set():
            status, seconds = request(self.port, "POST", "/api/v1/auth/token/", SIGN_IN, connection)
            with self._lock:
                self.done.append((time.monotonic(), status, seconds))
        connection.close()

    def between(self, start: float, end: float) -> list[tuple[float, int, float]]:
        return [sign_in for sign_in in self.done if start <= sign_in[0] <= end]


@dataclass
class Figures:
    label: str
    alone: list[float]
    loaded: list[float]
    probe_statuses: Counter
    sign_ins: list[tuple[float, int, float]]  # those that ended while the loaded probes ran
    loaded_seconds: float


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return 1000 * ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def probe(port: int, statuses: Counter, at_least: float = 0.0, at_most: float = float("inf")) -> list[float]:
    """Probes one after the other: PROBES of them, and for at least
    ``at_least`` seconds, but stopping after ``at_most``."""
    seconds, started = [], time.monotonic()
    while (len(seconds) < PROBES or time.monotonic() - started < at_least) and time.monotonic() - started < at_most:
        status, spent = request(port, "GET", "/api/v1/services/")
        statuses[status] += 1
        seconds.append(spent)
    return seconds


def measure(label: str, options: list[str]) -> Figures:
    with serving(options) as port:
        statuses: Counter = Counter()
        probe(port, Counter())  # warm: imports, connections, the first queries
        request(port, "POST", "/api/v1/auth/token/", SIGN_IN)
        alone = probe(port, statuses)
        with SignIns(port) as sign_ins:
            time.sleep(2)  # every client has a sign-in under way
            started = time.monotonic()
            loaded = probe(port, statuses, at_least=MIN_SECONDS, at_most=MAX_SECONDS)
            ended = time.monotonic()
    return Figures(label, alone, loaded, statuses, sign_ins.between(started, ended), ended - started)


def report(runs: list[Figures]) -> None:
    print(f"\n{'server':40} {'alone p50':>9} {'p95':>7} {'loaded p50':>10} {'p95':>7} {'probes':>6}"
          f" {'loaded/alone p50':>16} {'sign-ins/s':>10} {'sign-in p50':>11}  statuses")
    for run in runs:
        rate = len(run.sign_ins) / run.loaded_seconds
        sign_in_statuses = Counter(status for _, status, _ in run.sign_ins)
        print(f"{run.label:40} {percentile(run.alone, 0.5):9.1f} {percentile(run.alone, 0.95):7.1f}"
              f" {percentile(run.loaded, 0.5):10.1f} {percentile(run.loaded, 0.95):7.1f} {len(run.loaded):6d}"
              f" {percentile(run.loaded, 0.5) / percentile(run.alone, 0.5):16.1f} {rate:10.2f}"
              f" {percentile([seconds for *_, seconds in run.sign_ins], 0.5):11.0f}  probes {dict(run.probe_statuses)},"
              f" sign-ins {dict(sign_in_statuses)}")
    baseline, config = runs
    print("\nbaseline / config (how many times slower the old image's server is):")
    for name, share in (("p50", 0.5), ("p95", 0.95)):
        print(f"  services alone {name}: {percentile(baseline.alone, share) / percentile(config.alone, share):.2f}"
              f"   services while signing in {name}:"
              f" {percentile(baseline.loaded, share) / percentile(config.loaded, share):.2f}")
    print("  (milliseconds; 'loaded' is while the sign-in clients run, the sign-ins counted over the probing)")


def main() -> int:
    started = time.perf_counter()
    if ON_POSTGRES:
        postgres(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)', f'CREATE DATABASE "{BENCH_DB}"')
    try:
        hasher = prepare()
        from clinic import gunicorn_conf

        threads = f"{gunicorn_conf.workers} workers x {gunicorn_conf.threads} threads, gthread"
        print(f"sign-in benchmark on {'PostgreSQL' if ON_POSTGRES else 'SQLite'}: hasher {hasher};"
              f" {PROBES} probes alone, then probes for {MIN_SECONDS:.0f}-{MAX_SECONDS:.0f} s while {SIGNERS}"
              " clients sign in")
        runs = [
            measure("baseline: 1 sync worker (old image)", []),
            measure(f"config: {threads}", ["--config", "python:clinic.gunicorn_conf"]),
        ]
        report(runs)
    finally:
        if ON_POSTGRES:
            postgres(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    print(f"\ntotal run time {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
