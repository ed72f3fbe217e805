"""gunicorn's settings, the same for `make run`, the image's CMD and the
compose web service: ``gunicorn clinic.wsgi:application --config python:clinic.gunicorn_conf``.

Threads (gthread) keep a slow request, such as a sign-in spending most of a
second hashing its password, from holding up the requests behind it; the
hashing runs outside the GIL, so the other threads go on. The address comes
from HOST and PORT (loopback by default; the image passes ``--bind``).
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings.base")

from django.conf import settings  # noqa: E402

from clinic import serving  # noqa: E402
from clinic.env import env  # noqa: E402

# Reading DEBUG loads the settings, and with them the .env file, before the
# variables below are read.
DEBUG = settings.DEBUG

bind = [f"{env.str('HOST', default='127.0.0.1')}:{env.int('PORT', default=8000)}"]
worker_class = "gthread"
workers = env.int("WEB_WORKERS", default=2)
threads = env.int("WEB_THREADS", default=8)
# One line per request, on standard output; Django logs no line of its own
# for a 4xx (clinic.logs).
accesslog = "-"
ALLOWED_ON_NETWORK = serving.allowed_on_network()


def on_starting(server) -> None:
    """Before binding, with the addresses the command line may have changed."""
    hosts = [address[0] for address in server.cfg.address if isinstance(address, tuple)]
    message = serving.refusal(hosts, debug=DEBUG, allowed=ALLOWED_ON_NETWORK)
    if message:
        raise SystemExit(message)
