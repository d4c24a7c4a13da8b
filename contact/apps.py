from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactConfig(AppConfig):
    name = "contact"
    verbose_name = _("Cadre contact")

    def ready(self):
        from contact import due, signals  # noqa: F401
        from contact.scope import resolve_scope
        from households.scope import register_scope_resolver

        register_scope_resolver(resolve_scope)
