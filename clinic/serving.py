"""Where the app may listen while DEBUG is on.

With DEBUG on, an error page shows the settings, the SQL and the code to
whoever gets it, and `make run` signs in everyone with the demo's published
password. So a server with DEBUG on listens on loopback only, unless the
operator says in so many words that the network is theirs alone. gunicorn
(`clinic/gunicorn_conf.py`, for `make run`) and the development server
(`manage.py devserver`, for `make dev`) both ask `refusal` before they bind.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from clinic.env import env

ALLOW_VARIABLE = "ALLOW_DEBUG_ON_NETWORK"


def allowed_on_network() -> bool:
    return env.bool(ALLOW_VARIABLE, default=False)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``; a name that is not
    ``localhost`` may resolve anywhere, so it counts as the network."""
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def refusal(hosts: Iterable[str], *, debug: bool, allowed: bool) -> str | None:
    """Why the server must not listen on ``hosts``, or None if it may."""
    exposed = [host for host in hosts if not is_loopback(host)]
    if not debug or allowed or not exposed:
        return None
    return (
        f"Refusing to listen on {', '.join(exposed)} with DEBUG on: debug pages show settings, SQL and "
        "tracebacks to anyone who can reach them. Listen on 127.0.0.1 (HOST=127.0.0.1), or run with "
        f"DEBUG=false and a SECRET_KEY, or, on a network that is yours alone, set {ALLOW_VARIABLE}=true."
    )
