from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from households.areas import import_area_rows, read_area_file


class Command(BaseCommand):
    help = (
        "Import areas (county, townships, villages, village groups) from a CSV or xlsx file "
        "with the columns 代码 (12-digit division code, 15 for a group) and 名称."
    )
    # Messages are for the county's staff: in the default language, Chinese.
    leave_locale_alone = True

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV (UTF-8) or xlsx file")

    def handle(self, *args, **options):
        path = options["file"]
        try:
            rows, first_line = read_area_file(path)
            result = import_area_rows(rows, first_line=first_line)
        except FileNotFoundError:
            raise CommandError(_("No such file: %(path)s") % {"path": path}) from None
        except OSError as e:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": e.strerror}
            ) from None
        except ValidationError as e:
            raise CommandError("\n".join([_("Nothing was imported:"), *e.messages])) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("Areas created: %(created)d, updated: %(updated)d, unchanged: %(unchanged)d.")
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                }
            )
        )
