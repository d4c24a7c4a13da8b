"""The six ledgers' pages (六本台账, seed 002), the demand workflow's own pages aside.

Replaces the six books each village kept: an index of them with this month's
figures, a list per ledger with the filters a reviewer leafs through the book
by, the form a cadre fills in (often straight from a visit), the entry's page
with its review, history and corrections, and the monthly page per village
printed or exported as the paper ledger looked.

Demands (民生诉求) are listed, recorded and shown by `views_demands`; here
they have their printed page and spreadsheet, and their corrections.
"""

import uuid
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from contact.forms_help import parse_month
from contact.models import Visit
from contact.views import require_perm
from households.models import ExportLog, Household
from households.views import get_household_for_user
from ledgers import services
from ledgers.exports import cell_text, ledger_sheet, ledger_workbook, printed_rows
from ledgers.forms_entries import (
    EntryFilterForm,
    LedgerSheetForm,
    correction_form_class,
    in_ledger_years,
    month_after,
    registry_figures,
    villages_for,
)
from ledgers.kinds import (
    KINDS,
    Kind,
    difficulty_households,
    difficulty_level,
    get_kind,
    person,
)
from ledgers.models import EntryCorrection, ReviewState, Source
from ledgers.signals import SOURCE_BY_METHOD
from ledgers.views_submission import submissions_for

PAGE_SIZE = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Shown in the entry page's header rather than among its own fields.
BASE_FIELDS = {
    "id",
    "area",
    "household",
    "visit",
    "source",
    "occurred_on",
    "recorded_by",
    "created_at",
    "updated_at",
    "review_state",
    "review_note",
    "reviewed_by",
    "reviewed_at",
    "idempotency_key",
}


def _entry_for_user(user, kind: Kind, pk):
    """The entry if the user may see it; a 404 otherwise, never a 403 that confirms it exists."""
    return get_object_or_404(
        kind.model.objects.visible_to(user).select_related(*kind.related, "visit"), pk=pk
    )


def _fresh_copy(entry):
    """A second instance for a form to clean into, so the entry itself keeps its values."""
    return type(entry).objects.get(pk=entry.pk)


def _id_param(value: str) -> str:
    if value and not value.isdecimal():
        raise Http404  # a mangled id is a record that does not exist, not a 500
    return value


# --- The index -------------------------------------------------------------------------


@login_required
def index(request):
    """六本台账: each ledger with its figures in the user's scope, and its monthly page per village."""
    user = request.user
    month = timezone.localdate().replace(day=1)
    following = month_after(month)
    ledgers = []
    for kind in KINDS:
        if not user.has_perm(kind.view_perm):
            continue
        counts = kind.model.objects.visible_to(user).aggregate(
            total=Count("pk"),
            this_month=Count("pk", filter=Q(occurred_on__gte=month, occurred_on__lt=following)),
            awaiting=Count("pk", filter=Q(review_state=ReviewState.PENDING)),
        )
        if kind.derived:
            counts["total"] = difficulty_households(user).count()
        ledgers.append({"kind": kind, **counts, "can_add": user.has_perm(kind.add_perm)})
    sheet_form = LedgerSheetForm(user=user)
    return render(
        request,
        "ledgers/entries/index.html",
        {
            "ledgers": ledgers,
            "sheet_form": sheet_form,
            "has_villages": sheet_form.fields["village"].queryset.exists(),
            "month": month,
            "submissions": submissions_for(user),
        },
    )


# --- Lists -------------------------------------------------------------------------------


@login_required
def entry_list(request, kind):
    """One ledger, as the reviewer leafs through the book: filtered, searched, sorted, paged."""
    kind = get_kind(kind)
    if not kind.own_pages:
        return redirect("ledgers:demand_list")
    require_perm(request.user, kind.view_perm)
    form = EntryFilterForm(request.GET or None, kind=kind, user=request.user)
    if kind.derived:
        rows = form.apply_households(difficulty_households(request.user))
    else:
        rows = form.apply(kind.model.objects.visible_to(request.user).select_related(*kind.related))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    if kind.derived:
        page.object_list = list(page.object_list)
        for household in page.object_list:
            household.level_label = difficulty_level(household)
    else:
        page.object_list = [
            (entry, [(c.label, cell_text(c.value(entry))) for c in kind.list_columns])
            for entry in page.object_list
        ]
    query = request.GET.copy()
    query.pop("page", None)
    template = "difficulty_list.html" if kind.derived else "list.html"
    return render(
        request,
        f"ledgers/entries/{template}",
        {
            "kind": kind,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "total": page.paginator.count,
            "can_add": request.user.has_perm(kind.add_perm),
            "sheet_form": LedgerSheetForm(user=request.user),
            "year": timezone.localdate().year,
        },
    )


