"""Scope: a township's people see nothing of another township's households, by any URL.

王成龙 and 李秀英 work in 桤泉镇 and may edit households and members there;
赵德明's family lives in 五星村 of 白头镇. Every page that could show, export
or change 赵德明's household must behave as if it did not exist.
"""

import io
from datetime import date

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from openpyxl import load_workbook

from contact.models import Pairing
from contact.roles import Role
from households.models import Household, Member
from tests.factories import CadreFactory, HouseholdFactory, MemberFactory, make_id_number

pytestmark = pytest.mark.django_db

AWAY_ID = make_id_number(region="510184", birth=date(1962, 9, 14), sequence=351)


@pytest.fixture
def home(personas):
    household = HouseholdFactory(
        area=personas.group, head_name="向朝清", house_number="余花龙门子12号", phone="13908185566"
    )
    MemberFactory(household=household, name="向朝清", relation="head")
    return household


@pytest.fixture
def away(personas):
    household = HouseholdFactory(
        area=personas.outsider_village,
        head_name="赵德明",
        house_number="五星村2组9号",
        phone="13811112222",
        notes="儿子在外务工",
    )
    MemberFactory(household=household, name="赵德明", relation="head", id_number=AWAY_ID)
    return household


@pytest.fixture
def leader(client, personas):
    client.force_login(personas.leader.user)
    return client


def away_member(away):
    return away.members.get()


def household_urls(household):
    """Every page that takes a household (or one of its members) by id."""
    member = household.members.first()
    return [
        reverse("households:detail", args=[household.pk]),
        reverse("households:edit", args=[household.pk]),
        reverse("households:member_create", args=[household.pk]),
        reverse("households:member_edit", args=[household.pk, member.pk]),
        reverse("contact:household_timeline", args=[household.pk]),
        reverse("contact:household_reassign", args=[household.pk]),
        reverse("contact:visit_create") + f"?household={household.pk}",
        reverse("admin:households_household_change", args=[household.pk]),
        reverse("admin:households_household_history", args=[household.pk]),
        reverse("admin:households_member_change", args=[member.pk]),
        reverse("admin:households_member_history", args=[member.pk]),
    ]


def assert_not_shown(response, household):
    """A 404, or the admin's redirect to its index (Django 5.2's answer for a missing object)."""
    if response.status_code == 302:
        assert response.url == reverse("admin:index")
    else:
        assert response.status_code == 404
    page = response.content.decode()
    assert household.head_name not in page
    assert household.phone not in page


def test_the_township_leader_opens_every_page_of_their_own_households(leader, home):
    for url in household_urls(home):
        assert leader.get(url).status_code == 200, url


def test_the_township_leader_gets_nothing_of_another_townships_household(leader, away):
    for url in household_urls(away):
        assert_not_shown(leader.get(url), away)


def test_following_the_admin_redirect_shows_nothing_of_it(leader, away):
    url = reverse("admin:households_household_change", args=[away.pk])
    page = leader.get(url, follow=True).content.decode()
    assert "赵德明" not in page and "13811112222" not in page


def test_the_reviewer_gets_nothing_of_another_townships_household(client, personas, away):
    client.force_login(personas.reviewer.user)
    for url in household_urls(away):
        response = client.get(url)
        # The reviewer may not pair or log visits at all: a 403 there says nothing of 赵德明.
        if url.startswith(("/contact/households/", "/contact/visits/")) and (
            response.status_code == 403
        ):
            continue
        assert_not_shown(response, away)


def test_posting_an_edit_changes_nothing(leader, personas, away):
    before = Household.objects.filter(pk=away.pk).values().get()
    response = leader.post(
        reverse("households:edit", args=[away.pk]),
        {"area": personas.village.pk, "head_name": "改名", "phone": "13900000000"},
    )
    assert response.status_code == 404
    assert Household.objects.filter(pk=away.pk).values().get() == before


def test_posting_a_member_changes_and_adds_nothing(leader, away):
    member = away_member(away)
    edit = leader.post(
        reverse("households:member_edit", args=[away.pk, member.pk]),
        {"name": "改名", "relation": "head", "id_number": make_id_number(sequence=1)},
    )
    create = leader.post(
        reverse("households:member_create", args=[away.pk]),
        {"name": "新成员", "relation": "child"},
    )
    assert edit.status_code == create.status_code == 404
    member.refresh_from_db()
    assert member.name == "赵德明" and member.id_number == AWAY_ID
    assert away.members.count() == 1


def test_a_member_id_from_another_household_is_refused_under_ones_own(leader, home, away):
    # The household is in scope, the member is not: the pair must still be a 404.
    url = reverse("households:member_edit", args=[home.pk, away_member(away).pk])
    assert leader.get(url).status_code == 404
    assert leader.post(url, {"name": "改名", "relation": "head"}).status_code == 404
    assert away_member(away).name == "赵德明"


