from django.db import migrations

from contact.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [("contact", "0003_pairing_visits_assistance")]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
