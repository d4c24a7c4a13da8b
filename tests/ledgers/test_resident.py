"""The resident's side through the contact card's QR code: the reference, and "it came back"."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from contact import captcha
from contact.models import Pairing
from ledgers import services
from ledgers.models import Demand, DemandEvent, Source
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

State = Demand.State
THANKS = "ledgers/resident/came_back_thanks.html"


@pytest.fixture(autouse=True)
def _own_cache(settings):
    # Rate limits and used questions live in the cache: each test starts with an empty one.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "ledgers-resident-tests",
        }
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def pairing(personas, household) -> Pairing:
    """向朝清's card: 张丽 is their cadre."""
    return Pairing.objects.create(
        kind=Pairing.Kind.HOUSEHOLD,
        cadre=personas.cadre,
        household=household,
        start_date=timezone.localdate() - timedelta(days=30),
    )


@pytest.fixture
def neighbour(personas):
    """刘永林 next door, with their own card from the same cadre."""
    household = HouseholdFactory(
        area=personas.village, head_name="刘永林", house_number="3号", phone="13800003333"
    )
    Pairing.objects.create(kind=Pairing.Kind.HOUSEHOLD, cadre=personas.cadre, household=household)
    return household


def closed_demand(personas, household, phone=None, text="通组路垮塌一段") -> Demand:
    demand, _created = services.demand_record(
        by=personas.cadre.user,
        area=household.village,
        household=household,
        kind="roads",
        urgency="serious",
        description=text,
        resident_phone=household.phone if phone is None else phone,
    )
    services.demand_resolve(demand=demand, by=personas.cadre.user, resolution="已填平")
    services.demand_return_visit(
        demand=demand, by=personas.leader.user, satisfaction="satisfied", solved="solved"
    )
    services.demand_close(demand=demand, by=personas.leader.user)
    demand.refresh_from_db()
    assert demand.state == State.CLOSED
    return demand


def message_url(pairing) -> str:
    return reverse("contact:resident_message", args=[pairing.card_token])


def came_back_url(pairing) -> str:
    return reverse("ledgers:resident_came_back", args=[pairing.card_token])


def answered(purpose: str) -> dict:
    challenge = captcha.new_challenge(purpose)
    return {
        "captcha_token": challenge.token,
        "captcha_answer": sum(captcha._operands(challenge.token, purpose)),
    }


def message_data(pairing, **overrides) -> dict:
    data = {"name": "向朝清", "phone": "13812345678", "text": "村口的路灯坏了两个月了。"}
    return {**data, **answered(pairing.card_token), **overrides}


def came_back_data(pairing, demand=None, **overrides) -> dict:
    data = {
        "reference": demand.reference if demand else "",
        "phone": demand.resident_phone if demand else "13800001111",
        "note": "下雨后路又塌了",
    }
    return {**data, **answered(f"came-back:{pairing.card_token}"), **overrides}


def page(response) -> str:
    """The page without what differs from one request to the next (CSP nonce, CSRF token)."""
    html = response.content.decode()
    html = re.sub(r'"X-CSRFToken": "[^"]*"', "", html)
    return re.sub(r'(nonce|value)="[^"]*"', r'\1=""', html)


def unchanged(demand) -> bool:
    before = (demand.state, demand.flagged, demand.reopen_count, demand.events.count())
    demand.refresh_from_db()
    return (demand.state, demand.flagged, demand.reopen_count, demand.events.count()) == before


# --- The message form's thank-you page --------------------------------------------------


def test_the_thank_you_page_shows_the_reference_of_the_new_demand(
    client, personas, pairing, neighbour
):
    others = closed_demand(personas, neighbour, text="刘家的水管破了")
    response = client.post(message_url(pairing), message_data(pairing))
    assert response.status_code == 200
    demand = Demand.objects.get(source=Source.QR)
    assert (demand.household, demand.cadre, demand.resident_phone) == (
        pairing.household,
        personas.cadre,
        "13812345678",
    )
    assert demand.description == "村口的路灯坏了两个月了。"
    html = response.content.decode()
    assert response.context["reference"] == demand.reference
    assert demand.reference in html
    # Nothing about other residents, nor about this household beyond what was typed.
    for private in [others.reference, "刘永林", "刘家的水管破了", "3号", "12号", "群安村"]:
        assert private not in html, private


def test_a_retried_message_records_one_demand(client, personas, pairing):
    data = message_data(pairing)
    client.post(message_url(pairing), data)
    again = client.post(message_url(pairing), data)
    assert again.status_code == 200
    assert Demand.objects.count() == 1


def test_the_message_page_links_to_came_back(client, pairing):
    response = client.get(message_url(pairing))
    assert f'href="{came_back_url(pairing)}"' in response.content.decode()


# --- "It came back" -----------------------------------------------------------------------


def test_the_came_back_page_needs_no_account(client, personas, pairing):
    response = client.get(came_back_url(pairing))
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    html = response.content.decode()
    assert "张丽" in html and response.context["form"].question in html
    for private in ["向朝清", "12号", "群安村"]:
        assert private not in html, private


def test_the_right_reference_and_phone_reopen_a_closed_demand_and_flag_it(
    client, personas, household, pairing
):
    demand = closed_demand(personas, household)
    response = client.post(came_back_url(pairing), came_back_data(pairing, demand))
    assert response.status_code == 200
    assert THANKS in [t.name for t in response.templates]
    demand.refresh_from_db()
    # Back to 登记: it was settled on the spot, with no handler to go back to.
    assert demand.state == State.RECORDED and demand.closed_at is None
    assert demand.flagged and demand.reopen_count == 1
    event = demand.events.order_by("pk").last()
    assert (event.action, event.by, event.note) == (
        DemandEvent.Action.CAME_BACK,
        None,
        "下雨后路又塌了",
    )


