"""慰问: "接过3包化肥和500元现金" (seed 001) as two rows, and totals checked against hand-counted sums."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contact.models import Assistance, HelpPlan
from households.models import Household
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

TOTALS = reverse("contact:assistance_totals")


def items_post(*items, day="2024-11-11", plan=""):
    data = {
        "date": day,
        "help_plan": plan,
        "item-TOTAL_FORMS": str(max(len(items), 2)),
        "item-INITIAL_FORMS": "0",
        "item-MIN_NUM_FORMS": "0",
        "item-MAX_NUM_FORMS": "10",
    }
    for i, item in enumerate(items):
        for name, value in item.items():
            data[f"item-{i}-{name}"] = value
    return data


FERTILISER = {
    "kind": "goods",
    "description": "化肥",
    "quantity": "3",
    "unit": "袋",
    "value_yuan": "360",
}
CASH = {"kind": "cash", "description": "现金", "quantity": "", "unit": "", "value_yuan": "500"}


@pytest.fixture
def wang(personas):
    """王春发 and his wife, both disabled: a 书记定点帮扶户 (seed 001)."""
    return HouseholdFactory(area=personas.village, head_name="王春发")


# --- Recording -----------------------------------------------------------------------


def test_seed_001_is_recorded_as_it_reads_in_two_rows(client, personas, wang):
    plan = HelpPlan.objects.create(
        household=wang, goal="发展蔬菜和生猪", measures="小春生产", responsible=personas.cadre
    )
    client.force_login(personas.cadre.user)
    url = reverse("contact:assistance_create", args=[wang.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, items_post(FERTILISER, CASH, plan=plan.pk))
    assert response.status_code == 302
    assert response.url == wang.get_absolute_url()
    rows = list(
        Assistance.objects.order_by("pk").values_list(
            "kind", "description", "quantity", "unit", "value_yuan"
        )
    )
    assert rows == [
        ("goods", "化肥", Decimal(3), "袋", Decimal(360)),
        ("cash", "现金", Decimal(500), "元", Decimal(500)),
    ]
    for row in Assistance.objects.all():
        assert row.household == wang
        assert row.given_by == personas.cadre
        assert row.date == date(2024, 11, 11)
        assert row.help_plan == plan
        assert row.visit is None
    assert Assistance.objects.filter(household=wang).total_value() == Decimal(860)
    page = client.get(wang.get_absolute_url()).content.decode()
    assert "化肥" in page and "860" in page


def test_cash_is_typed_once_in_either_box(client, personas, wang):
    client.force_login(personas.cadre.user)
    url = reverse("contact:assistance_create", args=[wang.pk])
    client.post(url, items_post({"kind": "cash", "quantity": "500"}))
    client.post(url, items_post({"kind": "cash", "value_yuan": "200"}))
    rows = list(Assistance.objects.order_by("pk"))
    assert [(r.quantity, r.unit, r.value_yuan) for r in rows] == [
        (Decimal(500), "元", Decimal(500)),
        (Decimal(200), "元", Decimal(200)),
    ]
    assert all(r.description for r in rows)


def test_a_double_tap_on_save_records_the_items_once(client, personas, wang):
    client.force_login(personas.cadre.user)
    url = reverse("contact:assistance_create", args=[wang.pk])
    form = client.get(url)
    key = form.context["header"]["submission"].value()
    assert f'name="submission" value="{key}"' in form.content.decode()
    data = {**items_post(FERTILISER, CASH), "submission": str(key)}
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert second.url == wang.get_absolute_url()
    assert Assistance.objects.count() == 2
    # A new form is a new submission.
    again = client.get(url).context["header"]["submission"].value()
    assert again != key
    client.post(url, {**items_post(CASH), "submission": str(again)})
    assert Assistance.objects.count() == 3


def test_cash_whose_amount_and_value_disagree_is_refused(client, personas, wang):
    client.force_login(personas.cadre.user)
    response = client.post(
        reverse("contact:assistance_create", args=[wang.pk]),
        items_post(FERTILISER, {"kind": "cash", "quantity": "500", "value_yuan": "50"}),
    )
    assert response.status_code == 400
    assert "value_yuan" in response.context["items"].forms[1].errors
    assert not Assistance.objects.exists()
    # What was typed is still there.
    assert "化肥" in response.content.decode()


def test_nothing_filled_in_is_refused_with_a_message(client, personas, wang):
    client.force_login(personas.cadre.user)
    response = client.post(reverse("contact:assistance_create", args=[wang.pk]), items_post())
    assert response.status_code == 400
    assert response.context["items"].non_form_errors()
    assert not Assistance.objects.exists()


def test_goods_need_a_description_and_a_future_date_is_refused(client, personas, wang):
    client.force_login(personas.cadre.user)
    response = client.post(
        reverse("contact:assistance_create", args=[wang.pk]),
        items_post({"kind": "goods", "quantity": "3", "unit": "袋"}, day="2999-01-01"),
    )
    assert response.status_code == 400
    assert "description" in response.context["items"].forms[0].errors
    assert "date" in response.context["header"].errors


def test_a_plan_of_another_household_cannot_be_chosen(client, personas, wang):
    other = HouseholdFactory(area=personas.village)
    plan = HelpPlan.objects.create(
        household=other, goal="x", measures="x", responsible=personas.cadre
    )
    client.force_login(personas.cadre.user)
    response = client.post(
        reverse("contact:assistance_create", args=[wang.pk]), items_post(CASH, plan=plan.pk)
    )
    assert response.status_code == 400
    assert "help_plan" in response.context["header"].errors


def test_another_townships_household_is_a_404(client, personas):
    outsider = HouseholdFactory(area=personas.outsider_village)
    client.force_login(personas.leader.user)
    url = reverse("contact:assistance_create", args=[outsider.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, items_post(CASH)).status_code == 404
    list_url = reverse("contact:assistance_list") + f"?household={outsider.pk}"
    assert client.get(list_url).status_code == 404
    assert not Assistance.objects.exists()


def test_a_supervisor_cannot_record_assistance(client, personas, wang):
    client.force_login(personas.supervisor.user)
    url = reverse("contact:assistance_create", args=[wang.pk])
    assert client.get(url).status_code == 403


# --- Totals ----------------------------------------------------------------------


@dataclass
class Ledger:
    wang: Household  # 群安村
    liu: Household  # 群安村 1组: counts for 群安村
    xiang: Household  # 金桂村
    outsider: Household  # 五星村, 白头镇


def give(household, cadre, day, kind, description, value, quantity=None, unit=""):
    return Assistance.objects.create(
        household=household,
        given_by=cadre,
        date=day,
        kind=kind,
        description=description,
        quantity=quantity,
        unit=unit,
        value_yuan=Decimal(value),
    )


@pytest.fixture
def ledger(personas):
    p = personas
    wang = HouseholdFactory(area=p.village, head_name="王春发")
    liu = HouseholdFactory(area=p.group, head_name="刘永林")
    xiang = HouseholdFactory(area=p.other_village, head_name="向朝清")
    outsider = HouseholdFactory(area=p.outsider_village, head_name="赵大")
    give(wang, p.cadre, date(2024, 11, 11), "goods", "化肥", 360, 3, "袋")
    give(wang, p.cadre, date(2024, 11, 11), "cash", "现金", 500, 500, "元")
    give(liu, p.leader, date(2024, 12, 5), "medical", "药品", 200)
    give(xiang, p.leader, date(2024, 12, 20), "cash", "现金", 1000, 1000, "元")
    give(xiang, p.cadre, date(2025, 1, 2), "goods", "大米", 150, 2, "袋")
    give(outsider, p.outsider, date(2024, 11, 20), "cash", "现金", 9999, 9999, "元")
    return Ledger(wang, liu, xiang, outsider)


def totals(client, **params):
    response = client.get(TOTALS, params)
    assert response.status_code == 200
    rows = response.context["page"].object_list
    return {_label(row): (row["count"], row["total"]) for row in rows}, response


def _label(row):
    return f"{row['key']:%Y-%m}" if isinstance(row["key"], date) else row["name"]


def test_totals_per_household_village_cadre_and_month_for_the_township(client, personas, ledger):
    client.force_login(personas.leader.user)
    by_household, response = totals(client, by="household")
    assert by_household == {
        "王春发": (2, Decimal(860)),
        "刘永林": (1, Decimal(200)),
        "向朝清": (2, Decimal(1150)),
    }
    assert response.context["grand"] == {"count": 5, "total": Decimal(2210)}
    assert totals(client, by="cadre")[0] == {
        "张丽": (3, Decimal(1010)),
        "王成龙": (2, Decimal(1200)),
    }
    # 刘永林 lives in 1组 of 群安村: counted with the village.
    assert totals(client, by="village")[0] == {
        "群安村": (3, Decimal(1060)),
        "金桂村": (2, Decimal(1150)),
    }
    assert totals(client, by="month")[0] == {
        "2024-11": (2, Decimal(860)),
        "2024-12": (2, Decimal(1200)),
        "2025-01": (1, Decimal(150)),
    }


def test_totals_leave_out_what_is_outside_the_users_scope(client, personas, ledger):
    client.force_login(personas.leader.user)
    _rows, response = totals(client)
    assert "赵大" not in response.content.decode()
    assert "9999" not in response.content.decode()
    # 张丽 sees her village, and what she gave elsewhere.
    client.force_login(personas.cadre.user)
    assert totals(client, by="household")[0] == {
        "王春发": (2, Decimal(860)),
        "刘永林": (1, Decimal(200)),
        "向朝清": (1, Decimal(150)),
    }
    client.force_login(personas.outsider.user)
    assert totals(client, by="household")[0] == {"赵大": (1, Decimal(9999))}


def test_totals_filter_by_period_and_area_and_sort_by_value(client, personas, ledger):
    client.force_login(personas.leader.user)
    assert totals(client, by="village", year=2024)[0] == {
        "群安村": (3, Decimal(1060)),
        "金桂村": (1, Decimal(1000)),
    }
    assert totals(client, by="cadre", month="2024-12")[0] == {"王成龙": (2, Decimal(1200))}
    assert totals(client, by="household", area=personas.other_village.pk)[0] == {
        "向朝清": (2, Decimal(1150))
    }
    _rows, response = totals(client, by="household", sort="value")
    assert [r["name"] for r in response.context["page"].object_list] == [
        "向朝清",
        "王春发",
        "刘永林",
    ]
    _rows, response = totals(client, by="household", sort="-value")
    assert [r["name"] for r in response.context["page"].object_list] == [
        "刘永林",
        "王春发",
        "向朝清",
    ]


def test_an_area_outside_scope_or_a_bad_month_is_not_a_filter(client, personas, ledger):
    client.force_login(personas.leader.user)
    _rows, response = totals(client, area=personas.outsider_village.pk, month="2024-13")
    form = response.context["form"]
    assert "area" in form.errors and "month" in form.errors
    assert "9999" not in response.content.decode()


def test_every_total_links_to_the_rows_it_counts(client, personas, ledger):
    client.force_login(personas.leader.user)
    for by in ("household", "cadre", "village", "month"):
        _rows, response = totals(client, by=by, year=2024)
        for row in response.context["page"].object_list:
            url = urlparse(row["url"])
            assert url.path == reverse("contact:assistance_list")
            rows = client.get(row["url"])
            assert rows.status_code == 200, (by, row["url"])
            assert rows.context["grand"] == {"count": row["count"], "total": row["total"]}, (
                by,
                parse_qs(url.query),
            )


def test_the_totals_take_a_constant_number_of_queries(client, personas, ledger):
    client.force_login(personas.leader.user)
    counts = {}
    for size in ("small", "large"):
        if size == "large":
            for n in range(15):
                household = HouseholdFactory(area=personas.other_village)
                give(household, personas.leader, date(2024, 3, n + 1), "cash", "现金", n + 1)
        for by in ("household", "cadre", "village", "month"):
            with CaptureQueriesContext(connection) as queries:
                client.get(TOTALS, {"by": by})
            counts[size, by] = len(queries)
    for by in ("household", "cadre", "village", "month"):
        assert counts["small", by] == counts["large", by], by


def test_the_totals_page_pages(client, personas):
    for n in range(25):
        give(
            HouseholdFactory(area=personas.village),
            personas.cadre,
            date(2024, 1, 1),
            "cash",
            "现金",
            n + 1,
        )
    client.force_login(personas.cadre.user)
    first = client.get(TOTALS).context["page"]
    assert first.paginator.count == 25
    assert len(first.object_list) == 20
    assert first.object_list[0]["total"] == Decimal(25)
    second = client.get(TOTALS, {"page": 2}).context["page"]
    assert len(second.object_list) == 5
