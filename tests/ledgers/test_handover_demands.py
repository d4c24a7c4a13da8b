"""The handover sheet lists the open demands the successor takes on."""

from django.urls import reverse

from contact.services import pairing_assign_households
from households.models import Household
from ledgers import services


def record(personas, household, text):
    demand, _created = services.demand_record(
        by=personas.cadre.user,
        area=household.village,
        household=household,
        kind="roads",
        urgency="serious",
        description=text,
    )
    return demand


def test_the_handover_sheet_lists_open_demands_but_not_closed_ones(client, personas, household):
    pairing_assign_households(cadre=personas.cadre, households=[household])
    open_demand = record(personas, household, "通组路垮塌一段")
    closed = record(personas, household, "路灯不亮")
    closed.state = closed.State.CLOSED
    closed.save()

    client.force_login(personas.leader.user)
    response = client.get(reverse("contact:handover_sheet", args=[personas.cadre.pk]))

    html = response.content.decode()
    assert open_demand.reference in html and "通组路垮塌一段" in html
    assert closed.reference not in html


def test_the_handover_sheet_shows_no_demand_of_a_household_not_handed_over(
    client, personas, household
):
    pairing_assign_households(cadre=personas.cadre, households=[household])
    elsewhere = Household.objects.create(area=personas.other_village, head_name="刘永林")
    other = record(personas, elsewhere, "饮水管破裂")

    client.force_login(personas.leader.user)
    response = client.get(reverse("contact:handover_sheet", args=[personas.cadre.pk]))

    assert response.status_code == 200
    assert other.reference not in response.content.decode()
