from django.db import migrations

from clinic.roles import sync_roles


def forwards(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    """Practitioners check in, complete and move their own appointments in
    the staff panel, and keep their own time off."""

    dependencies = [
        ("clinic", "0005_roles_home_care"),
        ("bookings", "0003_idempotency_keeps_the_appointment"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
