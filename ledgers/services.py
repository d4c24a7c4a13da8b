"""Writes of the ledgers: recording entries, the demand workflow, review and corrections.

The demand workflow is the table `TRANSITIONS`: for each action, the states
it may start from, the state it leads to and who may take it. Views show a
button only where `allowed_actions` lists it, and `demand_transition`
checks the same table again, so a forged POST is refused the same way.
"""

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contact.due import due_done
from contact.models import Cadre, DueItem, Notification, Pairing, person_name
from contact.photos import process_photo
from contact.reminders import notify, settings_for
from households.models import Area
from households.scope import scope_for
from ledgers.models import (
    CountySettings,
    Demand,
    DemandAttachment,
    DemandEvent,
    EntryCorrection,
    LedgerEntry,
    LedgerSubmission,
    ReturnVisit,
    ReviewState,
    Source,
)
from ledgers.workdays import WorkdayCalendar

State = Demand.State
Action = DemandEvent.Action

# --- Deadlines ------------------------------------------------------------------


def county_settings_for(area: Area) -> CountySettings:
    """The county's settings, or the defaults (急 3, 重 7, 缓 15, 轻 30) if it has set none."""
    county_code = area.code[:6]
    found = CountySettings.objects.filter(county__code=county_code).first()
    return found or CountySettings()


def deadline_for(*, area: Area, urgency: str, start: date) -> date:
    days = county_settings_for(area).deadline_days(urgency)
    return WorkdayCalendar().add_workdays(start, days)


# --- Recording ------------------------------------------------------------------


def _new_reference(year: int) -> str:
    """年份-6 digits: what a resident reads off a slip or an SMS and types back with their phone."""
    while True:
        reference = f"{year}-{secrets.randbelow(900000) + 100000}"
        if not Demand.objects.filter(reference=reference).exists():
            return reference


def open_duplicate(*, household, kind: str) -> Demand | None:
    """The household's open demand of this kind, which a new one would most likely repeat."""
    if household is None:
        return None
    return (
        Demand.objects.open()
        .filter(household=household, kind=kind)
        .order_by("-occurred_on", "-pk")
        .first()
    )


def demand_record(
    *,
    by,
    area: Area,
    kind: str,
    urgency: str,
    description: str,
    household=None,
    visit=None,
    source: str = Source.DIRECT,
    resident_name: str = "",
    resident_phone: str = "",
    cadre: Cadre | None = None,
    occurred_on: date | None = None,
    idempotency_key: uuid.UUID | None = None,
) -> tuple[Demand, bool]:
    """登记: record a demand with its deadline; returns (demand, created).

    A key seen before returns the demand it created: a resent form records nothing twice.
    """
    if idempotency_key is not None:
        existing = Demand.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
    occurred_on = occurred_on or timezone.localdate()
    if household is not None and area is None:
        area = household.village
    if cadre is None and by is not None:
        cadre = Cadre.objects.filter(user=by).first()
    for _attempt in range(3):
        demand = Demand(
            reference=_new_reference(occurred_on.year),
            area=area,
            household=household,
            visit=visit,
            source=source,
            occurred_on=occurred_on,
            recorded_by=by,
            kind=kind,
            urgency=urgency,
            description=description,
            resident_name=resident_name,
            resident_phone=resident_phone,
            cadre=cadre,
            deadline=deadline_for(area=area, urgency=urgency, start=occurred_on),
            idempotency_key=idempotency_key,
        )
        try:
            with transaction.atomic():
                demand.save()
                DemandEvent.objects.create(
                    demand=demand,
                    action=Action.RECORD,
                    to_state=State.RECORDED,
                    by=by,
                    note=_("Deadline %(date)s.") % {"date": demand.deadline.isoformat()},
                )
        except IntegrityError:
            if idempotency_key is not None:
                existing = Demand.objects.filter(idempotency_key=idempotency_key).first()
                if existing is not None:  # the same form, sent twice at once
                    return existing, False
            continue  # two references drawn alike: draw again
        return demand, True
    raise IntegrityError("Could not draw a free demand reference")


def demand_add_to(*, demand: Demand, by, note: str) -> DemandEvent:
    """The duplicate guard's "add to it": the resident raised the same thing again."""
    if demand.state == State.CLOSED:
        raise ValidationError(_("This demand is closed; record a new one."))
    return DemandEvent.objects.create(
        demand=demand,
        action=Action.ADD,
        from_state=demand.state,
        to_state=demand.state,
        by=by,
        note=note,
    )


