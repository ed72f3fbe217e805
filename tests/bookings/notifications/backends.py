"""Channel backends that fail on purpose, named in settings by the tests."""

from __future__ import annotations

from bookings.channels import PermanentError, TransientError

CALLS: list[str] = []


class AlwaysTransient:
    def send(self, message, *, key: str) -> str:
        CALLS.append(key)
        raise TransientError("provider timed out")


class AlwaysPermanent:
    def send(self, message, *, key: str) -> str:
        CALLS.append(key)
        raise PermanentError("number not on WhatsApp")


class Broken:
    def send(self, message, *, key: str) -> str:
        CALLS.append(key)
        raise RuntimeError("a bug in a provider's library")
