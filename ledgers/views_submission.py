"""报送: the 包村 cadre hands in a village's six ledgers for the month, with one button.

The ledgers index shows each of the cadre's villages with this month's
submission and any earlier month still missing, and, for the leaders and
the party office, how many villages of their area have submitted.
"""

from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contact.forms_help import parse_month
from contact.models import Pairing
from contact.reminders import settings_for
from households.models import Area
from ledgers.forms_entries import villages_for
from ledgers.models import LedgerSubmission
from ledgers.services import ledgers_submit


@dataclass
class SubmissionRow:
    village: object
    month: date
    due_on: date
    submission: LedgerSubmission | None

    @property
    def is_submitted(self) -> bool:
        return self.submission is not None and self.submission.is_submitted

    @property
    def is_overdue(self) -> bool:
        return not self.is_submitted and self.due_on < timezone.localdate()


def submissions_for(user, today: date | None = None) -> dict:
    """What the index shows of 报送: the user's own villages, and their area's count."""
    today = today or timezone.localdate()
    month = today.replace(day=1)
    villages = {
        p.area_id: p.area
        for p in Pairing.objects.active(today)
        .filter(kind=Pairing.Kind.VILLAGE, cadre__user=user, area__in=villages_for(user))
        .select_related("area")
        .order_by("area__code")
    }
    rows = []
    if villages:
        found = LedgerSubmission.objects.filter(village__in=list(villages)).filter(
            Q(month=month) | Q(month__lt=month, submitted_at__isnull=True)
        )
        by_key = {(s.village_id, s.month): s for s in found.select_related("submitted_by__cadre")}
        days = {}
        for village_id, village in villages.items():
            county = Area.code_at(village.code, Area.Level.COUNTY)
            if county not in days:
                days[county] = settings_for(village).ledger_submission_day
            months = sorted({m for v, m in by_key if v == village_id} | {month})
            rows += [
                SubmissionRow(village, m, m.replace(day=days[county]), by_key.get((village_id, m)))
                for m in months
            ]
    area = LedgerSubmission.objects.visible_to(user).filter(village__in=villages_for(user))
    counts = area.aggregate(
        this_month=Count("pk", filter=Q(month=month)),
        submitted=Count("pk", filter=Q(month=month, submitted_at__isnull=False)),
        missed=Count("pk", filter=Q(month__lt=month, submitted_at__isnull=True)),
    )
    return {"month": month, "rows": rows, **counts}


@login_required
@require_POST
def submission_submit(request):
    """One button: the village's six ledgers for the month are submitted; a second click is a no-op."""
    village_id = request.POST.get("village", "")
    if not village_id.isdecimal():
        raise Http404
    village = get_object_or_404(villages_for(request.user), pk=village_id)
    month = parse_month(request.POST.get("month", ""))
    if month is None:
        raise Http404
    try:
        submission, submitted = ledgers_submit(village=village, month=month, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        values = {
            "village": village.name,
            "month": date_format(submission.month, "YEAR_MONTH_FORMAT"),
        }
        if submitted:
            messages.success(
                request, _("The ledgers of %(village)s for %(month)s are submitted.") % values
            )
        else:
            messages.info(
                request,
                _("The ledgers of %(village)s for %(month)s were submitted already.") % values,
            )
    # The index's top: the message, then the submissions right under it.
    return redirect("ledgers:index")


urlpatterns = [
    path("submissions/submit/", submission_submit, name="submission_submit"),
]