def demand_update(*, demand: Demand, by, fields: dict) -> Demand:
    """The author corrects a demand before review; a changed urgency moves the deadline."""
    if not demand.editable_by(by):
        raise PermissionDenied
    with transaction.atomic():
        # From the database: a bound ModelForm has already set the new urgency on `demand`.
        urgency_before = Demand.objects.values_list("urgency", flat=True).get(pk=demand.pk)
        for name, value in fields.items():
            setattr(demand, name, value)
        if demand.urgency != urgency_before:
            demand.deadline = deadline_for(
                area=demand.area, urgency=demand.urgency, start=demand.occurred_on
            )
        if demand.review_state == ReviewState.RETURNED:
            demand.review_state = ReviewState.PENDING
        demand._history_user = by
        demand.save()
        DemandEvent.objects.create(
            demand=demand, action=Action.EDIT, from_state=demand.state, to_state=demand.state, by=by
        )
    return demand


# --- The workflow -----------------------------------------------------------------


def _is_handler(user, demand: Demand) -> bool:
    return demand.handler_cadre_id is not None and demand.handler_cadre.user_id == user.pk


def _covers(user, area: Area | None) -> bool:
    """Whether the user's own scope reaches the area (a township leader does not reach the county)."""
    scope = scope_for(user)
    if scope.everything:
        return True
    return area is not None and any(area.code.startswith(code) for code in scope.area_codes)


def _can_dispatch(user, demand: Demand) -> bool:
    """Assign or escalate: a leader whose area the demand is in, or above it once escalated."""
    if not user.has_perm("ledgers.assign_demand"):
        return False
    return _covers(user, demand.escalated_to or demand.area)


def _can_work(user, demand: Demand) -> bool:
    """Start, resolve, explain: the handler, or a leader who could assign it."""
    if demand.state == State.ESCALATED:
        return _can_dispatch(user, demand)
    if demand.state == State.RECORDED and demand.cadre_id and demand.cadre.user_id == user.pk:
        return True  # the cadre the resident turned to settles it on the spot
    return _is_handler(user, demand) or _can_dispatch(user, demand)


def _sees(user, demand: Demand) -> bool:
    """Within the user's scope: a permission alone reaches every township's demands."""
    return Demand.objects.visible_to(user).filter(pk=demand.pk).exists()


def _can_return_visit(user, demand: Demand) -> bool:
    return user.has_perm("ledgers.return_visit_demand") and _sees(user, demand)


def _can_close(user, demand: Demand) -> bool:
    return user.has_perm("ledgers.close_demand") and _sees(user, demand)


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: tuple[str, ...]
    allowed: Callable
    style: str = "primary"


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition(
            Action.ASSIGN,
            gettext_lazy("Assign (交办)"),
            (State.RECORDED, State.ESCALATED, State.ASSIGNED, State.IN_PROGRESS),
            _can_dispatch,
        ),
        Transition(
            Action.ESCALATE,
            gettext_lazy("Escalate (上报)"),
            (State.RECORDED, State.ASSIGNED, State.IN_PROGRESS, State.ESCALATED),
            _can_work,
            "outline-warning",
        ),
        Transition(Action.START, gettext_lazy("Start work (办理中)"), (State.ASSIGNED,), _can_work),
        Transition(
            Action.RESOLVE,
            gettext_lazy("Resolve (办结)"),
            (State.RECORDED, State.ASSIGNED, State.IN_PROGRESS),
            _can_work,
            "success",
        ),
        Transition(
            Action.EXPLAIN,
            gettext_lazy("Outside policy: explain (答复说明)"),
            (State.RECORDED, State.ESCALATED, State.ASSIGNED, State.IN_PROGRESS),
            _can_work,
            "outline-secondary",
        ),
        Transition(
            Action.RETURN_VISIT,
            gettext_lazy("Return visit (回访)"),
            (State.RESOLVED,),
            _can_return_visit,
            "success",
        ),
        Transition(Action.CLOSE, gettext_lazy("Close (销号)"), (State.RETURN_VISITED,), _can_close),
        Transition(
            Action.REOPEN,
            gettext_lazy("Reopen"),
            (State.RESOLVED, State.RETURN_VISITED, State.CLOSED),
            _can_close,
            "outline-danger",
        ),
    ]
}


