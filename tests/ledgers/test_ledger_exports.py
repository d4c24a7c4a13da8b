"""A ledger's monthly page per village, printed and as xlsx: that village and month only, scoped, logged."""

import io
import uuid
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from contact.models import Assistance, Visit
from households.models import ExportLog, Household, HouseholdCategory
from ledgers import services
from ledgers.models import (
    Demand,
    DifficultyRecord,
    OpinionRecord,
    ReturnVisit,
    StabilityCase,
)

pytestmark = pytest.mark.django_db

KINDS = ["demands", "difficulty", "stability", "village", "opinions", "party"]
MARCH = {"month": "2024-03"}


def dispute(personas, area, parties, day=date(2024, 3, 5), by=None):
    return StabilityCase.objects.create(
        area=area,
        recorded_by=(by or personas.cadre).user,
        occurred_on=day,
        kind=StabilityCase.Kind.NEIGHBOUR,
        parties=parties,
        summary="排水沟堵塞引起纠纷",
        risk=StabilityCase.Risk.LOW,
        measures="村调委会现场调解",
    )


@pytest.fixture
def disputes(personas):
    """One dispute in 群安村 in March, one in February, one in 金桂村 in March (same township)."""
    return {
        "march": dispute(personas, personas.village, "群安村三月 张德明"),
        "february": dispute(personas, personas.village, "群安村二月 李春华", date(2024, 2, 20)),
        "jingui": dispute(
            personas, personas.other_village, "金桂村三月 王大勇", by=personas.leader
        ),
    }


def sheet_url(name, kind, village, **query):
    return reverse(f"ledgers:{name}", args=[kind]), {"village": village.pk, **MARCH, **query}


def workbook_of(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return openpyxl.load_workbook(io.BytesIO(content))


def cell_texts(sheet):
    return [
        "" if value is None else str(value)
        for row in sheet.iter_rows(values_only=True)
        for value in row
    ]


# --- Scope ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ledger_print", "ledger_xlsx"])
@pytest.mark.parametrize("kind", KINDS)
def test_the_outsider_gets_a_404_for_a_village_of_another_township(
    client, personas, disputes, name, kind
):
    client.force_login(personas.outsider.user)
    url, query = sheet_url(name, kind, personas.village)
    assert client.get(url, query).status_code == 404
    assert not ExportLog.objects.exists()


@pytest.mark.parametrize("name", ["ledger_print", "ledger_xlsx"])
def test_a_cadre_gets_a_404_for_a_village_of_the_same_township_outside_her_scope(
    client, personas, disputes, name
):
    client.force_login(personas.cadre.user)
    url, query = sheet_url(name, "stability", personas.other_village)
    assert client.get(url, query).status_code == 404


@pytest.mark.parametrize(
    "query", [{"village": ""}, {"village": "abc"}, {"village": "999999"}, {"month": "2024-13"}]
)
def test_a_missing_or_mangled_village_or_month_is_a_404(client, personas, query):
    client.force_login(personas.cadre.user)
    params = {"village": personas.village.pk, **MARCH, **query}
    response = client.get(reverse("ledgers:ledger_print", args=["stability"]), params)
    assert response.status_code == 404


# --- Print ----------------------------------------------------------------------------------


def test_the_printed_page_is_headed_with_the_village_and_month_and_has_only_their_rows(
    client, personas, disputes
):
    client.force_login(personas.leader.user)  # the township: sees both villages
    url, query = sheet_url("ledger_print", "stability", personas.village)
    response = client.get(url, query)

    assert response.status_code == 200
    html = response.content.decode()
    heading = response.context["sheet"].heading
    assert "群安村" in heading and "2024年3月" in heading
    assert heading in html
    assert "群安村三月 张德明" in html
    assert "群安村二月 李春华" not in html
    assert "金桂村三月 王大勇" not in html
    assert "data-print" in html
    assert "css/ledger-print.css" in html
    assert " style=" not in html  # the Content-Security-Policy forbids inline styles


@pytest.mark.parametrize("kind", KINDS)
def test_every_ledger_prints_for_the_cadres_village(client, personas, household, kind):
    client.force_login(personas.cadre.user)
    url, query = sheet_url("ledger_print", kind, personas.village)
    response = client.get(url, query)
    assert response.status_code == 200
    assert "群安村" in response.context["sheet"].heading


def test_the_demand_ledger_prints_the_return_visit(client, personas, household):
    demand, _created = services.demand_record(
        by=personas.cadre.user,
        area=personas.village,
        household=household,
        kind="water",
        urgency="urgent",
        description="自来水管冻裂",
        resident_name="向朝清",
        occurred_on=date(2024, 3, 4),
    )
    Demand.objects.filter(pk=demand.pk).update(
        state=Demand.State.RESOLVED, resolution="更换水管三米"
    )
    ReturnVisit.objects.create(
        demand=demand,
        by=personas.cadre.user,
        satisfaction=ReturnVisit.Satisfaction.SATISFIED,
        solved=ReturnVisit.Solved.SOLVED,
    )
    client.force_login(personas.cadre.user)
    url, query = sheet_url("ledger_print", "demands", personas.village)
    rows = client.get(url, query).context["rows"]
    assert len(rows) == 1
    texts = [text for text, _css in rows[0]]
    assert demand.reference in texts
    assert "自来水管冻裂" in texts and "更换水管三米" in texts
    assert str(ReturnVisit.Satisfaction.SATISFIED.label) in texts[-1]


def test_the_difficulty_ledger_prints_the_village_households_with_the_months_assistance(
    client, personas, household
):
    DifficultyRecord.objects.create(
        area=personas.village,
        household=household,
        category=HouseholdCategory.objects.get(code="kunnan"),
        reason="因病致贫",
        recognised_on=date(2023, 5, 1),
        recorded_by=personas.cadre.user,
    )
    for day, value in ((date(2024, 3, 10), 500), (date(2024, 1, 10), 200), (date(2024, 4, 2), 9)):
        Assistance.objects.create(
            household=household,
            date=day,
            kind=Assistance.Kind.CASH,
            description="慰问金",
            value_yuan=Decimal(value),
            given_by=personas.cadre,
        )
    elsewhere = Household.objects.create(area=personas.other_village, head_name="金桂困难户")
    elsewhere.categories.add(HouseholdCategory.objects.get(code="dibao"))
    client.force_login(personas.leader.user)
    url, query = sheet_url("ledger_print", "difficulty", personas.village)
    sheet = client.get(url, query).context["sheet"]
    assert [h.head_name for h in sheet.rows] == ["向朝清"]
    row = sheet.rows[0]
    assert row.record_reason == "因病致贫"
    assert row.given_this_month == Decimal(500)
    assert row.given_this_year == Decimal(700)  # January and March; April is after the page


# --- xlsx ------------------------------------------------------------------------------------


def test_the_xlsx_has_the_villages_rows_only_and_is_logged(client, personas, disputes):
    client.force_login(personas.leader.user)
    url, query = sheet_url("ledger_xlsx", "stability", personas.village)
    response = client.get(url, query)

    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = workbook_of(response).active
    texts = cell_texts(sheet)
    assert any("群安村" in t and "2024年3月" in t for t in texts)  # the header
    assert "群安村三月 张德明" in texts
    assert "群安村二月 李春华" not in texts
    assert "金桂村三月 王大勇" not in texts
    log = ExportLog.objects.get()
    assert log.user == personas.leader.user
    assert log.what == "ledger:stability"
    assert log.row_count == 1
    assert personas.village.code in log.filters and "2024-03" in log.filters


def test_the_demand_xlsx_has_the_paper_ledgers_columns(client, personas, household):
    demand, _created = services.demand_record(
        by=personas.cadre.user,
        area=personas.village,
        household=household,
        kind="roads",
        urgency="serious",
        description="通组路垮塌一段",
        resident_name="向朝清",
        occurred_on=date(2024, 3, 12),
    )
    client.force_login(personas.cadre.user)
    url, query = sheet_url("ledger_xlsx", "demands", personas.village)
    sheet = workbook_of(client.get(url, query)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[2]
    assert len(header) == 12  # 序号 and the eleven columns of the paper ledger
    data = rows[3]
    assert data[0] == 1
    assert data[1] == demand.reference
    assert data[2].date() == date(2024, 3, 12)
    assert "通组路垮塌一段" in data
    assert data[7].date() == demand.deadline
    assert ExportLog.objects.get().row_count == 1


def test_an_opinion_from_a_visit_of_another_month_is_not_on_this_months_page(client, personas):
    visit = Visit.objects.create(
        cadre=personas.cadre,
        area=personas.village,
        visited_at=timezone.make_aware(timezone.datetime(2024, 4, 2, 9, 0)),
        situation="座谈会",
        idempotency_key=uuid.uuid4(),
    )
    OpinionRecord.objects.create(
        area=personas.village,
        visit=visit,
        occurred_on=date(2024, 4, 2),
        topic=OpinionRecord.Topic.GOVERNANCE,
        content="四月的意见",
        recorded_by=personas.cadre.user,
    )
    OpinionRecord.objects.create(
        area=personas.village,
        occurred_on=date(2024, 3, 31),
        topic=OpinionRecord.Topic.GOVERNANCE,
        content="三月的意见",
        recorded_by=personas.cadre.user,
    )
    client.force_login(personas.cadre.user)
    url, query = sheet_url("ledger_xlsx", "opinions", personas.village)
    texts = cell_texts(workbook_of(client.get(url, query)).active)
    assert "三月的意见" in texts and "四月的意见" not in texts
