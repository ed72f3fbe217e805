from django.db import migrations

from clinic.roles import sync_roles


def forwards(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    """Managers may pause the periodic jobs or change how often they run."""

    dependencies = [
        ("clinic", "0011_roles_notifications"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
