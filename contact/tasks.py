"""Background work: the reminder sweep and the delivery of e-mail and SMS.

Tasks are thin: an id in, a service of `contact.reminders` called, retried
with back-off on failure. All of them can run twice without harm (the
services claim their work in the database), which is what `acks_late` and
a worker killed mid-task need. A task that still fails after its last retry
is written to `TaskFailure`, which administrators read in the admin.
"""

import logging
import queue
import threading
import traceback

from celery import Task, shared_task
from django.conf import settings
from django.utils import timezone

log = logging.getLogger(__name__)


class RecordedTask(Task):
    """Acknowledged after it ran, retried with back-off, recorded when it finally fails."""

    acks_late = True
    reject_on_worker_lost = True
    autoretry_for = (Exception,)
    max_retries = 5
    retry_backoff = 10
    retry_backoff_max = 600
    retry_jitter = True

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        from contact.models import TaskFailure

        TaskFailure.objects.update_or_create(
            task_id=task_id,
            defaults={
                "task_name": self.name,
                "args": repr(args)[:2000],
                "exception": f"{type(exc).__name__}: {exc}"[:2000],
                "traceback": str(einfo) if einfo else traceback.format_exc(),
                "failed_at": timezone.now(),
            },
        )
        super().on_failure(exc, task_id, args, kwargs, einfo)


@shared_task(base=RecordedTask, name="contact.sweep_due_items")
def sweep_due_items():
    """Beat's sweep: reminders, escalations and digests now due. Returns what it did."""
    from contact.reminders import sweep

    result = sweep()
    return {
        "items": result.items,
        "reminders": result.reminders,
        "notifications": result.notifications,
        "digests": result.digests,
        "requeued": result.requeued,
    }


@shared_task(base=RecordedTask, name="contact.deliver_notification")
def deliver_notification(notification_id: int):
    """Send a notification's e-mail and SMS; a failure is retried with back-off."""
    from contact.reminders import deliver, delivery_failed

    try:
        return deliver(notification_id)
    except Exception:
        if deliver_notification.request.retries >= deliver_notification.max_retries:
            delivery_failed(notification_id)
        raise


# --- Queueing without waiting for the broker ------------------------------------------------
#
# Publishing to a broker that is down blocks the caller: a Redis that refuses
# takes Celery two seconds to give up, one that accepts and never answers
# longer. A request must not wait for that, so requests hand their messages
# to one publishing thread and answer at once. Nothing is lost if the publish
# fails: the work it would have started is a row in the database, and the next
# sweep queues it again.

_outbox: queue.SimpleQueue = queue.SimpleQueue()
_publisher: threading.Thread | None = None
_publisher_lock = threading.Lock()


def _publish_forever():
    while True:
        task, args = _outbox.get()
        try:
            task.apply_async(args=args)
        except Exception as exc:  # the broker is down; the sweep sends it later
            log.warning("Could not queue %s%r: %s", task.name, tuple(args), exc)


def enqueue(task, *args) -> None:
    """Queue `task(*args)` without waiting for the broker. Call it from transaction.on_commit."""
    global _publisher
    if settings.CELERY_TASK_ALWAYS_EAGER:
        try:
            task.apply(args=args)
        except Exception as exc:
            log.warning("Task %s%r failed: %s", task.name, tuple(args), exc)
        return
    with _publisher_lock:
        if _publisher is None or not _publisher.is_alive():
            _publisher = threading.Thread(
                target=_publish_forever, name="celery-publisher", daemon=True
            )
            _publisher.start()
    _outbox.put((task, list(args)))
