"""No Docker engine runs here, so the production files are checked by
reading them against what the code actually reads."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
APP_SERVICES = ("web", "worker", "beat")
# Read by Django or the image itself rather than by our settings module.
NOT_READ_BY_SETTINGS = {"DJANGO_SETTINGS_MODULE"}

# The settings and the gunicorn config (which the web service loads) both
# read through clinic.env, which records the names.
READ_NAMES = """
import json, django
django.setup()
import clinic.gunicorn_conf
from clinic.env import StrictEnv
print(json.dumps(sorted(StrictEnv.READ)))
"""


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def variables_read_by_settings() -> set[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="clinic.settings.production",
        SECRET_KEY="compose-check-" + "z" * 40,
        DEBUG="false",
        DATABASE_URL="postgres://clinic:pw@db:5432/clinic",
        REDIS_URL="redis://redis:6379/0",
    )
    result = subprocess.run(
        [sys.executable, "-c", READ_NAMES], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def interpolated(value: str) -> str:
    """What compose would pass, with each ${VAR...} replaced by a sample."""
    return re.sub(r"\$\{(\w+)[^}]*\}", lambda m: f"<{m.group(1)}>", str(value))


def command_text(service: dict) -> str:
    command = service["command"]
    return " ".join(command) if isinstance(command, list) else command


def test_the_five_services(compose):
    assert set(compose["services"]) == {"db", "redis", "web", "worker", "beat"}
    assert compose["services"]["db"]["image"].startswith("postgres:16")
    assert compose["services"]["redis"]["image"].startswith("redis:7")


def test_one_app_image_serves_web_worker_and_beat(compose):
    services = compose["services"]
    images = {(services[name]["build"], services[name]["image"]) for name in APP_SERVICES}
    assert images == {(".", "clinic-app:latest")}
    environments = [services[name]["environment"] for name in APP_SERVICES]
    assert environments[0] == environments[1] == environments[2]


def test_every_variable_given_to_the_app_is_read_by_the_settings(compose, variables_read_by_settings):
    given = set(compose["services"]["web"]["environment"])
    assert given - NOT_READ_BY_SETTINGS <= variables_read_by_settings


def test_the_app_runs_production_settings_with_what_they_require(compose):
    environment = compose["services"]["web"]["environment"]
    assert environment["DJANGO_SETTINGS_MODULE"] == "clinic.settings.production"
    assert (ROOT / "clinic" / "settings" / "production.py").exists()
    assert environment["DEBUG"] == "false"
    for required in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"):
        assert ":?" in environment[required], f"{required} must be demanded, not defaulted"


def test_database_and_broker_urls_point_at_the_compose_services(compose):
    environment = compose["services"]["web"]["environment"]
    database = urlsplit(interpolated(environment["DATABASE_URL"]))
    db_env = compose["services"]["db"]["environment"]
    assert database.scheme == "postgres"
    assert database.hostname == "db" and database.port == 5432
    assert database.username == db_env["POSTGRES_USER"]
    assert database.path.lstrip("/") == db_env["POSTGRES_DB"]
    assert database.password == "<POSTGRES_PASSWORD>" == interpolated(db_env["POSTGRES_PASSWORD"])
    broker = urlsplit(environment["REDIS_URL"])
    assert broker.scheme == "redis" and broker.hostname == "redis"


def test_commands_migrate_then_serve_and_run_celery(compose):
    services = compose["services"]
    web = command_text(services["web"])
    assert web.index("manage.py migrate --noinput") < web.index("gunicorn clinic.wsgi:application")
    assert "celery -A clinic worker" in command_text(services["worker"])
    beat = command_text(services["beat"])
    assert "celery -A clinic beat" in beat
    assert settings.CELERY_BEAT_SCHEDULER in beat


def test_every_service_has_a_health_check_and_waits_for_what_it_needs(compose):
    services = compose["services"]
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    for name in ("web",):
        assert services[name]["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }
    for name in ("worker", "beat"):
        assert services[name]["depends_on"] == {"web": {"condition": "service_healthy"}}


def test_the_web_health_check_host_is_allowed(compose):
    environment = compose["services"]["web"]["environment"]
    allowed = interpolated(environment["ALLOWED_HOSTS"]).split(",")
    assert "'Host': 'localhost'" in " ".join(compose["services"]["web"]["healthcheck"]["test"])
    assert "localhost" in allowed


def test_data_lives_in_named_volumes(compose):
    assert set(compose["volumes"]) == {"pgdata", "redisdata"}
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["db"]["volumes"]
    assert "redisdata:/data" in compose["services"]["redis"]["volumes"]


def test_the_image_and_the_web_service_serve_through_the_one_gunicorn_config(compose):
    config = "gunicorn clinic.wsgi:application --config python:clinic.gunicorn_conf --bind 0.0.0.0:8000"
    assert config in command_text(compose["services"]["web"])
    cmd = (ROOT / "Dockerfile").read_text().split("\nCMD ", 1)[1].splitlines()[0]
    assert " ".join(json.loads(cmd)) == config
    for text in (command_text(compose["services"]["web"]), cmd):
        assert "--workers" not in text and "--threads" not in text  # the config reads WEB_WORKERS, WEB_THREADS


def test_the_image_installs_the_pinned_requirements_and_collects_static_files():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11" in dockerfile
    assert "pip install -r requirements.txt" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert "USER clinic" in dockerfile


def test_env_example_documents_exactly_what_the_settings_read(variables_read_by_settings):
    documented = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert documented == variables_read_by_settings


def test_requirements_are_pinned():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.]+", line), line
