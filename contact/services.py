"""Multi-row writes of the contact app, each in one transaction.

Cadre accounts (the user, the profile and the role groups, together or not
at all), pairing and handover, and the 民情日志.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from contact.models import (
    Assistance,
    Cadre,
    Pairing,
    PromisedHelp,
    Visit,
    VisitCorrection,
    VisitPhoto,
)
from contact.photos import process_photo, process_signature
from contact.roles import STAFF_ROLES, Role
from households.models import Area


@transaction.atomic
def cadre_create(
    *,
    username: str,
    password: str | None,
    name: str,
    unit: str,
    post: str = "",
    rank: str,
    phone: str | None = None,
    email: str = "",
    scope_area: Area,
    roles: Iterable[Role | str],
    must_change_password: bool = True,
) -> Cadre:
    """A new cadre who can sign in with `password` (checked against the password validators).

    The account works in the admin (is_staff) when one of its roles does. By
    default the cadre must choose their own password at first sign-in, as for
    any password someone else set. `password=None` leaves the account without
    a usable password until one is set (the demo sets one for all its
    accounts at once). Raises ValidationError on any invalid field.
    """
    roles = [Role(r) for r in roles]
    if not roles:
        raise ValidationError({"roles": _("Give the cadre at least one role.")})
    groups = list(Group.objects.filter(name__in=[r.value for r in roles]))
    if len(groups) != len(set(roles)):
        # The groups come from a migration; a missing one is a broken install, not bad input.
        raise LookupError(f"Role groups missing; run migrate: {sorted(r.value for r in roles)}")

    User = get_user_model()
    user = User(
        username=username,
        email=email,
        is_staff=any(r in STAFF_ROLES for r in roles),
    )
    user.full_clean(exclude=["password"])
    if password is None:
        user.set_unusable_password()
    else:
        try:
            validate_password(password, user=user)
        except ValidationError as e:
            raise ValidationError({"password": e.error_list}) from None
        user.set_password(password)
    user.save()

    cadre = Cadre(
        user=user,
        name=name,
        unit=unit,
        post=post,
        rank=rank,
        phone=phone or None,
        email=email,
        scope_area=scope_area,
        must_change_password=must_change_password,
    )
    cadre.full_clean()
    cadre.save()
    user.groups.add(*groups)
    return cadre


# --- Pairing -----------------------------------------------------------------

# A newly paired household is visited within this many days, or sooner if its cadence is shorter.
FIRST_VISIT_DAYS = 14


def pairing_refresh_due(*, pairing: Pairing) -> None:
    """Recompute when the paired household is next due, from its last visit and its categories' cadence."""
    if pairing.kind != Pairing.Kind.HOUSEHOLD or pairing.household_id is None:
        return
    household = pairing.household
    last = household.visits.aggregate(last=Max("visited_at"))["last"]
    cadence = household.visit_cadence_days
    if last is None:
        due = pairing.start_date + timedelta(days=min(cadence, FIRST_VISIT_DAYS))
    else:
        due = timezone.localdate(last) + timedelta(days=cadence)
    visited = last is not None and last != pairing.last_visit_at
    Pairing.objects.filter(pk=pairing.pk).update(last_visit_at=last, next_visit_due=due)
    pairing.last_visit_at, pairing.next_visit_due = last, due
    # The due item moves in the same transaction: done if a visit moved it, else re-dated.
    from contact.due import pairing_sync_due, pairing_visited

    if visited:
        pairing_visited(pairing)
    pairing_sync_due(pairing)


@transaction.atomic
def pairing_assign_households(
    *, cadre: Cadre, households, start_date: date | None = None, promises: list[str] = (), by=None
) -> dict[str, int]:
    """Pair a cadre with households (包户), ending any other cadre's open pairing first.

    Returns counts: created, reassigned (taken from another cadre), unchanged (already this cadre's).
    """
    start_date = start_date or timezone.localdate()
    counts = {"created": 0, "reassigned": 0, "unchanged": 0}
    for household in households:
        current = (
            Pairing.objects.select_for_update()
            .filter(kind=Pairing.Kind.HOUSEHOLD, household=household, end_date__isnull=True)
            .first()
        )
        if current is not None and current.cadre_id == cadre.pk:
            counts["unchanged"] += 1
            continue
        if current is not None:
            pairing_end(
                pairing=current,
                end_date=start_date,
                reason=_("Reassigned to %(name)s") % {"name": cadre.name},
            )
            counts["reassigned"] += 1
        pairing = Pairing.objects.create(
            kind=Pairing.Kind.HOUSEHOLD,
            cadre=cadre,
            household=household,
            start_date=start_date,
            created_by=by,
        )
        PromisedHelp.objects.bulk_create(
            [PromisedHelp(pairing=pairing, description=p) for p in promises if p]
        )
        pairing_refresh_due(pairing=pairing)
        counts["created"] += 1
    return counts


@transaction.atomic
def pairing_assign_area(
    *, area: Area, kind: str, cadre: Cadre | None = None, unit: str = "", start_date=None, by=None
) -> Pairing:
    """包村 / 挂点: a cadre or a unit with a village or township."""
    pairing = Pairing(
        kind=kind,
        cadre=cadre,
        unit=unit,
        area=area,
        start_date=start_date or timezone.localdate(),
        created_by=by,
    )
    pairing.full_clean()
    pairing.save()
    return pairing


