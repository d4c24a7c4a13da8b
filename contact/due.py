"""Due items: every date something is due, kept in step with the record that causes it.

Each source record says what of it is due with `due_set` (or `due_done`,
`due_cancel`) inside the transaction that changes it; the sweep in
`contact.reminders` only reads these rows. The sources of this app are here:

- a paired household's next visit (包户 pairing, from its categories' cadence);
- a visit's next step (下一步, by the date the cadre gave);
- a leader's reception-day duty (接待日);
- a suggestion box's next opening (意见箱).

`ledgers` adds its own (a demand's deadline, its return visit, the monthly
ledger submission) through `register_due_source` and `register_due_planner`:
`contact` does not import `ledgers` (DESIGN.md: imports point up).
"""

from collections.abc import Callable
from datetime import date, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contact.models import (
    DueItem,
    Pairing,
    ReceptionDuty,
    SuggestionBox,
    Visit,
    VisitCorrection,
)

State = DueItem.State
Kind = DueItem.Kind


def due_set(
    *,
    source,
    kind: str,
    due_on: date | None,
    cadre,
    area,
    title: str,
    url: str = "",
    household=None,
) -> DueItem | None:
    """The source's open item of this kind is due on `due_on`; None means nothing is due.

    Any open item of the source and kind with another date is cancelled (its
    trail is kept), and the item for the new date is opened. An item that was
    closed for this same date opens again with the reminders it already had:
    they are not sent twice. A change of cadre or title updates the open item.
    Call it inside the transaction that changes the source.
    """
    source_type = ContentType.objects.get_for_model(source)
    current = None
    open_items = DueItem.objects.select_for_update().filter(
        source_type=source_type, source_id=source.pk, kind=kind, state__in=DueItem.OPEN_STATES
    )
    for item in open_items:
        if due_on is not None and item.due_on == due_on:
            current = item
        else:
            _close(item, State.CANCELLED)
    if due_on is None:
        return None
    values = {
        "cadre": cadre,
        "area": area,
        "household": household,
        "title": title[:200],
        "url": url[:200],
    }
    if current is None:
        current, created = DueItem.objects.get_or_create(
            source_type=source_type,
            source_id=source.pk,
            kind=kind,
            due_on=due_on,
            defaults=values,
        )
        if created:
            return current
        current.state = _state_from_trail(current)
        current.closed_at = None
    for name, value in values.items():
        setattr(current, name, value)
    current.save()
    return current


def _state_from_trail(item: DueItem) -> str:
    kinds = set(item.reminders.values_list("kind", flat=True))
    if any(k.startswith("escalation") for k in kinds):
        return State.ESCALATED
    return State.REMINDED if kinds else State.PENDING


def _close(item: DueItem, state: str) -> None:
    item.state = state
    item.closed_at = timezone.now()
    item.save(update_fields=["state", "closed_at"])


def _open_items(source, kind=None):
    items = DueItem.objects.filter(
        source_type=ContentType.objects.get_for_model(source),
        source_id=source.pk,
        state__in=DueItem.OPEN_STATES,
    )
    return items.filter(kind=kind) if kind else items


def due_done(*, source, kind: str) -> int:
    """What was due of the source is done. Returns how many items it closed."""
    return _open_items(source, kind).update(state=State.DONE, closed_at=timezone.now())


def due_cancel(*, source, kind: str | None = None) -> int:
    """Nothing of the source is due any more (a pairing ended, a duty was deleted)."""
    return _open_items(source, kind).update(state=State.CANCELLED, closed_at=timezone.now())


@transaction.atomic
def due_item_close(*, item: DueItem, by) -> bool:
    """The cadre says a next step or a reception duty is done. False if it was closed already."""
    if not item.closable_by(by):
        return False
    return bool(
        DueItem.objects.filter(pk=item.pk, state__in=DueItem.OPEN_STATES).update(
            state=State.DONE, closed_at=timezone.now()
        )
    )


# --- Sources: a registry, so that other apps add theirs ----------------------------------

_SOURCES: list[tuple[type, Callable, Callable | None]] = []
_PLANNERS: list[Callable[[date], None]] = []


def register_due_source(model: type, sync: Callable, rows: Callable | None = None) -> None:
    """`sync(obj)` brings the object's due items up to date; `due_rebuild` calls it for every row.

    `rows()`, if given, is the queryset `due_rebuild` goes through instead of every row: the
    rows that can have something due, with what `sync` reads prefetched.
    """
    if not any(m is model and s is sync for m, s, _rows in _SOURCES):
        _SOURCES.append((model, sync, rows))


def register_due_planner(plan: Callable[[date], None]) -> None:
    """`plan(today)` opens the items of recurring duties (a month's ledgers); the sweep calls it first."""
    if plan not in _PLANNERS:
        _PLANNERS.append(plan)


def due_plan(today: date) -> None:
    for plan in _PLANNERS:
        plan(today)


def due_rebuild() -> int:
    """Bring every source's items up to date: after an import or at go-live. Safe to run again.

    Titles are stored in the site's language, whatever language the caller runs in.
    """
    with translation.override(settings.LANGUAGE_CODE):
        return _rebuild()


def _rebuild(chunk: int = 500) -> int:
    count = 0
    for model, sync, source_rows in _SOURCES:
        queryset = source_rows() if source_rows else model.objects.all()
        last = 0
        while True:
            rows = list(queryset.filter(pk__gt=last).order_by("pk")[:chunk])
            if not rows:
                break
            with transaction.atomic():
                for obj in rows:
                    sync(obj)
            count += len(rows)
            last = rows[-1].pk
    due_plan(timezone.localdate())
    return count


