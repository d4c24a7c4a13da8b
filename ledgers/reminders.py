"""What the ledgers make due, kept in contact's due items (contact.due) in the same transaction.

`contact` sweeps and sends; it does not import the ledgers, so the ledgers
register here what only they know: a demand's deadline and its return
visit, the monthly submission of a village's ledgers (报送), China's working
days for the escalation ladder, and the lines of a cadre's digest about
entries the reviewers returned.
"""

from datetime import date, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contact.due import due_cancel, due_done, due_set, register_due_planner, register_due_source
from contact.models import Cadre, DueItem, Pairing
from contact.reminders import register_digest_section, register_workday_counter, settings_for
from households.models import Area
from ledgers import home
from ledgers.models import (
    LEDGER_MODELS,
    Demand,
    EntryCorrection,
    LedgerSubmission,
    ReviewState,
)
from ledgers.workdays import shared_calendar

State = Demand.State
WORKING = (State.RECORDED, State.ESCALATED, State.ASSIGNED, State.IN_PROGRESS)


# --- A demand's deadline and return visit ------------------------------------------------


def demand_sync_due(demand: Demand) -> None:
    """While a demand is worked on, its deadline is due; once resolved, its return visit.

    The deadline concerns the handler, or until there is one the cadre who
    recorded it (the ladder takes it to the leaders who should assign it).
    The return visit concerns the cadre the resident turned to, who knows
    the household; the county sets how many days after resolution it is due.
    A reopened demand has a new deadline, so a new item: the missed one keeps
    its trail.
    """
    working = demand.state in WORKING
    if not working and demand.state != State.RESOLVED:
        # Return-visited or closed, as most are: whatever was open of it is done, in one query.
        DueItem.objects.open().filter(
            source_type=ContentType.objects.get_for_model(Demand),
            source_id=demand.pk,
            kind__in=(DueItem.Kind.DEMAND, DueItem.Kind.RETURN_VISIT),
        ).update(state=DueItem.State.DONE, closed_at=timezone.now())
        return
    if working:
        due_set(
            source=demand,
            kind=DueItem.Kind.DEMAND,
            due_on=demand.deadline,
            cadre=demand.handler_cadre or demand.cadre,
            area=demand.area,
            household=demand.household,
            title=_("Demand %(reference)s: %(text)s")
            % {"reference": demand.reference, "text": demand.description[:60]},
            url=demand.get_absolute_url(),
        )
    else:
        # Resolved (or past it): the deadline is done, met or missed; the trail shows which.
        due_done(source=demand, kind=DueItem.Kind.DEMAND)

    if demand.state == State.RESOLVED and demand.resolved_at:
        days = settings_for(demand.area).return_visit_days
        due_set(
            source=demand,
            kind=DueItem.Kind.RETURN_VISIT,
            due_on=timezone.localdate(demand.resolved_at) + timedelta(days=days),
            cadre=demand.cadre or demand.handler_cadre,
            area=demand.area,
            household=demand.household,
            title=_("Return visit for %(reference)s: %(text)s")
            % {"reference": demand.reference, "text": demand.description[:60]},
            url=demand.get_absolute_url(),
        )
    elif not working or demand.return_visits.exists():
        # Return-visited, closed, or reopened by an unsatisfied return visit.
        due_done(source=demand, kind=DueItem.Kind.RETURN_VISIT)
    else:
        due_cancel(source=demand, kind=DueItem.Kind.RETURN_VISIT)


@receiver(post_save, sender=Demand, dispatch_uid="ledgers.demand_due")
def _demand_saved(sender, instance: Demand, raw=False, **kwargs):
    if not raw:
        demand_sync_due(instance)


register_due_source(Demand, demand_sync_due)


# --- The monthly submission of a village's ledgers (报送) ----------------------------------
#
# One due item per village and month, whose source is that month's
# LedgerSubmission row. The source cannot be the 包村 pairing: a due item is
# unique per source and kind while open, so last month's missed submission
# would have to be closed for this month's to open, and a supervisor wants
# the missed month to stay overdue and climb the ladder until it is
# submitted. With a row per month, both months are open side by side, each
# with its own trail. The row is opened empty with its item; submitting
# fills it in and closes the item in the same transaction.
#
# A village with two 包村 cadres has one item, which concerns the one paired
# first; either may submit, and rung 1 of the ladder (the village's other
# 包村 cadres) reaches the second.


def village_cadre(village_id: int, *, on: date | None = None) -> Cadre | None:
    """The 包村 cadre a village's submission concerns: the one paired first, among the active."""
    pairing = (
        Pairing.objects.active(on)
        .filter(kind=Pairing.Kind.VILLAGE, area_id=village_id, cadre__isnull=False)
        .select_related("cadre__user")
        .order_by("start_date", "pk")
        .first()
    )
    return pairing.cadre if pairing else None


def submission_due_on(submission: LedgerSubmission, county_settings=None) -> date:
    county_settings = county_settings or settings_for(submission.village)
    return submission.month.replace(day=county_settings.ledger_submission_day)


def submission_url(village_id: int) -> str:
    return f"{reverse('ledgers:index')}#submission-{village_id}"


def submission_sync_due(
    submission: LedgerSubmission, *, cadre: Cadre | None = None, county_settings=None
) -> None:
    """The month's ledgers are due from the village's 包村 cadre until they are submitted."""
    if submission.is_submitted:
        due_done(source=submission, kind=DueItem.Kind.LEDGER)
        return
    village = submission.village
    due_set(
        source=submission,
        kind=DueItem.Kind.LEDGER,
        due_on=submission_due_on(submission, county_settings),
        cadre=cadre or village_cadre(village.pk),
        area=village,
        title=_("Submit the ledgers of %(village)s for %(month)s")
        % {"village": village.name, "month": date_format(submission.month, "YEAR_MONTH_FORMAT")},
        url=submission_url(village.pk),
    )


