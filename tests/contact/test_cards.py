"""The contact card (干群联系卡): one per pairing, a village's cards four to a sheet, and the household panel."""

import io
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from contact.models import Pairing, PromisedHelp, ReceptionSchedule
from contact.views_cards import qr_svg
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


@dataclass
class Cards:
    pairing: Pairing  # 张丽 with 向朝清, 群安村
    second: Pairing  # 王成龙 with 刘永林, 群安村 1组
    ended: Pairing  # 张丽 with 杨秀兰, 群安村, ended
    other_village: Pairing  # 张丽 with 周大海, 金桂村
    away: Pairing  # 赵志刚 with 王春发, 白头镇


def pair(cadre, household, **kwargs) -> Pairing:
    return Pairing.objects.create(
        kind=Pairing.Kind.HOUSEHOLD,
        cadre=cadre,
        household=household,
        start_date=kwargs.pop("start_date", timezone.localdate() - timedelta(days=30)),
        **kwargs,
    )


@pytest.fixture
def cards(personas) -> Cards:
    p = personas
    today = timezone.localdate()
    pairing = pair(
        p.cadre, HouseholdFactory(area=p.village, head_name="向朝清", house_number="12号")
    )
    PromisedHelp.objects.create(pairing=pairing, description="协助申请低保复核")
    PromisedHelp.objects.create(pairing=pairing, description="春节慰问")
    ReceptionSchedule.objects.create(
        area=p.township, weekday=2, place="桤泉镇便民服务中心", note="逢场天"
    )
    ReceptionSchedule.objects.create(area=p.other_township, weekday=4, place="白头镇政府一楼")
    return Cards(
        pairing=pairing,
        second=pair(p.leader, HouseholdFactory(area=p.group, head_name="刘永林")),
        ended=pair(
            p.cadre,
            HouseholdFactory(area=p.village, head_name="杨秀兰"),
            start_date=today - timedelta(days=400),
            end_date=today - timedelta(days=10),
        ),
        other_village=pair(p.cadre, HouseholdFactory(area=p.other_village, head_name="周大海")),
        away=pair(p.outsider, HouseholdFactory(area=p.outsider_village, head_name="王春发")),
    )


def card_url(pairing) -> str:
    return reverse("contact:card", args=[pairing.pk])


def resident_url(pairing) -> str:
    return "http://testserver" + reverse("contact:resident_message", args=[pairing.card_token])


def shown_pairings(response) -> list[Pairing]:
    return [card["pairing"] for sheet in response.context["sheets"] for card in sheet]


def test_the_card_shows_the_cadre_the_promises_and_the_reception_day(client, personas, cards):
    client.force_login(personas.leader.user)
    response = client.get(card_url(cards.pairing))
    assert response.status_code == 200
    page = response.content.decode()
    for text in ["张丽", "13908180001", "桤泉镇人民政府", "向朝清", "协助申请低保复核", "春节慰问"]:
        assert text in page, text
    assert "桤泉镇便民服务中心" in page and "逢场天" in page
    assert "白头镇政府一楼" not in page
    assert 'class="contact-card__photo"' not in page  # no photo, no <img>


def test_the_qr_code_is_inline_svg_of_the_residents_page(client, personas, cards):
    client.force_login(personas.leader.user)
    response = client.get(card_url(cards.pairing))
    (card,) = response.context["sheets"][0]
    assert card["resident_url"] == resident_url(cards.pairing)
    assert card["qr"] == qr_svg(resident_url(cards.pairing))
    assert card["qr"].startswith("<svg") and card["qr"] in response.content.decode()


def test_the_paired_cadre_prints_their_own_card(client, personas, cards):
    client.force_login(personas.cadre.user)
    assert client.get(card_url(cards.pairing)).status_code == 200
    # 金桂村 is outside 张丽's village, but the household is paired with her.
    assert client.get(card_url(cards.other_village)).status_code == 200


def test_a_card_of_another_township_is_not_found(client, personas, cards):
    client.force_login(personas.leader.user)
    assert client.get(card_url(cards.away)).status_code == 404
    client.force_login(personas.outsider.user)
    assert client.get(card_url(cards.pairing)).status_code == 404


def test_the_card_needs_a_login(client, cards):
    response = client.get(card_url(cards.pairing))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_village_sheet_holds_only_that_villages_active_pairings(client, personas, cards):
    client.force_login(personas.leader.user)
    response = client.get(reverse("contact:village_cards", args=[personas.village.pk]))
    assert response.status_code == 200
    # The household in 1组 belongs to 群安村; the ended pairing and 金桂村 are left out.
    assert set(shown_pairings(response)) == {cards.pairing, cards.second}
    page = response.content.decode()
    assert "周大海" not in page and "杨秀兰" not in page and "王春发" not in page


def test_the_village_sheet_puts_four_cards_on_a_page(client, personas, cards):
    for n in range(3):
        pair(personas.leader, HouseholdFactory(area=personas.village, head_name=f"村民{n}"))
    client.force_login(personas.leader.user)
    response = client.get(reverse("contact:village_cards", args=[personas.village.pk]))
    assert [len(sheet) for sheet in response.context["sheets"]] == [4, 1]
    assert response.content.decode().count('class="card-sheet"') == 2


def test_a_village_of_another_township_has_no_sheet(client, personas, cards):
    client.force_login(personas.leader.user)
    url = reverse("contact:village_cards", args=[personas.outsider_village.pk])
    assert client.get(url).status_code == 404
    url = reverse("contact:village_cards", args=[personas.township.pk])  # not a village
    assert client.get(url).status_code == 404


def _jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), "navy").save(buffer, "JPEG")
    return SimpleUploadedFile("zhangli.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_the_cadres_photo_is_served_only_through_the_pairing(client, personas, cards):
    personas.cadre.photo = _jpeg()
    personas.cadre.save()
    client.force_login(personas.leader.user)
    page = client.get(card_url(cards.pairing)).content.decode()
    photo_url = reverse("contact:card_photo", args=[cards.pairing.pk])
    assert f'src="{photo_url}"' in page
    response = client.get(photo_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    client.force_login(personas.outsider.user)
    assert client.get(photo_url).status_code == 404


def test_a_card_without_photo_has_no_photo_url(client, personas, cards):
    client.force_login(personas.leader.user)
    url = reverse("contact:card_photo", args=[cards.pairing.pk])
    assert client.get(url).status_code == 404


def test_the_household_page_shows_its_current_card(client, personas, cards):
    client.force_login(personas.leader.user)
    page = client.get(cards.pairing.household.get_absolute_url()).content.decode()
    assert f'data-card="{cards.pairing.pk}"' in page
    assert card_url(cards.pairing) in page
    assert qr_svg(resident_url(cards.pairing)) in page


def test_an_unpaired_household_page_says_no_cadre_is_paired(client, personas, cards):
    client.force_login(personas.leader.user)
    for household in [HouseholdFactory(area=personas.village), cards.ended.household]:
        page = client.get(household.get_absolute_url()).content.decode()
        assert 'data-card="none"' in page
        assert reverse("contact:card", args=[cards.ended.pk]) not in page
