"""Who is signing in, and from where: the two keys the lockout
(django-axes) counts failed sign-ins on, in the staff panel and the API.

The address is the caller's own unless ``NUM_PROXIES`` trusted proxies
stand in front, in which case it is the one the outermost of them saw.
Forwarded headers are otherwise ignored, since any caller can write them.
It is the rule the API's throttles follow (DRF's ``NUM_PROXIES``), asked
of DRF itself so that the two can never count different callers.
"""

from __future__ import annotations

from rest_framework.throttling import BaseThrottle


def client_address(request) -> str:
    return BaseThrottle().get_ident(request)


def account(request, credentials: dict | None) -> str | None:
    """The account a sign-in is for, as the login stores it (lower case),
    whichever form named it: ``username`` in the panel, ``email`` in the API."""
    credentials = credentials or {}
    name = credentials.get("email") or credentials.get("username")
    if name is None and request is not None:
        form = getattr(request, "data", None) or getattr(request, "POST", {})
        name = form.get("email") or form.get("username")
    return str(name).strip().lower() if name else None