# --- Recording -----------------------------------------------------------------------


def _from_visit(request, source) -> tuple[Visit | None, dict]:
    visit_id = _id_param(source.get("visit", ""))
    if not visit_id:
        return None, {}
    visit = get_object_or_404(
        Visit.objects.visible_to(request.user).select_related("household", "area"), pk=visit_id
    )
    initial = {
        "source": SOURCE_BY_METHOD.get(visit.method, Source.VISIT),
        "occurred_on": timezone.localdate(visit.visited_at),
        "area": visit.area_id,
    }
    if visit.household_id:
        initial["household"] = visit.household_id
    return visit, initial


def _registry_prefill(request, kind: Kind, initial: dict) -> dict | None:
    """村情 and 党情 start from the registry's counts for the chosen village (?area=)."""
    area_id = _id_param(request.GET.get("area", ""))
    if not kind.monthly or not area_id:
        return None
    village = get_object_or_404(villages_for(request.user), pk=area_id)
    figures = registry_figures(village)
    initial["area"] = village.pk
    if request.GET.get("month") and parse_month(request.GET["month"]):
        initial["month"] = request.GET["month"]
    if kind.slug == "village":
        initial.update(figures)
    else:
        initial["members"] = figures["party_members"]
        initial["branch"] = _("%(village)s party branch") % {"village": village.name}
    return {"village": village, **figures}


@login_required
def entry_create(request, kind):
    """Record an entry, from a visit (?visit=), for a household (?household=) or directly.

    The form carries an idempotency key: a double tap or a resent form
    records the entry once and shows the one recorded.
    """
    kind = get_kind(kind)
    if not kind.own_pages:
        query = request.GET.urlencode()
        return redirect(reverse("ledgers:demand_create") + (f"?{query}" if query else ""))
    user = request.user
    require_perm(user, kind.add_perm)
    source = request.POST if request.method == "POST" else request.GET
    visit, initial = _from_visit(request, source)
    household = None
    # ?household= fixes the household (the form shows it, not a choice); on a
    # POST only the hidden marker says it was fixed rather than chosen.
    fixed = request.method == "GET" or request.POST.get("household_fixed") == "1"
    household_id = _id_param(source.get("household", "")) if fixed else ""
    if household_id:
        household = get_household_for_user(user, household_id)
        initial["household"] = household.pk
    elif visit is not None and visit.household_id:
        household = visit.household
    registry = _registry_prefill(request, kind, initial) if request.method == "GET" else None

    if request.method == "POST":
        try:
            key = uuid.UUID(request.POST.get("idempotency_key", ""))
        except ValueError:
            key = None
        existing = (
            kind.model.objects.filter(idempotency_key=key, recorded_by=user).first()
            if key
            else None
        )
        if existing is not None:
            # Sent before (double tap, retry): show what was recorded.
            return redirect(existing)
        form = kind.form_class(request.POST, user=user)
        if key is None:
            form.add_error(None, _("This form has expired; please reload the page and send again."))
        elif form.is_valid():
            entry = form.save(commit=False)
            entry.visit = visit
            entry.recorded_by = user
            entry.review_state = ReviewState.PENDING
            entry.idempotency_key = key
            try:
                with transaction.atomic():
                    entry.save()
            except IntegrityError:
                existing = kind.model.objects.filter(idempotency_key=key).first()
                if existing is not None and existing.recorded_by_id == user.pk:
                    return redirect(existing)  # the same form, sent twice at once
                form.add_error(
                    None,
                    _("The same entry was recorded at the same moment; reload the ledger."),
                )
            else:
                messages.success(request, _("Entry recorded; it awaits review."))
                return redirect(entry)
        status = 400
    else:
        key = uuid.uuid4()
        form = kind.form_class(user=user, initial=initial)
        status = 200
    return render(
        request,
        "ledgers/entries/form.html",
        {
            "kind": kind,
            "form": form,
            "visit": visit,
            "household": household if household_id else None,
            "idempotency_key": key or uuid.uuid4(),
            "registry": registry,
            "creating": True,
        },
        status=status,
    )


# --- An entry's page ---------------------------------------------------------------------


