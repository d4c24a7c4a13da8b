"""Records of the contact app that arrive in the demand ledger on their own: visits and QR messages."""

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from contact.models import Pairing, ResidentMessage, Visit
from contact.services import VisitDraft, visit_create
from ledgers.models import Demand, DemandEvent, Source

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def log_visit(personas, household, demands_raised, key=None, **fields):
    draft = VisitDraft(
        fields={
            "household": household,
            "visited_at": datetime(2026, 3, 4, 15, 30, tzinfo=SHANGHAI),
            "method": Visit.Method.HOME,
            "purpose": Visit.Purpose.NEEDY,
            "met_whom": "向朝清",
            "situation": "在荷花基地锄草, 身体还将就。",
            "demands_raised": demands_raised,
            **fields,
        }
    )
    visit, _created = visit_create(
        cadre=personas.cadre, idempotency_key=key or uuid.uuid4(), draft=draft
    )
    return visit


def test_each_line_of_demands_raised_becomes_a_recorded_demand(personas, household):
    visit = log_visit(personas, household, "- 通组路垮塌一段\n\n  自来水经常停  \n")
    demands = list(Demand.objects.order_by("pk"))
    assert [d.description for d in demands] == ["通组路垮塌一段", "自来水经常停"]
    for demand in demands:
        assert demand.visit == visit
        assert demand.household == household
        assert demand.area == personas.village  # the household's village, not its group
        assert demand.cadre == personas.cadre
        assert demand.recorded_by == personas.cadre.user
        assert demand.source == Source.VISIT
        assert demand.state == Demand.State.RECORDED
        assert demand.urgency == Demand.Urgency.MODERATE
        assert demand.occurred_on == date(2026, 3, 4)
        assert (demand.resident_name, demand.resident_phone) == ("向朝清", "13800001111")
        assert demand.events.get().action == DemandEvent.Action.RECORD
    assert demands[0].reference != demands[1].reference


def test_a_reception_day_visit_raises_demands_from_the_reception(personas, household):
    log_visit(personas, household, "低保复核进度", method=Visit.Method.RECEPTION)
    assert Demand.objects.get().source == Source.RECEPTION


@pytest.mark.parametrize("demands_raised", ["", "  \n \n"])
def test_a_visit_without_demands_raises_none(personas, household, demands_raised):
    log_visit(personas, household, demands_raised)
    assert Visit.objects.count() == 1
    assert Demand.objects.count() == 0


def test_a_visit_sent_twice_raises_its_demands_once(personas, household):
    key = uuid.uuid4()
    log_visit(personas, household, "通组路垮塌一段\n自来水经常停", key=key)
    log_visit(personas, household, "通组路垮塌一段\n自来水经常停", key=key)
    assert Visit.objects.count() == 1
    assert Demand.objects.count() == 2


def test_a_message_through_a_household_card_becomes_the_cadres_demand(personas, household):
    pairing = Pairing.objects.create(
        kind=Pairing.Kind.HOUSEHOLD, cadre=personas.cadre, household=household
    )
    message = ResidentMessage.objects.create(
        pairing=pairing, name="向朝清", phone="13812345678", text="村口的路灯坏了两个月了。"
    )
    demand = Demand.objects.get()
    assert message.demand_reference == demand.reference
    assert demand.source == Source.QR
    assert demand.cadre == personas.cadre
    assert demand.household == household and demand.area == personas.village
    assert demand.recorded_by is None
    assert (demand.resident_name, demand.resident_phone) == ("向朝清", "13812345678")
    assert demand.description == "村口的路灯坏了两个月了。"
    assert demand.state == Demand.State.RECORDED
    event = demand.events.get()
    assert (event.action, event.by) == (DemandEvent.Action.RECORD, None)


def test_a_message_through_a_village_card_becomes_a_demand_of_the_village(personas):
    pairing = Pairing.objects.create(
        kind=Pairing.Kind.VILLAGE, cadre=personas.cadre, area=personas.other_village
    )
    ResidentMessage.objects.create(pairing=pairing, text="金桂村的垃圾没人收。")
    demand = Demand.objects.get()
    assert demand.area == personas.other_village and demand.household is None
    assert demand.cadre == personas.cadre and demand.resident_phone == ""


def test_a_message_edited_later_raises_no_second_demand(personas, household):
    pairing = Pairing.objects.create(
        kind=Pairing.Kind.HOUSEHOLD, cadre=personas.cadre, household=household
    )
    message = ResidentMessage.objects.create(pairing=pairing, text="路灯坏了。")
    message.read_at = datetime(2026, 3, 5, 9, tzinfo=SHANGHAI)
    message.save()
    assert Demand.objects.count() == 1
