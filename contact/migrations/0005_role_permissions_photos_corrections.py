from django.db import migrations

from contact.roles import sync_role_groups


class Migration(migrations.Migration):
    """Reviewers and supervisors read a visit's photos, corrections and promises in the admin."""

    dependencies = [("contact", "0004_role_permissions_contact")]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
