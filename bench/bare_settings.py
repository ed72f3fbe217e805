"""Settings for the booking benchmark's server: the project's own settings,
unchanged, with a URL configuration that adds the bench's baseline endpoint
(``bench/bare_urls.py``)."""

from clinic.settings.base import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"
