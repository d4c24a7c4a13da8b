"""The five roles of DESIGN.md as Django groups, and the permissions each holds.

Groups are created and kept in step by migrations (`sync_role_groups`), so a
new permission reaches every county's roles with the next `migrate`. Group
names are the Chinese titles that party offices use, because that is what an
administrator reads in the admin.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CADRE = "干部", _("Cadre")
    TOWNSHIP_LEADER = "乡镇领导", _("Township leader")
    REVIEWER = "党政办", _("Party-office reviewer")
    SUPERVISOR = "督查", _("Supervisor")
    ADMINISTRATOR = "管理员", _("Administrator")


_VIEW_REGISTRY = [
    "households.view_area",
    "households.view_householdcategory",
    "households.view_household",
    "households.view_member",
]

_VIEW_CONTACT = [
    "contact.view_pairing",
    "contact.view_visit",
    "contact.view_visitphoto",
    "contact.view_visitcorrection",
    "contact.view_promisedhelp",
    "contact.view_assistance",
    "contact.view_helpplan",
    "contact.view_receptionschedule",
    "contact.view_receptionduty",
    "contact.view_suggestionbox",
    "contact.view_suggestionboxopening",
    "contact.view_residentmessage",
    "contact.view_dueitem",
    "contact.view_reminder",
]

# What a cadre does in a courtyard: log visits, hand over assistance, open the box.
_CADRE_WORK = [
    "contact.add_visit",
    "contact.change_visit",
    "contact.add_visitcorrection",
    "contact.add_assistance",
    "contact.add_suggestionboxopening",
    "contact.change_residentmessage",
]

_LEADER_WORK = [
    "contact.add_pairing",
    "contact.change_pairing",
    "contact.add_helpplan",
    "contact.change_helpplan",
    "contact.add_receptionschedule",
    "contact.change_receptionschedule",
    "contact.add_receptionduty",
    "contact.change_receptionduty",
    "contact.delete_receptionduty",
    "contact.add_suggestionbox",
    "contact.change_suggestionbox",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.CADRE: _VIEW_REGISTRY
    + _VIEW_CONTACT
    + _CADRE_WORK
    + ["contact.add_helpplan", "contact.change_helpplan"],
    Role.TOWNSHIP_LEADER: _VIEW_REGISTRY
    + _VIEW_CONTACT
    + _CADRE_WORK
    + _LEADER_WORK
    + [
        "households.add_household",
        "households.change_household",
        "households.add_member",
        "households.change_member",
        "contact.view_cadre",
    ],
    Role.REVIEWER: _VIEW_REGISTRY
    + _VIEW_CONTACT
    + [
        "households.add_household",
        "households.change_household",
        "households.add_member",
        "households.change_member",
        "households.view_id_number",
        "households.export_id_number",
        "contact.view_cadre",
    ],
    Role.SUPERVISOR: _VIEW_REGISTRY
    + _VIEW_CONTACT
    + ["contact.view_cadre", "households.view_exportlog"],
    Role.ADMINISTRATOR: _VIEW_REGISTRY
    + _VIEW_CONTACT
    + _LEADER_WORK
    + [
        "households.add_area",
        "households.change_area",
        "households.add_householdcategory",
        "households.change_householdcategory",
        "households.add_household",
        "households.change_household",
        "households.delete_household",
        "households.add_member",
        "households.change_member",
        "households.delete_member",
        "households.view_id_number",
        "households.export_id_number",
        "households.view_exportlog",
        "contact.view_cadre",
        "contact.add_cadre",
        "contact.change_cadre",
        "contact.view_remindersettings",
        "contact.add_remindersettings",
        "contact.change_remindersettings",
        "contact.view_notification",
        "contact.view_taskfailure",
        "contact.change_taskfailure",
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.view_group",
    ],
}


def register_role_permissions(extra: dict[str, list[str]]) -> None:
    """Another app's permissions for the roles (ledgers adds its own when it loads).

    Called from an AppConfig.ready(), so that every later `sync_role_groups`
    (in any app's migration) keeps them.
    """
    for role, codenames in extra.items():
        for dotted in codenames:
            if dotted not in ROLE_PERMISSIONS[role]:
                ROLE_PERMISSIONS[role].append(dotted)


# Roles that work in the Django admin (party office, supervisors, administrators, leaders).
STAFF_ROLES = {Role.TOWNSHIP_LEADER, Role.REVIEWER, Role.SUPERVISOR, Role.ADMINISTRATOR}


def sync_role_groups(apps, schema_editor=None):
    """Create the role groups and set their permissions; safe to run again."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=str(role.value))
        perms = []
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                perms.append(perm)
        group.permissions.set(perms)
