"""The ledgers in the admin: the party office's review (审核) of entries and of corrections.

Seed 002's party offices went through each village's six ledgers by hand,
ticked what was in order and sent a page back with a note when something was
missing. Here every ledger's list opens on its queue (entries awaiting review
in the reviewer's area), a reviewer approves or returns with a note, one at a
time or many at once, and an approved entry is locked: a change to it is an
`EntryCorrection`, which comes through its own queue. Every page reads
through the models' `visible_to`, like the rest of the admin.
"""

import hashlib
from collections import defaultdict

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from contact.admin import ScopedHistoryAdmin
from contact.models import person_name
from households.admin import ScopedChoicesMixin
from households.models import Area
from ledgers import services
from ledgers.models import (
    LEDGER_MODELS,
    CountySettings,
    Demand,
    DemandEvent,
    DifficultyRecord,
    EntryCorrection,
    LedgerSubmission,
    OpinionRecord,
    PartySituation,
    ReturnVisit,
    ReviewState,
    StabilityCase,
    VillageSituation,
    WorkdayOverride,
)
from ledgers.workdays import known_years

REVIEW_PERMISSION = "ledgers.review_entry"


# --- The queue ------------------------------------------------------------------------


class ReviewQueueFilter(admin.SimpleListFilter):
    """Opens on what awaits review; the other states, or all, are a click away."""

    title = gettext_lazy("review")
    parameter_name = "review_state"
    field_name = "review_state"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*ReviewState.choices, (self.ALL, gettext_lazy("All"))]

    def queryset(self, request, queryset):
        value = self.value() or ReviewState.PENDING
        if value == self.ALL:
            return queryset
        return queryset.filter(**{self.field_name: value})

    def choices(self, changelist):
        current = self.value() or ReviewState.PENDING
        for value, label in self.lookup_choices:
            if value == ReviewState.PENDING:
                query = changelist.get_query_string(remove=[self.parameter_name])
            else:
                query = changelist.get_query_string({self.parameter_name: value})
            yield {"selected": current == value, "query_string": query, "display": label}


class CorrectionQueueFilter(ReviewQueueFilter):
    parameter_name = "state"
    field_name = "state"


class LedgerKindFilter(admin.SimpleListFilter):
    """Which ledger a correction belongs to."""

    title = gettext_lazy("ledger")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(m._meta.model_name, m._meta.verbose_name_plural) for m in LEDGER_MODELS]

    def queryset(self, request, queryset):
        for model in LEDGER_MODELS:
            if model._meta.model_name == self.value():
                return queryset.filter(content_type=ContentType.objects.get_for_model(model))
        return queryset


class ReviewNoteForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note to the author"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=gettext_lazy("Required when returning: say what the author should correct."),
    )
    # What the reviewer read (ReviewAdminMixin.review_version): an entry its author
    # changed since is not approved unseen.
    seen = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, note_required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].required = note_required