def test_posting_through_the_admin_changes_nothing(leader, personas, away):
    before = Household.objects.filter(pk=away.pk).values().get()
    response = leader.post(
        reverse("admin:households_household_change", args=[away.pk]),
        {"area": personas.village.pk, "head_name": "改名", "members-TOTAL_FORMS": "0"},
    )
    assert_not_shown(response, away)
    member = away_member(away)
    leader.post(
        reverse("admin:households_member_change", args=[member.pk]),
        {"household": away.pk, "name": "改名", "relation": "head"},
    )
    assert Household.objects.filter(pk=away.pk).values().get() == before
    assert away_member(away).name == "赵德明"


def test_a_township_administrator_cannot_delete_it(client, personas, away):
    admin = CadreFactory(scope_area=personas.township, roles=[Role.ADMINISTRATOR])
    client.force_login(admin.user)
    own = HouseholdFactory(area=personas.village)
    assert (
        client.get(reverse("admin:households_household_delete", args=[own.pk])).status_code == 200
    )
    url = reverse("admin:households_household_delete", args=[away.pk])
    assert_not_shown(client.get(url), away)
    assert_not_shown(client.post(url, {"post": "yes"}), away)
    member_url = reverse("admin:households_member_delete", args=[away_member(away).pk])
    client.post(member_url, {"post": "yes"})
    assert Household.objects.filter(pk=away.pk).exists()
    assert away.members.count() == 1


def test_reassigning_it_pairs_nobody(leader, personas, away):
    response = leader.post(
        reverse("contact:household_reassign", args=[away.pk]),
        {"cadre": personas.cadre.pk, "start_date": "2026-11-01"},
    )
    assert response.status_code == 404
    assert not Pairing.objects.filter(household=away).exists()


def test_an_edit_cannot_move_a_household_into_another_township(leader, personas, home):
    response = leader.post(
        reverse("households:edit", args=[home.pk]),
        {"area": personas.outsider_village.pk, "head_name": "向朝清"},
    )
    assert response.status_code == 200
    assert "area" in response.context["form"].errors
    home.refresh_from_db()
    assert home.area == personas.group


def test_a_new_household_cannot_be_placed_in_another_township(leader, personas):
    response = leader.post(
        reverse("households:create"), {"area": personas.outsider_village.pk, "head_name": "新户"}
    )
    assert response.status_code == 200
    assert not Household.objects.filter(head_name="新户").exists()


@pytest.mark.parametrize(
    "query",
    [{}, {"q": "赵德明"}, {"q": "zdm"}, {"q": "13811112222"}, {"q": "五星村"}, {"q": AWAY_ID}],
)
def test_the_list_and_its_search_do_not_contain_it(leader, home, away, query):
    response = leader.get(reverse("households:list"), query)
    assert away not in response.context["page"].object_list
    # The search box echoes what was typed; no row of 赵德明's may follow it.
    assert away.get_absolute_url() not in response.content.decode()


def test_the_id_number_lookup_does_not_find_it(leader, home, away):
    response = leader.post(reverse("households:list"), {"id_number": AWAY_ID})
    assert response.status_code == 200
    assert away not in response.context["page"].object_list


def test_the_list_offers_no_area_of_another_township(leader, personas, away):
    response = leader.get(reverse("households:list"), {"area": personas.outsider_village.pk})
    assert "白头镇" not in response.content.decode() and "五星村" not in response.content.decode()
    assert away not in response.context["page"].object_list


