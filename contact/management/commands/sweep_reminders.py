from django.core.management.base import BaseCommand

from contact.reminders import sweep


class Command(BaseCommand):
    help = "Run the reminder sweep once, here, as Celery beat does every few minutes."

    def handle(self, *args, **options):
        result = sweep()
        self.stdout.write(
            f"{result.items} items, {result.reminders} reminders, "
            f"{result.notifications} notifications, {result.digests} digests."
        )
