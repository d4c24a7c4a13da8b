import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from households.models import Area
from tests.factories import AreaFactory, GroupFactory, TownshipFactory, VillageFactory

pytestmark = pytest.mark.django_db


def errors_of(area):
    with pytest.raises(ValidationError) as info:
        area.full_clean()
    return info.value.message_dict


@pytest.fixture
def township():
    county = AreaFactory(code="510184", name="崇州市")
    return TownshipFactory(code="510184104", name="桤泉镇", parent=county)


def test_the_factories_build_a_valid_tree():
    group = GroupFactory()
    for area in [group, group.parent, group.parent.parent, group.parent.parent.parent]:
        area.full_clean()
    assert [len(a.code) for a in group.ancestors()] == [6, 9, 12]
    assert group.code.startswith(group.parent.code)


@pytest.mark.parametrize(
    ("level", "code"),
    [
        (Area.Level.COUNTY, "51018"),
        (Area.Level.COUNTY, "510184104"),
    ],
)
def test_a_county_code_has_six_digits(level, code):
    assert "code" in errors_of(Area(code=code, name="崇州市", level=level))


def test_a_township_code_has_nine_digits(township):
    area = Area(
        code="510184104201", name="桤泉镇", level=Area.Level.TOWNSHIP, parent=township.parent
    )
    assert "code" in errors_of(area)


def test_a_village_code_has_twelve_digits(township):
    area = Area(code="510184104201001", name="群安村", level=Area.Level.VILLAGE, parent=township)
    assert "code" in errors_of(area)


def test_a_group_code_has_fifteen_digits(township):
    village = VillageFactory(code="510184104201", parent=township)
    area = Area(code="510184104201", name="1组", level=Area.Level.GROUP, parent=village)
    assert "code" in errors_of(area)


def test_a_code_is_made_of_digits(township):
    area = Area(code="51018410420A", name="群安村", level=Area.Level.VILLAGE, parent=township)
    assert "code" in errors_of(area)


def test_a_child_code_must_start_with_its_parents(township):
    area = Area(code="510184105201", name="群安村", level=Area.Level.VILLAGE, parent=township)
    errors = errors_of(area)
    assert "510184104" in errors["code"][0]


def test_a_child_code_may_not_end_in_000(township):
    area = Area(code="510184104000", name="群安村", level=Area.Level.VILLAGE, parent=township)
    assert "code" in errors_of(area)


def test_a_valid_village_passes(township):
    Area(code="510184104201", name="群安村", level=Area.Level.VILLAGE, parent=township).full_clean()


def test_the_parent_must_be_one_level_up(township):
    area = Area(code="510184104201001", name="1组", level=Area.Level.GROUP, parent=township)
    assert "parent" in errors_of(area)


def test_only_a_county_has_no_parent():
    assert "parent" in errors_of(Area(code="510184104", name="桤泉镇", level=Area.Level.TOWNSHIP))


def test_the_database_refuses_a_township_without_parent():
    with pytest.raises(IntegrityError), transaction.atomic():
        Area.objects.create(code="510184104", name="桤泉镇", level=Area.Level.TOWNSHIP)


def test_full_name_and_national_code(township):
    village = VillageFactory(code="510184104201", name="群安村", parent=township)
    assert village.full_name == "桤泉镇群安村"
    assert township.national_code == "510184104000"


def test_within_is_the_area_and_everything_below(township):
    village = VillageFactory(parent=township)
    group = GroupFactory(parent=village)
    elsewhere = VillageFactory()
    assert set(Area.objects.within(township)) == {township, village, group}
    assert elsewhere not in Area.objects.within(township)
