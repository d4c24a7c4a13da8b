"""The home page's "returned to you" list: what the party office sent back, with its note.

On paper a returned ledger page came back to the village in the next
meeting's folder; here the author sees it on their phone's home page, edits
the entry, and it goes back to the queue (`services.entry_update`), which
takes it off this list.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, IntegerField, OuterRef, Value
from django.template.loader import render_to_string
from django.utils import timezone

from households.panels import register_panel
from ledgers.models import LEDGER_MODELS, DifficultyRecord, EntryCorrection, ReviewState

# More than this is a conversation with the office, not a list for a phone.
SHOWN = 20
# A returned correction is not edited but replaced by a new one; after this it is old news.
CORRECTIONS_SHOWN_FOR = timedelta(days=30)
# In the one query below, the six ledgers are numbered by their place in
# LEDGER_MODELS and corrections come after them.
CORRECTION = len(LEDGER_MODELS)


@dataclass
class Returned:
    kind: str
    label: str
    area: str
    note: str
    reviewer: str
    reviewed_at: datetime | None
    url: str
    is_correction: bool = False


def _name(user) -> str:
    if user is None:
        return ""
    cadre = getattr(user, "cadre", None)
    return cadre.name if cadre else (user.get_full_name() or user.get_username())


def _returned_corrections(user):
    newer = EntryCorrection.objects.filter(
        author=user,
        content_type=OuterRef("content_type"),
        object_id=OuterRef("object_id"),
        created_at__gt=OuterRef("created_at"),
    )
    return (
        # Only the user's own: every scope rule lets through what one wrote.
        EntryCorrection.objects.filter(
            author=user,
            state=ReviewState.RETURNED,
            reviewed_at__gte=timezone.now() - CORRECTIONS_SHOWN_FOR,
        ).exclude(Exists(newer))  # already sent again
    )


def _returned_refs(user) -> list[tuple[int, int, datetime | None]]:
    """(pk, reviewed_at, kind number) of all that came back to the user, in one query.

    The home page is the most visited page; most days nothing was returned,
    and that costs one query rather than seven.
    """
    parts = [
        model.objects.filter(recorded_by=user, review_state=ReviewState.RETURNED)
        .annotate(ledger_number=Value(number, output_field=IntegerField()))
        .order_by()
        .values_list("pk", "reviewed_at", "ledger_number")
        for number, model in enumerate(LEDGER_MODELS)
    ]
    parts.append(
        _returned_corrections(user)
        .annotate(ledger_number=Value(CORRECTION, output_field=IntegerField()))
        .order_by()
        .values_list("pk", "reviewed_at", "ledger_number")
    )
    first, *rest = parts
    return list(first.union(*rest, all=True))


def _entry_items(model, pks) -> list[Returned]:
    # What the list shows and what each kind's __str__ reads, in one query.
    related = ["area", "household", "reviewed_by__cadre"]
    if model is DifficultyRecord:
        related.append("category")
    return [
        Returned(
            kind=str(model._meta.verbose_name),
            label=str(entry),
            area=str(entry.area),
            note=entry.review_note,
            reviewer=_name(entry.reviewed_by),
            reviewed_at=entry.reviewed_at,
            url=entry.get_absolute_url(),
        )
        for entry in model.objects.filter(pk__in=pks).select_related(*related)
    ]


def _correction_items(pks) -> list[Returned]:
    corrections = (
        EntryCorrection.objects.filter(pk__in=pks)
        .select_related("reviewed_by__cadre", "content_type")
        .prefetch_related("entry")
    )
    return [
        Returned(
            kind=str(c.content_type.model_class()._meta.verbose_name),
            label=str(c.entry),
            area=str(c.entry.area),
            note=c.review_note,
            reviewer=_name(c.reviewed_by),
            reviewed_at=c.reviewed_at,
            url=c.entry.get_absolute_url(),
            is_correction=True,
        )
        for c in corrections
        if c.entry is not None
    ]


@register_panel("home")
def returned_to_author(request, user) -> str:
    """Entries of every ledger this user recorded that came back with a note, and corrections."""
    refs = _returned_refs(user)
    if not refs:
        return ""
    # Latest first; an entry returned before reviewed_at was kept (None) last.
    refs.sort(key=lambda ref: (ref[1] is not None, ref[1]), reverse=True)
    wanted = defaultdict(list)
    for pk, _reviewed_at, kind in refs[:SHOWN]:
        wanted[kind].append(pk)
    items = []
    for kind, pks in wanted.items():
        if kind == CORRECTION:
            items += _correction_items(pks)
        else:
            items += _entry_items(LEDGER_MODELS[kind], pks)
    items.sort(key=lambda item: (item.reviewed_at is not None, item.reviewed_at), reverse=True)
    return render_to_string(
        "ledgers/_home_returned.html",
        {"items": items, "total": len(refs)},
        request=request,
    )