class ReviewAdminMixin:
    """Approve / return with a note, for one record (its change page) or many (actions).

    The services decide: they refuse an author reviewing their own record
    (shown as an error message) and report a record reviewed meanwhile.
    """

    change_form_template = "admin/ledgers/review_change_form.html"
    change_list_template = "admin/ledgers/review_change_list.html"
    actions = ["approve_selected", "return_selected"]
    state_field = "review_state"
    author_field = "recorded_by"
    approved_note = gettext_lazy(
        "This entry is locked: a change needs a correction (更正), which is reviewed again."
    )

    def approve(self, obj, by, note: str) -> bool:
        raise NotImplementedError

    def send_back(self, obj, by, note: str) -> bool:
        raise NotImplementedError

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm(REVIEW_PERMISSION)

    def review_version(self, obj) -> str:
        """A digest of what the reviewer reads (the content fields); "" where nothing can change."""
        names = getattr(obj, "content_fields", ())
        values = [str(obj._meta.get_field(name).value_from_object(obj)) for name in names]
        return hashlib.sha256("\x1f".join(values).encode()).hexdigest()[:16] if values else ""

    def _review_form(self, obj) -> ReviewNoteForm:
        return ReviewNoteForm(initial={"seen": self.review_version(obj)})

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/review/",
                self.admin_site.admin_view(self.review_view),
                name=f"{opts.app_label}_{opts.model_name}_review",
            ),
            *super().get_urls(),
        ]

    def _review_context(self, request, obj) -> dict:
        opts = self.model._meta
        author_id = getattr(obj, f"{self.author_field}_id")
        return {
            "state": getattr(obj, self.state_field),
            "is_pending": getattr(obj, self.state_field) == ReviewState.PENDING,
            "is_returned": getattr(obj, self.state_field) == ReviewState.RETURNED,
            "is_approved": getattr(obj, self.state_field) == ReviewState.APPROVED,
            "note": obj.review_note,
            "reviewer": person_name(obj.reviewed_by),
            "reviewed_at": obj.reviewed_at,
            "can_review": self.has_review_permission(request),
            "own": author_id == request.user.pk,
            "url": reverse(f"admin:{opts.app_label}_{opts.model_name}_review", args=[obj.pk]),
            "approved_note": self.approved_note,
        }

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["review"] = self._review_context(request, obj)
            context.setdefault("review_form", self._review_form(obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changelist_view(self, request, extra_context=None):
        extra = {"review_overview_url": reverse("admin:ledgers_review_overview")}
        return super().changelist_view(request, {**extra, **(extra_context or {})})

    def review_view(self, request, object_id):
        """One record's review: GET shows the note form, POST approves or returns."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_review_permission(request):
            raise PermissionDenied
        opts = self.model._meta
        change_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        status = 200
        form = self._review_form(obj)
        if request.method == "POST":
            returning = "_return" in request.POST
            # Only a pressed button decides: a form sent some other way approves nothing.
            pressed = returning or "_approve" in request.POST
            form = ReviewNoteForm(request.POST, note_required=returning)
            if pressed and form.is_valid():
                note = form.cleaned_data["note"]
                seen = form.cleaned_data["seen"]
                if seen and seen != self.review_version(obj):
                    self.message_user(
                        request,
                        _("Its author changed it after you opened it: read it again, then review."),
                        messages.WARNING,
                    )
                    return HttpResponseRedirect(change_url)
                try:
                    done = (self.send_back if returning else self.approve)(obj, request.user, note)
                except ValidationError as error:
                    self.message_user(request, " ".join(error.messages), messages.ERROR)
                    return HttpResponseRedirect(change_url)
                if not done:
                    self.message_user(
                        request, _("This is no longer awaiting review."), messages.WARNING
                    )
                    return HttpResponseRedirect(change_url)
                self.message_user(
                    request,
                    (
                        _("“%(obj)s” was returned to its author.")
                        if returning
                        else _("“%(obj)s” was approved.")
                    )
                    % {"obj": obj},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
                )
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "title": _("Review (审核): %(obj)s") % {"obj": obj},
            "opts": opts,
            "original": obj,
            "review": self._review_context(request, obj),
            "review_form": form,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/ledgers/review.html", context, status=status)

    def _report(self, request, done: int, skipped: int, done_message: str) -> None:
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d skipped: no longer awaiting review, or recorded by you.",
                    "%(count)d skipped: no longer awaiting review, or recorded by you.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )

    @admin.action(description=gettext_lazy("Approve selected"), permissions=["review"])
    def approve_selected(self, request, queryset):
        done = skipped = 0
        for obj in queryset:
            try:
                approved = self.approve(obj, request.user, "")
            except ValidationError:  # the reviewer's own record
                approved = False
            done += approved
            skipped += not approved
        self._report(
            request, done, skipped, ngettext("%(count)d approved.", "%(count)d approved.", done)
        )

    @admin.action(description=gettext_lazy("Return selected with a note"), permissions=["review"])
    def return_selected(self, request, queryset):
        """An intermediate page asks for the note; its POST comes back here with `apply`."""
        if "apply" in request.POST:
            form = ReviewNoteForm(request.POST, note_required=True)
            if form.is_valid():
                done = skipped = 0
                for obj in queryset:
                    try:
                        returned = self.send_back(obj, request.user, form.cleaned_data["note"])
                    except ValidationError:
                        returned = False
                    done += returned
                    skipped += not returned
                self._report(
                    request,
                    done,
                    skipped,
                    ngettext("%(count)d returned.", "%(count)d returned.", done),
                )
                return None
            status = 400
        else:
            form, status = ReviewNoteForm(note_required=True), 200
        context = {
            **self.admin_site.each_context(request),
            "title": _("Return with a note"),
            "opts": self.model._meta,
            "objects": list(queryset),
            "review_form": form,
            "select_across": request.POST.get("select_across", "0"),
            "changelist_url": reverse(
                f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_changelist"
            ),
        }
        return TemplateResponse(
            request, "admin/ledgers/return_selected.html", context, status=status
        )


# --- The six ledgers ------------------------------------------------------------------

# People by name (their cadre's), not by account name.
RECORD_FIELDS = ("source", "visit", "author", "created_at", "updated_at")
REVIEW_FIELDS = ("review_state", "review_note", "reviewer", "reviewed_at")
ENTRY_COLUMNS = ("area", "author", "created_at", "review_state")


class LedgerEntryAdmin(ReviewAdminMixin, ScopedHistoryAdmin):
    """What every ledger's admin has: the queue, review, the lock, scoped history.

    Before approval the office corrects an entry's content (its
    `content_fields`); provenance, review and a demand's workflow move only
    through the services. Approved, the whole entry is read-only.
    """

    # The entry's own columns, as the paper ledger has them (the model's content_fields by default).
    main_fields: tuple[str, ...] = ()
    workflow_fields: tuple[str, ...] = ()
    list_select_related = ("area", "recorded_by__cadre")
    autocomplete_fields = ("area", "household")
    date_hierarchy = "occurred_on"
    list_per_page = 50

    def approve(self, obj, by, note):
        return services.entry_approve(entry=obj, by=by, note=note)

    def send_back(self, obj, by, note):
        return services.entry_return(entry=obj, by=by, note=note)

    @admin.display(description=gettext_lazy("recorded by"), ordering="recorded_by__cadre__name")
    def author(self, obj):
        return person_name(obj.recorded_by)

    @admin.display(description=gettext_lazy("reviewed by"))
    def reviewer(self, obj):
        return person_name(obj.reviewed_by) or "—"

    def get_fieldsets(self, request, obj=None):
        fieldsets = [(None, {"fields": list(self.main_fields or self.model.content_fields)})]
        if self.workflow_fields:
            fieldsets.append((_("Workflow"), {"fields": list(self.workflow_fields)}))
        fieldsets.append(
            (
                _("Record and review"),
                {"fields": [*RECORD_FIELDS, *REVIEW_FIELDS, "corrections_shown"]},
            )
        )
        return fieldsets

    @admin.display(description=gettext_lazy("corrections"))
    def corrections_shown(self, obj):
        """Corrections after approval, each with its state: the reviewer sees what was asked."""
        corrections = obj.corrections.select_related("author__cadre").order_by("-created_at")
        if not corrections:
            return "—"
        return format_html_join(
            mark_safe("<br>"),  # noqa: S308 (a constant)
            '<a href="{}">{}</a> — {}, {}',
            (
                (
                    reverse("admin:ledgers_entrycorrection_change", args=[c.pk]),
                    c.reason,
                    person_name(c.author),
                    c.get_state_display(),
                )
                for c in corrections
            ),
        )

    def get_readonly_fields(self, request, obj=None):
        shown = flatten_fieldsets(self.get_fieldsets(request, obj))
        if (obj is not None and obj.is_locked) or getattr(request, "_ledger_past_version", False):
            return shown
        return [name for name in shown if name not in self.model.content_fields]

    def has_add_permission(self, request):
        # Entries are recorded on the app's pages (a demand draws its reference and
        # deadline there); the admin is where they are reviewed and corrected.
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_locked:
            return False  # approved: a change is a correction, reviewed again
        if (
            obj is not None
            and obj.recorded_by_id != request.user.pk
            and not self.has_review_permission(request)
        ):
            # change_* lets cadres and leaders edit what they recorded (roles.py); someone
            # else's entry is corrected by the office that reviews it, not by a leader here.
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Evidence a cadre is assessed on (DESIGN.md): never deleted.
        return False

    def save_model(self, request, obj, form, change):
        if change and not form.has_changed():
            return  # nothing typed: no empty step in the history
        if obj.review_state == ReviewState.RETURNED:
            obj.review_state = ReviewState.PENDING  # corrected: back in the queue
        super().save_model(request, obj, form, change)  # SimpleHistoryAdmin: history_user

    def revert_disabled(self, request, obj=None):
        return True

    def _check_scope(self, request, object_id):
        # Through get_object, which takes a mangled id for a record that does not
        # exist: the history pages answer it with a 404, not a 500.
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history's "revert" would write a past version back, review state
        # included, past the lock: a past version is for reading only.
        if request.method != "GET":
            raise PermissionDenied
        if not str(version_id).isdecimal():
            raise Http404  # a mangled version id: no such version
        request._ledger_past_version = True
        return super().history_form_view(request, object_id, version_id, extra_context)


class DemandEventInline(admin.TabularInline):
    model = DemandEvent
    fields = ["at", "action", "from_state", "to_state", "by_name", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description=gettext_lazy("by"))
    def by_name(self, obj):
        return person_name(obj.by) or _("the resident")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by__cadre")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReturnVisitInline(admin.TabularInline):
    model = ReturnVisit
    fields = ["visited_at", "by_name", "satisfaction", "solved", "comment"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description=gettext_lazy("by"))
    def by_name(self, obj):
        return person_name(obj.by)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by__cadre")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Demand)
class DemandAdmin(LedgerEntryAdmin):
    list_display = ("reference", "kind", "urgency", "state", "deadline", *ENTRY_COLUMNS)
    list_filter = (
        ReviewQueueFilter,
        "state",
        "urgency",
        "kind",
        "flagged",
        ("area", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("reference", "description", "resident_name", "household__head_name")
    main_fields = (
        "reference",
        "area",
        "household",
        "occurred_on",
        "kind",
        "urgency",
        "description",
        "resident_name",
        "resident_phone",
    )
    workflow_fields = (
        "cadre",
        "state",
        "deadline",
        "handler_level",
        "handler_cadre",
        "handler_unit",
        "escalated_to",
        "instructions",
        "assigned_at",
        "resolved_at",
        "resolution_kind",
        "resolution",
        "closed_at",
        "reopen_count",
        "flagged",
    )
    inlines = [DemandEventInline, ReturnVisitInline]

    def save_model(self, request, obj, form, change):
        if change and "urgency" in form.changed_data:
            obj.deadline = services.deadline_for(
                area=obj.area, urgency=obj.urgency, start=obj.occurred_on
            )
        super().save_model(request, obj, form, change)
        if change and form.has_changed():
            # The demand's trail shows the office's correction like an author's edit.
            DemandEvent.objects.create(
                demand=obj,
                action=DemandEvent.Action.EDIT,
                from_state=obj.state,
                to_state=obj.state,
                by=request.user,
            )


@admin.register(DifficultyRecord)
class DifficultyRecordAdmin(LedgerEntryAdmin):
    list_display = ("household", "category", "level", "recognised_on", *ENTRY_COLUMNS)
    list_filter = (
        ReviewQueueFilter,
        "category",
        "level",
        ("area", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("area", "recorded_by__cadre", "household", "category")
    search_fields = ("household__head_name", "reason")


@admin.register(StabilityCase)
class StabilityCaseAdmin(LedgerEntryAdmin):
    list_display = ("kind", "parties", "risk", "status", *ENTRY_COLUMNS)
    list_filter = (
        ReviewQueueFilter,
        "kind",
        "risk",
        "status",
        "resolved_in_village",
        ("area", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("parties", "summary", "household__head_name")


@admin.register(VillageSituation)
class VillageSituationAdmin(LedgerEntryAdmin):
    list_display = (
        "area",
        "month",
        "population",
        "households_count",
        "collective_income",
        "author",
        "created_at",
        "review_state",
    )
    list_filter = (ReviewQueueFilter, ("area", admin.RelatedOnlyFieldListFilter))
    search_fields = ("area__name", "problems", "projects")
    autocomplete_fields = ("area",)

    @admin.display(description=gettext_lazy("month"), ordering="occurred_on")
    def month(self, obj):
        return f"{obj.occurred_on:%Y-%m}"


@admin.register(OpinionRecord)
class OpinionRecordAdmin(LedgerEntryAdmin):
    list_display = ("topic", "short_content", "person", "rectified", *ENTRY_COLUMNS)
    list_filter = (
        ReviewQueueFilter,
        "topic",
        "source",
        "rectified",
        ("area", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("content", "person", "response")

    @admin.display(description=gettext_lazy("opinion or suggestion"))
    def short_content(self, obj):
        return Truncator(obj.content).chars(40)


@admin.register(PartySituation)
class PartySituationAdmin(LedgerEntryAdmin):
    list_display = (
        "branch",
        "month",
        "members",
        "old_members_visited",
        *ENTRY_COLUMNS,
    )
    list_filter = (ReviewQueueFilter, ("area", admin.RelatedOnlyFieldListFilter))
    search_fields = ("branch", "organisation_problems", "members_demands")
    autocomplete_fields = ("area",)

    @admin.display(description=gettext_lazy("month"), ordering="occurred_on")
    def month(self, obj):
        return f"{obj.occurred_on:%Y-%m}"


# --- Corrections of approved entries -------------------------------------------------


def _shown(field, value, names=None) -> str:
    """A stored value as a reader knows it: a choice's label, a related record's name, yes/no.

    `names` (model → pk → name), when given, holds the related records already read.
    """
    if value is None or value == "":
        return "—"
    if field.is_relation:
        if names is not None:
            return names.get(field.related_model, {}).get(value, str(value))
        related = field.related_model._base_manager.filter(pk=value).first()
        return str(related) if related is not None else str(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return _("yes") if value else _("no")
    return str(field.to_python(value))


def correction_diff(correction: EntryCorrection, names=None) -> list[tuple[str, str, str]]:
    """(field's name, current value, proposed value) for each field the correction changes."""
    cached = getattr(correction, "diff_rows", None)
    if cached is not None:
        return cached
    entry = correction.entry
    rows = []
    for name, proposed in correction.changes.items():
        field = type(entry)._meta.get_field(name) if entry is not None else None
        if field is None:
            rows.append((name, "—", str(proposed)))
            continue
        current = field.value_from_object(entry)
        rows.append(
            (str(field.verbose_name), _shown(field, current, names), _shown(field, proposed, names))
        )
    return rows


def attach_diffs(corrections) -> None:
    """Each correction's diff on it, the records it names read in one query per model.

    The queue shows a page of corrections, each naming households or villages
    (now and proposed): without this, each name would be a query of its own.
    """
    wanted = defaultdict(set)
    for correction in corrections:
        entry = correction.entry
        if entry is None:
            continue
        for name, proposed in correction.changes.items():
            field = type(entry)._meta.get_field(name)
            if field.is_relation:
                values = (field.value_from_object(entry), proposed)
                wanted[field.related_model].update(v for v in values if v not in (None, ""))
    names = {
        model: {pk: str(obj) for pk, obj in model._base_manager.in_bulk(pks).items()}
        for model, pks in wanted.items()
    }
    for correction in corrections:
        correction.diff_rows = correction_diff(correction, names)


class CorrectionChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        attach_diffs(self.result_list)


# What each ledger's __str__ reads: a page of corrections names its entries
# with one query per ledger rather than one per entry.
_ENTRY_NAMES = {
    DifficultyRecord: ("household", "category"),
    VillageSituation: ("area",),
}


@admin.register(EntryCorrection)
class EntryCorrectionAdmin(ReviewAdminMixin, admin.ModelAdmin):
    """Corrections of approved entries, reviewed like entries: the entry changes only on approval."""

    state_field = "state"
    author_field = "author"
    approved_note = gettext_lazy("Applied to the entry.")
    list_display = ("created_at", "kind", "entry_link", "author_name", "reason", "summary", "state")
    list_filter = (CorrectionQueueFilter, LedgerKindFilter)
    list_select_related = ("author__cadre", "reviewed_by__cadre", "content_type")
    fields = (
        "entry_link",
        "author_name",
        "reason",
        "diff",
        "created_at",
        "state",
        "review_note",
        "reviewer_name",
        "reviewed_at",
    )
    readonly_fields = fields
    list_per_page = 50

    def get_queryset(self, request):
        entries = [
            model._base_manager.select_related(*_ENTRY_NAMES.get(model, ()))
            for model in LEDGER_MODELS
        ]
        return (
            EntryCorrection.objects.visible_to(request.user)
            .select_related(*self.list_select_related)
            .prefetch_related(GenericPrefetch("entry", entries))
        )

    def get_changelist(self, request, **kwargs):
        return CorrectionChangeList

    def get_urls(self):
        return [
            path(
                "overview/",
                self.admin_site.admin_view(self.overview_view),
                name="ledgers_review_overview",
            ),
            *super().get_urls(),
        ]

    def approve(self, obj, by, note):
        return services.correction_approve(correction=obj, by=by, note=note)

    def send_back(self, obj, by, note):
        return services.correction_return(correction=obj, by=by, note=note)

    def has_add_permission(self, request):
        return False  # submitted by the author on the entry's page

    def has_change_permission(self, request, obj=None):
        return False  # what the author proposed stays as proposed; review is the only write

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("ledger"))
    def kind(self, obj):
        model = obj.content_type.model_class()
        return model._meta.verbose_name if model else ""

    @admin.display(description=gettext_lazy("entry"))
    def entry_link(self, obj):
        entry = obj.entry
        if entry is None:
            return "—"
        opts = entry._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[entry.pk])
        return format_html('<a href="{}">{}</a>', url, entry)

    @admin.display(description=gettext_lazy("author"), ordering="author__cadre__name")
    def author_name(self, obj):
        return person_name(obj.author)

    @admin.display(description=gettext_lazy("reviewed by"))
    def reviewer_name(self, obj):
        return person_name(obj.reviewed_by) or "—"

    @admin.display(description=gettext_lazy("changes"))
    def summary(self, obj):
        return Truncator(
            "; ".join(f"{name}: {now} → {new}" for name, now, new in correction_diff(obj))
        ).chars(120)

    @admin.display(description=gettext_lazy("changes"))
    def diff(self, obj):
        rows = format_html_join(
            "",
            "<tr><th scope='row'>{}</th><td>{}</td><td>→</td><td>{}</td></tr>",
            correction_diff(obj),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th></th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            _("field"),
            _("now"),
            _("proposed"),
            rows,
        )

    def overview_view(self, request):
        """The review desk: per ledger, what awaits review in the user's area, and the corrections."""
        corrections = EntryCorrection.objects.visible_to(request.user).filter(
            state=ReviewState.PENDING
        )
        correction_counts = dict(
            corrections.values_list("content_type").annotate(n=Count("pk")).order_by()
        )
        corrections_url = reverse("admin:ledgers_entrycorrection_changelist")
        rows = []
        for model in LEDGER_MODELS:
            model_admin = self.admin_site.get_model_admin(model)
            if not model_admin.has_view_permission(request):
                continue
            counts = model_admin.get_queryset(request).aggregate(
                pending=Count("pk", filter=Q(review_state=ReviewState.PENDING)),
                returned=Count("pk", filter=Q(review_state=ReviewState.RETURNED)),
            )
            changelist = reverse(f"admin:ledgers_{model._meta.model_name}_changelist")
            rows.append(
                {
                    "title": model._meta.verbose_name_plural,
                    "pending": counts["pending"],
                    "returned": counts["returned"],
                    "corrections": correction_counts.get(
                        ContentType.objects.get_for_model(model).pk, 0
                    ),
                    "queue_url": changelist,
                    "returned_url": f"{changelist}?review_state={ReviewState.RETURNED}",
                    "corrections_url": f"{corrections_url}?kind={model._meta.model_name}",
                }
            )
        if not rows:
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Review (审核)"),
            "opts": self.model._meta,
            "rows": rows,
            "total_pending": sum(r["pending"] for r in rows),
            "total_returned": sum(r["returned"] for r in rows),
            "total_corrections": sum(r["corrections"] for r in rows),
            "corrections_url": corrections_url,
        }
        return TemplateResponse(request, "admin/ledgers/review_overview.html", context)


