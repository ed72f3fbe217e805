"""`make dev`: Django's auto-reloading development server (static files
included), refusing to listen beyond loopback with DEBUG on unless allowed.

A command of its own because an app's ``runserver`` would be shadowed by
``django.contrib.staticfiles``', which comes first in INSTALLED_APPS.
"""

from django.conf import settings
from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand
from django.core.management.base import CommandError

from clinic import serving


class Command(RunserverCommand):
    help = "Run the auto-reloading development server (loopback only with DEBUG on; see ALLOW_DEBUG_ON_NETWORK)."

    def run(self, **options):
        message = serving.refusal([self.addr], debug=settings.DEBUG, allowed=serving.allowed_on_network())
        if message:
            raise CommandError(message)
        super().run(**options)
