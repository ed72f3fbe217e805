"""Reading configuration from the environment, loudly.

Settings read every variable through ``env`` so that a typo in a boolean or
a missing secret stops the process at start-up instead of changing its
behaviour quietly. ``READ`` records the names read, which lets the tests
compare the settings with what docker-compose and ``.env.example`` provide.
"""

from __future__ import annotations

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
