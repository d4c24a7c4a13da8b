from django.db import migrations

from contact.roles import sync_role_groups


class Migration(migrations.Migration):
    """Every role reads the ledgers; cadres record, leaders assign and close, the office reviews."""

    dependencies = [
        ("ledgers", "0001_initial"),
        ("contact", "0005_role_permissions_photos_corrections"),
    ]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