def pairing_end(*, pairing: Pairing, end_date: date | None = None, reason: str = "") -> None:
    end_date = end_date or timezone.localdate()
    if end_date < pairing.start_date:
        end_date = pairing.start_date
    Pairing.objects.filter(pk=pairing.pk).update(end_date=end_date, ended_reason=reason[:100])
    pairing.end_date, pairing.ended_reason = end_date, reason[:100]
    from contact.due import pairing_sync_due

    pairing_sync_due(pairing)


@transaction.atomic
def cadre_handover(
    *, from_cadre: Cadre, to_cadre: Cadre, on: date | None = None, by=None, within=None
) -> list[Pairing]:
    """A transferred cadre hands every open pairing to a successor in one step.

    Undelivered promises move with the household; visits stay with the cadre
    who made them, who keeps reading them (Visit.visible_to). `within`, a
    queryset of pairings (those the leader doing it may see), limits what moves.
    """
    if from_cadre.pk == to_cadre.pk:
        raise ValidationError(_("Choose a different cadre to hand over to."))
    on = on or timezone.localdate()
    created = []
    reason = _("Handed over to %(name)s") % {"name": to_cadre.name}
    pairings = Pairing.objects.select_for_update().filter(cadre=from_cadre, end_date__isnull=True)
    if within is not None:
        pairings = pairings.filter(pk__in=within.values("pk"))
    for old in pairings:
        pairing_end(pairing=old, end_date=on, reason=reason)
        if old.kind == Pairing.Kind.HOUSEHOLD:
            replaced = Pairing.objects.filter(
                kind=Pairing.Kind.HOUSEHOLD, household=old.household, end_date__isnull=True
            ).first()
            if replaced is not None:  # the successor had it already
                continue
        new = Pairing.objects.create(
            kind=old.kind,
            cadre=to_cadre,
            household=old.household,
            area=old.area,
            start_date=on,
            created_by=by,
        )
        PromisedHelp.objects.bulk_create(
            [
                PromisedHelp(pairing=new, description=p.description)
                for p in old.promises.filter(delivered_on__isnull=True)
            ]
        )
        Pairing.objects.filter(pk=new.pk).update(
            last_visit_at=old.last_visit_at, next_visit_due=old.next_visit_due
        )
        created.append(new)
    return created


# --- Visits ------------------------------------------------------------------


@dataclass
class VisitDraft:
    """What a cadre sent: the visit's fields, its photos and signature, assistance handed over."""

    fields: dict
    photos: list = field(default_factory=list)
    signature_data_url: str = ""
    assistance: list[dict] = field(default_factory=list)


def visit_create(
    *, cadre: Cadre, idempotency_key: uuid.UUID, draft: VisitDraft
) -> tuple[Visit, bool]:
    """Record a visit once, however often the phone sends it.

    A double tap, a retry after a dropped connection or a draft sent again all
    carry the same key: the first creates the visit, the others get it back.
    Photos are checked before anything is written, so a bad photo loses
    nothing and writes nothing.
    """
    existing = Visit.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.cadre_id != cadre.pk:
            raise PermissionDenied
        return existing, False
    processed = [process_photo(p) for p in draft.photos]
    signature = process_signature(draft.signature_data_url)
    fields = dict(draft.fields)
    household = fields.get("household")
    if household is not None and not fields.get("area"):
        fields["area"] = household.village
    try:
        with transaction.atomic():
            visit = Visit(cadre=cadre, idempotency_key=idempotency_key, **fields)
            if signature is not None:
                visit.signature.save(signature.name, signature, save=False)
            visit.save()
            for photo in processed:
                VisitPhoto.objects.create(
                    visit=visit,
                    image=photo.image,
                    thumbnail=photo.thumbnail,
                    width=photo.width,
                    height=photo.height,
                )
            for row in draft.assistance:
                Assistance.objects.create(
                    household=household,
                    visit=visit,
                    date=timezone.localdate(visit.visited_at),
                    given_by=cadre,
                    **row,
                )
            # The household's next visit moves with it: contact.signals, for the admin's visits too.
    except IntegrityError:
        # Two copies of the same send raced; the other one won.
        existing = Visit.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing, False
    return visit, True


def visit_update(*, visit: Visit, user, fields: dict) -> Visit:
    if not visit.editable_by(user):
        raise PermissionDenied
    with transaction.atomic():
        # Read from the database: a bound ModelForm has already set the new household on `visit`.
        before = Visit.objects.filter(pk=visit.pk).values_list("household_id", flat=True).first()
        for name, value in fields.items():
            setattr(visit, name, value)
        visit.save()
        # Both households, when the visit moved: the one it left is due again as before.
        households = {pk for pk in (before, visit.household_id) if pk}
        for pairing in Pairing.objects.filter(household__in=households, end_date__isnull=True):
            pairing_refresh_due(pairing=pairing)
    return visit


def visit_correct(
    *,
    visit: Visit,
    user,
    reason: str,
    situation: str,
    action: str = "",
    next_step: str = "",
    next_step_date=None,
) -> VisitCorrection:
    if not visit.correctable_by(user):
        raise PermissionDenied
    return VisitCorrection.objects.create(
        visit=visit,
        author=user,
        reason=reason,
        situation=situation,
        action=action,
        next_step=next_step,
        next_step_date=next_step_date,
    )
