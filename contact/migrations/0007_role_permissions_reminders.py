from django.db import migrations

from contact.roles import sync_role_groups


class Migration(migrations.Migration):
    """Leaders, reviewers and supervisors read due items; administrators set reminders and see failures."""

    dependencies = [("contact", "0006_reminders")]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
