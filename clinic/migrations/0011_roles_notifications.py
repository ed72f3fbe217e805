from django.db import migrations

from clinic.roles import sync_roles


def forwards(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    """The front desk and the practitioners see the messages to clients in
    the panel (read-only; which rows, and who sends a failed one again, is
    ``bookings.policies``)."""

    dependencies = [
        ("clinic", "0010_whatsapp_and_quiet_hours"),
        ("bookings", "0008_event_client_confirmed_and_retry"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
