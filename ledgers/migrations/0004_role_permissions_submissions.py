from django.db import migrations

from contact.roles import sync_role_groups


class Migration(migrations.Migration):
    """Every role reads the monthly submissions (报送) in the admin."""

    dependencies = [
        ("ledgers", "0003_ledger_submission"),
        ("contact", "0007_role_permissions_reminders"),
    ]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
