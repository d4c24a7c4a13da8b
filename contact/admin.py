from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import User
from django.http import Http404
from django.urls import reverse
from django.utils.html import format_html

from contact.models import Cadre
from households.admin import ScopedAdminMixin, ScopedChoicesMixin
from households.scope import scope_for


@admin.register(Cadre)
class CadreAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "unit", "post", "rank", "phone", "scope_area"]
    list_filter = ["rank", ("scope_area", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "unit", "post", "phone", "user__username"]
    list_select_related = ["scope_area", "user"]
    autocomplete_fields = ["scope_area", "user"]
    readonly_fields = ["password_changed_at"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # The accounts the user manages (UserAdmin's scope), never a stray or a superuser's:
        # a new cadre's account and profile are made together on the account page.
        if db_field.name == "user" and not scope_for(request.user).everything:
            kwargs["queryset"] = User.objects.filter(
                cadre__in=Cadre.objects.visible_to(request.user)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CadreInline(admin.StackedInline):
    model = Cadre
    can_delete = False
    autocomplete_fields = ["scope_area"]
    readonly_fields = ["password_changed_at"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "scope_area":
            from households.models import Area

            kwargs["queryset"] = Area.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Accounts, scoped by their cadre profile: a township administrator manages its own cadres."""

    inlines = [CadreInline]
    list_display = ["username", "cadre_name", "is_staff", "is_active", "last_login"]
    list_select_related = ["cadre"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("cadre")
        if scope_for(request.user).everything:
            return queryset
        return queryset.filter(cadre__in=Cadre.objects.visible_to(request.user))

    def get_fieldsets(self, request, obj=None):
        """Only a superuser hands out superuser rights or single permissions; others assign roles."""
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        hidden = {"is_superuser", "user_permissions"}
        return [
            (name, {**options, "fields": [f for f in options.get("fields", ()) if f not in hidden]})
            for name, options in fieldsets
        ]

    @admin.display(description=Cadre._meta.verbose_name)
    def cadre_name(self, obj):
        cadre = getattr(obj, "cadre", None)
        return cadre.name if cadre else ""


# --- Pairing and the 民情日志 ----------------------------------------------------

from django.utils.translation import gettext_lazy as _  # noqa: E402
from simple_history.admin import SimpleHistoryAdmin  # noqa: E402

from contact.models import (  # noqa: E402
    Assistance,
    HelpPlan,
    Pairing,
    PromisedHelp,
    ReceptionDuty,
    ReceptionSchedule,
    ResidentMessage,
    SuggestionBox,
    SuggestionBoxOpening,
    Visit,
    VisitCorrection,
    VisitPhoto,
)


class ScopedHistoryAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """simple-history's history pages look records up by id alone; check scope first."""

    def _check_scope(self, request, object_id):
        from django.contrib.admin.utils import unquote

        object_id = unquote(object_id)
        if (
            not str(object_id).isdecimal()
            or not self.get_queryset(request).filter(pk=object_id).exists()
        ):
            raise Http404  # a mangled id is a record that does not exist, not a 500

    def history_view(self, request, object_id, extra_context=None):
        self._check_scope(request, object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._check_scope(request, object_id)
        if not str(version_id).isdecimal():
            raise Http404
        return super().history_form_view(
            request, object_id, version_id, extra_context=extra_context
        )


class PromisedHelpInline(ScopedChoicesMixin, admin.TabularInline):
    model = PromisedHelp
    extra = 0


@admin.register(Pairing)
class PairingAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "kind", "start_date", "end_date", "next_visit_due"]
    list_filter = ["kind", ("end_date", admin.EmptyFieldListFilter)]
    search_fields = ["cadre__name", "unit", "household__head_name", "area__name"]
    list_select_related = ["cadre", "household", "area"]
    autocomplete_fields = ["cadre", "household", "area"]
    readonly_fields = ["card_token", "last_visit_at", "next_visit_due", "created_by", "created_at"]
    inlines = [PromisedHelpInline]
    date_hierarchy = "start_date"

    def has_delete_permission(self, request, obj=None):
        # Ended, never deleted: pairings are the history of who answered for whom.
        return False


class VisitPhotoInline(ScopedChoicesMixin, admin.TabularInline):
    model = VisitPhoto
    extra = 0
    fields = ["preview", "width", "height"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("photo"))
    def preview(self, obj):
        # Through the app's view, which checks the visit's scope; media have no public URL.
        return format_html(
            '<a href="{}"><img src="{}" alt="" width="120"></a>',
            reverse("contact:visit_photo", args=[obj.pk, "full"]),
            reverse("contact:visit_photo", args=[obj.pk, "thumb"]),
        )


class VisitCorrectionInline(ScopedChoicesMixin, admin.StackedInline):
    model = VisitCorrection
    extra = 0
    readonly_fields = [
        "author",
        "reason",
        "situation",
        "action",
        "next_step",
        "next_step_date",
        "created_at",
    ]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Visit)
class VisitAdmin(ScopedHistoryAdmin):
    """Reviewers read visits and their corrections; the text itself is the author's to change."""

    list_display = [
        "visited_at",
        "cadre",
        "household",
        "area",
        "method",
        "purpose",
        "has_corrections",
    ]
    list_filter = ["method", "purpose", ("area__parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["cadre__name", "household__head_name", "met_whom", "situation"]
    list_select_related = ["cadre", "household", "area"]
    date_hierarchy = "visited_at"
    inlines = [VisitPhotoInline, VisitCorrectionInline]
    readonly_fields = [f.name for f in Visit._meta.fields if f.name not in ("id", "signature")] + [
        "signature_preview"
    ]

    @admin.display(description=_("signature"))
    def signature_preview(self, obj):
        if not obj.signature:
            return "—"
        return format_html(
            '<img src="{}" alt="" height="80">', reverse("contact:visit_signature", args=[obj.pk])
        )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("corrections")

    @admin.display(description=_("corrected"), boolean=True)
    def has_corrections(self, obj):
        return bool(obj.corrections.all())

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(HelpPlan)
class HelpPlanAdmin(ScopedHistoryAdmin):
    list_display = ["goal", "household", "responsible", "target_date", "status"]
    list_filter = ["status"]
    search_fields = ["goal", "household__head_name", "responsible__name"]
    list_select_related = ["household", "responsible"]
    autocomplete_fields = ["household", "responsible"]


@admin.register(Assistance)
class AssistanceAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "date",
        "household",
        "kind",
        "description",
        "quantity",
        "unit",
        "value_yuan",
        "given_by",
    ]
    list_filter = ["kind"]
    search_fields = ["description", "household__head_name", "given_by__name"]
    list_select_related = ["household", "given_by"]
    autocomplete_fields = ["household", "given_by", "visit", "help_plan"]
    date_hierarchy = "date"


class ReceptionDutyInline(ScopedChoicesMixin, admin.TabularInline):
    model = ReceptionDuty
    extra = 0
    autocomplete_fields = ["leader"]


@admin.register(ReceptionSchedule)
class ReceptionScheduleAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["area", "weekday", "place", "note"]
    list_select_related = ["area"]
    autocomplete_fields = ["area"]
    inlines = [ReceptionDutyInline]


@admin.register(SuggestionBox)
class SuggestionBoxAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["area", "place", "opening_interval_days"]
    list_select_related = ["area"]
    autocomplete_fields = ["area", "keyholders"]


@admin.register(SuggestionBoxOpening)
class SuggestionBoxOpeningAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["box", "opened_at", "opinion_count"]
    list_select_related = ["box", "box__area"]
    autocomplete_fields = ["opened_by"]


@admin.register(ResidentMessage)
class ResidentMessageAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "pairing", "name", "phone", "read_at"]
    list_select_related = ["pairing", "pairing__cadre", "pairing__household", "pairing__area"]
    search_fields = ["text", "name", "phone"]
    readonly_fields = ["pairing", "name", "phone", "text", "created_at"]

    def has_add_permission(self, request):
        return False


# --- Reminders ---------------------------------------------------------------------------

from django.utils.translation import gettext_lazy  # noqa: E402

from contact.models import (  # noqa: E402
    DueItem,
    Notification,
    Reminder,
    ReminderSettings,
    TaskFailure,
)


class ReminderInline(admin.TabularInline):
    model = Reminder
    extra = 0
    can_delete = False
    fields = ["kind", "sent_at", "recipients"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DueItem)
class DueItemAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """What is due and what the sweep sent about it; written by the system, read here."""

    list_display = ["due_on", "kind", "title", "cadre", "area", "state", "escalation_level"]
    list_filter = ["state", "kind", "escalation_level", "due_on"]
    search_fields = ["title", "cadre__name", "area__name"]
    list_select_related = ["cadre", "area"]
    date_hierarchy = "due_on"
    inlines = [ReminderInline]
    readonly_fields = [
        "kind",
        "state",
        "due_on",
        "title",
        "url",
        "cadre",
        "area",
        "household",
        "escalation_level",
        "created_at",
        "closed_at",
    ]
    exclude = ["source_type", "source_id"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Every notification sent and how its e-mail and SMS went; an administrator's view only."""

    list_display = ["created_at", "user", "kind", "title", "read_at", "email_state", "sms_state"]
    list_filter = ["kind", "email_state", "sms_state"]
    search_fields = ["title", "user__username", "user__cadre__name"]
    list_select_related = ["user"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if scope_for(request.user).everything:
            return queryset
        return queryset.filter(user__cadre__in=Cadre.objects.visible_to(request.user))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    """A county's return-visit delay, escalation ladder, digest time and ledger day."""

    list_display = [
        "county",
        "return_visit_days",
        "escalate_village_leader_days",
        "escalate_secretary_days",
        "escalate_supervision_days",
        "digest_time",
        "ledger_submission_day",
    ]
    list_select_related = ["county"]
    fieldsets = [
        (None, {"fields": ["county", "return_visit_days", "ledger_submission_day"]}),
        (
            gettext_lazy("Escalation ladder"),
            {
                "fields": [
                    "escalate_village_leader_days",
                    "escalate_secretary_days",
                    "escalate_supervision_days",
                ],
                "description": gettext_lazy(
                    "An item still overdue after this many working days goes up one rung; each "
                    "rung is sent once and shows on the item's trail."
                ),
            },
        ),
        (gettext_lazy("Delivery"), {"fields": ["digest_time", "send_email", "send_sms"]}),
    ]

    def get_queryset(self, request):
        from households.models import Area

        return (
            super()
            .get_queryset(request)
            .filter(county__in=Area.objects.visible_to(request.user))
            .select_related("county")
        )

    def has_delete_permission(self, request, obj=None):
        return False  # without a row the defaults apply


@admin.register(TaskFailure)
class TaskFailureAdmin(admin.ModelAdmin):
    """Background tasks that failed after all their retries."""

    list_display = ["failed_at", "task_name", "exception", "resolved"]
    list_filter = ["resolved", "task_name"]
    list_editable = ["resolved"]
    readonly_fields = ["task_name", "task_id", "args", "exception", "traceback", "failed_at"]

    def has_add_permission(self, request):
        return False
