"""How the app is served: `make run` through gunicorn with threads and
whitenoise, `make dev` through the development server, and neither beyond
loopback with DEBUG on unless ALLOW_DEBUG_ON_NETWORK says so."""

from __future__ import annotations

import http.client
import os
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clinic.serving import ALLOW_VARIABLE, is_loopback, refusal

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def procfile_command(name: str, process: str) -> str:
    for line in (ROOT / name).read_text().splitlines():
        if line.startswith(f"{process}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"{name} has no {process} line")


def free_port() -> int:
    """A free port in 8700-8799, the range these tests may use."""
    for port in range(8700, 8800):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port in 8700-8799")


def run_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """What `make run` gives its processes: DEBUG on, the embedded defaults."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", ALLOW_VARIABLE}}
    env.update(
        DJANGO_SETTINGS_MODULE="clinic.settings.base",
        DEBUG="true",
        DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@pytest.mark.parametrize(
    ("hosts", "debug", "allowed", "refused"),
    [
        (["127.0.0.1"], True, False, False),
        (["127.0.0.2"], True, False, False),
        (["::1"], True, False, False),
        (["[::1]"], True, False, False),
        (["localhost"], True, False, False),
        (["0.0.0.0"], True, False, True),
        (["0"], True, False, True),  # runserver's short form of 0.0.0.0
        (["::"], True, False, True),
        (["192.168.1.20"], True, False, True),
        (["clinic.example.com"], True, False, True),
        (["127.0.0.1", "0.0.0.0"], True, False, True),
        (["0.0.0.0"], False, False, False),
        (["0.0.0.0"], True, True, False),
    ],
)
def test_debug_listens_on_loopback_only_unless_allowed(hosts, debug, allowed, refused):
    message = refusal(hosts, debug=debug, allowed=allowed)
    assert (message is not None) == refused
    if refused:
        assert "DEBUG on" in message and f"{ALLOW_VARIABLE}=true" in message and "HOST=127.0.0.1" in message


def test_loopback():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.0.0.1") and not is_loopback("localhost.example")


def test_make_run_refuses_to_serve_debug_on_the_network(tmp_path):
    port = free_port()
    command = procfile_command("Procfile.run", "web")
    result = subprocess.run(
        shlex.split(command), cwd=ROOT, env=run_env(tmp_path, HOST="0.0.0.0", PORT=str(port)),
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "Refusing to listen on 0.0.0.0 with DEBUG on" in result.stderr
    assert f"{ALLOW_VARIABLE}=true" in result.stderr
    assert "Listening at" not in result.stderr


def test_make_dev_refuses_to_serve_debug_on_the_network(tmp_path):
    port = free_port()
    command = procfile_command("Procfile.dev", "web").replace("${HOST:-127.0.0.1}:${PORT:-8000}", f"0.0.0.0:{port}")
    result = subprocess.run(
        [*shlex.split(command), "--noreload"], cwd=ROOT, env=run_env(tmp_path), capture_output=True, text=True,
        timeout=30,  # a server that is not refused would still be serving
    )
    assert result.returncode != 0
    assert "Refusing to listen on 0.0.0.0 with DEBUG on" in result.stderr


def test_make_run_and_make_dev_start_their_procfiles():
    makefile = (ROOT / "Makefile").read_text()
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    dev = makefile.split("\ndev:", 1)[1].split("\n\n", 1)[0]
    assert "honcho start -f Procfile.run" in run and "DEBUG=true" in run
    assert "honcho start -f Procfile.dev" in dev
    gunicorn = "gunicorn clinic.wsgi:application --config python:clinic.gunicorn_conf"
    assert procfile_command("Procfile.run", "web") == gunicorn
    assert "manage.py devserver" in procfile_command("Procfile.dev", "web")
    for name in ("Procfile.run", "Procfile.dev"):
        assert procfile_command(name, "worker").startswith("celery -A clinic worker")
        assert procfile_command(name, "beat").startswith("celery -A clinic beat")


def get(port: int, path: str) -> tuple[int, str, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


def test_make_run_serves_through_gunicorn_threads_with_one_log_line_per_request(tmp_path):
    port = free_port()
    command = procfile_command("Procfile.run", "web")
    server = subprocess.Popen(
        shlex.split(command), cwd=ROOT, env=run_env(tmp_path, HOST="127.0.0.1", PORT=str(port)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.communicate()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        status, kind, body = get(port, "/static/admin/css/base.css")
        assert (status, kind.split(";")[0]) == (200, "text/css") and b"body" in body
        assert get(port, "/api/v1/me/")[0] == 401
        assert get(port, "/nowhere/")[0] == 404
        assert get(port, "/healthz")[0] == 200
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    logged = out + err
    assert "Using worker: gthread" in err
    for line in ('"GET /static/admin/css/base.css HTTP/1.1" 200', '"GET /api/v1/me/ HTTP/1.1" 401',
                 '"GET /nowhere/ HTTP/1.1" 404', '"GET /healthz HTTP/1.1" 200'):
        assert out.count(line) == 1, logged
    for path in ("/static/", "/api/v1/me/", "/nowhere/", "/healthz"):
        assert sum(path in line for line in logged.splitlines()) == 1, logged
    assert "Traceback" not in logged


def printed_config(tmp_path: Path, *options: str, **env: str) -> dict[str, str]:
    result = subprocess.run(
        ["gunicorn", "clinic.wsgi:application", "--config", "python:clinic.gunicorn_conf", *options, "--print-config"],
        cwd=ROOT, env=run_env(tmp_path, **env), capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return dict(
        (part.strip() for part in line.split("=", 1)) for line in result.stdout.splitlines() if " = " in line
    )


def test_workers_and_threads_default_to_threads_and_come_from_the_environment(tmp_path):
    defaults = printed_config(tmp_path)
    assert (defaults["worker_class"], defaults["workers"], defaults["threads"]) == ("gthread", "2", "8")
    assert (defaults["bind"], defaults["accesslog"]) == ("['127.0.0.1:8000']", "-")
    chosen = printed_config(tmp_path, "--bind", "0.0.0.0:8000", DEBUG="false", SECRET_KEY="s" * 50,
                            WEB_WORKERS="3", WEB_THREADS="5")
    assert (chosen["workers"], chosen["threads"], chosen["bind"]) == ("3", "5", "['0.0.0.0:8000']")
