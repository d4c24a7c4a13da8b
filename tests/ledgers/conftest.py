import pytest

from households.models import Household, HouseholdCategory
from tests.factories import build_personas


@pytest.fixture
def personas(db):
    """张丽, 王成龙, 李秀英, 陈建国 and 赵志刚 in 崇州市 (see tests/factories.py)."""
    return build_personas()


@pytest.fixture
def household(personas):
    """向朝清 of 群安村, a 困难户 with a phone, whose demands the tests follow."""
    h = Household.objects.create(
        area=personas.group, head_name="向朝清", house_number="12号", phone="13800001111"
    )
    h.categories.add(HouseholdCategory.objects.get(code="kunnan"))
    return h