def allowed_actions(user, demand: Demand) -> list[Transition]:
    """The actions this user may take on the demand now, in the order the workflow runs."""
    return [
        t for t in TRANSITIONS.values() if demand.state in t.sources and t.allowed(user, demand)
    ]


def _check(user, demand: Demand, action: str) -> Transition:
    transition = TRANSITIONS[action]
    if demand.state not in transition.sources:
        raise ValidationError(
            _("A demand that is “%(state)s” cannot be given “%(action)s”.")
            % {"state": demand.get_state_display(), "action": transition.label}
        )
    if not transition.allowed(user, demand):
        raise PermissionDenied(_("You may not do this with this demand."))
    return transition


def _move(demand: Demand, *, action: str, to_state: str, by, note: str = "", fields=()) -> None:
    before = demand.state
    demand.state = to_state
    demand._history_user = by
    demand.save(update_fields=["state", "updated_at", *fields])
    DemandEvent.objects.create(
        demand=demand, action=action, from_state=before, to_state=to_state, by=by, note=note
    )


def _locked(demand: Demand) -> Demand:
    """The demand re-read under a row lock: two leaders pressing at once act one after the other."""
    return (
        # Only the demand's row: PostgreSQL cannot lock the nullable side of an outer join.
        Demand.objects.select_for_update(of=("self",))
        .select_related("handler_cadre", "cadre")
        .get(pk=demand.pk)
    )


@transaction.atomic
def demand_assign(
    *,
    demand: Demand,
    by,
    handler_cadre: Cadre | None = None,
    handler_unit: str = "",
    instructions: str = "",
) -> Demand:
    """交办: to a cadre or to a unit, with instructions."""
    demand = _locked(demand)
    _check(by, demand, Action.ASSIGN)
    if handler_cadre is None and not handler_unit.strip():
        raise ValidationError(_("Choose a cadre or name a unit to handle it."))
    if (
        handler_cadre is not None
        and not Cadre.objects.visible_to(by).filter(pk=handler_cadre.pk).exists()
    ):
        raise ValidationError(_("This cadre is outside your area."))
    demand.handler_cadre = handler_cadre
    demand.handler_unit = "" if handler_cadre else handler_unit.strip()
    demand.handler_level = Demand.HandlerLevel.CADRE if handler_cadre else Demand.HandlerLevel.UNIT
    demand.instructions = instructions
    demand.assigned_at = timezone.now()
    note = _("To %(handler)s.") % {"handler": demand.handler_display}
    if instructions:
        note = f"{note} {instructions}"
    _move(
        demand,
        action=Action.ASSIGN,
        to_state=State.ASSIGNED,
        by=by,
        note=note,
        fields=["handler_cadre", "handler_unit", "handler_level", "instructions", "assigned_at"],
    )
    if handler_cadre is not None and handler_cadre.user_id != by.pk:
        # The handler hears at once, in the bell and by e-mail and SMS, sent after commit.
        notify(
            user=handler_cadre.user,
            kind=Notification.Kind.MESSAGE,
            key=f"assigned:{demand.pk}:{demand.events.latest('pk').pk}",
            title=_("Demand %(reference)s assigned to you by %(leader)s")
            % {"reference": demand.reference, "leader": person_name(by)},
            body=f"{demand.description}\n{instructions}".strip(),
            url=demand.get_absolute_url(),
            county=settings_for(demand.area),
        )
    return demand


@transaction.atomic
def demand_escalate(*, demand: Demand, by, level: str, note: str) -> Demand:
    """上报: cannot be solved here; the township (or the county) takes it on."""
    demand = _locked(demand)
    _check(by, demand, Action.ESCALATE)
    if not note.strip():
        raise ValidationError(_("Say why it cannot be solved here."))
    lengths = {Demand.HandlerLevel.TOWNSHIP: 9, Demand.HandlerLevel.COUNTY: 6}
    if level not in lengths:
        raise ValidationError(_("Escalate to the township or the county."))
    target = Area.objects.filter(code=demand.area.code[: lengths[level]]).first()
    if target is None:
        raise ValidationError(_("This area has no such level above it."))
    if demand.escalated_to_id and len(demand.escalated_to.code) <= len(target.code):
        raise ValidationError(_("It is already with %(area)s.") % {"area": demand.escalated_to})
    demand.escalated_to = target
    demand.handler_level = level
    demand.handler_cadre = None
    demand.handler_unit = ""
    _move(
        demand,
        action=Action.ESCALATE,
        to_state=State.ESCALATED,
        by=by,
        note=_("To %(area)s: %(note)s") % {"area": target, "note": note},
        fields=["escalated_to", "handler_level", "handler_cadre", "handler_unit"],
    )
    return demand


