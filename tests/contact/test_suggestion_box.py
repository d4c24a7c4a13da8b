"""意见箱: opened on a schedule by named cadres; "搜集到的意见…共60余条" (seed 004), each logged as a visit."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contact.models import SuggestionBox, SuggestionBoxOpening, Visit
from contact.roles import Role
from tests.factories import CadreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def box(personas):
    box = SuggestionBox.objects.create(
        area=personas.village, place="村委会门口", opening_interval_days=7
    )
    box.keyholders.add(personas.cadre)
    return box


@pytest.fixture
def colleague(personas):
    """张冬: a cadre of the same village who holds no key."""
    return CadreFactory(name="张冬", scope_area=personas.village, roles=[Role.CADRE])


def open_post(cadres, count=5, when=None):
    when = when or timezone.localtime() - timedelta(hours=1)
    return {
        "opened_at": when.strftime("%Y-%m-%dT%H:%M"),
        "opened_by": [c.pk for c in cadres],
        "opinion_count": count,
    }


def make_opening(box, cadre, count, days_ago):
    opening = SuggestionBoxOpening.objects.create(
        box=box, opened_at=timezone.now() - timedelta(days=days_ago), opinion_count=count
    )
    opening.opened_by.add(cadre)
    return opening


def log_opinion(opening, cadre):
    return Visit.objects.create(
        cadre=cadre,
        area=opening.box.area,
        method=Visit.Method.SUGGESTION_BOX,
        box_opening=opening,
        situation="关于农村低保事宜的意见",
        idempotency_key=uuid.uuid4(),
    )


def test_a_keyholder_records_an_opening(client, personas, box):
    client.force_login(personas.cadre.user)
    url = reverse("contact:box_open", args=[box.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert list(form.context["form"].initial["opened_by"]) == [personas.cadre]
    response = client.post(url, open_post([personas.cadre], count=5))
    opening = SuggestionBoxOpening.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("contact:box_opening", args=[opening.pk])
    assert opening.box == box
    assert opening.opinion_count == 5
    assert list(opening.opened_by.all()) == [personas.cadre]


def test_a_cadre_without_a_key_may_not_record_an_opening(client, personas, box, colleague):
    client.force_login(colleague.user)
    url = reverse("contact:box_open", args=[box.pk])
    assert client.get(reverse("contact:box_detail", args=[box.pk])).status_code == 200
    assert client.get(url).status_code == 403
    assert client.post(url, open_post([personas.cadre])).status_code == 403
    assert not SuggestionBoxOpening.objects.exists()


def test_a_leader_who_sets_up_boxes_may_record_an_opening(client, personas, box):
    client.force_login(personas.leader.user)
    response = client.post(
        reverse("contact:box_open", args=[box.pk]), open_post([personas.cadre], count=2)
    )
    assert response.status_code == 302
    assert SuggestionBoxOpening.objects.get().opinion_count == 2


def test_an_outsider_gets_a_404_for_every_box_url(client, personas, box):
    opening = make_opening(box, personas.cadre, 3, days_ago=1)
    client.force_login(personas.outsider.user)
    for url in (
        reverse("contact:box_detail", args=[box.pk]),
        reverse("contact:box_edit", args=[box.pk]),
        reverse("contact:box_open", args=[box.pk]),
        reverse("contact:box_opening", args=[opening.pk]),
        reverse("contact:boxes") + f"?area={personas.village.pk}",
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(reverse("contact:box_open", args=[box.pk]), open_post([personas.cadre]))
    assert response.status_code == 404
    assert SuggestionBoxOpening.objects.count() == 1
    assert "村委会门口" not in client.get(reverse("contact:boxes")).content.decode()


def test_those_who_opened_must_be_keyholders_and_at_least_one(client, personas, box, colleague):
    client.force_login(personas.cadre.user)
    url = reverse("contact:box_open", args=[box.pk])
    response = client.post(url, open_post([colleague]))
    assert response.status_code == 400
    assert "opened_by" in response.context["form"].errors
    response = client.post(url, open_post([], count=4))
    assert response.status_code == 400
    assert "opened_by" in response.context["form"].errors
    # What was typed is kept.
    assert response.context["form"]["opinion_count"].value() == "4"
    assert not SuggestionBoxOpening.objects.exists()


def test_an_opening_in_the_future_or_sent_twice_is_refused(client, personas, box):
    client.force_login(personas.cadre.user)
    url = reverse("contact:box_open", args=[box.pk])
    later = timezone.localtime() + timedelta(days=1)
    assert client.post(url, open_post([personas.cadre], when=later)).status_code == 400
    data = open_post([personas.cadre])
    assert client.post(url, data).status_code == 302
    response = client.post(url, data)
    assert response.status_code == 400
    assert "opened_at" in response.context["form"].errors
    assert SuggestionBoxOpening.objects.count() == 1


def test_the_opening_page_counts_opinions_logged_against_those_found(client, personas, box):
    opening = make_opening(box, personas.cadre, 5, days_ago=0)
    for _ in range(3):
        log_opinion(opening, personas.cadre)
    client.force_login(personas.cadre.user)
    response = client.get(reverse("contact:box_opening", args=[opening.pk]))
    assert response.status_code == 200
    assert response.context["logged"] == 3
    assert response.context["remaining"] == 2
    assert len(response.context["page"].object_list) == 3
    log_url = reverse("contact:visit_create") + f"?opening={opening.pk}"
    assert log_url in response.content.decode()
    # The lead's visit form opens on the 意见箱 method.
    form = client.get(log_url)
    assert form.status_code == 200
    assert form.context["form"].initial["method"] == Visit.Method.SUGGESTION_BOX

    for _ in range(2):
        log_opinion(opening, personas.cadre)
    response = client.get(reverse("contact:box_opening", args=[opening.pk]))
    assert (response.context["logged"], response.context["remaining"]) == (5, 0)
    detail = client.get(reverse("contact:box_detail", args=[box.pk]))
    assert [(o.logged, o.opinion_count) for o in detail.context["page"].object_list] == [(5, 5)]


def test_the_box_list_shows_when_the_next_opening_is_due(client, personas, box):
    recent = SuggestionBox.objects.create(
        area=personas.village, place="卫生室", opening_interval_days=7
    )
    never = SuggestionBox.objects.create(area=personas.other_village, place="金桂村委会")
    make_opening(box, personas.cadre, 4, days_ago=10)
    make_opening(recent, personas.cadre, 1, days_ago=2)
    client.force_login(personas.leader.user)
    response = client.get(reverse("contact:boxes"))
    shown = {b.place: b for b in response.context["page"].object_list}
    assert shown["村委会门口"].overdue is True
    assert shown["卫生室"].overdue is False
    assert shown["卫生室"].next_due.date() == (timezone.now() + timedelta(days=5)).date()
    assert shown["金桂村委会"].overdue is True and shown["金桂村委会"].next_due is None
    assert [k.name for k in shown["村委会门口"].keyholders.all()] == ["张丽"]
    # Only the keyholder (and the leader) see the button to record an opening.
    assert shown["村委会门口"].may_open is True
    client.force_login(personas.cadre.user)
    mine = client.get(reverse("contact:boxes"), {"area": personas.village.pk}).context["page"]
    assert {b.place: b.may_open for b in mine.object_list} == {"村委会门口": True, "卫生室": False}
    assert never.pk not in [b.pk for b in mine.object_list]


def test_a_leader_sets_up_a_box_with_keyholders_who_can_see_it(client, personas):
    client.force_login(personas.leader.user)
    url = reverse("contact:box_create")
    # 张丽's scope is 群安村: she could not see a box of 金桂村.
    response = client.post(
        url,
        {
            "area": personas.other_village.pk,
            "place": "金桂村委会",
            "opening_interval_days": 7,
            "keyholders": [personas.cadre.pk],
        },
    )
    assert response.status_code == 400
    assert "keyholders" in response.context["form"].errors
    response = client.post(
        url,
        {
            "area": personas.township.pk,
            "place": "乡便民服务中心门口",
            "opening_interval_days": 7,
            "keyholders": [personas.reviewer.pk],
        },
    )
    assert response.status_code == 302
    box = SuggestionBox.objects.get()
    assert list(box.keyholders.all()) == [personas.reviewer]
    client.force_login(personas.cadre.user)
    assert client.get(url).status_code == 403


def test_a_keyholder_scoped_to_a_village_sees_the_township_box_they_open(db):
    from contact.models import SuggestionBox, SuggestionBoxOpening
    from tests.contact.visit_data import build_place

    place = build_place()
    box = SuggestionBox.objects.create(area=place.township, place="便民服务中心门口")
    box.keyholders.add(place.cadre)
    opening = SuggestionBoxOpening.objects.create(box=box, opinion_count=2)
    assert list(SuggestionBox.objects.visible_to(place.cadre.user)) == [box]
    assert list(SuggestionBoxOpening.objects.visible_to(place.cadre.user)) == [opening]
    assert not SuggestionBox.objects.visible_to(place.outsider.user).exists()