def _display(field, value, user) -> str:
    """A stored value (from history or a correction) as a reader understands it."""
    if value is None or value == "":
        return "—"
    if field.is_relation:
        related = field.related_model
        if related is get_user_model():
            return person(related.objects.select_related("cadre").filter(pk=value).first())
        if related is Household:
            found = Household.objects.visible_to(user).filter(pk=value).first()
        elif related is Visit:
            found = Visit.objects.visible_to(user).filter(pk=value).first()
        else:
            found = related._default_manager.filter(pk=value).first()
        return str(found) if found is not None else "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    try:
        value = field.to_python(value)
    except ValidationError:
        return str(value)
    return cell_text(value) or "—"


def _history(entry, user) -> list[dict]:
    """Who changed which field when, newest first: each record against the one before it."""
    records = list(
        entry.history.select_related("history_user__cadre").order_by("history_date", "history_id")
    )
    shown, previous = [], None
    for record in records:
        changes = []
        if previous is not None:
            delta = record.diff_against(previous)
            fields = [(entry._meta.get_field(c.field), c) for c in delta.changes]
            fields.sort(key=lambda pair: pair[0].creation_counter)  # in the form's order
            changes = [
                (f.verbose_name, _display(f, c.old, user), _display(f, c.new, user))
                for f, c in fields
            ]
        previous = record
        if record.history_type == "~" and not changes:
            continue
        shown.append(
            {
                "at": record.history_date,
                "who": person(record.history_user) or _("system"),
                "what": record.get_history_type_display(),
                "reason": record.history_change_reason or "",
                "changes": changes,
            }
        )
    shown.reverse()
    return shown


def _corrections(entry, user) -> list[dict]:
    corrections = EntryCorrection.objects.filter(
        content_type=ContentType.objects.get_for_model(entry), object_id=entry.pk
    ).select_related("author__cadre", "reviewed_by__cadre")
    shown = []
    for c in corrections:
        changes = []
        for name, value in c.changes.items():
            field = entry._meta.get_field(name)
            current = getattr(entry, field.attname)
            changes.append(
                (field.verbose_name, _display(field, current, user), _display(field, value, user))
            )
        shown.append(
            {
                "correction": c,
                "author": person(c.author),
                "reviewer": person(c.reviewed_by),
                "changes": changes,
            }
        )
    return shown


def _may_correct(user, kind: Kind, entry) -> bool:
    return entry.is_locked and (entry.recorded_by_id == user.pk or user.has_perm(kind.change_perm))


@login_required
def entry_detail(request, kind, pk):
    """One entry: all its fields, where it came from, its review, history and corrections."""
    kind = get_kind(kind)
    if not kind.own_pages:
        return redirect("ledgers:demand_detail", pk=pk)
    entry = _entry_for_user(request.user, kind, pk)
    require_perm(request.user, kind.view_perm)
    fields = [
        (f.verbose_name, _display(f, getattr(entry, f.attname), request.user), f.name)
        for f in entry._meta.concrete_fields
        if f.name not in BASE_FIELDS
    ]
    return render(
        request,
        "ledgers/entries/detail.html",
        {
            "kind": kind,
            "entry": entry,
            "fields": fields,
            "history": _history(entry, request.user),
            "corrections": _corrections(entry, request.user),
            "editable": entry.editable_by(request.user) and request.user.has_perm(kind.change_perm),
            "correctable": _may_correct(request.user, kind, entry),
            "recorded_by": person(entry.recorded_by) or _("the system"),
            "reviewed_by": person(entry.reviewed_by),
            "difficulty_household": (
                difficulty_households(request.user).filter(pk=entry.household_id).first()
                if kind.derived and entry.household_id
                else None
            ),
        },
    )


