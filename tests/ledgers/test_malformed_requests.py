"""A mangled address is a page that does not exist or a filter that is ignored, never a server error.

Links are shared by WeChat and retyped on phones; a year typed as 9999 or a
month as 2026-13 must not break the page the cadre was on.
"""

import pytest
from django.urls import reverse

from ledgers.models import StabilityCase
from tests.ledgers.test_demand_views import record
from tests.ledgers.test_entry_views import dispute, one_of_each

pytestmark = pytest.mark.django_db

# Dates and months that parse, but whose period's end (the next day or month)
# or whose midnight in UTC lies outside Python's years 1 to 9999.
EDGE_DATES = ["9999-12-31", "0001-01-01"]
EDGE_MONTHS = ["9999-12", "2026-13", "0000-00"]


@pytest.mark.parametrize("value", EDGE_DATES)
@pytest.mark.parametrize("param", ["from", "to"])
@pytest.mark.parametrize("figure", ["", "received", "assigned", "return_visited"])
def test_the_demand_list_ignores_a_date_out_of_range(
    client, personas, household, param, value, figure
):
    demand = record(personas, household)
    client.force_login(personas.cadre.user)
    response = client.get(reverse("ledgers:demand_list"), {param: value, "figure": figure})
    assert response.status_code == 200
    if not figure:
        assert list(response.context["page"].object_list) == [demand]


@pytest.mark.parametrize("value", EDGE_MONTHS)
def test_the_demand_list_ignores_a_month_out_of_range(client, personas, household, value):
    demand = record(personas, household)
    client.force_login(personas.cadre.user)
    response = client.get(reverse("ledgers:demand_list"), {"month": value})
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [demand]


@pytest.mark.parametrize("value", EDGE_DATES)
@pytest.mark.parametrize("param", ["from", "to"])
def test_the_figures_page_ignores_a_date_out_of_range(client, personas, household, param, value):
    record(personas, household)
    client.force_login(personas.leader.user)
    response = client.get(reverse("ledgers:demand_figures"), {"period": "custom", param: value})
    assert response.status_code == 200


@pytest.mark.parametrize("value", EDGE_DATES)
@pytest.mark.parametrize("param", ["start", "end"])
def test_a_ledger_list_ignores_a_date_out_of_range(client, personas, param, value):
    case = dispute(personas)
    client.force_login(personas.cadre.user)
    response = client.get(reverse("ledgers:entry_list", args=["stability"]), {param: value})
    assert response.status_code == 200
    assert [entry for entry, _cells in response.context["page"].object_list] == [case]


@pytest.mark.parametrize("value", EDGE_MONTHS)
def test_a_ledger_list_ignores_a_month_out_of_range(client, personas, value):
    case = dispute(personas)
    client.force_login(personas.cadre.user)
    response = client.get(reverse("ledgers:entry_list", args=["stability"]), {"month": value})
    assert response.status_code == 200
    assert [entry for entry, _cells in response.context["page"].object_list] == [case]


@pytest.mark.parametrize("view", ["ledger_print", "ledger_xlsx"])
@pytest.mark.parametrize("value", ["9999-12", "2101-01", "2026-13"])
def test_a_printed_page_of_a_month_no_ledger_can_hold_is_a_404(client, personas, view, value):
    client.force_login(personas.cadre.user)
    response = client.get(
        reverse(f"ledgers:{view}", args=["stability"]),
        {"village": personas.village.pk, "month": value},
    )
    assert response.status_code == 404


# --- The admin's history pages -------------------------------------------------------------


@pytest.mark.parametrize(
    "suffix", ["abc/history/", "abc/history/1/", "{pk}/history/abc/", "{pk}/history/%E4%B8%80/"]
)
def test_a_mangled_id_in_an_entrys_admin_history_is_a_404(client, personas, household, suffix):
    case = one_of_each(personas, household)["stability"]
    client.force_login(personas.reviewer.user)
    url = f"/admin/ledgers/stabilitycase/{suffix.format(pk=case.pk)}"
    assert client.get(url).status_code == 404


def test_an_entrys_admin_history_still_opens(client, personas):
    case = dispute(personas)
    case.parties = "张德明 与 李春华（邻居）"
    case.save()
    version = case.history.earliest()
    client.force_login(personas.reviewer.user)
    base = f"/admin/ledgers/stabilitycase/{case.pk}/history/"
    assert client.get(base).status_code == 200
    assert client.get(f"{base}{version.history_id}/").status_code == 200
    outsider_case = dispute(personas, area=personas.outsider_village, by=personas.outsider)
    assert StabilityCase.objects.count() == 2
    assert (
        client.get(f"/admin/ledgers/stabilitycase/{outsider_case.pk}/history/").status_code == 404
    )