@transaction.atomic
def demand_start(*, demand: Demand, by, note: str = "") -> Demand:
    demand = _locked(demand)
    _check(by, demand, Action.START)
    _move(demand, action=Action.START, to_state=State.IN_PROGRESS, by=by, note=note)
    return demand


def _check_attachment(upload):
    name = upload.name.rsplit("/", 1)[-1][:100]
    head = upload.read(5)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        if upload.size > 10 * 1024 * 1024:
            raise ValidationError(_("A document may be 10 MB at most."))
        return name, upload, "application/pdf"
    photo = process_photo(upload)
    return name.rsplit(".", 1)[0] + ".jpg", photo.image, "image/jpeg"


@transaction.atomic
def demand_resolve(
    *, demand: Demand, by, resolution: str, explained: bool = False, files=()
) -> Demand:
    """办结 (what was done, with photos or documents), or 答复说明 for a demand outside policy.

    Either way the return visit is still due.
    """
    checked = [_check_attachment(f) for f in files]  # a bad file fails before anything is written
    demand = _locked(demand)
    action = Action.EXPLAIN if explained else Action.RESOLVE
    _check(by, demand, action)
    if not resolution.strip():
        raise ValidationError(
            _("Write the explanation given to the resident.")
            if explained
            else _("Write what was done.")
        )
    demand.resolution = resolution
    demand.resolution_kind = Demand.Resolution.EXPLAINED if explained else Demand.Resolution.SOLVED
    demand.resolved_at = timezone.now()
    for name, content, content_type in checked:
        attachment = DemandAttachment(
            demand=demand, name=name, content_type=content_type, uploaded_by=by
        )
        attachment.file.save(name, content, save=False)
        attachment.save()
    _move(
        demand,
        action=action,
        to_state=State.RESOLVED,
        by=by,
        note=resolution,
        fields=["resolution", "resolution_kind", "resolved_at"],
    )
    return demand


def _reopen(demand: Demand, *, by, action: str, note: str) -> None:
    """Back to work, with a new deadline counted from today."""
    demand.reopen_count += 1
    demand.resolved_at = None
    demand.resolution_kind = ""
    demand.closed_at = None
    demand.deadline = deadline_for(
        area=demand.area, urgency=demand.urgency, start=timezone.localdate()
    )
    to_state = (
        State.ASSIGNED if (demand.handler_cadre_id or demand.handler_unit) else State.RECORDED
    )
    if demand.escalated_to_id and not demand.handler_cadre_id and not demand.handler_unit:
        to_state = State.ESCALATED
    _move(
        demand,
        action=action,
        to_state=to_state,
        by=by,
        note=note,
        fields=[
            "reopen_count",
            "resolved_at",
            "resolution_kind",
            "closed_at",
            "deadline",
            "flagged",
        ],
    )


@transaction.atomic
def demand_return_visit(
    *,
    demand: Demand,
    by,
    satisfaction: str,
    solved: str,
    comment: str = "",
    visited_at=None,
    visit=None,
    close: bool = False,
) -> ReturnVisit:
    """回访. 不满意 or "not solved" reopens the demand; otherwise it awaits 销号.

    `close=True` by someone who may close (a leader) closes it in the same step.
    """
    demand = _locked(demand)
    _check(by, demand, Action.RETURN_VISIT)
    record = ReturnVisit.objects.create(
        demand=demand,
        by=by,
        satisfaction=satisfaction,
        solved=solved,
        comment=comment,
        visited_at=visited_at or timezone.now(),
        visit=visit,
    )
    summary = _("%(satisfaction)s, %(solved)s.") % {
        "satisfaction": record.get_satisfaction_display(),
        "solved": record.get_solved_display(),
    }
    if comment:
        summary = f"{summary} {comment}"
    if record.reopens:
        DemandEvent.objects.create(
            demand=demand,
            action=Action.RETURN_VISIT,
            from_state=demand.state,
            to_state=demand.state,
            by=by,
            note=summary,
        )
        _reopen(demand, by=by, action=Action.REOPEN, note=_("Reopened by the return visit."))
        return record
    _move(demand, action=Action.RETURN_VISIT, to_state=State.RETURN_VISITED, by=by, note=summary)
    if close and _can_close(by, demand):
        demand_close(demand=demand, by=by)
    return record