@login_required
def entry_edit(request, kind, pk):
    """The author edits an entry until it is approved; a returned entry goes back to the queue."""
    kind = get_kind(kind)
    if not kind.own_pages:
        return redirect("ledgers:demand_detail", pk=pk)
    entry = _entry_for_user(request.user, kind, pk)
    require_perm(request.user, kind.change_perm)
    if not entry.editable_by(request.user):
        if _may_correct(request.user, kind, entry):
            messages.warning(request, _("This entry is approved; write a correction instead."))
            return redirect("ledgers:entry_correct", kind=kind.slug, pk=entry.pk)
        raise PermissionDenied
    form = kind.form_class(request.POST or None, instance=_fresh_copy(entry), user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            was_returned = entry.review_state == ReviewState.RETURNED
            try:
                services.entry_update(entry=entry, by=request.user, fields=form.entry_fields())
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(
                    request,
                    _("Entry updated; it is back in the review queue.")
                    if was_returned
                    else _("Entry updated."),
                )
                return redirect(entry)
        status = 400
    return render(
        request,
        "ledgers/entries/form.html",
        {"kind": kind, "form": form, "entry": entry, "visit": entry.visit},
        status=status,
    )


@login_required
def entry_correct(request, kind, pk):
    """A change to an approved entry, kept aside until a reviewer approves it (demands too)."""
    kind = get_kind(kind)
    entry = _entry_for_user(request.user, kind, pk)
    if not entry.is_locked:
        if entry.editable_by(request.user) and kind.own_pages:
            return redirect("ledgers:entry_edit", kind=kind.slug, pk=entry.pk)
        messages.info(request, _("This entry is not approved yet: there is nothing to correct."))
        return redirect(entry)
    if not _may_correct(request.user, kind, entry):
        raise PermissionDenied
    form_class = correction_form_class(kind.form_class)
    form = form_class(request.POST or None, instance=_fresh_copy(entry), user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            reason, changes = form.cleaned_data["reason"], form.changed_fields()
            if _same_correction_pending(entry, request.user, reason, changes):
                return redirect(entry)  # sent twice: the first one stands
            try:
                services.correction_submit(
                    entry=entry, by=request.user, reason=reason, fields=changes
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(
                    request,
                    _(
                        "Correction sent for review; the entry keeps its values until it is approved."
                    ),
                )
                return redirect(entry)
        status = 400
    return render(
        request,
        "ledgers/entries/correct.html",
        {"kind": kind, "form": form, "entry": entry},
        status=status,
    )


def _same_correction_pending(entry, user, reason, changes) -> bool:
    """A resent correction form: the same author, reason and changes, still awaiting review."""
    wanted = {}
    for name, value in changes.items():
        if name not in entry.content_fields:
            continue
        field = entry._meta.get_field(name)
        new = services._serialise(value)
        if services._serialise(getattr(entry, field.attname)) != new:
            wanted[field.name] = new
    pending = EntryCorrection.objects.filter(
        content_type=ContentType.objects.get_for_model(entry),
        object_id=entry.pk,
        author=user,
        reason=reason,
        state=ReviewState.PENDING,
    )
    return bool(wanted) and any(c.changes == wanted for c in pending)


# --- The monthly page per village: print and xlsx ----------------------------------------


def _sheet_for(request, kind: Kind):
    village_id = request.GET.get("village", "")
    if not village_id.isdecimal():
        raise Http404
    village = get_object_or_404(villages_for(request.user).select_related("parent"), pk=village_id)
    require_perm(request.user, kind.view_perm)
    month_param = request.GET.get("month", "")
    month = parse_month(month_param) if month_param else timezone.localdate().replace(day=1)
    if month is None or not in_ledger_years(month):
        raise Http404
    return ledger_sheet(kind, request.user, village, month)


@login_required
def ledger_print(request, kind):
    """The paper ledger's page of one village and month, A4 landscape, with its signature line."""
    kind = get_kind(kind)
    sheet = _sheet_for(request, kind)
    previous_month = (sheet.month - timedelta(days=1)).replace(day=1)
    following = month_after(sheet.month)
    return render(
        request,
        "ledgers/print/sheet.html",
        {
            "kind": kind,
            "sheet": sheet,
            "columns": sheet.columns,
            "rows": printed_rows(sheet),
            "previous_month": previous_month,
            "next_month": following if following <= timezone.localdate() else None,
        },
    )


@login_required
def ledger_xlsx(request, kind):
    """The same page as a spreadsheet; who exported which village's ledger is logged."""
    kind = get_kind(kind)
    sheet = _sheet_for(request, kind)
    content, rows = ledger_workbook(sheet)
    ExportLog.objects.create(
        user=request.user,
        what=f"ledger:{kind.slug}",
        row_count=rows,
        filters=f"village={sheet.village.code} {sheet.village.name}; month={sheet.month:%Y-%m}",
    )
    filename = f"ledger-{kind.slug}-{sheet.village.code}-{sheet.month:%Y-%m}.xlsx"
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


urlpatterns = [
    path("", index, name="index"),
    path("<slug:kind>/", entry_list, name="entry_list"),
    path("<slug:kind>/new/", entry_create, name="entry_create"),
    path("<slug:kind>/print/", ledger_print, name="ledger_print"),
    path("<slug:kind>/xlsx/", ledger_xlsx, name="ledger_xlsx"),
    path("<slug:kind>/<int:pk>/", entry_detail, name="entry_detail"),
    path("<slug:kind>/<int:pk>/edit/", entry_edit, name="entry_edit"),
    path("<slug:kind>/<int:pk>/correct/", entry_correct, name="entry_correct"),
]
