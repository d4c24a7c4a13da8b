from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import User

from contact.models import Cadre
from households.admin import ScopedAdminMixin
from households.scope import scope_for


@admin.register(Cadre)
class CadreAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "unit", "post", "rank", "phone", "scope_area"]
    list_filter = ["rank", ("scope_area", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "unit", "post", "phone", "user__username"]
    list_select_related = ["scope_area", "user"]
    autocomplete_fields = ["scope_area", "user"]
    readonly_fields = ["password_changed_at"]


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

    @admin.display(description=Cadre._meta.verbose_name)
    def cadre_name(self, obj):
        cadre = getattr(obj, "cadre", None)
        return cadre.name if cadre else ""
