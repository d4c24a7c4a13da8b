"""The page a contact card's QR code opens: a resident leaves the cadre a message, no account."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from contact import captcha, views_cards
from contact.models import Pairing, ReceptionSchedule, ResidentMessage
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_cache(settings):
    # Rate limits and used questions live in the cache: each test starts with an empty one.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "resident-message-tests",
        }
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def pairing(personas) -> Pairing:
    household = HouseholdFactory(area=personas.village, head_name="向朝清", house_number="12号")
    pairing = Pairing.objects.create(
        kind=Pairing.Kind.HOUSEHOLD,
        cadre=personas.cadre,
        household=household,
        start_date=timezone.localdate() - timedelta(days=30),
    )
    pairing.promises.create(description="协助申请低保复核")
    # A neighbour paired with the same cadre: nothing of theirs may show.
    Pairing.objects.create(
        kind=Pairing.Kind.HOUSEHOLD,
        cadre=personas.cadre,
        household=HouseholdFactory(area=personas.village, head_name="刘永林", house_number="3号"),
    )
    ReceptionSchedule.objects.create(
        area=personas.township, weekday=2, place="桤泉镇便民服务中心", note="逢场天"
    )
    return pairing


def url(pairing) -> str:
    return reverse("contact:resident_message", args=[pairing.card_token])


def answer(token: str, pairing) -> int:
    return sum(captcha._operands(token, pairing.card_token))


def message_data(pairing, **overrides) -> dict:
    challenge = captcha.new_challenge(pairing.card_token)
    data = {
        "name": "向朝清",
        "phone": "13812345678",
        "text": "村口的路灯坏了两个月了, 晚上看不见路。",
        "captcha_token": challenge.token,
        "captcha_answer": answer(challenge.token, pairing),
    }
    return {**data, **overrides}


def test_the_page_needs_no_account_and_shows_only_the_cadre(client, pairing):
    response = client.get(url(pairing))
    assert response.status_code == 200
    page = response.content.decode()
    assert "张丽" in page and "13908180001" in page
    for private in ["向朝清", "12号", "刘永林", "3号", "群安村", "协助申请低保复核"]:
        assert private not in page, private
    assert response.context["form"].question in page


def test_a_message_is_kept_with_the_pairing(client, pairing):
    response = client.get(url(pairing))
    token = response.context["form"].challenge.token
    response = client.post(
        url(pairing),
        {
            "name": "向朝清",
            "phone": "13812345678",
            "text": "村口的路灯坏了。",
            "captcha_token": token,
            "captcha_answer": answer(token, pairing),
        },
    )
    assert response.status_code == 200
    assert "contact/cards/resident_thanks.html" in [t.name for t in response.templates]
    message = ResidentMessage.objects.get()
    assert (message.pairing, message.name, message.phone, message.text) == (
        pairing,
        "向朝清",
        "13812345678",
        "村口的路灯坏了。",
    )


def test_name_and_phone_are_optional(client, pairing):
    client.post(url(pairing), message_data(pairing, name="", phone=""))
    assert ResidentMessage.objects.get().phone == ""


def test_a_retried_post_creates_no_second_message(client, pairing):
    data = message_data(pairing)
    first = client.post(url(pairing), data)
    again = client.post(url(pairing), data)
    assert ResidentMessage.objects.count() == 1
    thanks = "contact/cards/resident_thanks.html"
    assert thanks in [t.name for t in first.templates]
    assert again.status_code == 200 and thanks in [t.name for t in again.templates]


def test_a_wrong_answer_keeps_what_was_typed_and_asks_a_new_question(client, pairing):
    data = message_data(pairing)
    data["captcha_answer"] += 1
    response = client.post(url(pairing), data)
    assert ResidentMessage.objects.count() == 0
    form = response.context["form"]
    assert "captcha_answer" in form.errors
    page = response.content.decode()
    assert data["text"] in page and "13812345678" in page
    assert form.challenge.token != data["captcha_token"]
    assert f'value="{form.challenge.token}"' in page
    assert form.challenge.question in page


def test_a_question_answered_wrongly_cannot_be_answered_again(client, pairing):
    data = message_data(pairing)
    client.post(url(pairing), {**data, "captcha_answer": data["captcha_answer"] + 1})
    response = client.post(url(pairing), data)
    assert ResidentMessage.objects.count() == 0
    assert response.context["form"].non_field_errors()


def test_a_question_from_another_card_is_refused(client, pairing, personas):
    other = Pairing.objects.exclude(pk=pairing.pk).get()
    response = client.post(url(pairing), message_data(other))
    assert ResidentMessage.objects.count() == 0
    assert response.context["form"].non_field_errors()


def test_an_hour_old_question_has_expired(client, pairing):
    with time_machine.travel(timezone.now() - timedelta(hours=1, minutes=1)):
        data = message_data(pairing)
    response = client.post(url(pairing), data)
    assert ResidentMessage.objects.count() == 0
    assert response.context["form"].non_field_errors()


@pytest.mark.parametrize(
    "overrides",
    [{"text": ""}, {"text": "路" * 1001}, {"phone": "12345"}, {"captcha_answer": ""}],
)
def test_an_incomplete_message_is_refused(client, pairing, overrides):
    response = client.post(url(pairing), message_data(pairing, **overrides))
    assert ResidentMessage.objects.count() == 0
    assert response.context["form"].errors


def test_a_thousand_characters_are_accepted(client, pairing):
    client.post(url(pairing), message_data(pairing, text="路" * 1000))
    assert len(ResidentMessage.objects.get().text) == 1000


def test_one_address_may_send_five_messages_an_hour(client, pairing):
    for n in range(5):
        response = client.post(url(pairing), message_data(pairing, text=f"第{n}条"))
        assert response.status_code == 200
    response = client.post(url(pairing), message_data(pairing))
    assert response.status_code == 429
    assert ResidentMessage.objects.count() == 5
    assert "桤泉镇便民服务中心" in response.content.decode()
    # Another address is still heard.
    response = client.post(url(pairing), message_data(pairing), REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 200
    assert ResidentMessage.objects.count() == 6


def test_one_card_receives_twenty_messages_a_day(client, pairing):
    for n in range(20):
        client.post(url(pairing), message_data(pairing), REMOTE_ADDR=f"10.0.1.{n}")
    response = client.post(url(pairing), message_data(pairing), REMOTE_ADDR="10.0.2.1")
    assert response.status_code == 429
    assert ResidentMessage.objects.count() == 20


def test_the_limit_window_ends(client, pairing, monkeypatch):
    monkeypatch.setattr(views_cards, "RESIDENT_LIMIT_PER_ADDRESS", (1, 60 * 60))
    client.post(url(pairing), message_data(pairing))
    assert client.post(url(pairing), message_data(pairing)).status_code == 429
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        assert client.post(url(pairing), message_data(pairing)).status_code == 200
    assert ResidentMessage.objects.count() == 2


def test_an_unknown_card_is_not_found(client, pairing):
    assert client.get(reverse("contact:resident_message", args=["not-a-card"])).status_code == 404
    response = client.post(
        reverse("contact:resident_message", args=["not-a-card"]), message_data(pairing)
    )
    assert response.status_code == 404
    assert ResidentMessage.objects.count() == 0


def test_an_ended_pairings_card_gives_only_the_reception_day(client, pairing):
    pairing.end_date = timezone.localdate()
    pairing.save()
    response = client.get(url(pairing))
    assert response.status_code == 410
    page = response.content.decode()
    assert "桤泉镇便民服务中心" in page and "逢场天" in page
    for private in ["张丽", "13908180001", "向朝清", "刘永林"]:
        assert private not in page, private
    assert client.post(url(pairing), message_data(pairing)).status_code == 410
    assert ResidentMessage.objects.count() == 0
