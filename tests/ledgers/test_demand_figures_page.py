"""The figures page: seed 004's "received, handled, return-visited, implemented" for an area and a period.

March 2026 in 崇州市: in 群安村 张丽 records two demands (one is assigned,
resolved on time, return-visited satisfied and closed), in 金桂村 王成龙
records an urgent one nobody handles (overdue), and in 五星村 (白头镇) 赵志刚
records one. A February demand in 群安村 is received last month and
handled (late) this month: figures count what happened in the period.
The page is read on 20 March.
"""

from datetime import date, datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from ledgers import selectors, services
from ledgers.models import Demand

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIGURES = reverse("ledgers:demand_figures")
MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 1)


def at(day: date, hour: int = 10):
    return time_machine.travel(
        datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False
    )


def record(cadre, area, household=None, **kw):
    fields = {"kind": "roads", "urgency": "serious", "description": "通组路垮塌一段", **kw}
    demand, _created = services.demand_record(
        by=cadre.user, area=area, household=household, **fields
    )
    return demand


@pytest.fixture
def march(personas, household):
    with at(date(2026, 2, 10)):
        february = record(personas.cadre, personas.village, household, kind="water")
    with at(date(2026, 3, 2)):
        handled = record(personas.cadre, personas.village, household)
        waiting = record(personas.cadre, personas.village, urgency="moderate", kind="housing")
        overdue = record(personas.leader, personas.other_village, urgency="urgent")
        elsewhere = record(personas.outsider, personas.outsider_village)
    with at(date(2026, 3, 4)):
        services.demand_assign(
            demand=handled, by=personas.leader.user, handler_cadre=personas.cadre
        )
        services.demand_resolve(demand=handled, by=personas.cadre.user, resolution="已填平")
        services.demand_resolve(demand=february, by=personas.cadre.user, resolution="已修通")
    with at(date(2026, 3, 9)):
        services.demand_return_visit(
            demand=handled, by=personas.cadre.user, satisfaction="satisfied", solved="solved"
        )
        services.demand_close(demand=handled, by=personas.reviewer.user)
    return {
        "february": february,
        "handled": handled,
        "waiting": waiting,
        "overdue": overdue,
        "elsewhere": elsewhere,
    }


def numbers(cells) -> dict[str, int]:
    return {cell["figure"].name: cell["count"] for cell in cells}


def test_the_figures_of_this_month_are_counted_from_the_records(client, personas, march):
    client.force_login(personas.leader.user)
    with at(date(2026, 3, 20)):
        response = client.get(FIGURES)
    assert response.status_code == 200
    assert numbers(response.context["totals"]) == {
        "received": 3,
        "assigned": 1,
        "handled": 2,
        "on_time": 1,
        "overdue": 1,
        "return_visited": 1,
        "satisfied": 1,
        "implemented": 1,
    }


def test_each_number_equals_its_figure_queryset_and_its_link_lists_those_demands(
    client, personas, march
):
    client.force_login(personas.leader.user)
    scoped = Demand.objects.visible_to(personas.leader.user)
    with at(date(2026, 3, 20)):
        response = client.get(FIGURES)
        rows = [(None, response.context["totals"])] + [
            (row["area"], row["cells"]) for row in response.context["rows"]
        ]
        for area, cells in rows:
            for cell in cells:
                name = cell["figure"].name
                expected = selectors.figure_queryset(scoped.in_area(area), name, MARCH, APRIL)
                assert cell["count"] == expected.count(), (area, name)
                query = parse_qs(urlsplit(cell["url"]).query)
                assert query["figure"] == [name]
                assert query["from"] == ["2026-03-01"]
                assert query["to"] == ["2026-03-31"]
                assert query.get("area") == ([str(area.pk)] if area else None)
                listed = client.get(cell["url"])
                assert listed.context["total"] == cell["count"], (area, name)
                assert set(listed.context["page"].object_list) == set(expected)


def test_a_township_leader_sees_one_row_per_village(client, personas, march):
    client.force_login(personas.leader.user)
    with at(date(2026, 3, 20)):
        response = client.get(FIGURES)
    rows = {row["area"]: numbers(row["cells"]) for row in response.context["rows"]}
    assert set(rows) == {personas.village, personas.other_village}
    assert rows[personas.village]["received"] == 2
    assert rows[personas.village]["implemented"] == 1
    assert rows[personas.other_village]["received"] == 1
    assert rows[personas.other_village]["overdue"] == 1


def test_the_county_supervisor_sees_one_row_per_township(client, personas, march):
    client.force_login(personas.supervisor.user)
    with at(date(2026, 3, 20)):
        response = client.get(FIGURES)
    assert numbers(response.context["totals"])["received"] == 4
    rows = {row["area"]: numbers(row["cells"]) for row in response.context["rows"]}
    assert set(rows) == {personas.township, personas.other_township}
    assert rows[personas.township]["received"] == 3
    assert rows[personas.other_township]["received"] == 1


def test_the_outsider_counts_only_his_own_township(client, personas, march):
    client.force_login(personas.outsider.user)
    with at(date(2026, 3, 20)):
        response = client.get(FIGURES)
    totals = numbers(response.context["totals"])
    assert totals["received"] == 1
    assert totals["implemented"] == 0
    assert [row["area"] for row in response.context["rows"]] == [personas.outsider_village]


def test_an_area_and_last_month_narrow_the_figures(client, personas, march):
    client.force_login(personas.leader.user)
    with at(date(2026, 3, 20)):
        response = client.get(FIGURES, {"period": "last_month", "area": personas.village.pk})
    totals = numbers(response.context["totals"])
    assert totals["received"] == 1  # the February demand
    assert totals["handled"] == 0  # it was handled in March
    assert totals["overdue"] == 1  # its deadline fell in February and passed
    query = parse_qs(urlsplit(response.context["totals"][0]["url"]).query)
    assert query["from"] == ["2026-02-01"]
    assert query["to"] == ["2026-02-28"]
    assert query["area"] == [str(personas.village.pk)]
    assert response.context["rows"] == []  # a village has no villages below it


def test_a_custom_period_and_this_year(client, personas, march):
    client.force_login(personas.leader.user)
    with at(date(2026, 3, 20)):
        custom = client.get(FIGURES, {"period": "custom", "from": "2026-03-03", "to": "2026-03-09"})
        year = client.get(FIGURES, {"period": "this_year"})
    assert numbers(custom.context["totals"]) == {
        "received": 0,
        "assigned": 1,
        "handled": 2,
        "on_time": 1,
        "overdue": 1,  # the urgent one's deadline fell on 5 March
        "return_visited": 1,
        "satisfied": 1,
        "implemented": 1,
    }
    assert numbers(year.context["totals"])["received"] == 4


def test_an_area_outside_scope_is_not_counted(client, personas, march):
    client.force_login(personas.outsider.user)
    with at(date(2026, 3, 20)):
        response = client.get(FIGURES, {"area": personas.village.pk})
    assert response.status_code == 200
    assert response.context["area"] is None
    assert numbers(response.context["totals"])["received"] == 1