register_due_source(LedgerSubmission, submission_sync_due)


def plan_ledger_submissions(today: date) -> int:
    """Open this month's submission, and its due item, for every village with a 包村 cadre.

    The sweep calls it every few minutes: once the month's rows exist it costs
    two queries (the active 包村 pairings, the month's rows). Returns how many
    it opened.
    """
    month = today.replace(day=1)
    first_cadre: dict[int, int] = {}
    for village_id, cadre_id in (
        Pairing.objects.active(today)
        .filter(kind=Pairing.Kind.VILLAGE, cadre__isnull=False, area__level=Area.Level.VILLAGE)
        .order_by("start_date", "pk")
        .values_list("area_id", "cadre_id")
    ):
        first_cadre.setdefault(village_id, cadre_id)
    if not first_cadre:
        return 0
    opened = set(LedgerSubmission.objects.filter(month=month).values_list("village_id", flat=True))
    missing = [v for v in first_cadre if v not in opened]
    if not missing:
        return 0
    villages = Area.objects.in_bulk(missing)
    cadres = Cadre.objects.in_bulk([first_cadre[v] for v in missing])
    counties: dict[str, object] = {}
    count = 0
    for village_id in missing:
        village = villages[village_id]
        county = Area.code_at(village.code, Area.Level.COUNTY)
        if county not in counties:
            counties[county] = settings_for(village)
        with transaction.atomic():
            submission, created = LedgerSubmission.objects.get_or_create(
                village=village, month=month
            )
            if created:
                submission_sync_due(
                    submission,
                    cadre=cadres.get(first_cadre[village_id]),
                    county_settings=counties[county],
                )
                count += 1
    return count


register_due_planner(plan_ledger_submissions)


@receiver(post_save, sender=Pairing, dispatch_uid="ledgers.village_pairing_due")
def _village_pairing_saved(sender, instance: Pairing, raw=False, **kwargs):
    """A village's 包村 cadre changed: its open submissions concern the one paired now."""
    if raw or instance.kind != Pairing.Kind.VILLAGE or instance.area_id is None:
        return
    cadre = village_cadre(instance.area_id)
    if cadre is None:
        return  # nobody paired: the items stay with the last cadre, and the ladder goes on
    DueItem.objects.open().filter(
        kind=DueItem.Kind.LEDGER,
        source_type=ContentType.objects.get_for_model(LedgerSubmission),
        source_id__in=LedgerSubmission.objects.filter(village_id=instance.area_id).values("pk"),
    ).exclude(cadre=cadre).update(cadre=cadre)


# --- The digest's lines about entries the reviewers returned -------------------------------

# A digest is read on a phone; the home page has the whole list.
DIGEST_SHOWN = 5


def returned_section(user, today: date) -> list[str]:
    """ "2 ledger entries returned by reviewers:" and the latest of them, with the reviewer's note."""
    refs = home._returned_refs(user)
    if not refs:
        return []
    refs.sort(key=lambda ref: (ref[1] is not None, ref[1]), reverse=True)
    shown = refs[:DIGEST_SHOWN]
    items = []
    for number in sorted({kind for _pk, _at, kind in shown}):
        pks = [pk for pk, _at, kind in shown if kind == number]
        if number == home.CORRECTION:
            items += home._correction_items(pks)
        else:
            items += home._entry_items(LEDGER_MODELS[number], pks)
    items.sort(key=lambda item: (item.reviewed_at is not None, item.reviewed_at), reverse=True)
    count = len(refs)
    lines = [
        ngettext(
            "%(count)d ledger entry returned by reviewers:",
            "%(count)d ledger entries returned by reviewers:",
            count,
        )
        % {"count": count}
    ]
    for item in items:
        what = (
            _("Correction of %(entry)s") % {"entry": item.label}
            if item.is_correction
            else item.label
        )
        if item.note:
            line = _("%(kind)s %(entry)s: %(note)s") % {
                "kind": item.kind,
                "entry": what,
                "note": item.note,
            }
        else:
            line = _("%(kind)s %(entry)s") % {"kind": item.kind, "entry": what}
        lines.append(f"· {line}")
    if count > len(items):
        lines.append(
            "· " + _("and %(count)d more on your home page.") % {"count": count - len(items)}
        )
    return lines


def _returned_candidates(today: date) -> set[int]:
    """Users who have an entry or a correction returned and not yet sent back."""
    parts = [
        model.objects.filter(review_state=ReviewState.RETURNED, recorded_by__isnull=False)
        .order_by()
        .values_list("recorded_by_id", flat=True)
        for model in LEDGER_MODELS
    ]
    first, *rest = parts
    users = set(first.union(*rest))
    newer = EntryCorrection.objects.filter(
        author=OuterRef("author"),
        content_type=OuterRef("content_type"),
        object_id=OuterRef("object_id"),
        created_at__gt=OuterRef("created_at"),
    )
    users.update(
        EntryCorrection.objects.filter(
            state=ReviewState.RETURNED,
            reviewed_at__gte=timezone.now() - home.CORRECTIONS_SHOWN_FOR,
        )
        .exclude(Exists(newer))
        .values_list("author_id", flat=True)
    )
    return users


returned_section.candidates = _returned_candidates
register_digest_section(returned_section)


# --- China's working days, for the ladder ---------------------------------------------------


def workdays_between(start, end) -> int:
    return shared_calendar().workdays_between(start, end)


register_workday_counter(workdays_between)
