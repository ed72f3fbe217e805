from django.db import migrations

from clinic.roles import sync_roles


def forwards(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    """Practitioners and managers reach the clinical records; managers keep
    the contraindication rules and read the access log."""

    dependencies = [
        ("clinic", "0008_roles_hours_on_a_date"),
        ("treatments", "0008_records"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
