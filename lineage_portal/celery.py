"""The Celery application; it reads every ``CELERY_*`` setting from Django's settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lineage_portal.settings.local")

app = Celery("lineage_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
