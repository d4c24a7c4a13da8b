"""`load_demo`: the demo county a new user meets on the first `make run`.

The county is built once for this module (inside a transaction rolled back
at the end), since every test only reads it.
"""

import io
import random

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from contact.models import Cadre, Pairing, Visit
from contact.roles import Role
from households.models import Area, Household, HouseholdCategory, Member
from households.validators import validate_id_number, validate_phone

PASSWORD = "Chongzhou2012"

PERSONAS = {
    # user name: (name, role, scope)
    "zhangli": ("张丽", Role.CADRE, "群安村"),
    "zhangdong": ("张冬", Role.CADRE, "金桂村"),
    "wangchenglong": ("王成龙", Role.TOWNSHIP_LEADER, "桤泉镇"),
    "qq_dangzhengban": ("李秀英", Role.REVIEWER, "桤泉镇"),
    "ducha": ("陈建国", Role.SUPERVISOR, "崇州市"),
    "admin_cz": ("周敏", Role.ADMINISTRATOR, "崇州市"),
    "outsider": ("赵志刚", Role.CADRE, "泉水村"),
}


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Area, Household, Member, User, Cadre, Pairing, Visit)
    }


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The output of one `load_demo --password …`; the data stays until the module ends."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        ),
        transaction.atomic(),
    ):
        out = io.StringIO()
        call_command("load_demo", password=PASSWORD, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def test_it_builds_one_real_county_with_townships_villages_and_groups():
    county = Area.objects.get(code="510184")
    assert county.name == "崇州市"
    assert Area.objects.filter(level=Area.Level.TOWNSHIP).count() == 5
    assert Area.objects.get(name="群安村").parent.name == "桤泉镇"
    assert Area.objects.filter(level=Area.Level.GROUP).count() > 100


def test_it_creates_about_two_thousand_households_with_members():
    households = Household.objects.count()
    assert 1900 <= households <= 2100
    assert Household.objects.filter(members__relation=Member.Relation.HEAD).distinct().count() == (
        households
    )
    assert 3 <= Member.objects.count() / households <= 4.5
    assert not Household.objects.filter(area__level__lt=Area.Level.VILLAGE).exists()
    assert not Household.objects.filter(search_initials="").exists()


def test_household_phones_are_valid_mainland_numbers():
    for phone in Household.objects.exclude(phone="").values_list("phone", flat=True)[:500]:
        validate_phone(phone)


def test_id_numbers_are_stored_encrypted_and_decrypt_to_valid_numbers():
    members = list(Member.objects.all())
    assert all(m.id_number_encrypted and m.id_number_hash for m in members)
    assert len({m.id_number_hash for m in members}) == len(members)
    for member in random.Random(7).sample(members, 200):
        number = member.id_number
        assert validate_id_number(number) == number
        assert number.startswith("510184")
        assert number not in member.id_number_encrypted
        assert number[6:14] == f"{member.birth_date:%Y%m%d}"
        assert (int(number[16]) % 2 == 1) == (member.sex == Member.Sex.MALE)


def test_ages_agree_with_relations():
    for household in Household.objects.prefetch_related("members")[:400]:
        members = list(household.members.all())
        head = next(m for m in members if m.relation == Member.Relation.HEAD)
        for m in members:
            if m.relation == Member.Relation.CHILD:
                assert head.birth_date < m.birth_date
            if m.relation == Member.Relation.PARENT:
                assert m.birth_date < head.birth_date
        assert head.age >= 18


def test_categories_come_in_realistic_shares():
    total = Household.objects.count()
    shares = {c.code: c.households.count() / total for c in HouseholdCategory.objects.all()}
    assert shares["ordinary"] > 0.6
    for code, share in shares.items():
        if code != "ordinary":
            assert 0 < share < 0.08, code
    ordinary_and_more = Household.objects.filter(categories__code="ordinary").filter(
        categories__in=HouseholdCategory.objects.exclude(code="ordinary")
    )
    assert not ordinary_and_more.exists()


def test_the_families_of_seed_000_are_there():
    xiang = Household.objects.get(head_name="向朝清")
    assert xiang.area.parent.name == "群安村"
    assert xiang.members.count() == 4
    head = xiang.members.get(relation=Member.Relation.HEAD)
    assert head.age == 73
    assert "务工" in xiang.income_sources
    assert "下岗" in xiang.members.get(relation=Member.Relation.CHILD).employment
    assert "长年有病" in xiang.members.get(relation=Member.Relation.SPOUSE).health

    liu = Household.objects.get(head_name="刘永林")
    assert liu.area.parent.parent.name == "桤泉镇"
    assert liu.housing_area_m2 < 50


def test_cadres_of_every_rank_and_every_role_exist():
    assert set(Cadre.objects.values_list("rank", flat=True)) == set(Cadre.Rank.values)
    for role in Role:
        assert Cadre.objects.filter(user__groups__name=role.value).exists(), role
    assert Cadre.objects.filter(must_change_password=False).count() == 0


def test_the_personas_have_their_names_roles_and_scopes():
    for username, (name, role, scope) in PERSONAS.items():
        cadre = Cadre.objects.select_related("user", "scope_area").get(user__username=username)
        assert (cadre.name, cadre.scope_area.name) == (name, scope), username
        assert cadre.roles == {role.value}, username
        assert cadre.user.check_password(PASSWORD)
    outsider = Cadre.objects.get(user__username="outsider")
    assert outsider.scope_area.parent.name == "羊马街道"


def test_staff_flag_follows_the_roles():
    assert not User.objects.get(username="zhangli").is_staff
    for username in ("wangchenglong", "qq_dangzhengban", "ducha", "admin_cz"):
        assert User.objects.get(username=username).is_staff, username


def test_the_output_lists_the_accounts_and_the_password_once(demo):
    assert demo.count(PASSWORD) == 1
    for username, (name, _role, _scope) in PERSONAS.items():
        line = next(line for line in demo.splitlines() if line.startswith(username + " "))
        assert name in line


def test_running_it_again_changes_nothing():
    before = counts()
    out = io.StringIO()

    call_command("load_demo", password="Another2026pw", stdout=out)

    assert counts() == before
    assert "Another2026pw" not in out.getvalue()
    assert User.objects.get(username="zhangli").check_password(PASSWORD)


def test_if_empty_does_nothing_quietly_when_areas_exist():
    before = counts()
    out = io.StringIO()
    call_command("load_demo", if_empty=True, stdout=out)
    assert out.getvalue() == "" and counts() == before