def test_a_wrong_phone_gets_the_same_page_and_changes_nothing(client, personas, household, pairing):
    demand = closed_demand(personas, household)
    other = closed_demand(personas, household, text="路灯不亮")
    wrong = client.post(
        came_back_url(pairing), came_back_data(pairing, demand, phone="13899998888")
    )
    assert unchanged(demand)
    right = client.post(came_back_url(pairing), came_back_data(pairing, other))
    assert wrong.status_code == right.status_code == 200
    assert page(wrong) == page(right)
    assert demand.state == State.CLOSED and not demand.flagged


def test_an_unknown_reference_gets_the_same_page(client, personas, household, pairing):
    demand = closed_demand(personas, household)
    unknown = client.post(
        came_back_url(pairing), came_back_data(pairing, demand, reference="2026-999999")
    )
    assert unknown.status_code == 200 and THANKS in [t.name for t in unknown.templates]
    assert unchanged(demand)


def test_another_households_demand_cannot_be_reopened_through_this_card(
    client, personas, pairing, neighbour
):
    theirs = closed_demand(personas, neighbour)
    # Their reference and their phone, typed on 向朝清's card.
    response = client.post(came_back_url(pairing), came_back_data(pairing, theirs))
    assert response.status_code == 200 and THANKS in [t.name for t in response.templates]
    assert unchanged(theirs)
    assert theirs.state == State.CLOSED and not theirs.flagged


def test_a_village_card_reopens_demands_of_its_village_only(client, personas, household):
    card = Pairing.objects.create(
        kind=Pairing.Kind.VILLAGE, cadre=personas.cadre, area=personas.village
    )
    ours = closed_demand(personas, household)
    jingui = HouseholdFactory(area=personas.other_village, phone="13800004444")
    theirs = closed_demand(personas, jingui)
    client.post(came_back_url(card), came_back_data(card, theirs))
    assert unchanged(theirs)
    client.post(came_back_url(card), came_back_data(card, ours))
    ours.refresh_from_db()
    assert ours.flagged and ours.state != State.CLOSED


def test_a_demand_still_being_worked_on_gets_the_same_page_and_stays_as_it_is(
    client, personas, household, pairing
):
    demand, _created = services.demand_record(
        by=personas.cadre.user,
        area=household.village,
        household=household,
        kind="roads",
        urgency="serious",
        description="通组路垮塌一段",
        resident_phone=household.phone,
    )
    response = client.post(came_back_url(pairing), came_back_data(pairing, demand))
    assert THANKS in [t.name for t in response.templates]
    assert unchanged(demand)
    assert demand.state == State.RECORDED and not demand.flagged


def test_a_retried_report_reopens_once(client, personas, household, pairing):
    demand = closed_demand(personas, household)
    data = came_back_data(pairing, demand)
    first = client.post(came_back_url(pairing), data)
    again = client.post(came_back_url(pairing), data)
    assert page(first) == page(again)
    demand.refresh_from_db()
    assert demand.reopen_count == 1
    assert demand.events.filter(action=DemandEvent.Action.CAME_BACK).count() == 1


def test_an_incomplete_report_keeps_what_was_typed(client, personas, household, pairing):
    demand = closed_demand(personas, household)
    response = client.post(came_back_url(pairing), came_back_data(pairing, demand, phone=""))
    assert response.status_code == 400
    assert "phone" in response.context["form"].errors
    assert demand.reference in response.content.decode()
    assert unchanged(demand)


def test_a_question_from_the_message_form_is_no_answer_here(client, personas, household, pairing):
    demand = closed_demand(personas, household)
    data = {**came_back_data(pairing, demand), **answered(pairing.card_token)}
    response = client.post(came_back_url(pairing), data)
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert unchanged(demand)


def test_an_unknown_card_is_not_found(client):
    response = client.get(reverse("ledgers:resident_came_back", args=["not-a-card"]))
    assert response.status_code == 404


def test_an_ended_card_reopens_nothing(client, personas, household, pairing):
    demand = closed_demand(personas, household)
    pairing.end_date = timezone.localdate()
    pairing.save()
    assert client.get(came_back_url(pairing)).status_code == 410
    response = client.post(came_back_url(pairing), came_back_data(pairing, demand))
    assert response.status_code == 410
    assert "张丽" not in response.content.decode()
    assert unchanged(demand)


def test_one_address_may_report_five_times_an_hour(client, personas, household, pairing):
    demand = closed_demand(personas, household)
    for n in range(5):
        response = client.post(
            came_back_url(pairing), came_back_data(pairing, reference=f"2026-10000{n}")
        )
        assert response.status_code == 200
    response = client.post(came_back_url(pairing), came_back_data(pairing, demand))
    assert response.status_code == 429
    assert unchanged(demand)
    assert demand.state == State.CLOSED
    # Another address is still heard.
    response = client.post(
        came_back_url(pairing), came_back_data(pairing, demand), REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 200
    demand.refresh_from_db()
    assert demand.flagged


def test_reports_do_not_use_up_the_message_limit(client, pairing):
    for n in range(5):
        client.post(came_back_url(pairing), came_back_data(pairing, reference=f"2026-20000{n}"))
    response = client.post(message_url(pairing), message_data(pairing))
    assert response.status_code == 200
    assert Demand.objects.filter(source=Source.QR).count() == 1
