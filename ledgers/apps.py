from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgersConfig(AppConfig):
    name = "ledgers"
    verbose_name = _("Ledgers")

    def ready(self):
        from contact.roles import register_role_permissions
        from ledgers import handover, home, panels, reminders, signals  # noqa: F401
        from ledgers.roles import LEDGER_PERMISSIONS

        register_role_permissions(LEDGER_PERMISSIONS)
