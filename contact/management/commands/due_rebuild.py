from django.core.management.base import BaseCommand

from contact.due import due_rebuild


class Command(BaseCommand):
    help = "Bring every due item up to date from its record (after an import, or at go-live)."

    def handle(self, *args, **options):
        count = due_rebuild()
        self.stdout.write(self.style.SUCCESS(f"{count} records read."))