# --- This app's sources --------------------------------------------------------------------


def pairing_sync_due(pairing: Pairing) -> None:
    """A paired household's next visit, from Pairing.next_visit_due; none once the pairing ends."""
    if pairing.kind != Pairing.Kind.HOUSEHOLD or pairing.household_id is None:
        return
    today = timezone.localdate()
    if pairing.end_date is not None and pairing.end_date <= today or pairing.cadre_id is None:
        due_cancel(source=pairing, kind=Kind.VISIT)
        return
    household = pairing.household
    due_set(
        source=pairing,
        kind=Kind.VISIT,
        due_on=pairing.next_visit_due,
        cadre=pairing.cadre,
        area=household.village or household.area,
        household=household,
        title=_("Visit %(household)s") % {"household": household.head_name},
        url=reverse("households:detail", args=[household.pk]),
    )


def pairing_visited(pairing: Pairing) -> None:
    """A visit was made: the item of the old date is done, not cancelled, before the next opens."""
    if pairing.next_visit_due is None:
        return
    ct = ContentType.objects.get_for_model(pairing)
    DueItem.objects.filter(
        source_type=ct, source_id=pairing.pk, kind=Kind.VISIT, state__in=DueItem.OPEN_STATES
    ).exclude(due_on=pairing.next_visit_due).update(state=State.DONE, closed_at=timezone.now())


def visit_sync_due(visit: Visit) -> None:
    """The visit's next step, by the date the cadre gave (a correction's date where there is one)."""
    current = visit.current
    when = current.next_step_date
    if when is None:  # most visits: nothing to look up (due_rebuild goes through every visit)
        due_cancel(source=visit, kind=Kind.NEXT_STEP)
        return
    due_set(
        source=visit,
        kind=Kind.NEXT_STEP,
        due_on=when,
        cadre=visit.cadre,
        area=visit.area,
        household=visit.household,
        title=current.next_step
        or _("Next step of the visit of %(date)s")
        % {"date": f"{timezone.localdate(visit.visited_at):%m-%d}"},
        url=visit.get_absolute_url(),
    )


def visit_follows_up(visit: Visit) -> None:
    """A new visit to a household by the same cadre is the follow-up of earlier next steps."""
    if visit.reception_duty_id:
        due_done(source=visit.reception_duty, kind=Kind.RECEPTION)
    if visit.household_id is None:
        return
    earlier = Visit.objects.filter(
        household_id=visit.household_id, cadre_id=visit.cadre_id, visited_at__lt=visit.visited_at
    ).values("pk")
    DueItem.objects.filter(
        source_type=ContentType.objects.get_for_model(Visit),
        source_id__in=earlier,
        kind=Kind.NEXT_STEP,
        state__in=DueItem.OPEN_STATES,
    ).update(state=State.DONE, closed_at=timezone.now())


def duty_sync_due(duty: ReceptionDuty) -> None:
    """The leader on duty is reminded of the reception day; a reception visit logged under it closes it."""
    if duty.visits.exists():
        due_done(source=duty, kind=Kind.RECEPTION)
        return
    schedule = duty.schedule
    due_set(
        source=duty,
        kind=Kind.RECEPTION,
        due_on=duty.date,
        cadre=duty.leader,
        area=schedule.area,
        title=_("Reception day at %(place)s") % {"place": schedule.place},
        url=reverse("contact:reception_duty", args=[duty.pk]),
    )


def box_sync_due(box: SuggestionBox, *, opened: bool = False) -> None:
    """The box's next opening: its interval after the last opening (or after today, for a new box).

    The first keyholder answers for it; any keyholder's opening closes it.
    """
    if opened:
        due_done(source=box, kind=Kind.BOX)
    last = box.openings.order_by("-opened_at").values_list("opened_at", flat=True).first()
    start = timezone.localdate(last) if last else timezone.localdate()
    keyholder = box.keyholders.order_by("pk").first()
    due_set(
        source=box,
        kind=Kind.BOX,
        due_on=start + timedelta(days=box.opening_interval_days),
        cadre=keyholder,
        area=box.area,
        title=_("Open the suggestion box at %(place)s") % {"place": box.place},
        url=reverse("contact:box_detail", args=[box.pk]),
    )


def pairings_ended(today: date) -> None:
    """A pairing ended on a date set in advance: its household's visit is no longer this cadre's."""
    ended = Pairing.objects.filter(kind=Pairing.Kind.HOUSEHOLD, end_date__lte=today).values("pk")
    DueItem.objects.filter(
        source_type=ContentType.objects.get_for_model(Pairing),
        source_id__in=ended,
        state__in=DueItem.OPEN_STATES,
    ).update(state=State.CANCELLED, closed_at=timezone.now())


register_due_planner(pairings_ended)
register_due_source(
    Pairing,
    pairing_sync_due,
    lambda: Pairing.objects.filter(kind=Pairing.Kind.HOUSEHOLD).select_related(
        "cadre", "household__area__parent"
    ),
)


def _visits_with_a_next_step():
    """A visit has something due only through a next-step date, its own or a correction's."""
    dated = Visit.objects.filter(next_step_date__isnull=False).values("pk")
    corrected = VisitCorrection.objects.filter(next_step_date__isnull=False).values("visit")
    return Visit.objects.filter(Q(pk__in=dated) | Q(pk__in=corrected)).prefetch_related(
        "corrections"
    )


register_due_source(Visit, visit_sync_due, _visits_with_a_next_step)
register_due_source(ReceptionDuty, duty_sync_due)
register_due_source(SuggestionBox, box_sync_due)
