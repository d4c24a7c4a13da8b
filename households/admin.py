from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin

from households.crypto import mask_id_numbers_in
from households.forms import MemberForm
from households.models import Area, ExportLog, Household, HouseholdCategory, Member
from households.resources import HouseholdResource


class ScopedChoicesMixin:
    """A form field's choices are the records the user may see: a posted id outside them is refused.

    For admin pages and their inlines alike, foreign keys and many-to-many
    fields both (keyholders, the leader on duty ...).
    """

    @staticmethod
    def _scope_choices(db_field, request, kwargs):
        related = db_field.related_model
        if hasattr(related.objects, "visible_to") and "queryset" not in kwargs:
            kwargs["queryset"] = related.objects.visible_to(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        self._scope_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        self._scope_choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ScopedAdminMixin(ScopedChoicesMixin):
    """Admin pages read through the model's `visible_to`, so a record outside scope is a 404 here too."""

    def get_queryset(self, request):
        return self.model.objects.visible_to(request.user).select_related(
            *self.list_select_related or ()
        )


@admin.register(Area)
class AreaAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


@admin.register(HouseholdCategory)
class HouseholdCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "visit_cadence_days", "must_visit", "in_difficulty", "sort_order"]
    list_editable = ["visit_cadence_days", "must_visit", "in_difficulty", "sort_order"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return HouseholdCategory.objects.visible_to(request.user)


class MemberInline(ScopedChoicesMixin, admin.TabularInline):
    model = Member
    form = MemberForm
    extra = 0
    fields = ["name", "relation", "sex", "birth_date", "id_number", "phone", "is_party_member"]


@admin.register(Household)
class HouseholdAdmin(ScopedAdminMixin, ImportExportMixin, admin.ModelAdmin):
    resource_classes = [HouseholdResource]
    list_display = ["head_name", "area", "house_number", "phone", "category_names", "updated_at"]
    list_filter = ["categories", "housing", ("area__parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["head_name", "search_initials", "phone", "house_number", "members__name"]
    list_select_related = ["area", "area__parent"]
    autocomplete_fields = ["area"]
    filter_horizontal = ["categories"]
    inlines = [MemberInline]
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("categories")

    @admin.display(description=_("categories"))
    def category_names(self, obj):
        return "、".join(c.name for c in obj.categories.all())

    def has_import_permission(self, request):
        # import-export lets anyone who can open the changelist import unless told
        # otherwise; a roster import adds and changes households.
        return self.has_add_permission(request) and self.has_change_permission(request)

    def get_valid_export_item_pks(self, request):
        # The library's default lists every household of every county.
        return self.get_queryset(request).values_list("pk", flat=True)

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {**super().get_resource_kwargs(request, *args, **kwargs), "user": request.user}

    def get_data_for_export(self, request, queryset, **kwargs):
        # An export from the admin is on the record like one from the household list.
        dataset = super().get_data_for_export(request, queryset, **kwargs)
        ExportLog.objects.create(
            user=request.user,
            what="households",
            row_count=len(dataset),
            filters=mask_id_numbers_in(f"admin: {request.GET.urlencode()}")[:500],
            with_id_numbers=False,
        )
        return dataset


@admin.register(Member)
class MemberAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = MemberForm
    list_display = [
        "name",
        "household",
        "relation",
        "sex",
        "birth_date",
        "shown_id_number",
        "is_party_member",
    ]
    list_filter = ["relation", "sex", "is_party_member"]
    search_fields = ["name", "household__head_name"]
    list_select_related = ["household"]
    autocomplete_fields = ["household"]

    def get_list_display(self, request):
        # One ModelAdmin serves every thread, so the user whose permission decides
        # what a row shows is bound here, per request, never kept on `self`.
        user = request.user

        @admin.display(description=_("ID-card number"))
        def shown_id_number(obj):
            return obj.id_number_for(user)

        return [
            shown_id_number if name == "shown_id_number" else name
            for name in super().get_list_display(request)
        ]

    @admin.display(description=_("ID-card number"))
    def shown_id_number(self, obj):
        return obj.masked_id_number

    # No search by full ID number here: the admin's search is a GET, and the number would
    # land in URLs and access logs. The household list's look-up form POSTs it instead.


@admin.register(ExportLog)
class ExportLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "what", "row_count", "with_id_numbers", "filters"]
    list_filter = ["what", "with_id_numbers"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return ExportLog.objects.visible_to(request.user).select_related("user")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
