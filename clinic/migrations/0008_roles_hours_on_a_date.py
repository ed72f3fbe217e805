from django.db import migrations

from clinic.roles import sync_roles


def forwards(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    """Managers keep the hours on a date; receptionists and practitioners read them."""

    dependencies = [
        ("clinic", "0007_client_logins_only"),
        ("bookings", "0005_hours_past_midnight_and_on_a_date"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
