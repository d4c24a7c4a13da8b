"""The household list: what a cadre finds by typing on a phone, filtering and paging."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from households.models import HouseholdCategory
from tests.factories import HouseholdFactory, MemberFactory, make_id_number

pytestmark = pytest.mark.django_db

LIST = reverse("households:list")


@pytest.fixture
def households(personas):
    """Four families of 群安村 and one of 金桂村, all in 张丽's township."""
    return {
        "zhangsan": HouseholdFactory(
            area=personas.group,
            head_name="张三",
            house_number="群安村1组8号",
            phone="13908185566",
            categories=["dibao"],
        ),
        "xiang": HouseholdFactory(
            area=personas.village,
            head_name="向朝清",
            house_number="余花龙门子12号",
            phone="028-82281234",
            categories=["kunnan"],
        ),
        "liu": HouseholdFactory(
            area=personas.village, head_name="刘永林", house_number="群安村3组2号", phone=""
        ),
        "wang": HouseholdFactory(
            area=personas.other_village,
            head_name="王秀芬",
            house_number="金桂村5组1号",
            phone="13700001111",
            categories=["dibao"],
        ),
    }


@pytest.fixture
def leader(client, personas):
    client.force_login(personas.leader.user)
    return client


def names(response):
    return {h.head_name for h in response.context["page"].object_list}


def test_it_lists_the_households_of_the_township(leader, households):
    response = leader.get(LIST)
    assert response.status_code == 200
    assert names(response) == {"张三", "向朝清", "刘永林", "王秀芬"}
    assert response.context["total"] == 4
    page = response.content.decode()
    assert "张三" in page and "群安村1组8号" in page


def test_it_asks_anonymous_visitors_to_log_in(client, households):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_finds_a_household_by_name(leader, households):
    assert names(leader.get(LIST, {"q": "向朝"})) == {"向朝清"}


def test_it_finds_a_household_by_a_members_name(leader, households):
    MemberFactory(household=households["liu"], name="刘小梅")
    assert names(leader.get(LIST, {"q": "刘小梅"})) == {"刘永林"}


def test_pinyin_initials_find_the_name(leader, households):
    assert names(leader.get(LIST, {"q": "zs"})) == {"张三"}
    assert names(leader.get(LIST, {"q": "ZS"})) == {"张三"}
    assert names(leader.get(LIST, {"q": "xcq"})) == {"向朝清"}


def test_it_finds_a_household_by_phone(leader, households):
    assert names(leader.get(LIST, {"q": "13908185566"})) == {"张三"}
    assert names(leader.get(LIST, {"q": "82281234"})) == {"向朝清"}


def test_it_finds_a_household_by_house_number(leader, households):
    assert names(leader.get(LIST, {"q": "余花龙门子12"})) == {"向朝清"}


def test_a_full_id_number_finds_its_household_exactly(leader, households):
    number = make_id_number(sequence=777)
    MemberFactory(household=households["liu"], id_number=number)
    MemberFactory(household=households["wang"], id_number=make_id_number(sequence=778))
    assert names(leader.post(LIST, {"id_number": number})) == {"刘永林"}
    assert names(leader.post(LIST, {"id_number": number.lower()})) == {"刘永林"}


def test_an_id_number_in_the_search_box_is_not_looked_up(leader, households):
    # Full numbers go by POST only, so that they never sit in a URL or an access log.
    number = make_id_number(sequence=777)
    MemberFactory(household=households["liu"], id_number=number)
    assert names(leader.get(LIST, {"q": number})) == set()


def test_the_search_box_does_not_ask_for_an_id_number(leader, households):
    # What is typed there travels in the URL (and htmx pushes it into the history):
    # its hint must send an ID number to the POSTed look-up below it instead.
    page = leader.get(LIST).content.decode()
    search_box = next(line for line in page.splitlines() if 'name="q"' in line)
    assert "placeholder=" in search_box and "身份证" not in search_box


def test_part_of_an_id_number_finds_nothing(leader, households):
    number = make_id_number(sequence=777)
    MemberFactory(household=households["liu"], id_number=number)
    assert names(leader.get(LIST, {"q": number[:10]})) == set()
    response = leader.post(LIST, {"id_number": number[:10]})
    assert response.status_code == 400 and names(response) == set()


def test_it_filters_by_village(leader, personas, households):
    assert names(leader.get(LIST, {"area": personas.other_village.pk})) == {"王秀芬"}
    assert names(leader.get(LIST, {"area": personas.village.pk})) == {"张三", "向朝清", "刘永林"}


def test_it_filters_by_category(leader, households):
    dibao = HouseholdCategory.objects.get(code="dibao")
    assert names(leader.get(LIST, {"category": dibao.pk})) == {"张三", "王秀芬"}


def test_search_and_filters_combine(leader, personas, households):
    dibao = HouseholdCategory.objects.get(code="dibao")
    response = leader.get(LIST, {"category": dibao.pk, "area": personas.village.pk, "q": "张"})
    assert names(response) == {"张三"}


def test_it_sorts_by_name(leader, households):
    response = leader.get(LIST, {"sort": "name"})
    assert [h.head_name for h in response.context["page"].object_list] == [
        "刘永林",
        "王秀芬",
        "向朝清",
        "张三",
    ]


def test_it_pages_twenty_at_a_time(leader, personas):
    HouseholdFactory.create_batch(25, area=personas.village)
    first = leader.get(LIST)
    second = leader.get(LIST, {"page": 2})
    assert len(first.context["page"].object_list) == 20
    assert len(second.context["page"].object_list) == 5
    # By id: two of 25 random names can be the same.
    ids = [{h.pk for h in r.context["page"].object_list} for r in (first, second)]
    assert ids[0].isdisjoint(ids[1])
    assert first.content.decode().count('household-row"') == 20
    assert "page=2" in first.content.decode()


def test_paging_keeps_the_search(leader, personas):
    HouseholdFactory.create_batch(25, area=personas.village, head_name="李明")
    page = leader.get(LIST, {"q": "李明"}).content.decode()
    assert "q=%E6%9D%8E%E6%98%8E&page=2" in page


def test_htmx_gets_only_the_rows(leader, households):
    response = leader.get(LIST, {"q": "zs"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "张三" in page
    assert "<html" not in page


def test_no_match_says_what_to_try(leader, households):
    response = leader.get(LIST, {"q": "不存在的人"})
    with translation.override("zh-hans"):
        hint = gettext(
            "No household matches. Try a shorter name, the pinyin initials, or clear the filters."
        )
    assert names(response) == set()
    assert hint in response.content.decode()


def test_a_cadre_lists_only_their_village(client, personas, households):
    client.force_login(personas.cadre.user)
    assert names(client.get(LIST)) == {"张三", "向朝清", "刘永林"}
    assert names(client.get(LIST, {"q": "王秀芬"})) == set()


def test_adding_a_member_needs_the_add_permission(client, personas, households):
    from django.contrib.auth.models import Permission

    user = personas.leader.user
    user.groups.clear()
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_household", "change_member"])
    )
    client.force_login(user)
    household = households["liu"]
    url = reverse("households:member_create", args=[household.pk])
    assert client.get(url).status_code == 403
