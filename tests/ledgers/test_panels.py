"""The ledgers' sections on a visit's page and on a household's page."""

import re
import uuid

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.urls import reverse

from contact.models import Visit
from households.models import Household, HouseholdCategory
from ledgers import services
from ledgers.models import Demand, OpinionRecord, StabilityCase
from ledgers.panels import household_ledger_panel, visit_ledger_panel

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(personas, household):
    """张丽's visit to 向朝清, where he raised a problem (a line of "demands raised")."""
    return Visit.objects.create(
        cadre=personas.cadre,
        household=household,
        area=personas.village,
        situation="向朝清家屋顶漏雨",
        demands_raised="屋顶漏雨，请求危房改造",
        idempotency_key=uuid.uuid4(),
    )


def test_the_visit_page_lists_the_demand_raised_from_it(client, personas, visit):
    demand = Demand.objects.get(visit=visit)
    client.force_login(personas.cadre.user)
    html = client.get(visit.get_absolute_url()).content.decode()
    assert demand.reference in html
    assert demand.get_absolute_url() in html
    assert "屋顶漏雨，请求危房改造" in html


def test_the_visit_panel_lists_the_other_ledgers_entries_and_offers_to_record_more(
    rf, personas, visit
):
    case = StabilityCase.objects.create(
        area=personas.village,
        visit=visit,
        recorded_by=personas.cadre.user,
        kind=StabilityCase.Kind.NEIGHBOUR,
        parties="向朝清 与 邻居",
        summary="滴水檐纠纷",
        risk=StabilityCase.Risk.LOW,
    )
    unrelated = OpinionRecord.objects.create(
        area=personas.village,
        recorded_by=personas.cadre.user,
        topic=OpinionRecord.Topic.OTHER,
        content="与这次走访无关",
    )
    request = rf.get("/")
    request.user = personas.cadre.user
    html = visit_ledger_panel(request, visit)
    assert case.get_absolute_url() in html
    assert unrelated.content not in html
    assert f"{reverse('ledgers:entry_create', args=['stability'])}?visit={visit.pk}" in html
    assert f"{reverse('ledgers:entry_create', args=['opinions'])}?visit={visit.pk}" in html


def test_the_visit_panel_shows_only_entries_the_reader_may_see(rf, personas, visit):
    """An entry tied to the visit but recorded in another township stays hidden from 张丽."""
    elsewhere = OpinionRecord.objects.create(
        area=personas.outsider_village,
        visit=visit,
        recorded_by=personas.outsider.user,
        topic=OpinionRecord.Topic.OTHER,
        content="五星村的意见",
    )
    request = rf.get("/")
    request.user = personas.cadre.user
    html = visit_ledger_panel(request, visit)
    assert elsewhere.content not in html
    assert Demand.objects.get(visit=visit).reference in html


def test_a_reader_without_rights_or_entries_gets_no_visit_panel(rf, personas, visit):
    request = rf.get("/")
    request.user = User.objects.create_user("nobody")
    assert visit_ledger_panel(request, visit) == ""
    request.user = AnonymousUser()
    assert visit_ledger_panel(request, visit) == ""


def test_the_household_page_lists_its_open_demands_not_closed_ones(client, personas, household):
    open_demand, _ = services.demand_record(
        by=personas.cadre.user,
        area=personas.village,
        household=household,
        kind="roads",
        urgency="urgent",
        description="门前便道塌陷",
    )
    closed, _ = services.demand_record(
        by=personas.cadre.user,
        area=personas.village,
        household=household,
        kind="water",
        urgency="light",
        description="水表漏水",
    )
    Demand.objects.filter(pk=closed.pk).update(state=Demand.State.CLOSED)
    StabilityCase.objects.create(
        area=personas.village,
        household=household,
        recorded_by=personas.cadre.user,
        kind=StabilityCase.Kind.FAMILY,
        parties="向朝清 家人",
        summary="赡养纠纷",
        risk=StabilityCase.Risk.LOW,
    )
    client.force_login(personas.cadre.user)
    html = client.get(household.get_absolute_url()).content.decode()
    assert open_demand.reference in html and open_demand.get_absolute_url() in html
    assert closed.reference not in html
    stability_list = reverse("ledgers:entry_list", args=["stability"])
    assert f"{stability_list}?household={household.pk}" in html
    # The 困难户 has no recognition yet: the panel says so and offers to record it.
    assert (
        f"{reverse('ledgers:entry_create', args=['difficulty'])}?household={household.pk}" in html
    )


def test_the_household_panel_counts_only_entries_in_scope(rf, personas, household):
    def case(area, by):
        return StabilityCase.objects.create(
            area=area,
            household=household,
            recorded_by=by.user,
            kind=StabilityCase.Kind.OTHER,
            parties="双方",
            summary="纠纷",
            risk=StabilityCase.Risk.LOW,
        )

    def counts(user):
        request = rf.get("/")
        request.user = user
        html = household_ledger_panel(request, household)
        return re.findall(
            r'class="[^"]*household-ledger-count[^"]*" href="([^"]+)".*?: (\d+)</a>', html, re.S
        )

    case(personas.outsider_village, personas.outsider)
    assert counts(personas.cadre.user) == []
    case(personas.village, personas.cadre)
    case(personas.village, personas.leader)
    stability_list = reverse("ledgers:entry_list", args=["stability"])
    assert counts(personas.cadre.user) == [(f"{stability_list}?household={household.pk}", "2")]


def test_a_household_not_in_difficulty_has_no_difficulty_line(rf, personas):
    ordinary = Household.objects.create(area=personas.village, head_name="周富贵")
    ordinary.categories.add(HouseholdCategory.objects.get(code="ordinary"))
    request = rf.get("/")
    request.user = personas.cadre.user
    html = household_ledger_panel(request, ordinary)
    assert "household-difficulty" not in html
