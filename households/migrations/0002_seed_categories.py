"""The household categories the seeds name, with cadences a county can change in the admin.

五必访 (seed 001): 党员代表, 致富能手, 老干部, 特困户, 信访人 are always visited.
访三老·走三户 (seed 003): 老党员, 老干部, 老模范; 困难户, 富裕户, 上访户.
"""

from django.db import migrations

CATEGORIES = [
    # code, name, cadence days, must visit, in difficulty
    ("tekun", "五保户/特困户", 15, True, True),
    ("petitioner", "信访户", 15, True, False),
    ("dibao", "低保户", 30, False, True),
    ("kunnan", "困难户", 30, False, True),
    ("disabled", "残疾人家庭", 30, False, True),
    ("elderly_alone", "孤寡老人", 30, False, True),
    ("serious_illness", "重病户", 30, False, True),
    ("left_behind", "留守儿童/老人", 45, False, True),
    ("old_cadre", "老干部", 30, True, False),
    ("party_rep", "党员代表", 30, True, False),
    ("wealth_leader", "致富带头人", 30, True, False),
    ("old_party_member", "老党员", 60, False, False),
    ("old_model", "老模范", 60, False, False),
    ("ordinary", "普通户", 180, False, False),
]


def seed(apps, schema_editor):
    HouseholdCategory = apps.get_model("households", "HouseholdCategory")
    for order, (code, name, cadence, must_visit, in_difficulty) in enumerate(CATEGORIES, start=1):
        HouseholdCategory.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "visit_cadence_days": cadence,
                "must_visit": must_visit,
                "in_difficulty": in_difficulty,
                "sort_order": order * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("households", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
