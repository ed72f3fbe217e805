"""``python manage.py verify_records``: recompute every client's signature
chain from the rows as they are now, and say which signed record no longer
matches what was signed. Exits non-zero if any does."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from treatments.services.notes import verify_records


class Command(BaseCommand):
    help = "Check that every signed session note and amendment still matches its signature."

    def handle(self, *args, **options):
        result = verify_records()
        for mismatch in result.mismatches:
            self.stderr.write(str(mismatch))
        if result.mismatches:
            raise CommandError(
                f"{len(result.mismatches)} problem(s) in the signed records "
                f"({result.links} signatures of {result.clients} clients checked)."
            )
        self.stdout.write(self.style.SUCCESS(
            f"All {result.links} signatures of {result.clients} clients match their records."
        ))
