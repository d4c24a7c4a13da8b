"""Test data: factory_boy factories, valid ID numbers, and the personas of STYLE.md.

The personas live in 崇州市 (510184), the county of seed 000: 张丽, a cadre of
桤泉镇 who answers for 群安村; 王成龙, the township's party secretary; 李秀英
of the township's party office (党政办), who reviews and may see full ID
numbers; 陈建国 of the county's inspection group (督查组); and 赵志刚, a cadre
of another township (白头镇) who must see nothing of 桤泉镇.
"""

from dataclasses import dataclass
from datetime import date

import factory
from django.contrib.auth.models import Group, User
from factory.django import DjangoModelFactory

from contact.models import Cadre
from contact.roles import STAFF_ROLES, Role
from households.models import Area, Household, HouseholdCategory, Member

PASSWORD = "Qingquan2024"

# GB 11643 / ISO 7064 MOD 11-2: weight of position i is 2^(17-i) mod 11.
_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
_CHECK_CHARS = "10X98765432"


def id_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def make_id_number(
    region: str = "510184", birth: date | str = date(1985, 6, 1), sequence: int = 123
) -> str:
    """An 18-character number that passes GB 11643; `birth` may be an impossible 'YYYYMMDD'."""
    birth_digits = birth if isinstance(birth, str) else birth.strftime("%Y%m%d")
    first17 = f"{region}{birth_digits}{sequence % 1000:03d}"
    return first17 + id_check_digit(first17)


def wrong_check_digit(number: str) -> str:
    right = number[-1]
    return number[:-1] + next(c for c in "0123456789X" if c != right)


class AreaFactory(DjangoModelFactory):
    """A county; the subclasses below hang townships, villages and groups under a parent."""

    class Meta:
        model = Area

    level = Area.Level.COUNTY
    parent = None
    # Six digits, starting as Sichuan's do; unique enough for one test.
    code = factory.Sequence(lambda n: f"51{9000 + n % 1000:04d}")
    name = factory.Sequence(lambda n: f"测试县{n}")


def _child_code(area, n):
    # Three digits of its own from 500 up: never 000 (the parent itself), and
    # clear of the low numbers the personas' real-looking codes use.
    return f"{area.parent.code}{500 + n % 499:03d}"


class TownshipFactory(AreaFactory):
    level = Area.Level.TOWNSHIP
    parent = factory.SubFactory(AreaFactory)
    code = factory.LazyAttributeSequence(_child_code)
    name = factory.Sequence(lambda n: f"测试镇{n}")


class VillageFactory(AreaFactory):
    level = Area.Level.VILLAGE
    parent = factory.SubFactory(TownshipFactory)
    code = factory.LazyAttributeSequence(_child_code)
    name = factory.Sequence(lambda n: f"测试村{n}")


class GroupFactory(AreaFactory):
    level = Area.Level.GROUP
    parent = factory.SubFactory(VillageFactory)
    code = factory.LazyAttributeSequence(_child_code)
    name = factory.Sequence(lambda n: f"{n % 20 + 1}组")


class HouseholdFactory(DjangoModelFactory):
    class Meta:
        model = Household
        skip_postgeneration_save = True

    area = factory.SubFactory(VillageFactory)
    house_number = factory.Sequence(lambda n: f"{n % 900 + 1}号")
    head_name = factory.Faker("name", locale="zh_CN")
    phone = factory.Sequence(lambda n: f"138{n % 10**8:08d}")
    housing = Household.Housing.BRICK_CONCRETE

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        """categories=["dibao", ...]: codes of the seeded categories."""
        if create and extracted:
            self.categories.add(*HouseholdCategory.objects.filter(code__in=extracted))


