from django.db import migrations

from treatments.catalogue import load_catalogue


def forwards(apps, schema_editor):
    load_catalogue(apps)


class Migration(migrations.Migration):
    dependencies = [("treatments", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