@transaction.atomic
def demand_close(*, demand: Demand, by, note: str = "") -> Demand:
    """销号."""
    demand = _locked(demand)
    _check(by, demand, Action.CLOSE)
    demand.closed_at = timezone.now()
    demand.flagged = False
    _move(
        demand,
        action=Action.CLOSE,
        to_state=State.CLOSED,
        by=by,
        note=note,
        fields=["closed_at", "flagged"],
    )
    return demand


@transaction.atomic
def demand_reopen(*, demand: Demand, by, note: str) -> Demand:
    demand = _locked(demand)
    _check(by, demand, Action.REOPEN)
    if not note.strip():
        raise ValidationError(_("Say why it is reopened."))
    _reopen(demand, by=by, action=Action.REOPEN, note=note)
    return demand


def _phone_digits(phone: str) -> str:
    return "".join(c for c in phone if c.isdigit())


@transaction.atomic
def demand_came_back(*, reference: str, phone: str, note: str = "", within=None) -> Demand | None:
    """The resident says, through the contact card, that a closed problem came back.

    Matches the reference and the phone number it was raised with; reopens
    the demand and flags it to the office. Returns None when nothing matches,
    without saying which of the two was wrong. `within` (a queryset of
    demands) narrows the match to what one card covers: a reference of
    another household's demand is no match, even with its phone number.
    """
    demands = Demand.objects.all() if within is None else within
    demand = (
        demands.select_for_update(of=("self",))
        .filter(reference=reference.strip())
        .exclude(resident_phone="")
        .first()
    )
    if demand is None or _phone_digits(demand.resident_phone) != _phone_digits(phone):
        return None
    if demand.state not in (State.RETURN_VISITED, State.CLOSED):
        return demand  # still being worked on: nothing to reopen
    demand.flagged = True
    _reopen(
        demand,
        by=None,
        action=Action.CAME_BACK,
        note=note or _("The resident says the problem came back."),
    )
    return demand


TRANSITION_SERVICES = {
    Action.ASSIGN: demand_assign,
    Action.ESCALATE: demand_escalate,
    Action.START: demand_start,
    Action.RESOLVE: demand_resolve,
    Action.EXPLAIN: demand_resolve,
    Action.RETURN_VISIT: demand_return_visit,
    Action.CLOSE: demand_close,
    Action.REOPEN: demand_reopen,
}


# --- Review (审核) -------------------------------------------------------------------


def _check_reviewer(entry: LedgerEntry, by) -> None:
    if not by.has_perm("ledgers.review_entry"):
        raise PermissionDenied
    if entry.recorded_by_id == by.pk:
        raise ValidationError(_("An entry is reviewed by someone other than its author."))


def _locked_entry(entry: LedgerEntry) -> LedgerEntry:
    return type(entry).objects.select_for_update().get(pk=entry.pk)


def _review(entry: LedgerEntry, *, by, state: str, note: str) -> bool:
    entry = _locked_entry(entry)
    _check_reviewer(entry, by)
    if entry.review_state != ReviewState.PENDING:
        return False
    entry.review_state = state
    entry.review_note = note[:300]
    entry.reviewed_by = by
    entry.reviewed_at = timezone.now()
    entry._history_user = by
    entry.save(update_fields=["review_state", "review_note", "reviewed_by", "reviewed_at"])
    return True


@transaction.atomic
def entry_approve(*, entry: LedgerEntry, by, note: str = "") -> bool:
    """Approve an entry awaiting review; False if it was no longer waiting (reviewed meanwhile)."""
    return _review(entry, by=by, state=ReviewState.APPROVED, note=note)


@transaction.atomic
def entry_return(*, entry: LedgerEntry, by, note: str) -> bool:
    """Return an entry to its author with a note saying what to correct."""
    if not note.strip():
        raise ValidationError(_("Say what the author should correct."))
    return _review(entry, by=by, state=ReviewState.RETURNED, note=note)


