"""Load the demo county: 崇州市's registry, its cadres and a year of their contact work."""

import secrets
import string
import time
import unicodedata

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from contact import demo as contact_demo
from contact.demo_activity import build_activity
from contact.due import due_rebuild
from households import demo as households_demo
from households.models import Area, Household
from ledgers.demo import build_due_trail, build_ledgers, build_submissions, zhangli_next_steps
from ledgers.models import LEDGER_MODELS, Demand

PASSWORD_LENGTH = 12


def generate_password(length: int = PASSWORD_LENGTH) -> str:
    """Letters and digits, with at least one of each, as the password validators require."""
    alphabet = string.ascii_letters + string.digits
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if any(c.isalpha() for c in password) and any(c.isdigit() for c in password):
            return password


def _width(text: str) -> int:
    # A Chinese character takes two columns in a terminal.
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(_width(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(_pad(c, w) for c, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


def ledger_summary(county: Area) -> str:
    demands = Demand.objects.in_area(county)
    count = {m._meta.model_name: m.objects.in_area(county).count() for m in LEDGER_MODELS}
    pending = sum(m.objects.in_area(county).awaiting_review().count() for m in LEDGER_MODELS)
    return _(
        "Ledgers: %(demands)d demands (%(open)d open, %(overdue)d overdue), "
        "%(difficulty)d recognitions of difficulty, %(stability)d disputes, "
        "%(village)d village and %(party)d party sheets, %(opinions)d opinions; "
        "%(pending)d entries await review."
    ) % {
        "demands": count["demand"],
        "open": demands.open().count(),
        "overdue": demands.overdue().count(),
        "difficulty": count["difficultyrecord"],
        "stability": count["stabilitycase"],
        "village": count["villagesituation"],
        "party": count["partysituation"],
        "opinions": count["opinionrecord"],
        "pending": pending,
    }


def due_summary(due: dict[str, int]) -> str:
    return (
        _(
            "Due items: %(open)d open (%(overdue)d overdue, %(today)d due today, %(tomorrow)d "
            "tomorrow); %(reminders)d reminders already sent are on their trails, so the first "
            "sweep sends only what is new."
        )
        % due
    )


class Command(BaseCommand):
    help = (
        "Load the demo county 崇州市 (510184): areas, about 2,000 households, cadres of every "
        "rank and role, a year of visits and a year of the six ledgers. Does nothing if the "
        "demo county is already there."
    )
    # The table is for Chinese readers: keep the default language.
    leave_locale_alone = True

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing, quietly, if any area exists (used by `make run`).",
        )
        parser.add_argument(
            "--password",
            help="Password for every demo account (default: a new random one, printed once).",
        )

    def handle(self, *args, if_empty=False, password=None, verbosity=1, **options):
        if if_empty and Area.objects.exists():
            return
        if households_demo.demo_county() is not None:
            if verbosity:
                self.stdout.write(_("The demo county is already loaded; nothing was changed."))
            return
        generated = password is None
        password = generate_password() if generated else password

        started = time.monotonic()
        try:
            validate_password(password)
            with transaction.atomic():
                county = households_demo.build_registry()
                cadres = contact_demo.build_cadres(county, password=password)
                build_activity(county)
                build_ledgers(county)
                build_submissions(county)
                zhangli_next_steps()
                # Bulk-created rows sent no signals: open their due items, then their trail.
                due_rebuild()
                due = build_due_trail(county)
        except ValidationError as e:
            raise CommandError("\n".join(e.messages)) from None
        seconds = time.monotonic() - started

        if verbosity:
            rows = [
                [
                    c.user.username,
                    c.name,
                    "、".join(sorted(c.user.groups.values_list("name", flat=True))),
                    c.scope_area.full_name,
                ]
                for c in cadres
            ]
            headers = [_("User name"), _("Name"), _("Role"), _("Scope")]
            self.stdout.write(format_table(headers, rows))
            self.stdout.write(ledger_summary(county))
            self.stdout.write(due_summary(due))
            self.stdout.write(
                self.style.SUCCESS(
                    _("Demo county loaded in %(seconds).1f s: %(households)d households.")
                    % {
                        "seconds": seconds,
                        "households": Household.objects.filter(
                            area__code__startswith=county.code
                        ).count(),
                    }
                )
            )
        if verbosity or generated:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "Password of every demo account (shown only this once; each account "
                        "must change it at first sign-in): %(password)s"
                    )
                    % {"password": password}
                )
            )
