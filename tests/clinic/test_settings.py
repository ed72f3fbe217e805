"""Settings are read from the environment in a fresh interpreter each time,
exactly as a process would read them at start-up."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({
    "debug": settings.DEBUG,
    "engine": db["ENGINE"],
    "name": str(db["NAME"]),
    "host": db.get("HOST", ""),
    "options": {k: v for k, v in db.get("OPTIONS", {}).items() if isinstance(v, (str, int))},
    "broker": settings.CELERY_BROKER_URL,
    "time_zone": settings.TIME_ZONE,
    "use_tz": settings.USE_TZ,
    "allowed_hosts": settings.ALLOWED_HOSTS,
    "email_backend": settings.EMAIL_BACKEND,
}))
"""

ENV_NAMES = ("DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "TIME_ZONE", "EMAIL_URL")


def run_python(code: str, tmp_path: Path, settings_module: str = "clinic.settings.base", **env: str):
    clean = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    clean.update(DJANGO_SETTINGS_MODULE=settings_module, **env)
    clean.setdefault("DATABASE_URL", f"sqlite:///{tmp_path / 'settings.sqlite3'}")
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def read_settings(tmp_path: Path, **env: str) -> dict:
    result = run_python(PRINT_SETTINGS, tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_missing_secret_key_with_debug_off_stops_start_up(tmp_path):
    result = run_python(PRINT_SETTINGS, tmp_path, DEBUG="false")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_on_runs_without_a_secret_key(tmp_path):
    values = read_settings(tmp_path, DEBUG="true")
    assert values["debug"] is True


# What settings fell back to with DEBUG on and no SECRET_KEY until the key
# became one made per install: published, so anyone could forge tokens.
PUBLISHED_KEY = "insecure-development-key-do-not-use-in-production"
TOKENS = """
import json, sys, time, django, jwt
django.setup()
from django.conf import settings
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken

def accepted(token):
    try:
        return AccessToken(token)["user_id"] == "1"
    except TokenError:
        return False

now = int(time.time())
forged = jwt.encode({"token_type": "access", "exp": now + 600, "iat": now, "jti": "f" * 32, "user_id": "1"},
                    sys.argv[1], algorithm="HS256")
issued = AccessToken()
issued["user_id"] = "1"
print(json.dumps({"key": settings.SECRET_KEY, "forged_accepted": accepted(forged), "issued": str(issued),
                  "earlier_accepted": accepted(sys.argv[2]) if len(sys.argv) > 2 else None}))
"""


def tokens(tmp_path: Path, *earlier: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    clean.update(DJANGO_SETTINGS_MODULE="clinic.settings.base", DEBUG="true",
                 DATABASE_URL=f"sqlite:///{tmp_path / 'settings.sqlite3'}")
    result = subprocess.run([sys.executable, "-c", TOKENS, PUBLISHED_KEY, *earlier], cwd=ROOT, env=clean,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_debug_without_a_secret_key_refuses_tokens_forged_with_the_published_key(tmp_path):
    values = tokens(tmp_path)
    assert values["key"] != PUBLISHED_KEY
    assert values["forged_accepted"] is False


def test_debug_keeps_the_install_s_key_across_restarts(tmp_path):
    first = tokens(tmp_path)
    second = tokens(tmp_path, first["issued"])
    assert second["key"] == first["key"]
    assert second["earlier_accepted"] is True
    key_file = ROOT / "var" / "secret_key"
    assert key_file.read_text().strip() == first["key"]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "var/" in (ROOT / ".gitignore").read_text().splitlines()


@pytest.mark.parametrize("word", ["maybe", "Tru", "2"])
def test_an_unrecognised_boolean_is_refused(tmp_path, word):
    result = run_python(PRINT_SETTINGS, tmp_path, DEBUG=word, SECRET_KEY="k" * 50)
    assert result.returncode != 0
    assert f"DEBUG={word!r} is not a boolean" in result.stderr


def test_defaults_are_the_embedded_ones(tmp_path):
    values = read_settings(tmp_path, SECRET_KEY="k" * 50)
    assert values["debug"] is False
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["options"]["transaction_mode"] == "IMMEDIATE"
    assert values["broker"] == "filesystem://"
    assert values["time_zone"] == "Asia/Kolkata"
    assert values["use_tz"] is True
    assert values["allowed_hosts"] == []
    assert values["email_backend"] == "django.core.mail.backends.console.EmailBackend"


def test_sqlite_file_defaults_to_var_folder(tmp_path):
    clean = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    clean.update(DJANGO_SETTINGS_MODULE="clinic.settings.base", DEBUG="true")
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1])["name"] == str(ROOT / "var" / "clinic.sqlite3")


def test_environment_overrides(tmp_path):
    values = read_settings(
        tmp_path,
        SECRET_KEY="k" * 50,
        DATABASE_URL="postgres://clinic:secret@db:5432/clinic",
        REDIS_URL="redis://cache:6379/1",
        ALLOWED_HOSTS="clinic.example.com,www.clinic.example.com",
        TIME_ZONE="Europe/London",
        EMAIL_URL="smtp+tls://mailer:pw@smtp.example.com:587",
    )
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["host"] == "db"
    assert values["broker"] == "redis://cache:6379/1"
    assert values["allowed_hosts"] == ["clinic.example.com", "www.clinic.example.com"]
    assert values["time_zone"] == "Europe/London"
    assert values["email_backend"] == "django.core.mail.backends.smtp.EmailBackend"


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = run_python(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        tmp_path,
        settings_module="clinic.settings.production",
        SECRET_KEY="a-long-production-secret-" + "q7Zp" * 12,
        ALLOWED_HOSTS="clinic.example.com",
        DEBUG="false",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_production_settings_refuse_debug(tmp_path):
    result = run_python(PRINT_SETTINGS, tmp_path, settings_module="clinic.settings.production", DEBUG="true")
    assert result.returncode != 0
    assert "DEBUG must be false" in result.stderr


def test_models_and_migrations_agree(tmp_path):
    result = run_python(
        "from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'makemigrations', '--check', '--dry-run'])",
        tmp_path,
        DEBUG="true",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout
