"""The list pages cost the same number of queries for 2 rows as for 10: no query per row.

A township's demand list and ledgers run to hundreds of lines; a query per
line is what makes a page slow on a phone in a courtyard.
"""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contact.models import Assistance, HelpPlan
from households.models import Household, HouseholdCategory
from ledgers import services
from ledgers.models import (
    Demand,
    DifficultyRecord,
    OpinionRecord,
    PartySituation,
    ReviewState,
    StabilityCase,
    VillageSituation,
)
from tests.factories import VillageFactory

pytestmark = pytest.mark.django_db


def _household(personas, n):
    """A household in a group (村民小组) of 群安村, as the registry keeps most of them."""
    household = Household.objects.create(
        area=personas.group, head_name=f"户主{n}", house_number=f"{n}号", phone=f"1380000{n:04d}"
    )
    household.categories.add(HouseholdCategory.objects.get(code="dibao"))
    return household


def _add_rows(kind, personas, start, stop):
    """Rows `start`..`stop - 1` of a ledger, each with its own household, village or handler."""
    for n in range(start, stop):
        household = _household(personas, n)
        common = {"recorded_by": personas.cadre.user, "household": household}
        if kind == "demands":
            demand, _created = services.demand_record(
                by=personas.cadre.user,
                area=personas.village,
                household=household,
                kind="roads",
                urgency="serious",
                description=f"诉求{n}",
            )
            if n % 2:
                services.demand_assign(
                    demand=demand, by=personas.leader.user, handler_unit=f"单位{n}"
                )
        elif kind == "difficulty":
            DifficultyRecord.objects.create(
                **common,
                area=personas.village,
                category=HouseholdCategory.objects.get(code="dibao"),
                reason="因病致贫",
                recognised_on=date(2024, 1, 5),
            )
            HelpPlan.objects.create(
                household=household,
                goal="危房改造",
                measures="申请补助",
                responsible=personas.cadre,
            )
            Assistance.objects.create(
                household=household,
                given_by=personas.cadre,
                kind=Assistance.Kind.CASH,
                description="慰问金",
                value_yuan=500,
                date=date(2024, 3, 5),
            )
        elif kind == "stability":
            StabilityCase.objects.create(
                **common,
                area=personas.village,
                occurred_on=date(2024, 3, 5),
                kind="land",
                parties=f"当事人{n}",
                summary="边界争议",
                risk="low",
                review_state=ReviewState.RETURNED if n % 2 else ReviewState.PENDING,
                review_note="补充",
            )
        elif kind == "opinions":
            OpinionRecord.objects.create(
                **common, area=personas.village, topic="livelihood", content=f"意见{n}"
            )
        else:
            # One sheet per village and month: each row gets a village of its own.
            village = VillageFactory(parent=personas.township)
            model = VillageSituation if kind == "village" else PartySituation
            extra = {"branch": f"支部{n}"} if kind == "party" else {}
            model.objects.create(
                area=village, recorded_by=personas.cadre.user, occurred_on=date(2024, 3, 1), **extra
            )


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "kind", ["demands", "difficulty", "stability", "village", "opinions", "party"]
)
def test_a_list_of_ten_rows_costs_the_queries_of_a_list_of_two(client, personas, kind):
    url = (
        reverse("ledgers:demand_list")
        if kind == "demands"
        else reverse("ledgers:entry_list", args=[kind])
    )
    client.force_login(personas.leader.user)
    _add_rows(kind, personas, 1, 3)
    two = _queries(client, url)
    _add_rows(kind, personas, 3, 11)
    ten = _queries(client, url)
    assert len(client.get(url).context["page"].object_list) == 10
    assert ten == two


@pytest.mark.parametrize("kind", ["demands", "difficulty", "village"])
def test_the_correction_queue_of_ten_costs_the_queries_of_two(client, personas, kind):
    """李秀英's queue names each entry and the households or villages a correction swaps."""
    model = {"demands": Demand, "difficulty": DifficultyRecord, "village": VillageSituation}[kind]
    url = reverse("admin:ledgers_entrycorrection_changelist")
    client.force_login(personas.reviewer.user)

    def corrections(start, stop):
        _add_rows(kind, personas, start, stop)
        for entry in model.objects.filter(corrections__isnull=True):
            services.entry_approve(entry=entry, by=personas.reviewer.user)
            entry.refresh_from_db()
            changes = (
                {"household": _household(personas, 100 + entry.pk).pk}
                if entry.household_id
                else {"area": personas.other_village.pk}
            )
            services.correction_submit(
                entry=entry, by=personas.cadre.user, reason="填错了", fields=changes
            )

    corrections(1, 3)
    client.get(url)  # content types are read once per process, not per page
    two = _queries(client, url)
    corrections(3, 11)
    ten = _queries(client, url)
    assert len(client.get(url).context["cl"].result_list) == 10
    assert ten == two
