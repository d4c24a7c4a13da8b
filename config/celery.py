"""The Celery app. Tasks live in each app's tasks.py; the beat schedule is static, in settings."""

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("minqingtong")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def sweep_at_start(sender, **kwargs):
    """A worker that starts (after a restart, or the broker's return) sweeps at once, not in minutes."""
    sender.app.send_task("contact.sweep_due_items")