@transaction.atomic
def entry_update(*, entry: LedgerEntry, by, fields: dict) -> LedgerEntry:
    """The author edits an entry not yet approved; a returned one goes back to the queue."""
    if not entry.editable_by(by):
        raise PermissionDenied
    for name, value in fields.items():
        setattr(entry, name, value)
    if entry.review_state == ReviewState.RETURNED:
        entry.review_state = ReviewState.PENDING
    entry.full_clean()
    entry._history_user = by  # before saving: history records who, outside a request too
    entry.save()
    return entry


def _serialise(value):
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


@transaction.atomic
def correction_submit(*, entry: LedgerEntry, by, reason: str, fields: dict) -> EntryCorrection:
    """A change to an approved entry, kept aside until a reviewer approves it.

    Only the fields that differ are kept; nothing differing is an error.
    """
    if not entry.is_locked:
        raise ValidationError(_("This entry is not approved yet; edit it instead."))
    if not reason.strip():
        raise ValidationError(_("Give a reason for the correction."))
    changes = {}
    for name, value in fields.items():
        if name not in entry.content_fields:
            continue
        field = entry._meta.get_field(name)
        current = getattr(entry, field.attname)
        new = _serialise(value)
        if _serialise(current) != new:
            changes[field.name] = new
    if not changes:
        raise ValidationError(_("Nothing was changed."))
    return EntryCorrection.objects.create(entry=entry, author=by, reason=reason, changes=changes)


@transaction.atomic
def correction_approve(*, correction: EntryCorrection, by, note: str = "") -> bool:
    """Apply an approved correction to its entry; history records the change and who made it."""
    correction = EntryCorrection.objects.select_for_update().get(pk=correction.pk)
    if correction.state != ReviewState.PENDING:
        return False
    entry = _locked_entry(correction.entry)
    if not by.has_perm("ledgers.review_entry"):
        raise PermissionDenied
    if correction.author_id == by.pk:
        raise ValidationError(_("A correction is reviewed by someone other than its author."))
    for name, value in correction.changes.items():
        field = entry._meta.get_field(name)
        setattr(entry, field.attname, field.to_python(value))
    if isinstance(entry, Demand) and "urgency" in correction.changes:
        entry.deadline = deadline_for(
            area=entry.area, urgency=entry.urgency, start=entry.occurred_on
        )
    entry.full_clean()
    entry._change_reason = correction.reason
    entry._history_user = by
    entry.save()
    correction.state = ReviewState.APPROVED
    correction.review_note = note[:300]
    correction.reviewed_by = by
    correction.reviewed_at = timezone.now()
    correction.save()
    return True


@transaction.atomic
def correction_return(*, correction: EntryCorrection, by, note: str) -> bool:
    if not note.strip():
        raise ValidationError(_("Say what the author should correct."))
    correction = EntryCorrection.objects.select_for_update().get(pk=correction.pk)
    if not by.has_perm("ledgers.review_entry"):
        raise PermissionDenied
    if correction.state != ReviewState.PENDING:
        return False
    correction.state = ReviewState.RETURNED
    correction.review_note = note[:300]
    correction.reviewed_by = by
    correction.reviewed_at = timezone.now()
    correction.save()
    return True


# --- 报送: the month's ledgers handed in --------------------------------------------


def may_submit(user, village: Area) -> bool:
    """Only a 包村 cadre of the village hands its ledgers in."""
    return (
        user.is_authenticated
        and Pairing.objects.active()
        .filter(kind=Pairing.Kind.VILLAGE, area=village, cadre__user=user)
        .exists()
    )


@transaction.atomic
def ledgers_submit(*, village: Area, month: date, by) -> tuple[LedgerSubmission, bool]:
    """报送: the 包村 cadre hands in the village's six ledgers for the month.

    Returns (submission, submitted now). A second submission of the same
    month changes nothing, even when both arrive at once (a conditional update).
    """
    if not may_submit(by, village):
        raise PermissionDenied
    month = month.replace(day=1)
    if month > timezone.localdate().replace(day=1):
        raise ValidationError(_("A month that has not begun cannot be submitted."))
    submission, _created = LedgerSubmission.objects.get_or_create(village=village, month=month)
    now = timezone.now()
    changed = LedgerSubmission.objects.filter(pk=submission.pk, submitted_at__isnull=True).update(
        submitted_by=by, submitted_at=now
    )
    submission.refresh_from_db()
    if changed:
        due_done(source=submission, kind=DueItem.Kind.LEDGER)
    return submission, bool(changed)
