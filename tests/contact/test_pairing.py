import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contact.models import Pairing, PromisedHelp, Visit
from contact.services import cadre_handover, pairing_assign_households
from households.models import Household, HouseholdCategory
from tests.contact.test_visit_logging import visit_post
from tests.contact.visit_data import build_place, make_cadre

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    return build_place()


def test_a_leader_pairs_households_in_bulk_by_category(client, place):
    dibao = HouseholdCategory.objects.get(code="dibao")
    place.neighbour.categories.add(dibao)
    client.force_login(place.leader.user)
    query = {
        "cadre": place.leader.pk,
        "area": place.village.pk,
        "category": dibao.pk,
        "start_date": "2026-11-01",
    }
    listing = client.get(reverse("contact:pairing_bulk"), query).content.decode()
    assert "刘永林" in listing and "向朝清" not in listing
    response = client.post(
        reverse("contact:pairing_bulk"),
        {
            **query,
            "households": [place.neighbour.pk],
            "promises": "协助申请低保复核\n春节慰问",
            "confirm": "1",
        },
    )
    assert response.status_code == 302
    pairing = Pairing.objects.get(household=place.neighbour)
    assert pairing.cadre == place.leader
    assert [p.description for p in pairing.promises.all()] == ["协助申请低保复核", "春节慰问"]
    assert pairing.next_visit_due is not None


def test_bulk_pairing_ignores_households_outside_scope(client, place):
    client.force_login(place.leader.user)
    client.post(
        reverse("contact:pairing_bulk"),
        {
            "cadre": place.leader.pk,
            "start_date": "2026-11-01",
            "households": [place.outsider_household.pk],
            "confirm": "1",
        },
    )
    assert not Pairing.objects.filter(household=place.outsider_household).exists()


def test_a_mangled_household_id_in_bulk_pairing_is_ignored_not_a_500(client, place):
    client.force_login(place.leader.user)
    response = client.post(
        reverse("contact:pairing_bulk"),
        {
            "cadre": place.leader.pk,
            "start_date": "2026-11-01",
            "households": [place.neighbour.pk, "3x"],
            "confirm": "1",
        },
    )
    assert response.status_code == 302
    assert Pairing.objects.get(household=place.neighbour).cadre == place.leader


def test_a_cadre_may_not_pair(client, place):
    client.force_login(place.cadre.user)
    assert client.get(reverse("contact:pairing_bulk")).status_code == 403


def test_reassigning_ends_the_old_pairing_and_visits_stay_with_their_author(client, place):
    client.force_login(place.cadre.user)
    client.post(reverse("contact:visit_create"), visit_post(place))
    successor = make_cadre("zhangdong", "张冬", place.village)
    client.force_login(place.leader.user)
    today = timezone.localdate()
    response = client.post(
        reverse("contact:household_reassign", args=[place.household.pk]),
        {"cadre": successor.pk, "start_date": today.isoformat()},
    )
    assert response.status_code == 302
    old, new = Pairing.objects.filter(household=place.household).order_by("pk")
    assert old.cadre == place.cadre and old.end_date == today
    assert new.cadre == successor and new.end_date is None
    assert Visit.objects.get().cadre == place.cadre
    # The new pairing is due from the household's last visit, not from scratch.
    assert new.next_visit_due == old.next_visit_due


def test_one_open_pairing_per_household_is_enforced_by_the_database(place):
    with pytest.raises(IntegrityError), transaction.atomic():
        Pairing.objects.create(kind="household", cadre=place.leader, household=place.household)