class MemberFactory(DjangoModelFactory):
    """A member with a valid ID number; birth date and sex follow from it."""

    class Meta:
        model = Member

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Faker("name", locale="zh_CN")
    relation = Member.Relation.CHILD
    id_number = factory.Sequence(
        lambda n: make_id_number(birth=date(1950 + n % 60, n % 12 + 1, n % 28 + 1), sequence=n)
    )


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)
    is_staff = False


class CadreFactory(DjangoModelFactory):
    """A cadre who has already chosen a password; pass must_change_password=True for a new account.

    roles=[Role.REVIEWER, ...] puts the user in those role groups (created by
    a migration) and, for the roles that work in the admin, makes them staff.
    """

    class Meta:
        model = Cadre
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    name = factory.Faker("name", locale="zh_CN")
    unit = "桤泉镇人民政府"
    rank = Cadre.Rank.TOWNSHIP
    phone = factory.Sequence(lambda n: f"139{n % 10**8:08d}")
    scope_area = factory.SubFactory(VillageFactory)
    must_change_password = False

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create:
            return
        roles = [Role(r) for r in (extracted or [Role.CADRE])]
        self.user.groups.add(*Group.objects.filter(name__in=[r.value for r in roles]))
        if any(r in STAFF_ROLES for r in roles) and not self.user.is_staff:
            self.user.is_staff = True
            self.user.save(update_fields=["is_staff"])


@dataclass
class Personas:
    county: Area  # 崇州市
    township: Area  # 桤泉镇
    village: Area  # 群安村, 张丽's village
    group: Area  # 群安村 1组
    other_village: Area  # 金桂村, also in 桤泉镇
    other_township: Area  # 白头镇
    outsider_village: Area  # 五星村, in 白头镇
    cadre: Cadre  # 张丽: 桤泉镇 cadre, scope 群安村
    leader: Cadre  # 王成龙: 桤泉镇 party secretary
    reviewer: Cadre  # 李秀英: 桤泉镇 党政办
    supervisor: Cadre  # 陈建国: 崇州市 督查组
    outsider: Cadre  # 赵志刚: 白头镇 cadre


def build_personas() -> Personas:
    county = AreaFactory(code="510184", name="崇州市")
    township = TownshipFactory(code="510184104", name="桤泉镇", parent=county)
    village = VillageFactory(code="510184104201", name="群安村", parent=township)
    group = GroupFactory(code="510184104201001", name="1组", parent=village)
    other_village = VillageFactory(code="510184104202", name="金桂村", parent=township)
    other_township = TownshipFactory(code="510184106", name="白头镇", parent=county)
    outsider_village = VillageFactory(code="510184106201", name="五星村", parent=other_township)
    return Personas(
        county=county,
        township=township,
        village=village,
        group=group,
        other_village=other_village,
        other_township=other_township,
        outsider_village=outsider_village,
        cadre=CadreFactory(
            user__username="zhangli",
            name="张丽",
            phone="13908180001",
            scope_area=village,
            roles=[Role.CADRE],
        ),
        leader=CadreFactory(
            user__username="wangchenglong",
            name="王成龙",
            post="党委书记",
            rank=Cadre.Rank.TOWNSHIP_LEADER,
            phone="13908180002",
            scope_area=township,
            roles=[Role.TOWNSHIP_LEADER],
        ),
        reviewer=CadreFactory(
            user__username="lixiuying",
            name="李秀英",
            unit="桤泉镇党政办",
            phone="13908180003",
            scope_area=township,
            roles=[Role.REVIEWER],
        ),
        supervisor=CadreFactory(
            user__username="chenjianguo",
            name="陈建国",
            unit="崇州市委督查室",
            rank=Cadre.Rank.DEPARTMENT,
            phone="13908180004",
            scope_area=county,
            roles=[Role.SUPERVISOR],
        ),
        outsider=CadreFactory(
            user__username="zhaozhigang",
            name="赵志刚",
            unit="白头镇人民政府",
            phone="13908180005",
            scope_area=other_township,
            roles=[Role.CADRE],
        ),
    )
