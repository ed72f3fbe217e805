from django.db import migrations

from clinic.roles import sync_roles


def forwards(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0004_roles_bookings"),
        ("treatments", "0005_home_care_assignment"),
        ("bookings", "0002_idempotency_key"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