def test_handover_moves_every_pairing_and_the_sheet_lists_what_is_open(client, place):
    pairing_assign_households(
        cadre=place.cadre, households=[place.neighbour], promises=["修缮房屋", "配置家具"]
    )
    PromisedHelp.objects.filter(description="修缮房屋").update(delivered_on=timezone.localdate())
    client.force_login(place.cadre.user)
    client.post(
        reverse("contact:visit_create"), visit_post(place, situation="房屋漏雨，需要修缮。")
    )
    successor = make_cadre("zhangdong", "张冬", place.village)
    client.force_login(place.leader.user)
    response = client.post(
        reverse("contact:handover"),
        {
            "from_cadre": place.cadre.pk,
            "to_cadre": successor.pk,
            "on": timezone.localdate().isoformat(),
        },
    )
    assert response.url == reverse("contact:handover_sheet", args=[successor.pk])
    assert not Pairing.objects.active().filter(cadre=place.cadre).exists()
    moved = Pairing.objects.active().filter(cadre=successor)
    assert {p.household for p in moved} == {place.household, place.neighbour}
    neighbour_pairing = moved.get(household=place.neighbour)
    assert [p.description for p in neighbour_pairing.promises.all()] == ["配置家具"]
    sheet = client.get(response.url).content.decode()
    assert "向朝清" in sheet and "刘永林" in sheet
    assert "房屋漏雨" in sheet
    assert "配置家具" in sheet and "修缮房屋" not in sheet


def test_the_transferred_cadre_still_reads_their_visits_but_not_the_household(client, place):
    client.force_login(place.cadre.user)
    client.post(reverse("contact:visit_create"), visit_post(place))
    visit = Visit.objects.get()
    # Transferred to another township: the scope area moves too.
    place.cadre.scope_area = place.other_village
    place.cadre.save()
    successor = make_cadre("zhangdong", "张冬", place.village)
    cadre_handover(from_cadre=place.cadre, to_cadre=successor)
    client.force_login(place.cadre.user)
    assert client.get(visit.get_absolute_url()).status_code == 200
    assert client.get(place.household.get_absolute_url()).status_code == 404
    # Read-only: the edit window does not reopen for a household no longer theirs.
    client.post(reverse("contact:visit_create"), visit_post(place, key=uuid.uuid4()))
    assert Visit.objects.count() == 1


def test_a_cadre_sees_paired_households_outside_their_village(client, place):
    far = Household.objects.create(area=place.other_village, head_name="赵远", house_number="1号")
    pairing_assign_households(cadre=place.cadre, households=[far])
    client.force_login(place.cadre.user)
    assert client.get(far.get_absolute_url()).status_code == 200
    assert client.get(place.outsider_household.get_absolute_url()).status_code == 404


def test_a_leader_hands_over_only_the_pairings_in_their_township(client, place):
    # 张丽 also answers for a family of 羊马街道: that township's pairing is not 王成龙's to move.
    far = Household.objects.create(area=place.other_village, head_name="赵远", house_number="1号")
    pairing_assign_households(cadre=place.cadre, households=[far])
    successor = make_cadre("zhangdong", "张冬", place.village)
    client.force_login(place.leader.user)
    response = client.post(
        reverse("contact:handover"),
        {
            "from_cadre": place.cadre.pk,
            "to_cadre": successor.pk,
            "on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    assert Pairing.objects.active().get(household=place.household).cadre == successor
    far_pairing = Pairing.objects.get(household=far)
    assert far_pairing.cadre == place.cadre and far_pairing.end_date is None


def test_the_handover_sheet_costs_the_same_queries_for_2_or_6_households(client, place):
    def add_visited(n):
        for i in range(n):
            household = Household.objects.create(
                area=place.village, head_name=f"住户{i}", house_number=f"{40 + i}号"
            )
            pairing_assign_households(cadre=place.cadre, households=[household])
            Visit.objects.create(
                cadre=place.cadre,
                household=household,
                area=place.village,
                situation="一切正常。",
                idempotency_key=uuid.uuid4(),
            )

    client.force_login(place.leader.user)
    url = reverse("contact:handover_sheet", args=[place.cadre.pk])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    add_visited(1)
    few = queries()
    add_visited(4)
    assert queries() == few