def rows_of(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(body)).active
    return [[str(c.value) for c in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("what", ["households", "members"])
def test_the_export_does_not_contain_it(client, personas, home, away, what):
    # The reviewer would see a full ID number if the row slipped through.
    client.force_login(personas.reviewer.user)
    response = client.get(reverse("households:export"), {"what": what})
    text = "\n".join(",".join(row) for row in rows_of(response))
    assert "向朝清" in text
    assert "赵德明" not in text and "13811112222" not in text and AWAY_ID not in text


def test_the_admin_changelists_do_not_contain_it(leader, home, away):
    households = leader.get(reverse("admin:households_household_changelist")).content.decode()
    members = leader.get(reverse("admin:households_member_changelist")).content.decode()
    areas = leader.get(reverse("admin:households_area_changelist")).content.decode()
    assert "向朝清" in households and "向朝清" in members
    assert "赵德明" not in households and "赵德明" not in members
    assert "桤泉镇" in areas and "白头镇" not in areas and "五星村" not in areas


def test_the_admin_search_does_not_find_it(client, personas, away):
    client.force_login(personas.reviewer.user)
    for url, term in [
        (reverse("admin:households_household_changelist"), "赵德明"),
        (reverse("admin:households_member_changelist"), "赵德明"),
        (reverse("admin:households_member_changelist"), AWAY_ID),
    ]:
        response = client.get(url, {"q": term})
        assert response.status_code == 200
        assert response.context["cl"].result_count == 0, (url, term)


def test_admin_autocomplete_offers_nothing_of_another_township(leader, away):
    url = reverse("admin:autocomplete")
    areas = leader.get(
        url, {"app_label": "households", "model_name": "household", "field_name": "area"}
    ).json()
    members = leader.get(
        url,
        {
            "app_label": "households",
            "model_name": "member",
            "field_name": "household",
            "term": "赵",
        },
    ).json()
    assert "五星村" not in {r["text"] for r in areas["results"]}
    assert members["results"] == []


def test_the_admin_export_does_not_contain_it(leader, home, away):
    response = leader.post(
        reverse("admin:households_household_export"),
        {
            "format": "0",  # CSV, the first of import-export's formats
            "resource": "0",
            "householdresource_head_name": "on",
            "householdresource_phone": "on",
        },
    )
    text = response.content.decode("utf-8-sig")
    assert response.status_code == 200
    assert "向朝清" in text
    assert "赵德明" not in text and "13811112222" not in text


def test_the_admin_export_of_chosen_rows_ignores_an_id_out_of_scope(leader, home, away):
    response = leader.post(
        reverse("admin:households_household_export"),
        {
            "format": "0",
            "resource": "0",
            "householdresource_head_name": "on",
            "export_items": [home.pk, away.pk],
        },
    )
    assert "赵德明" not in response.content.decode("utf-8-sig")


def test_a_village_cadre_sees_only_their_village(client, personas, home):
    same_township = HouseholdFactory(area=personas.other_village, head_name="王秀芬")
    client.force_login(personas.cadre.user)
    listed = client.get(reverse("households:list")).context["page"].object_list
    assert list(listed) == [home]
    assert client.get(home.get_absolute_url()).status_code == 200
    assert client.get(same_township.get_absolute_url()).status_code == 404


def test_a_cadre_also_sees_the_households_paired_with_them(client, personas):
    paired = HouseholdFactory(area=personas.other_village, head_name="王秀芬")
    Pairing.objects.create(
        kind=Pairing.Kind.HOUSEHOLD,
        cadre=personas.cadre,
        household=paired,
        start_date=date(2020, 1, 1),
    )
    client.force_login(personas.cadre.user)
    assert client.get(paired.get_absolute_url()).status_code == 200


def test_an_ended_pairing_no_longer_opens_the_household(client, personas):
    paired = HouseholdFactory(area=personas.other_village, head_name="王秀芬")
    Pairing.objects.create(
        kind=Pairing.Kind.HOUSEHOLD,
        cadre=personas.cadre,
        household=paired,
        start_date=date(2020, 1, 1),
        end_date=date(2021, 1, 1),
    )
    client.force_login(personas.cadre.user)
    assert client.get(paired.get_absolute_url()).status_code == 404


def test_the_outsider_sees_only_their_own_township(client, personas, home, away):
    client.force_login(personas.outsider.user)
    listed = client.get(reverse("households:list")).context["page"].object_list
    assert list(listed) == [away]
    assert client.get(home.get_absolute_url()).status_code == 404


def test_the_supervisor_sees_the_whole_county(client, personas, home, away):
    client.force_login(personas.supervisor.user)
    listed = client.get(reverse("households:list")).context["page"].object_list
    assert set(listed) == {home, away}
    assert client.get(away.get_absolute_url()).status_code == 200
    households = client.get(reverse("admin:households_household_changelist")).content.decode()
    assert "向朝清" in households and "赵德明" in households


def test_the_supervisor_reads_but_does_not_edit(client, personas, away):
    client.force_login(personas.supervisor.user)
    assert client.get(reverse("households:edit", args=[away.pk])).status_code == 403
    response = client.post(
        reverse("admin:households_household_change", args=[away.pk]),
        {"area": away.area_id, "head_name": "改名", "members-TOTAL_FORMS": "0"},
    )
    assert response.status_code == 403
    away.refresh_from_db()
    assert away.head_name == "赵德明"


def test_the_supervisor_cannot_import_households(client, personas):
    client.force_login(personas.supervisor.user)
    assert client.get(reverse("admin:households_household_import")).status_code == 403


def test_the_supervisor_sees_nothing_of_another_county(client, personas):
    elsewhere = HouseholdFactory(head_name="外县户")
    client.force_login(personas.supervisor.user)
    assert client.get(elsewhere.get_absolute_url()).status_code == 404


def test_a_user_without_a_cadre_profile_sees_nothing(client, home):
    user = User.objects.create_user("nobody", password="Pass1234word")
    client.force_login(user)
    assert client.get(home.get_absolute_url()).status_code == 404
    assert list(client.get(reverse("households:list")).context["page"].object_list) == []


def test_visible_to_is_the_one_rule_for_members_too(personas, home, away):
    assert set(Member.objects.visible_to(personas.leader.user)) == set(home.members.all())
    assert set(Household.objects.visible_to(personas.outsider.user)) == {away}