# --- County settings and the working-day calendar -------------------------------------


@admin.register(CountySettings)
class CountySettingsAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    """Deadlines per urgency for the county; the choice is a county in the user's scope."""

    list_display = ("county", "urgent_days", "serious_days", "moderate_days", "light_days")
    list_select_related = ("county",)
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "county",
                    "urgent_days",
                    "serious_days",
                    "moderate_days",
                    "light_days",
                ],
                "description": gettext_lazy(
                    "Working days from the day a demand is recorded to its deadline. A change "
                    "applies to demands recorded (or reopened) from now on."
                ),
            },
        )
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(county__in=Area.objects.visible_to(request.user))
            .select_related("county")
        )

    def has_delete_permission(self, request, obj=None):
        return False  # without a row the defaults apply; change the numbers instead


@admin.register(WorkdayOverride)
class WorkdayOverrideAdmin(admin.ModelAdmin):
    """Holidays and 调休 of a year the installed calendar does not know yet, or a local change."""

    list_display = ("date", "weekday", "is_workday", "note")
    list_filter = ("is_workday",)
    date_hierarchy = "date"
    search_fields = ("note",)

    @staticmethod
    def known_years_text() -> str:
        years = known_years()
        return _(
            "The installed calendar (chinesecalendar) knows %(first)d–%(last)d. For a later year, "
            "enter its holidays and its weekend working days (调休) here when the State Council "
            "publishes them; any day not entered counts Monday to Friday."
        ) % {"first": years.start, "last": years.stop - 1}

    @admin.display(description=gettext_lazy("weekday"), ordering="date")
    def weekday(self, obj):
        return date_format(obj.date, "l")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "date":
            field.help_text = self.known_years_text()
        return field

    def changelist_view(self, request, extra_context=None):
        extra = {"known_years_text": self.known_years_text()}
        return super().changelist_view(request, {**extra, **(extra_context or {})})


@admin.register(LedgerSubmission)
class LedgerSubmissionAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    """报送: which villages handed in which month's ledgers, and when."""

    list_display = ("month", "village", "submitted_by", "submitted_at")
    list_filter = (("submitted_at", admin.EmptyFieldListFilter), "month")
    search_fields = ("village__name",)
    list_select_related = ("village", "submitted_by")
    readonly_fields = ("village", "month", "submitted_by", "submitted_at", "created_at")

    def get_queryset(self, request):
        return LedgerSubmission.objects.visible_to(request.user).select_related(
            *self.list_select_related
        )

    def has_add_permission(self, request):
        return False  # opened by the monthly planner, filled in by the 包村 cadre's button

    def has_delete_permission(self, request, obj=None):
        return False
