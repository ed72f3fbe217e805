"""The Celery app: configured from Django's settings (``CELERY_*``: the
broker, JSON only, late acks, time limits, the two queues and the beat
schedule), with the apps' ``tasks`` modules found automatically."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings.base")

app = Celery("clinic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
