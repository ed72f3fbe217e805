"""Reading configuration from the environment, loudly.

Settings read every variable through ``env`` so that a typo in a boolean or
a missing secret stops the process at start-up instead of changing its
behaviour quietly. ``READ`` records the names read, which lets the tests
compare the settings with what docker-compose and ``.env.example`` provide.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


class StrictEnv(environ.Env):
    """``environ.Env`` that refuses booleans it does not recognise and
    remembers which variables the settings asked for."""

    READ: set[str] = set()

    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        self.READ.add(var)
        return super().get_value(var, cast=cast, default=default, parse_default=parse_default)

    def bool(self, var, default=environ.Env.NOTSET):
        self.READ.add(var)
        raw = self.ENVIRON.get(var)
        if raw is None:
            if default is environ.Env.NOTSET:
                raise ImproperlyConfigured(f"Set the {var} environment variable (true or false).")
            return default
        word = raw.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ImproperlyConfigured(
            f"{var}={raw!r} is not a boolean: use one of "
            f"{', '.join(sorted(TRUE_WORDS | FALSE_WORDS - {''}))}."
        )


env = StrictEnv()


def local_secret_key(path: Path) -> str:
    """The secret key kept in ``path``, made at random on the first call.

    For runs with DEBUG on and no SECRET_KEY: each install signs with a key
    of its own, which survives restarts, instead of a string anyone can
    read. ``make run`` starts web, worker and beat at once, so the key is
    written to a private file (mode 0600) and linked into place: the first
    link wins and every process reads the same key.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, draft = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
        try:
            with os.fdopen(handle, "w") as file:
                file.write(secrets.token_urlsafe(50) + "\n")
            try:
                os.link(draft, path)
            except FileExistsError:
                pass  # another process made it first; theirs is the key
        finally:
            os.unlink(draft)
    key = path.read_text().strip()
    if not key:
        raise ImproperlyConfigured(f"{path} is empty: delete it, and the next start makes a new key.")
    return key
