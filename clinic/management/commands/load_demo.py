from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from clinic.demo import load_demo


class Command(BaseCommand):
    help = "Load a demo studio with staff and clients (local runs only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Load even with DEBUG off (the demo logins share a published password).",
        )

    def handle(self, *args, allow_without_debug: bool = False, **options):
        if not settings.DEBUG and not allow_without_debug:
            raise CommandError("Refusing to load demo logins with DEBUG off; pass --allow-without-debug to insist.")
        logins = load_demo()
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data ready. Staff panel logins (password "
                f"{logins.password!r}): manager {logins.manager}, receptionist {logins.receptionist}, "
                f"therapists {', '.join(logins.practitioners)}; app login of a demo client: {logins.client}."
            )
        )
